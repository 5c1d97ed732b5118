package rules

import (
	"fmt"
	"strings"
	"unicode"

	"github.com/sentinel-mcp/sentinel-mcp/internal/schema"
)

// Diagnostic is a finding on a rule query, with the fields of the KQL engine's diagnostics
// (internal/kql: Validate(src, catalog) []Diagnostic).
type Diagnostic struct {
	Code     string `json:"code,omitempty"`
	Message  string `json:"message"`
	Hint     string `json:"hint,omitempty"`
	Line     int    `json:"line,omitempty"`
	Col      int    `json:"col,omitempty"`
	Severity string `json:"severity,omitempty"` // "error" (or empty) refuses the query; "warning" is reported
}

// QueryChecker validates a rule query before anything is written.
type QueryChecker func(query string) []Diagnostic

// checkQuery is the checker the tools use. Until the KQL engine's facade (kql.Validate) is available it is
// basicCheck; then it becomes kql.Validate over schema.DefaultCatalog().
var checkQuery QueryChecker = basicCheck

// blocking returns the diagnostics that refuse a query.
func blocking(ds []Diagnostic) []Diagnostic {
	var out []Diagnostic
	for _, d := range ds {
		if d.Severity == "" || strings.EqualFold(d.Severity, "error") {
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
		if d.Hint != "" {
			b.WriteString(" (" + d.Hint + ")")
		}
	}
	return b.String()
}

// basicCheck is a small stand-in for the KQL engine's validation: an empty query, unbalanced brackets
// or an unterminated string, and tables that the catalog does not know (with the closest name). It
// only looks at the table that starts each tabular expression; it is replaced by kql.Validate.
func basicCheck(q string) []Diagnostic {
	if strings.TrimSpace(q) == "" {
		return []Diagnostic{{Code: "EmptyQuery", Message: "the query is empty"}}
	}
	toks, diag := lexKQL(q)
	if diag != nil {
		return []Diagnostic{*diag}
	}
	if d := checkBrackets(toks); d != nil {
		return []Diagnostic{*d}
	}
	cat := schema.DefaultCatalog()
	lets := map[string]bool{}
	var out []Diagnostic
	depth := 0
	// start marks where a tabular expression may begin: the start of a statement, after "=" in a let,
	// after "(" or "{" opening a sub-query (join (...), a function body); union lists tables too.
	start, union := true, false
	for i, t := range toks {
		prev := ""
		if i > 0 {
			prev = strings.ToLower(toks[i-1].text)
		}
		isStart := start || union && t.kind == 'i'
		start = false
		switch {
		case t.text == "(" || t.text == "{":
			depth++
			start = t.text == "{" || i == 0 || toks[i-1].kind != 'i' || subqueryOpeners[prev]
			continue
		case t.text == "[":
			depth++
			continue
		case t.text == ")" || t.text == "]" || t.text == "}":
			depth--
			continue
		case t.text == ";" && depth == 0:
			start, union = true, false
			continue
		case t.text == "|":
			union = false
			continue
		case t.text == "=":
			start = i >= 2 && strings.EqualFold(toks[i-2].text, "let")
			continue
		}
		if t.kind == 'i' && strings.EqualFold(t.text, "let") && i+2 < len(toks) && toks[i+2].text == "=" {
			lets[toks[i+1].text] = true
		}
		if !isStart || t.kind != 'i' {
			continue
		}
		if strings.EqualFold(t.text, "union") {
			union = true
			continue
		}
		if kqlKeywords[strings.ToLower(t.text)] || lets[t.text] {
			continue
		}
		next := ""
		if i+1 < len(toks) {
			next = toks[i+1].text
		}
		if next != "|" && next != ";" && next != ")" && next != "}" && next != "" && next != "," {
			continue // a function call, a scalar expression, an option: not a table reference
		}
		if _, ok := cat.Table(t.text); ok {
			continue
		}
		d := Diagnostic{Code: "UnknownTable", Severity: "error", Line: t.line, Col: t.col,
			Message: fmt.Sprintf("unknown table %q", t.text)}
		if s := cat.Suggest(t.text); s != "" {
			d.Hint = fmt.Sprintf("did you mean %s?", s)
		} else {
			d.Hint = "the workspace has no such table"
		}
		out = append(out, d)
	}
	return out
}

// subqueryOpeners precede a "(" that opens a tabular sub-expression.
var subqueryOpeners = map[string]bool{"join": true, "lookup": true, "union": true, "materialize": true, "toscalar": true,
	"inner": true, "innerunique": true, "leftouter": true, "rightouter": true, "fullouter": true, "leftanti": true,
	"rightanti": true, "leftsemi": true, "rightsemi": true, "anti": true, "leftantisemi": true, "rightantisemi": true,
	"broadcast": true, "shuffle": true, "facet": true, "fork": true}

// kqlKeywords begin tabular expressions without naming a table, or are statements.
var kqlKeywords = map[string]bool{"let": true, "set": true, "declare": true, "union": true, "print": true,
	"range": true, "datatable": true, "search": true, "find": true, "evaluate": true, "externaldata": true,
	"materialize": true, "view": true, "toscalar": true, "true": true, "false": true, "null": true, "dynamic": true,
	"pattern": true, "alias": true, "restrict": true, "database": true, "cluster": true, "workspace": true}

type kqlTok struct {
	kind      byte // 'i' identifier, 's' string, 'n' number, 'p' punctuation
	text      string
	line, col int
}

// lexKQL splits a query into identifiers, literals and punctuation, skipping comments.
func lexKQL(q string) ([]kqlTok, *Diagnostic) {
	var toks []kqlTok
	line, col := 1, 1
	rs := []rune(q)
	adv := func(n int) {
		for k := 0; k < n; k++ {
			if rs[0] == '\n' {
				line, col = line+1, 1
			} else {
				col++
			}
			rs = rs[1:]
		}
	}
	for len(rs) > 0 {
		r := rs[0]
		switch {
		case unicode.IsSpace(r):
			adv(1)
		case r == '/' && len(rs) > 1 && rs[1] == '/':
			for len(rs) > 0 && rs[0] != '\n' {
				adv(1)
			}
		case r == '"' || r == '\'' || (r == '@' || r == 'h' || r == 'H') && len(rs) > 1 && (rs[1] == '"' || rs[1] == '\''):
			l, c := line, col
			verbatim := r == '@'
			if r != '"' && r != '\'' {
				adv(1)
			}
			quote := rs[0]
			adv(1)
			closed := false
			for len(rs) > 0 {
				if rs[0] == '\\' && !verbatim && len(rs) > 1 {
					adv(2)
					continue
				}
				if rs[0] == '\n' && !verbatim {
					break
				}
				if rs[0] == quote {
					adv(1)
					closed = true
					break
				}
				adv(1)
			}
			if !closed {
				return nil, &Diagnostic{Code: "UnterminatedString", Severity: "error", Line: l, Col: c,
					Message: "unterminated string literal", Hint: "close it with " + string(quote)}
			}
			toks = append(toks, kqlTok{'s', "", l, c})
		case r == '`' && len(rs) > 2 && rs[1] == '`' && rs[2] == '`':
			l, c := line, col
			adv(3)
			for len(rs) > 2 && !(rs[0] == '`' && rs[1] == '`' && rs[2] == '`') {
				adv(1)
			}
			if len(rs) < 3 {
				return nil, &Diagnostic{Code: "UnterminatedString", Severity: "error", Line: l, Col: c, Message: "unterminated ``` string literal"}
			}
			adv(3)
			toks = append(toks, kqlTok{'s', "", l, c})
		case r == '_' || unicode.IsLetter(r):
			l, c := line, col
			n := 0
			for n < len(rs) && (rs[n] == '_' || unicode.IsLetter(rs[n]) || unicode.IsDigit(rs[n])) {
				n++
			}
			toks = append(toks, kqlTok{'i', string(rs[:n]), l, c})
			adv(n)
		case unicode.IsDigit(r):
			l, c := line, col
			n := 0
			for n < len(rs) && (unicode.IsLetter(rs[n]) || unicode.IsDigit(rs[n]) || rs[n] == '.') {
				n++
			}
			toks = append(toks, kqlTok{'n', string(rs[:n]), l, c})
			adv(n)
		default:
			toks = append(toks, kqlTok{'p', string(r), line, col})
			adv(1)
		}
	}
	return toks, nil
}

func checkBrackets(toks []kqlTok) *Diagnostic {
	pairs := map[string]string{")": "(", "]": "[", "}": "{"}
	var stack []kqlTok
	for _, t := range toks {
		switch t.text {
		case "(", "[", "{":
			if t.kind == 'p' {
				stack = append(stack, t)
			}
		case ")", "]", "}":
			if t.kind != 'p' {
				continue
			}
			if len(stack) == 0 || stack[len(stack)-1].text != pairs[t.text] {
				return &Diagnostic{Code: "UnbalancedBrackets", Severity: "error", Line: t.line, Col: t.col,
					Message: fmt.Sprintf("unexpected %q", t.text)}
			}
			stack = stack[:len(stack)-1]
		}
	}
	if len(stack) > 0 {
		t := stack[len(stack)-1]
		closing := map[string]string{"(": ")", "[": "]", "{": "}"}[t.text]
		return &Diagnostic{Code: "UnbalancedBrackets", Severity: "error", Line: t.line, Col: t.col,
			Message: fmt.Sprintf("%q is never closed", t.text), Hint: "add " + closing}
	}
	return nil
}
