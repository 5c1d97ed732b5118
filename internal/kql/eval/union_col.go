package eval

import (
	"sort"
	"sync"
	"sync/atomic"

	"github.com/sentinel-mcp/sentinel-mcp/internal/kql/data"
)

// concatCol is a union column not built yet: the column of each member
// relation one after the other, a missing part standing for the rows of a
// member that lacks the column. `union *` over a workspace yields hundreds
// of columns, most of them null in most rows, and a query usually reads a
// few of them or a few rows: cells are only copied when an operator reads
// the column (whole, or at the rows it keeps).
type concatCol struct {
	t     data.Type
	parts []lazyCol // the zero lazyCol: offs[i+1]-offs[i] null cells
	offs  []int     // first row of each part, then the total
	rc    *runCtx

	mu   sync.Mutex
	full atomic.Pointer[data.Vector]
}

func newConcatCol(rc *runCtx, t data.Type, parts []lazyCol, lens []int) *concatCol {
	offs := make([]int, len(lens)+1)
	for i, n := range lens {
		offs[i+1] = offs[i] + n
	}
	return &concatCol{t: t, parts: parts, offs: offs, rc: rc}
}

func (cc *concatCol) len() int { return cc.offs[len(cc.offs)-1] }

func (cc *concatCol) missing(p int) bool { return cc.parts[p].base == nil && cc.parts[p].cat == nil }

// all returns the whole column, built once.
func (cc *concatCol) all() *data.Vector {
	if v := cc.full.Load(); v != nil {
		return v
	}
	cc.mu.Lock()
	defer cc.mu.Unlock()
	if v := cc.full.Load(); v != nil {
		return v
	}
	cc.rc.chargeLate(int64(cc.len())*8, "union")
	v := cc.rowRange(0, cc.len())
	cc.full.Store(v)
	return v
}

// gather returns the cells at rows sel. Runs of rows within one part are
// gathered from that part.
func (cc *concatCol) gather(sel []int32) *data.Vector {
	if v := cc.full.Load(); v != nil {
		return v.Gather(sel)
	}
	cc.rc.chargeLate(int64(len(sel))*8, "union")
	if cc.runs(sel) > 2*len(cc.parts)+16 {
		// Rows in no particular order (after a sort): one pass over the
		// built column beats many small gathers.
		return cc.all().Gather(sel)
	}
	var vs []*data.Vector
	var at []int
	for k := 0; k < len(sel); {
		p := cc.partOf(int(sel[k]))
		lo, hi := cc.offs[p], cc.offs[p+1]
		j := k + 1
		for j < len(sel) && int(sel[j]) >= lo && int(sel[j]) < hi {
			j++
		}
		if !cc.missing(p) {
			vs, at = append(vs, cc.gatherPart(p, sel[k:j])), append(at, k)
		}
		k = j
	}
	return cc.assemble(len(sel), vs, at)
}

// runs counts the runs of consecutive positions of sel that fall in one part.
func (cc *concatCol) runs(sel []int32) int {
	n, lo, hi := 0, 0, 0
	for _, r := range sel {
		if int(r) < lo || int(r) >= hi {
			n++
			p := cc.partOf(int(r))
			lo, hi = cc.offs[p], cc.offs[p+1]
		}
	}
	return n
}

func (cc *concatCol) gatherPart(p int, rows []int32) *data.Vector {
	off := int32(cc.offs[p])
	local := make([]int32, len(rows))
	for i, r := range rows {
		local[i] = r - off
	}
	return cc.parts[p].at(local)
}

// slice returns rows [lo, hi).
func (cc *concatCol) slice(lo, hi int) *data.Vector {
	if v := cc.full.Load(); v != nil {
		return v.Slice(lo, hi)
	}
	cc.rc.chargeLate(int64(hi-lo)*8, "union")
	return cc.rowRange(lo, hi)
}

func (cc *concatCol) rowRange(lo, hi int) *data.Vector {
	var vs []*data.Vector
	var at []int
	for p := cc.partOf(lo); p < len(cc.parts) && cc.offs[p] < hi; p++ {
		a, b := max(lo, cc.offs[p])-cc.offs[p], min(hi, cc.offs[p+1])-cc.offs[p]
		if b > a && !cc.missing(p) {
			vs, at = append(vs, cc.parts[p].rows(a, b)), append(at, cc.offs[p]+a-lo)
		}
	}
	return cc.assemble(hi-lo, vs, at)
}

// assemble places the vectors at their rows, nulls elsewhere.
func (cc *concatCol) assemble(n int, vs []*data.Vector, at []int) *data.Vector {
	if len(vs) == 1 && vs[0].N == n {
		return vs[0]
	}
	return data.Assemble(cc.t, n, vs, at)
}

// partOf returns the part holding row r.
func (cc *concatCol) partOf(r int) int {
	return sort.Search(len(cc.parts), func(i int) bool { return cc.offs[i+1] > r })
}

// at returns the cells of the column at relation rows pos, leaving c as it
// is (a union's member columns may be read by several queries' operators).
func (c lazyCol) at(pos []int32) *data.Vector {
	switch {
	case c.cat != nil && c.sel != nil:
		return c.cat.gather(composeSel(c.sel, pos))
	case c.cat != nil:
		return c.cat.gather(pos)
	case c.sel != nil:
		return c.base.Gather(composeSel(c.sel, pos))
	}
	return c.base.Gather(pos)
}

// rows returns the cells of relation rows [lo, hi).
func (c lazyCol) rows(lo, hi int) *data.Vector {
	switch {
	case c.cat != nil && c.sel != nil:
		return c.cat.gather(c.sel[lo:hi])
	case c.cat != nil:
		return c.cat.slice(lo, hi)
	case c.sel != nil:
		return c.base.Gather(c.sel[lo:hi])
	}
	return c.base.Slice(lo, hi)
}

func composeSel(sel, pos []int32) []int32 {
	out := make([]int32, len(pos))
	for i, p := range pos {
		out[i] = sel[p]
	}
	return out
}
