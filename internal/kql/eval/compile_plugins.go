package eval

import (
	"errors"
	"sort"
	"strings"

	"github.com/sentinel-mcp/sentinel-mcp/internal/kql/data"
	"github.com/sentinel-mcp/sentinel-mcp/internal/kql/syntax"
)

// evaluate compiles the plugins the engine implements: bag_unpack, pivot
// and ipv4_lookup.
func (c *compiler) evaluate(op *syntax.EvaluateOp, sc *env, r *rel) (*rel, error) {
	name := op.Call.Name.Name
	if r == nil {
		return c.failRel(notSupportedAt(op.Call, "plugin", name))
	}
	var out *rel
	var err error
	switch name {
	case "bag_unpack":
		out, err = c.bagUnpack(op.Call, sc, r)
	case "pivot":
		out, err = c.pivot(op.Call, sc, r)
	case "ipv4_lookup":
		out, err = c.ipv4Lookup(op.Call, sc, r)
	default:
		return c.failRel(notSupportedAt(op.Call, "plugin", name))
	}
	if err != nil || out == nil {
		return out, err
	}
	if op.Schema != nil && !op.Schema.Star {
		return conformTo(out, schemaOf(r.schema.Name, op.Schema)), nil
	}
	return out, nil
}

// conformTo reshapes a plugin's output to a declared output schema.
func conformTo(r *rel, s *data.Schema) *rel {
	var cols []data.Column
	var lcs []lazyCol
	for _, want := range s.Columns {
		i := r.colIndex(want.Name)
		var v *data.Vector
		if i < 0 {
			v = data.ConstVector(data.NullValue(want.Type), r.n)
		} else {
			v = r.dense(i)
			if v.Type != want.Type {
				v = convertVal(vecVal(v), want.Type, r.n).materialize(r.n)
			}
		}
		cols = append(cols, want)
		lcs = append(lcs, lazyCol{base: v})
	}
	return newRel(r.schema.Name, cols, lcs, r.n)
}

// pluginArgs splits positional and named plugin arguments.
func pluginArgs(call *syntax.CallExpr) ([]syntax.Expr, map[string]syntax.Expr) {
	var pos []syntax.Expr
	named := map[string]syntax.Expr{}
	for _, a := range call.Args {
		if na, ok := a.(*syntax.NamedArg); ok {
			named[na.Name.Name] = na.Value
			continue
		}
		pos = append(pos, a)
	}
	return pos, named
}

// bagUnpack is evaluate bag_unpack(col [, prefix]): one column per key of
// the bags (the output schema follows the data, as in Kusto).
func (c *compiler) bagUnpack(call *syntax.CallExpr, sc *env, r *rel) (*rel, error) {
	args, named := pluginArgs(call)
	if len(args) < 1 {
		return c.failRel(errAt(call, SemArgCount, "bag_unpack", "bag_unpack() expects a dynamic column"))
	}
	e, err := c.scalar(args[0], sc, r)
	if err != nil {
		return nil, err
	}
	in := r
	col := -1
	if ce, ok := e.(*colExpr); ok {
		col = ce.idx
	} else {
		if in, err = c.addColumn(r, "\x00bag", e); err != nil {
			return nil, err
		}
		col = in.colIndex("\x00bag")
	}
	prefix := ""
	if len(args) > 1 {
		v, err := c.constArg(args[1], sc)
		if err != nil {
			return nil, err
		}
		prefix = v.String()
	}
	if p, ok := named["OutputColumnPrefix"]; ok {
		v, err := c.constArg(p, sc)
		if err != nil {
			return nil, err
		}
		prefix = v.String()
	}
	out, err := bagUnpackRel(c.rc, in, col, prefix)
	if err != nil {
		return nil, err
	}
	// Without data the columns are unknown: validation accepts any name.
	out.open = r.open || (c.check && r.n == 0)
	return out, nil
}

// pivot is evaluate pivot(col [, agg [, group columns]]): one output column
// per distinct value of col, holding the aggregation (count() by default)
// of the rows with that value.
func (c *compiler) pivot(call *syntax.CallExpr, sc *env, r *rel) (*rel, error) {
	args, _ := pluginArgs(call)
	if len(args) < 1 {
		return c.failRel(errAt(call, SemArgCount, "pivot", "pivot() expects a column"))
	}
	pid, ok := args[0].(*syntax.Ident)
	if !ok || r.colIndex(pid.Name) < 0 {
		if r.open {
			return openRel(), nil
		}
		return c.failRel(errAt(args[0], SemUnknownColumn, c.text(args[0]), "pivot: the first argument must be a column of the input"))
	}
	pcol := r.colIndex(pid.Name)
	aggX := &syntax.CallExpr{Span: call.Span, Name: &syntax.Ident{Span: call.Span, Name: "count"}}
	if len(args) > 1 {
		a, ok := unparen(args[1]).(*syntax.CallExpr)
		if !ok || !c.isAggCall(a, sc) {
			return c.failRel(errAt(args[1], SemBadArgument, "pivot", "pivot: the second argument must be an aggregation"))
		}
		aggX = a
	}
	ac, err := c.aggCall(aggX, sc, r, nil)
	if err != nil || ac == nil {
		return openRel(), err
	}
	ac.names, ac.types, ac.extra = []string{"\x00agg"}, ac.types[:1], nil
	used := map[int]bool{pcol: true}
	syntax.Walk(aggX, func(n syntax.Node) bool {
		if id, ok := n.(*syntax.Ident); ok {
			if i := r.colIndex(id.Name); i >= 0 {
				used[i] = true
			}
		}
		return true
	})
	var keys []namedExpr
	if len(args) > 2 {
		for _, g := range args[2:] {
			e, err := c.scalar(g, sc, r)
			if err != nil {
				return nil, err
			}
			keys = append(keys, namedExpr{name: exprName(g), e: e, column: -1})
		}
	} else {
		for i, col := range r.schema.Columns {
			if !used[i] {
				keys = append(keys, namedExpr{name: col.Name, e: &colExpr{idx: i, t: col.Type, name: col.Name}, column: i})
			}
		}
	}
	nk := len(keys)
	allKeys := append(append([]namedExpr(nil), keys...), namedExpr{name: "\x00pivot", e: &colExpr{idx: pcol, t: r.schema.Columns[pcol].Type}, column: pcol})
	s, err := summarizeRel(c.rc, nil, r, allKeys, []*aggCall{ac})
	if err != nil {
		return nil, err
	}
	pv, av := s.dense(nk), s.dense(nk+1)
	valueSet := map[string]bool{}
	for i := 0; i < s.n; i++ {
		valueSet[pv.Value(i).String()] = true
	}
	values := make([]string, 0, len(valueSet))
	for v := range valueSet {
		values = append(values, v)
	}
	sort.Strings(values)
	keyTypes := make([]data.Type, nk)
	keyVals := make([]val, nk)
	for i := range keys {
		keyTypes[i] = keys[i].e.typ()
		keyVals[i] = vecVal(s.dense(i))
	}
	g := newGrouper(keyTypes)
	gids := make([]uint32, s.n)
	g.assign(keyVals, s.n, gids)
	ng := g.ngroups
	if nk > 0 && s.n == 0 {
		ng = 0
	}
	if err := c.rc.charge(int64(ng)*int64(len(values)+nk)*16, "pivot"); err != nil {
		return nil, err
	}
	var cols []data.Column
	var lcs []lazyCol
	for i, kv := range g.keyColumns(keyTypes) {
		if ng == 0 {
			kv = data.NewVectorBuilder(keyTypes[i], 0).Build()
		}
		cols = append(cols, data.Column{Name: keys[i].name, Type: keyTypes[i]})
		lcs = append(lcs, lazyCol{base: kv})
	}
	def := data.NullValue(av.Type)
	switch ac.def.name {
	case "count", "countif", "dcount", "dcountif", "sum", "sumif":
		def = data.Convert(data.LongValue(0), av.Type)
	}
	taken := map[string]bool{}
	for _, col := range cols {
		taken[col.Name] = true
	}
	for _, v := range values {
		cells := make([]data.Value, ng)
		for i := range cells {
			cells[i] = def
		}
		for row := 0; row < s.n; row++ {
			if pv.Value(row).String() == v {
				cells[gids[row]] = av.Value(row)
			}
		}
		b := data.NewVectorBuilder(av.Type, ng)
		for _, cell := range cells {
			b.Append(cell)
		}
		name := uniqueName(v, taken)
		taken[name] = true
		cols = append(cols, data.Column{Name: name, Type: av.Type})
		lcs = append(lcs, lazyCol{base: b.Build()})
	}
	out := newRel(r.schema.Name, cols, lcs, ng)
	out.open = r.open || (c.check && r.n == 0)
	return out, nil
}

// ipv4Lookup is evaluate ipv4_lookup(T, ipColumn, rangeColumn [,
// return_unmatched = bool]): each row joined with the lookup rows whose
// IPv4 range (CIDR) contains its address; the narrowest range wins.
func (c *compiler) ipv4Lookup(call *syntax.CallExpr, sc *env, r *rel) (*rel, error) {
	args, named := pluginArgs(call)
	if len(args) < 3 {
		return c.failRel(errAt(call, SemArgCount, "ipv4_lookup", "ipv4_lookup() expects a lookup table, the address column and the range column"))
	}
	lt, err := c.tabular(args[0], sc)
	if err != nil {
		return nil, err
	}
	ipE, err := c.scalar(args[1], sc, r)
	if err != nil {
		return nil, err
	}
	rangeE, err := c.scalar(args[2], sc, lt)
	if err != nil {
		return nil, err
	}
	unmatched := false
	if x, ok := named["return_unmatched"]; ok {
		v, err := c.constArg(x, sc)
		if err != nil {
			return nil, err
		}
		unmatched = v.Bool()
	}
	ips, err := evalColumn(c.rc, nil, r, ipE, false)
	if err != nil {
		return nil, err
	}
	ranges, err := evalColumn(c.rc, nil, lt, rangeE, false)
	if err != nil {
		return nil, err
	}
	type span struct {
		lo, hi uint32
		bits   int
		row    int32
	}
	var spans []span
	for i := 0; i < ranges.N; i++ {
		p, ok := parseIPv4Prefix(ranges.Value(i).String())
		if !ok {
			continue
		}
		a := p.Addr().As4()
		lo := uint32(a[0])<<24 | uint32(a[1])<<16 | uint32(a[2])<<8 | uint32(a[3])
		hi := lo | ^maskBits(p.Bits())
		spans = append(spans, span{lo: lo, hi: hi, bits: p.Bits(), row: int32(i)})
	}
	var lpos, rpos []int32
	for i := 0; i < ips.N; i++ {
		if i&1023 == 0 {
			if err := c.rc.check(); err != nil {
				return nil, err
			}
		}
		best := int32(-1)
		bestBits := -1
		if ip, ok := parseIPv4(ips.Value(i).String()); ok {
			a := ip.As4()
			x := uint32(a[0])<<24 | uint32(a[1])<<16 | uint32(a[2])<<8 | uint32(a[3])
			for _, s := range spans {
				if x >= s.lo && x <= s.hi && s.bits > bestBits {
					best, bestBits = s.row, s.bits
				}
			}
		}
		if best >= 0 || unmatched {
			lpos, rpos = append(lpos, int32(i)), append(rpos, best)
		}
	}
	var cols []data.Column
	var lcs []lazyCol
	taken := map[string]bool{}
	for i, col := range r.schema.Columns {
		cols = append(cols, col)
		lcs = append(lcs, lazyCol{base: r.dense(i).Gather(nonNil(lpos))})
		taken[col.Name] = true
	}
	for i, col := range lt.schema.Columns {
		name := uniqueName(col.Name, taken)
		taken[name] = true
		cols = append(cols, data.Column{Name: name, Type: col.Type})
		lcs = append(lcs, lazyCol{base: gatherOpt(lt.dense(i), nonNil(rpos))})
	}
	out := newRel(r.schema.Name, cols, lcs, len(lpos))
	out.open = r.open || lt.open
	return out, nil
}

// search compiles `search [in (tables)] predicate`: a bare string term
// matches when any column has it; `Col:"term"` tests one column.
func (c *compiler) search(op *syntax.SearchOp, sc *env, r *rel) (*rel, error) {
	cs := op.Kind == "case_sensitive"
	if r != nil {
		pred, err := c.searchPred(op.Pred, sc, r, cs)
		if err != nil {
			return nil, err
		}
		out, err := filterRel(c.rc, nil, r, pred)
		if err != nil {
			return nil, err
		}
		if out.schema.Index("$table") >= 0 {
			out.open = r.open
			return out, nil
		}
		// Like a search over tables, the result starts with $table: the
		// input's table name.
		cols := append([]data.Column{{Name: "$table", Type: data.String}}, out.schema.Columns...)
		lc := append([]lazyCol{{base: data.ConstVector(data.StringValue(r.schema.Name), out.n)}}, out.cols...)
		res := newRel(out.schema.Name, cols, lc, out.n)
		res.schema.TimeColumn = out.schema.TimeColumn
		res.ordered, res.open = out.ordered, r.open
		return res, nil
	}
	var names []string
	if len(op.Tables) == 0 {
		names = matchTables(c.src, "*")
	}
	for _, t := range op.Tables {
		switch t := t.(type) {
		case *syntax.Ident:
			names = append(names, t.Name)
		case *syntax.NamePattern:
			names = append(names, matchTables(c.src, t.Pattern)...)
		default:
			return c.failRel(notSupportedAt(t, "search source", c.text(t)))
		}
	}
	var rels []*rel
	var srcNames []string
	for _, n := range names {
		t, err := c.tableRef(&syntax.Ident{Span: op.Span, Name: n}, sc)
		if err != nil {
			return nil, err
		}
		pred, err := c.searchPred(op.Pred, sc, t, cs)
		if err != nil {
			return nil, err
		}
		f, err := filterRel(c.rc, nil, t, pred)
		if err != nil {
			return nil, err
		}
		rels, srcNames = append(rels, f), append(srcNames, n)
	}
	if len(rels) == 0 {
		return newRel("search", []data.Column{{Name: "$table", Type: data.String}}, []lazyCol{{base: data.NewVectorBuilder(data.String, 0).Build()}}, 0), nil
	}
	return unionRels(c.rc, rels, srcNames, "$table")
}

// searchPred compiles a search predicate.
func (c *compiler) searchPred(x syntax.Expr, sc *env, r *rel, cs bool) (expr, error) {
	switch x := x.(type) {
	case *syntax.StarExpr:
		return constOf(data.BoolValue(true)), nil
	case *syntax.ParenExpr:
		return c.searchPred(x.X, sc, r, cs)
	case *syntax.Literal:
		if x.Kind == syntax.LitString {
			op, term := searchTerm(x.Str, cs)
			p, err := makeStrPred(op, term)
			if err != nil {
				return nil, err
			}
			return newAnyColumnExpr(p, term), nil
		}
	case *syntax.BinaryExpr:
		switch x.Op {
		case syntax.OpAnd, syntax.OpOr:
			l, err := c.searchPred(x.X, sc, r, cs)
			if err != nil {
				return nil, err
			}
			rt, err := c.searchPred(x.Y, sc, r, cs)
			if err != nil {
				return nil, err
			}
			return &logicExpr{and: x.Op == syntax.OpAnd, l: l, r: rt}, nil
		case syntax.OpHas:
			if lit, ok := x.Y.(*syntax.Literal); ok && lit.Kind == syntax.LitString {
				if id, ok := x.X.(*syntax.Ident); ok && r.colIndex(id.Name) < 0 {
					// Searching many tables: those without the column do not match.
					return constOf(data.BoolValue(false)), nil
				}
				col, err := c.scalar(x.X, sc, r)
				if err != nil {
					return nil, err
				}
				op, term := searchTerm(lit.Str, cs)
				p, err := makeStrPred(op, term)
				if err != nil {
					return nil, err
				}
				return &strOpExpr{op: op, l: col, pred: p}, nil
			}
		}
	case *syntax.CallExpr:
		if x.Name.Name == "not" && len(x.Args) == 1 {
			inner, err := c.searchPred(x.Args[0], sc, r, cs)
			if err != nil {
				return nil, err
			}
			return &notExpr{x: inner}, nil
		}
	}
	return c.scalar(x, sc, r)
}

// searchTerm maps a search term with wildcards to a string operator.
func searchTerm(t string, cs bool) (string, string) {
	op := "has"
	switch {
	case len(t) > 1 && strings.HasPrefix(t, "*") && strings.HasSuffix(t, "*"):
		op, t = "contains", t[1:len(t)-1]
	case strings.HasSuffix(t, "*"):
		op, t = "hasprefix", t[:len(t)-1]
	case strings.HasPrefix(t, "*"):
		op, t = "hassuffix", t[1:]
	}
	if cs {
		op += "_cs"
	}
	return op, t
}

// find is `find [in (tables)] where pred [project cols]`: the rows of every
// table (all of the source's by default) that match, with a source_ column
// naming the table. Tables lacking a column the predicate reads are
// skipped. Without project the output keeps every column (Kusto packs the
// ones it does not name into pack_; the union is an equivalent view).
func (c *compiler) find(op *syntax.FindOp, sc *env) (*rel, error) {
	var names []string
	if len(op.Tables) == 0 {
		names = matchTables(c.src, "*")
	}
	for _, t := range op.Tables {
		switch t := t.(type) {
		case *syntax.Ident:
			names = append(names, t.Name)
		case *syntax.NamePattern:
			names = append(names, matchTables(c.src, t.Pattern)...)
		default:
			return c.failRel(notSupportedAt(t, "find source", c.text(t)))
		}
	}
	var rels []*rel
	var srcNames []string
	for _, n := range names {
		t, err := c.tableRef(&syntax.Ident{Span: op.Span, Name: n}, sc)
		if err != nil {
			return nil, err
		}
		check := c.check
		c.check = false
		pred, err := c.searchPred(op.Pred, sc, t, false)
		c.check = check
		if err != nil {
			var e *Error
			if errors.As(err, &e) && e.SemCode == SemUnknownColumn {
				continue
			}
			return nil, err
		}
		f, err := filterRel(c.rc, nil, t, pred)
		if err != nil {
			return nil, err
		}
		rels, srcNames = append(rels, f), append(srcNames, n)
	}
	if len(rels) == 0 {
		if c.check {
			return openRel(), nil
		}
		return newRel("find", []data.Column{{Name: "source_", Type: data.String}}, []lazyCol{{base: data.NewVectorBuilder(data.String, 0).Build()}}, 0), nil
	}
	u, err := unionRels(c.rc, rels, srcNames, "source_")
	if err != nil || len(op.Project) == 0 {
		return u, err
	}
	// Projected columns no matching table has are left out.
	idx := []int{u.colIndex("source_")}
	for _, it := range op.Project {
		for i, col := range u.schema.Columns {
			match := false
			switch it := it.(type) {
			case *syntax.Ident:
				match = col.Name == it.Name
			case *syntax.NamePattern:
				match = matchWildcard(it.Pattern, col.Name)
			}
			if match && col.Name != "source_" {
				idx = append(idx, i)
			}
		}
	}
	return u.projectCols(idx, nil), nil
}
