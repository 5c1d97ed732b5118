package rules

import (
	"strings"
	"testing"

	"github.com/sentinel-mcp/sentinel-mcp/internal/content"
)

// The stand-in checker must accept every shipped rule and hunt (no false refusal of good content)
// and refuse the common mistakes with a position and a hint.
func TestBasicCheckAcceptsShippedContent(t *testing.T) {
	for _, r := range content.Rules() {
		if ds := blocking(basicCheck(r.Query)); len(ds) > 0 {
			t.Errorf("rule %q refused:%s", r.Name, formatDiagnostics(ds))
		}
	}
	for _, h := range content.Hunts() {
		if ds := blocking(basicCheck(h.Query)); len(ds) > 0 {
			t.Errorf("hunt %q refused:%s", h.Name, formatDiagnostics(ds))
		}
	}
	for _, q := range []string{
		"let x = 5;\nlet T = SigninLogs | where ResultType == \"0\";\nT | join kind=inner (AuditLogs | project X) on X | summarize count() by bin(TimeGenerated, 1h)",
		"union isfuzzy=true SigninLogs, AuditLogs | take 5",
		"SecurityEvent // comment with Bogus | table\n| where CommandLine has 'x\"y' and Account == @\"a\\b\"\n| project-away Foo, Bar",
		"let f = (n:int) { SigninLogs | take n }; f(3)",
		"print x = 1",
	} {
		if ds := blocking(basicCheck(q)); len(ds) > 0 {
			t.Errorf("%q refused:%s", q, formatDiagnostics(ds))
		}
	}
}

func TestBasicCheckRefusesMistakes(t *testing.T) {
	for q, want := range map[string]string{
		"": "empty",
		"SigninLog | where ResultType == \"50126\"":  "unknown table \"SigninLog\" (did you mean SigninLogs?)",
		"SigninLogs | where (ResultType == 1":        "\"(\" is never closed",
		"SigninLogs | where A == 'x":                 "unterminated string",
		"let t = NoSuchTable_CL | take 1; t":         "unknown table \"NoSuchTable_CL\"",
		"SigninLogs | join (AuditLog | take 1) on X": "did you mean AuditLogs?",
	} {
		ds := blocking(basicCheck(q))
		if len(ds) == 0 || !strings.Contains(formatDiagnostics(ds), want) {
			t.Errorf("%q: %s; want %q", q, formatDiagnostics(ds), want)
		}
	}
	if ds := basicCheck("SigninLogs\n| join (AuditLog | take 1) on X"); len(ds) != 1 || ds[0].Line != 2 || ds[0].Col != 9 {
		t.Errorf("positions: %+v", ds)
	}
}
