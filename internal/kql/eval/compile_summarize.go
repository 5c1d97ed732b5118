package eval

import (
	"strconv"

	"github.com/sentinel-mcp/sentinel-mcp/internal/kql/data"
	"github.com/sentinel-mcp/sentinel-mcp/internal/kql/syntax"
)

// summarize compiles `summarize aggs by keys`. An aggregation column may be
// a scalar expression over aggregations (round(avg(x), 2), dcount(a) * 100
// / count()): the aggregations inside it are computed as hidden columns
// and the expression is evaluated over the summarized rows.
func (c *compiler) summarize(op *syntax.SummarizeOp, sc *env, r *rel) (*rel, error) {
	keys, err := c.groupKeys(op.By, sc, r)
	if err != nil {
		return nil, err
	}
	byCols := map[int]bool{}
	for _, k := range keys {
		if k.column >= 0 {
			byCols[k.column] = true
		}
	}
	type output struct {
		names  []string // direct aggregation outputs, in order
		post   *syntax.NamedExpr
		name   string // name of a post expression's column
		hidden bool
	}
	var outs []output
	var calls []*aggCall
	subst := map[*syntax.CallExpr]string{}
	taken := map[string]bool{}
	for _, k := range keys {
		taken[k.name] = true
	}
	namer := &colNamer{prefix: "Column", next: 1, taken: func(s string) bool { return taken[s] }}
	hiddenN := 0
	for _, ne := range op.Aggs {
		if id, ok := ne.X.(*syntax.Ident); ok && r.colIndex(id.Name) < 0 {
			// `summarize count` is count().
			if _, isAgg := lookupAgg(id.Name); isAgg {
				ne = &syntax.NamedExpr{Span: ne.Span, Names: ne.Names, X: &syntax.CallExpr{Span: id.Span, Name: id}}
			}
		}
		if call, ok := unparen(ne.X).(*syntax.CallExpr); ok && c.isAggCall(call, sc) {
			ac, err := c.aggCall(call, sc, r, byCols)
			if err != nil {
				return nil, err
			}
			if ac == nil {
				continue
			}
			for i := range ac.names {
				if i < len(ne.Names) {
					ac.names[i] = ne.Names[i].Name
				}
				ac.names[i] = uniqueName(ac.names[i], taken)
				taken[ac.names[i]] = true
			}
			if len(ac.extra) > 0 {
				for i := range ac.extra {
					if i+1 < len(ne.Names) {
						ac.extra[i].name = ne.Names[i+1].Name
					}
					ac.extra[i].name = uniqueName(ac.extra[i].name, taken)
					taken[ac.extra[i].name] = true
				}
			}
			calls = append(calls, ac)
			o := output{names: append([]string(nil), ac.names...)}
			for _, x := range ac.extra {
				o.names = append(o.names, x.name)
			}
			outs = append(outs, o)
			continue
		}
		// A scalar expression over aggregations.
		found := 0
		var walkErr error
		syntax.Walk(ne.X, func(n syntax.Node) bool {
			call, ok := n.(*syntax.CallExpr)
			if !ok || walkErr != nil || !c.isAggCall(call, sc) {
				return walkErr == nil
			}
			ac, err := c.aggCall(call, sc, r, byCols)
			if err != nil {
				walkErr = err
				return false
			}
			if ac == nil {
				return false
			}
			hidden := "\x00agg" + strconv.Itoa(hiddenN)
			hiddenN++
			ac.names = []string{hidden}
			ac.extra = nil
			if len(ac.types) > 1 {
				ac.types = ac.types[:1]
			}
			calls = append(calls, ac)
			subst[call] = hidden
			found++
			return false
		})
		if walkErr != nil {
			return nil, walkErr
		}
		if found == 0 {
			if ok, err := c.fail(errAt(ne, SemBadArgument, "", "%s'%s' is not an aggregation; use an aggregation function such as count(), sum() or make_set()", c.opPrefix(), c.text(ne.X))); !ok {
				return nil, err
			}
			continue
		}
		name := namer.name(ne)
		name = uniqueName(name, taken)
		taken[name] = true
		outs = append(outs, output{post: ne, name: name})
	}
	s, err := summarizeRel(c.rc, nil, r, keys, calls)
	if err != nil {
		return nil, err
	}
	// arg_max(t, *) over a relation validation cannot see yields columns it
	// cannot list either.
	if r.open && hasStarArg(op.Aggs) {
		s.open = true
	}
	if len(subst) == 0 {
		return s, nil
	}
	savedSubst := c.aggSubst
	c.aggSubst = subst
	defer func() { c.aggSubst = savedSubst }()
	full := s
	for _, o := range outs {
		if o.post == nil {
			continue
		}
		e, err := c.scalar(o.post.X, sc, full)
		if err != nil {
			return nil, err
		}
		if full, err = c.addColumn(full, o.name, e); err != nil {
			return nil, err
		}
	}
	var idx []int
	for i := range keys {
		idx = append(idx, i)
	}
	for _, o := range outs {
		if o.post != nil {
			idx = append(idx, full.colIndex(o.name))
			continue
		}
		for _, n := range o.names {
			idx = append(idx, full.colIndex(n))
		}
	}
	out := full.projectCols(idx, nil)
	out.open = s.open
	return out, nil
}

func hasStarArg(aggs []*syntax.NamedExpr) bool {
	found := false
	for _, ne := range aggs {
		syntax.Walk(ne.X, func(n syntax.Node) bool {
			if _, ok := n.(*syntax.StarExpr); ok {
				found = true
			}
			return !found
		})
	}
	return found
}

func unparen(x syntax.Expr) syntax.Expr {
	for {
		p, ok := x.(*syntax.ParenExpr)
		if !ok {
			return x
		}
		x = p.X
	}
}

// isAggCall reports whether a call is to an aggregation (and not to a user
// function of the same name).
func (c *compiler) isAggCall(call *syntax.CallExpr, sc *env) bool {
	if call.Target != nil {
		return false
	}
	if b, ok := sc.lookup(call.Name.Name); ok && b.fn != nil {
		return false
	}
	_, ok := lookupAgg(call.Name.Name)
	return ok
}

// groupKeys compiles summarize's by clause.
func (c *compiler) groupKeys(by []*syntax.NamedExpr, sc *env, r *rel) ([]namedExpr, error) {
	var keys []namedExpr
	taken := map[string]bool{}
	namer := &colNamer{prefix: "Column", next: 1, taken: func(s string) bool { return taken[s] }}
	for _, ne := range by {
		e, err := c.scalar(ne.X, sc, r)
		if err != nil {
			return nil, err
		}
		name := uniqueName(namer.name(ne), taken)
		taken[name] = true
		col := -1
		if ce, ok := e.(*colExpr); ok {
			col = ce.idx
		}
		keys = append(keys, namedExpr{name: name, e: e, column: col})
	}
	return keys, nil
}

// aggCall compiles one aggregation call. byCols are the input columns the
// by clause groups on (arg_max(t, *) does not repeat them). It returns nil
// when validation recorded an error.
func (c *compiler) aggCall(call *syntax.CallExpr, sc *env, r *rel, byCols map[int]bool) (*aggCall, error) {
	def, _ := lookupAgg(call.Name.Name)
	name := def.name
	star := -1
	var args []expr
	var argNames []string // output names of take_any/arg_max arguments
	var named []bool
	for i, a := range call.Args {
		switch a := a.(type) {
		case *syntax.StarExpr:
			if name != "arg_max" && name != "arg_min" && name != "take_any" && name != "any" {
				if ok, err := c.fail(errAt(a, SemBadArgument, name, "%s%s() does not accept '*'", c.opPrefix(), name)); !ok {
					return nil, err
				}
				return nil, nil
			}
			star = i
			args = append(args, nil)
			argNames = append(argNames, "")
			named = append(named, false)
		case *syntax.NamedArg:
			e, err := c.scalar(a.Value, sc, r)
			if err != nil {
				return nil, err
			}
			args = append(args, e)
			argNames = append(argNames, a.Name.Name)
			named = append(named, true)
		default:
			e, err := c.scalar(a, sc, r)
			if err != nil {
				return nil, err
			}
			args = append(args, e)
			argNames = append(argNames, exprName(a))
			named = append(named, false)
		}
	}
	if err := def.checkArgs(len(args)); err != nil {
		if ok, err := c.fail(errAt(call, SemArgCount, name, "%s%v", c.opPrefix(), err)); !ok {
			return nil, err
		}
		return nil, nil
	}
	switch name {
	case "arg_max", "arg_min", "argmax", "argmin":
		return c.argExtreme(call, def, args, argNames, named, star, r, byCols)
	case "take_any", "any":
		return c.takeAny(def, call.Name.Name == "any", args, argNames, star, r, byCols)
	}
	for i, a := range args {
		if a == nil {
			return nil, errAt(call.Args[i], SemBadArgument, name, "'*' is not allowed here")
		}
	}
	spec := &aggSpec{argTypes: make([]data.Type, len(args)), consts: make([]*data.Value, len(args))}
	for i, a := range args {
		spec.argTypes[i] = a.typ()
		if k, ok := a.(*constExpr); ok {
			v := k.v
			spec.consts[i] = &v
		} else if lz, ok := a.(*lazyConstExpr); ok {
			v, err := c.constValue(lz)
			if err != nil {
				return nil, err
			}
			spec.consts[i] = &v
		}
	}
	types, err := def.ret(spec)
	if err != nil {
		if ok, err := c.fail(errAt(call, SemType, name, "%s%v", c.opPrefix(), err)); !ok {
			return nil, err
		}
		return nil, nil
	}
	spec.rt = types[0]
	ac := &aggCall{def: def, types: types, spec: spec}
	for i, a := range args {
		if i == def.predArg {
			if !boolish(a) {
				if ok, err := c.fail(errAt(call.Args[i], SemType, name, "%sthe predicate of %s() must be bool, got %s", c.opPrefix(), name, a.typ())); !ok {
					return nil, err
				}
			}
			ac.pred = a
			continue
		}
		ac.args = append(ac.args, a)
	}
	switch name {
	case "percentile", "percentiles":
		for i := 1; i < len(call.Args); i++ {
			ac.names = append(ac.names, percentileName(call, i))
		}
		ac.types = ac.types[:len(ac.names)]
	default:
		ac.names = []string{aggName(def, call)}
		ac.types = ac.types[:1]
	}
	return ac, nil
}

// argExtreme compiles arg_max/arg_min: the extreme value's column, then the
// other requested columns of the row holding it (* is every input column
// not already in the output or in the by clause).
func (c *compiler) argExtreme(call *syntax.CallExpr, def *aggDef, args []expr, argNames []string, named []bool, star int, r *rel, byCols map[int]bool) (*aggCall, error) {
	if args[0] == nil {
		return nil, errAt(call, SemBadArgument, def.name, "the first argument of %s() cannot be '*'", def.name)
	}
	prefix := def.prefix
	primary := argNames[0]
	if primary == "" {
		primary = prefix + "_"
	}
	t := args[0].typ()
	ac := &aggCall{def: def, args: args[:1], names: []string{primary}, types: []data.Type{t},
		spec: &aggSpec{argTypes: []data.Type{t}, consts: []*data.Value{nil}, rt: t}}
	added := map[int]bool{}
	if ce, ok := args[0].(*colExpr); ok {
		added[ce.idx] = true
	}
	deprecated := def.name == "argmax" || def.name == "argmin"
	for i := 1; i < len(args); i++ {
		if i == star {
			for j, col := range r.schema.Columns {
				if added[j] || byCols[j] {
					continue
				}
				added[j] = true
				n := col.Name
				if deprecated {
					n = primary + "_" + n
				}
				ac.extra = append(ac.extra, namedExpr{name: n, e: &colExpr{idx: j, t: col.Type, name: col.Name}, column: j})
			}
			continue
		}
		n := argNames[i]
		if ce, ok := args[i].(*colExpr); ok && !named[i] {
			if star >= 0 && (added[ce.idx] || byCols[ce.idx]) {
				continue
			}
			added[ce.idx] = true
		}
		if n == "" {
			n = prefix + "_" + primary + "_arg" + strconv.Itoa(i)
		}
		if deprecated {
			n = primary + "_" + n
		}
		ac.extra = append(ac.extra, namedExpr{name: n, e: args[i], column: -1})
	}
	return ac, nil
}

// takeAny compiles take_any(a, b, ...) and take_any(*): one output column
// per argument, from one arbitrary row of each group.
// Kusto names take_any's columns after their arguments, and those of its
// older alias any() with the prefix any_ (any(s) is any_s, any(*) any_ +
// each column).
func (c *compiler) takeAny(def *aggDef, prefixed bool, args []expr, argNames []string, star int, r *rel, byCols map[int]bool) (*aggCall, error) {
	ac := &aggCall{def: def}
	added := map[int]bool{}
	for j := range byCols {
		added[j] = true
	}
	for i, a := range args {
		if i == star {
			for j, col := range r.schema.Columns {
				if added[j] {
					continue
				}
				added[j] = true
				ac.args = append(ac.args, &colExpr{idx: j, t: col.Type, name: col.Name})
				if prefixed {
					ac.names = append(ac.names, "any_"+col.Name)
				} else {
					ac.names = append(ac.names, col.Name)
				}
			}
			continue
		}
		n := argNames[i]
		switch {
		case n == "":
			n = "any_arg" + strconv.Itoa(i)
		case prefixed:
			n = "any_" + n
		}
		if ce, ok := a.(*colExpr); ok {
			if star >= 0 && added[ce.idx] {
				continue
			}
			added[ce.idx] = true
		}
		ac.args = append(ac.args, a)
		ac.names = append(ac.names, n)
	}
	ac.types = make([]data.Type, len(ac.args))
	for i, a := range ac.args {
		ac.types[i] = a.typ()
	}
	ac.spec = &aggSpec{argTypes: ac.types, consts: make([]*data.Value, len(ac.args))}
	if len(ac.types) > 0 {
		ac.spec.rt = ac.types[0]
	}
	return ac, nil
}

// makeSeries compiles make-series.
func (c *compiler) makeSeries(op *syntax.MakeSeriesOp, sc *env, r *rel) (*rel, error) {
	keys, err := c.groupKeys(op.By, sc, r)
	if err != nil {
		return nil, err
	}
	spec := &seriesSpec{keys: keys}
	taken := map[string]bool{}
	for _, k := range keys {
		taken[k.name] = true
	}
	for _, sa := range op.Aggs {
		call, ok := unparen(sa.Col.X).(*syntax.CallExpr)
		if !ok || !c.isAggCall(call, sc) {
			if ok, err := c.fail(errAt(sa, SemBadArgument, "", "%s'%s' is not an aggregation", c.opPrefix(), c.text(sa.Col.X))); !ok {
				return nil, err
			}
			continue
		}
		ac, err := c.aggCall(call, sc, r, nil)
		if err != nil {
			return nil, err
		}
		if ac == nil {
			continue
		}
		if n := sa.Col.Name(); n != "" {
			ac.names[0] = n
		}
		ac.names = []string{uniqueName(ac.names[0], taken)}
		ac.types, ac.extra = ac.types[:1], nil
		taken[ac.names[0]] = true
		def := data.Convert(data.LongValue(0), ac.types[0])
		if sa.Default != nil {
			v, err := c.constArg(sa.Default, sc)
			if err != nil {
				return nil, err
			}
			def = v
		}
		spec.calls = append(spec.calls, ac)
		spec.defaults = append(spec.defaults, def)
	}
	axis, err := c.scalar(op.On, sc, r)
	if err != nil {
		return nil, err
	}
	spec.axis = axis
	spec.axisName = exprName(op.On)
	if spec.axisName == "" {
		spec.axisName = "Column1"
	}
	for _, p := range []struct {
		x   syntax.Expr
		dst *expr
	}{{op.From, &spec.from}, {op.To, &spec.to}, {op.Step, &spec.step}} {
		if p.x == nil {
			continue
		}
		e, err := c.scalar(p.x, sc, noRow)
		if err != nil {
			return nil, err
		}
		*p.dst = e
	}
	if spec.step == nil {
		return c.failRel(errAt(op, SemBadArgument, "make-series", "make-series needs a step"))
	}
	return makeSeriesRel(c.rc, nil, r, spec)
}
