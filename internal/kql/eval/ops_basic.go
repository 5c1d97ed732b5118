package eval

import (
	"path"
	"sort"

	"github.com/sentinel-mcp/sentinel-mcp/internal/kql/data"
)

// evalColumn evaluates e for every row of r, batch by batch (one batch when
// e uses window functions, which need the whole ordered relation).
func evalColumn(rc *runCtx, sc *scope, r *rel, e expr, whole bool) (*data.Vector, error) {
	if r.n <= batchRows || whole {
		v, err := e.eval(newBatch(rc, sc, r, 0, r.n))
		if err != nil {
			return nil, err
		}
		return fixVec(v, e.typ(), r.n), nil
	}
	var parts []*data.Vector
	for lo := 0; lo < r.n; lo += batchRows {
		if err := rc.check(); err != nil {
			return nil, err
		}
		hi := min(lo+batchRows, r.n)
		v, err := e.eval(newBatch(rc, sc, r, lo, hi))
		if err != nil {
			return nil, err
		}
		parts = append(parts, fixVec(v, e.typ(), hi-lo))
	}
	if len(parts) == 0 {
		return data.NewVectorBuilder(e.typ(), 0).Build(), nil
	}
	return data.Concat(e.typ(), parts), nil
}

// fixVec materializes a val as a vector of type t.
func fixVec(v val, t data.Type, n int) *data.Vector {
	if v.typ() != t && t != data.Invalid {
		v = convertVal(v, t, n)
	}
	return v.materialize(n)
}

// filterRel keeps the rows where pred is true.
func filterRel(rc *runCtx, sc *scope, r *rel, pred expr) (*rel, error) {
	var keep []int32
	for lo := 0; lo < r.n; lo += batchRows {
		if err := rc.check(); err != nil {
			return nil, err
		}
		hi := min(lo+batchRows, r.n)
		pos, err := selectPositions(newBatch(rc, sc, r, lo, hi), pred)
		if err != nil {
			return nil, err
		}
		if keep == nil && len(pos) == hi-lo && hi == r.n && lo == 0 {
			return r, nil
		}
		for _, p := range pos {
			keep = append(keep, int32(lo)+p)
		}
	}
	if len(keep) == r.n {
		return r, nil
	}
	if keep == nil {
		keep = []int32{}
	}
	return r.keep(keep), nil
}

// selectPositions returns the batch positions where e is true. Conjunctions
// evaluate their right side only on the rows the left side kept.
func selectPositions(b *batch, e expr) ([]int32, error) {
	if le, ok := e.(*logicExpr); ok && le.and {
		p1, err := selectPositions(b, le.l)
		if err != nil || len(p1) == 0 {
			return p1, err
		}
		if len(p1) == b.n {
			return selectPositions(b, le.r)
		}
		p2, err := selectPositions(b.sub(p1), le.r)
		if err != nil {
			return nil, err
		}
		for k, p := range p2 {
			p2[k] = p1[p]
		}
		return p2, nil
	}
	v, err := e.eval(b)
	if err != nil {
		return nil, err
	}
	if v.isConst() {
		if tri(v, 0) == 1 {
			all := make([]int32, b.n)
			for i := range all {
				all[i] = int32(i)
			}
			return all, nil
		}
		return nil, nil
	}
	var out []int32
	if v.v.Type == data.Bool {
		bs := v.v.Bools[:b.n]
		cnt := 0
		for _, x := range bs {
			if x {
				cnt++
			}
		}
		out = make([]int32, 0, cnt)
		nulls := v.v.Nulls
		for i, x := range bs {
			if x && (nulls == nil || !nulls.Get(i)) {
				out = append(out, int32(i))
			}
		}
		return out, nil
	}
	for i := 0; i < b.n; i++ {
		if tri(v, i) == 1 {
			out = append(out, int32(i))
		}
	}
	return out, nil
}

// namedExpr is one output column of extend/project/summarize.
type namedExpr struct {
	name   string
	e      expr
	whole  bool // uses window functions
	column int  // >= 0: a plain reference to an input column (kept lazily)
}

// addColumn appends or replaces (by name, in place) a column.
func (r *rel) withColumn(name string, v *data.Vector) *rel {
	cols := append([]data.Column(nil), r.schema.Columns...)
	lc := append([]lazyCol(nil), r.cols...)
	if i := r.schema.Index(name); i >= 0 {
		cols[i] = data.Column{Name: name, Type: v.Type}
		lc[i] = lazyCol{base: v}
	} else {
		cols = append(cols, data.Column{Name: name, Type: v.Type})
		lc = append(lc, lazyCol{base: v})
	}
	out := newRel(r.schema.Name, cols, lc, r.n)
	out.schema.TimeColumn = r.schema.TimeColumn
	out.ordered = r.ordered
	return out
}

// projectCols returns the relation with the given input columns, in order.
func (r *rel) projectCols(idx []int, names []string) *rel {
	cols := make([]data.Column, len(idx))
	lc := make([]lazyCol, len(idx))
	for k, i := range idx {
		cols[k] = r.schema.Columns[i]
		if names != nil {
			cols[k].Name = names[k]
		}
		lc[k] = r.cols[i]
	}
	out := newRel(r.schema.Name, cols, lc, r.n)
	out.schema.TimeColumn = r.schema.TimeColumn
	out.ordered = r.ordered
	return out
}

// takeRel keeps the first n rows.
func takeRel(r *rel, n int64) *rel {
	if n < 0 {
		n = 0
	}
	if int64(r.n) <= n {
		return r
	}
	return r.slice(0, int(n))
}

// matchWildcard matches Kusto column wildcards (* only).
func matchWildcard(pattern, name string) bool {
	if pattern == name {
		return true
	}
	ok, err := path.Match(escapeGlob(pattern), name)
	return err == nil && ok
}

func escapeGlob(p string) string {
	out := make([]byte, 0, len(p))
	for i := 0; i < len(p); i++ {
		switch p[i] {
		case '?', '[', ']', '\\':
			out = append(out, '\\')
		}
		out = append(out, p[i])
	}
	return string(out)
}

// sortKey is one sort criterion.
type sortKey struct {
	e          expr
	desc       bool
	nullsFirst bool
}

// sortRel orders the relation by keys (stable).
func sortRel(rc *runCtx, sc *scope, r *rel, keys []sortKey) (*rel, error) {
	perm, err := sortPerm(rc, sc, r, keys, -1)
	if err != nil {
		return nil, err
	}
	out := r.keep(perm)
	out.ordered = true
	return out, nil
}

// sortPerm computes the row order; limit >= 0 keeps only the first limit
// rows (top), selecting them with a partial sort.
func sortPerm(rc *runCtx, sc *scope, r *rel, keys []sortKey, limit int) ([]int32, error) {
	vecs := make([]*data.Vector, len(keys))
	for i, k := range keys {
		v, err := evalColumn(rc, sc, r, k.e, false)
		if err != nil {
			return nil, err
		}
		vecs[i] = v
	}
	perm := make([]int32, r.n)
	for i := range perm {
		perm[i] = int32(i)
	}
	less := func(a, b int32) int {
		for i, k := range keys {
			v := vecs[i]
			c := cmpCells(v, int(a), int(b))
			an, bn := cellNull(v, int(a)), cellNull(v, int(b))
			if an != bn {
				// Nulls go last by default for desc, first for asc (Kusto).
				nf := k.nullsFirst
				if an {
					if nf {
						return -1
					}
					return 1
				}
				if nf {
					return 1
				}
				return -1
			}
			if c != 0 {
				if k.desc {
					return -c
				}
				return c
			}
		}
		return 0
	}
	if err := rc.check(); err != nil {
		return nil, err
	}
	if limit >= 0 && limit < r.n/4 {
		return topK(perm, limit, less), nil
	}
	sort.SliceStable(perm, func(i, j int) bool { return less(perm[i], perm[j]) < 0 })
	if limit >= 0 && limit < len(perm) {
		perm = perm[:limit]
	}
	return perm, nil
}

func cellNull(v *data.Vector, i int) bool {
	if v.Type == data.String {
		return false
	}
	if v.Type == data.Dynamic {
		return v.Dyns[i] == nil
	}
	return v.IsNull(i)
}

// cmpCells compares two non-null cells of a vector.
func cmpCells(v *data.Vector, a, b int) int {
	switch v.Type.Storage() {
	case data.StoreInt:
		return cmpInt(v.Ints[a], v.Ints[b])
	case data.StoreReal:
		x, y := v.Reals[a], v.Reals[b]
		switch {
		case x < y:
			return -1
		case x > y:
			return 1
		}
		return 0
	case data.StoreString:
		if v.Codes != nil && v.Codes[a] == v.Codes[b] {
			return 0
		}
		sa, sb := v.Str(a), v.Str(b)
		switch {
		case sa < sb:
			return -1
		case sa > sb:
			return 1
		}
		return 0
	case data.StoreBool:
		return cmpInt(int64(boolInt(v.Bools[a])), int64(boolInt(v.Bools[b])))
	}
	return orderValues(v.Value(a), v.Value(b))
}

// topK returns the k smallest rows by less, in order, using a heap.
func topK(perm []int32, k int, less func(a, b int32) int) []int32 {
	if k <= 0 {
		return []int32{}
	}
	h := make([]int32, 0, k)
	// max-heap on less (with row order as tie-breaker for stability)
	cmp := func(a, b int32) int {
		if c := less(a, b); c != 0 {
			return c
		}
		return cmpInt(int64(a), int64(b))
	}
	down := func(i int) {
		for {
			l := 2*i + 1
			if l >= len(h) {
				return
			}
			m := l
			if r := l + 1; r < len(h) && cmp(h[r], h[l]) > 0 {
				m = r
			}
			if cmp(h[m], h[i]) <= 0 {
				return
			}
			h[i], h[m] = h[m], h[i]
			i = m
		}
	}
	up := func(i int) {
		for i > 0 {
			p := (i - 1) / 2
			if cmp(h[i], h[p]) <= 0 {
				return
			}
			h[i], h[p] = h[p], h[i]
			i = p
		}
	}
	for _, row := range perm {
		if len(h) < k {
			h = append(h, row)
			up(len(h) - 1)
			continue
		}
		if cmp(row, h[0]) < 0 {
			h[0] = row
			down(0)
		}
	}
	sort.Slice(h, func(i, j int) bool { return cmp(h[i], h[j]) < 0 })
	return h
}
