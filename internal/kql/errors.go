package kql

import (
	"errors"
	"fmt"

	"github.com/sentinel-mcp/sentinel-mcp/internal/kql/eval"
	"github.com/sentinel-mcp/sentinel-mcp/internal/kql/syntax"
)

// Error codes of *Error.
const (
	CodeSyntax        = eval.CodeSyntax        // the query does not parse (SubCode SYN...)
	CodeSemantic      = eval.CodeSemantic      // unknown name, wrong arguments, type error (SubCode SEM...)
	CodeNotSupported  = eval.CodeNotSupported  // valid KQL this engine does not implement
	CodeLimitExceeded = eval.CodeLimitExceeded // query size, memory, range/series size
	CodeTimeout       = eval.CodeTimeout
	CodeCanceled      = eval.CodeCanceled
	CodeRuntime       = eval.CodeRuntime
	CodeInternal      = eval.CodeInternal // a defect of the engine
)

// Error is an error of Parse/Execute with its position in the query.
type Error struct {
	Code    string // one of the Code constants
	SubCode string // SYN... for syntax errors, SEM... for semantic errors
	Message string
	Hint    string
	// Line and Col are 1-based (Col in characters); Offset and End are byte
	// offsets. Line is 0 when the error has no position.
	Line, Col   int
	Offset, End int
	// Token is the query text at the position (Azure reports it for syntax
	// errors).
	Token string
	// Name is the unknown or unsupported name the error is about, and
	// Suggestion the nearest known one.
	Name, Suggestion string
}

func (e *Error) Error() string {
	if e.Line > 0 {
		return fmt.Sprintf("%d:%d: %s", e.Line, e.Col, e.Message)
	}
	return e.Message
}

// syntaxError converts the first syntax diagnostic.
func syntaxError(d Diagnostic, query string) *Error {
	return &Error{Code: CodeSyntax, SubCode: d.Code, Message: d.Message, Hint: d.Hint, Line: d.Line, Col: d.Col,
		Offset: d.Offset, End: d.End, Token: tokenAt(query, d.Offset, d.End)}
}

// errorOf converts an evaluation error.
func errorOf(err error, query string, li *syntax.LineIndex) *Error {
	var e *eval.Error
	if !errors.As(err, &e) {
		return &Error{Code: CodeRuntime, Message: err.Error()}
	}
	out := &Error{Code: e.Code, SubCode: e.SemCode, Message: e.Message, Name: e.Name, Suggestion: e.Suggestion, Offset: -1, End: -1}
	if e.Suggestion != "" {
		out.Hint = "did you mean '" + e.Suggestion + "'?"
	}
	if e.Pos >= 0 {
		out.Offset, out.End = e.Pos, e.End
		if out.End < out.Offset {
			out.End = out.Offset
		}
		out.Line, out.Col = li.Position(e.Pos)
		out.Token = tokenAt(query, out.Offset, out.End)
	}
	return out
}

// diagnosticOf converts a validation finding.
func diagnosticOf(e *eval.Error, query string, li *syntax.LineIndex) Diagnostic {
	d := Diagnostic{Code: e.SemCode, Message: e.Message, Severity: SeverityError, Offset: e.Pos, End: e.End}
	if d.Code == "" {
		d.Code = e.Code
	}
	if e.Warning {
		d.Severity = SeverityWarning
	}
	if e.Suggestion != "" {
		d.Hint = "did you mean '" + e.Suggestion + "'?"
	}
	if e.Pos < 0 {
		d.Offset, d.End, d.Line, d.Col = 0, 0, 1, 1
		return d
	}
	if d.End < d.Offset {
		d.End = d.Offset
	}
	d.Line, d.Col = li.Position(e.Pos)
	return d
}

// tokenAt returns the query text of [off, end), or the word at off.
func tokenAt(q string, off, end int) string {
	if off < 0 || off > len(q) {
		return ""
	}
	if end > off && end <= len(q) {
		s := q[off:end]
		if len(s) > 60 {
			s = s[:60]
		}
		return s
	}
	i := off
	for i < len(q) && i-off < 60 && q[i] != ' ' && q[i] != '\n' && q[i] != '\t' {
		i++
	}
	return q[off:i]
}
