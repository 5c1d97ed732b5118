package eval

import (
	"strconv"

	"github.com/sentinel-mcp/sentinel-mcp/internal/kql/data"
	"github.com/sentinel-mcp/sentinel-mcp/internal/kql/syntax"
)

// joinKeys compiles the equality conditions of join and lookup.
func (c *compiler) joinKeys(conds []*syntax.JoinCond, left, right *rel) (lk, rk []expr, err error) {
	if len(conds) == 0 {
		_, err := c.fail(&Error{Code: CodeSemantic, SemCode: SemBadArgument, Pos: -1, End: -1, Message: c.opPrefix() + "a join needs an 'on' condition"})
		return nil, nil, err
	}
	side := func(id *syntax.Ident, r *rel, which string) (expr, error) {
		i := r.colIndex(id.Name)
		if i >= 0 {
			return &colExpr{idx: i, t: r.schema.Columns[i].Type, name: id.Name}, nil
		}
		if r.open {
			return placeholder(), nil
		}
		sugg := nearest(id.Name, r.schema.Names())
		e := errAt(id, SemUnknownColumn, id.Name, "%sthe %s side has no column '%s'%s", c.opPrefix(), which, id.Name, didYouMean(sugg))
		e.Suggestion = sugg
		return c.failExpr(e)
	}
	for _, cond := range conds {
		pairs, ok := keyPairs(cond.X)
		if cond.Left != nil && cond.Right != nil {
			pairs, ok = [][2]*syntax.Ident{{cond.Left, cond.Right}}, true
		}
		if !ok {
			if ok, err := c.fail(notSupportedAt(cond, "join condition", c.text(cond))); !ok {
				return nil, nil, err
			}
			continue
		}
		for _, p := range pairs {
			l, err := side(p[0], left, "left")
			if err != nil {
				return nil, nil, err
			}
			r, err := side(p[1], right, "right")
			if err != nil {
				return nil, nil, err
			}
			lk, rk = append(lk, l), append(rk, r)
		}
	}
	return lk, rk, nil
}

// keyPairs decomposes a join condition into key columns: `Col`,
// `$left.A == $right.B` and conjunctions of those (`A and B`,
// `$left.A == $right.B and $left.C == $right.D`).
func keyPairs(x syntax.Expr) ([][2]*syntax.Ident, bool) {
	switch x := unparen(x).(type) {
	case *syntax.Ident:
		return [][2]*syntax.Ident{{x, x}}, true
	case *syntax.BinaryExpr:
		switch x.Op {
		case syntax.OpAnd:
			a, ok1 := keyPairs(x.X)
			b, ok2 := keyPairs(x.Y)
			return append(a, b...), ok1 && ok2
		case syntax.OpEq:
			a, sa := joinSide(x.X)
			b, sb := joinSide(x.Y)
			switch {
			case sa == "$left" && sb == "$right":
				return [][2]*syntax.Ident{{a, b}}, true
			case sa == "$right" && sb == "$left":
				return [][2]*syntax.Ident{{b, a}}, true
			}
		}
	}
	return nil, false
}

func joinSide(x syntax.Expr) (*syntax.Ident, string) {
	m, ok := unparen(x).(*syntax.MemberExpr)
	if !ok {
		return nil, ""
	}
	side, ok := m.X.(*syntax.Ident)
	if !ok || side.Name != "$left" && side.Name != "$right" {
		return nil, ""
	}
	return m.Name, side.Name
}

// join compiles the join operator (innerunique by default).
func (c *compiler) join(op *syntax.JoinOp, sc *env, left *rel) (*rel, error) {
	kind, ok := parseJoinKind(op.Kind)
	if !ok {
		return c.failRel(errAt(op, SemBadArgument, op.Kind, "%sunknown join kind %q", c.opPrefix(), op.Kind))
	}
	right, err := c.tabular(op.Right, sc)
	if err != nil {
		return nil, err
	}
	if op.Where != nil {
		return c.failRel(notSupportedAt(op.Where, "join condition", "where"))
	}
	lk, rk, err := c.joinKeys(op.On, left, right)
	if err != nil {
		return nil, err
	}
	if len(lk) == 0 {
		return c.joinOpen(kind, left, right), nil
	}
	out, err := joinRel(c.rc, nil, kind, left, right, lk, rk, false)
	if err != nil {
		return nil, err
	}
	out.open = left.open || right.open
	return out, nil
}

// joinOpen is the schema-only result validation uses when the keys could
// not be compiled.
func (c *compiler) joinOpen(kind joinKind, left, right *rel) *rel {
	switch kind {
	case joinLeftAnti, joinLeftSemi:
		return emptyRel(left.schema)
	case joinRightAnti, joinRightSemi:
		return emptyRel(right.schema)
	}
	return openRel()
}

// lookup compiles the lookup operator (leftouter by default); the right
// side's key columns are not repeated.
func (c *compiler) lookup(op *syntax.LookupOp, sc *env, left *rel) (*rel, error) {
	kind := joinLeftOuter
	switch op.Kind {
	case "", "leftouter", "left":
	case "inner":
		kind = joinInner
	default:
		return c.failRel(errAt(op, SemBadArgument, op.Kind, "%slookup supports kind=leftouter and kind=inner, not %q", c.opPrefix(), op.Kind))
	}
	right, err := c.tabular(op.Right, sc)
	if err != nil {
		return nil, err
	}
	lk, rk, err := c.joinKeys(op.On, left, right)
	if err != nil {
		return nil, err
	}
	if len(lk) == 0 {
		return openRel(), nil
	}
	out, err := joinRel(c.rc, nil, kind, left, right, lk, rk, true)
	if err != nil {
		return nil, err
	}
	out.open = left.open || right.open
	return out, nil
}

// union compiles the union operator. Table names may be wildcards over the
// source's tables; isfuzzy ignores names that resolve to nothing.
func (c *compiler) union(op *syntax.UnionOp, sc *env, input *rel) (*rel, error) {
	keep := c.unionKeep
	c.unionKeep = nil
	var rels []*rel
	var names []string
	if input != nil {
		rels = append(rels, input)
		names = append(names, sourceName(input, 0))
	}
	open := false
	for i, t := range op.Tables {
		switch t := t.(type) {
		case *syntax.NamePattern:
			for _, n := range matchTables(c.src, t.Pattern) {
				r, _ := c.sourceTable(c.src, c.srcRef, n)
				rels, names = append(rels, r), append(names, n)
			}
			if c.check && !c.complete {
				open = true
			}
			continue
		case *syntax.Ident:
			if op.IsFuzzy && !c.resolvable(t.Name, sc) {
				continue
			}
			r, err := c.tableRef(t, sc)
			if err != nil {
				return nil, err
			}
			open = open || r.open
			rels, names = append(rels, r), append(names, t.Name)
			continue
		}
		if op.IsFuzzy && c.check {
			// A fuzzy union tolerates members that do not resolve.
			saved := len(c.diags)
			r, err := c.tabular(t, sc)
			if err != nil {
				return nil, err
			}
			if len(c.diags) > saved {
				c.diags = c.diags[:saved]
				continue
			}
			rels, names = append(rels, r), append(names, "union_arg"+strconv.Itoa(i))
			continue
		}
		r, err := c.tabular(t, sc)
		if err != nil {
			if op.IsFuzzy {
				continue
			}
			return nil, err
		}
		open = open || r.open
		name := "union_arg" + strconv.Itoa(i)
		if m, ok := t.(*syntax.MemberExpr); ok {
			name = m.Name.Name
		}
		rels, names = append(rels, r), append(names, name)
	}
	if len(rels) == 0 {
		if open || c.check {
			return openRel(), nil
		}
		return c.failRel(errAt(op, SemUnknownTable, "", "%snone of the tables of the union exist", c.opPrefix()))
	}
	if op.Kind == "inner" {
		rels = commonColumns(rels)
	}
	ws := ""
	if op.WithSource != nil {
		ws = op.WithSource.Name
	}
	out, err := unionRelsKeep(c.rc, rels, names, ws, keep)
	if err != nil {
		return nil, err
	}
	out.open = open
	return out, nil
}

// sourceName is the withsource value of a union member.
func sourceName(r *rel, i int) string {
	if r.schema.Name != "" {
		return r.schema.Name
	}
	return "union_arg" + strconv.Itoa(i)
}

// resolvable reports whether a name denotes a table (for isfuzzy).
func (c *compiler) resolvable(name string, sc *env) bool {
	if b, ok := sc.lookup(name); ok {
		return b.table != nil || b.fn != nil
	}
	if c.src != nil {
		if _, ok := c.src.Table(name); ok {
			return true
		}
	}
	if fs, ok := c.src.(FunctionSource); ok {
		if _, _, ok := fs.Function(name); ok {
			return true
		}
	}
	return false
}

// commonColumns keeps only the columns (name and type) every relation has.
func commonColumns(rels []*rel) []*rel {
	count := map[data.Column]int{}
	for _, r := range rels {
		for _, col := range r.schema.Columns {
			count[col]++
		}
	}
	out := make([]*rel, len(rels))
	for i, r := range rels {
		var idx []int
		for j, col := range r.schema.Columns {
			if count[col] == len(rels) {
				idx = append(idx, j)
			}
		}
		out[i] = r.projectCols(idx, nil)
	}
	return out
}
