package eval

import (
	"github.com/sentinel-mcp/sentinel-mcp/internal/kql/data"
)

// aggCall is one compiled aggregation of a summarize.
type aggCall struct {
	def   *aggDef
	args  []expr // arguments without the *if predicate
	pred  expr   // *if predicate, or nil
	names []string
	types []data.Type
	spec  *aggSpec
	// arg_max / arg_min: the other outputs, evaluated on the chosen rows.
	extra []namedExpr
}

// summarizeRel groups r by keys and computes the aggregations. Output
// columns are the keys followed by the aggregations' columns.
func summarizeRel(rc *runCtx, sc *scope, r *rel, keys []namedExpr, calls []*aggCall) (*rel, error) {
	keyTypes := make([]data.Type, len(keys))
	for i, k := range keys {
		keyTypes[i] = k.e.typ()
	}
	g := newGrouper(keyTypes)
	states := make([]aggState, len(calls))
	for i, c := range calls {
		states[i] = c.def.state(c.spec)
	}
	gids := make([]uint32, min(r.n, batchRows))
	masked := make([]uint32, len(gids))
	keyVals := make([]val, len(keys))
	chargedGroups := 0
	for lo := 0; lo < r.n; lo += batchRows {
		if err := rc.check(); err != nil {
			return nil, err
		}
		hi := min(lo+batchRows, r.n)
		n := hi - lo
		b := newBatch(rc, sc, r, lo, hi)
		for i, k := range keys {
			v, err := k.e.eval(b)
			if err != nil {
				return nil, err
			}
			keyVals[i] = v
		}
		g.assign(keyVals, n, gids)
		if g.ngroups > chargedGroups {
			if err := rc.charge(int64(g.ngroups-chargedGroups)*int64(48*(len(keys)+len(calls))+64), "summarize"); err != nil {
				return nil, err
			}
			chargedGroups = g.ngroups
		}
		for i, c := range calls {
			args := make([]val, len(c.args))
			for j, a := range c.args {
				v, err := a.eval(b)
				if err != nil {
					return nil, err
				}
				args[j] = v
			}
			use := gids[:n]
			if c.pred != nil {
				p, err := c.pred.eval(b)
				if err != nil {
					return nil, err
				}
				use = masked[:n]
				for k := 0; k < n; k++ {
					if tri(p, k) == 1 {
						use[k] = gids[k]
					} else {
						use[k] = noGroup
					}
				}
			}
			states[i].grow(g.ngroups)
			states[i].update(b, use, args, n)
		}
	}
	ng := g.ngroups
	var cols []data.Column
	var vecs []*data.Vector
	for i, kv := range g.keyColumns(keyTypes) {
		cols = append(cols, data.Column{Name: keys[i].name, Type: keyTypes[i]})
		vecs = append(vecs, kv)
	}
	for i, c := range calls {
		states[i].grow(ng)
		if ax, ok := states[i].(*argExtremeState); ok {
			cs, vs, err := argExtremeColumns(rc, sc, r, c, ax, ng)
			if err != nil {
				return nil, err
			}
			cols = append(cols, cs...)
			vecs = append(vecs, vs...)
			continue
		}
		for j, v := range states[i].result(ng) {
			cols = append(cols, data.Column{Name: c.names[j], Type: c.types[j]})
			vecs = append(vecs, v)
		}
	}
	lc := make([]lazyCol, len(vecs))
	for i, v := range vecs {
		lc[i] = lazyCol{base: v}
	}
	return newRel(r.schema.Name, cols, lc, ng), nil
}

// argExtremeColumns evaluates arg_max/arg_min outputs on the chosen rows.
func argExtremeColumns(rc *runCtx, sc *scope, r *rel, c *aggCall, ax *argExtremeState, ng int) ([]data.Column, []*data.Vector, error) {
	rows := make([]int32, ng)
	missing := false
	for gid := 0; gid < ng; gid++ {
		if ax.has[gid] {
			rows[gid] = ax.rows[gid]
		} else {
			missing = true
		}
	}
	var picked *rel
	if r.n > 0 {
		picked = r.keep(rows)
	} else {
		picked = emptyRel(r.schema)
	}
	outs := append([]namedExpr{{name: c.names[0], e: c.args[0]}}, c.extra...)
	cols := make([]data.Column, len(outs))
	vecs := make([]*data.Vector, len(outs))
	for i, o := range outs {
		var v *data.Vector
		if r.n == 0 {
			v = data.ConstVector(data.NullValue(o.e.typ()), ng)
		} else {
			var err error
			if v, err = evalColumn(rc, sc, picked, o.e, false); err != nil {
				return nil, nil, err
			}
		}
		if missing && r.n > 0 {
			b := data.NewVectorBuilder(v.Type, ng)
			for gid := 0; gid < ng; gid++ {
				if ax.has[gid] {
					b.AppendFrom(v, gid)
				} else {
					b.AppendNull()
				}
			}
			v = b.Build()
		}
		cols[i] = data.Column{Name: o.name, Type: o.e.typ()}
		vecs[i] = v
	}
	return cols, vecs, nil
}
