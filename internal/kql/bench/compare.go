package bench

import (
	"fmt"
	"io"
	"os"
	"runtime"
	"time"
)

// Compare measures every benchmark query on n generated rows through the
// full KQL path and, when the sqlite3 shell is installed, the equivalent
// SQL on the same rows, and writes a report to w. It returns the results
// and whether the targets hold (filter+count at minRowsPerSec or more, and
// every query faster than SQLite and giving the same answer, when SQLite
// was measured).
func Compare(w io.Writer, n, reps int, minRowsPerSec float64) ([]Result, bool, error) {
	t, err := SigninTable(n)
	if err != nil {
		return nil, false, err
	}
	src := &Source{T: t}
	var sq *SQLite
	dir, err := os.MkdirTemp("", "kqlbench")
	if err != nil {
		return nil, false, err
	}
	defer os.RemoveAll(dir)
	if sq, err = NewSQLite(dir, n); err != nil {
		fmt.Fprintf(w, "SQLite comparison skipped: %v\n", err)
		sq = nil
	}
	ok := true
	var out []Result
	fmt.Fprintf(w, "%d rows, best of %d runs, GOMAXPROCS=%d\n", n, reps, runtime.GOMAXPROCS(0))
	fmt.Fprintf(w, "%-30s %12s %12s %12s %12s %8s %8s\n", "query", "kql", "Mrows/s", "allocs/run", "sqlite", "speedup", "rows")
	for _, q := range Queries {
		var ms0, ms1 runtime.MemStats
		runtime.ReadMemStats(&ms0)
		best, rows, single, err := run(src, q, reps)
		if err != nil {
			return nil, false, err
		}
		runtime.ReadMemStats(&ms1)
		r := Result{Query: q, Best: best, Rows: rows, Single: single, RowsPerS: float64(n) / best.Seconds(),
			AllocsOp: float64(ms1.Mallocs-ms0.Mallocs) / float64(reps)}
		if sq != nil {
			if r.SQLite, r.SQLiteOut, err = sq.Time(q.SQL, reps); err != nil {
				return nil, false, err
			}
			// Same answer first: the row count, and the value of a
			// single-value result (filter+count).
			srows, ssingle, err := sq.Count(q.SQL)
			if err != nil {
				return nil, false, err
			}
			if srows != rows || ssingle != single {
				fmt.Fprintf(w, "%s: the answers differ: kql %d rows %q, sqlite %d rows %q\n", q.Name, rows, single, srows, ssingle)
				ok = false
			}
		}
		speedup := "-"
		if r.SQLite > 0 {
			speedup = fmt.Sprintf("%.1fx", r.SQLite.Seconds()/best.Seconds())
			if best >= r.SQLite {
				ok = false
			}
		}
		if q.Name == "filter+count" && r.RowsPerS < minRowsPerSec {
			ok = false
		}
		fmt.Fprintf(w, "%-30s %12s %12.1f %12.0f %12s %8s %8d\n", q.Name, best.Round(time.Microsecond), r.RowsPerS/1e6, r.AllocsOp, r.SQLite.Round(time.Microsecond), speedup, rows)
		out = append(out, r)
	}
	return out, ok, nil
}
