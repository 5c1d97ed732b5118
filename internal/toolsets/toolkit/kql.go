package toolkit

import (
	"strings"
	"time"

	"github.com/sentinel-mcp/sentinel-mcp/internal/kql/syntax"
)

// QuoteKQL returns s as a KQL string literal, safe to splice into a query: it is double-quoted and
// every character that could end the literal or the line (", \, newline, carriage return) is
// escaped, so no value, however hostile (quotes, pipes, semicolons, newlines, ".drop"), can change
// the structure of the query around it.
//
//	q := "SigninLogs | where UserPrincipalName == " + toolkit.QuoteKQL(upn)
//
// Never build KQL by concatenating user values any other way.
func QuoteKQL(s string) string {
	var b strings.Builder
	b.Grow(len(s) + 2)
	b.WriteByte('"')
	for _, r := range s {
		switch r {
		case '"':
			b.WriteString(`\"`)
		case '\\':
			b.WriteString(`\\`)
		case '\n':
			b.WriteString(`\n`)
		case '\r':
			b.WriteString(`\r`)
		case '\t':
			b.WriteString(`\t`)
		default:
			b.WriteRune(r)
		}
	}
	b.WriteByte('"')
	return b.String()
}

// QuoteKQLList returns values as a parenthesized list of KQL string literals, for `in (...)` and
// `has_any (...)`: ("a", "b").
func QuoteKQLList(values []string) string {
	parts := make([]string, len(values))
	for i, v := range values {
		parts[i] = QuoteKQL(v)
	}
	return "(" + strings.Join(parts, ", ") + ")"
}

// QuoteKQLName returns a table or column name as a KQL identifier: bare when it is a plain
// identifier that is no keyword (a table named union or where would otherwise read as the
// operator), else bracketed (["my column"]), so a user-supplied name cannot inject operators.
func QuoteKQLName(name string) string {
	plain := name != ""
	for i, r := range name {
		if !(r == '_' || r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || i > 0 && r >= '0' && r <= '9') {
			plain = false
			break
		}
	}
	if plain && !statementWords[name] && syntax.FormatName(name) == name {
		return name
	}
	return "[" + QuoteKQL(name) + "]"
}

// statementWords begin a statement, so a query cannot start with them as a bare table name.
var statementWords = map[string]bool{"let": true, "set": true, "declare": true, "alias": true, "pattern": true, "restrict": true}

// KQLDatetime returns t as a KQL datetime literal: datetime(2024-05-01T10:00:00Z).
func KQLDatetime(t time.Time) string {
	return "datetime(" + t.UTC().Format(time.RFC3339Nano) + ")"
}
