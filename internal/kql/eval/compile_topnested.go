package eval

import (
	"sort"

	"github.com/sentinel-mcp/sentinel-mcp/internal/kql/data"
	"github.com/sentinel-mcp/sentinel-mcp/internal/kql/syntax"
)

// topNested compiles top-nested: at each level the rows are grouped by the
// level's key, the groups ranked by the level's aggregation and the best N
// kept (plus an "others" row when asked); the next level works within each
// kept group. Output columns are each level's key and aggregation.
func (c *compiler) topNested(op *syntax.TopNestedOp, sc *env, r *rel) (*rel, error) {
	type level struct {
		n       int64 // -1: all
		key     expr
		keyName string
		agg     *aggCall
		aggName string
		desc    bool
		others  *data.Value
	}
	var levels []level
	for _, l := range op.Levels {
		lv := level{n: -1, desc: l.Order != syntax.SortAsc}
		if l.Count != nil {
			n, err := c.constInt(l.Count, sc, "the count of top-nested")
			if err != nil {
				return nil, err
			}
			lv.n = n
		}
		key, err := c.scalar(l.Of.X, sc, r)
		if err != nil {
			return nil, err
		}
		lv.key = key
		if lv.keyName = l.Of.Name(); lv.keyName == "" {
			if lv.keyName = exprName(l.Of.X); lv.keyName == "" {
				lv.keyName = "Column1"
			}
		}
		call, ok := unparen(l.By.X).(*syntax.CallExpr)
		if !ok || !c.isAggCall(call, sc) {
			if ok, err := c.fail(errAt(l.By, SemBadArgument, "", "%s'%s' is not an aggregation", c.opPrefix(), c.text(l.By.X))); !ok {
				return nil, err
			}
			return openRel(), nil
		}
		ac, err := c.aggCall(call, sc, r, nil)
		if err != nil {
			return nil, err
		}
		if ac == nil {
			return openRel(), nil
		}
		ac.names, ac.types, ac.extra = []string{"\x00agg"}, ac.types[:1], nil
		lv.agg = ac
		if lv.aggName = l.By.Name(); lv.aggName == "" {
			lv.aggName = "aggregated_" + lv.keyName
		}
		if l.Others != nil {
			v, err := c.constArg(l.Others, sc)
			if err != nil {
				return nil, err
			}
			lv.others = &v
		}
		levels = append(levels, lv)
	}
	keyTypes := make([]data.Type, len(levels))
	aggTypes := make([]data.Type, len(levels))
	for i, lv := range levels {
		keyTypes[i], aggTypes[i] = lv.key.typ(), lv.agg.types[0]
	}
	var rows [][]data.Value
	var rec func(li int, pos []int32, prefix []data.Value) error
	rec = func(li int, pos []int32, prefix []data.Value) error {
		if err := c.rc.check(); err != nil {
			return err
		}
		lv := levels[li]
		sub := r.keep(pos)
		s, err := summarizeRel(c.rc, nil, sub, []namedExpr{{name: "\x00key", e: lv.key, column: -1}}, []*aggCall{lv.agg})
		if err != nil {
			return err
		}
		kv, av := s.dense(0), s.dense(1)
		order := make([]int, s.n)
		for i := range order {
			order[i] = i
		}
		sort.SliceStable(order, func(a, b int) bool {
			x := orderValues(av.Value(order[a]), av.Value(order[b]))
			if lv.desc {
				return x > 0
			}
			return x < 0
		})
		keep := order
		if lv.n >= 0 && int64(len(order)) > lv.n {
			keep = order[:lv.n]
		}
		var rowKeys *data.Vector
		if li+1 < len(levels) || lv.others != nil {
			if rowKeys, err = evalColumn(c.rc, nil, sub, lv.key, false); err != nil {
				return err
			}
		}
		kept := map[inKey]bool{}
		for _, g := range keep {
			k := kv.Value(g)
			ik, _ := keyOf(k, false)
			kept[ik] = true
			line := append(append([]data.Value(nil), prefix...), k, av.Value(g))
			if li+1 == len(levels) {
				rows = append(rows, line)
				continue
			}
			var next []int32
			for j := 0; j < rowKeys.N; j++ {
				if eq, ok := eqValues(rowKeys.Value(j), k, false); (ok && eq) || (k.Null && rowKeys.Value(j).Null) {
					next = append(next, pos[j])
				}
			}
			if err := rec(li+1, next, line); err != nil {
				return err
			}
		}
		if lv.others != nil && len(keep) < len(order) {
			var rest []int32
			for j := 0; j < rowKeys.N; j++ {
				ik, _ := keyOf(rowKeys.Value(j), false)
				if !kept[ik] {
					rest = append(rest, pos[j])
				}
			}
			o, err := summarizeRel(c.rc, nil, r.keep(rest), nil, []*aggCall{lv.agg})
			if err != nil {
				return err
			}
			line := append(append([]data.Value(nil), prefix...), fixType(*lv.others, keyTypes[li]), o.dense(0).Value(0))
			for k := li + 1; k < len(levels); k++ {
				line = append(line, data.NullValue(keyTypes[k]), data.NullValue(aggTypes[k]))
			}
			rows = append(rows, line)
		}
		return nil
	}
	all := make([]int32, r.n)
	for i := range all {
		all[i] = int32(i)
	}
	if len(levels) > 0 {
		if err := rec(0, all, nil); err != nil {
			return nil, err
		}
	}
	var cols []data.Column
	taken := map[string]bool{}
	for i, lv := range levels {
		kn := uniqueName(lv.keyName, taken)
		taken[kn] = true
		an := uniqueName(lv.aggName, taken)
		taken[an] = true
		cols = append(cols, data.Column{Name: kn, Type: keyTypes[i]}, data.Column{Name: an, Type: aggTypes[i]})
	}
	b := data.NewTableBuilder(r.schema.Name, cols, len(rows))
	for _, row := range rows {
		for i := range row {
			row[i] = fixType(row[i], cols[i].Type)
		}
		if err := b.AppendValues(row); err != nil {
			return nil, err
		}
	}
	return relFromTable(b.Build()), nil
}
