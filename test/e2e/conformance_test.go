package e2e

import (
	"bufio"
	"encoding/json"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"
)

const baselineFile = "conformance-baseline.yml"

// baseline reads the scenarios that do not apply, with their reasons (the comment of each entry).
func baseline(t *testing.T) map[string]string {
	t.Helper()
	f, err := os.Open(baselineFile)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	out := map[string]string{}
	section := ""
	sc := bufio.NewScanner(f)
	for n := 1; sc.Scan(); n++ {
		line := sc.Text()
		trimmed := strings.TrimSpace(line)
		switch {
		case trimmed == "" || strings.HasPrefix(trimmed, "#"):
		case !strings.HasPrefix(line, " ") && strings.HasSuffix(trimmed, ":"):
			section = strings.TrimSuffix(trimmed, ":")
		case strings.HasPrefix(trimmed, "- "):
			name, reason, _ := strings.Cut(strings.TrimPrefix(trimmed, "- "), "#")
			name, reason = strings.TrimSpace(name), strings.TrimSpace(reason)
			if section != "server" {
				t.Errorf("%s:%d: %q is not in the server section", baselineFile, n, name)
			}
			if reason == "" {
				t.Errorf("%s:%d: %q has no reason: say why the scenario does not apply, in a comment after its name", baselineFile, n, name)
			}
			if _, dup := out[name]; dup {
				t.Errorf("%s:%d: %q is listed twice", baselineFile, n, name)
			}
			out[name] = reason
		default:
			t.Errorf("%s:%d: unexpected line %q", baselineFile, n, line)
		}
	}
	return out
}

var (
	scenarioLine = regexp.MustCompile(`^\s*- ([a-z0-9/_-]+) \[`)
	summaryLine  = regexp.MustCompile(`^([✓✗]) ([a-z0-9/_-]+): (\d+) passed, (\d+) failed`)
)

// TestConformance runs every server scenario of the MCP conformance suite (active and pending)
// against `sentinel-mcp http --emulator` with every tool listed. Scenarios that do not apply are in
// conformance-baseline.yml with their reasons; any other failure fails the test, and so does a
// listed scenario that passes (a stale entry).
func TestConformance(t *testing.T) {
	clients := requireClients(t)
	bin := sentinelBinary(t)
	notApplicable := baseline(t)
	suite := clients.script(t, "@modelcontextprotocol/conformance", "conformance")

	out, errOut, code := clients.run(t, time.Minute, suite, "list", "--server")
	if code != 0 {
		t.Fatalf("conformance list: exit %d\n%s%s", code, out, errOut)
	}
	var scenarios []string
	for _, line := range strings.Split(out, "\n") {
		if m := scenarioLine.FindStringSubmatch(line); m != nil {
			scenarios = append(scenarios, m[1])
		}
	}
	if len(scenarios) < 10 {
		t.Fatalf("conformance list --server named only %d scenarios:\n%s", len(scenarios), out)
	}
	for name := range notApplicable {
		if !slices.Contains(scenarios, name) {
			t.Errorf("%s lists %q, which the suite no longer has: remove it", baselineFile, name)
		}
	}

	endpoint := httpServer(t, bin, nil, "--toolsets", "all", "--enable-writes")
	results := t.TempDir()
	baselinePath, _ := filepath.Abs(baselineFile)
	out, errOut, code = clients.run(t, 5*time.Minute, suite, "server", "--url", endpoint, "--suite", "all",
		"--expected-failures", baselinePath, "-o", results)
	out = stripANSI(out + errOut)

	// The suite's verdict per scenario: its summary lines, then its baseline sections (a warning
	// counts as a failure there, so the sections are what decide).
	ran := map[string]bool{}
	verdict := map[string]string{}
	var order []string
	section := ""
	for _, line := range strings.Split(out, "\n") {
		if m := summaryLine.FindStringSubmatch(line); m != nil {
			ran[m[2]] = true
			order = append(order, m[2])
			verdict[m[2]] = "pass"
			continue
		}
		switch {
		case strings.HasPrefix(line, "Expected failures"):
			section = "n/a (expected failure)"
		case strings.HasPrefix(line, "Stale baseline entries"):
			section = "STALE: passes but is listed as not applicable"
		case strings.HasPrefix(line, "Unexpected failures"):
			section = "FAIL"
		case strings.HasPrefix(line, "  ") && section != "":
			if f := strings.Fields(line); len(f) == 2 {
				verdict[f[1]] = section
			}
		default:
			section = ""
		}
	}
	var summary strings.Builder
	for _, name := range order {
		summary.WriteString("  " + name + ": " + verdict[name] + "\n")
	}
	t.Logf("conformance scenarios against %s:\n%s", endpoint, summary.String())
	for _, s := range scenarios {
		if !ran[s] {
			t.Errorf("scenario %s was listed by the suite but not run", s)
		}
	}
	if code != 0 {
		t.Errorf("conformance suite: exit %d (an unexpected failure or a stale baseline entry)\n%s\nfailed checks:\n%s", code, out, failedChecks(results, notApplicable))
	}
}

// failedChecks summarizes the failed checks of the scenarios that should pass, from the suite's
// result files.
func failedChecks(dir string, notApplicable map[string]string) string {
	var b strings.Builder
	files, _ := filepath.Glob(filepath.Join(dir, "*", "checks.json"))
	for _, f := range files {
		scenario := filepath.Base(filepath.Dir(f))
		data, err := os.ReadFile(f)
		if err != nil {
			continue
		}
		var checks []struct {
			ID, Status, ErrorMessage string
		}
		if json.Unmarshal(data, &checks) != nil {
			continue
		}
		for _, c := range checks {
			if c.Status != "FAILURE" {
				continue
			}
			skip := false
			for name := range notApplicable {
				if strings.HasPrefix(scenario, "server-"+name+"-") {
					skip = true
				}
			}
			if !skip {
				b.WriteString("  " + scenario + ": " + c.ID + ": " + c.ErrorMessage + "\n")
			}
		}
	}
	return b.String()
}
