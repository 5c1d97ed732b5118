package bench

import (
	"context"
	"os"
	"sync"
	"testing"

	"github.com/sentinel-mcp/sentinel-mcp/internal/kql"
	"github.com/sentinel-mcp/sentinel-mcp/internal/kql/data"
)

const benchRows = 1_000_000

var table = sync.OnceValues(func() (*data.Table, error) { return SigninTable(benchRows) })

// targetRowsPerSec is the filter+count target (rows/s through the full
// path, 2 cores).
const targetRowsPerSec = 10e6

// BenchmarkQueries runs the benchmark workloads over 1M SigninLogs rows
// through kql.Execute (parse, compile, execute) and reports input rows/s.
func BenchmarkQueries(b *testing.B) {
	t, err := table()
	if err != nil {
		b.Fatal(err)
	}
	src := &Source{T: t}
	for _, q := range Queries {
		b.Run(q.Name, func(b *testing.B) {
			b.ReportAllocs()
			for i := 0; i < b.N; i++ {
				if _, err := kql.Execute(context.Background(), src, q.KQL, kql.Options{Now: SigninEnd, MaxMemory: -1, Timeout: -1}); err != nil {
					b.Fatal(err)
				}
			}
			rate := float64(t.Len()) * float64(b.N) / b.Elapsed().Seconds()
			b.ReportMetric(rate/1e6, "Mrows/s")
			if q.Name == "filter+count" && b.N >= 5 && rate < targetRowsPerSec && os.Getenv("KQLBENCH_NO_TARGET") == "" {
				b.Errorf("filter+count: %.1fM rows/s, below the %.0fM rows/s target", rate/1e6, targetRowsPerSec/1e6)
			}
		})
	}
}
