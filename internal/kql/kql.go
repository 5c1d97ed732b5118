// Package kql is the facade of the KQL engine: Parse (syntax), Validate
// (syntax and names against a catalog of table schemas, offline) and
// Execute (run a query over a data source and return the result in the Log
// Analytics wire format).
//
// The work is done by the subpackages: syntax (lexer, parser, AST), eval
// (compiler, evaluator, functions, aggregations; its compiler also types
// and checks queries for Validate) and data (types, values, columnar
// tables). This package adds the limits that keep one query from taking
// its host down (size, time, rows, memory) and converts results and errors
// to the forms the query API and the tools need.
package kql

import (
	"context"
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/sentinel-mcp/sentinel-mcp/internal/kql/data"
	"github.com/sentinel-mcp/sentinel-mcp/internal/kql/eval"
	"github.com/sentinel-mcp/sentinel-mcp/internal/kql/syntax"
)

// Diagnostic is a problem found in a query, with its position.
type Diagnostic = syntax.Diagnostic

// Catalog describes tables by schema (Validate). A catalog that also has
// a `Complete() bool` method returning true lists every table of its
// target: names it lacks are then errors instead of warnings.
type Catalog = eval.Catalog

// DataSource provides the tables of a query; Workspace resolves
// workspace("x") and cross-workspace references. A source may also
// implement FunctionSource (stored functions) and TableFunctionSource
// (tables computed by functions such as _GetWatchlist).
type DataSource = eval.Source

// FunctionSource exposes stored functions (saved searches with a function
// alias) by name.
type FunctionSource = eval.FunctionSource

// FuncParam is a declared parameter of a stored function.
type FuncParam = eval.FuncParam

// TableFunctionSource computes tables for functions the engine does not
// define (Sentinel's _GetWatchlist).
type TableFunctionSource = eval.TableFunctionSource

// Severities of diagnostics.
const (
	SeverityError   = syntax.SeverityError
	SeverityWarning = syntax.SeverityWarning
)

// Default limits of Execute (each Options field left zero takes these).
const (
	DefaultMaxQueryBytes = 256 << 10
	DefaultMaxMemory     = 1 << 30
	DefaultTimeout       = 3 * time.Minute
)

// Options controls one execution.
type Options struct {
	Now       time.Time     // now() and ago(); zero means the current time
	From, To  time.Time     // the API's timespan, applied to each table's time column (zero: unbounded)
	MaxRows   int           // rows kept per result table (0: unlimited); the excess is dropped and Result.Truncated set
	MaxMemory int64         // approximate bytes one query may hold (0: DefaultMaxMemory; <0: unlimited)
	Timeout   time.Duration // 0: DefaultTimeout; <0: only the context's deadline
	// MaxQueryBytes bounds the query text (0: DefaultMaxQueryBytes).
	MaxQueryBytes int
	// HiddenColumns are standard columns (_ResourceId, _BilledSize ...) that
	// results leave out unless the query names them, as Log Analytics does.
	HiddenColumns []string
}

// Column is a result column in the wire format.
type Column struct {
	Name string `json:"name"`
	Type string `json:"type"`
}

// ResultTable is one result table in the wire format: rows hold JSON-ready
// values (numbers, booleans, strings; datetimes in ISO 8601 UTC with up to
// 7 fraction digits, timespans as [d.]hh:mm:ss[.fffffff], dynamic values
// as their JSON text, null as nil).
type ResultTable struct {
	Name    string   `json:"name"`
	Columns []Column `json:"columns"`
	Rows    [][]any  `json:"rows"`
}

// Render is the visualization a render operator asked for.
type Render struct {
	Visualization string
	Props         map[string]any
}

// Result is the answer of a query.
type Result struct {
	Tables []ResultTable
	// Truncated reports that MaxRows dropped rows.
	Truncated bool
	// TotalRows counts the result rows before truncation.
	TotalRows int
	Render    *Render
	// Warnings are problems that did not stop the query.
	Warnings []Diagnostic
}

// Parse parses a query.
func Parse(src string) (*syntax.Script, []Diagnostic) { return syntax.Parse(src) }

// Validate checks a query offline: syntax, then names and types against
// the catalog (unknown tables, unknown columns with the nearest column as
// a hint, unknown functions, argument counts, obvious type errors).
// Tables the catalog does not describe are warnings unless it is complete;
// ASIM parsers and solutions' functions are warnings (code SEM0111).
func Validate(src string, cat Catalog) []Diagnostic {
	if len(src) > syntax.MaxLength {
		return []Diagnostic{{Code: syntax.CodeTooLong, Message: fmt.Sprintf("the query is longer than %d bytes", syntax.MaxLength), Line: 1, Col: 1, Severity: SeverityError}}
	}
	script, diags := syntax.Parse(src)
	if hasErrors(diags) {
		return diags
	}
	complete := false
	if cc, ok := cat.(interface{ Complete() bool }); ok {
		complete = cc.Complete()
	}
	opts := eval.CheckOptions{Complete: complete}
	if fs, ok := cat.(FunctionSource); ok {
		opts.Functions = fs
	}
	li := syntax.NewLineIndex(src)
	for _, e := range eval.Check(script, src, cat, opts) {
		diags = append(diags, diagnosticOf(e, src, li))
	}
	sort.SliceStable(diags, func(i, j int) bool { return diags[i].Offset < diags[j].Offset })
	return diags
}

func hasErrors(diags []Diagnostic) bool {
	for _, d := range diags {
		if d.Severity != SeverityWarning {
			return true
		}
	}
	return false
}

// Execute runs a query. Errors are *Error.
func Execute(ctx context.Context, src DataSource, query string, opts Options) (res *Result, err error) {
	maxBytes := opts.MaxQueryBytes
	if maxBytes <= 0 {
		maxBytes = DefaultMaxQueryBytes
	}
	if len(query) > maxBytes {
		return nil, &Error{Code: CodeLimitExceeded, Message: fmt.Sprintf("the query is %d bytes long; the limit is %d", len(query), maxBytes), Line: 1, Col: 1}
	}
	if strings.TrimSpace(query) == "" {
		return nil, &Error{Code: CodeSyntax, SubCode: syntax.CodeMissingExpr, Message: "the query is empty", Line: 1, Col: 1}
	}
	script, diags := syntax.Parse(query)
	li := syntax.NewLineIndex(query)
	for _, d := range diags {
		if d.Severity != SeverityWarning {
			return nil, syntaxError(d, query)
		}
	}
	if script.Query() == nil {
		return nil, &Error{Code: CodeSemantic, SubCode: eval.SemBadArgument, Message: "the query has no tabular expression statement (only let/set statements)", Line: 1, Col: 1}
	}
	eo := eval.Options{Now: opts.Now, From: opts.From, To: opts.To, MaxRows: opts.MaxRows, MaxMemory: opts.MaxMemory,
		Timeout: opts.Timeout, HiddenColumns: opts.HiddenColumns}
	if eo.MaxMemory == 0 {
		eo.MaxMemory = DefaultMaxMemory
	} else if eo.MaxMemory < 0 {
		eo.MaxMemory = 0
	}
	if eo.Timeout == 0 {
		eo.Timeout = DefaultTimeout
	} else if eo.Timeout < 0 {
		eo.Timeout = 0
	}
	out, err := eval.Run(ctx, script, query, src, eo)
	if err != nil {
		return nil, errorOf(err, query, li)
	}
	res = &Result{Truncated: out.Truncated, TotalRows: out.TotalRows}
	for i, t := range out.Tables {
		res.Tables = append(res.Tables, wireTable(tableName(i), t, opts.MaxRows))
	}
	if out.Render != nil {
		res.Render = &Render{Visualization: out.Render.Visualization, Props: out.Render.Props}
	}
	for _, w := range out.Warnings {
		d := diagnosticOf(w, query, li)
		d.Severity = SeverityWarning
		res.Warnings = append(res.Warnings, d)
	}
	return res, nil
}

// tableName names result tables as the query API does.
func tableName(i int) string {
	if i == 0 {
		return "PrimaryResult"
	}
	return fmt.Sprintf("Table_%d", i)
}

// wireTable converts a table to the wire format. Cells are converted column
// by column, and a value that repeats is boxed once: each dictionary entry
// of a string column, and runs of equal datetimes (binned times), which
// would otherwise cost a string and an allocation per cell.
func wireTable(name string, t *data.Table, maxRows int) ResultTable {
	rt := ResultTable{Name: name, Columns: make([]Column, t.NumColumns())}
	for i, c := range t.Schema().Columns {
		rt.Columns[i] = Column{Name: c.Name, Type: c.Type.String()}
	}
	n := t.Len()
	if maxRows > 0 && n > maxRows {
		n = maxRows
	}
	nc := t.NumColumns()
	rt.Rows = make([][]any, n)
	cells := make([]any, n*nc)
	for i := range rt.Rows {
		rt.Rows[i] = cells[i*nc : (i+1)*nc : (i+1)*nc]
	}
	for c := 0; c < nc; c++ {
		v := t.Column(c)
		switch {
		case v.IsDict():
			boxed := make([]any, len(v.Dict))
			for k, s := range v.Dict {
				boxed[k] = s
			}
			for i := 0; i < n; i++ {
				cells[i*nc+c] = boxed[v.Codes[i]]
			}
		case v.Type == data.DateTime:
			var last int64
			var lastWire any
			for i := 0; i < n; i++ {
				if v.IsNull(i) {
					continue
				}
				if x := v.Ints[i]; lastWire == nil || x != last {
					last, lastWire = x, data.FormatDateTime(x)
				}
				cells[i*nc+c] = lastWire
			}
		default:
			for i := 0; i < n; i++ {
				cells[i*nc+c] = v.Wire(i)
			}
		}
	}
	return rt
}
