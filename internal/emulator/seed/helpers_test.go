package seed

import (
	"sync"
	"testing"
	"time"

	"github.com/sentinel-mcp/sentinel-mcp/internal/emulator/world"
	"github.com/sentinel-mcp/sentinel-mcp/internal/kql/data"
)

var testNow = time.Date(2026, 3, 10, 14, 37, 12, 0, time.UTC)

// demo is the demo world at testNow, its logs generated once for the tests that only read them.
var demo = sync.OnceValues(func() (*World, map[string]map[string]*data.Table) {
	w := Build(Options{Now: testNow})
	return w, allLogs(w)
})

func allLogs(w *World) map[string]map[string]*data.Table {
	out := map[string]map[string]*data.Table{}
	var mu sync.Mutex
	var wg sync.WaitGroup
	for _, ws := range w.Workspaces {
		wg.Add(1)
		go func() { // concurrently, as the emulator may
			defer wg.Done()
			t := w.Logs(ws.ResourceID)
			mu.Lock()
			out[ws.Name] = t
			mu.Unlock()
		}()
	}
	wg.Wait()
	return out
}

// tbl gives typed access to a generated table's cells by column name.
type tbl struct {
	t    *testing.T
	data *data.Table
}

func table(t *testing.T, logs map[string]*data.Table, name string) tbl {
	t.Helper()
	d, ok := logs[name]
	if !ok {
		t.Fatalf("no table %s", name)
	}
	return tbl{t, d}
}

func (x tbl) n() int { return x.data.Len() }

func (x tbl) col(name string) *data.Vector {
	x.t.Helper()
	v, ok := x.data.ColumnByName(name)
	if !ok {
		x.t.Fatalf("table %s has no column %s", x.data.Name(), name)
	}
	return v
}

func (x tbl) str(name string) func(i int) string {
	v := x.col(name)
	return v.Str
}

func (x tbl) long(name string) func(i int) int64 {
	v := x.col(name)
	return func(i int) int64 { return v.Ints[i] }
}

func (x tbl) time(name string) func(i int) time.Time {
	v := x.col(name)
	return func(i int) time.Time { return data.TicksToTime(v.Ints[i]) }
}

func (x tbl) dyn(name string) func(i int) any {
	v := x.col(name)
	return func(i int) any { return v.Dyns[i] }
}

// rows returns the indexes of the rows matching keep.
func (x tbl) rows(keep func(i int) bool) []int {
	var out []int
	for i := 0; i < x.n(); i++ {
		if keep(i) {
			out = append(out, i)
		}
	}
	return out
}

// hourOf is bin(t, 1h).
func hourOf(t time.Time) time.Time { return t.Truncate(time.Hour) }

// storyStart is a story's start on the test clock.
func storyStart(s world.Story) time.Time { return s.Start(testNow) }
