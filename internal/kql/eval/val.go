package eval

import "github.com/sentinel-mcp/sentinel-mcp/internal/kql/data"

// val is the result of evaluating an expression over a batch: either a
// vector with one cell per row, or a constant shared by every row (so
// literals and let-bound scalars cost nothing per row).
type val struct {
	v *data.Vector // nil for a constant
	k data.Value
}

func constVal(v data.Value) val         { return val{k: v} }
func vecVal(v *data.Vector) val         { return val{v: v} }
func (x val) isConst() bool             { return x.v == nil }
func (x val) typ() data.Type            { return x.typeOf() }
func (x val) isNullConst() bool         { return x.v == nil && x.k.Null }
func boolConst(b bool) val              { return constVal(data.BoolValue(b)) }
func nullConst(t data.Type) val         { return constVal(data.NullValue(t)) }
func (x val) strAt(i int) string        { return x.at(i).String() }
func (x val) vector(n int) *data.Vector { return x.materialize(n) }

func (x val) typeOf() data.Type {
	if x.v != nil {
		return x.v.Type
	}
	return x.k.Type
}

// at returns the value of row i.
func (x val) at(i int) data.Value {
	if x.v == nil {
		return x.k
	}
	return x.v.Value(i)
}

// materialize returns the value as a vector of n cells.
func (x val) materialize(n int) *data.Vector {
	if x.v != nil {
		return x.v
	}
	return data.ConstVector(x.k, n)
}

// boolVec builds a bool vector from values and an optional null bitmap.
func boolVec(b []bool, nulls data.Bitmap) *data.Vector {
	return &data.Vector{Type: data.Bool, N: len(b), Bools: b, Nulls: nulls}
}

func intVec(t data.Type, xs []int64, nulls data.Bitmap) *data.Vector {
	return &data.Vector{Type: t, N: len(xs), Ints: xs, Nulls: nulls}
}

func realVec(xs []float64, nulls data.Bitmap) *data.Vector {
	return &data.Vector{Type: data.Real, N: len(xs), Reals: xs, Nulls: nulls}
}

func strVec(xs []string) *data.Vector {
	return &data.Vector{Type: data.String, N: len(xs), Strs: xs}
}

// orNulls returns the union of two null bitmaps for n rows (nil if none).
func orNulls(a, b data.Bitmap, n int) data.Bitmap {
	if a == nil && b == nil {
		return nil
	}
	out := data.NewBitmap(n)
	copy(out, a)
	for i := range b {
		if i < len(out) {
			out[i] |= b[i]
		}
	}
	return out
}

// nullsOf returns the null bitmap of a val over n rows (all set for a null
// constant, nil for a non-null constant).
func nullsOf(x val, n int) data.Bitmap {
	if x.v != nil {
		if x.v.Type == data.String {
			return nil
		}
		return x.v.Nulls
	}
	if x.k.Null && x.k.Type != data.String {
		b := data.NewBitmap(n)
		for i := range b {
			b[i] = ^uint64(0)
		}
		return b
	}
	return nil
}
