package eval

import (
	"fmt"
	"hash/maphash"
	"math"

	"github.com/sentinel-mcp/sentinel-mcp/internal/kql/data"
)

// noGroup marks rows an aggregation skips (its *if predicate was false).
const noGroup = ^uint32(0)

// aggSpec is what an aggregation state is built from.
type aggSpec struct {
	argTypes []data.Type
	consts   []*data.Value // constant arguments (nil where not constant)
	rt       data.Type
}

// aggState accumulates one aggregation for every group. Groups are numbered
// densely from 0; grow is called before update sees a new group number.
type aggState interface {
	grow(ngroups int)
	update(b *batch, gids []uint32, args []val, n int)
	result(ngroups int) []*data.Vector
}

// aggDef describes one aggregation function.
type aggDef struct {
	name    string
	minArgs int
	maxArgs int
	// prefix names the output column: <prefix>_<arg name>, or prefix_
	// alone for count-like aggregations without a column argument.
	prefix string
	// predArg is the position of an *if predicate argument, or -1.
	predArg int
	ret     func(s *aggSpec) ([]data.Type, error)
	state   func(s *aggSpec) aggState
}

var aggs = map[string]*aggDef{}

func regAgg(a *aggDef, aliases ...string) {
	if a.maxArgs == 0 && a.minArgs > 0 {
		a.maxArgs = a.minArgs
	}
	for _, n := range append([]string{a.name}, aliases...) {
		aggs[n] = a
	}
}

func lookupAgg(name string) (*aggDef, bool) {
	a, ok := aggs[name]
	return a, ok
}

// AggregationNames lists the supported aggregation functions.
func AggregationNames() []string {
	out := make([]string, 0, len(aggs))
	for n := range aggs {
		out = append(out, n)
	}
	return out
}

func (a *aggDef) checkArgs(n int) error {
	if n < a.minArgs || (a.maxArgs >= 0 && n > a.maxArgs) {
		return fmt.Errorf("aggregation %s() expects %d to %d arguments, got %d", a.name, a.minArgs, a.maxArgs, n)
	}
	return nil
}

// hashing of values for distinct counts and sets.

var hashSeed = maphash.MakeSeed()

func hashValue(v data.Value) uint64 {
	v = unwrap(v)
	if v.Null {
		return 0x9e3779b97f4a7c15
	}
	switch v.Type.Storage() {
	case data.StoreString:
		return maphash.String(hashSeed, v.S)
	case data.StoreInt, data.StoreBool:
		return mix64(uint64(v.I) ^ uint64(v.Type)<<56)
	case data.StoreReal:
		if v.F == math.Trunc(v.F) && math.Abs(v.F) < 1<<62 {
			return mix64(uint64(int64(v.F)) ^ uint64(data.Long)<<56)
		}
		return mix64(math.Float64bits(v.F))
	case data.StoreGuid:
		return maphash.Bytes(hashSeed, v.G[:])
	}
	return maphash.String(hashSeed, string(data.AppendJSON(nil, v.D)))
}

func mix64(x uint64) uint64 {
	x ^= x >> 33
	x *= 0xff51afd7ed558ccd
	x ^= x >> 33
	x *= 0xc4ceb9fe1a85ec53
	x ^= x >> 33
	return x
}

// hashVec hashes every cell of a val (once per dictionary entry for
// dictionary-encoded strings).
func hashVec(x val, n int) []uint64 {
	out := make([]uint64, n)
	if x.isConst() {
		h := hashValue(x.k)
		for i := range out {
			out[i] = h
		}
		return out
	}
	v := x.v
	switch {
	case v.IsDict():
		hd := make([]uint64, len(v.Dict))
		for i, s := range v.Dict {
			hd[i] = maphash.String(hashSeed, s)
		}
		for i, c := range v.Codes[:n] {
			out[i] = hd[c]
		}
	case v.Type == data.String:
		for i, s := range v.Strs[:n] {
			out[i] = maphash.String(hashSeed, s)
		}
	case v.Type.Storage() == data.StoreInt && v.Type != data.Bool:
		tag := uint64(v.Type) << 56
		if v.Type == data.Int {
			tag = uint64(data.Long) << 56
		}
		for i, x := range v.Ints[:n] {
			out[i] = mix64(uint64(x) ^ tag)
		}
		if v.Nulls != nil {
			for i := range out {
				if v.IsNull(i) {
					out[i] = 0x9e3779b97f4a7c15
				}
			}
		}
	default:
		for i := range out {
			out[i] = hashValue(v.Value(i))
		}
	}
	return out
}

// isNullAt reports whether row i of x is null (strings never are).
func isNullAt(x val, i int) bool {
	if x.isConst() {
		return x.k.Null
	}
	if x.v.Type == data.Dynamic {
		return x.v.Dyns[i] == nil
	}
	return x.v.IsNull(i)
}

// growSlice extends s to n elements.
func growSlice[T any](s []T, n int) []T {
	if n <= len(s) {
		return s
	}
	if n <= cap(s) {
		return s[:n]
	}
	ns := make([]T, n, max(n, 2*cap(s)))
	copy(ns, s)
	return ns
}
