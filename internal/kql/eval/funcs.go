package eval

import (
	"fmt"
	"strings"

	"github.com/sentinel-mcp/sentinel-mcp/internal/kql/data"
)

// fnCtx is what scalar function implementations may consult.
type fnCtx struct {
	run *runCtx
}

// fnDef describes one scalar function.
type fnDef struct {
	name    string
	minArgs int
	maxArgs int // -1: variadic
	// ret computes the result type from the argument types (nil: retType).
	ret     func(args []data.Type) (data.Type, error)
	retType data.Type
	// row computes one result; arguments arrive unconverted.
	row func(c *fnCtx, args []data.Value) data.Value
	// vec, when set, computes a whole batch (fast path for hot functions).
	vec func(c *fnCtx, args []val, rt data.Type, n int) val
	// volatile functions (new_guid, rand) give a new value per row.
	volatile bool
	// constArgs lists argument positions that must be constants (format
	// strings, part names, regexes) so they can be validated at compile time.
	constArgs []int
}

var funcs = map[string]*fnDef{}

// reg registers functions; aliases share a definition.
func reg(f *fnDef, aliases ...string) {
	if f.maxArgs == 0 && f.minArgs > 0 {
		f.maxArgs = f.minArgs
	}
	for _, n := range append([]string{f.name}, aliases...) {
		if _, dup := funcs[n]; dup {
			panic("duplicate function " + n)
		}
		funcs[n] = f
	}
}

// lookupFunc finds a scalar function by name (function names are
// case-sensitive in Kusto, all lower-case).
func lookupFunc(name string) (*fnDef, bool) {
	f, ok := funcs[name]
	return f, ok
}

// FunctionNames lists the supported scalar functions.
func FunctionNames() []string {
	out := make([]string, 0, len(funcs))
	for n := range funcs {
		out = append(out, n)
	}
	return out
}

func (f *fnDef) resultType(args []data.Type) (data.Type, error) {
	if len(args) < f.minArgs || (f.maxArgs >= 0 && len(args) > f.maxArgs) {
		want := fmt.Sprint(f.minArgs)
		switch {
		case f.maxArgs < 0:
			want = fmt.Sprintf("at least %d", f.minArgs)
		case f.maxArgs != f.minArgs:
			want = fmt.Sprintf("%d to %d", f.minArgs, f.maxArgs)
		}
		return data.Invalid, fmt.Errorf("function %s expects %s arguments, got %d", f.name, want, len(args))
	}
	if f.ret != nil {
		return f.ret(args)
	}
	return f.retType, nil
}

// call evaluates the function over n rows.
func (f *fnDef) call(c *fnCtx, args []val, rt data.Type, n int) val {
	if f.vec != nil {
		return f.vec(c, args, rt, n)
	}
	return rowwise(c, f, args, rt, n)
}

// rowwise drives a row implementation over a batch. Constant arguments are
// computed once; a single dictionary-encoded string argument is computed
// once per distinct value.
func rowwise(c *fnCtx, f *fnDef, args []val, rt data.Type, n int) val {
	vals := make([]data.Value, len(args))
	varying := -1
	nvary := 0
	for i, a := range args {
		if a.isConst() {
			vals[i] = a.k
		} else {
			varying = i
			nvary++
		}
	}
	if nvary == 0 && !f.volatile {
		return constVal(fixType(f.row(c, vals), rt))
	}
	if nvary == 1 && !f.volatile && args[varying].v.IsDict() && len(args[varying].v.Dict) < n {
		v := args[varying].v
		res := make([]data.Value, len(v.Dict))
		for k, s := range v.Dict {
			vals[varying] = data.StringValue(s)
			res[k] = fixType(f.row(c, vals), rt)
		}
		if rt == data.String {
			dict := make([]string, len(res))
			for k, r := range res {
				dict[k] = r.S
			}
			return vecVal(&data.Vector{Type: data.String, N: n, Codes: v.Codes[:n], Dict: dict})
		}
		b := data.NewVectorBuilder(rt, n)
		for _, code := range v.Codes[:n] {
			b.Append(res[code])
		}
		return vecVal(b.Build())
	}
	b := data.NewVectorBuilder(rt, n)
	for i := 0; i < n; i++ {
		for j, a := range args {
			if a.v != nil {
				vals[j] = a.v.Value(i)
			}
		}
		b.Append(fixType(f.row(c, vals), rt))
	}
	return vecVal(b.Build())
}

// fixType converts a function result to its declared type.
func fixType(v data.Value, rt data.Type) data.Value {
	if v.Type == rt || rt == data.Invalid {
		return v
	}
	if v.Null {
		return data.NullValue(rt)
	}
	return data.Convert(v, rt)
}

// Typing helpers.

func fixed(t data.Type) func([]data.Type) (data.Type, error) {
	return func([]data.Type) (data.Type, error) { return t, nil }
}

func sameAs(i int) func([]data.Type) (data.Type, error) {
	return func(a []data.Type) (data.Type, error) { return a[i], nil }
}

// commonType returns the type values of the given types unify to, for iff,
// case, coalesce, min_of and friends.
func commonType(ts []data.Type) (data.Type, error) {
	var out data.Type
	for _, t := range ts {
		switch {
		case t == data.Invalid:
			continue
		case out == data.Invalid || out == t:
			out = t
		case out.IsNumeric() && t.IsNumeric():
			out = widerNum(out, t)
		case out == data.Dynamic || t == data.Dynamic:
			out = data.Dynamic
		default:
			return data.Invalid, fmt.Errorf("arguments have incompatible types %s and %s", out, t)
		}
	}
	if out == data.Invalid {
		out = data.String
	}
	return out, nil
}

func widerNum(a, b data.Type) data.Type {
	rank := func(t data.Type) int {
		switch t {
		case data.Int:
			return 1
		case data.Long:
			return 2
		case data.Decimal:
			return 3
		}
		return 4
	}
	if rank(a) >= rank(b) {
		return a
	}
	return b
}

// Argument helpers for row implementations.

func argStr(v data.Value) string { return v.String() }

func argInt(v data.Value) (int64, bool) {
	v = unwrap(v)
	if v.Null {
		return 0, false
	}
	switch v.Type.Storage() {
	case data.StoreInt, data.StoreBool:
		return v.I, true
	case data.StoreReal:
		return int64(v.F), true
	case data.StoreString:
		return data.ParseLong(v.S)
	}
	return 0, false
}

func argFloat(v data.Value) (float64, bool) {
	v = unwrap(v)
	if v.Null {
		return 0, false
	}
	switch v.Type.Storage() {
	case data.StoreInt, data.StoreBool:
		return float64(v.I), true
	case data.StoreReal:
		return v.F, true
	case data.StoreString:
		c := data.Convert(v, data.Real)
		return c.F, !c.Null
	}
	return 0, false
}

// argTicks returns a datetime or timespan payload (strings are parsed as
// datetimes first, then timespans).
func argTicks(v data.Value, t data.Type) (int64, bool) {
	v = unwrap(v)
	if v.Null {
		return 0, false
	}
	if v.Type == t {
		return v.I, true
	}
	c := data.Convert(v, t)
	return c.I, !c.Null
}

// argDyn returns the dynamic payload of a value (strings stay strings).
func argDyn(v data.Value) any {
	if v.Type == data.Dynamic {
		return v.D
	}
	return v.Dynamic()
}

func lowerName(v data.Value) string { return strings.ToLower(strings.TrimSpace(v.String())) }
