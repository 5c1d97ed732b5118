package syntax

import (
	"fmt"
	"sort"
	"unicode/utf8"
)

// Diagnostic is a problem found in a query. Offset and End are byte
// offsets (End == Offset for a position between two tokens); Line and Col
// are 1-based, Col counting characters (Unicode code points).
type Diagnostic struct {
	Code     string
	Message  string
	Hint     string
	Line     int
	Col      int
	Offset   int
	End      int
	Severity string
}

// Severities.
const (
	SeverityError   = "error"
	SeverityWarning = "warning"
)

// Diagnostic codes. They are stable: callers may match on them.
const (
	CodeExpected        = "SYN001" // a specific token or clause was expected
	CodeMissingExpr     = "SYN002" // an expression was expected
	CodeUnknownOperator = "SYN003" // the word after '|' is not a query operator
	CodeUnterminated    = "SYN004" // unterminated string or literal
	CodeBadLiteral      = "SYN005" // malformed number, timespan, datetime, guid, typed literal
	CodeBadEscape       = "SYN006" // unknown escape sequence in a string
	CodeUnexpected      = "SYN007" // a token that does not fit (extra input, unbalanced ')')
	CodeTooDeep         = "SYN008" // nesting deeper than MaxDepth
	CodeTooLong         = "SYN009" // query longer than MaxLength
	CodeBadChar         = "SYN010" // a character that starts no token
	CodeReserved        = "SYN011" // a keyword used as a name without brackets
	CodeBadParam        = "SYN012" // unknown value of an operator parameter (kind=...)
)

// Limits that keep hostile input cheap: the parser refuses longer queries
// and deeper nesting with a diagnostic instead of using unbounded stack or
// memory.
const (
	MaxLength = 1 << 20 // bytes
	MaxDepth  = 200     // nested parentheses, brackets, sub-queries and operators
)

// String formats the diagnostic as "line:col: message (hint)".
func (d Diagnostic) String() string {
	s := fmt.Sprintf("%d:%d: %s", d.Line, d.Col, d.Message)
	if d.Hint != "" {
		s += " (" + d.Hint + ")"
	}
	return s
}

// LineIndex converts byte offsets of a source text to lines and columns.
type LineIndex struct {
	src   string
	lines []int // byte offset of the start of each line
}

// NewLineIndex indexes the line starts of src.
func NewLineIndex(src string) *LineIndex {
	li := &LineIndex{src: src, lines: []int{0}}
	for i := 0; i < len(src); i++ {
		if src[i] == '\n' {
			li.lines = append(li.lines, i+1)
		}
	}
	return li
}

// Position returns the 1-based line and column (in characters) of a byte
// offset; offsets outside the text are clamped.
func (li *LineIndex) Position(offset int) (line, col int) {
	offset = max(0, min(offset, len(li.src)))
	i := sort.Search(len(li.lines), func(i int) bool { return li.lines[i] > offset }) - 1
	return i + 1, utf8.RuneCountInString(li.src[li.lines[i]:offset]) + 1
}

// Position returns the 1-based line and column of a byte offset of src.
func Position(src string, offset int) (line, col int) {
	return NewLineIndex(src).Position(offset)
}
