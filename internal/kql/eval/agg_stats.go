package eval

import (
	"fmt"
	"math"
	"sort"

	"github.com/sentinel-mcp/sentinel-mcp/internal/kql/data"
)

// stdev / variance (Welford)

type momentsState struct {
	kind        string
	n           []float64
	mean, m2sum []float64
}

func newMoments(kind string) func(*aggSpec) aggState {
	return func(*aggSpec) aggState { return &momentsState{kind: kind} }
}

func (s *momentsState) grow(n int) {
	s.n, s.mean, s.m2sum = growSlice(s.n, n), growSlice(s.mean, n), growSlice(s.m2sum, n)
}

func (s *momentsState) update(_ *batch, gids []uint32, args []val, n int) {
	for i, g := range gids[:n] {
		if g == noGroup {
			continue
		}
		x, ok := argFloat(args[0].at(i))
		if !ok {
			continue
		}
		s.n[g]++
		d := x - s.mean[g]
		s.mean[g] += d / s.n[g]
		s.m2sum[g] += d * (x - s.mean[g])
	}
}

func (s *momentsState) result(n int) []*data.Vector {
	s.grow(n)
	b := data.NewVectorBuilder(data.Real, n)
	for g := 0; g < n; g++ {
		cnt := s.n[g]
		var v float64
		switch s.kind {
		case "stdev", "variance":
			if cnt < 2 {
				b.AppendReal(0)
				continue
			}
			v = s.m2sum[g] / (cnt - 1)
		default:
			if cnt < 1 {
				b.AppendNull()
				continue
			}
			v = s.m2sum[g] / cnt
		}
		if s.kind == "stdev" || s.kind == "stdevp" {
			v = math.Sqrt(v)
		}
		b.AppendReal(v)
	}
	return []*data.Vector{b.Build()}
}

// percentile(s): exact nearest-rank over the collected values.

func pctType(s *aggSpec) ([]data.Type, error) {
	t := s.argTypes[0]
	switch t {
	case data.Int:
		t = data.Long
	case data.Long, data.Real, data.Decimal, data.DateTime, data.TimeSpan:
	case data.Dynamic, data.String:
		t = data.Real
	default:
		return nil, fmt.Errorf("percentile() needs numbers, datetimes or timespans, got %s", t)
	}
	out := make([]data.Type, 0, len(s.argTypes)-1)
	for range s.argTypes[1:] {
		out = append(out, t)
	}
	return out, nil
}

type pctState struct {
	asArray bool
	t       data.Type
	ps      []float64
	vals    [][]float64
}

func newPercentiles(asArray bool) func(*aggSpec) aggState {
	return func(s *aggSpec) aggState {
		st := &pctState{asArray: asArray, t: s.argTypes[0]}
		if !st.t.IsNumeric() && st.t != data.DateTime && st.t != data.TimeSpan {
			st.t = data.Real
		}
		for i := 1; i < len(s.consts); i++ {
			p := 50.0
			if k := s.consts[i]; k != nil {
				if arr, ok := argDyn(*k).([]any); ok {
					for _, e := range arr {
						if f, ok := argFloat(data.FromDynamic(e)); ok {
							st.ps = append(st.ps, f)
						}
					}
					continue
				}
				p, _ = argFloat(*k)
			}
			st.ps = append(st.ps, p)
		}
		return st
	}
}

func (s *pctState) grow(n int) { s.vals = growSlice(s.vals, n) }

func (s *pctState) update(_ *batch, gids []uint32, args []val, n int) {
	for i, g := range gids[:n] {
		if g == noGroup {
			continue
		}
		v := unwrap(args[0].at(i))
		if v.Null {
			continue
		}
		var f float64
		if v.Type.Storage() == data.StoreInt {
			f = float64(v.I)
		} else if x, ok := argFloat(v); ok {
			f = x
		} else {
			continue
		}
		s.vals[g] = append(s.vals[g], f)
	}
}

func (s *pctState) result(n int) []*data.Vector {
	s.grow(n)
	pick := func(vs []float64, p float64) (float64, bool) {
		if len(vs) == 0 {
			return 0, false
		}
		idx := int(math.Ceil(p/100*float64(len(vs)))) - 1
		idx = max(0, min(idx, len(vs)-1))
		return vs[idx], true
	}
	for _, vs := range s.vals[:n] {
		sort.Float64s(vs)
	}
	if s.asArray {
		b := data.NewVectorBuilder(data.Dynamic, n)
		for g := 0; g < n; g++ {
			arr := make([]any, 0, len(s.ps))
			for _, p := range s.ps {
				if f, ok := pick(s.vals[g], p); ok {
					arr = append(arr, data.Convert(data.RealValue(f), s.t).Dynamic())
				} else {
					arr = append(arr, nil)
				}
			}
			b.AppendDynamic(arr)
		}
		return []*data.Vector{b.Build()}
	}
	out := make([]*data.Vector, len(s.ps))
	for j, p := range s.ps {
		b := data.NewVectorBuilder(s.t, n)
		for g := 0; g < n; g++ {
			f, ok := pick(s.vals[g], p)
			switch {
			case !ok:
				b.AppendNull()
			case s.t.Storage() == data.StoreInt:
				b.AppendInt(int64(f))
			default:
				b.AppendReal(f)
			}
		}
		out[j] = b.Build()
	}
	return out
}

// buildschema

type schemaState struct{ schemas []map[string]any }

func (s *schemaState) grow(n int) { s.schemas = growSlice(s.schemas, n) }

func (s *schemaState) update(_ *batch, gids []uint32, args []val, n int) {
	for i, g := range gids[:n] {
		if g == noGroup {
			continue
		}
		m, ok := args[0].at(i).Dynamic().(map[string]any)
		if !ok {
			continue
		}
		if s.schemas[g] == nil {
			s.schemas[g] = map[string]any{}
		}
		mergeSchema(s.schemas[g], m)
	}
}

func mergeSchema(dst, src map[string]any) {
	for k, v := range src {
		if sub, ok := v.(map[string]any); ok {
			d, _ := dst[k].(map[string]any)
			if d == nil {
				d = map[string]any{}
				dst[k] = d
			}
			mergeSchema(d, sub)
			continue
		}
		t := data.DynamicTypeOf(v)
		switch have := dst[k].(type) {
		case nil:
			dst[k] = t
		case string:
			if have != t {
				dst[k] = []any{have, t}
			}
		case []any:
			found := false
			for _, e := range have {
				if e == t {
					found = true
				}
			}
			if !found {
				dst[k] = append(have, t)
			}
		}
	}
}

func (s *schemaState) result(n int) []*data.Vector {
	s.grow(n)
	b := data.NewVectorBuilder(data.Dynamic, n)
	for g := 0; g < n; g++ {
		if s.schemas[g] == nil {
			b.AppendNull()
		} else {
			b.AppendDynamic(s.schemas[g])
		}
	}
	return []*data.Vector{b.Build()}
}

// arg_max / arg_min

type argExtremeState struct {
	sign int
	best []data.Value
	rows []int32
	has  []bool
}

func (s *argExtremeState) grow(n int) {
	s.best, s.rows, s.has = growSlice(s.best, n), growSlice(s.rows, n), growSlice(s.has, n)
}

func (s *argExtremeState) update(b *batch, gids []uint32, args []val, n int) {
	x := args[0]
	fastInt := !x.isConst() && x.v.Type.Storage() == data.StoreInt
	for i, g := range gids[:n] {
		if g == noGroup {
			continue
		}
		if fastInt {
			if x.v.IsNull(i) {
				continue
			}
			v := x.v.Ints[i]
			if !s.has[g] || (s.sign > 0 && v > s.best[g].I) || (s.sign < 0 && v < s.best[g].I) {
				s.best[g] = data.Value{Type: x.v.Type, I: v}
				s.rows[g], s.has[g] = int32(b.rowIndex(i)), true
			}
			continue
		}
		v := x.at(i)
		if v.Null {
			continue
		}
		if !s.has[g] {
			s.best[g], s.rows[g], s.has[g] = v, int32(b.rowIndex(i)), true
			continue
		}
		if c, ok := cmpValues(v, s.best[g]); ok && c*s.sign > 0 {
			s.best[g], s.rows[g] = v, int32(b.rowIndex(i))
		}
	}
}

// result is unused: the summarize operator reads rows and has directly.
func (s *argExtremeState) result(n int) []*data.Vector { return nil }
