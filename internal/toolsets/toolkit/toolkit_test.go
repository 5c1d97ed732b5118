package toolkit

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/sentinel-mcp/sentinel-mcp/internal/config"
	"github.com/sentinel-mcp/sentinel-mcp/internal/kql/syntax"
	"github.com/sentinel-mcp/sentinel-mcp/internal/render"
)

// unquote reads one double-quoted KQL literal from the start of s, following Kusto's escapes, and
// returns its value and the rest of s; ok is false when the literal does not end on this line.
func unquote(s string) (val, rest string, ok bool) {
	if !strings.HasPrefix(s, `"`) {
		return "", s, false
	}
	var b strings.Builder
	for i := 1; i < len(s); i++ {
		switch c := s[i]; c {
		case '"':
			return b.String(), s[i+1:], true
		case '\n', '\r':
			return "", s, false // a raw line break would end the query line: injection
		case '\\':
			i++
			if i == len(s) {
				return "", s, false
			}
			switch s[i] {
			case 'n':
				b.WriteByte('\n')
			case 'r':
				b.WriteByte('\r')
			case 't':
				b.WriteByte('\t')
			default:
				b.WriteByte(s[i])
			}
		default:
			b.WriteByte(c)
		}
	}
	return "", s, false
}

func TestQuoteKQLResistsInjection(t *testing.T) {
	hostile := []string{
		`alice@contoso.com`,
		`x" | take 1 //`,
		`x' or 1==1 //`,
		"a\nb\r\n| .drop table SigninLogs",
		`back\slash\" still inside`,
		`; .set-or-append T <| print 1`,
		"tab\tand unicode é😀 \u202e",
		``,
		`\`,
	}
	for _, v := range hostile {
		q := QuoteKQL(v)
		got, rest, ok := unquote(q)
		if !ok || rest != "" || got != v {
			t.Errorf("QuoteKQL(%q) = %s: parses back as %q (rest %q, ok %v)", v, q, got, rest, ok)
		}
		if strings.ContainsAny(q, "\n\r") {
			t.Errorf("QuoteKQL(%q) contains a raw line break", v)
		}
	}
	if got := QuoteKQLList([]string{"a", `b"`}); got != `("a", "b\"")` {
		t.Errorf("QuoteKQLList = %s", got)
	}
}

func TestQuoteKQLName(t *testing.T) {
	for in, want := range map[string]string{
		"SigninLogs": "SigninLogs", "_Col1": "_Col1", "my col": `["my col"]`, "1abc": `["1abc"]`,
		`x"] | take 1 //`: `["x\"] | take 1 //"]`, "": `[""]`,
		"union": `["union"]`, "print": `["print"]`, "let": `["let"]`, "declare": `["declare"]`, "true": `["true"]`, "project-away": `["project-away"]`,
	} {
		if got := QuoteKQLName(in); got != want {
			t.Errorf("QuoteKQLName(%q) = %s, want %s", in, got, want)
		}
		// As the table of a query, the name is that table, whatever it spells.
		if in != "" {
			if _, diags := syntax.Parse(QuoteKQLName(in) + " | getschema"); len(diags) > 0 {
				t.Errorf("QuoteKQLName(%q) | getschema: %v", in, diags)
			}
		}
	}
	if got := KQLDatetime(time.Date(2024, 5, 1, 10, 0, 0, 0, time.FixedZone("x", 7200))); got != "datetime(2024-05-01T08:00:00Z)" {
		t.Errorf("KQLDatetime = %s", got)
	}
}

func TestDepsHelpers(t *testing.T) {
	var nilDeps *Deps
	if nilDeps.Budget() != (render.Budget{}) || nilDeps.Log() == nil || nilDeps.Clock().IsZero() {
		t.Error("nil Deps helpers")
	}
	c := config.Default()
	c.Limits.MaxRows = 3
	d := &Deps{Config: c}
	tb := &render.Table{Columns: []render.Column{{Name: "n", Type: "long"}}}
	for i := range 10 {
		tb.Rows = append(tb.Rows, []any{i})
	}
	res, rep := d.Table(tb, render.FormatTable, 0)
	if rep.Rows != 3 || !rep.Truncated || !strings.Contains(res.Content[0].(*mcp.TextContent).Text, "showing 3 of 10") {
		t.Errorf("table: %+v", rep)
	}
	if err := ArgError("timespan", "%q is not a duration; use 24h or P1D", "soon"); err.Error() != `argument "timespan": "soon" is not a duration; use 24h or P1D` {
		t.Errorf("ArgError = %v", err)
	}
	if err := Unavailable("listing incidents", errors.New("503"), "retry in a minute"); !strings.Contains(err.Error(), "listing incidents failed: 503. retry") {
		t.Errorf("Unavailable = %v", err)
	}
}
