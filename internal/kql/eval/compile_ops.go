package eval

import (
	"sort"
	"strconv"

	"github.com/sentinel-mcp/sentinel-mcp/internal/kql/data"
	"github.com/sentinel-mcp/sentinel-mcp/internal/kql/syntax"
)

// opKeyword names an operator in messages ("'where' operator: ...").
func opKeyword(op syntax.Op) string {
	switch op := op.(type) {
	case *syntax.WhereOp:
		return op.Keyword
	case *syntax.ExtendOp:
		return "extend"
	case *syntax.ProjectOp:
		return "project"
	case *syntax.ProjectAwayOp:
		return "project-away"
	case *syntax.ProjectKeepOp:
		return "project-keep"
	case *syntax.ProjectRenameOp:
		return "project-rename"
	case *syntax.ProjectReorderOp:
		return "project-reorder"
	case *syntax.SummarizeOp:
		return "summarize"
	case *syntax.SortOp:
		return op.Keyword
	case *syntax.TopOp:
		return "top"
	case *syntax.TopNestedOp:
		return "top-nested"
	case *syntax.TakeOp:
		return op.Keyword
	case *syntax.DistinctOp:
		return "distinct"
	case *syntax.CountOp:
		return "count"
	case *syntax.JoinOp:
		return "join"
	case *syntax.LookupOp:
		return "lookup"
	case *syntax.UnionOp:
		return "union"
	case *syntax.MvExpandOp:
		return "mv-expand"
	case *syntax.MvApplyOp:
		return "mv-apply"
	case *syntax.ParseOp:
		return op.Keyword
	case *syntax.ParseKVOp:
		return "parse-kv"
	case *syntax.SerializeOp:
		return "serialize"
	case *syntax.MakeSeriesOp:
		return "make-series"
	case *syntax.RangeOp:
		return "range"
	case *syntax.PrintOp:
		return "print"
	case *syntax.SearchOp:
		return "search"
	case *syntax.FindOp:
		return "find"
	case *syntax.GetSchemaOp:
		return "getschema"
	case *syntax.EvaluateOp:
		return "evaluate"
	case *syntax.RenderOp:
		return "render"
	case *syntax.AsOp:
		return "as"
	case *syntax.InvokeOp:
		return "invoke"
	case *syntax.ForkOp:
		return "fork"
	case *syntax.FacetOp:
		return "facet"
	case *syntax.PartitionOp:
		return "partition"
	case *syntax.SampleOp:
		return "sample"
	case *syntax.SampleDistinctOp:
		return "sample-distinct"
	case *syntax.ReduceOp:
		return "reduce"
	case *syntax.TopHittersOp:
		return "top-hitters"
	case *syntax.ConsumeOp:
		return "consume"
	case *syntax.ScanOp:
		return "scan"
	}
	return "operator"
}

// producesRows reports whether an operator makes its own rows (it may
// start a query).
func producesRows(op syntax.Op) bool {
	switch op := op.(type) {
	case *syntax.UnionOp, *syntax.RangeOp, *syntax.PrintOp, *syntax.SearchOp, *syntax.FindOp:
		return true
	case *syntax.EvaluateOp:
		_ = op
		return true
	}
	return false
}

// op compiles and runs one operator over r (nil for a query-starting
// operator).
func (c *compiler) op(op syntax.Op, sc *env, r *rel) (*rel, error) {
	saved := c.opName
	c.opName = opKeyword(op)
	defer func() { c.opName = saved }()
	if r == nil && !producesRows(op) {
		return c.failRel(errAt(op, SemBadArgument, c.opName, "the %s operator needs an input table", c.opName))
	}
	out, err := c.op1(op, sc, r)
	if err != nil {
		return nil, err
	}
	return out, nil
}

func (c *compiler) op1(op syntax.Op, sc *env, r *rel) (*rel, error) {
	switch op := op.(type) {
	case *syntax.WhereOp:
		return c.where(op.Pred, sc, r)
	case *syntax.ExtendOp:
		return c.extend(op.Cols, sc, r)
	case *syntax.ProjectOp:
		return c.project(op.Cols, sc, r)
	case *syntax.ProjectAwayOp:
		return c.projectAway(op.Cols, r, false)
	case *syntax.ProjectKeepOp:
		return c.projectAway(op.Cols, r, true)
	case *syntax.ProjectRenameOp:
		return c.projectRename(op, r)
	case *syntax.ProjectReorderOp:
		return c.projectReorder(op, r)
	case *syntax.SummarizeOp:
		return c.summarize(op, sc, r)
	case *syntax.SortOp:
		keys, err := c.sortKeys(op.Keys, sc, r)
		if err != nil {
			return nil, err
		}
		out, err := sortRel(c.rc, nil, r, keys)
		if err != nil {
			return nil, err
		}
		out.open = r.open
		return out, nil
	case *syntax.TopOp:
		n, err := c.constInt(op.Count, sc, "the count of top")
		if err != nil {
			return nil, err
		}
		keys, err := c.sortKeys([]*syntax.SortKey{op.By}, sc, r)
		if err != nil {
			return nil, err
		}
		perm, err := sortPerm(c.rc, nil, r, keys, int(max(n, 0)))
		if err != nil {
			return nil, err
		}
		out := r.keep(perm)
		out.ordered, out.open = true, r.open
		return out, nil
	case *syntax.TopNestedOp:
		return c.topNested(op, sc, r)
	case *syntax.TakeOp:
		n, err := c.constInt(op.Count, sc, "the count of "+op.Keyword)
		if err != nil {
			return nil, err
		}
		out := takeRel(r, n)
		return out, nil
	case *syntax.SampleOp:
		n, err := c.constInt(op.Count, sc, "the count of sample")
		if err != nil {
			return nil, err
		}
		return takeRel(r, n), nil
	case *syntax.DistinctOp:
		return c.distinct(op, sc, r)
	case *syntax.SampleDistinctOp:
		n, err := c.constInt(op.Count, sc, "the count of sample-distinct")
		if err != nil {
			return nil, err
		}
		out, err := c.distinct(&syntax.DistinctOp{Span: op.Span, Cols: []*syntax.NamedExpr{{Span: op.Span, X: op.Of}}}, sc, r)
		if err != nil {
			return nil, err
		}
		return takeRel(out, n), nil
	case *syntax.CountOp:
		return countRel(r, "Count"), nil
	case *syntax.JoinOp:
		return c.join(op, sc, r)
	case *syntax.LookupOp:
		return c.lookup(op, sc, r)
	case *syntax.UnionOp:
		return c.union(op, sc, r)
	case *syntax.MvExpandOp:
		return c.mvExpand(op, sc, r)
	case *syntax.MvApplyOp:
		return c.mvApply(op, sc, r)
	case *syntax.ParseOp:
		return c.parse(op, sc, r)
	case *syntax.ParseKVOp:
		return c.parseKV(op, sc, r)
	case *syntax.SerializeOp:
		out := *r
		out.ordered = true
		if len(op.Cols) == 0 {
			return &out, nil
		}
		return c.extend(op.Cols, sc, &out)
	case *syntax.MakeSeriesOp:
		return c.makeSeries(op, sc, r)
	case *syntax.RangeOp:
		return c.rangeOp(op, sc)
	case *syntax.PrintOp:
		return c.print(op, sc)
	case *syntax.SearchOp:
		return c.search(op, sc, r)
	case *syntax.GetSchemaOp:
		return getschemaRel(c.withoutHidden(r)), nil
	case *syntax.EvaluateOp:
		return c.evaluate(op, sc, r)
	case *syntax.RenderOp:
		c.renderOp(op, sc)
		return r, nil
	case *syntax.AsOp:
		c.global.setTable(op.Name.Name, boundTable(op.Name.Name, r))
		return r, nil
	case *syntax.InvokeOp:
		return c.tabularCall(op.Call, sc, r)
	case *syntax.PartitionOp:
		return c.partition(op, sc, r)
	case *syntax.TopHittersOp:
		return c.topHitters(op, sc, r)
	case *syntax.ConsumeOp:
		return emptyRel(r.schema), nil
	case *syntax.BadOp:
		return c.failRel(&Error{Code: CodeSyntax, Message: "the operator could not be parsed", Pos: op.Pos(), End: op.End()})
	}
	return c.failRel(notSupportedAt(op, "operator", c.opName))
}

// where filters r by a predicate.
func (c *compiler) where(pred syntax.Expr, sc *env, r *rel) (*rel, error) {
	e, err := c.scalar(pred, sc, r)
	if err != nil {
		return nil, err
	}
	if !boolish(e) {
		if ok, err := c.fail(errAt(pred, SemType, "", "%sthe predicate must be a bool expression, got %s", c.opPrefix(), e.typ())); !ok {
			return nil, err
		}
		return r, nil
	}
	out, err := filterRel(c.rc, nil, r, e)
	if err != nil {
		return nil, err
	}
	if out != r {
		out.open = r.open
	}
	return out, nil
}

// colNamer gives unnamed output columns Kusto's names: the name derived
// from the expression, else prefix1, prefix2 ... (Column1 for extend and
// project) skipping names in use.
type colNamer struct {
	prefix string
	next   int
	taken  func(string) bool
}

func (n *colNamer) name(ne *syntax.NamedExpr) string {
	if s := ne.Name(); s != "" {
		return s
	}
	if s := exprName(ne.X); s != "" {
		return s
	}
	return n.fresh()
}

func (n *colNamer) fresh() string {
	for {
		s := n.prefix + strconv.Itoa(n.next)
		n.next++
		if n.taken == nil || !n.taken(s) {
			return s
		}
	}
}

// extend adds or replaces columns; later columns may use earlier ones.
func (c *compiler) extend(cols []*syntax.NamedExpr, sc *env, r *rel) (*rel, error) {
	out := r
	namer := &colNamer{prefix: "Column", next: 1, taken: func(s string) bool { return out.colIndex(s) >= 0 }}
	for _, ne := range cols {
		if call, ok := unparen(ne.X).(*syntax.CallExpr); ok && call.Target == nil {
			if mf, ok := multiFuncs[call.Name.Name]; ok {
				if b, shadow := sc.lookup(call.Name.Name); !shadow || b.fn == nil {
					next, err := c.extendMulti(out, ne, call, mf, sc)
					if err != nil {
						return nil, err
					}
					out = next
					continue
				}
			}
		}
		if len(ne.Names) > 1 {
			if ok, err := c.fail(notSupportedAt(ne, "tuple assignment", c.text(ne))); !ok {
				return nil, err
			}
			continue
		}
		name := namer.name(ne)
		c.usesWindow = false
		e, err := c.scalar(ne.X, sc, out)
		if err != nil {
			return nil, err
		}
		next, err := c.addColumn(out, name, e)
		if err != nil {
			return nil, err
		}
		out = next
	}
	return out, nil
}

// addColumn evaluates e over r and adds (or replaces) the column.
func (c *compiler) addColumn(r *rel, name string, e expr) (*rel, error) {
	if ce, ok := e.(*colExpr); ok && ce.idx < len(r.cols) && !c.usesWindow {
		return r.withLazy(name, r.schema.Columns[ce.idx].Type, r.cols[ce.idx]), nil
	}
	v, err := evalColumn(c.rc, nil, r, e, c.usesWindow)
	if err != nil {
		return nil, err
	}
	out := r.withColumn(name, v)
	out.open = r.open
	return out, nil
}

// withLazy is withColumn for a column shared with another relation.
func (r *rel) withLazy(name string, t data.Type, lc lazyCol) *rel {
	cols := append([]data.Column(nil), r.schema.Columns...)
	lcs := append([]lazyCol(nil), r.cols...)
	if i := r.schema.Index(name); i >= 0 {
		cols[i] = data.Column{Name: name, Type: t}
		lcs[i] = lc
	} else {
		cols = append(cols, data.Column{Name: name, Type: t})
		lcs = append(lcs, lc)
	}
	out := newRel(r.schema.Name, cols, lcs, r.n)
	out.schema.TimeColumn = r.schema.TimeColumn
	out.ordered, out.open = r.ordered, r.open
	return out
}

// project computes exactly the listed columns.
func (c *compiler) project(cols []*syntax.NamedExpr, sc *env, r *rel) (*rel, error) {
	var outCols []data.Column
	var lcs []lazyCol
	taken := map[string]bool{}
	namer := &colNamer{prefix: "Column", next: 1, taken: func(s string) bool { return taken[s] || r.colIndex(s) >= 0 }}
	for _, ne := range cols {
		if len(ne.Names) > 1 {
			if ok, err := c.fail(notSupportedAt(ne, "tuple assignment", c.text(ne))); !ok {
				return nil, err
			}
			continue
		}
		name := namer.name(ne)
		if taken[name] {
			if ok, err := c.fail(errAt(ne, SemDuplicateColumn, name, "%scolumn '%s' is projected more than once", c.opPrefix(), name)); !ok {
				return nil, err
			}
			continue
		}
		taken[name] = true
		c.usesWindow = false
		e, err := c.scalar(ne.X, sc, r)
		if err != nil {
			return nil, err
		}
		if ce, ok := e.(*colExpr); ok && ce.idx < len(r.cols) && !c.usesWindow {
			outCols = append(outCols, data.Column{Name: name, Type: ce.t})
			lcs = append(lcs, r.cols[ce.idx])
			continue
		}
		v, err := evalColumn(c.rc, nil, r, e, c.usesWindow)
		if err != nil {
			return nil, err
		}
		outCols = append(outCols, data.Column{Name: name, Type: v.Type})
		lcs = append(lcs, lazyCol{base: v})
	}
	out := newRel(r.schema.Name, outCols, lcs, r.n)
	out.schema.TimeColumn = r.schema.TimeColumn
	out.ordered = r.ordered
	return out, nil
}

// columnsMatching expands project-away/keep/reorder column lists.
func (c *compiler) columnsMatching(items []syntax.Expr, r *rel) ([]int, error) {
	var out []int
	seen := map[int]bool{}
	for _, it := range items {
		switch it := it.(type) {
		case *syntax.Ident:
			i := r.colIndex(it.Name)
			if i < 0 {
				if r.open {
					continue
				}
				if ok, err := c.fail(c.unknownColumn(it, r, newEnv(nil))); !ok {
					return nil, err
				}
				continue
			}
			if !seen[i] {
				seen[i] = true
				out = append(out, i)
			}
		case *syntax.NamePattern:
			for i, col := range r.schema.Columns {
				if !seen[i] && matchWildcard(it.Pattern, col.Name) {
					seen[i] = true
					out = append(out, i)
				}
			}
		default:
			if ok, err := c.fail(errAt(it, SemBadArgument, "", "%sa column name is expected, not %s", c.opPrefix(), c.text(it))); !ok {
				return nil, err
			}
		}
	}
	return out, nil
}

// projectAway removes (or with keep, keeps only) the listed columns.
func (c *compiler) projectAway(items []syntax.Expr, r *rel, keep bool) (*rel, error) {
	idx, err := c.columnsMatching(items, r)
	if err != nil {
		return nil, err
	}
	sel := map[int]bool{}
	for _, i := range idx {
		sel[i] = true
	}
	var outIdx []int
	for i := range r.schema.Columns {
		if sel[i] == keep {
			outIdx = append(outIdx, i)
		}
	}
	out := r.projectCols(outIdx, nil)
	out.open = r.open && !keep
	return out, nil
}

// projectRename renames columns in place.
func (c *compiler) projectRename(op *syntax.ProjectRenameOp, r *rel) (*rel, error) {
	idx := make([]int, len(r.schema.Columns))
	names := r.schema.Names()
	for i := range idx {
		idx[i] = i
	}
	for _, rn := range op.Cols {
		i := r.colIndex(rn.Old.Name)
		if i < 0 {
			if r.open {
				continue
			}
			if ok, err := c.fail(c.unknownColumn(rn.Old, r, newEnv(nil))); !ok {
				return nil, err
			}
			continue
		}
		names[i] = rn.New.Name
	}
	out := r.projectCols(idx, names)
	out.open = r.open
	return out, nil
}

// projectReorder moves the listed columns first.
func (c *compiler) projectReorder(op *syntax.ProjectReorderOp, r *rel) (*rel, error) {
	var first []int
	seen := map[int]bool{}
	for _, rc := range op.Cols {
		idx, err := c.columnsMatching([]syntax.Expr{rc.Col}, r)
		if err != nil {
			return nil, err
		}
		var fresh []int
		for _, i := range idx {
			if !seen[i] {
				fresh = append(fresh, i)
			}
		}
		if rc.Order != "" {
			desc := rc.Order == "desc" || rc.Order == "granny-desc"
			sort.SliceStable(fresh, func(a, b int) bool {
				na, nb := r.schema.Columns[fresh[a]].Name, r.schema.Columns[fresh[b]].Name
				if desc {
					return na > nb
				}
				return na < nb
			})
		}
		for _, i := range fresh {
			seen[i] = true
			first = append(first, i)
		}
	}
	for i := range r.schema.Columns {
		if !seen[i] {
			first = append(first, i)
		}
	}
	out := r.projectCols(first, nil)
	out.open = r.open
	return out, nil
}

// sortKeys compiles sort criteria; Kusto sorts descending by default and
// puts nulls first when ascending, last when descending.
func (c *compiler) sortKeys(keys []*syntax.SortKey, sc *env, r *rel) ([]sortKey, error) {
	out := make([]sortKey, 0, len(keys))
	for _, k := range keys {
		if k == nil {
			continue
		}
		e, err := c.scalar(k.X, sc, r)
		if err != nil {
			return nil, err
		}
		desc := k.Order != syntax.SortAsc
		nullsFirst := !desc
		switch k.Nulls {
		case syntax.NullsFirst:
			nullsFirst = true
		case syntax.NullsLast:
			nullsFirst = false
		}
		out = append(out, sortKey{e: e, desc: desc, nullsFirst: nullsFirst})
	}
	return out, nil
}

// distinct is summarize by the listed columns (or all of them).
func (c *compiler) distinct(op *syntax.DistinctOp, sc *env, r *rel) (*rel, error) {
	var keys []namedExpr
	if op.Star {
		for i, col := range r.schema.Columns {
			keys = append(keys, namedExpr{name: col.Name, e: &colExpr{idx: i, t: col.Type, name: col.Name}, column: i})
		}
	} else {
		namer := &colNamer{prefix: "Column", next: 1, taken: func(s string) bool { return r.colIndex(s) >= 0 }}
		for _, ne := range op.Cols {
			e, err := c.scalar(ne.X, sc, r)
			if err != nil {
				return nil, err
			}
			keys = append(keys, namedExpr{name: namer.name(ne), e: e, column: -1})
		}
	}
	return summarizeRel(c.rc, nil, r, keys, nil)
}

// print makes one row of constant columns.
func (c *compiler) print(op *syntax.PrintOp, sc *env) (*rel, error) {
	var cols []data.Column
	var lcs []lazyCol
	for i, ne := range op.Cols {
		name := ne.Name()
		if name == "" {
			name = "print_" + strconv.Itoa(i)
		}
		e, err := c.scalar(ne.X, sc, noRow)
		if err != nil {
			return nil, err
		}
		v, err := evalColumn(c.rc, nil, noRow, e, false)
		if err != nil {
			return nil, err
		}
		cols = append(cols, data.Column{Name: name, Type: v.Type})
		lcs = append(lcs, lazyCol{base: v})
	}
	return newRel("print", cols, lcs, 1), nil
}

// maxRangeRows bounds the rows range may produce.
const maxRangeRows = 10_000_000

// rangeOp is `range x from a to b step s`.
func (c *compiler) rangeOp(op *syntax.RangeOp, sc *env) (*rel, error) {
	from, err := c.constArg(op.From, sc)
	if err != nil {
		return nil, err
	}
	to, err := c.constArg(op.To, sc)
	if err != nil {
		return nil, err
	}
	step, err := c.constArg(op.Step, sc)
	if err != nil {
		return nil, err
	}
	from, to, step = unwrap(from), unwrap(to), unwrap(step)
	name := op.Name.Name
	t := from.Type
	if from.Null || to.Null || step.Null {
		return emptyRel(&data.Schema{Name: "range", Columns: []data.Column{{Name: name, Type: orDynamic(t)}}}), nil
	}
	b := data.NewVectorBuilder(t, 0)
	count := 0
	tooMany := func() (*rel, error) {
		return nil, &Error{Code: CodeLimitExceeded, Pos: op.Pos(), End: op.End(), Message: "range would produce more than 10,000,000 rows; use a larger step"}
	}
	switch {
	case t == data.DateTime || t == data.TimeSpan || t.IsInteger():
		lo, hi := from.I, data.Convert(to, t).I
		st, ok := argInt(step)
		if step.Type == data.TimeSpan || step.Type == data.Int || step.Type == data.Long {
			st, ok = step.I, true
		}
		if !ok || st == 0 {
			return c.failRel(errAt(op.Step, SemBadArgument, "range", "range: the step must be a non-zero %s", t))
		}
		if n := (hi - lo) / st; n > maxRangeRows {
			return tooMany()
		}
		for v := lo; (st > 0 && v <= hi) || (st < 0 && v >= hi); v += st {
			if count++; count > maxRangeRows {
				return tooMany()
			}
			b.Append(data.Value{Type: t, I: v})
		}
	case t.IsFloat():
		lo, _ := argFloat(from)
		hi, _ := argFloat(to)
		st, ok := argFloat(step)
		if !ok || st == 0 {
			return c.failRel(errAt(op.Step, SemBadArgument, "range", "range: the step must be a non-zero number"))
		}
		if (hi-lo)/st > maxRangeRows {
			return tooMany()
		}
		for v := lo; (st > 0 && v <= hi) || (st < 0 && v >= hi); v += st {
			if count++; count > maxRangeRows {
				return tooMany()
			}
			b.Append(data.Value{Type: t, F: v})
		}
	default:
		return c.failRel(errAt(op.From, SemType, "range", "range: cannot range over %s values", t))
	}
	if err := c.rc.charge(int64(count)*8, "range"); err != nil {
		return nil, err
	}
	v := b.Build()
	out := newRel("range", []data.Column{{Name: name, Type: t}}, []lazyCol{{base: v}}, v.N)
	out.ordered = true
	return out, nil
}

// renderOp records the visualization for the caller.
func (c *compiler) renderOp(op *syntax.RenderOp, sc *env) {
	r := &Render{Props: map[string]any{}}
	if op.Chart != nil {
		r.Visualization = op.Chart.Name
	}
	for _, p := range op.With {
		switch v := p.Value.(type) {
		case *syntax.Ident:
			r.Props[p.Name] = v.Name
		case *syntax.ListExpr:
			var names []any
			for _, e := range v.Elems {
				if id, ok := e.(*syntax.Ident); ok {
					names = append(names, id.Name)
				} else {
					names = append(names, c.text(e))
				}
			}
			r.Props[p.Name] = names
		default:
			if val, err := c.constArg(p.Value, sc); err == nil {
				r.Props[p.Name] = val.Go()
			}
		}
	}
	c.render = r
}

// extendMulti adds the columns of a function returning several values
// (series_fit_line ...): named by the tuple target, or <x>_<suffix>.
func (c *compiler) extendMulti(r *rel, ne *syntax.NamedExpr, call *syntax.CallExpr, mf *multiFn, sc *env) (*rel, error) {
	if len(call.Args) < mf.minArgs || len(call.Args) > mf.maxArgs {
		if ok, err := c.fail(errAt(call, SemArgCount, mf.name, "%s%s() expects %d to %d arguments, got %d", c.opPrefix(), mf.name, mf.minArgs, mf.maxArgs, len(call.Args))); !ok {
			return nil, err
		}
		return r, nil
	}
	args := make([]*data.Vector, len(call.Args))
	for i, a := range call.Args {
		e, err := c.scalar(a, sc, r)
		if err != nil {
			return nil, err
		}
		if args[i], err = evalColumn(c.rc, nil, r, e, false); err != nil {
			return nil, err
		}
	}
	names := make([]string, len(mf.suffixes))
	base := exprName(call.Args[0])
	for i, suf := range mf.suffixes {
		switch {
		case i < len(ne.Names):
			names[i] = ne.Names[i].Name
		case len(ne.Names) > 0:
			names[i] = ""
		case mf.prefixed:
			names[i] = mf.name + "_" + base + "_" + suf
		default:
			names[i] = base + "_" + suf
		}
	}
	builders := make([]*data.VectorBuilder, len(mf.types))
	for i, t := range mf.types {
		builders[i] = data.NewVectorBuilder(t, r.n)
	}
	vals := make([]data.Value, len(args))
	for row := 0; row < r.n; row++ {
		if row&1023 == 0 {
			if err := c.rc.check(); err != nil {
				return nil, err
			}
		}
		for i, a := range args {
			vals[i] = a.Value(row)
		}
		for i, v := range mf.row(vals) {
			builders[i].Append(fixType(v, mf.types[i]))
		}
	}
	out := r
	for i, b := range builders {
		if names[i] == "" {
			continue
		}
		out = out.withColumn(names[i], b.Build())
	}
	out.open = r.open
	return out, nil
}
