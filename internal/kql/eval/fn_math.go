package eval

import (
	"crypto/md5"
	"crypto/rand"
	"crypto/sha1"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"math"
	"math/bits"
	mrand "math/rand/v2"

	"github.com/sentinel-mcp/sentinel-mcp/internal/kql/data"
)

func init() {
	R, L, B, S := data.Real, data.Long, data.Bool, data.String
	math1 := func(name string, f func(float64) float64) {
		reg(&fnDef{name: name, minArgs: 1, retType: R, row: func(_ *fnCtx, a []data.Value) data.Value {
			x, ok := argFloat(a[0])
			if !ok {
				return data.NullValue(R)
			}
			return data.RealValue(f(x))
		}})
	}
	math1("exp", math.Exp)
	math1("exp2", math.Exp2)
	math1("exp10", func(x float64) float64 { return math.Pow(10, x) })
	math1("log", math.Log)
	math1("log2", math.Log2)
	math1("log10", math.Log10)
	math1("sqrt", math.Sqrt)
	math1("cos", math.Cos)
	math1("sin", math.Sin)
	math1("tan", math.Tan)
	math1("acos", math.Acos)
	math1("asin", math.Asin)
	math1("atan", math.Atan)
	math1("cot", func(x float64) float64 { return 1 / math.Tan(x) })
	math1("degrees", func(x float64) float64 { return x * 180 / math.Pi })
	math1("radians", func(x float64) float64 { return x * math.Pi / 180 })
	math1("gamma", math.Gamma)
	math1("loggamma", func(x float64) float64 { v, _ := math.Lgamma(x); return v })
	reg(&fnDef{name: "pi", retType: R, row: func(_ *fnCtx, a []data.Value) data.Value { return data.RealValue(math.Pi) }})
	reg(&fnDef{name: "atan2", minArgs: 2, retType: R, row: func(_ *fnCtx, a []data.Value) data.Value {
		y, ok1 := argFloat(a[0])
		x, ok2 := argFloat(a[1])
		if !ok1 || !ok2 {
			return data.NullValue(R)
		}
		return data.RealValue(math.Atan2(y, x))
	}})
	reg(&fnDef{name: "pow", minArgs: 2, retType: R, row: func(_ *fnCtx, a []data.Value) data.Value {
		x, ok1 := argFloat(a[0])
		y, ok2 := argFloat(a[1])
		if !ok1 || !ok2 {
			return data.NullValue(R)
		}
		return data.RealValue(math.Pow(x, y))
	}})
	reg(&fnDef{name: "abs", minArgs: 1, ret: func(a []data.Type) (data.Type, error) {
		switch a[0] {
		case data.TimeSpan:
			return data.TimeSpan, nil
		case data.Int:
			return data.Long, nil
		}
		return numericSame(a)
	}, row: func(_ *fnCtx, a []data.Value) data.Value {
		v := unwrap(a[0])
		if v.Null {
			return v
		}
		switch v.Type.Storage() {
		case data.StoreInt:
			if v.I < 0 {
				v.I = -v.I
			}
			if v.Type == data.Int {
				v.Type = data.Long
			}
			return v
		case data.StoreReal:
			v.F = math.Abs(v.F)
			return v
		}
		return data.NullValue(R)
	}})
	reg(&fnDef{name: "sign", minArgs: 1, ret: func(a []data.Type) (data.Type, error) {
		if _, err := numericSame(a); err != nil {
			return data.Invalid, err
		}
		return data.Real, nil
	}, row: func(_ *fnCtx, a []data.Value) data.Value {
		v := unwrap(a[0])
		if v.Null {
			return v
		}
		switch v.Type.Storage() {
		case data.StoreInt:
			v.I = int64(cmpInt(v.I, 0))
			return v
		case data.StoreReal:
			switch {
			case v.F > 0:
				v.F = 1
			case v.F < 0:
				v.F = -1
			}
			return v
		}
		return data.NullValue(R)
	}})
	reg(&fnDef{name: "ceiling", minArgs: 1, ret: numericSame, row: func(_ *fnCtx, a []data.Value) data.Value {
		v := unwrap(a[0])
		if v.Type.Storage() == data.StoreReal && !v.Null {
			v.F = math.Ceil(v.F)
		}
		return v
	}})
	reg(&fnDef{name: "round", minArgs: 1, maxArgs: 2, ret: numericSame, row: func(_ *fnCtx, a []data.Value) data.Value {
		v := unwrap(a[0])
		if v.Null {
			return v
		}
		prec := int64(0)
		if len(a) == 2 {
			prec, _ = argInt(a[1])
		}
		switch v.Type.Storage() {
		case data.StoreReal:
			p := math.Pow(10, float64(prec))
			v.F = math.Round(v.F*p) / p
		case data.StoreInt:
			if prec < 0 {
				p := int64(math.Pow(10, float64(-prec)))
				v.I = int64(math.Round(float64(v.I)/float64(p))) * p
			}
		}
		return v
	}})
	for _, n := range []string{"isnan", "isinf", "isfinite"} {
		name := n
		reg(&fnDef{name: name, minArgs: 1, retType: B, row: func(_ *fnCtx, a []data.Value) data.Value {
			x, ok := argFloat(a[0])
			if !ok {
				return data.NullValue(B)
			}
			switch name {
			case "isnan":
				return data.BoolValue(math.IsNaN(x))
			case "isinf":
				return data.BoolValue(math.IsInf(x, 0))
			}
			return data.BoolValue(!math.IsNaN(x) && !math.IsInf(x, 0))
		}})
	}
	reg(&fnDef{name: "rand", minArgs: 0, maxArgs: 1, volatile: true, ret: func(a []data.Type) (data.Type, error) {
		if len(a) == 1 {
			return L, nil
		}
		return R, nil
	}, row: func(_ *fnCtx, a []data.Value) data.Value {
		if len(a) == 1 {
			n, ok := argInt(a[0])
			if !ok || n <= 0 {
				return data.NullValue(L)
			}
			return data.LongValue(mrand.Int64N(n))
		}
		return data.RealValue(mrand.Float64())
	}})
	reg(&fnDef{name: "min_of", minArgs: 1, maxArgs: 64, ret: commonType, row: extremeOf(-1)})
	reg(&fnDef{name: "max_of", minArgs: 1, maxArgs: 64, ret: commonType, row: extremeOf(1)})
	bin2 := func(name string, f func(x, y int64) int64) {
		reg(&fnDef{name: name, minArgs: 2, retType: L, row: func(_ *fnCtx, a []data.Value) data.Value {
			x, ok1 := argInt(a[0])
			y, ok2 := argInt(a[1])
			if !ok1 || !ok2 {
				return data.NullValue(L)
			}
			return data.LongValue(f(x, y))
		}})
	}
	bin2("binary_and", func(x, y int64) int64 { return x & y })
	bin2("binary_or", func(x, y int64) int64 { return x | y })
	bin2("binary_xor", func(x, y int64) int64 { return x ^ y })
	bin2("binary_shift_left", func(x, y int64) int64 { return x << uint(y&63) })
	bin2("binary_shift_right", func(x, y int64) int64 { return x >> uint(y&63) })
	reg(&fnDef{name: "binary_not", minArgs: 1, retType: L, row: func(_ *fnCtx, a []data.Value) data.Value {
		x, ok := argInt(a[0])
		if !ok {
			return data.NullValue(L)
		}
		return data.LongValue(^x)
	}})
	reg(&fnDef{name: "bitset_count_ones", minArgs: 1, retType: L, row: func(_ *fnCtx, a []data.Value) data.Value {
		x, ok := argInt(a[0])
		if !ok {
			return data.NullValue(L)
		}
		return data.LongValue(int64(bits.OnesCount64(uint64(x))))
	}})

	// Conversions.
	conv := func(name string, t data.Type, aliases ...string) {
		reg(&fnDef{name: name, minArgs: 1, retType: t, row: func(_ *fnCtx, a []data.Value) data.Value {
			return data.Convert(a[0], t)
		}}, aliases...)
	}
	conv("toint", data.Int)
	conv("tolong", L)
	conv("todouble", R, "toreal")
	conv("todecimal", data.Decimal)
	conv("tobool", B, "toboolean")
	conv("todatetime", data.DateTime)
	conv("totimespan", data.TimeSpan, "time")
	conv("toguid", data.Guid)
	reg(&fnDef{name: "tostring", minArgs: 1, retType: S, vec: func(c *fnCtx, args []val, rt data.Type, n int) val {
		if !args[0].isConst() && args[0].v.Type == data.String {
			return args[0]
		}
		return rowwise(c, funcs["tostring"], args, rt, n)
	}, row: func(_ *fnCtx, a []data.Value) data.Value {
		return data.StringValue(a[0].String())
	}})

	// Conditionals.
	reg(&fnDef{name: "iff", minArgs: 3, ret: func(a []data.Type) (data.Type, error) { return commonType(a[1:]) },
		vec: vecIff, row: func(_ *fnCtx, a []data.Value) data.Value {
			if c := unwrap(a[0]); !c.Null && c.Type == data.Bool && c.I != 0 {
				return a[1]
			}
			return a[2]
		}}, "iif")
	reg(&fnDef{name: "case", minArgs: 3, maxArgs: -1, ret: caseType, row: func(_ *fnCtx, a []data.Value) data.Value {
		for i := 0; i+1 < len(a); i += 2 {
			if c := unwrap(a[i]); !c.Null && c.Type == data.Bool && c.I != 0 {
				return a[i+1]
			}
		}
		return a[len(a)-1]
	}})
	reg(&fnDef{name: "coalesce", minArgs: 1, maxArgs: 64, ret: commonType, row: func(_ *fnCtx, a []data.Value) data.Value {
		for _, v := range a {
			if !isEmptyValue(v) {
				return v
			}
		}
		return a[len(a)-1]
	}})
	reg(&fnDef{name: "not", minArgs: 1, retType: B, row: func(_ *fnCtx, a []data.Value) data.Value {
		v := unwrap(a[0])
		if v.Null || v.Type != data.Bool {
			return data.NullValue(B)
		}
		return data.BoolValue(v.I == 0)
	}})

	// Identity and hashing.
	reg(&fnDef{name: "new_guid", volatile: true, retType: data.Guid, row: func(_ *fnCtx, a []data.Value) data.Value {
		var u data.UUID
		_, _ = rand.Read(u[:])
		u[6] = u[6]&0x0f | 0x40
		u[8] = u[8]&0x3f | 0x80
		return data.GuidValue(u)
	}})
	reg(&fnDef{name: "hash", minArgs: 1, maxArgs: 2, retType: L, row: func(_ *fnCtx, a []data.Value) data.Value {
		if unwrap(a[0]).Null {
			return data.NullValue(L)
		}
		h := xxhash64(hashBytes(a[0]))
		if len(a) == 2 {
			m, ok := argInt(a[1])
			if !ok || m <= 0 {
				return data.NullValue(L)
			}
			return data.LongValue(int64(h % uint64(m)))
		}
		return data.LongValue(int64(h))
	}}, "hash_xxhash64")
	hashHex := func(name string, f func([]byte) []byte) {
		reg(&fnDef{name: name, minArgs: 1, retType: S, row: func(_ *fnCtx, a []data.Value) data.Value {
			return data.StringValue(hex.EncodeToString(f([]byte(a[0].String()))))
		}})
	}
	hashHex("hash_sha256", func(b []byte) []byte { s := sha256.Sum256(b); return s[:] })
	hashHex("hash_sha1", func(b []byte) []byte { s := sha1.Sum(b); return s[:] })
	hashHex("hash_md5", func(b []byte) []byte { s := md5.Sum(b); return s[:] })
}

func numericSame(a []data.Type) (data.Type, error) {
	switch a[0] {
	case data.Int, data.Long, data.Real, data.Decimal:
		return a[0], nil
	case data.Dynamic, data.String:
		return data.Real, nil
	}
	return data.Invalid, fmt.Errorf("expected a number, got %s", a[0])
}

func caseType(a []data.Type) (data.Type, error) {
	if len(a)%2 == 0 {
		return data.Invalid, fmt.Errorf("case() expects condition/value pairs followed by an else value")
	}
	var vals []data.Type
	for i := 1; i < len(a); i += 2 {
		vals = append(vals, a[i])
	}
	vals = append(vals, a[len(a)-1])
	return commonType(vals)
}

func extremeOf(sign int) func(*fnCtx, []data.Value) data.Value {
	return func(_ *fnCtx, a []data.Value) data.Value {
		var best data.Value
		found := false
		for _, v := range a {
			if v.Null {
				continue
			}
			if !found {
				best, found = v, true
				continue
			}
			if c, ok := cmpValues(v, best); ok && c*sign > 0 {
				best = v
			}
		}
		if !found {
			return data.NullValue(a[0].Type)
		}
		return best
	}
}

// vecIff selects per row between two evaluated branches.
func vecIff(c *fnCtx, args []val, rt data.Type, n int) val {
	cond := args[0]
	if cond.isConst() {
		k := unwrap(cond.k)
		if !k.Null && k.Type == data.Bool && k.I != 0 {
			return convertVal(args[1], rt, n)
		}
		return convertVal(args[2], rt, n)
	}
	a, b := args[1], args[2]
	if cond.v.Type == data.Bool && a.typ() == rt && b.typ() == rt && rt.Storage() == data.StoreInt {
		out := make([]int64, n)
		var nulls data.Bitmap
		for i := 0; i < n; i++ {
			src := b
			if cond.v.Bools[i] && !cond.v.IsNull(i) {
				src = a
			}
			var isNull bool
			if src.isConst() {
				out[i], isNull = src.k.I, src.k.Null
			} else {
				out[i], isNull = src.v.Ints[i], src.v.IsNull(i)
			}
			if isNull {
				if nulls == nil {
					nulls = data.NewBitmap(n)
				}
				nulls.Set(i)
			}
		}
		return vecVal(intVec(rt, out, nulls))
	}
	return rowwise(c, funcs["iff"], args, rt, n)
}

// convertVal converts a val to type t.
func convertVal(x val, t data.Type, n int) val {
	if x.typ() == t {
		return x
	}
	if x.isConst() {
		return constVal(fixType(x.k, t))
	}
	b := data.NewVectorBuilder(t, n)
	for i := 0; i < n; i++ {
		b.Append(fixType(x.v.Value(i), t))
	}
	return vecVal(b.Build())
}
