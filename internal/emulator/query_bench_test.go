package emulator

import (
	"context"
	"testing"
	"time"

	"github.com/sentinel-mcp/sentinel-mcp/internal/kql"
)

// BenchmarkSeededWorkspaceQueries runs queries that read every table of a
// seeded Sentinel workspace (fabrikam-sentinel: 7 days, about 16k rows in
// 24 tables) through the engine as the query API does, data generated once.
func BenchmarkSeededWorkspaceQueries(b *testing.B) {
	e, err := New(Options{Now: func() time.Time { return fxNow }})
	if err != nil {
		b.Fatal(err)
	}
	ws, ok := e.findWorkspace("fabrikam-sentinel")
	if !ok {
		b.Fatal("no fabrikam-sentinel workspace")
	}
	e.workspaceLogs(str(ws["id"]))
	opts := kql.Options{Now: fxNow, From: fxNow.Add(-7 * 24 * time.Hour), To: fxNow, HiddenColumns: hiddenColumns(), MaxMemory: queryMaxMemory}
	for _, c := range []struct{ name, q string }{
		{"unionCount", `union * | count`},
		{"unionCountBySource", `union withsource=T * | summarize count() by T`},
		{"unionTake10", `union * | take 10`},
		{"unionWhereRows", `union * | where TimeGenerated > ago(10m)`},
		{"search", `search "megan" | count`},
		{"find", `find where true | count`},
	} {
		b.Run(c.name, func(b *testing.B) {
			b.ReportAllocs()
			for i := 0; i < b.N; i++ {
				src := &wsSource{e: e, c: &call{}, workspaces: []doc{ws}}
				if _, err := kql.Execute(context.Background(), src, c.q, opts); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
