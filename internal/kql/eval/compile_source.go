package eval

import (
	"strconv"

	"github.com/sentinel-mcp/sentinel-mcp/internal/kql/data"
	"github.com/sentinel-mcp/sentinel-mcp/internal/kql/syntax"
)

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
	out, err := summarizeRel(c.rc, nil, r, keys, nil)
	if err != nil {
		return nil, err
	}
	out.open = r.open && op.Star
	return out, nil
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
			if count&0xffff == 0 {
				if err := c.rc.check(); err != nil {
					return nil, err
				}
			}
			b.AppendInt(v)
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
			if count&0xffff == 0 {
				if err := c.rc.check(); err != nil {
					return nil, err
				}
			}
			b.AppendReal(v)
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
