package main

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/sentinel-mcp/sentinel-mcp/internal/content"
	"github.com/sentinel-mcp/sentinel-mcp/internal/emulator/world"
)

// unreachableConfig writes a configuration that pins Adatum's workspace by hand. Adatum is the
// outsider of the seeded world: the default identity has no access to it, so every request to it is
// refused (403) and any command that reads it fails for that workspace, as a customer whose
// delegation was withdrawn would. It returns the config file and the workspace's alias.
func unreachableConfig(t *testing.T) (string, string) {
	t.Helper()
	w := world.MustWorkspace(world.WSAdatumSentinel)
	path := filepath.Join(t.TempDir(), "config.yaml")
	cfg := fmt.Sprintf("azure:\n  tenants:\n    - id: %s\n      alias: %s\n      workspaces_only: true\n      workspaces:\n        - resource_id: %s\n          customer_id: %s\n",
		w.TenantID, world.Adatum, w.ResourceID, w.CustomerID)
	if err := os.WriteFile(path, []byte(cfg), 0o600); err != nil {
		t.Fatal(err)
	}
	return path, w.Alias()
}

// Every SOC operations command exits as its help says, against the emulator: 0 nothing to report, 3
// findings (health, compliance and report: also when some workspaces could not be assessed, the
// others being reported) or changes planned but not applied, 1 nothing could be assessed, a drift
// target could not be compared or a write failed, 2 a bad command line.
func TestSubcommandExitCodes(t *testing.T) {
	config, unreachable := unreachableConfig(t)
	facts := world.SeededFacts()
	base := ws(facts.Baseline)
	cli := func(args ...string) (int, string, string) {
		t.Helper()
		return runCLI(t, append(args, "--emulator", "--log-level", "warn", "--config", config)...)
	}
	threshold := facts.Diff(world.DiffChangedThreshold)[0]
	rule, _ := content.RuleByID(threshold.Rule)
	vip := "watchlist:" + world.WatchlistVIPUsers
	export, backups := filepath.Join(t.TempDir(), "export"), filepath.Join(t.TempDir(), "backups")
	if code, out, errs := cli("export", "--workspace", base, "--dir", export, "--kinds", "analytics_rule"); code != exitOK {
		t.Fatalf("export: exit %d\n%s\n%s", code, out, errs)
	}
	// A hand-edited copy of the export whose disabled rule (in contoso-dev) now has a frequency Azure
	// refuses: its write fails, the others are made.
	edited := filepath.Join(t.TempDir(), "edited")
	if err := os.CopyFS(edited, os.DirFS(export)); err != nil {
		t.Fatal(err)
	}
	disabled, _ := content.RuleByID(facts.Diff(world.DiffDisabledRule)[0].Rule)
	files, _ := filepath.Glob(filepath.Join(edited, "analytics-rules", "brute-force-attack-against-a-windows-host-*.yaml"))
	if len(files) != 1 || disabled.Name != "Brute force attack against a Windows host" {
		t.Fatalf("the export's files moved: %v (%s)", files, disabled.Name)
	}
	raw, _ := os.ReadFile(files[0])
	if err := os.WriteFile(files[0], []byte(strings.Replace(string(raw), "queryFrequency: 1h", "queryFrequency: 1m", 1)), 0o600); err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		name     string
		args     []string
		code     int
		out, err string // expected in stdout, stderr
	}{
		{"health: one workspace unreachable, the other reported", []string{"health", "--workspaces", base + "," + unreachable}, exitFindings,
			base + "  healthy", "1 unknown"},
		{"health: nothing reachable", []string{"health", "--workspaces", unreachable}, exitError, "", "no workspace could be assessed: " + unreachable},
		{"compliance: one workspace unreachable", []string{"compliance", "--workspaces", base + "," + unreachable}, exitFindings,
			"Not assessed (1):\n  " + unreachable, "1 workspace(s) not assessed"},
		{"compliance: nothing reachable", []string{"compliance", "--workspaces", unreachable}, exitError, "", "no workspace could be assessed"},
		{"compliance: bad --fail-on", []string{"compliance", "--fail-on", "sometimes"}, exitUsage, "", "--fail-on"},
		{"report: healthy and compliant", []string{"report", "--workspaces", base, "--format", "markdown"}, exitOK, "## Workspace health", ""},
		{"report: one workspace unreachable", []string{"report", "--workspaces", base + "," + unreachable, "--format", "markdown"}, exitFindings,
			"## Workspace health", "findings: 1 healthy, 0 degraded, 0 unhealthy, 1 unknown"},
		{"report: nothing reachable", []string{"report", "--workspaces", unreachable}, exitError, "", "no workspace could be assessed"},
		{"report: bad --format", []string{"report", "--format", "pdf"}, exitUsage, "", "--format"},
		{"drift: one workspace unreachable, the other compared", []string{"drift", "--baseline", base, "--workspaces", ws(world.WSContosoProd) + "," + unreachable,
			"--ignore", vip}, exitError, ws(world.WSContosoProd) + " (Contoso): no differences, 1 ignored\n", "0 difference(s) found; 1 of 2 workspace(s) could not be compared"},
		{"drift: nothing reachable", []string{"drift", "--baseline", base, "--workspaces", unreachable}, exitError, "FAILED " + unreachable, "1 of 1 workspace(s) could not be compared"},
		{"drift: against the export, no differences", []string{"drift", "--baseline-dir", export, "--workspaces", ws(world.WSLitwareSentinel)}, exitOK,
			"no differences", ""},
		{"export: unreachable", []string{"export", "--workspace", unreachable, "--dir", filepath.Join(t.TempDir(), "x")}, exitError, "", "403"},
		{"export: no --dir", []string{"export", "--workspace", base}, exitUsage, "", "--dir"},
		{"export: several workspaces, one unreachable", []string{"export", "--workspaces", base + "," + unreachable, "--dir", backups, "--kinds", "analytics_rule"},
			exitError, unreachable + ": FAILED, not exported", "1 of 2 workspace(s) could not be exported completely"},
		{"export: a tenant's workspaces again, unchanged", []string{"export", "--tenant", world.Woodgrove, "--dir", backups, "--kinds", "analytics_rule", "--overwrite"},
			exitOK, base + ": ", ""},
		{"export: --workspace and --workspaces", []string{"export", "--workspace", base, "--workspaces", base, "--dir", backups}, exitUsage, "", "not both"},
		{"restore: nothing to change", []string{"restore", "--workspace", ws(world.WSLitwareSentinel), "--from-dir", export}, exitOK,
			"0 to create, 0 to update", ""},
		{"restore: changes planned, not applied", []string{"restore", "--workspace", ws(world.WSContosoDev), "--from-dir", export}, exitFindings,
			`update analytics rule "` + rule.Name + `": fields triggerThreshold`, "--yes"},
		{"restore: an item refused by Azure, the others written", []string{"restore", "--workspace", ws(world.WSContosoDev), "--from-dir", edited, "--yes",
			"--audit-path", filepath.Join(t.TempDir(), "audit.jsonl")}, exitError, `FAILED update analytics rule "` + disabled.Name + `"`, "1 item(s) failed"},
		{"restore: unreachable target", []string{"restore", "--workspace", unreachable, "--from-dir", export}, exitError, "", "403"},
		{"restore: no source", []string{"restore", "--workspace", base}, exitUsage, "", "--from-dir"},
		{"deploy: a target unreachable, the other unchanged", []string{"deploy", "--from-dir", export, "--workspaces", ws(world.WSLitwareSentinel) + "," + unreachable,
			"--names", rule.Name}, exitError, unreachable + ": FAILED, not deployed", "1 target(s) could not be planned"},
		{"deploy: changes planned, a target unreachable", []string{"deploy", "--from-dir", export, "--workspaces", ws(world.WSContosoDev) + "," + unreachable,
			"--names", rule.Name}, exitFindings, unreachable + ": FAILED, not deployed", "--yes"},
		{"deploy: applied where it could be, a target failed", []string{"deploy", "--from-dir", export, "--workspaces", ws(world.WSContosoDev) + "," + unreachable,
			"--names", rule.Name, "--yes", "--audit-path", filepath.Join(t.TempDir(), "audit.jsonl")}, exitError,
			ws(world.WSContosoDev) + ": 1 written, 0 failed", "1 of 2 target(s) failed"},
		{"deploy: bad --kinds", []string{"deploy", "--from-dir", export, "--workspaces", "all", "--kinds", "gadgets"}, exitUsage, "", "--kinds"},
	}
	for _, c := range cases {
		code, out, errs := cli(c.args...)
		if code != c.code || !strings.Contains(out, c.out) || !strings.Contains(errs, c.err) {
			t.Errorf("%s: exit %d (want %d)\nstdout (want %q):\n%s\nstderr (want %q):\n%s", c.name, code, c.code, c.out, out, c.err, errs)
		}
		if strings.HasPrefix(c.name, "export: a tenant's") && !strings.Contains(out, "0 file(s) new, 0 changed") {
			t.Errorf("the second export of unchanged content changed files:\n%s", out)
		}
	}
	// Each workspace of a multi-workspace export is in its own folder, readable as a baseline.
	if code, out, errs := cli("drift", "--baseline-dir", filepath.Join(backups, world.Woodgrove, facts.Baseline), "--workspaces", base); code != exitOK ||
		!strings.Contains(out, base+" (Woodgrove SOC): no differences") {
		t.Errorf("drift against the backup: exit %d\n%s\n%s", code, out, errs)
	}
}
