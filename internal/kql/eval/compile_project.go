package eval

import (
	"sort"

	"github.com/sentinel-mcp/sentinel-mcp/internal/kql/data"
	"github.com/sentinel-mcp/sentinel-mcp/internal/kql/syntax"
)

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
