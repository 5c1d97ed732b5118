package query

import (
	"strings"
	"unicode/utf8"
)

// A small KQL-aware scanner: enough lexing (string literals of every form, comments, brackets) to
// find statement starts and top-level pipe stages without a full parse. It must never be fooled by a
// ';' or '|' inside a string or a comment, which is what the safety check and the filter insertion of
// parameterised hunts rely on.

// span is a byte range of the query text.
type span struct{ start, end int }

// scanner walks q and calls visit for every byte that is code (not inside a string literal or a
// comment), with the bracket depth at that byte.
func scanCode(q string, visit func(i int, depth int)) {
	depth := 0
	for i := 0; i < len(q); {
		c := q[i]
		switch {
		case c == '/' && i+1 < len(q) && q[i+1] == '/':
			for i < len(q) && q[i] != '\n' {
				i++
			}
			continue
		case strings.HasPrefix(q[i:], "```"):
			if end := strings.Index(q[i+3:], "```"); end >= 0 {
				i += 3 + end + 3
			} else {
				i = len(q)
			}
			continue
		case c == '@' && i+1 < len(q) && (q[i+1] == '"' || q[i+1] == '\''):
			i = skipVerbatim(q, i+1)
			continue
		case c == '"' || c == '\'':
			i = skipQuoted(q, i)
			continue
		case c == '(' || c == '[' || c == '{':
			visit(i, depth)
			depth++
			i++
			continue
		case c == ')' || c == ']' || c == '}':
			if depth > 0 {
				depth--
			}
		}
		visit(i, depth)
		i++
	}
}

// skipQuoted returns the index after the string literal starting at q[i] ('"' or '\”), which may
// hold backslash escapes. An unterminated literal runs to the end of the line, as Kusto's lexer has it.
func skipQuoted(q string, i int) int {
	quote := q[i]
	for j := i + 1; j < len(q); j++ {
		switch q[j] {
		case '\\':
			j++
		case '\n':
			return j
		case quote:
			return j + 1
		}
	}
	return len(q)
}

// skipVerbatim returns the index after the verbatim literal whose quote is at q[i] (@"..." or
// @'...': no escapes, a doubled quote stands for itself).
func skipVerbatim(q string, i int) int {
	quote := q[i]
	for j := i + 1; j < len(q); j++ {
		switch q[j] {
		case quote:
			if j+1 < len(q) && q[j+1] == quote {
				j++
				continue
			}
			return j + 1
		case '\n':
			return j
		}
	}
	return len(q)
}

// statements splits q at top-level ';' into statement spans.
func statements(q string) []span {
	var out []span
	start := 0
	scanCode(q, func(i, depth int) {
		if q[i] == ';' && depth == 0 {
			out = append(out, span{start, i})
			start = i + 1
		}
	})
	return append(out, span{start, len(q)})
}

// firstCode returns the index of the first byte of s that is neither white space nor inside a comment,
// or -1.
func firstCode(q string, s span) int {
	i := s.start
	for i < s.end {
		switch c := q[i]; {
		case c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '\f' || c == '\v':
			i++
		case c >= utf8.RuneSelf:
			r, n := utf8.DecodeRuneInString(q[i:s.end])
			if r != '\u00a0' && r != '\ufeff' && r != '\u2028' && r != '\u2029' {
				return i
			}
			i += n
		case c == '/' && i+1 < s.end && q[i+1] == '/':
			for i < s.end && q[i] != '\n' {
				i++
			}
		default:
			return i
		}
	}
	return -1
}

// pipeStages splits a statement into its top-level pipe stages ("T", " where x", " take 5").
func pipeStages(q string) []span {
	var out []span
	start := 0
	scanCode(q, func(i, depth int) {
		if q[i] == '|' && depth == 0 {
			out = append(out, span{start, i})
			start = i + 1
		}
	})
	return append(out, span{start, len(q)})
}

// lineCol returns the 1-based line and column (in characters) of byte offset off.
func lineCol(q string, off int) (int, int) {
	off = min(off, len(q))
	line := 1 + strings.Count(q[:off], "\n")
	ls := strings.LastIndexByte(q[:off], '\n') + 1
	return line, len([]rune(q[ls:off])) + 1
}
