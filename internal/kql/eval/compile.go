package eval

import (
	"context"
	"fmt"
	"strings"

	"github.com/sentinel-mcp/sentinel-mcp/internal/kql/data"
	"github.com/sentinel-mcp/sentinel-mcp/internal/kql/syntax"
)

// The compiler turns the AST into the evaluator's operators and
// expressions. It works operator by operator: each tabular operator is
// compiled against the schema of the relation its input actually produced,
// then run, and the next operator is compiled against the result. That
// keeps one implementation of name resolution and typing for execution and
// for validation (Check runs the same code over empty tables), and lets
// operators whose output schema depends on the data (bag_unpack, pivot)
// feed the operators after them like any other.

// Output is the result of a query: one table per tabular expression
// statement, the first being the primary result.
type Output struct {
	Tables []*data.Table
	// Truncated reports that MaxRows dropped rows from a result table.
	Truncated bool
	// TotalRows counts the rows of the result tables before truncation.
	TotalRows int
	// Render is the visualization requested by a render operator, if any.
	Render *Render
	// Warnings are problems that did not stop the query (externaldata
	// without network access, unsupported hints...).
	Warnings []*Error
}

// Render is a render operator's visualization and properties.
type Render struct {
	Visualization string
	Props         map[string]any
}

// Run compiles and executes a parsed script. query is the source text
// (error messages quote it). The first error stops the query.
func Run(ctx context.Context, script *syntax.Script, query string, src Source, opts Options) (out *Output, err error) {
	rc, cancel := newRunCtx(ctx, src, opts)
	defer cancel()
	c := newCompiler(rc, query, src)
	c.hidden = hiddenColumns(script, opts.HiddenColumns)
	// A defect in an operator must not take the host process down: it
	// becomes an InternalError (the fuzz test treats those as failures).
	defer func() {
		if p := recover(); p != nil {
			out, err = nil, &Error{Code: CodeInternal, Message: fmt.Sprintf("internal error: %v", p), Pos: -1, End: -1}
		}
	}()
	tables, err := c.script(script)
	if err != nil {
		return nil, err
	}
	out = &Output{Render: c.render, Warnings: c.warnings}
	for _, t := range tables {
		t = c.dropHidden(t)
		out.TotalRows += t.Len()
		if opts.MaxRows > 0 && t.Len() > opts.MaxRows {
			t = relFromTable(t).slice(0, opts.MaxRows).table()
			out.Truncated = true
		}
		out.Tables = append(out.Tables, t)
	}
	return out, nil
}

// compiler holds the state of one query.
type compiler struct {
	rc       *runCtx
	query    string
	src      Source
	check    bool // validation: record errors, substitute placeholders, go on
	diags    []*Error
	warnings []*Error
	render   *Render
	depth    int // user function call depth (Kusto forbids recursion)
	global   *env
	tables   map[string]*rel // source tables read so far, by workspace ref and name
	srcRef   string          // workspace ref of src ("" for the primary source)
	// aggSubst maps the aggregation calls found in a summarize expression
	// to the hidden column holding their value, while the expression is
	// compiled against the summarize output.
	aggSubst map[*syntax.CallExpr]string
	// unknownTables records names that could not be resolved (Check
	// classifies them).
	unknownTables []string
	// complete: in validation, the catalog lists every table, so an
	// unknown name is an error rather than a warning.
	complete bool
	// opName is the operator being compiled, for messages.
	opName string
	// hidden are the standard columns results leave out (those the query
	// does not name).
	hidden map[string]bool
	// pending are the let bindings validation checks after the query
	// even when the query never reads them (Kusto reports their errors).
	pending []func() error
	// unionKeep are the columns the rest of the pipeline reads, for the
	// union operator about to be compiled (nil: all).
	unionKeep map[string]bool
	// usesWindow is set while compiling an expression that calls a window
	// function (it must then see the whole row set at once).
	usesWindow bool
}

func newCompiler(rc *runCtx, query string, src Source) *compiler {
	return &compiler{rc: rc, query: query, src: src, global: newEnv(nil), tables: map[string]*rel{}}
}

// fail reports an error. In validation mode the error is recorded and ok
// is true: the caller substitutes a placeholder and continues so that one
// mistake does not hide the next.
func (c *compiler) fail(err *Error) (ok bool, _ error) {
	if c.check {
		c.diags = append(c.diags, err)
		return true, nil
	}
	return false, err
}

// errAt builds a semantic error spanning node n.
func errAt(n syntax.Node, sem, name, format string, args ...any) *Error {
	e := semErr(sem, n.Pos(), name, format, args...)
	e.End = n.End()
	return e
}

// notSupportedAt builds a NotSupported error spanning node n.
func notSupportedAt(n syntax.Node, what, name string) *Error {
	e := notSupported(n.Pos(), name, what)
	e.End = n.End()
	return e
}

// text returns the source text of a node, for messages.
func (c *compiler) text(n syntax.Node) string {
	if n == nil || n.Pos() < 0 || n.End() > len(c.query) || n.Pos() > n.End() {
		return ""
	}
	s := c.query[n.Pos():n.End()]
	if len(s) > 80 {
		s = s[:77] + "..."
	}
	return s
}

// script runs the statements and returns one table per expression
// statement.
func (c *compiler) script(s *syntax.Script) ([]*data.Table, error) {
	var out []*data.Table
	for _, st := range s.Stmts {
		if err := c.rc.check(); err != nil {
			return nil, err
		}
		switch st := st.(type) {
		case *syntax.ExprStmt:
			r, err := c.tabular(st.X, c.global)
			if err != nil {
				if ok, err := c.fail(asError(err, st)); !ok {
					return nil, err
				}
				continue
			}
			out = append(out, r.table())
		default:
			sc, err := c.stmt(st, c.global)
			if err != nil {
				return nil, err
			}
			c.global = sc
		}
	}
	for _, check := range c.pending {
		if err := check(); err != nil {
			if ok, err := c.fail(asError(err, s)); !ok {
				return nil, err
			}
		}
	}
	return out, nil
}

// asError makes sure err is an *Error with a position.
func asError(err error, n syntax.Node) *Error {
	if e, ok := err.(*Error); ok {
		if e.Pos < 0 && n != nil {
			e.Pos, e.End = n.Pos(), n.End()
		}
		return e
	}
	return &Error{Code: CodeRuntime, Message: err.Error(), Pos: n.Pos(), End: n.End()}
}

// stmt binds a non-expression statement in sc and returns the scope the
// following statements see. Every binding opens a new scope, so that a
// definition sees only the names bound before it (lexical scoping: a later
// let of the same name, or of a name a column lookup falls back to, does
// not change what an earlier lazy definition refers to).
func (c *compiler) stmt(st syntax.Stmt, sc *env) (*env, error) {
	switch st := st.(type) {
	case *syntax.LetStmt:
		return c.let(st, sc)
	case *syntax.SetStmt:
		return sc, c.set(st)
	case *syntax.DeclareStmt:
		for _, p := range st.Params {
			if p.Default == nil {
				if ok, err := c.fail(errAt(p, SemBadArgument, p.Name.Name, "query parameter %q has no value: give it a default", p.Name.Name)); !ok {
					return nil, err
				}
				continue
			}
			e, err := c.constScalar(p.Default, sc)
			if err != nil {
				return nil, err
			}
			if p.Type != nil {
				if t, ok := data.ParseType(p.Type.Name); ok && t != e.typ() {
					e = &convExpr{x: e, t: t}
				}
			}
			sc = newEnv(sc)
			sc.setScalar(p.Name.Name, e)
		}
		return sc, nil
	case *syntax.AliasStmt:
		return sc, nil // database aliases do not change which tables a workspace has
	case *syntax.PatternStmt:
		_, err := c.fail(notSupportedAt(st, "statement", "declare pattern"))
		return sc, err
	case *syntax.BadStmt:
		_, err := c.fail(&Error{Code: CodeSyntax, Message: "the statement could not be parsed", Pos: st.Pos(), End: st.End()})
		return sc, err
	}
	return sc, nil
}

// set handles request options; query_now moves now() and ago().
func (c *compiler) set(st *syntax.SetStmt) error {
	if strings.EqualFold(st.Name.Name, "query_now") && st.Value != nil {
		e, err := c.constScalar(st.Value, c.global)
		if err != nil {
			return err
		}
		v, err := c.constValue(e)
		if err != nil {
			return err
		}
		if v.Type == data.DateTime && !v.Null {
			c.rc.now = v.I
		}
	}
	return nil
}

// let binds a name: a function or view, a tabular expression (evaluated
// once, on first use) or a scalar (compiled on first use: a let that the
// query never reads costs nothing and cannot fail it).
func (c *compiler) let(st *syntax.LetStmt, sc *env) (*env, error) {
	name := st.Name.Name
	sc = newEnv(sc)
	if fd, ok := st.Value.(*syntax.FuncDecl); ok {
		sc.setFunc(name, newFuncDef(name, fd, sc))
		return sc, nil
	}
	value := st.Value
	if isTabularExpr(value, sc, c) {
		b := &tabBinding{name: name}
		defScope := sc
		b.eval = func() (*rel, error) { return c.tabular(value, defScope) }
		sc.setTable(name, b)
		if c.check {
			c.pending = append(c.pending, func() error { _, err := b.get(st); return err })
		}
		return sc, nil
	}
	defScope := sc
	l := &lazyScalar{name: name, f: func() (expr, error) { return c.constScalar(value, defScope) }}
	sc.set(name, &binding{lazy: l})
	if c.check {
		c.pending = append(c.pending, func() error { _, err := l.get(st); return err })
	}
	return sc, nil
}

// constScalar compiles a scalar that reads no row (let values, operator
// arguments such as take's count). Non-constant results are computed once,
// on first use.
func (c *compiler) constScalar(x syntax.Expr, sc *env) (expr, error) {
	e, err := c.scalar(x, sc, noRow)
	if err != nil {
		return nil, err
	}
	if _, ok := e.(*constExpr); ok {
		return e, nil
	}
	if _, ok := e.(*lazyConstExpr); ok {
		return e, nil
	}
	inner := e
	return &lazyConstExpr{t: e.typ(), f: func() (data.Value, error) {
		return c.evalConst(inner)
	}}, nil
}

// noRow is the relation of scalar contexts without rows: one row, no
// columns, so a constant expression evaluates once.
var noRow = newRel("", nil, nil, 1)

// evalConst evaluates a row-independent expression.
func (c *compiler) evalConst(e expr) (data.Value, error) {
	v, err := e.eval(newBatch(c.rc, nil, noRow, 0, 1))
	if err != nil {
		return data.Value{}, err
	}
	return fixType(v.at(0), e.typ()), nil
}

// constValue returns the value of a row-independent expression.
func (c *compiler) constValue(e expr) (data.Value, error) {
	if k, ok := e.(*constExpr); ok {
		return k.v, nil
	}
	return c.evalConst(e)
}

// constArg compiles an operator argument that must not depend on rows.
func (c *compiler) constArg(x syntax.Expr, sc *env) (data.Value, error) {
	e, err := c.scalar(x, sc, noRow)
	if err != nil {
		return data.Value{}, err
	}
	return c.constValue(e)
}

// constInt compiles an operator argument that must be an integer constant.
func (c *compiler) constInt(x syntax.Expr, sc *env, what string) (int64, error) {
	v, err := c.constArg(x, sc)
	if err != nil {
		return 0, err
	}
	n, ok := argInt(v)
	if !ok {
		if ok, err := c.fail(errAt(x, SemType, "", "%s must be an integer constant, got %s", what, v.Type)); !ok {
			return 0, err
		}
	}
	return n, nil
}

// isTabularExpr reports whether a let value is a table (as opposed to a
// scalar) without evaluating it.
func isTabularExpr(x syntax.Expr, sc *env, c *compiler) bool {
	switch x := x.(type) {
	case *syntax.PipeExpr, *syntax.DataTableExpr, *syntax.ExternalDataExpr, *syntax.NamePattern:
		return true
	case *syntax.ParenExpr:
		return isTabularExpr(x.X, sc, c)
	case *syntax.Ident:
		if b, ok := sc.lookup(x.Name); ok {
			return b.table != nil || b.fn != nil && b.fn.tabular(c)
		}
		_, ok := c.src.Table(x.Name)
		return ok
	case *syntax.MemberExpr:
		if call, ok := x.X.(*syntax.CallExpr); ok {
			switch call.Name.Name {
			case "workspace", "database", "cluster", "app":
				return true
			}
		}
	case *syntax.CallExpr:
		if x.Target != nil {
			return true
		}
		switch x.Name.Name {
		case "materialize", "table", "view", "_GetWatchlist":
			return true
		case "toscalar":
			return false
		}
		if b, ok := sc.lookup(x.Name.Name); ok && b.fn != nil {
			return b.fn.tabular(c)
		}
		if _, ok := lookupFunc(x.Name.Name); ok {
			return false
		}
		if _, ok := lookupAgg(x.Name.Name); ok {
			return false
		}
		if fs, ok := c.src.(FunctionSource); ok {
			if _, _, ok := fs.Function(x.Name.Name); ok {
				return true
			}
		}
		return looksLikeTableFunction(x.Name.Name)
	}
	return false
}

// looksLikeTableFunction guesses whether an unknown function is a
// workspace function returning a table (ASIM parsers, _GetWatchlist...).
func looksLikeTableFunction(name string) bool {
	return isParserName(name) || strings.HasPrefix(name, "_")
}

// isParserName reports whether name is an ASIM parser or a similar
// workspace function that Sentinel solutions install.
func isParserName(name string) bool {
	for _, p := range []string{"_Im_", "_ASim_", "ASim", "_im_", "_asim_", "vim"} {
		if strings.HasPrefix(name, p) {
			return true
		}
	}
	return len(name) > 2 && name[0] == 'i' && name[1] == 'm' && name[2] >= 'A' && name[2] <= 'Z'
}

// hiddenColumns returns the hidden standard columns the script does not
// mention: Log Analytics shows them only when a query names them.
func hiddenColumns(script *syntax.Script, names []string) map[string]bool {
	if len(names) == 0 {
		return nil
	}
	out := map[string]bool{}
	for _, n := range names {
		out[n] = true
	}
	syntax.Walk(script, func(n syntax.Node) bool {
		if id, ok := n.(*syntax.Ident); ok {
			delete(out, id.Name)
		}
		return true
	})
	return out
}

// dropHidden removes hidden standard columns from a result table.
func (c *compiler) dropHidden(t *data.Table) *data.Table {
	r := c.withoutHidden(relFromTable(t))
	if len(r.cols) == t.NumColumns() {
		return t
	}
	return r.table()
}

// withoutHidden projects away the hidden standard columns of r.
func (c *compiler) withoutHidden(r *rel) *rel {
	if len(c.hidden) == 0 {
		return r
	}
	var idx []int
	for i, col := range r.schema.Columns {
		if !c.hidden[col.Name] {
			idx = append(idx, i)
		}
	}
	if len(idx) == len(r.cols) {
		return r
	}
	return r.projectCols(idx, nil)
}
