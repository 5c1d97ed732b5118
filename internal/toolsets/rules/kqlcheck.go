package rules

import (
	"fmt"
	"strings"

	"github.com/sentinel-mcp/sentinel-mcp/internal/kql"
	"github.com/sentinel-mcp/sentinel-mcp/internal/schema"
)

// Diagnostic is a finding of the KQL engine on a rule query, as tools report it.
type Diagnostic struct {
	Code     string `json:"code,omitempty"`
	Message  string `json:"message"`
	Hint     string `json:"hint,omitempty"`
	Line     int    `json:"line,omitempty"`
	Col      int    `json:"col,omitempty"`
	Severity string `json:"severity,omitempty"` // "error" (or empty) refuses the query; "warning" is reported
}

// checkQuery validates a rule query with the KQL engine against the catalog of known tables.
func checkQuery(q string) []Diagnostic {
	if strings.TrimSpace(q) == "" {
		return []Diagnostic{{Code: "EmptyQuery", Message: "the query is empty", Severity: kql.SeverityError}}
	}
	var out []Diagnostic
	for _, d := range kql.Validate(q, schema.DefaultCatalog()) {
		sev := d.Severity
		// The catalog does not list every table a workspace may have (custom tables), so the engine only
		// warns about a table it does not know. A name one typo away from a known table is refused:
		// Sentinel itself refuses a rule whose table does not exist, but only after the write.
		msg := d.Message
		if d.Code == codeNotInCatalog && d.Hint != "" {
			sev = kql.SeverityError
			name, _, _ := strings.Cut(strings.TrimPrefix(msg, "table '"), "'")
			msg = fmt.Sprintf("unknown table '%s'", name)
		}
		out = append(out, Diagnostic{Code: d.Code, Message: msg, Hint: d.Hint, Line: d.Line, Col: d.Col, Severity: sev})
	}
	return out
}

// codeNotInCatalog is the KQL engine's code for a table the catalog does not list.
const codeNotInCatalog = "SEM0110"

// blocking returns the diagnostics that refuse a query.
func blocking(ds []Diagnostic) []Diagnostic {
	var out []Diagnostic
	for _, d := range ds {
		if d.Severity == "" || strings.EqualFold(d.Severity, kql.SeverityError) {
			out = append(out, d)
		}
	}
	return out
}

// formatDiagnostics renders diagnostics one per line, with position and hint.
func formatDiagnostics(ds []Diagnostic) string {
	var b strings.Builder
	for _, d := range ds {
		b.WriteString("\n  - ")
		if d.Line > 0 {
			fmt.Fprintf(&b, "line %d, col %d: ", d.Line, d.Col)
		}
		b.WriteString(d.Message)
		if d.Hint != "" && !strings.Contains(d.Message, d.Hint) {
			b.WriteString(" (" + d.Hint + ")")
		}
	}
	return b.String()
}
