package dcr

import (
	"context"
	"encoding/json"
	"fmt"
	"math"
	"reflect"
	"strconv"
	"strings"
	"time"

	"github.com/sentinel-mcp/sentinel-mcp/internal/kql"
	"github.com/sentinel-mcp/sentinel-mcp/internal/kql/data"
	"github.com/sentinel-mcp/sentinel-mcp/internal/kql/syntax"
	"github.com/sentinel-mcp/sentinel-mcp/internal/sentinel"
)

// A transformation is KQL over the virtual table "source", whose columns are the input stream's. It is
// applied to each record alone, so Azure accepts only operators that take one row and give at most
// one: the checks here refuse the others before a rule is written.

// streamTypes maps the column types of a stream declaration to engine types.
var streamTypes = map[string]data.Type{"string": data.String, "int": data.Int, "long": data.Long, "real": data.Real,
	"boolean": data.Bool, "datetime": data.DateTime, "dynamic": data.Dynamic}

// streamSchema is the "source" table of a stream.
func streamSchema(decl sentinel.StreamDeclaration) (*data.Schema, error) {
	s := &data.Schema{Name: "source"}
	for _, c := range decl.Columns {
		t, ok := streamTypes[strings.ToLower(c.Type)]
		if !ok {
			return nil, fmt.Errorf("column %s has type %q; stream columns are %s", c.Name, c.Type, strings.Join(sentinel.StreamColumnTypes, ", "))
		}
		s.Columns = append(s.Columns, data.Column{Name: c.Name, Type: t})
	}
	return s, nil
}

// sourceCatalog knows only "source": a transformation reads nothing else.
type sourceCatalog struct{ s *data.Schema }

func (c sourceCatalog) Table(name string) (*data.Schema, bool) {
	if name == "source" {
		return c.s, true
	}
	return nil, false
}
func (c sourceCatalog) TableNames() []string { return []string{"source"} }
func (c sourceCatalog) Complete() bool       { return true }

// transformOps are the operators Azure Monitor runs in transformations.
var transformOps = map[reflect.Type]string{
	reflect.TypeOf(&syntax.WhereOp{}):         "where",
	reflect.TypeOf(&syntax.ExtendOp{}):        "extend",
	reflect.TypeOf(&syntax.ProjectOp{}):       "project",
	reflect.TypeOf(&syntax.ProjectAwayOp{}):   "project-away",
	reflect.TypeOf(&syntax.ProjectRenameOp{}): "project-rename",
	reflect.TypeOf(&syntax.ParseOp{}):         "parse",
	reflect.TypeOf(&syntax.PrintOp{}):         "print",
}

// checkTransform validates a transformation against a stream: KQL syntax and names (only source and
// its columns), then the operators. Errors stop a write; warnings do not.
func checkTransform(q string, decl sentinel.StreamDeclaration) (errs, warns []string) {
	if strings.TrimSpace(q) == "" {
		return []string{"the transformation is empty (use \"source\" to pass records unchanged)"}, nil
	}
	s, err := streamSchema(decl)
	if err != nil {
		return []string{err.Error()}, nil
	}
	for _, d := range kql.Validate(q, sourceCatalog{s}) {
		msg := fmt.Sprintf("line %d, column %d: %s", d.Line, d.Col, d.Message)
		if d.Hint != "" && !strings.Contains(msg, d.Hint) {
			msg += " (" + d.Hint + ")"
		}
		if d.Severity == kql.SeverityWarning {
			warns = append(warns, msg)
		} else {
			errs = append(errs, msg)
		}
	}
	if len(errs) > 0 {
		return errs, warns
	}
	script, _ := kql.Parse(q)
	li := syntax.NewLineIndex(q)
	syntax.Walk(script, func(n syntax.Node) bool {
		if _, isOp := n.(syntax.Op); !isOp {
			if _, isTable := n.(*syntax.DataTableExpr); isTable {
				line, col := li.Position(n.Pos())
				errs = append(errs, fmt.Sprintf("line %d, column %d: datatable is not supported in transformations (use a dynamic literal)", line, col))
			}
			return true
		}
		if _, ok := transformOps[reflect.TypeOf(n)]; !ok {
			line, col := li.Position(n.Pos())
			word := strings.Fields(q[n.Pos():min(n.End(), len(q))])
			name := strings.TrimSuffix(strings.TrimPrefix(reflect.TypeOf(n).String(), "*syntax."), "Op")
			if len(word) > 0 {
				name = word[0]
			}
			errs = append(errs, fmt.Sprintf("line %d, column %d: %s is not supported in transformations: they see one record at a time (use where, extend, project, project-away, project-rename, parse)", line, col, name))
		}
		return true
	})
	return errs, warns
}

// sampleSource is the data source of a dry run: the sample records as the table "source".
type sampleSource struct{ t *data.Table }

func (s sampleSource) Table(name string) (*data.Table, bool) {
	if name == "source" {
		return s.t, true
	}
	return nil, false
}
func (s sampleSource) TableNames() []string                    { return []string{"source"} }
func (s sampleSource) Workspace(string) (kql.DataSource, bool) { return nil, false }

// recordIssue is a problem of one sample record.
type recordIssue struct {
	Record  int    `json:"record"`
	Column  string `json:"column"`
	Problem string `json:"problem"`
	Fatal   bool   `json:"fatal" jsonschema:"Azure would not ingest the value"`
}

// buildSource checks sample records against a stream declaration and builds the source table.
// Columns the declaration lacks are dropped (as Azure drops them), missing ones are null.
func buildSource(records []map[string]any, s *data.Schema) (*data.Table, []recordIssue) {
	var issues []recordIssue
	b := data.NewTableBuilder("source", s.Columns, len(records))
	known := map[string]bool{}
	for _, c := range s.Columns {
		known[c.Name] = true
	}
	for i, rec := range records {
		for k := range rec {
			if !known[k] {
				hint := ""
				for _, c := range s.Columns {
					if strings.EqualFold(c.Name, k) {
						hint = " (the declaration has " + c.Name + ": names are case-sensitive)"
					}
				}
				issues = append(issues, recordIssue{Record: i, Column: k, Problem: "not declared in the stream: Azure drops it" + hint})
			}
		}
		row := make([]any, len(s.Columns))
		for j, c := range s.Columns {
			v, present := rec[c.Name]
			if !present || v == nil {
				continue
			}
			val, warn, err := convert(v, c.Type)
			switch {
			case err != nil:
				issues = append(issues, recordIssue{Record: i, Column: c.Name, Problem: err.Error(), Fatal: true})
			case warn != "":
				issues = append(issues, recordIssue{Record: i, Column: c.Name, Problem: warn})
			}
			row[j] = val
		}
		if err := b.Append(row...); err != nil {
			issues = append(issues, recordIssue{Record: i, Problem: err.Error(), Fatal: true})
		}
	}
	return b.Build(), issues
}

// convert turns a JSON value into a value of a stream column type. A value Azure converts itself is
// a warning; one it cannot is an error.
func convert(v any, t data.Type) (any, string, error) {
	describe := func(v any) string {
		switch v.(type) {
		case string:
			return "a string"
		case json.Number:
			return "a number"
		case bool:
			return "a boolean"
		case map[string]any:
			return "an object"
		case []any:
			return "an array"
		}
		return fmt.Sprintf("%T", v)
	}
	bad := func() (any, string, error) {
		return nil, "", fmt.Errorf("%s (%s) where the stream declares %s", describe(v), short(v), typeName(t))
	}
	switch t {
	case data.Dynamic:
		return plain(v), "", nil
	case data.String:
		switch x := v.(type) {
		case string:
			return x, "", nil
		case json.Number:
			return x.String(), "a number where the stream declares string: converted", nil
		case bool:
			return strconv.FormatBool(x), "a boolean where the stream declares string: converted", nil
		}
		b, _ := json.Marshal(v)
		return string(b), describe(v) + " where the stream declares string: serialized as JSON text", nil
	case data.Int, data.Long:
		n, ok := v.(json.Number)
		if s, isStr := v.(string); isStr {
			n, ok = json.Number(strings.TrimSpace(s)), true
		}
		if !ok {
			return bad()
		}
		i, err := n.Int64()
		if err != nil || t == data.Int && (i > math.MaxInt32 || i < math.MinInt32) {
			return bad()
		}
		if _, isStr := v.(string); isStr {
			return i, "a string where the stream declares " + typeName(t) + ": converted", nil
		}
		return i, "", nil
	case data.Real:
		n, ok := v.(json.Number)
		if s, isStr := v.(string); isStr {
			n, ok = json.Number(strings.TrimSpace(s)), true
		}
		if !ok {
			return bad()
		}
		f, err := n.Float64()
		if err != nil {
			return bad()
		}
		if _, isStr := v.(string); isStr {
			return f, "a string where the stream declares real: converted", nil
		}
		return f, "", nil
	case data.Bool:
		switch x := v.(type) {
		case bool:
			return x, "", nil
		case string:
			if b, err := strconv.ParseBool(x); err == nil {
				return b, "a string where the stream declares boolean: converted", nil
			}
		}
		return bad()
	case data.DateTime:
		s, ok := v.(string)
		if !ok {
			return bad()
		}
		for _, layout := range []string{time.RFC3339Nano, "2006-01-02T15:04:05", "2006-01-02 15:04:05", "2006-01-02"} {
			if tm, err := time.Parse(layout, strings.TrimSpace(s)); err == nil {
				return tm.UTC(), "", nil
			}
		}
		return nil, "", fmt.Errorf("%q is not a datetime (use ISO 8601, e.g. 2025-01-31T12:00:00Z)", short(v))
	}
	return bad()
}

func typeName(t data.Type) string {
	switch t {
	case data.Bool:
		return "boolean"
	case data.DateTime:
		return "datetime"
	}
	return t.String()
}

func short(v any) string {
	b, _ := json.Marshal(v)
	s := string(b)
	if len(s) > 60 {
		s = s[:57] + "..."
	}
	return s
}

// plain converts decoded JSON (with json.Number) to the engine's dynamic values.
func plain(v any) any {
	switch x := v.(type) {
	case json.Number:
		if i, err := x.Int64(); err == nil {
			return i
		}
		f, _ := x.Float64()
		return f
	case map[string]any:
		m := make(map[string]any, len(x))
		for k, e := range x {
			m[k] = plain(e)
		}
		return m
	case []any:
		a := make([]any, len(x))
		for i, e := range x {
			a[i] = plain(e)
		}
		return a
	}
	return v
}

// runTransform runs a transformation over the sample source.
func runTransform(ctx context.Context, q string, src *data.Table, now time.Time) (*kql.Result, error) {
	return kql.Execute(ctx, sampleSource{src}, q, kql.Options{Now: now, MaxRows: 1000, Timeout: 10 * time.Second, MaxMemory: 64 << 20})
}
