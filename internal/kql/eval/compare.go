package eval

import (
	"math"
	"strings"

	"github.com/sentinel-mcp/sentinel-mcp/internal/kql/data"
)

// Scalar comparison semantics shared by the vector kernels' slow path,
// sorting, joins, in and between:
//   - numbers compare by value across int, long, real and decimal;
//   - datetime with datetime, timespan with timespan, guid with guid or text;
//   - dynamic scalars compare as their underlying scalar;
//   - a string against a number/datetime/timespan is converted to that type
//     (the tolerant behavior queries written against loosely typed columns
//     expect); when conversion fails the values are unequal and unordered.
//   - null compares to nothing (the comparison result is null).

// unwrap turns dynamic scalars into typed values.
func unwrap(v data.Value) data.Value {
	if v.Type == data.Dynamic && !v.Null {
		switch v.D.(type) {
		case []any, map[string]any:
			return v
		}
		return data.FromDynamic(v.D)
	}
	return v
}

// cmpValues compares a and b; ok is false when either is null or they are
// not comparable.
func cmpValues(a, b data.Value) (int, bool) {
	a, b = unwrap(a), unwrap(b)
	if a.Null || b.Null {
		return 0, false
	}
	sa, sb := a.Type.Storage(), b.Type.Storage()
	switch {
	case sa == data.StoreString && sb == data.StoreString:
		return strings.Compare(a.S, b.S), true
	case isNum(a.Type) && isNum(b.Type):
		if (sa == data.StoreInt || sa == data.StoreBool) && (sb == data.StoreInt || sb == data.StoreBool) {
			return cmpInt(a.I, b.I), true
		}
		return cmpFloat(numF(a), numF(b))
	case a.Type == b.Type && sa == data.StoreInt:
		return cmpInt(a.I, b.I), true
	case a.Type == data.Guid && b.Type == data.Guid:
		return strings.Compare(a.G.String(), b.G.String()), true
	case a.Type == data.Guid && b.Type == data.String:
		return strings.Compare(a.G.String(), strings.ToLower(b.S)), true
	case a.Type == data.String && b.Type == data.Guid:
		return strings.Compare(strings.ToLower(a.S), b.G.String()), true
	case a.Type == data.String:
		c := data.Convert(a, b.Type)
		if c.Null {
			return 0, false
		}
		return cmpValues(c, b)
	case b.Type == data.String:
		c := data.Convert(b, a.Type)
		if c.Null {
			return 0, false
		}
		return cmpValues(a, c)
	case a.Type == data.Dynamic && b.Type == data.Dynamic:
		if data.DynamicEqual(a.D, b.D) {
			return 0, true
		}
		return strings.Compare(a.String(), b.String()), true
	case a.Type == data.Bool && b.Type == data.Bool:
		return cmpInt(a.I, b.I), true
	}
	return 0, false
}

// eqValues reports equality; null when either side is null.
func eqValues(a, b data.Value, fold bool) (eq, ok bool) {
	if fold {
		a, b = unwrap(a), unwrap(b)
		if a.Null || b.Null {
			return false, false
		}
		return strings.EqualFold(a.String(), b.String()), true
	}
	a2, b2 := unwrap(a), unwrap(b)
	if a2.Type == data.Dynamic && b2.Type == data.Dynamic && !a2.Null && !b2.Null {
		return data.DynamicEqual(a2.D, b2.D), true
	}
	c, ok := cmpValues(a2, b2)
	if !ok {
		if a2.Null || b2.Null {
			return false, false
		}
		return false, true
	}
	return c == 0, true
}

func isNum(t data.Type) bool { return t.IsNumeric() || t == data.Bool }

func numF(v data.Value) float64 {
	if v.Type.Storage() == data.StoreReal {
		return v.F
	}
	return float64(v.I)
}

func cmpInt(a, b int64) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

func cmpFloat(a, b float64) (int, bool) {
	if math.IsNaN(a) || math.IsNaN(b) {
		return 0, false
	}
	switch {
	case a < b:
		return -1, true
	case a > b:
		return 1, true
	}
	return 0, true
}

// orderValues is a total order for sorting: nulls sort as smallest (callers
// place them last or first), then by cmpValues, incomparable values by
// their text.
func orderValues(a, b data.Value) int {
	an, bn := isNullish(a), isNullish(b)
	switch {
	case an && bn:
		return 0
	case an:
		return -1
	case bn:
		return 1
	}
	if c, ok := cmpValues(a, b); ok {
		return c
	}
	if a.Type.Storage() == data.StoreReal && math.IsNaN(a.F) {
		return -1
	}
	if b.Type.Storage() == data.StoreReal && math.IsNaN(b.F) {
		return 1
	}
	return strings.Compare(a.String(), b.String())
}

func isNullish(v data.Value) bool { return v.Null }
