package eval

import (
	"strings"

	"github.com/sentinel-mcp/sentinel-mcp/internal/kql/data"
	"github.com/sentinel-mcp/sentinel-mcp/internal/kql/syntax"
)

// mvCols compiles the expanded columns of mv-expand and mv-apply.
func (c *compiler) mvCols(cols []*syntax.MvExpandCol, sc *env, r *rel) ([]mvExpandCol, error) {
	var out []mvExpandCol
	namer := &colNamer{prefix: "Column", next: 1, taken: func(s string) bool { return r.colIndex(s) >= 0 }}
	for _, mc := range cols {
		e, err := c.scalar(mc.X, sc, r)
		if err != nil {
			return nil, err
		}
		name := ""
		if mc.Name != nil {
			name = mc.Name.Name
		} else if name = exprName(mc.X); name == "" {
			name = namer.fresh()
		}
		to := data.Dynamic
		if mc.ToType != nil {
			t, ok := data.ParseType(mc.ToType.Name)
			if !ok {
				if ok, err := c.fail(errAt(mc.ToType, SemType, mc.ToType.Name, "unknown type %q", mc.ToType.Name)); !ok {
					return nil, err
				}
			} else {
				to = t
			}
		}
		out = append(out, mvExpandCol{name: name, e: e, to: to})
	}
	return out, nil
}

func (c *compiler) mvLimit(x syntax.Expr, sc *env) (int64, error) {
	if x == nil {
		return -1, nil
	}
	return c.constInt(x, sc, "the limit of mv-expand")
}

// mvExpand compiles mv-expand.
func (c *compiler) mvExpand(op *syntax.MvExpandOp, sc *env, r *rel) (*rel, error) {
	cols, err := c.mvCols(op.Cols, sc, r)
	if err != nil {
		return nil, err
	}
	limit, err := c.mvLimit(op.Limit, sc)
	if err != nil {
		return nil, err
	}
	idx := ""
	if op.WithItemIndex != nil {
		idx = op.WithItemIndex.Name
	}
	out, err := mvExpandRel(c.rc, nil, r, cols, op.BagExpansion == "array", idx, limit)
	if err != nil {
		return nil, err
	}
	out.open = r.open
	return out, nil
}

// mvApply compiles mv-apply: each input row is expanded into a subtable,
// the subquery runs on it, and the row's other columns are added to the
// subquery's result where it dropped them.
func (c *compiler) mvApply(op *syntax.MvApplyOp, sc *env, r *rel) (*rel, error) {
	cols, err := c.mvCols(op.Cols, sc, r)
	if err != nil {
		return nil, err
	}
	limit, err := c.mvLimit(op.Limit, sc)
	if err != nil {
		return nil, err
	}
	idx := ""
	if op.WithItemIndex != nil {
		idx = op.WithItemIndex.Name
	}
	const rowCol = "\x00row"
	ids := make([]int64, r.n)
	for i := range ids {
		ids[i] = int64(i)
	}
	withID := r.withColumn(rowCol, intVec(data.Long, ids, nil))
	exp, err := mvExpandRel(c.rc, nil, withID, cols, false, idx, limit)
	if err != nil {
		return nil, err
	}
	idCol := exp.dense(exp.colIndex(rowCol))
	var visible []int
	for i, col := range exp.schema.Columns {
		if col.Name != rowCol {
			visible = append(visible, i)
		}
	}
	expanded := map[string]bool{}
	for _, mc := range cols {
		expanded[mc.name] = true
	}
	run := func(lo, hi int) (*rel, error) {
		sub := exp.slice(lo, hi).projectCols(visible, nil)
		sub.open = r.open
		res, err := c.pipe(op.Sub, sc, sub)
		if err != nil {
			return nil, err
		}
		// Source columns the subquery dropped come back, repeated.
		var add []int
		for i, col := range r.schema.Columns {
			if !expanded[col.Name] && res.colIndex(col.Name) < 0 {
				add = append(add, i)
			}
		}
		if len(add) == 0 {
			return res, nil
		}
		src := int32(0)
		if lo < hi {
			src = int32(idCol.Ints[lo])
		}
		pos := make([]int32, res.n)
		for i := range pos {
			pos[i] = src
		}
		var outCols []data.Column
		var lcs []lazyCol
		base := r
		if r.n == 0 {
			base = emptyRel(r.schema)
		}
		picked := base.keep(pos)
		for _, i := range add {
			outCols = append(outCols, r.schema.Columns[i])
			lcs = append(lcs, picked.cols[i])
		}
		outCols = append(outCols, res.schema.Columns...)
		lcs = append(lcs, res.cols...)
		return newRel(r.schema.Name, outCols, lcs, res.n), nil
	}
	var parts []*rel
	for lo := 0; lo < exp.n; {
		if err := c.rc.check(); err != nil {
			return nil, err
		}
		hi := lo + 1
		for hi < exp.n && idCol.Ints[hi] == idCol.Ints[lo] {
			hi++
		}
		part, err := run(lo, hi)
		if err != nil {
			return nil, err
		}
		parts = append(parts, part)
		lo = hi
	}
	if len(parts) == 0 {
		part, err := run(0, 0)
		if err != nil {
			return nil, err
		}
		return emptyRel(part.schema), nil
	}
	return concatRels(c.rc, parts)
}

// concatRels appends relations with the same columns (a union when they
// differ).
func concatRels(rc *runCtx, parts []*rel) (*rel, error) {
	if len(parts) == 1 {
		return parts[0], nil
	}
	same := true
	for _, p := range parts[1:] {
		if len(p.schema.Columns) != len(parts[0].schema.Columns) {
			same = false
			break
		}
		for i, col := range p.schema.Columns {
			if col != parts[0].schema.Columns[i] {
				same = false
			}
		}
	}
	if !same {
		names := make([]string, len(parts))
		return unionRels(rc, parts, names, "")
	}
	n := 0
	for _, p := range parts {
		n += p.n
	}
	if err := rc.charge(int64(n)*int64(8*len(parts[0].cols)), "mv-apply"); err != nil {
		return nil, err
	}
	lcs := make([]lazyCol, len(parts[0].cols))
	for i, col := range parts[0].schema.Columns {
		vs := make([]*data.Vector, len(parts))
		for k, p := range parts {
			vs[k] = p.dense(i)
		}
		lcs[i] = lazyCol{base: data.Concat(col.Type, vs)}
	}
	return newRel(parts[0].schema.Name, parts[0].schema.Columns, lcs, n), nil
}

// parse compiles parse and parse-where.
func (c *compiler) parse(op *syntax.ParseOp, sc *env, r *rel) (*rel, error) {
	src, err := c.scalar(op.Source, sc, r)
	if err != nil {
		return nil, err
	}
	var segs []parseSeg
	for _, p := range op.Parts {
		switch {
		case p.Star:
			segs = append(segs, parseSeg{wildcard: true})
		case p.Literal != nil:
			segs = append(segs, parseSeg{literal: p.Literal.Str})
		case p.Column != nil:
			t := data.String
			if p.Type != nil {
				pt, ok := data.ParseType(p.Type.Name)
				if !ok {
					if ok, err := c.fail(errAt(p.Type, SemType, p.Type.Name, "unknown type %q", p.Type.Name)); !ok {
						return nil, err
					}
				} else {
					t = pt
				}
			}
			segs = append(segs, parseSeg{column: p.Column.Name, t: t})
		}
	}
	kind := op.Kind
	if kind == "" {
		kind = "simple"
	}
	re, cols, err := compileParsePattern(kind, op.Flags, segs)
	if err != nil {
		return c.failRel(asError(err, op))
	}
	out, err := parseRel(c.rc, nil, r, src, re, cols, op.Keyword == "parse-where")
	if err != nil {
		return nil, err
	}
	out.open = r.open
	return out, nil
}

// parseKV compiles parse-kv.
func (c *compiler) parseKV(op *syntax.ParseKVOp, sc *env, r *rel) (*rel, error) {
	src, err := c.scalar(op.Source, sc, r)
	if err != nil {
		return nil, err
	}
	var cols []parseSeg
	for _, k := range op.Keys {
		t := data.String
		if k.Type != nil {
			if pt, ok := data.ParseType(k.Type.Name); ok {
				t = pt
			}
		}
		cols = append(cols, parseSeg{column: k.Name.Name, t: t})
	}
	pair, kv, quote := "", "", ""
	greedy := false
	for _, p := range op.With {
		v, err := c.constArg(p.Value, sc)
		if err != nil {
			return nil, err
		}
		switch strings.ToLower(p.Name) {
		case "pair_delimiter":
			pair = v.String()
		case "kv_delimiter":
			kv = v.String()
		case "quote":
			quote = v.String()
		case "greedy":
			greedy = v.Bool()
		case "regex":
			if ok, err := c.fail(notSupportedAt(p, "parse-kv option", "regex")); !ok {
				return nil, err
			}
		}
	}
	out, err := parseKVRel(c.rc, nil, r, src, cols, pair, kv, quote, greedy)
	if err != nil {
		return nil, err
	}
	out.open = r.open
	return out, nil
}

// partition runs the subquery once per distinct value of the key column
// and unions the results.
func (c *compiler) partition(op *syntax.PartitionOp, sc *env, r *rel) (*rel, error) {
	i := r.colIndex(op.By.Name)
	if i < 0 {
		if r.open {
			return openRel(), nil
		}
		return c.failRel(c.unknownColumn(op.By, r, sc))
	}
	v := r.dense(i)
	groups := map[inKey][]int32{}
	var order []inKey
	var nulls []int32
	for row := 0; row < v.N; row++ {
		k, ok := keyOf(v.Value(row), false)
		if !ok {
			nulls = append(nulls, int32(row))
			continue
		}
		if _, seen := groups[k]; !seen {
			order = append(order, k)
		}
		groups[k] = append(groups[k], int32(row))
	}
	const maxPartitions = 10_000
	if len(order) > maxPartitions {
		return nil, &Error{Code: CodeLimitExceeded, Pos: op.Pos(), End: op.End(), Message: "partition: more than 10,000 partitions; partition by a column with fewer values"}
	}
	var parts []*rel
	for _, k := range order {
		part, err := c.pipe(op.Sub, sc, r.keep(groups[k]))
		if err != nil {
			return nil, err
		}
		parts = append(parts, part)
	}
	if len(nulls) > 0 {
		part, err := c.pipe(op.Sub, sc, r.keep(nulls))
		if err != nil {
			return nil, err
		}
		parts = append(parts, part)
	}
	if len(parts) == 0 {
		part, err := c.pipe(op.Sub, sc, emptyRel(r.schema))
		if err != nil {
			return nil, err
		}
		return emptyRel(part.schema), nil
	}
	return concatRels(c.rc, parts)
}

// topHitters is `top-hitters N of X [by Y]`: the N values of X with the
// highest count (or sum of Y).
func (c *compiler) topHitters(op *syntax.TopHittersOp, sc *env, r *rel) (*rel, error) {
	n, err := c.constInt(op.Count, sc, "the count of top-hitters")
	if err != nil {
		return nil, err
	}
	key, err := c.scalar(op.Of, sc, r)
	if err != nil {
		return nil, err
	}
	ofName := exprName(op.Of)
	if ofName == "" {
		ofName = "Column1"
	}
	var call *aggCall
	var aggName string
	if op.By != nil {
		y, err := c.scalar(op.By, sc, r)
		if err != nil {
			return nil, err
		}
		spec := &aggSpec{argTypes: []data.Type{y.typ()}, consts: []*data.Value{nil}}
		def, _ := lookupAgg("sum")
		types, err := def.ret(spec)
		if err != nil {
			return c.failRel(errAt(op.By, SemType, "sum", "%v", err))
		}
		spec.rt = types[0]
		aggName = "approximate_sum_" + exprName(op.By)
		call = &aggCall{def: def, args: []expr{y}, names: []string{aggName}, types: types, spec: spec}
	} else {
		def, _ := lookupAgg("count")
		aggName = "approximate_count_" + ofName
		call = &aggCall{def: def, names: []string{aggName}, types: []data.Type{data.Long}, spec: &aggSpec{rt: data.Long}}
	}
	s, err := summarizeRel(c.rc, nil, r, []namedExpr{{name: ofName, e: key, column: -1}}, []*aggCall{call})
	if err != nil {
		return nil, err
	}
	keys := []sortKey{{e: &colExpr{idx: 1, t: s.schema.Columns[1].Type, name: aggName}, desc: true}}
	perm, err := sortPerm(c.rc, nil, s, keys, int(max(n, 0)))
	if err != nil {
		return nil, err
	}
	out := s.keep(perm)
	out.ordered = true
	return out, nil
}
