package eval

import (
	"fmt"
	"math"

	"github.com/sentinel-mcp/sentinel-mcp/internal/kql/data"
)

func one(t data.Type) func(*aggSpec) ([]data.Type, error) {
	return func(*aggSpec) ([]data.Type, error) { return []data.Type{t}, nil }
}

func argType0(s *aggSpec) ([]data.Type, error) { return []data.Type{s.argTypes[0]}, nil }

func init() {
	L, R, D := data.Long, data.Real, data.Dynamic
	regAgg(&aggDef{name: "count", minArgs: 0, maxArgs: 1, prefix: "count", predArg: -1, ret: one(L),
		state: func(*aggSpec) aggState { return &countState{} }})
	regAgg(&aggDef{name: "countif", minArgs: 1, prefix: "countif", predArg: 0, ret: one(L),
		state: func(*aggSpec) aggState { return &countState{} }})
	regAgg(&aggDef{name: "sum", minArgs: 1, prefix: "sum", predArg: -1, ret: sumType, state: newSum})
	regAgg(&aggDef{name: "sumif", minArgs: 2, prefix: "sumif", predArg: 1, ret: sumType, state: newSum})
	regAgg(&aggDef{name: "avg", minArgs: 1, prefix: "avg", predArg: -1, ret: avgType, state: newAvg})
	regAgg(&aggDef{name: "avgif", minArgs: 2, prefix: "avgif", predArg: 1, ret: avgType, state: newAvg})
	regAgg(&aggDef{name: "min", minArgs: 1, prefix: "min", predArg: -1, ret: argType0, state: func(s *aggSpec) aggState { return &extremeState{sign: -1, t: s.argTypes[0]} }})
	regAgg(&aggDef{name: "max", minArgs: 1, prefix: "max", predArg: -1, ret: argType0, state: func(s *aggSpec) aggState { return &extremeState{sign: 1, t: s.argTypes[0]} }})
	regAgg(&aggDef{name: "minif", minArgs: 2, prefix: "minif", predArg: 1, ret: argType0, state: func(s *aggSpec) aggState { return &extremeState{sign: -1, t: s.argTypes[0]} }})
	regAgg(&aggDef{name: "maxif", minArgs: 2, prefix: "maxif", predArg: 1, ret: argType0, state: func(s *aggSpec) aggState { return &extremeState{sign: 1, t: s.argTypes[0]} }})
	regAgg(&aggDef{name: "dcount", minArgs: 1, maxArgs: 2, prefix: "dcount", predArg: -1, ret: one(L), state: newDcount})
	regAgg(&aggDef{name: "dcountif", minArgs: 2, maxArgs: 3, prefix: "dcountif", predArg: 1, ret: one(L), state: newDcount})
	regAgg(&aggDef{name: "count_distinct", minArgs: 1, prefix: "count_distinct", predArg: -1, ret: one(L), state: newDcount})
	regAgg(&aggDef{name: "count_distinctif", minArgs: 2, prefix: "count_distinctif", predArg: 1, ret: one(L), state: newDcount})
	collect := func(name, prefix string, set bool, pred int, defMax int64, aliases ...string) {
		regAgg(&aggDef{name: name, minArgs: 1 + max(pred, 0)*boolInt(pred >= 0), maxArgs: 2 + boolInt(pred >= 0), prefix: prefix, predArg: pred, ret: one(D),
			state: func(s *aggSpec) aggState {
				limit := defMax
				if k := constAt(s, 1+boolInt(pred >= 0)); k != nil {
					if n, ok := argInt(*k); ok && n > 0 {
						limit = n
					}
				}
				return &collectState{set: set, max: int(limit)}
			}}, aliases...)
	}
	collect("make_set", "set", true, -1, 1048576)
	collect("makeset", "set", true, -1, 128)
	collect("make_set_if", "set", true, 1, 1048576)
	collect("make_list", "list", false, -1, 1048576)
	collect("makelist", "list", false, -1, 128)
	collect("make_list_if", "list", false, 1, 1048576)
	regAgg(&aggDef{name: "make_list_with_nulls", minArgs: 1, maxArgs: 2, prefix: "list", predArg: -1, ret: one(D),
		state: func(*aggSpec) aggState { return &collectState{max: 1048576, nulls: true} }})
	regAgg(&aggDef{name: "make_bag", minArgs: 1, maxArgs: 2, prefix: "bag", predArg: -1, ret: one(D),
		state: func(*aggSpec) aggState { return &bagState{} }})
	regAgg(&aggDef{name: "make_bag_if", minArgs: 2, maxArgs: 3, prefix: "bag", predArg: 1, ret: one(D),
		state: func(*aggSpec) aggState { return &bagState{} }})
	regAgg(&aggDef{name: "take_any", minArgs: 1, maxArgs: -1, prefix: "any", predArg: -1,
		ret:   func(s *aggSpec) ([]data.Type, error) { return s.argTypes, nil },
		state: func(s *aggSpec) aggState { return &anyState{types: s.argTypes} }}, "any")
	regAgg(&aggDef{name: "take_anyif", minArgs: 2, prefix: "any", predArg: 1, ret: argType0,
		state: func(s *aggSpec) aggState { return &anyState{types: s.argTypes[:1]} }}, "anyif")
	regAgg(&aggDef{name: "stdev", minArgs: 1, prefix: "stdev", predArg: -1, ret: one(R), state: newMoments("stdev")})
	regAgg(&aggDef{name: "stdevif", minArgs: 2, prefix: "stdevif", predArg: 1, ret: one(R), state: newMoments("stdev")})
	regAgg(&aggDef{name: "stdevp", minArgs: 1, prefix: "stdevp", predArg: -1, ret: one(R), state: newMoments("stdevp")})
	regAgg(&aggDef{name: "variance", minArgs: 1, prefix: "variance", predArg: -1, ret: one(R), state: newMoments("variance")})
	regAgg(&aggDef{name: "varianceif", minArgs: 2, prefix: "varianceif", predArg: 1, ret: one(R), state: newMoments("variance")})
	regAgg(&aggDef{name: "variancep", minArgs: 1, prefix: "variancep", predArg: -1, ret: one(R), state: newMoments("variancep")})
	regAgg(&aggDef{name: "percentile", minArgs: 2, prefix: "percentile", predArg: -1, ret: pctType, state: newPercentiles(false)})
	regAgg(&aggDef{name: "percentiles", minArgs: 2, maxArgs: -1, prefix: "percentile", predArg: -1, ret: pctType, state: newPercentiles(false)})
	regAgg(&aggDef{name: "percentiles_array", minArgs: 2, maxArgs: -1, prefix: "percentiles", predArg: -1, ret: one(D), state: newPercentiles(true)})
	regAgg(&aggDef{name: "hll", minArgs: 1, maxArgs: 2, prefix: "hll", predArg: -1, ret: one(D), state: func(*aggSpec) aggState { return &collectState{set: true, max: 1 << 20, hashes: true} }})
	regAgg(&aggDef{name: "hll_if", minArgs: 2, maxArgs: 3, prefix: "hll", predArg: 1, ret: one(D), state: func(*aggSpec) aggState { return &collectState{set: true, max: 1 << 20, hashes: true} }})
	regAgg(&aggDef{name: "hll_merge", minArgs: 1, prefix: "hll_merge", predArg: -1, ret: one(D), state: func(*aggSpec) aggState { return &collectState{set: true, max: 1 << 20, flatten: true} }})
	regAgg(&aggDef{name: "buildschema", minArgs: 1, prefix: "schema", predArg: -1, ret: one(D), state: func(*aggSpec) aggState { return &schemaState{} }})
	// arg_max/arg_min keep the row of the extreme value; the summarize
	// operator evaluates their other arguments on those rows.
	regAgg(&aggDef{name: "arg_max", minArgs: 1, maxArgs: -1, prefix: "max", predArg: -1, ret: argType0,
		state: func(s *aggSpec) aggState { return &argExtremeState{sign: 1} }}, "argmax")
	regAgg(&aggDef{name: "arg_min", minArgs: 1, maxArgs: -1, prefix: "min", predArg: -1, ret: argType0,
		state: func(s *aggSpec) aggState { return &argExtremeState{sign: -1} }}, "argmin")

	// Scalar companions of hll.
	reg(&fnDef{name: "dcount_hll", minArgs: 1, retType: L, row: func(_ *fnCtx, a []data.Value) data.Value {
		arr, ok := argDyn(a[0]).([]any)
		if !ok {
			return data.LongValue(0)
		}
		return data.LongValue(int64(len(arr)))
	}})
}

func boolInt(b bool) int {
	if b {
		return 1
	}
	return 0
}

func constAt(s *aggSpec, i int) *data.Value {
	if i < len(s.consts) {
		return s.consts[i]
	}
	return nil
}

// count / countif

type countState struct{ counts []int64 }

func (s *countState) grow(n int) { s.counts = growSlice(s.counts, n) }
func (s *countState) update(_ *batch, gids []uint32, _ []val, n int) {
	c := s.counts
	for _, g := range gids[:n] {
		if g != noGroup {
			c[g]++
		}
	}
}
func (s *countState) result(n int) []*data.Vector {
	return []*data.Vector{intVec(data.Long, growSlice(s.counts, n)[:n], nil)}
}

// sum / avg

func sumType(s *aggSpec) ([]data.Type, error) {
	switch t := s.argTypes[0]; t {
	case data.Int, data.Long, data.Bool:
		return []data.Type{data.Long}, nil
	case data.Real, data.Decimal, data.TimeSpan:
		return []data.Type{t}, nil
	case data.Dynamic, data.String:
		return []data.Type{data.Real}, nil
	default:
		return nil, fmt.Errorf("sum() cannot add values of type %s", t)
	}
}

func avgType(s *aggSpec) ([]data.Type, error) {
	switch t := s.argTypes[0]; t {
	case data.TimeSpan, data.DateTime:
		return []data.Type{t}, nil
	case data.Int, data.Long, data.Bool, data.Real, data.Decimal, data.Dynamic, data.String:
		return []data.Type{data.Real}, nil
	default:
		return nil, fmt.Errorf("avg() cannot average values of type %s", t)
	}
}

type sumState struct {
	rt     data.Type
	avg    bool
	ints   []int64
	floats []float64
	counts []int64
}

func newSum(s *aggSpec) aggState { return &sumState{rt: s.rt} }
func newAvg(s *aggSpec) aggState { return &sumState{rt: s.rt, avg: true} }

func (s *sumState) grow(n int) {
	s.ints, s.floats, s.counts = growSlice(s.ints, n), growSlice(s.floats, n), growSlice(s.counts, n)
}

func (s *sumState) update(_ *batch, gids []uint32, args []val, n int) {
	x := args[0]
	if !x.isConst() && x.v.Type.Storage() == data.StoreInt && !s.avg {
		for i, g := range gids[:n] {
			if g != noGroup && !x.v.IsNull(i) {
				s.ints[g] += x.v.Ints[i]
				s.counts[g]++
			}
		}
		return
	}
	for i, g := range gids[:n] {
		if g == noGroup {
			continue
		}
		v := unwrap(x.at(i))
		if v.Null {
			continue
		}
		switch v.Type.Storage() {
		case data.StoreInt, data.StoreBool:
			if s.rt.Storage() == data.StoreInt {
				s.ints[g] += v.I
			} else {
				s.floats[g] += float64(v.I)
			}
		case data.StoreReal:
			s.floats[g] += v.F
		case data.StoreString:
			f, ok := argFloat(v)
			if !ok {
				continue
			}
			s.floats[g] += f
		default:
			continue
		}
		s.counts[g]++
	}
}

func (s *sumState) result(n int) []*data.Vector {
	s.grow(n)
	b := data.NewVectorBuilder(s.rt, n)
	for g := 0; g < n; g++ {
		switch {
		case s.avg && s.counts[g] == 0:
			b.AppendNull()
		case s.avg && s.rt.Storage() == data.StoreInt:
			b.AppendInt(int64(math.Round((float64(s.ints[g]) + s.floats[g]) / float64(s.counts[g]))))
		case s.avg:
			b.AppendReal((float64(s.ints[g]) + s.floats[g]) / float64(s.counts[g]))
		case s.rt.Storage() == data.StoreInt:
			b.AppendInt(s.ints[g])
		default:
			b.AppendReal(s.floats[g] + float64(s.ints[g]))
		}
	}
	return []*data.Vector{b.Build()}
}

// min / max

type extremeState struct {
	sign int
	t    data.Type
	best []data.Value
	has  []bool
	ints []int64
}

func (s *extremeState) grow(n int) {
	if s.t.Storage() == data.StoreInt {
		s.ints = growSlice(s.ints, n)
	} else {
		s.best = growSlice(s.best, n)
	}
	s.has = growSlice(s.has, n)
}

func (s *extremeState) update(_ *batch, gids []uint32, args []val, n int) {
	x := args[0]
	if !x.isConst() && x.v.Type.Storage() == data.StoreInt && s.t.Storage() == data.StoreInt {
		xs := x.v.Ints
		for i, g := range gids[:n] {
			if g == noGroup || x.v.IsNull(i) {
				continue
			}
			v := xs[i]
			if !s.has[g] || (s.sign > 0 && v > s.ints[g]) || (s.sign < 0 && v < s.ints[g]) {
				s.ints[g], s.has[g] = v, true
			}
		}
		return
	}
	for i, g := range gids[:n] {
		if g == noGroup {
			continue
		}
		v := x.at(i)
		if v.Null || (v.Type == data.String && v.S == "") {
			continue
		}
		if s.t.Storage() == data.StoreInt {
			c := data.Convert(v, s.t)
			if c.Null {
				continue
			}
			if !s.has[g] || (s.sign > 0 && c.I > s.ints[g]) || (s.sign < 0 && c.I < s.ints[g]) {
				s.ints[g], s.has[g] = c.I, true
			}
			continue
		}
		if !s.has[g] {
			s.best[g], s.has[g] = v, true
			continue
		}
		if c, ok := cmpValues(v, s.best[g]); ok && c*s.sign > 0 {
			s.best[g] = v
		}
	}
}

func (s *extremeState) result(n int) []*data.Vector {
	s.grow(n)
	b := data.NewVectorBuilder(s.t, n)
	for g := 0; g < n; g++ {
		switch {
		case !s.has[g]:
			b.AppendNull()
		case s.t.Storage() == data.StoreInt:
			b.AppendInt(s.ints[g])
		default:
			b.Append(s.best[g])
		}
	}
	return []*data.Vector{b.Build()}
}

// dcount / count_distinct: distinct 64-bit hashes per group (exact up to
// hash collisions; Kusto's dcount is itself an estimate).

type dkey struct {
	g uint32
	h uint64
}

type dcountState struct {
	// seen holds (group, value hash) pairs folded into 64 bits: the
	// open-addressing set is much faster than a Go map of pairs, and the
	// extra collision risk is far below dcount's own estimation error.
	seen   *u64map
	counts []int64
}

func newDcount(*aggSpec) aggState { return &dcountState{seen: newU64Map(1024)} }

func (s *dcountState) grow(n int) { s.counts = growSlice(s.counts, n) }

func (s *dcountState) update(b *batch, gids []uint32, args []val, n int) {
	x := args[0]
	hs := hashVec(x, n)
	for i, g := range gids[:n] {
		if g == noGroup || isNullAt(x, i) {
			continue
		}
		if s.seen.insert(hs[i] ^ mix64(uint64(g)+0x9e3779b97f4a7c15)) {
			s.counts[g]++
		}
	}
	if b != nil && b.run != nil {
		_ = b.run.charge(0, "dcount")
	}
}

func (s *dcountState) result(n int) []*data.Vector {
	return []*data.Vector{intVec(data.Long, growSlice(s.counts, n)[:n], nil)}
}

// make_set / make_list / hll

type collectState struct {
	set     bool
	nulls   bool // make_list_with_nulls
	hashes  bool // hll: collect value hashes
	flatten bool // hll_merge: merge arrays
	max     int
	lists   [][]any
	seen    map[dkey]struct{}
}

func (s *collectState) grow(n int) { s.lists = growSlice(s.lists, n) }

func (s *collectState) add(g uint32, e any) {
	if len(s.lists[g]) >= s.max {
		return
	}
	if s.set {
		if s.seen == nil {
			s.seen = map[dkey]struct{}{}
		}
		k := dkey{g, hashValue(data.FromDynamic(e))}
		if _, dup := s.seen[k]; dup {
			return
		}
		s.seen[k] = struct{}{}
	}
	s.lists[g] = append(s.lists[g], e)
}

func (s *collectState) update(_ *batch, gids []uint32, args []val, n int) {
	x := args[0]
	for i, g := range gids[:n] {
		if g == noGroup {
			continue
		}
		v := x.at(i)
		if v.Null && !s.nulls {
			continue
		}
		if s.hashes {
			s.add(g, int64(hashValue(v)&math.MaxInt64))
			continue
		}
		d := v.Dynamic()
		if arr, ok := d.([]any); ok && v.Type == data.Dynamic {
			// Arrays are flattened into the set/list, as Kusto does.
			for _, e := range arr {
				if e != nil || s.nulls {
					s.add(g, e)
				}
			}
			continue
		}
		s.add(g, d)
	}
}

func (s *collectState) result(n int) []*data.Vector {
	s.grow(n)
	b := data.NewVectorBuilder(data.Dynamic, n)
	for g := 0; g < n; g++ {
		l := s.lists[g]
		if l == nil {
			l = []any{}
		}
		b.AppendDynamic(l)
	}
	return []*data.Vector{b.Build()}
}

// make_bag

type bagState struct{ bags []map[string]any }

func (s *bagState) grow(n int) { s.bags = growSlice(s.bags, n) }

func (s *bagState) update(_ *batch, gids []uint32, args []val, n int) {
	x := args[0]
	for i, g := range gids[:n] {
		if g == noGroup {
			continue
		}
		m, ok := x.at(i).Dynamic().(map[string]any)
		if !ok {
			continue
		}
		if s.bags[g] == nil {
			s.bags[g] = map[string]any{}
		}
		for k, v := range m {
			if _, dup := s.bags[g][k]; !dup {
				s.bags[g][k] = v
			}
		}
	}
}

func (s *bagState) result(n int) []*data.Vector {
	s.grow(n)
	b := data.NewVectorBuilder(data.Dynamic, n)
	for g := 0; g < n; g++ {
		m := s.bags[g]
		if m == nil {
			m = map[string]any{}
		}
		b.AppendDynamic(m)
	}
	return []*data.Vector{b.Build()}
}

// take_any

type anyState struct {
	types []data.Type
	vals  [][]data.Value
	has   []bool
}

func (s *anyState) grow(n int) {
	s.has = growSlice(s.has, n)
	s.vals = growSlice(s.vals, n)
}

func (s *anyState) update(_ *batch, gids []uint32, args []val, n int) {
	for i, g := range gids[:n] {
		if g == noGroup || s.has[g] {
			continue
		}
		// take_any prefers a row where the first argument is not null.
		if isNullAt(args[0], i) {
			continue
		}
		row := make([]data.Value, len(s.types))
		for j := range s.types {
			row[j] = args[j].at(i)
		}
		s.vals[g], s.has[g] = row, true
	}
}

func (s *anyState) result(n int) []*data.Vector {
	s.grow(n)
	out := make([]*data.Vector, len(s.types))
	for j, t := range s.types {
		b := data.NewVectorBuilder(t, n)
		for g := 0; g < n; g++ {
			if s.has[g] {
				b.Append(s.vals[g][j])
			} else {
				b.AppendNull()
			}
		}
		out[j] = b.Build()
	}
	return out
}
