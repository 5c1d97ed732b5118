package syntax

import (
	"strings"
	"testing"
)

type errorCase struct {
	Name  string `json:"name"`
	Query string `json:"query"`
	// Diverge explains a case where we deliberately point elsewhere than
	// the oracle; only the presence of an error is checked.
	Diverge string `json:"diverge"`
}

// TestErrorPositions parses broken queries and requires the first error to
// point where Microsoft's parser points (testdata/errors-oracle.jsonl, made
// by ../testdata/oracle.go): within the same token, or for a position
// between tokens, from there to the start of the next token.
func TestErrorPositions(t *testing.T) {
	cases := readJSONL[errorCase](t, "testdata/errors.jsonl")
	oracle := readJSONL[oracleVerdict](t, "testdata/errors-oracle.jsonl")
	if len(cases) != len(oracle) {
		t.Fatalf("%d cases but %d oracle verdicts: regenerate them (see ../testdata/README.md)", len(cases), len(oracle))
	}
	for i, c := range cases {
		o := oracle[i]
		if o.Name != c.Name {
			t.Fatalf("case %d is %q but its verdict %q: regenerate the verdicts", i, c.Name, o.Name)
		}
		_, diags := Parse(c.Query)
		errs := errorsOf(diags)
		if o.OK {
			t.Logf("%s: the oracle accepts it (we report %d errors)", c.Name, len(errs))
			continue
		}
		if len(errs) == 0 {
			t.Errorf("%s: no error for %q; the oracle reports %q at %d", c.Name, c.Query, o.Diags[0].Message, o.Diags[0].Start)
			continue
		}
		d, od := errs[0], o.Diags[0]
		if c.Diverge != "" {
			t.Logf("%s: ours at %d (%s), the oracle's at %d (%s): %s", c.Name, d.Offset, d.Message, od.Start, od.Message, c.Diverge)
		} else if !near(d, od, c.Query) {
			t.Errorf("%s: %q: first error at %d (%d:%d %s), the oracle's at %d-%d (%s)",
				c.Name, c.Query, d.Offset, d.Line, d.Col, d.Message, od.Start, od.End, od.Message)
		}
		for _, d := range errs {
			if d.Message == "" || d.Code == "" || d.Line < 1 || d.Col < 1 || d.End < d.Offset || d.End > len(c.Query) {
				t.Errorf("%s: malformed diagnostic %+v", c.Name, d)
			}
		}
		if testing.Verbose() {
			t.Logf("%-24s %-40q %s", c.Name, c.Query, strings.ReplaceAll(d.String(), "\n", " "))
		}
	}
}

// TestMultipleErrors checks that the parser recovers and reports errors in
// separate places of one query.
func TestMultipleErrors(t *testing.T) {
	cases := map[string]int{
		"T | where x == | extend y = f(":                    2,
		"T | foo | where | project a,":                      3,
		"let x = ;\nlet y = 1 +;\nT | take":                 3,
		"T | where (a == 1 | summarize count() by | take 1": 2,
	}
	for q, want := range cases {
		_, diags := Parse(q)
		if got := len(errorsOf(diags)); got < want {
			t.Errorf("%q: %d errors, want at least %d: %v", q, got, want, diags)
		}
	}
}

// TestErrorMessages checks that diagnostics say what was expected and give
// a useful hint.
func TestErrorMessages(t *testing.T) {
	cases := []struct{ src, code, msg, hint string }{
		{"T | summarise count()", CodeUnknownOperator, "unknown query operator 'summarise'", "did you mean 'summarize'?"},
		{"T | where x like 'a%'", CodeUnexpected, "found 'like'", "has, contains"},
		{"T | project by", CodeMissingExpr, "expected a column", "write ['by']"},
		{"T | where (x == 1", CodeExpected, "expected ')'", "unbalanced"},
		{"T | where x == 1 project y", CodeUnexpected, "found 'project'", "add '|' before 'project'"},
		{"T | where x == 'abc", CodeUnterminated, "unterminated string", "same line"},
		{"print \"a\\qb\"", CodeBadEscape, "invalid escape", "verbatim"},
		{"T | join kind=sideways (U) on a", CodeBadParam, "invalid value for kind", "innerunique"},
		{"print datetime(2024-02-30)", CodeBadLiteral, "invalid datetime literal", "ISO 8601"},
		{"let f = (x:strin) { x }; print 1", CodeBadLiteral, "unknown type 'strin'", "string, long"},
	}
	for _, c := range cases {
		_, diags := Parse(c.src)
		if len(diags) == 0 {
			t.Errorf("%s: no diagnostic", c.src)
			continue
		}
		d := diags[0]
		if d.Code != c.code || !strings.Contains(d.Message, c.msg) || !strings.Contains(d.Hint, c.hint) {
			t.Errorf("%s: got %s %q (hint %q), want %s containing %q (hint %q)", c.src, d.Code, d.Message, d.Hint, c.code, c.msg, c.hint)
		}
	}
}
