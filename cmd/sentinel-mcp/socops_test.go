package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/sentinel-mcp/sentinel-mcp/internal/content"
	"github.com/sentinel-mcp/sentinel-mcp/internal/emulator/world"
	"github.com/sentinel-mcp/sentinel-mcp/internal/posture/posturetest"
)

// The commands run in-process with --emulator (the seeded world, on the real clock), so the exit codes
// follow world.Facts.

func emulatorArgs(cmd string, args ...string) []string {
	return append([]string{cmd, "--emulator", "--log-level", "warn"}, args...)
}

func TestHealthCommand(t *testing.T) {
	facts := world.SeededFacts()
	base := world.MustWorkspace(facts.Baseline).Alias()
	code, out, errs := runCLI(t, emulatorArgs("health", "--workspaces", base)...)
	if code != exitOK || !strings.Contains(out, base) || !strings.Contains(out, "healthy  no issues found") {
		t.Errorf("health of the baseline: exit %d\n%s\n%s", code, out, errs)
	}

	silent := facts.Diff(world.DiffSilentConnector)[0]
	path := filepath.Join(t.TempDir(), "health.html")
	code, out, errs = runCLI(t, emulatorArgs("health", "--workspaces", base+","+world.MustWorkspace(silent.Workspace).Alias(), "--out", path)...)
	if code != exitFindings || out != "" || !strings.Contains(errs, "wrote "+path+" (html,") || !strings.Contains(errs, "findings: 1 healthy, 0 degraded, 1 unhealthy") {
		t.Errorf("health of the baseline and %s: exit %d\nstdout %q\nstderr %s", silent.Workspace, code, out, errs)
	}
	page, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	posturetest.CheckHTML(t, string(page))
	if !strings.Contains(string(page), silent.Table) {
		t.Errorf("the HTML report does not name the silent table %s", silent.Table)
	}

	code, out, _ = runCLI(t, emulatorArgs("health", "--workspaces", world.MustWorkspace(silent.Workspace).Alias(), "--mode", "detailed",
		"--format", "json", "--fail-on", "never")...)
	var rep struct {
		Workspaces []struct {
			Health struct {
				Status   string `json:"status"`
				Findings []struct{ Check, Subject string }
			} `json:"health"`
		} `json:"workspaces"`
	}
	if err := json.Unmarshal([]byte(out), &rep); err != nil || code != exitOK {
		t.Fatalf("json (--fail-on never): exit %d, %v\n%s", code, err, out)
	}
	if len(rep.Workspaces) != 1 || rep.Workspaces[0].Health.Status != "unhealthy" || rep.Workspaces[0].Health.Findings[0].Subject != silent.Connector+"/"+silent.Table {
		t.Errorf("json report of %s: %+v", silent.Workspace, rep)
	}

	for _, bad := range [][]string{{"--format", "pdf"}, {"--mode", "deep"}, {"--fail-on", "sometimes"}, {"--workspaces", "nowhere/none"}} {
		if code, _, errs := runCLI(t, emulatorArgs("health", bad...)...); code != exitUsage {
			t.Errorf("health %v: exit %d, want %d\n%s", bad, code, exitUsage, errs)
		}
	}
}

func TestComplianceCommand(t *testing.T) {
	facts := world.SeededFacts()
	code, out, errs := runCLI(t, emulatorArgs("compliance", "--workspaces", world.MustWorkspace(facts.Baseline).Alias())...)
	if code != exitOK || !strings.Contains(out, "1 compliant") {
		t.Errorf("compliance of the baseline: exit %d\n%s\n%s", code, out, errs)
	}
	short := facts.Diff(world.DiffShortRetention)[0]
	code, out, _ = runCLI(t, emulatorArgs("compliance", "--workspaces", world.MustWorkspace(short.Workspace).Alias())...)
	if code != exitFindings || !strings.Contains(out, "retention (High, fail): workspace retention 30 days (minimum 90)") {
		t.Errorf("compliance of %s: exit %d\n%s", short.Workspace, code, out)
	}
	// JSON: every check of every workspace with its evidence, for a pipeline to read.
	code, out, _ = runCLI(t, emulatorArgs("compliance", "--workspaces", world.MustWorkspace(short.Workspace).Alias(), "--format", "json")...)
	var rep struct {
		Workspaces []struct {
			Workspace struct {
				Alias string `json:"workspace"`
			} `json:"workspace"`
			Compliance struct {
				Checks []struct{ ID, Status, Evidence string }
			} `json:"compliance"`
		} `json:"workspaces"`
	}
	if err := json.Unmarshal([]byte(out), &rep); err != nil || code != exitFindings || len(rep.Workspaces) != 1 ||
		len(rep.Workspaces[0].Compliance.Checks) != len(content.DefaultPolicy().Checks) {
		t.Fatalf("compliance --format json: exit %d, %v\n%s", code, err, out)
	}
	for _, c := range rep.Workspaces[0].Compliance.Checks {
		if c.Evidence == "" || c.ID == "retention" && (c.Status != "fail" || !strings.Contains(c.Evidence, "30 days")) {
			t.Errorf("json check %+v", c)
		}
	}
	// Only checks of High severity count: the UEBA check (Medium) of fabrikam does not fail the run.
	ueba := facts.Diff(world.DiffUEBADisabled)[0]
	if code, out, _ := runCLI(t, emulatorArgs("compliance", "--workspaces", world.MustWorkspace(ueba.Workspace).Alias(), "--fail-on", "high")...); code != exitOK {
		t.Errorf("--fail-on high with only a Medium check failing: exit %d\n%s", code, out)
	}

	dir := t.TempDir()
	policy := filepath.Join(dir, "p.yaml")
	os.WriteFile(policy, []byte("name: short\nchecks:\n  - id: r\n    title: R\n    type: minRetention\n    severity: Low\n    minDays: 7\n"), 0o600)
	md := filepath.Join(dir, "out.md")
	code, _, errs = runCLI(t, emulatorArgs("compliance", "--tenant", world.Contoso, "--policy", policy, "--out", md)...)
	if raw, _ := os.ReadFile(md); code != exitOK || !strings.Contains(string(raw), "## Compliance") || !strings.Contains(string(raw), "Policy short") {
		t.Errorf("compliance --policy --out .md: exit %d\n%s\n%s", code, raw, errs)
	}
	if code, out, _ := runCLI(t, "compliance", "--print-policy"); code != exitOK || out != string(content.DefaultPolicyYAML()) {
		t.Errorf("--print-policy: exit %d", code)
	}
	if code, _, errs := runCLI(t, "compliance", "--policy", filepath.Join(dir, "missing.yaml")); code != exitUsage || !strings.Contains(errs, "missing.yaml") {
		t.Errorf("missing policy: exit %d %s", code, errs)
	}
}

func TestReportCommand(t *testing.T) {
	path := filepath.Join(t.TempDir(), "report.md")
	code, _, errs := runCLI(t, emulatorArgs("report", "--title", "Contoso monthly", "--tenant", world.Contoso, "--out", path)...)
	raw, err := os.ReadFile(path)
	if err != nil || code != exitFindings {
		t.Fatalf("report: exit %d, %v\n%s", code, err, errs)
	}
	for _, want := range []string{"# Contoso monthly", "## Workspace health", "## Compliance", "## Ingestion per tenant (MB/day)", "| contoso |"} {
		if !strings.Contains(string(raw), want) {
			t.Errorf("report.md lacks %q", want)
		}
	}
	if strings.Contains(string(raw), world.WSFabrikamSentinel) {
		t.Error("--tenant contoso reported another tenant")
	}
	if code, _, errs := runCLI(t, emulatorArgs("report", "--no-compliance", "--policy", "x.yaml")...); code != exitUsage {
		t.Errorf("--no-compliance with --policy: exit %d %s", code, errs)
	}
	if code, out, _ := runCLI(t, "report", "--help"); code != exitOK || !strings.Contains(out, "--no-compliance") || !strings.Contains(out, "Exit codes") {
		t.Errorf("report --help: %d\n%s", code, out)
	}
}
