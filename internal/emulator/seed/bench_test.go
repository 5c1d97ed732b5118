package seed

import (
	"testing"
)

// BenchmarkLogs1M generates every workspace of a world sized to one million rows.
func BenchmarkLogs1M(b *testing.B) {
	for i := 0; i < b.N; i++ {
		w := Build(Options{Now: testNow, Rows: 1_000_000})
		rows := 0
		for _, ws := range w.Workspaces {
			for _, t := range w.Logs(ws.ResourceID) {
				rows += t.Len()
			}
		}
		b.ReportMetric(float64(rows), "rows")
	}
}

// BenchmarkLogsDemoWorkspace generates one demo-size (Scale 1) Sentinel workspace.
func BenchmarkLogsDemoWorkspace(b *testing.B) {
	w := Build(Options{Now: testNow})
	ws := w.Workspaces[1]
	for i := 0; i < b.N; i++ {
		w.Logs(ws.ResourceID)
	}
}

// BenchmarkBuild is the cost of the world at start-up (directory, subscriptions, eager resources, deferred
// groups registered but not built).
func BenchmarkBuild(b *testing.B) {
	for i := 0; i < b.N; i++ {
		Build(Options{Now: testNow})
	}
}

// BenchmarkBuildDeferred builds every deferred group of the named workspaces (what a full crawl of the
// emulator's ARM surface costs the seed).
func BenchmarkBuildDeferred(b *testing.B) {
	w := Build(Options{Now: testNow})
	for i := 0; i < b.N; i++ {
		for _, d := range w.Deferred {
			d.Build()
		}
	}
}
