package data

import "math/bits"

// setRange sets positions [lo, hi) word by word.
func (b Bitmap) setRange(lo, hi int) {
	for lo < hi && lo&63 != 0 {
		b.Set(lo)
		lo++
	}
	for ; lo+64 <= hi; lo += 64 {
		b[lo>>6] = ^uint64(0)
	}
	for ; lo < hi; lo++ {
		b.Set(lo)
	}
}

// copyBits sets, at off+i, every position i < n set in src.
func (b Bitmap) copyBits(src Bitmap, off, n int) {
	if off&63 == 0 {
		w := (n + 63) / 64
		for k := 0; k < w && k < len(src); k++ {
			x := src[k]
			if k == w-1 && n&63 != 0 {
				x &= 1<<(uint(n)&63) - 1 // bits past n belong to other rows
			}
			b[off>>6+k] |= x
		}
		return
	}
	for k, x := range src {
		for x != 0 {
			i := k*64 + bits.TrailingZeros64(x)
			if i >= n {
				return
			}
			b.Set(off + i)
			x &= x - 1
		}
	}
}

// NullVector returns n null cells of type t (empty strings for strings).
// It costs one zeroed allocation per payload, not one append per cell.
func NullVector(t Type, n int) *Vector {
	v := &Vector{Type: t, N: n}
	switch t.Storage() {
	case StoreBool:
		v.Bools = make([]bool, n)
	case StoreInt:
		v.Ints = make([]int64, n)
	case StoreReal:
		v.Reals = make([]float64, n)
	case StoreString:
		// Dictionary-encoded: 4 bytes a cell, and predicates over the
		// column run once.
		v.Codes, v.Dict = make([]uint32, n), []string{""}
		return v
	case StoreGuid:
		v.Guids = make([]UUID, n)
	case StoreDynamic:
		v.Dyns = make([]any, n)
	default:
		return v
	}
	if n > 0 {
		v.Nulls = NewBitmap(n)
		v.Nulls.setRange(0, n)
	}
	return v
}

// ConstVector returns a vector of n copies of val.
func ConstVector(val Value, n int) *Vector {
	if val.Null || val.Type == String && val.S == "" {
		return NullVector(val.Type, n)
	}
	v := &Vector{Type: val.Type, N: n}
	switch val.Type.Storage() {
	case StoreBool:
		v.Bools = make([]bool, n)
		if val.I != 0 {
			for i := range v.Bools {
				v.Bools[i] = true
			}
		}
	case StoreInt:
		v.Ints = make([]int64, n)
		if val.I != 0 {
			for i := range v.Ints {
				v.Ints[i] = val.I
			}
		}
	case StoreReal:
		v.Reals = make([]float64, n)
		if val.F != 0 {
			for i := range v.Reals {
				v.Reals[i] = val.F
			}
		}
	case StoreString:
		v.Codes, v.Dict = make([]uint32, n), []string{val.S}
	case StoreGuid:
		v.Guids = make([]UUID, n)
		for i := range v.Guids {
			v.Guids[i] = val.G
		}
	case StoreDynamic:
		b := NewVectorBuilder(Dynamic, n)
		for i := 0; i < n; i++ {
			b.Append(val)
		}
		return b.Build()
	}
	return v
}

// Concat returns the cells of vs one after the other; all must share a
// storage. Dictionary-encoded string parts stay encoded (their
// dictionaries merged) while the merged dictionary stays small next to
// the rows.
func Concat(t Type, vs []*Vector) *Vector {
	if len(vs) == 1 {
		return vs[0]
	}
	offs := make([]int, len(vs))
	n := 0
	for i, v := range vs {
		offs[i] = n
		n += v.N
	}
	return Assemble(t, n, vs, offs)
}

// Assemble returns n cells of type t: part i at rows offs[i] on (parts in
// row order, not overlapping), null cells (empty strings) in between. A
// union column is assembled from the members that have it.
func Assemble(t Type, n int, parts []*Vector, offs []int) *Vector {
	out := &Vector{Type: t, N: n}
	gaps := 0
	for _, p := range parts {
		gaps += p.N
	}
	gaps = n - gaps
	switch t.Storage() {
	case StoreBool:
		out.Bools = make([]bool, n)
		for i, p := range parts {
			copy(out.Bools[offs[i]:], p.Bools[:p.N])
		}
	case StoreInt:
		out.Ints = make([]int64, n)
		for i, p := range parts {
			copy(out.Ints[offs[i]:], p.Ints[:p.N])
		}
	case StoreReal:
		out.Reals = make([]float64, n)
		for i, p := range parts {
			copy(out.Reals[offs[i]:], p.Reals[:p.N])
		}
	case StoreString:
		assembleStrings(out, parts, offs, gaps > 0)
		return out
	case StoreGuid:
		out.Guids = make([]UUID, n)
		for i, p := range parts {
			copy(out.Guids[offs[i]:], p.Guids[:p.N])
		}
	case StoreDynamic:
		out.Dyns = make([]any, n)
		for i, p := range parts {
			copy(out.Dyns[offs[i]:], p.Dyns[:p.N])
		}
	default:
		return out
	}
	if gaps > 0 {
		out.Nulls = NewBitmap(n)
		end := 0
		for i, p := range parts {
			out.Nulls.setRange(end, offs[i])
			end = offs[i] + p.N
		}
		out.Nulls.setRange(end, n)
	}
	for i, p := range parts {
		if p.Nulls != nil {
			if out.Nulls == nil {
				out.Nulls = NewBitmap(n)
			}
			out.Nulls.copyBits(p.Nulls, offs[i], p.N)
		}
	}
	return out
}

// assembleStrings fills the string cells of out (N set); gaps are empty
// strings.
func assembleStrings(out *Vector, parts []*Vector, offs []int, gaps bool) {
	if codes, dict, ok := mergeDicts(parts, offs, out.N, gaps); ok {
		out.Codes, out.Dict = codes, dict
		return
	}
	out.Strs = make([]string, out.N)
	for i, p := range parts {
		dst := out.Strs[offs[i] : offs[i]+p.N]
		if p.Codes == nil {
			copy(dst, p.Strs[:p.N])
			continue
		}
		for k, c := range p.Codes[:p.N] {
			dst[k] = p.Dict[c]
		}
	}
}

// mergeDicts assembles dictionary-encoded parts into codes over one merged
// dictionary. ok is false when a part is plain or the merged dictionary
// would be too large for the n rows to gain from it (the builder's rule).
func mergeDicts(parts []*Vector, offs []int, n int, gaps bool) (codes []uint32, dict []string, ok bool) {
	size := 0
	for _, p := range parts {
		if p.Codes == nil && p.N > 0 {
			return nil, nil, false
		}
		size += len(p.Dict)
	}
	codes = make([]uint32, n)
	if !gaps && len(parts) > 0 && sharedDict(parts) {
		for i, p := range parts {
			copy(codes[offs[i]:], p.Codes[:p.N])
		}
		return codes, parts[0].Dict, true
	}
	if size > 64 && size*2 > n {
		// Only an upper bound: parts often share most of their values, but
		// merging first to find out costs as much as decoding.
		return nil, nil, false
	}
	// Code 0 is the empty string, which the gaps (zero codes) read.
	dict = []string{""}
	index := make(map[string]uint32, size+1)
	index[""] = 0
	var remap []uint32
	for i, p := range parts {
		if p.N == 0 {
			continue
		}
		remap = remap[:0]
		for _, s := range p.Dict {
			c, seen := index[s]
			if !seen {
				c = uint32(len(dict))
				index[s] = c
				dict = append(dict, s)
			}
			remap = append(remap, c)
		}
		dst := codes[offs[i] : offs[i]+p.N]
		for k, c := range p.Codes[:p.N] {
			dst[k] = remap[c]
		}
	}
	return codes, dict, true
}

// sharedDict reports whether every part uses the first part's dictionary.
func sharedDict(vs []*Vector) bool {
	d := vs[0].Dict
	for _, v := range vs {
		if len(v.Dict) == 0 || len(d) == 0 || &v.Dict[0] != &d[0] || len(v.Dict) != len(d) {
			return false
		}
	}
	return true
}
