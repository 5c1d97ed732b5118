package query

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"regexp"
	"strconv"
	"strings"

	"github.com/sentinel-mcp/sentinel-mcp/internal/azure"
	"github.com/sentinel-mcp/sentinel-mcp/internal/kql"
	"github.com/sentinel-mcp/sentinel-mcp/internal/schema"
	"github.com/sentinel-mcp/sentinel-mcp/internal/toolsets/toolkit"
)

// diagnostic is one finding of the offline check, as tools report it.
type diagnostic struct {
	Severity string `json:"severity"`
	Code     string `json:"-"`
	Line     int    `json:"line"`
	Column   int    `json:"column"`
	Message  string `json:"message"`
	Hint     string `json:"hint,omitempty"`
}

// codeNotInCatalog is the KQL engine's code for a table the catalog does not list.
const codeNotInCatalog = "SEM0110"

// maxDiagnostics bounds the findings one answer lists: the first few errors are what matter; the
// rest usually follow from them.
const maxDiagnostics = 20

// offlineCheck validates q against the built-in table schemas (internal/schema): syntax, unknown
// tables (warnings: a workspace may have tables the catalog does not know, except a name one typo
// away from a known table, which is an error as the rules toolset has it), unknown columns and
// functions, with the nearest name as a hint.
func offlineCheck(q string) []diagnostic {
	var out []diagnostic
	for _, d := range kql.Validate(q, schema.DefaultCatalog()) {
		msg, hint := d.Message, d.Hint
		sev := d.Severity
		if sev == "" {
			sev = kql.SeverityError
		}
		if d.Code == codeNotInCatalog && hint != "" {
			// The engine suggests a known table only when the name is that close to it: a typo,
			// which Log Analytics would refuse, not a custom table.
			name, _, _ := strings.Cut(strings.TrimPrefix(msg, "table '"), "'")
			sev, msg = kql.SeverityError, fmt.Sprintf("unknown table '%s'", name)
		}
		if hint != "" && strings.Contains(msg, hint) {
			hint = ""
		}
		out = append(out, diagnostic{Severity: sev, Code: d.Code, Line: max(d.Line, 1), Column: max(d.Col, 1), Message: msg, Hint: hint})
	}
	return out
}

func errorsOf(ds []diagnostic) []diagnostic {
	var out []diagnostic
	for _, d := range ds {
		if d.Severity == kql.SeverityError {
			out = append(out, d)
		}
	}
	return out
}

// describe renders a finding with the query line it points at and a caret under the position:
//
//	line 1, column 20: 'where' operator: Failed to resolve ... (did you mean 'UserPrincipalName'?)
//	  SigninLogs | where UserPrincipalNme == 'x'
//	                     ^
func (d diagnostic) describe(q string) string {
	var b strings.Builder
	fmt.Fprintf(&b, "line %d, column %d: %s", d.Line, d.Column, d.Message)
	if d.Hint != "" {
		b.WriteString(" (" + d.Hint + ")")
	}
	if ex, caret, ok := excerpt(q, d.Line, d.Column); ok {
		b.WriteString("\n    " + ex + "\n    " + caret)
	}
	return b.String()
}

// excerpt returns the source line (at most ~80 characters around the column) and a caret line.
func excerpt(q string, line, col int) (string, string, bool) {
	lines := strings.Split(q, "\n")
	if line < 1 || line > len(lines) {
		return "", "", false
	}
	rs := []rune(strings.TrimRight(lines[line-1], "\r"))
	c := min(max(col-1, 0), len(rs))
	from := max(0, c-40)
	to := min(len(rs), from+80)
	seg := make([]rune, 0, to-from+2)
	for _, r := range rs[from:to] {
		if r == '\t' {
			r = ' ' // keep the caret aligned
		}
		seg = append(seg, r)
	}
	prefix, pad := "", c-from
	if from > 0 {
		prefix, pad = "…", pad+1
	}
	suffix := ""
	if to < len(rs) {
		suffix = "…"
	}
	if strings.TrimSpace(string(seg)) == "" {
		return "", "", false
	}
	return prefix + string(seg) + suffix, strings.Repeat(" ", pad) + "^", true
}

var azurePosRE = regexp.MustCompile(`(?i)line \[?(\d+)\s*,\s*(?:pos(?:ition)?\s*)?(\d+)\]?`)

// queryFailure turns a failed query into the tool error the model sees. A query Log Analytics refused
// (400: syntax, unknown table or column) says so with Azure's message, the offline check's findings
// with line and column, and what to do next; other failures say what to retry.
func queryFailure(where, q string, err error) error {
	if errors.Is(err, context.Canceled) {
		return fmt.Errorf("the query on %s was cancelled", where)
	}
	ae, ok := azure.AsError(err)
	if !ok {
		if errors.Is(err, context.DeadlineExceeded) {
			return fmt.Errorf("the query on %s ran out of time: narrow it (a shorter timespan, filters first, summarize) and retry", where)
		}
		return toolkit.Unavailable("querying "+where, err, "")
	}
	switch {
	case ae.Status == http.StatusBadRequest:
		var b strings.Builder
		fmt.Fprintf(&b, "Log Analytics refused the query on %s: %s: %s.", where, codeOf(ae), strings.TrimSuffix(ae.Message, "."))
		al, ac := 0, 0
		if m := azurePosRE.FindStringSubmatch(ae.Message); m != nil {
			al, _ = strconv.Atoi(m[1])
			ac, _ = strconv.Atoi(m[2])
			ac++ // Azure's position is the 0-based column
			if ex, caret, ok := excerpt(q, al, ac); ok {
				b.WriteString("\n    " + ex + "\n    " + caret)
			}
		}
		var ds []diagnostic
		for _, d := range errorsOf(offlineCheck(q)) {
			if d.Line != al || d.Column != ac { // the same finding as Azure's is not repeated
				ds = append(ds, d)
			}
		}
		if len(ds) > 0 {
			b.WriteString("\nThe offline check finds:")
			for i, d := range ds {
				if i == 3 {
					fmt.Fprintf(&b, "\n- and %d more", len(ds)-3)
					break
				}
				b.WriteString("\n- " + d.describe(q))
			}
		}
		b.WriteString("\nFix the query and run it again: validate_kql checks a query offline, get_table_schema lists a table's columns.")
		return errors.New(b.String())
	case ae.Status == http.StatusGatewayTimeout || strings.EqualFold(ae.Code, "GatewayTimeout"):
		return toolkit.Unavailable("querying "+where, err, "Narrow the query: a shorter timespan, filters before joins, summarize instead of listing rows")
	}
	return toolkit.Unavailable("querying "+where, err, "")
}

func codeOf(e *azure.Error) string {
	if e.Code != "" {
		return e.Code
	}
	return http.StatusText(e.Status)
}
