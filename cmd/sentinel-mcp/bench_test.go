package main

import (
	"encoding/json"
	"os"
	"os/exec"
	"strings"
	"testing"
)

// TestBenchCommand runs `sentinel-mcp bench` of the built binary (it measures itself as a child
// process) and checks that every figure is there and plausible. Timings are not asserted.
func TestBenchCommand(t *testing.T) {
	bin := buildBinary(t)
	cmd := exec.Command(bin, "bench", "--runs", "2", "--calls", "20", "--burst", "12", "--json")
	cmd.Env = append(os.Environ(), "XDG_STATE_HOME="+t.TempDir(), "SENTINEL_TOOLSETS=nonsense")
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("bench: %v\n%s", err, out)
	}
	var rep benchReport
	if err := json.Unmarshal(out, &rep); err != nil {
		t.Fatalf("bench --json: %v\n%s", err, out)
	}
	if rep.StartupMS.N != 2 || rep.StartupMS.P50 <= 0 || rep.InitMS.P50 <= 0 || rep.InitMS.P50 > rep.StartupMS.Max {
		t.Errorf("start-up figures: %+v / %+v", rep.StartupMS, rep.InitMS)
	}
	if rep.PeakRSSMiB.N != 2 || rep.PeakRSSMiB.Max < 1 {
		t.Errorf("peak RSS: %+v", rep.PeakRSSMiB)
	}
	if len(rep.ToolsList) != 2 || rep.ToolsList[0].Bytes < 20 || rep.ToolsList[1].Bytes < rep.ToolsList[0].Bytes || rep.ToolsList[1].Tools < rep.ToolsList[0].Tools {
		t.Errorf("tools/list figures: %+v", rep.ToolsList)
	}
	if len(rep.Calls) < 2 {
		t.Fatalf("per-call figures: %+v", rep.Calls)
	}
	for _, c := range rep.Calls {
		if c.Micros.N != 20 || c.Micros.P50 <= 0 || c.Micros.P99 < c.Micros.P50 {
			t.Errorf("%s %s: %+v", c.Method, c.Target, c.Micros)
		}
	}
	if b := rep.Burst; b == nil || b.Calls != 12 || b.ElapsedMS <= 0 || b.PeakRSSMiB < 1 || b.PeakRSSMiB < b.RSSBeforeMiB {
		t.Errorf("burst figures: %+v", b)
	}
	// The table form names the targets.
	table, err := exec.Command(bin, "bench", "--runs", "1", "--calls", "5", "--burst", "4").Output()
	if err != nil || !strings.Contains(string(table), "to tools/list answer") || !strings.Contains(string(table), "< 20 KB") || !strings.Contains(string(table), "burst of 4 concurrent calls") {
		t.Errorf("bench table: %v\n%s", err, table)
	}
	if code, _, errs := runCLI(t, "bench", "--runs", "0"); code != exitUsage || !strings.Contains(errs, "at least 1") {
		t.Errorf("bench --runs 0: %d %q", code, errs)
	}
}
