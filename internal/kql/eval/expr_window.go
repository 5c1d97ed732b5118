package eval

import (
	"github.com/sentinel-mcp/sentinel-mcp/internal/kql/data"
)

// Window functions work on the serialized (ordered) relation; operators
// evaluate expressions containing them over the whole relation in one batch.

// rowNumberExpr is row_number([start [, restart]]).
type rowNumberExpr struct {
	start   expr
	restart expr
}

func (e *rowNumberExpr) typ() data.Type { return data.Long }
func (e *rowNumberExpr) eval(b *batch) (val, error) {
	start := int64(1)
	if e.start != nil {
		s, err := e.start.eval(b)
		if err != nil {
			return val{}, err
		}
		if v, ok := argInt(s.at(0)); ok && b.n > 0 {
			start = v
		}
	}
	var restart val
	if e.restart != nil {
		var err error
		if restart, err = e.restart.eval(b); err != nil {
			return val{}, err
		}
	}
	out := make([]int64, b.n)
	cur := start
	for i := range out {
		if e.restart != nil && i > 0 && tri(restart, i) == 1 {
			cur = start
		}
		if e.restart == nil {
			cur = start + int64(b.rowIndex(i))
		}
		out[i] = cur
		cur++
	}
	return vecVal(intVec(data.Long, out, nil)), nil
}

// prevNextExpr is prev(x [, offset [, default]]) / next(...).
type prevNextExpr struct {
	x      expr
	offset int
	def    expr
	next   bool
}

func (e *prevNextExpr) typ() data.Type { return e.x.typ() }
func (e *prevNextExpr) eval(b *batch) (val, error) {
	delta := -e.offset
	if e.next {
		delta = e.offset
	}
	sb, outside := b.shifted(delta)
	x, err := e.x.eval(sb)
	if err != nil {
		return val{}, err
	}
	var def val
	if e.def != nil {
		if def, err = e.def.eval(b); err != nil {
			return val{}, err
		}
	} else {
		def = nullConst(e.typ())
	}
	bld := data.NewVectorBuilder(e.typ(), b.n)
	for i := 0; i < b.n; i++ {
		if outside[i] {
			bld.Append(fixType(def.at(i), e.typ()))
		} else {
			bld.Append(x.at(i))
		}
	}
	return vecVal(bld.Build()), nil
}

// rowCumsumExpr is row_cumsum(x [, restart]).
type rowCumsumExpr struct {
	x, restart expr
}

func (e *rowCumsumExpr) typ() data.Type { return e.x.typ() }
func (e *rowCumsumExpr) eval(b *batch) (val, error) {
	x, err := e.x.eval(b)
	if err != nil {
		return val{}, err
	}
	var restart val
	if e.restart != nil {
		if restart, err = e.restart.eval(b); err != nil {
			return val{}, err
		}
	}
	bld := data.NewVectorBuilder(e.typ(), b.n)
	var si int64
	var sf float64
	for i := 0; i < b.n; i++ {
		if e.restart != nil && tri(restart, i) == 1 {
			si, sf = 0, 0
		}
		v := unwrap(x.at(i))
		if !v.Null {
			if v.Type.Storage() == data.StoreReal {
				sf += v.F
			} else {
				si += v.I
			}
		}
		if e.typ().Storage() == data.StoreReal {
			bld.AppendReal(sf + float64(si))
		} else {
			bld.AppendInt(si)
		}
	}
	return vecVal(bld.Build()), nil
}

// rowRankExpr is row_rank_dense(x) / row_rank_min(x) over ordered rows.
type rowRankExpr struct {
	x     expr
	dense bool
}

func (e *rowRankExpr) typ() data.Type { return data.Long }
func (e *rowRankExpr) eval(b *batch) (val, error) {
	x, err := e.x.eval(b)
	if err != nil {
		return val{}, err
	}
	out := make([]int64, b.n)
	rank := int64(0)
	for i := 0; i < b.n; i++ {
		switch {
		case i == 0:
			rank = 1
		default:
			if eq, ok := eqValues(x.at(i), x.at(i-1), false); !ok || !eq {
				if e.dense {
					rank++
				} else {
					rank = int64(i) + 1
				}
			}
		}
		out[i] = rank
	}
	return vecVal(intVec(data.Long, out, nil)), nil
}

// rowWindowSessionExpr is row_window_session(x, maxFromFirst,
// maxBetweenNeighbors [, restart]): the value of x at the first row of the
// session each row belongs to; a session ends when x moves further than
// maxFromFirst from its first row or maxBetweenNeighbors from the previous
// row, or when restart is true.
type rowWindowSessionExpr struct {
	x, fromFirst, between, restart expr
}

func (e *rowWindowSessionExpr) typ() data.Type { return e.x.typ() }
func (e *rowWindowSessionExpr) eval(b *batch) (val, error) {
	x, err := e.x.eval(b)
	if err != nil {
		return val{}, err
	}
	lim := func(le expr) (int64, error) {
		v, err := le.eval(b)
		if err != nil || b.n == 0 {
			return 0, err
		}
		k := unwrap(v.at(0))
		if k.Type.Storage() == data.StoreReal {
			return int64(k.F), nil
		}
		return k.I, nil
	}
	first, err := lim(e.fromFirst)
	if err != nil {
		return val{}, err
	}
	between, err := lim(e.between)
	if err != nil {
		return val{}, err
	}
	var restart val
	if e.restart != nil {
		if restart, err = e.restart.eval(b); err != nil {
			return val{}, err
		}
	}
	abs := func(v int64) int64 {
		if v < 0 {
			return -v
		}
		return v
	}
	bld := data.NewVectorBuilder(e.typ(), b.n)
	var start, prev data.Value
	open := false
	for i := 0; i < b.n; i++ {
		v := unwrap(x.at(i))
		if v.Null {
			bld.Append(v)
			continue
		}
		if !open || (e.restart != nil && tri(restart, i) == 1) ||
			abs(v.I-start.I) > first || abs(v.I-prev.I) > between {
			start, open = v, true
		}
		prev = v
		bld.Append(fixType(start, e.typ()))
	}
	return vecVal(bld.Build()), nil
}

// ingestionTimeExpr is ingestion_time(): the time a record reached the
// workspace, which the emulator's tables approximate with _TimeReceived or
// TimeGenerated.
type ingestionTimeExpr struct{ col int }

func (e *ingestionTimeExpr) typ() data.Type { return data.DateTime }
func (e *ingestionTimeExpr) eval(b *batch) (val, error) {
	if e.col < 0 {
		return nullConst(data.DateTime), nil
	}
	return vecVal(b.column(e.col)), nil
}
