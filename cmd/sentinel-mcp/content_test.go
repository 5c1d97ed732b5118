package main

import (
	"bufio"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/sentinel-mcp/sentinel-mcp/internal/audit"
	"github.com/sentinel-mcp/sentinel-mcp/internal/content"
	"github.com/sentinel-mcp/sentinel-mcp/internal/emulator/world"
)

func ws(name string) string { return world.MustWorkspace(name).Alias() }

func TestDriftCommand(t *testing.T) {
	base := ws(world.WSSocCentral)
	code, out, errs := runCLI(t, "drift", "--emulator", "--log-level", "warn", "--baseline", base,
		"--workspaces", ws(world.WSContosoDev)+","+ws(world.WSContosoProd), "--ignore", "watchlist:"+world.WatchlistVIPUsers)
	if code != exitFindings {
		t.Fatalf("drift with differences: exit %d\n%s\n%s", code, out, errs)
	}
	disabled := world.SeededFacts().Diff(world.DiffDisabledRule)[0]
	rule, _ := content.RuleByID(disabled.Rule)
	for _, want := range []string{ws(world.WSContosoDev) + " (Contoso): ", `analytics rule "` + rule.Name + `": changed`, "    enabled: true -> false",
		"    retentionInDays: 90 -> 30", ws(world.WSContosoProd) + " (Contoso): no differences, 1 ignored"} {
		if !strings.Contains(out, want) {
			t.Errorf("drift output lacks %q:\n%s", want, out)
		}
	}
	if !strings.Contains(errs, "difference(s) found") {
		t.Errorf("stderr: %s", errs)
	}
	// No differences: exit 0. JSON: the report.
	code, out, errs = runCLI(t, "drift", "--emulator", "--log-level", "warn", "--baseline", base, "--workspaces", ws(world.WSContosoProd),
		"--ignore", "watchlist:"+world.WatchlistVIPUsers, "--json")
	if code != exitOK {
		t.Fatalf("drift without differences: exit %d\n%s\n%s", code, out, errs)
	}
	var rep struct {
		Differences int `json:"differences"`
		Workspaces  []struct {
			Workspace string `json:"workspace"`
			Ignored   int    `json:"ignored"`
		} `json:"workspaces"`
	}
	if err := json.Unmarshal([]byte(out), &rep); err != nil || rep.Differences != 0 || len(rep.Workspaces) != 1 || rep.Workspaces[0].Ignored != 1 {
		t.Errorf("--json: %v %s", err, out)
	}
	for _, args := range [][]string{
		{"drift", "--emulator"},
		{"drift", "--emulator", "--baseline", base, "--baseline-dir", "x"},
		{"drift", "--emulator", "--baseline", base, "--kinds", "gizmos"},
		{"drift", "--emulator", "--baseline", base, "--ignore", "field:["},
		{"drift", "--emulator", "--baseline", "nope/nope"},
		{"drift", "--emulator", "--baseline", base, "--workspaces", base},
	} {
		if code, _, errs := runCLI(t, append(args, "--log-level", "warn")...); code != exitUsage {
			t.Errorf("%v: exit %d (%s)", args, code, errs)
		}
	}
}

// Export, restore (plan, then --yes), a second restore that changes nothing, and drift against the
// export, through the CLI over a persistent emulator.
func TestExportRestoreCommands(t *testing.T) {
	data, out, auditPath := t.TempDir(), filepath.Join(t.TempDir(), "soc-central"), filepath.Join(t.TempDir(), "audit.jsonl")
	emu := []string{"--emulator", "--emulator-data-dir", data, "--log-level", "warn"}
	cli := func(args ...string) (int, string, string) {
		t.Helper()
		return runCLI(t, append(args, emu...)...)
	}
	src, dst := ws(world.WSSocCentral), ws(world.WSContosoDev)
	code, stdout, errs := cli("export", "--workspace", src, "--dir", out)
	if code != exitOK || !strings.Contains(stdout, "Exported ") || !strings.Contains(stdout, "removed.") {
		t.Fatalf("export: %d %s %s", code, stdout, errs)
	}
	if _, err := os.Stat(filepath.Join(out, "manifest.yaml")); err != nil {
		t.Fatal(err)
	}
	if code, _, errs := cli("export", "--workspace", src, "--dir", out); code != exitUsage || !strings.Contains(errs, "--overwrite") {
		t.Errorf("export over an export: %d %s", code, errs)
	}
	if code, stdout, _ := cli("export", "--workspace", src, "--dir", out, "--overwrite"); code != exitOK || !strings.Contains(stdout, "0 file(s) new, 0 changed") {
		t.Errorf("re-export: %d %s", code, stdout)
	}

	code, stdout, errs = cli("restore", "--workspace", dst, "--from-dir", out, "--audit-path", auditPath)
	if code != exitFindings || !strings.Contains(stdout, "to update (overwritten)") || !strings.Contains(errs, "--yes") {
		t.Fatalf("restore plan: %d\n%s\n%s", code, stdout, errs)
	}
	if _, err := os.Stat(auditPath); err == nil {
		t.Error("a plan without --yes wrote to the audit log")
	}
	code, stdout, errs = cli("restore", "--workspace", dst, "--from-dir", out, "--audit-path", auditPath, "--yes")
	if code != exitOK || !strings.Contains(stdout, "written, 0 failed") {
		t.Fatalf("restore --yes: %d\n%s\n%s", code, stdout, errs)
	}
	recs := readAudit(t, auditPath)
	if len(recs) != 1 || recs[0].Tool != "restore" || len(recs[0].Changes) == 0 || recs[0].Workspaces[0] != dst {
		t.Errorf("audit: %+v", recs)
	}
	code, stdout, _ = cli("restore", "--workspace", dst, "--from-dir", out, "--yes")
	if code != exitOK || !strings.Contains(stdout, "0 to create, 0 to update (overwritten)") || strings.Contains(stdout, "written,") {
		t.Errorf("second restore: %d\n%s", code, stdout)
	}
	// What a restore does not write: the workspace's retention and its data connectors.
	code, stdout, errs = cli("drift", "--baseline-dir", out, "--workspaces", dst, "--ignore", "data_connector,workspace")
	if code != exitOK {
		t.Errorf("drift after the restore: %d\n%s\n%s", code, stdout, errs)
	}
}

func TestDeployCommand(t *testing.T) {
	data := t.TempDir()
	emu := []string{"--emulator", "--emulator-data-dir", data, "--log-level", "warn", "--audit-path", filepath.Join(t.TempDir(), "audit.jsonl")}
	threshold := world.SeededFacts().Diff(world.DiffChangedThreshold)[0]
	rule, _ := content.RuleByID(threshold.Rule)
	args := append([]string{"deploy", "--source-workspace", ws(world.WSSocCentral), "--workspaces", ws(world.WSContosoDev) + "," + ws(world.WSLitwareSentinel),
		"--names", rule.Name}, emu...)
	code, stdout, errs := runCLI(t, args...)
	if code != exitFindings || !strings.Contains(stdout, `update analytics rule "`+rule.Name+`": fields triggerThreshold`) ||
		!strings.Contains(stdout, "into "+ws(world.WSLitwareSentinel)+": 0 to create, 0 to update (overwritten), 1 unchanged") {
		t.Fatalf("deploy plan: %d\n%s\n%s", code, stdout, errs)
	}
	code, stdout, errs = runCLI(t, append(args, "--yes")...)
	if code != exitOK || !strings.Contains(stdout, ws(world.WSContosoDev)+": 1 written, 0 failed") {
		t.Fatalf("deploy --yes: %d\n%s\n%s", code, stdout, errs)
	}
	if code, stdout, _ := runCLI(t, args...); code != exitOK || strings.Contains(stdout, "to update (overwritten), 0 unchanged") {
		t.Errorf("deploy again: %d\n%s", code, stdout)
	}
	if code, _, errs := runCLI(t, append([]string{"deploy", "--source-workspace", ws(world.WSSocCentral)}, emu...)...); code != exitUsage || !strings.Contains(errs, "--workspaces") {
		t.Errorf("deploy without targets: %d %s", code, errs)
	}
}

func readAudit(t *testing.T, path string) []audit.Record {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var out []audit.Record
	sc := bufio.NewScanner(f)
	sc.Buffer(nil, 16<<20)
	for sc.Scan() {
		var r audit.Record
		if err := json.Unmarshal(sc.Bytes(), &r); err != nil {
			t.Fatal(err)
		}
		out = append(out, r)
	}
	return out
}
