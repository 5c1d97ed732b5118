package tenancy_test

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/sentinel-mcp/sentinel-mcp/internal/emulator"
	"github.com/sentinel-mcp/sentinel-mcp/internal/tenancy"
	"github.com/sentinel-mcp/sentinel-mcp/internal/tenancy/fanout"
)

const incidentsRoute = "/subscriptions/**/providers/Microsoft.SecurityInsights/incidents"

func isIncidentList(r *http.Request) bool { return strings.HasSuffix(r.URL.Path, "/incidents") }

// listIncidents is the per-workspace call of a typical multi-workspace tool.
func listIncidents(f *fixture) func(context.Context, *tenancy.Workspace) (int, error) {
	return func(ctx context.Context, ws *tenancy.Workspace) (int, error) {
		arm, err := f.p.ARM(ws.CredTenantID)
		if err != nil {
			return 0, err
		}
		res, err := arm.List(ctx, ws.ResourceID+"/providers/Microsoft.SecurityInsights/incidents", nil)
		if err != nil {
			return 0, err
		}
		return len(res.Items), nil
	}
}

func manyWorkspaces(t testing.TB, extra int) (*fixture, []*tenancy.Workspace) {
	t.Helper()
	f := newFixture(t, emulator.Options{ExtraTenants: extra}, mssp())
	wss, err := f.r.Select(ctx(t), tenancy.Selector{All: true})
	if err != nil {
		t.Fatal(err)
	}
	if len(wss) < extra+6 {
		t.Fatalf("%d workspaces discovered with %d extra tenants", len(wss), extra)
	}
	// warm every credential so the measurements are about the fan-out
	for _, ws := range wss[:1] {
		if _, err := listIncidents(f)(ctx(t), ws); err != nil {
			t.Fatal(err)
		}
	}
	return f, wss
}

func TestFanOutOverManyWorkspacesWithLatencyAndThrottling(t *testing.T) {
	f, wss := manyWorkspaces(t, 20)
	throttle, err := f.e.Faults().Add(emulator.Fault{Route: incidentsRoute, Method: "GET", Status: 429, RetryAfter: 20 * time.Millisecond, Times: 8})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.e.Faults().Add(emulator.Fault{Route: incidentsRoute, Method: "GET", Latency: 30 * time.Millisecond}); err != nil {
		t.Fatal(err)
	}
	f.wire.watch(isIncidentList)
	var progress atomic.Int64
	outs := fanout.Run(ctx(t), wss, fanout.Options{Concurrency: 5, PerTargetTimeout: 20 * time.Second,
		Progress: func(done, total int, last string) { progress.Add(1) }}, listIncidents(f))
	if failed := fanout.Failed(outs); len(failed) > 0 {
		t.Fatalf("%d of %d workspaces failed, e.g. %s: %v", len(failed), len(outs), failed[0].Target, failed[0].Err)
	}
	if h := f.e.Faults().Hits(throttle); h != 8 {
		t.Errorf("throttled %d times, want 8 (all retried)", h)
	}
	if p := f.wire.peak.Load(); p > 5 || p < 2 {
		t.Errorf("peak concurrent requests at the wire: %d, want 2..5", p)
	}
	if progress.Load() != int64(len(wss)) {
		t.Errorf("progress reported %d times for %d workspaces", progress.Load(), len(wss))
	}
}

func TestFanOutCancellation(t *testing.T) {
	f, wss := manyWorkspaces(t, 20)
	if _, err := f.e.Faults().Add(emulator.Fault{Route: incidentsRoute, Method: "GET", Latency: 100 * time.Millisecond}); err != nil {
		t.Fatal(err)
	}
	before := f.wire.count()
	c, cancel := context.WithCancel(context.Background())
	time.AfterFunc(150*time.Millisecond, cancel)
	start := time.Now()
	outs := fanout.Run(c, wss, fanout.Options{Concurrency: 5}, listIncidents(f))
	if d := time.Since(start); d > time.Second {
		t.Errorf("Run returned %s after start, cancelled at 150ms", d)
	}
	var ok, notStarted, cancelled int
	for _, o := range outs {
		switch {
		case o.Err == nil:
			ok++
		case errors.Is(o.Err, fanout.ErrNotStarted):
			notStarted++
		case errors.Is(o.Err, context.Canceled):
			cancelled++
		default:
			t.Errorf("%s: %v", o.Target, o.Err)
		}
	}
	if ok > 10 || notStarted < len(wss)-15 || ok+notStarted+cancelled != len(wss) {
		t.Errorf("%d done, %d cancelled while running, %d not started of %d", ok, cancelled, notStarted, len(wss))
	}
	if sent := f.wire.count() - before; sent >= len(wss) {
		t.Errorf("%d requests sent after cancellation", sent)
	}
}

// BenchmarkFanOut measures a fan-out over the 20 synthetic customers' workspaces (alike, small: the
// named workspaces hold far more incidents, and the slowest one would set the pace) with 50ms of
// latency per call at concurrency 5 against the ideal latency x ceil(N/concurrency); "throttled"
// also answers a quarter of the calls of each run with 429 and a Retry-After of 20ms before they
// succeed, as Azure does under load (a throttled call holds its slot while it waits, so the ideal
// grows by one wait per throttled round). work_ms is the same fan-out without latency: the CPU time
// of the calls themselves, which the elapsed time adds to the ideal where it cannot overlap the waits.
func BenchmarkFanOut(b *testing.B) {
	for _, throttled := range []bool{false, true} {
		name := "latency"
		if throttled {
			name = "throttled"
		}
		b.Run(name, func(b *testing.B) {
			f, all := manyWorkspaces(b, 20)
			var wss []*tenancy.Workspace
			for _, w := range all {
				if strings.HasPrefix(w.TenantAlias, "customer-") {
					wss = append(wss, w)
				}
			}
			for _, w := range wss { // warm every workspace's incidents
				if _, err := listIncidents(f)(ctx(b), w); err != nil {
					b.Fatal(err)
				}
			}
			const latency, wait = 50 * time.Millisecond, 20 * time.Millisecond
			// The calls' own work (emulator and client share the machine's cores), without latency:
			// what the elapsed time adds to the ideal when it does not overlap the waits.
			work := time.Now()
			for range 3 {
				fanout.Run(context.Background(), wss, fanout.Options{Concurrency: 5}, listIncidents(f))
			}
			workMS := float64(time.Since(work).Microseconds()) / 3000
			slow := emulator.Fault{Route: incidentsRoute, Method: "GET", Latency: latency}
			slowID, err := f.e.Faults().Add(slow)
			if err != nil {
				b.Fatal(err)
			}
			conc := 5
			rounds := (len(wss) + conc - 1) / conc
			ideal := latency * time.Duration(rounds)
			if throttled {
				ideal += wait * time.Duration((len(wss)/4+conc-1)/conc)
			}
			fn := listIncidents(f)
			f.wire.watch(isIncidentList)
			var elapsed time.Duration
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				throttle := ""
				if throttled {
					// The first matching fault answers: the throttle goes before the latency.
					b.StopTimer()
					f.e.Faults().Remove(slowID)
					if throttle, err = f.e.Faults().Add(emulator.Fault{Route: incidentsRoute, Method: "GET", Status: 429, RetryAfter: wait, Times: len(wss) / 4}); err != nil {
						b.Fatal(err)
					}
					if slowID, err = f.e.Faults().Add(slow); err != nil {
						b.Fatal(err)
					}
					b.StartTimer()
				}
				start := time.Now()
				outs := fanout.Run(context.Background(), wss, fanout.Options{Concurrency: conc}, fn)
				elapsed += time.Since(start)
				if failed := fanout.Failed(outs); len(failed) > 0 {
					b.Fatal(failed[0].Err)
				}
				if throttle != "" && f.e.Faults().Hits(throttle) != len(wss)/4 {
					b.Fatalf("%d calls throttled, want %d", f.e.Faults().Hits(throttle), len(wss)/4)
				}
			}
			per := elapsed / time.Duration(b.N)
			b.ReportMetric(float64(len(wss)), "workspaces")
			b.ReportMetric(float64(f.wire.peak.Load()), "peak_concurrent")
			b.ReportMetric(float64(ideal.Milliseconds()), "ideal_ms")
			b.ReportMetric(workMS, "work_ms")
			b.ReportMetric(float64(per.Microseconds())/1000, "elapsed_ms")
			b.ReportMetric(float64(per)/float64(ideal), "x_ideal")
			b.ReportMetric(float64(latency*time.Duration(len(wss)))/float64(per), "x_faster_than_serial")
		})
	}
}
