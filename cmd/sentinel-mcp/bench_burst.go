package main

import (
	"encoding/json"
	"fmt"
	"os"
	"strconv"
	"strings"
	"time"
)

// burstFigure is the server under many concurrent calls: one session, every call sent at once.
type burstFigure struct {
	Calls         int     `json:"calls"`
	ElapsedMS     float64 `json:"elapsed_ms"`
	RSSBeforeMiB  float64 `json:"rss_before_mib,omitempty"` // Linux only
	PeakRSSMiB    float64 `json:"peak_rss_mib"`             // the process's peak, read when it exits
	ToolsAndCalls string  `json:"mix"`
}

// burst sends n tool calls at once to one warm child (rate limits off: the figure is memory and
// latency, not refusals) and measures the elapsed time and the child's memory. The child embeds the
// emulator, so its memory is the server's and the emulator's (log data included).
func (b *bench) burst(n int) (burstFigure, error) {
	var f burstFigure
	c, err := b.spawn("--limits-rate", "0", "--limits-tenant-rate", "0")
	if err != nil {
		return f, err
	}
	defer c.kill()
	if _, err := c.request("initialize", map[string]any{"protocolVersion": "2025-06-18", "capabilities": map[string]any{}, "clientInfo": map[string]string{"name": "sentinel-mcp-bench", "version": "1"}}); err != nil {
		return f, err
	}
	c.notify("notifications/initialized")
	const ws = "contoso/contoso-prod"
	mix := []map[string]any{
		{"name": "run_kql_query", "arguments": map[string]any{"workspace": ws, "query": "SigninLogs | summarize count() by ResultType"}},
		{"name": "list_incidents", "arguments": map[string]any{"workspace": ws, "limit": 5}},
		{"name": "list_workspaces", "arguments": map[string]any{}},
		{"name": "get_table_schema", "arguments": map[string]any{"workspace": ws, "table": "SigninLogs"}},
	}
	var names []string
	for _, p := range mix { // warm: discovery, the workspace's log data, caches
		names = append(names, p["name"].(string))
		resp, err := c.request("tools/call", p)
		if err != nil {
			return f, err
		}
		if strings.Contains(string(resp), `"isError":true`) {
			return f, fmt.Errorf("tools/call %s failed: %.300s", p["name"], resp)
		}
	}
	f.Calls, f.ToolsAndCalls = n, strings.Join(names, ", ")
	f.RSSBeforeMiB = float64(procStatusKiB(c.cmd.Process.Pid, "VmRSS")) / 1024
	start := time.Now()
	ids := map[int]bool{}
	for i := range n {
		c.nextID++
		ids[c.nextID] = true
		if err := c.write(map[string]any{"jsonrpc": "2.0", "id": c.nextID, "method": "tools/call", "params": mix[i%len(mix)]}); err != nil {
			return f, err
		}
	}
	timeout := time.After(benchTimeout)
	for len(ids) > 0 {
		select {
		case line, ok := <-c.lines:
			if !ok {
				return f, fmt.Errorf("the server exited during the burst (stderr: %s)", c.stderr)
			}
			var m struct {
				ID     *int `json:"id"`
				Result struct {
					IsError bool `json:"isError"`
				} `json:"result"`
				Error json.RawMessage `json:"error"`
			}
			if json.Unmarshal(line, &m) != nil || m.ID == nil || !ids[*m.ID] {
				continue
			}
			if m.Result.IsError || len(m.Error) > 0 {
				return f, fmt.Errorf("a call of the burst failed: %.300s", line)
			}
			delete(ids, *m.ID)
		case <-timeout:
			return f, fmt.Errorf("%d of %d calls unanswered after %s", len(ids), n, benchTimeout)
		}
	}
	f.ElapsedMS = ms(time.Since(start))
	rss, err := c.close()
	f.PeakRSSMiB = float64(rss) / 1024
	return f, err
}

// procStatusKiB reads a field of /proc/<pid>/status (Linux); 0 elsewhere.
func procStatusKiB(pid int, field string) int64 {
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/status")
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
