package eval

import (
	"sort"
	"strings"

	"github.com/sentinel-mcp/sentinel-mcp/internal/kql/data"
	"github.com/sentinel-mcp/sentinel-mcp/internal/kql/syntax"
)

// TableFunctionSource is optionally implemented by sources that compute
// tables from function calls the engine does not define itself, such as
// Sentinel's _GetWatchlist('alias'). ok is false when the source has no
// such function.
type TableFunctionSource interface {
	TableFunction(name string, args []data.Value) (t *data.Table, ok bool, err error)
}

// openRel is the relation validation substitutes for a table it cannot
// know: no rows, and any column name resolves (to a dynamic null).
func openRel() *rel {
	r := newRel("", nil, nil, 0)
	r.open = true
	return r
}

// tabular compiles and runs a tabular expression.
func (c *compiler) tabular(x syntax.Expr, sc *env) (*rel, error) {
	if err := c.rc.check(); err != nil {
		return nil, err
	}
	switch x := x.(type) {
	case *syntax.PipeExpr:
		return c.pipe(x, sc, nil)
	case *syntax.ParenExpr:
		return c.tabular(x.X, sc)
	case *syntax.Ident:
		return c.tableRef(x, sc)
	case *syntax.CallExpr:
		return c.tabularCall(x, sc, nil)
	case *syntax.MemberExpr:
		return c.qualifiedTable(x, sc)
	case *syntax.DataTableExpr:
		return c.datatable(x, sc)
	case *syntax.ExternalDataExpr:
		s := schemaOf("externaldata", x.Schema)
		c.warnings = append(c.warnings, &Error{Code: CodeNotSupported, Pos: x.Pos(), End: x.End(), Name: "externaldata",
			Message: "externaldata cannot reach external storage from this engine; it yields no rows"})
		return emptyRel(s), nil
	case *syntax.NamePattern:
		return c.failRel(errAt(x, SemBadArgument, x.Pattern, "wildcard table names are only allowed in union and search"))
	case *syntax.BadExpr:
		return c.failRel(&Error{Code: CodeSyntax, Message: "the expression could not be parsed", Pos: x.Pos(), End: x.End()})
	case nil:
		return c.failRel(&Error{Code: CodeSyntax, Message: "missing tabular expression", Pos: -1, End: -1})
	}
	return c.failRel(errAt(x, SemType, "", "a tabular expression is expected here, not %s", c.text(x)))
}

// failRel reports err; validation continues with an open relation.
func (c *compiler) failRel(err *Error) (*rel, error) {
	if ok, err := c.fail(err); !ok {
		return nil, err
	}
	return openRel(), nil
}

// pipe runs a pipeline. implicit is the input of a subquery without one
// (mv-apply, partition, fork, facet).
func (c *compiler) pipe(p *syntax.PipeExpr, sc *env, implicit *rel) (*rel, error) {
	var r *rel
	if p.Input != nil {
		// Kusto names the first operator in errors about the input table
		// ("'where' operator: Failed to resolve table ...").
		saved := c.opName
		if len(p.Ops) > 0 {
			c.opName = opKeyword(p.Ops[0])
		}
		var err error
		r, err = c.tabular(p.Input, sc)
		c.opName = saved
		if err != nil {
			return nil, err
		}
	} else {
		r = implicit
	}
	for i, op := range p.Ops {
		if err := c.rc.check(); err != nil {
			return nil, err
		}
		if _, ok := op.(*syntax.UnionOp); ok {
			c.unionKeep = columnsUsed(p.Ops[i+1:])
		}
		out, err := c.op(op, sc, r)
		if err != nil {
			return nil, err
		}
		r = out
	}
	if r == nil {
		return c.failRel(errAt(p, SemBadArgument, "", "the query has no input table"))
	}
	return r, nil
}

// schemaOf converts a declared schema; `(*)` gives no columns.
func schemaOf(name string, ts *syntax.TableSchema) *data.Schema {
	s := &data.Schema{Name: name}
	if ts == nil {
		return s
	}
	for _, cd := range ts.Columns {
		t := data.String
		if cd.Type != nil {
			if pt, ok := data.ParseType(cd.Type.Name); ok {
				t = pt
			}
		}
		s.Columns = append(s.Columns, data.Column{Name: cd.Name.Name, Type: t})
	}
	return s
}

// tableRef resolves a name used as a table: a let-bound table, a
// parameterless function or view, a table of the source, a stored function.
func (c *compiler) tableRef(x *syntax.Ident, sc *env) (*rel, error) {
	if b, ok := sc.lookup(x.Name); ok {
		switch {
		case b.table != nil:
			return b.table.get(x)
		case b.fn != nil:
			return c.callUserTabular(b.fn, &syntax.CallExpr{Span: x.Span, Name: x}, sc, nil)
		case b.scalar != nil || b.lazy != nil:
			return c.failRel(errAt(x, SemType, x.Name, "%s is a scalar; a table is expected here", x.Name))
		}
	}
	if r, ok := c.sourceTable(c.src, c.srcRef, x.Name); ok {
		return r, nil
	}
	if fd, found, err := c.lookupStored(x.Name); found {
		if err != nil {
			return c.failRel(reposition(err, x))
		}
		return c.callUserTabular(fd, &syntax.CallExpr{Span: x.Span, Name: x}, sc, nil)
	}
	return c.failRel(c.unknownTable(x, x.Name, c.src))
}

// unknownTable builds the error for a table name that resolves to nothing.
// Validation classifies it: a workspace function (ASIM parser...) or a
// table absent from an incomplete catalog is a warning, not an error.
func (c *compiler) unknownTable(at syntax.Node, name string, src Source) *Error {
	c.unknownTables = append(c.unknownTables, name)
	var sugg string
	if src != nil {
		sugg = nearest(name, append(src.TableNames(), c.global.allNames()...))
	}
	e := errAt(at, SemUnknownTable, name, "%sFailed to resolve table or column expression named '%s'%s", c.opPrefix(), name, didYouMean(sugg))
	e.Suggestion = sugg
	if c.check {
		switch {
		case isParserName(name):
			e.SemCode, e.Warning = SemParser, true
			e.Message = "'" + name + "' is a workspace function (an ASIM parser or a solution's function) that the catalog does not describe; its columns are not checked"
		case !c.complete:
			e.SemCode, e.Warning = SemNotInCatalog, true
			e.Message = "table '" + name + "' is not in the catalog; its columns are not checked" + didYouMean(sugg)
		}
	}
	return e
}

// sourceTable returns a table of src (the workspace ref names it, "" for
// the primary source) restricted to the query time range.
func (c *compiler) sourceTable(src Source, ref, name string) (*rel, bool) {
	if src == nil {
		return nil, false
	}
	k := ref + "\x00" + name
	if r, ok := c.tables[k]; ok {
		return r, true
	}
	t, ok := src.Table(name)
	if !ok {
		return nil, false
	}
	r := c.timeFiltered(t)
	c.tables[k] = r
	return r, true
}

// timeFiltered applies Options.From/To to the table's time column.
func (c *compiler) timeFiltered(t *data.Table) *rel {
	r := relFromTable(t)
	from, to := c.rc.opts.From, c.rc.opts.To
	ti := t.Schema().TimeColumnIndex()
	if ti < 0 || (from.IsZero() && to.IsZero()) {
		return r
	}
	lo, hi := int64(-1<<63), int64(1<<63-1)
	if !from.IsZero() {
		lo = data.TimeToTicks(from)
	}
	if !to.IsZero() {
		hi = data.TimeToTicks(to)
	}
	v := t.Column(ti)
	keep := make([]int32, 0, v.N)
	for i, x := range v.Ints[:v.N] {
		if x >= lo && x <= hi && !v.IsNull(i) {
			keep = append(keep, int32(i))
		}
	}
	if len(keep) == v.N {
		return r
	}
	return r.keep(keep)
}

// tabularCall compiles a call used as a table.
func (c *compiler) tabularCall(x *syntax.CallExpr, sc *env, input *rel) (*rel, error) {
	name := x.Name.Name
	if x.Target != nil {
		switch t := x.Target.(type) {
		case *syntax.CallExpr:
			switch t.Name.Name {
			case "database":
				// One database per workspace: database("x").f() is f().
				return c.tabularCall(&syntax.CallExpr{Span: x.Span, Name: x.Name, Args: x.Args}, sc, input)
			case "workspace":
				ws, ref, err := c.workspaceOf(t, sc)
				if err != nil {
					return nil, err
				}
				if ws == nil {
					return openRel(), nil
				}
				saved, savedRef := c.src, c.srcRef
				c.src, c.srcRef = ws, "ws:"+ref
				defer func() { c.src, c.srcRef = saved, savedRef }()
				return c.tabularCall(&syntax.CallExpr{Span: x.Span, Name: x.Name, Args: x.Args}, sc, input)
			}
		}
		return c.failRel(notSupportedAt(x, "cross-cluster reference", c.text(x.Target)))
	}
	if b, ok := sc.lookup(name); ok && b.fn != nil {
		return c.callUserTabular(b.fn, x, sc, input)
	}
	switch name {
	case "materialize":
		if len(x.Args) != 1 {
			return c.failRel(errAt(x, SemArgCount, name, "materialize() expects 1 argument, got %d", len(x.Args)))
		}
		return c.tabular(x.Args[0], sc)
	case "table", "view":
		if len(x.Args) < 1 || len(x.Args) > 2 {
			return c.failRel(errAt(x, SemArgCount, name, "table() expects 1 or 2 arguments, got %d", len(x.Args)))
		}
		v, err := c.constArg(x.Args[0], sc)
		if err != nil {
			return nil, err
		}
		return c.tableRef(&syntax.Ident{Span: x.Span, Name: v.String()}, sc)
	}
	if fd, found, err := c.lookupStored(name); found {
		if err != nil {
			return c.failRel(reposition(err, x))
		}
		return c.callUserTabular(fd, x, sc, input)
	}
	if tf, ok := c.src.(TableFunctionSource); ok {
		args := make([]data.Value, 0, len(x.Args))
		for _, a := range x.Args {
			v, err := c.constArg(a, sc)
			if err != nil {
				return nil, err
			}
			args = append(args, v)
		}
		t, ok, err := tf.TableFunction(name, args)
		if err != nil {
			e := asError(err, x)
			if e.Code == CodeRuntime { // the source refused the arguments
				e.Code, e.SemCode, e.Name = CodeSemantic, SemBadArgument, name
			}
			return c.failRel(e)
		}
		if ok {
			return relFromTable(t), nil
		}
	}
	if _, ok := lookupFunc(name); ok {
		return c.failRel(errAt(x, SemType, name, "%s() returns a scalar; a table is expected here", name))
	}
	if name == "_GetWatchlist" && c.check {
		return openRel(), nil
	}
	return c.failRel(c.unknownTable(x.Name, name, c.src))
}

// callUserTabular calls a user function that returns a table.
func (c *compiler) callUserTabular(f *funcDef, x *syntax.CallExpr, sc *env, input *rel) (*rel, error) {
	fenv, done, err := c.enterFunc(f, x, sc, noRow, input)
	if err != nil {
		return nil, err
	}
	defer done()
	if f.result == nil {
		return c.failRel(errAt(x, SemBadArgument, f.name, "function %s has no result expression", f.name))
	}
	r, err := c.tabular(f.result, fenv)
	if err != nil {
		return nil, c.funcErr(f, x, err)
	}
	return r, nil
}

// workspaceOf resolves workspace("ref").
func (c *compiler) workspaceOf(call *syntax.CallExpr, sc *env) (Source, string, error) {
	if len(call.Args) != 1 {
		_, err := c.fail(errAt(call, SemArgCount, "workspace", "workspace() expects 1 argument, got %d", len(call.Args)))
		return nil, "", err
	}
	v, err := c.constArg(call.Args[0], sc)
	if err != nil {
		return nil, "", err
	}
	ref := v.String()
	if c.src != nil {
		if ws, ok := c.src.Workspace(ref); ok {
			return ws, ref, nil
		}
	}
	e := errAt(call, SemUnknownTable, ref, "%sFailed to resolve workspace '%s': it does not exist or the caller cannot read it", c.opPrefix(), ref)
	if c.check {
		e.SemCode, e.Warning = SemNotInCatalog, true
		e.Message = "workspace '" + ref + "' is not known offline; its tables are not checked"
	}
	if ok, err := c.fail(e); !ok {
		return nil, "", err
	}
	return nil, "", nil
}

// qualifiedTable compiles workspace("x").T, database("d").T and app("a").T.
func (c *compiler) qualifiedTable(x *syntax.MemberExpr, sc *env) (*rel, error) {
	call, ok := x.X.(*syntax.CallExpr)
	if !ok {
		return c.failRel(errAt(x, SemType, "", "%s is not a table", c.text(x)))
	}
	switch call.Name.Name {
	case "workspace":
		ws, ref, err := c.workspaceOf(call, sc)
		if err != nil {
			return nil, err
		}
		if ws == nil {
			return openRel(), nil
		}
		if r, ok := c.sourceTable(ws, "ws:"+ref, x.Name.Name); ok {
			return r, nil
		}
		return c.failRel(c.unknownTable(x.Name, x.Name.Name, ws))
	case "database":
		return c.tableRef(x.Name, sc)
	}
	return c.failRel(notSupportedAt(x, "cross-resource reference", call.Name.Name+"()"))
}

// datatable builds an inline table.
func (c *compiler) datatable(x *syntax.DataTableExpr, sc *env) (*rel, error) {
	s := schemaOf("datatable", x.Schema)
	if len(s.Columns) == 0 {
		return c.failRel(errAt(x, SemBadArgument, "datatable", "datatable needs at least one column"))
	}
	nc := len(s.Columns)
	b := data.NewTableBuilderSchema(s, len(x.Values)/nc)
	row := make([]data.Value, nc)
	for i, vx := range x.Values {
		v, err := c.constArg(vx, sc)
		if err != nil {
			return nil, err
		}
		t := s.Columns[i%nc].Type
		if v.Type != t {
			if t == data.Dynamic {
				v = data.DynamicValue(v.Dynamic())
			} else {
				v = fixType(v, t)
			}
		}
		row[i%nc] = v
		if i%nc == nc-1 {
			if err := b.AppendValues(row); err != nil {
				return c.failRel(asError(err, vx))
			}
		}
	}
	return relFromTable(b.Build()), nil
}

// matchTables returns the source tables a union or search pattern names.
func matchTables(src Source, pattern string) []string {
	if src == nil {
		return nil
	}
	var out []string
	for _, n := range src.TableNames() {
		if pattern == "*" || matchWildcard(pattern, n) {
			out = append(out, n)
		}
	}
	sort.Strings(out) // results in a stable order whatever the source's
	return out
}

// isWildcard reports whether a table or column name has a wildcard.
func isWildcard(s string) bool { return strings.Contains(s, "*") }

// columnsUsed returns the names the operators after a union can read, when
// they end in an operator that keeps only named columns (summarize,
// project, count...); nil when every column may show (the pipeline ends
// with all columns, or an operator reads columns it does not name:
// project-away, arg_max(*), pack_all(), joins that rename...).
func columnsUsed(ops []syntax.Op) map[string]bool {
	used := map[string]bool{}
	opaque := false
	walk := func(n syntax.Node) {
		syntax.Walk(n, func(n syntax.Node) bool {
			switch n := n.(type) {
			case *syntax.Ident:
				used[n.Name] = true
			case *syntax.StarExpr, *syntax.NamePattern:
				opaque = true
			case *syntax.CallExpr:
				switch n.Name.Name {
				case "pack_all", "bag_pack_all", "column_ifexists", "columnifexists":
					opaque = true
				}
			}
			return !opaque
		})
	}
	for _, op := range ops {
		switch op := op.(type) {
		case *syntax.ProjectAwayOp, *syntax.ProjectKeepOp, *syntax.ProjectReorderOp, *syntax.ProjectRenameOp,
			*syntax.GetSchemaOp, *syntax.EvaluateOp, *syntax.InvokeOp, *syntax.MvApplyOp, *syntax.SearchOp,
			*syntax.FindOp, *syntax.PartitionOp, *syntax.ForkOp, *syntax.FacetOp, *syntax.AsOp,
			*syntax.JoinOp, *syntax.LookupOp, *syntax.UnionOp, *syntax.DistinctOp:
			if d, ok := op.(*syntax.DistinctOp); !ok || d.Star {
				return nil
			}
		}
		walk(op)
		if opaque {
			return nil
		}
		switch op.(type) {
		case *syntax.SummarizeOp, *syntax.ProjectOp, *syntax.CountOp, *syntax.DistinctOp, *syntax.MakeSeriesOp,
			*syntax.TopNestedOp, *syntax.TopHittersOp, *syntax.SampleDistinctOp:
			return used
		}
	}
	return nil
}
