package bench

import (
	"context"
	"fmt"
	"time"

	"github.com/sentinel-mcp/sentinel-mcp/internal/kql"
	"github.com/sentinel-mcp/sentinel-mcp/internal/kql/data"
)

// Source is a data source holding the benchmark table.
type Source struct{ T *data.Table }

func (s *Source) Table(name string) (*data.Table, bool) {
	if name == s.T.Name() {
		return s.T, true
	}
	return nil, false
}
func (s *Source) TableNames() []string                    { return []string{s.T.Name()} }
func (s *Source) Workspace(string) (kql.DataSource, bool) { return nil, false }

// Result is one measured query.
type Result struct {
	Query     Query
	Best      time.Duration // fastest run through the full path (parse, compile, execute)
	RowsPerS  float64       // input rows per second at Best
	Rows      int           // result rows
	Single    string        // the value of a one-row, one-column result
	AllocsOp  float64       // allocations per run (from testing.Benchmark when available)
	SQLite    time.Duration // best SQLite time (0 when sqlite3 is absent)
	SQLiteOut string
}

// Run executes q reps times over src and returns the best time and the
// number of result rows.
func Run(src kql.DataSource, q Query, reps int) (time.Duration, int, error) {
	best, rows, _, err := run(src, q, reps)
	return best, rows, err
}

func run(src kql.DataSource, q Query, reps int) (time.Duration, int, string, error) {
	best := time.Duration(-1)
	rows := 0
	single := ""
	for i := 0; i < reps; i++ {
		start := time.Now()
		res, err := kql.Execute(context.Background(), src, q.KQL, kql.Options{Now: SigninEnd, MaxMemory: -1, Timeout: -1})
		d := time.Since(start)
		if err != nil {
			return 0, 0, "", fmt.Errorf("%s: %w", q.Name, err)
		}
		if best < 0 || d < best {
			best = d
		}
		rows = len(res.Tables[0].Rows)
		if rows == 1 && len(res.Tables[0].Columns) == 1 {
			single = fmt.Sprint(res.Tables[0].Rows[0][0])
		}
	}
	return best, rows, single, nil
}
