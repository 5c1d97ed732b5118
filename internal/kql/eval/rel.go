package eval

import (
	"github.com/sentinel-mcp/sentinel-mcp/internal/kql/data"
)

// batchRows is the number of rows expressions are evaluated over at a time:
// large enough to amortize per-batch work, small enough to keep temporary
// vectors in cache and to check cancellation often.
const batchRows = 1 << 15

// lazyCol is a column of a relation: a base vector seen through an optional
// selection (positions in base). Filters only compose selections; cells are
// gathered when an operator needs the column densely.
type lazyCol struct {
	base *data.Vector
	sel  []int32
}

// rel is the relation flowing between tabular operators.
type rel struct {
	schema *data.Schema
	cols   []lazyCol
	n      int
	// ordered reports that the row order is meaningful (after sort,
	// serialize, top ...), which window functions require.
	ordered bool
	// open marks, in validation, a relation whose columns are not known
	// (a table the catalog lacks): any column name resolves to a dynamic.
	open bool
}

func relFromTable(t *data.Table) *rel {
	r := &rel{schema: t.Schema(), n: t.Len(), cols: make([]lazyCol, t.NumColumns())}
	for i, v := range t.Columns() {
		r.cols[i] = lazyCol{base: v}
	}
	return r
}

// emptyRel returns a relation with the schema and no rows.
func emptyRel(s *data.Schema) *rel { return relFromTable(data.EmptyTable(s)) }

// dense returns column i with one cell per row.
func (r *rel) dense(i int) *data.Vector {
	c := &r.cols[i]
	if c.sel != nil {
		c.base = c.base.Gather(c.sel)
		c.sel = nil
	}
	return c.base
}

// table materializes the relation.
func (r *rel) table() *data.Table {
	cols := make([]*data.Vector, len(r.cols))
	for i := range r.cols {
		cols[i] = r.dense(i)
	}
	t, err := data.NewTable(r.schema, cols)
	if err != nil {
		return data.NewTableRows(r.schema, cols, r.n)
	}
	if len(cols) == 0 {
		return data.NewTableRows(r.schema, cols, r.n)
	}
	return t
}

// keep returns the relation restricted to the given row positions (in
// order); selections are composed, nothing is copied but positions.
func (r *rel) keep(pos []int32) *rel {
	out := &rel{schema: r.schema, n: len(pos), cols: make([]lazyCol, len(r.cols)), ordered: r.ordered}
	composed := map[*int32][]int32{}
	for i, c := range r.cols {
		if c.sel == nil {
			out.cols[i] = lazyCol{base: c.base, sel: pos}
			continue
		}
		if len(c.sel) == 0 {
			out.cols[i] = lazyCol{base: c.base, sel: []int32{}}
			continue
		}
		key := &c.sel[0]
		s, ok := composed[key]
		if !ok {
			s = make([]int32, len(pos))
			for k, p := range pos {
				s[k] = c.sel[p]
			}
			composed[key] = s
		}
		out.cols[i] = lazyCol{base: c.base, sel: s}
	}
	return out
}

// slice returns rows [lo, hi).
func (r *rel) slice(lo, hi int) *rel {
	if lo == 0 && hi == r.n {
		return r
	}
	pos := make([]int32, hi-lo)
	for i := range pos {
		pos[i] = int32(lo + i)
	}
	return r.keep(pos)
}

// colIndex returns the index of the named column or -1.
func (r *rel) colIndex(name string) int { return r.schema.Index(name) }

// withColumns returns a relation with the given schema columns and lazy columns.
func newRel(name string, cols []data.Column, lc []lazyCol, n int) *rel {
	return &rel{schema: &data.Schema{Name: name, Columns: cols}, cols: lc, n: n}
}

// batch is a window of rows of a relation that expressions evaluate over:
// either the range [lo, hi) or the explicit relation rows in rows.
type batch struct {
	r      *rel
	lo, hi int
	rows   []int32
	n      int
	cache  []*data.Vector
	run    *runCtx
	scope  *scope
}

func newBatch(run *runCtx, sc *scope, r *rel, lo, hi int) *batch {
	return &batch{r: r, lo: lo, hi: hi, n: hi - lo, run: run, scope: sc}
}

// sub returns a batch over the given rows of this batch (positions in 0..n).
func (b *batch) sub(pos []int32) *batch {
	rows := make([]int32, len(pos))
	if b.rows != nil {
		for k, p := range pos {
			rows[k] = b.rows[p]
		}
	} else {
		for k, p := range pos {
			rows[k] = int32(b.lo) + p
		}
	}
	return &batch{r: b.r, rows: rows, n: len(rows), run: b.run, scope: b.scope}
}

// rowIndex returns the relation row of batch row i.
func (b *batch) rowIndex(i int) int {
	if b.rows != nil {
		return int(b.rows[i])
	}
	return b.lo + i
}

// column returns column i restricted to the batch rows.
func (b *batch) column(i int) *data.Vector {
	if b.cache == nil {
		b.cache = make([]*data.Vector, len(b.r.cols))
	}
	if v := b.cache[i]; v != nil {
		return v
	}
	c := b.r.cols[i]
	var v *data.Vector
	switch {
	case b.rows == nil && c.sel == nil:
		v = c.base.Slice(b.lo, b.hi)
	case b.rows == nil:
		v = c.base.Gather(c.sel[b.lo:b.hi])
	case c.sel == nil:
		v = c.base.Gather(b.rows)
	default:
		idx := make([]int32, len(b.rows))
		for k, r := range b.rows {
			idx[k] = c.sel[r]
		}
		v = c.base.Gather(idx)
	}
	b.cache[i] = v
	return v
}

// shifted returns a batch whose row i is relation row rowIndex(i)+delta,
// and the positions (in this batch) that fall outside the relation.
func (b *batch) shifted(delta int) (*batch, []bool) {
	rows := make([]int32, b.n)
	out := make([]bool, b.n)
	for i := range rows {
		r := b.rowIndex(i) + delta
		if r < 0 || r >= b.r.n {
			out[i] = true
			r = 0
		}
		rows[i] = int32(r)
	}
	return &batch{r: b.r, rows: rows, n: b.n, run: b.run, scope: b.scope}, out
}
