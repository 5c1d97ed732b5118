package rules

import (
	"strings"
	"testing"

	"github.com/sentinel-mcp/sentinel-mcp/internal/content"
)

// Rule queries go through the KQL engine: every shipped rule and hunt passes (no false refusal of good
// content), and the common mistakes are refused with a position and a hint.
func TestCheckQueryAcceptsShippedContent(t *testing.T) {
	for _, r := range content.Rules() {
		if ds := blocking(checkQuery(r.Query)); len(ds) > 0 {
			t.Errorf("rule %q refused:%s", r.Name, formatDiagnostics(ds))
		}
	}
	for _, h := range content.Hunts() {
		if ds := blocking(checkQuery(h.Query)); len(ds) > 0 {
			t.Errorf("hunt %q refused:%s", h.Name, formatDiagnostics(ds))
		}
	}
}

func TestCheckQueryRefusesMistakes(t *testing.T) {
	for q, want := range map[string]string{
		"   ": "empty",
		"SigninLog | where ResultType == \"50126\"":  "did you mean 'SigninLogs'?",
		"SigninLogs | where (ResultType == 1":        "unbalanced parentheses",
		"SigninLogs | where ResultTyp == \"0\"":      "did you mean 'ResultType'?",
		"SigninLogs | join (AuditLog | take 1) on X": "did you mean 'AuditLogs'?",
	} {
		ds := blocking(checkQuery(q))
		if len(ds) == 0 || !strings.Contains(formatDiagnostics(ds), want) {
			t.Errorf("%q: %s; want %q", q, formatDiagnostics(ds), want)
		}
	}
	// A table the catalog does not know and that is no typo (a workspace's own custom table) is a warning:
	// the rule is not refused on the catalog's word alone.
	ds := checkQuery("Contoso_Firewall_CL | take 10")
	if len(blocking(ds)) > 0 || len(ds) == 0 {
		t.Errorf("custom table: %+v", ds)
	}
	if ds := checkQuery("SigninLogs\n| join (AuditLog | take 1) on X"); len(ds) == 0 || ds[0].Line != 2 {
		t.Errorf("positions: %+v", ds)
	}
}
