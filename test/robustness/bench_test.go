package robustness

import (
	"context"
	"math"
	"os"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/sentinel-mcp/sentinel-mcp/internal/azure"
	"github.com/sentinel-mcp/sentinel-mcp/internal/config"
	"github.com/sentinel-mcp/sentinel-mcp/internal/emulator"
	"github.com/sentinel-mcp/sentinel-mcp/internal/emulator/world"
	"github.com/sentinel-mcp/sentinel-mcp/internal/toolsets/toolsettest"
)

// Figures of the README (Figures section), printed as benchmark metrics, never asserted:
//
//	go test ./test/robustness -run '^$' -bench . -benchtime 1x
//
// Each benchmark reports one figure per iteration; -benchtime 1x is enough for a smoke run, more
// iterations give steadier numbers.

// benchEnv is the server with every toolset over an emulator with n synthetic customers, at a small
// log volume (generation is not what is measured).
func benchEnv(b *testing.B, extraTenants int) *toolsettest.Env {
	b.Helper()
	return startAll(b, toolsettest.Options{Emulator: emulator.Options{ExtraTenants: extraTenants, Scale: 0.05},
		Configure: func(c *config.Config) { c.Limits.CallTimeout = 5 * time.Minute }})
}

func extraAliases(n int) []any {
	out := make([]any, n)
	for i := range out {
		out[i] = world.ExtraWorkspace(i + 1).Alias()
	}
	return out
}

// BenchmarkFanOut50Workspaces runs tools over 50 customer workspaces while every Azure request takes
// 100 ms more: the elapsed time against the ideal, latency x ceil(workspaces / concurrency) x the
// requests each workspace needs, which a perfect fan-out would take (target: within 1.5x).
func BenchmarkFanOut50Workspaces(b *testing.B) {
	const n, latency = 50, 100 * time.Millisecond
	env := benchEnv(b, n)
	wss := extraAliases(n)
	conc := env.Config.Azure.FanOut.Concurrency
	for _, c := range []struct {
		name, route string
		tool        string
		args        map[string]any
	}{
		{"query", "query", "run_kql_query_across_workspaces", map[string]any{"workspaces": wss, "query": "Heartbeat | summarize n = count()", "mode": "fanout"}},
		{"incidents", "arm", "list_incidents", map[string]any{"workspaces": wss, "limit": 5}},
		{"rules", "arm", "list_analytics_rules", map[string]any{"workspaces": wss, "limit": 5}},
	} {
		b.Run(c.name, func(b *testing.B) {
			env.CallOK(c.tool, c.args) // warm: discovery, log data, tokens
			id, err := env.Emulator.Faults().Add(emulator.Fault{Route: c.route, Latency: latency})
			if err != nil {
				b.Fatal(err)
			}
			defer env.Emulator.Faults().Remove(id)
			var elapsed time.Duration
			reqs := 0
			b.ResetTimer()
			for range b.N {
				before := env.Emulator.Faults().Hits(id)
				start := time.Now()
				res := env.CallOK(c.tool, c.args)
				elapsed += time.Since(start)
				reqs += env.Emulator.Faults().Hits(id) - before
				if strings.Contains(res.Text, "failed") && strings.Contains(res.Text, "timed out") {
					b.Fatalf("workspaces timed out: %s", short(res.Text))
				}
			}
			perWS := math.Ceil(float64(reqs) / float64(b.N) / n)
			ideal := time.Duration(math.Ceil(float64(n)/float64(conc))*perWS) * latency
			per := elapsed / time.Duration(b.N)
			b.ReportMetric(float64(per.Milliseconds()), "ms/call")
			b.ReportMetric(float64(ideal.Milliseconds()), "ideal-ms")
			b.ReportMetric(float64(per)/float64(ideal), "x-ideal")
			b.ReportMetric(float64(reqs)/float64(b.N)/n, "requests/workspace")
		})
	}
}

// BenchmarkConcurrentCalls100 sends 100 tool calls at once (queries, incident and rule listings over
// the named workspaces) and reports the elapsed time, the peak Go heap in use during the burst and
// the process's RSS before and at its peak (server and emulator: they share the test process). The
// elapsed time includes the emulator's ARM throttling, which is Azure's: reads are a token bucket per
// subscription and principal (250, refilled at 25/s).
func BenchmarkConcurrentCalls100(b *testing.B) {
	env := benchEnv(b, 0)
	calls := []struct {
		tool string
		args map[string]any
	}{
		{"run_kql_query", map[string]any{"workspace": "contoso/contoso-prod", "query": "SigninLogs | summarize count() by ResultType"}},
		{"run_kql_query_across_workspaces", map[string]any{"workspaces": []any{"all"}, "query": "Heartbeat | summarize count() by Computer | take 20"}},
		{"list_incidents", map[string]any{"limit": 20}},
		{"list_analytics_rules", map[string]any{"workspaces": []any{"all"}}},
		{"list_workspaces", map[string]any{}},
	}
	for _, c := range calls {
		env.CallOK(c.tool, c.args) // warm
	}
	runtime.GC()
	var base runtime.MemStats
	runtime.ReadMemStats(&base)
	var peak uint64
	var elapsed time.Duration
	resetPeakRSS()
	rssBefore := procStatusKiB("VmRSS")
	b.ResetTimer()
	for range b.N {
		stop := make(chan struct{})
		var sampler sync.WaitGroup
		sampler.Go(func() {
			var m runtime.MemStats
			for {
				runtime.ReadMemStats(&m)
				peak = max(peak, m.HeapInuse)
				select {
				case <-stop:
					return
				case <-time.After(2 * time.Millisecond):
				}
			}
		})
		start := time.Now()
		var wg sync.WaitGroup
		errs := make(chan string, 100)
		for i := range 100 {
			c := calls[i%len(calls)]
			wg.Go(func() {
				res, text, err := call(env, c.tool, c.args)
				if err != nil || res.IsError {
					errs <- c.tool + ": " + short(text)
				}
			})
		}
		wg.Wait()
		elapsed += time.Since(start)
		close(stop)
		sampler.Wait()
		close(errs)
		for e := range errs {
			b.Fatalf("a call failed: %v", e)
		}
	}
	b.ReportMetric(float64((elapsed / time.Duration(b.N)).Milliseconds()), "ms/100-calls")
	b.ReportMetric(float64(base.HeapInuse)/(1<<20), "heap-before-MiB")
	b.ReportMetric(float64(peak)/(1<<20), "heap-peak-MiB")
	if hwm := procStatusKiB("VmHWM"); hwm > 0 {
		b.ReportMetric(float64(rssBefore)/1024, "rss-before-MiB")
		b.ReportMetric(float64(hwm)/1024, "rss-peak-MiB")
	}
}

// BenchmarkCallOverhead is the cost of the server around Azure: get_analytics_rule on one workspace
// through the MCP protocol, every rail and the fsynced audit record, against the same ARM requests
// (recorded from the tool's own call) sent directly with the provider. p50 and p99 over 100 calls each.
func BenchmarkCallOverhead(b *testing.B) {
	env := benchEnv(b, 0)
	ws := world.MustWorkspace(world.WSContosoProd)
	args := map[string]any{"workspace": ws.Alias(), "rule": world.AlertRuleName(world.WSContosoProd, world.RulePasswordSpray)}
	env.CallOK("get_analytics_rule", args) // warm: discovery, tokens, the rule's group in the emulator
	n := env.RequestCount()
	env.CallOK("get_analytics_rule", args)
	var paths []string
	for _, r := range env.Requests()[n:] {
		method, path, _ := strings.Cut(r, " ")
		if method != "GET" {
			b.Fatalf("get_analytics_rule sent %s", r)
		}
		paths = append(paths, path)
	}
	if len(paths) == 0 {
		b.Fatal("get_analytics_rule sent no request")
	}
	arm, err := env.Provider.ARM("")
	if err != nil {
		b.Fatal(err)
	}
	// Pairs of (tool call, direct requests) within the emulator's ARM read bucket (250, as Azure's),
	// so that the figures are latency, not throttling.
	pairs := max(1, min(100, 240/(2*len(paths))))
	var tool, direct []float64
	b.ResetTimer()
	for range b.N {
		for range pairs {
			start := time.Now()
			env.CallOK("get_analytics_rule", args)
			tool = append(tool, float64(time.Since(start).Microseconds()))
			start = time.Now()
			for _, p := range paths {
				if _, err := arm.Do(context.Background(), azure.Request{Method: "GET", Path: p}); err != nil {
					b.Fatal(err)
				}
			}
			direct = append(direct, float64(time.Since(start).Microseconds()))
		}
		b.StopTimer()
		time.Sleep(time.Duration(2*pairs*len(paths)) * time.Second / 25) // the bucket refills at 25/s
		b.StartTimer()
	}
	tp50, tp99 := percentiles(tool)
	dp50, dp99 := percentiles(direct)
	b.ReportMetric(tp50, "tool-p50-µs")
	b.ReportMetric(tp99, "tool-p99-µs")
	b.ReportMetric(dp50, "azure-p50-µs")
	b.ReportMetric(dp99, "azure-p99-µs")
	b.ReportMetric(tp50-dp50, "overhead-p50-µs")
	b.ReportMetric(float64(len(paths)), "requests/call")
}

func percentiles(xs []float64) (p50, p99 float64) {
	s := slices.Clone(xs)
	slices.Sort(s)
	at := func(p float64) float64 { return s[min(len(s)-1, int(p*float64(len(s))))] }
	return at(0.50), at(0.99)
}

// resetPeakRSS resets the process's peak RSS (VmHWM) to its current RSS (Linux), so that the peak
// measured is the burst's, not an earlier benchmark's.
func resetPeakRSS() { _ = os.WriteFile("/proc/self/clear_refs", []byte("5"), 0) }

// procStatusKiB reads a field of /proc/self/status (Linux), 0 elsewhere.
func procStatusKiB(field string) int64 {
	b, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return 0
	}
	for _, line := range strings.Split(string(b), "\n") {
		if rest, ok := strings.CutPrefix(line, field+":"); ok {
			n, _ := strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(rest), " kB"), 10, 64)
			return n
		}
	}
	return 0
}
