package eval

import (
	"fmt"
	"math"

	"github.com/sentinel-mcp/sentinel-mcp/internal/kql/data"
)

type arithOp uint8

const (
	opAdd arithOp = iota
	opSub
	opMul
	opDiv
	opMod
)

var arithNames = [...]string{"+", "-", "*", "/", "%"}

func (op arithOp) String() string { return arithNames[op] }

// arithType returns the result type of a op b, following Kusto's rules for
// numbers (int < long < real, decimal), datetimes and timespans.
func arithType(op arithOp, a, b data.Type) (data.Type, error) {
	if a == data.Dynamic && b == data.Dynamic {
		return data.Dynamic, nil
	}
	if a == data.Dynamic || b == data.Dynamic {
		// A dynamic operand takes a number's type (dynamic + long is long),
		// as Kusto types it. With a datetime or a timespan the result stays
		// dynamic: the value may be either (Kusto would say datetime +
		// dynamic is a datetime, dynamic + timespan a timespan), and unknown
		// columns of tables Validate does not describe are dynamic.
		other := a
		if a == data.Dynamic {
			other = b
		}
		switch {
		case other == data.Int:
			return data.Long, nil
		case other.IsNumeric():
			return other, nil
		}
		return data.Dynamic, nil
	}
	num := func(t data.Type) bool { return t.IsNumeric() }
	switch {
	case num(a) && num(b):
		switch {
		case a == data.Decimal || b == data.Decimal:
			return data.Decimal, nil
		case a == data.Real || b == data.Real:
			return data.Real, nil
		}
		// int op int is long too (Kusto widens integer arithmetic).
		return data.Long, nil
	case a == data.DateTime && b == data.DateTime && op == opSub:
		return data.TimeSpan, nil
	case a == data.DateTime && b == data.TimeSpan && (op == opAdd || op == opSub):
		return data.DateTime, nil
	case a == data.TimeSpan && b == data.DateTime && op == opAdd:
		return data.DateTime, nil
	case a == data.TimeSpan && b == data.TimeSpan:
		switch op {
		case opAdd, opSub, opMod:
			return data.TimeSpan, nil
		case opDiv:
			return data.Real, nil
		}
	case a == data.TimeSpan && num(b) && (op == opMul || op == opDiv):
		return data.TimeSpan, nil
	case num(a) && b == data.TimeSpan && op == opMul:
		return data.TimeSpan, nil
	}
	return data.Invalid, fmt.Errorf("operator %s cannot be applied to %s and %s", op, a, b)
}

// arithScalar computes a op b for one row; rt is arithType(a, b).
func arithScalar(op arithOp, a, b data.Value, rt data.Type) data.Value {
	if rt == data.Dynamic {
		a, b = unwrap(a), unwrap(b)
		if a.Null || b.Null || a.Type == data.Dynamic || b.Type == data.Dynamic {
			return data.NullValue(data.Dynamic)
		}
		t, err := arithType(op, a.Type, b.Type)
		if err != nil {
			return data.NullValue(data.Dynamic)
		}
		return data.Convert(arithScalar(op, a, b, t), data.Dynamic)
	}
	if a.Type == data.Dynamic || b.Type == data.Dynamic {
		// typed by the other operand: compute on the value the dynamic
		// holds, then convert (an array, a bag or a mismatch is null)
		a, b = unwrap(a), unwrap(b)
		if a.Null || b.Null || a.Type == data.Dynamic || b.Type == data.Dynamic {
			return data.NullValue(rt)
		}
		t, err := arithType(op, a.Type, b.Type)
		if err != nil {
			return data.NullValue(rt)
		}
		return fixType(arithScalar(op, a, b, t), rt)
	}
	if a.Null || b.Null {
		return data.NullValue(rt)
	}
	switch rt {
	case data.Real, data.Decimal:
		if a.Type == data.TimeSpan && b.Type == data.TimeSpan {
			return data.Value{Type: rt, F: float64(a.I) / float64(b.I)}
		}
		return data.Value{Type: rt, F: floatOp(op, numF(a), numF(b))}
	case data.Int, data.Long:
		r, ok := intOp(op, a.I, b.I)
		if !ok {
			return data.NullValue(rt)
		}
		if rt == data.Int {
			r = int64(int32(r))
		}
		return data.Value{Type: rt, I: r}
	case data.DateTime, data.TimeSpan:
		if a.Type.IsNumeric() || b.Type.IsNumeric() {
			// timespan scaled by a number
			ts, k := a, b
			if a.Type.IsNumeric() {
				ts, k = b, a
			}
			f := floatOp(op, float64(ts.I), numF(k))
			if math.IsNaN(f) || math.IsInf(f, 0) {
				return data.NullValue(rt)
			}
			return data.Value{Type: rt, I: int64(math.Round(f))}
		}
		r, ok := intOp(op, a.I, b.I)
		if !ok {
			return data.NullValue(rt)
		}
		return data.Value{Type: rt, I: r}
	}
	return data.NullValue(rt)
}

func intOp(op arithOp, a, b int64) (int64, bool) {
	switch op {
	case opAdd:
		return a + b, true
	case opSub:
		return a - b, true
	case opMul:
		return a * b, true
	case opDiv:
		if b == 0 {
			return 0, false
		}
		return a / b, true
	case opMod:
		if b == 0 {
			return 0, false
		}
		// Kusto's modulo is never negative: 0 <= N % D < abs(D)
		// (-14 % 12 is 10).
		r := a % b
		if r < 0 {
			if b < 0 {
				r -= b
			} else {
				r += b
			}
		}
		return r, true
	}
	return 0, false
}

func floatOp(op arithOp, a, b float64) float64 {
	switch op {
	case opAdd:
		return a + b
	case opSub:
		return a - b
	case opMul:
		return a * b
	case opDiv:
		return a / b
	case opMod:
		r := math.Mod(a, b)
		switch {
		case r < 0:
			r += math.Abs(b)
		case r == 0:
			r = 0 // not -0
		}
		return r
	}
	return math.NaN()
}

// arithVec evaluates a op b over n rows; rt is arithType of the operands.
func arithVec(op arithOp, a, b val, rt data.Type, n int) val {
	if a.isConst() && b.isConst() {
		return constVal(arithScalar(op, a.k, b.k, rt))
	}
	ta, tb := a.typ(), b.typ()
	intPayload := func(t data.Type) bool {
		return t == data.Int || t == data.Long || t == data.DateTime || t == data.TimeSpan
	}
	if (rt == data.Long || rt == data.DateTime || rt == data.TimeSpan) && intPayload(ta) && intPayload(tb) && op != opDiv && op != opMod {
		return vecVal(intArith(op, a, b, rt, n))
	}
	if rt == data.Real && ta != data.TimeSpan && ta.IsNumeric() && tb.IsNumeric() {
		return vecVal(realArith(op, a, b, n))
	}
	bld := data.NewVectorBuilder(rt, n)
	for i := 0; i < n; i++ {
		bld.Append(arithScalar(op, a.at(i), b.at(i), rt))
	}
	return vecVal(bld.Build())
}

func intArith(op arithOp, a, b val, rt data.Type, n int) *data.Vector {
	out := make([]int64, n)
	get := func(x val) ([]int64, int64) {
		if x.isConst() {
			return nil, x.k.I
		}
		return x.v.Ints, 0
	}
	if (a.isConst() && a.k.Null) || (b.isConst() && b.k.Null) {
		return data.ConstVector(data.NullValue(rt), n)
	}
	xs, xk := get(a)
	ys, yk := get(b)
	for i := 0; i < n; i++ {
		x, y := xk, yk
		if xs != nil {
			x = xs[i]
		}
		if ys != nil {
			y = ys[i]
		}
		switch op {
		case opAdd:
			out[i] = x + y
		case opSub:
			out[i] = x - y
		case opMul:
			out[i] = x * y
		}
	}
	return intVec(rt, out, orNulls(nullsOf(a, n), nullsOf(b, n), n))
}

func realArith(op arithOp, a, b val, n int) *data.Vector {
	if (a.isConst() && a.k.Null) || (b.isConst() && b.k.Null) {
		return data.ConstVector(data.NullValue(data.Real), n)
	}
	out := make([]float64, n)
	var xs, ys []float64
	var xk, yk float64
	if a.isConst() {
		xk = numF(a.k)
	} else {
		xs = floatsOf(a.v, n)
	}
	if b.isConst() {
		yk = numF(b.k)
	} else {
		ys = floatsOf(b.v, n)
	}
	for i := 0; i < n; i++ {
		x, y := xk, yk
		if xs != nil {
			x = xs[i]
		}
		if ys != nil {
			y = ys[i]
		}
		out[i] = floatOp(op, x, y)
	}
	return realVec(out, orNulls(nullsOf(a, n), nullsOf(b, n), n))
}

// negate evaluates unary minus.
func negateScalar(v data.Value) data.Value {
	v = unwrap(v)
	if v.Null {
		return v
	}
	switch v.Type.Storage() {
	case data.StoreInt:
		v.I = -v.I
		if v.Type == data.DateTime {
			return data.NullValue(data.DateTime)
		}
	case data.StoreReal:
		v.F = -v.F
	default:
		return data.NullValue(v.Type)
	}
	return v
}
