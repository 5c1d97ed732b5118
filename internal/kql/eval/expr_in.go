package eval

import (
	"math"
	"strings"

	"github.com/sentinel-mcp/sentinel-mcp/internal/kql/data"
)

// inKey is the hashable identity of a scalar for in / !in / in~: numbers
// compare by value across int, long and real; guids as their text.
type inKey struct {
	k uint8
	i int64
	s string
}

func keyOf(v data.Value, fold bool) (inKey, bool) {
	v = unwrap(v)
	if v.Null {
		return inKey{}, false
	}
	switch v.Type {
	case data.String:
		if fold {
			return inKey{k: 3, s: foldString(v.S)}, true
		}
		return inKey{k: 3, s: v.S}, true
	case data.Guid:
		return inKey{k: 3, s: v.G.String()}, true
	case data.Int, data.Long:
		return inKey{k: 1, i: v.I}, true
	case data.Real, data.Decimal:
		if v.F == math.Trunc(v.F) && math.Abs(v.F) < 1<<62 {
			return inKey{k: 1, i: int64(v.F)}, true
		}
		return inKey{k: 2, i: int64(math.Float64bits(v.F))}, true
	case data.DateTime:
		return inKey{k: 4, i: v.I}, true
	case data.TimeSpan:
		return inKey{k: 5, i: v.I}, true
	case data.Bool:
		return inKey{k: 6, i: v.I}, true
	case data.Dynamic:
		return inKey{k: 7, s: string(data.AppendJSON(nil, v.D))}, true
	}
	return inKey{}, false
}

// inSet is the right-hand side of in: a set of keys. Strings are also
// indexed by their text so a string column can be tested against numbers
// and the other way round (loosely typed rules do this).
type inSet struct {
	keys map[inKey]struct{}
	fold bool
}

func newInSet(values []data.Value, fold bool) *inSet {
	s := &inSet{keys: make(map[inKey]struct{}, len(values)), fold: fold}
	for _, v := range values {
		s.add(v)
	}
	return s
}

func (s *inSet) add(v data.Value) {
	v = unwrap(v)
	if v.Type == data.Dynamic {
		if arr, ok := v.D.([]any); ok {
			for _, e := range arr {
				s.add(data.FromDynamic(e))
			}
			return
		}
	}
	if k, ok := keyOf(v, s.fold); ok {
		s.keys[k] = struct{}{}
		if v.Type != data.String && v.Type != data.Guid {
			if ks, ok := keyOf(data.StringValue(v.String()), s.fold); ok {
				s.keys[ks] = struct{}{}
			}
		}
	}
}

func (s *inSet) has(v data.Value) bool {
	k, ok := keyOf(v, s.fold)
	if !ok {
		return false
	}
	if _, hit := s.keys[k]; hit {
		return true
	}
	// A string probe against numeric members: compare by the string's number.
	if k.k == 3 {
		if c := data.Convert(data.StringValue(v.String()), data.Real); !c.Null {
			if kn, ok := keyOf(c, false); ok {
				_, hit := s.keys[kn]
				return hit
			}
		}
	}
	return false
}

// inExpr is x in (...), x !in (...), x in~ (...), x !in~ (...).
type inExpr struct {
	x      expr
	items  []expr // evaluated once when all are constant-like
	fold   bool
	negate bool
	set    *inSet
}

func (e *inExpr) typ() data.Type { return data.Bool }

func (e *inExpr) buildSet(b *batch) (bool, error) {
	if e.set != nil {
		return true, nil
	}
	var vals []data.Value
	for _, it := range e.items {
		switch it.(type) {
		case *constExpr, *lazyConstExpr, *tabularListExpr:
		default:
			return false, nil
		}
		v, err := it.eval(b)
		if err != nil {
			return false, err
		}
		if tl, ok := it.(*tabularListExpr); ok {
			vals = append(vals, tl.values...)
			continue
		}
		vals = append(vals, v.k)
	}
	e.set = newInSet(vals, e.fold)
	return true, nil
}

func (e *inExpr) eval(b *batch) (val, error) {
	x, err := e.x.eval(b)
	if err != nil {
		return val{}, err
	}
	ok, err := e.buildSet(b)
	if err != nil {
		return val{}, err
	}
	if ok {
		return e.probe(x, b.n), nil
	}
	// Row-dependent members: compare each row against each member.
	items := make([]val, len(e.items))
	for i, it := range e.items {
		if items[i], err = it.eval(b); err != nil {
			return val{}, err
		}
	}
	out := make([]bool, b.n)
	for i := range out {
		xv := x.at(i)
		hit := false
		for _, it := range items {
			s := newInSet([]data.Value{it.at(i)}, e.fold)
			if s.has(xv) {
				hit = true
				break
			}
		}
		out[i] = hit != e.negate
	}
	return vecVal(boolVec(out, nil)), nil
}

func (e *inExpr) probe(x val, n int) val {
	if x.isConst() {
		return boolConst(e.set.has(x.k) != e.negate)
	}
	out := make([]bool, n)
	v := x.v
	switch {
	case v.IsDict():
		mapDict(v, out, func(s string) bool { return e.set.has(data.StringValue(s)) != e.negate })
	case v.Type == data.String && !e.fold:
		for i, s := range v.Strs[:n] {
			_, hit := e.set.keys[inKey{k: 3, s: s}]
			if !hit {
				hit = e.set.has(data.StringValue(s))
			}
			out[i] = hit != e.negate
		}
	case v.Type.IsInteger() && v.Nulls == nil:
		for i, x := range v.Ints[:n] {
			_, hit := e.set.keys[inKey{k: 1, i: x}]
			out[i] = hit != e.negate
		}
	default:
		for i := range out {
			cell := v.Value(i)
			if cell.Null {
				out[i] = e.negate
				continue
			}
			out[i] = e.set.has(cell) != e.negate
		}
	}
	return vecVal(boolVec(out, nil))
}

// tabularListExpr holds the first column of a subquery used as an in-list.
type tabularListExpr struct {
	load   func() ([]data.Value, error)
	values []data.Value
	done   bool
}

func (e *tabularListExpr) typ() data.Type { return data.Dynamic }
func (e *tabularListExpr) eval(*batch) (val, error) {
	if !e.done {
		e.done = true
		vs, err := e.load()
		if err != nil {
			return val{}, err
		}
		e.values = vs
	}
	return constVal(data.NullValue(data.Dynamic)), nil
}

// betweenExpr is x between (lo .. hi) and its negation; for datetimes a
// timespan upper bound means lo + hi.
type betweenExpr struct {
	x, lo, hi expr
	negate    bool
}

func (e *betweenExpr) typ() data.Type { return data.Bool }
func (e *betweenExpr) eval(b *batch) (val, error) {
	x, err := e.x.eval(b)
	if err != nil {
		return val{}, err
	}
	lo, err := e.lo.eval(b)
	if err != nil {
		return val{}, err
	}
	hi, err := e.hi.eval(b)
	if err != nil {
		return val{}, err
	}
	if hi.typ() == data.TimeSpan && lo.typ() == data.DateTime {
		hi = arithVec(opAdd, lo, hi, data.DateTime, b.n)
	}
	ge := compareVec(opGe, x, lo, b.n)
	le := compareVec(opLe, x, hi, b.n)
	r := logic(true, ge, le, b.n)
	if e.negate {
		return (&notExpr{x: &valExpr{r}}).eval(b)
	}
	return r, nil
}

// valExpr wraps an already computed val.
type valExpr struct{ v val }

func (e *valExpr) typ() data.Type           { return e.v.typ() }
func (e *valExpr) eval(*batch) (val, error) { return e.v, nil }

// hasAnyExpr builds has_any/has_all predicates from constant lists.
func hasListPred(op string, terms []string) (strPred, error) {
	if op == "has_any" {
		if p, ok := hasAnyTerms(terms); ok {
			return p, nil
		}
	}
	base := "has"
	if strings.HasSuffix(op, "_cs") {
		base = "has_cs"
	}
	preds := make([]strPred, len(terms))
	for i, t := range terms {
		p, err := makeStrPred(base, t)
		if err != nil {
			return nil, err
		}
		preds[i] = p
	}
	if len(preds) == 0 {
		return func(string) bool { return op == "has_all" }, nil
	}
	return anyPred(preds, op == "has_all"), nil
}
