package eval

import (
	"strings"

	"github.com/sentinel-mcp/sentinel-mcp/internal/kql/data"
)

type cmpOp uint8

const (
	opEq cmpOp = iota
	opNe
	opLt
	opLe
	opGt
	opGe
)

func (op cmpOp) test(c int) bool {
	switch op {
	case opEq:
		return c == 0
	case opNe:
		return c != 0
	case opLt:
		return c < 0
	case opLe:
		return c <= 0
	case opGt:
		return c > 0
	}
	return c >= 0
}

// swap returns the operator with its operands exchanged (a < b ⇔ b > a).
func (op cmpOp) swap() cmpOp {
	switch op {
	case opLt:
		return opGt
	case opLe:
		return opGe
	case opGt:
		return opLt
	case opGe:
		return opLe
	}
	return op
}

// intDomain reports whether two types compare as int64 payloads.
func intDomain(a, b data.Type) bool {
	ai := a == data.Int || a == data.Long || a == data.Bool
	bi := b == data.Int || b == data.Long || b == data.Bool
	return ai && bi || a == b && (a == data.DateTime || a == data.TimeSpan)
}

// compareVec evaluates a op b for n rows.
func compareVec(op cmpOp, a, b val, n int) val {
	r := compareVec1(op, a, b, n)
	if (op == opEq || op == opNe) && !r.isConst() {
		eqNulls(op, r.v, nullsOf(a, n), nullsOf(b, n))
	}
	return r
}

// eqNulls applies Kusto's equality rule for nulls to a comparison result:
// null == null and null != null are null, but a null against a value is
// unequal (== false, != true), so `where x != 5` keeps the rows where x is
// null. The kernels set the null bit wherever an operand is null; this
// clears it where only one side is.
func eqNulls(op cmpOp, out *data.Vector, an, bn data.Bitmap) {
	if out.Nulls == nil || an == nil && bn == nil {
		return
	}
	var nulls data.Bitmap
	for i := 0; i < out.N; i++ {
		na, nb := an != nil && an.Get(i), bn != nil && bn.Get(i)
		switch {
		case na && nb:
			if nulls == nil {
				nulls = data.NewBitmap(out.N)
			}
			nulls.Set(i)
		case na || nb:
			out.Bools[i] = op == opNe
		default:
			if out.Nulls.Get(i) {
				// null for another reason (a dynamic null, an incomparable pair)
				if nulls == nil {
					nulls = data.NewBitmap(out.N)
				}
				nulls.Set(i)
			}
		}
	}
	out.Nulls = nulls
}

func compareVec1(op cmpOp, a, b val, n int) val {
	ta, tb := a.typ(), b.typ()
	if a.isConst() && b.isConst() {
		return constVal(cmpScalar(op, a.k, b.k))
	}
	if a.isConst() {
		a, b, op, ta, tb = b, a, op.swap(), tb, ta
	}
	// a is a vector from here on.
	switch {
	case intDomain(ta, tb) && a.v.Type.Storage() == data.StoreInt && b.typ().Storage() == data.StoreInt:
		return vecVal(cmpInts(op, a, b, n))
	case intDomain(ta, tb) && ta == data.Bool && tb == data.Bool:
		return vecVal(cmpGeneric(op, a, b, n))
	case ta == data.String && tb == data.String:
		return vecVal(cmpStrings(op, a, b, n))
	case isNum(ta) && isNum(tb) && ta != data.Bool && tb != data.Bool:
		return vecVal(cmpReals(op, a, b, n))
	case ta == data.String && b.isConst() && b.k.Type != data.Dynamic:
		// Compare the string column against a typed constant: convert once
		// per distinct string when dictionary-encoded.
		return vecVal(cmpGeneric(op, a, b, n))
	}
	return vecVal(cmpGeneric(op, a, b, n))
}

func cmpScalar(op cmpOp, a, b data.Value) data.Value {
	if op == opEq || op == opNe {
		ua, ub := unwrap(a), unwrap(b)
		if ua.Null != ub.Null {
			return data.BoolValue(op == opNe)
		}
		eq, ok := eqValues(a, b, false)
		if !ok {
			return data.NullValue(data.Bool)
		}
		return data.BoolValue(eq == (op == opEq))
	}
	c, ok := cmpValues(a, b)
	if !ok {
		return data.NullValue(data.Bool)
	}
	return data.BoolValue(op.test(c))
}

func cmpInts(op cmpOp, a, b val, n int) *data.Vector {
	out := make([]bool, n)
	xs := a.v.Ints
	if b.isConst() {
		if b.k.Null {
			return boolVec(out, nullsOf(b, n))
		}
		k := b.k.I
		switch op {
		case opEq:
			for i, x := range xs[:n] {
				out[i] = x == k
			}
		case opNe:
			for i, x := range xs[:n] {
				out[i] = x != k
			}
		case opLt:
			for i, x := range xs[:n] {
				out[i] = x < k
			}
		case opLe:
			for i, x := range xs[:n] {
				out[i] = x <= k
			}
		case opGt:
			for i, x := range xs[:n] {
				out[i] = x > k
			}
		case opGe:
			for i, x := range xs[:n] {
				out[i] = x >= k
			}
		}
		return boolVec(out, a.v.Nulls)
	}
	ys := b.v.Ints
	for i := 0; i < n; i++ {
		out[i] = op.test(cmpInt(xs[i], ys[i]))
	}
	return boolVec(out, orNulls(a.v.Nulls, b.v.Nulls, n))
}

func cmpReals(op cmpOp, a, b val, n int) *data.Vector {
	out := make([]bool, n)
	fa := floatsOf(a.v, n)
	if b.isConst() {
		if b.k.Null {
			return boolVec(out, nullsOf(b, n))
		}
		k := numF(b.k)
		for i, x := range fa {
			c, ok := cmpFloat(x, k)
			out[i] = ok && op.test(c) || !ok && op == opNe
		}
		return boolVec(out, a.v.Nulls)
	}
	fb := floatsOf(b.v, n)
	for i := range fa {
		c, ok := cmpFloat(fa[i], fb[i])
		out[i] = ok && op.test(c) || !ok && op == opNe
	}
	return boolVec(out, orNulls(a.v.Nulls, b.v.Nulls, n))
}

// floatsOf returns a numeric vector's cells as float64.
func floatsOf(v *data.Vector, n int) []float64 {
	if v.Type.Storage() == data.StoreReal {
		return v.Reals[:n]
	}
	out := make([]float64, n)
	if v.Type == data.Bool {
		for i, b := range v.Bools[:n] {
			if b {
				out[i] = 1
			}
		}
		return out
	}
	for i, x := range v.Ints[:n] {
		out[i] = float64(x)
	}
	return out
}

func cmpStrings(op cmpOp, a, b val, n int) *data.Vector {
	out := make([]bool, n)
	if b.isConst() {
		k := b.k.S
		test := func(s string) bool {
			switch op {
			case opEq:
				return s == k
			case opNe:
				return s != k
			}
			return op.test(strings.Compare(s, k))
		}
		if a.v.IsDict() {
			mapDict(a.v, out, test)
			return boolVec(out, nil)
		}
		switch op {
		case opEq:
			for i, s := range a.v.Strs[:n] {
				out[i] = s == k
			}
		case opNe:
			for i, s := range a.v.Strs[:n] {
				out[i] = s != k
			}
		default:
			for i, s := range a.v.Strs[:n] {
				out[i] = op.test(strings.Compare(s, k))
			}
		}
		return boolVec(out, nil)
	}
	if a.v.IsDict() && b.v.IsDict() && sameDict(a.v, b.v) && (op == opEq || op == opNe) {
		// Codes of one dictionary may still alias equal strings (derived
		// dictionaries), so compare the strings only when codes differ.
		for i := 0; i < n; i++ {
			ca, cb := a.v.Codes[i], b.v.Codes[i]
			eq := ca == cb || a.v.Dict[ca] == b.v.Dict[cb]
			out[i] = eq == (op == opEq)
		}
		return boolVec(out, nil)
	}
	for i := 0; i < n; i++ {
		out[i] = op.test(strings.Compare(a.v.Str(i), b.v.Str(i)))
	}
	return boolVec(out, nil)
}

func sameDict(a, b *data.Vector) bool {
	return len(a.Dict) > 0 && len(b.Dict) > 0 && &a.Dict[0] == &b.Dict[0]
}

// mapDict evaluates pred once per dictionary entry and spreads the results
// over the rows through the codes.
func mapDict(v *data.Vector, out []bool, pred func(string) bool) {
	res := make([]bool, len(v.Dict))
	for i, s := range v.Dict {
		res[i] = pred(s)
	}
	for i, c := range v.Codes[:len(out)] {
		out[i] = res[c]
	}
}

// cmpGeneric is the per-row path with full coercion rules.
func cmpGeneric(op cmpOp, a, b val, n int) *data.Vector {
	out := make([]bool, n)
	var nulls data.Bitmap
	if a.v != nil && a.v.IsDict() && b.isConst() {
		res := make([]data.Value, len(a.v.Dict))
		for i, s := range a.v.Dict {
			res[i] = cmpScalar(op, data.StringValue(s), b.k)
		}
		for i, c := range a.v.Codes[:n] {
			r := res[c]
			if r.Null {
				if nulls == nil {
					nulls = data.NewBitmap(n)
				}
				nulls.Set(i)
				continue
			}
			out[i] = r.I != 0
		}
		return boolVec(out, nulls)
	}
	for i := 0; i < n; i++ {
		r := cmpScalar(op, a.at(i), b.at(i))
		if r.Null {
			if nulls == nil {
				nulls = data.NewBitmap(n)
			}
			nulls.Set(i)
			continue
		}
		out[i] = r.I != 0
	}
	return boolVec(out, nulls)
}
