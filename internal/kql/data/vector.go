package data

import "math/bits"

// Bitmap is a set of row positions; Vector uses it to mark null cells.
// A nil Bitmap is empty.
type Bitmap []uint64

// NewBitmap returns an empty bitmap able to hold n positions.
func NewBitmap(n int) Bitmap { return make(Bitmap, (n+63)/64) }

// Get reports whether position i is set.
func (b Bitmap) Get(i int) bool {
	w := i >> 6
	return w < len(b) && b[w]&(1<<(uint(i)&63)) != 0
}

// Set sets position i; the bitmap must be large enough.
func (b Bitmap) Set(i int) { b[i>>6] |= 1 << (uint(i) & 63) }

// Clear clears position i.
func (b Bitmap) Clear(i int) {
	if w := i >> 6; w < len(b) {
		b[w] &^= 1 << (uint(i) & 63)
	}
}

// Count returns the number of set positions.
func (b Bitmap) Count() int {
	n := 0
	for _, w := range b {
		n += bits.OnesCount64(w)
	}
	return n
}

// grow returns b large enough for position i.
func (b Bitmap) grow(i int) Bitmap {
	need := i>>6 + 1
	if need <= len(b) {
		return b
	}
	if need <= cap(b) {
		return b[:need]
	}
	nb := make(Bitmap, need, 2*need)
	copy(nb, b)
	return nb
}

// Vector is a typed column of values. Exactly one payload slice is used,
// chosen by Type.Storage(); string vectors are either plain (Strs) or
// dictionary-encoded (Codes index Dict). Vectors are immutable once built
// and may share backing arrays with other vectors.
type Vector struct {
	Type  Type
	N     int
	Nulls Bitmap // null cells; nil when there are none (always nil for strings)
	Bools []bool
	Ints  []int64
	Reals []float64
	Strs  []string
	Codes []uint32
	Dict  []string
	Guids []UUID
	Dyns  []any
}

// Len returns the number of cells.
func (v *Vector) Len() int { return v.N }

// IsNull reports whether cell i is null.
func (v *Vector) IsNull(i int) bool { return v.Nulls != nil && v.Nulls.Get(i) }

// HasNulls reports whether any cell may be null.
func (v *Vector) HasNulls() bool { return v.Nulls != nil }

// IsDict reports whether the vector is a dictionary-encoded string vector.
func (v *Vector) IsDict() bool { return v.Codes != nil }

// Str returns string cell i.
func (v *Vector) Str(i int) string {
	if v.Codes != nil {
		return v.Dict[v.Codes[i]]
	}
	return v.Strs[i]
}

// Value returns cell i as a Value.
func (v *Vector) Value(i int) Value {
	if v.Type != String && v.IsNull(i) {
		return NullValue(v.Type)
	}
	switch v.Type {
	case Bool:
		return BoolValue(v.Bools[i])
	case Int, Long, DateTime, TimeSpan:
		return Value{Type: v.Type, I: v.Ints[i]}
	case Real, Decimal:
		return Value{Type: v.Type, F: v.Reals[i]}
	case String:
		return StringValue(v.Str(i))
	case Guid:
		return GuidValue(v.Guids[i])
	case Dynamic:
		d := v.Dyns[i]
		return Value{Type: Dynamic, D: d, Null: d == nil}
	}
	return Value{}
}

// Wire returns cell i in the Log Analytics wire form (see Value.Wire).
func (v *Vector) Wire(i int) any {
	if v.Type != String && v.IsNull(i) {
		return nil
	}
	switch v.Type {
	case Bool:
		return v.Bools[i]
	case Int, Long:
		return v.Ints[i]
	case Real, Decimal:
		return wireReal(v.Reals[i])
	case String:
		return v.Str(i)
	case DateTime:
		return FormatDateTime(v.Ints[i])
	case TimeSpan:
		return FormatTimeSpan(v.Ints[i])
	}
	return v.Value(i).Wire()
}

// Slice returns the cells [lo, hi) sharing storage where possible.
func (v *Vector) Slice(lo, hi int) *Vector {
	if lo == 0 && hi == v.N {
		return v
	}
	out := &Vector{Type: v.Type, N: hi - lo, Dict: v.Dict}
	switch v.Type.Storage() {
	case StoreBool:
		out.Bools = v.Bools[lo:hi]
	case StoreInt:
		out.Ints = v.Ints[lo:hi]
	case StoreReal:
		out.Reals = v.Reals[lo:hi]
	case StoreString:
		if v.Codes != nil {
			out.Codes = v.Codes[lo:hi]
		} else {
			out.Strs = v.Strs[lo:hi]
		}
	case StoreGuid:
		out.Guids = v.Guids[lo:hi]
	case StoreDynamic:
		out.Dyns = v.Dyns[lo:hi]
	}
	if v.Nulls != nil {
		if lo&63 == 0 {
			end := (hi + 63) / 64
			if end > len(v.Nulls) {
				end = len(v.Nulls)
			}
			out.Nulls = v.Nulls[lo/64 : end]
			// Bits past hi in the last word belong to later rows; they are
			// never read because accessors stay below N.
		} else {
			nb := NewBitmap(hi - lo)
			any := false
			for i := lo; i < hi; i++ {
				if v.Nulls.Get(i) {
					nb.Set(i - lo)
					any = true
				}
			}
			if any {
				out.Nulls = nb
			}
		}
	}
	return out
}

// Gather returns the cells at positions sel, in order.
func (v *Vector) Gather(sel []int32) *Vector {
	n := len(sel)
	out := &Vector{Type: v.Type, N: n, Dict: v.Dict}
	switch v.Type.Storage() {
	case StoreBool:
		out.Bools = make([]bool, n)
		for i, j := range sel {
			out.Bools[i] = v.Bools[j]
		}
	case StoreInt:
		out.Ints = make([]int64, n)
		src := v.Ints
		for i, j := range sel {
			out.Ints[i] = src[j]
		}
	case StoreReal:
		out.Reals = make([]float64, n)
		for i, j := range sel {
			out.Reals[i] = v.Reals[j]
		}
	case StoreString:
		if v.Codes != nil {
			out.Codes = make([]uint32, n)
			src := v.Codes
			for i, j := range sel {
				out.Codes[i] = src[j]
			}
		} else {
			out.Strs = make([]string, n)
			for i, j := range sel {
				out.Strs[i] = v.Strs[j]
			}
		}
	case StoreGuid:
		out.Guids = make([]UUID, n)
		for i, j := range sel {
			out.Guids[i] = v.Guids[j]
		}
	case StoreDynamic:
		out.Dyns = make([]any, n)
		for i, j := range sel {
			out.Dyns[i] = v.Dyns[j]
		}
	}
	if v.Nulls != nil {
		var nb Bitmap
		for i, j := range sel {
			if v.Nulls.Get(int(j)) {
				if nb == nil {
					nb = NewBitmap(n)
				}
				nb.Set(i)
			}
		}
		out.Nulls = nb
	}
	return out
}

// Decode returns a plain (not dictionary-encoded) copy of a string vector;
// other vectors are returned as is.
func (v *Vector) Decode() *Vector {
	if v.Codes == nil {
		return v
	}
	out := &Vector{Type: v.Type, N: v.N, Strs: make([]string, v.N)}
	for i, c := range v.Codes {
		out.Strs[i] = v.Dict[c]
	}
	return out
}

// MemSize estimates the bytes the vector's payload occupies.
func (v *Vector) MemSize() int64 {
	s := int64(len(v.Nulls) * 8)
	s += int64(len(v.Bools)) + int64(len(v.Ints)*8) + int64(len(v.Reals)*8) + int64(len(v.Codes)*4) + int64(len(v.Guids)*16)
	for _, x := range v.Strs {
		s += 16 + int64(len(x))
	}
	for _, x := range v.Dict {
		s += 16 + int64(len(x))
	}
	s += int64(len(v.Dyns) * 48)
	return s
}
