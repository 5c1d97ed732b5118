package eval

import (
	"github.com/sentinel-mcp/sentinel-mcp/internal/kql/data"
)

// seriesSpec is a compiled make-series.
type seriesSpec struct {
	calls    []*aggCall
	defaults []data.Value
	axis     expr
	axisName string
	from, to expr // nil: derived from the data
	step     expr
	keys     []namedExpr
}

// makeSeriesRel implements make-series: one row per key combination, each
// aggregation a dynamic array over the bins of the axis.
func makeSeriesRel(rc *runCtx, sc *scope, r *rel, s *seriesSpec) (*rel, error) {
	axis, err := evalColumn(rc, sc, r, s.axis, false)
	if err != nil {
		return nil, err
	}
	scalar := func(e expr) (data.Value, error) {
		v, err := e.eval(newBatch(rc, sc, r, 0, 0))
		if err != nil {
			return data.Value{}, err
		}
		return v.k, nil
	}
	stepV, err := scalar(s.step)
	if err != nil {
		return nil, err
	}
	isTime := axis.Type == data.DateTime || axis.Type == data.TimeSpan
	toNum := func(v data.Value) (float64, bool) {
		v = unwrap(v)
		if v.Null {
			return 0, false
		}
		if v.Type.Storage() == data.StoreInt {
			return float64(v.I), true
		}
		return argFloat(v)
	}
	step, ok := toNum(stepV)
	if !ok || step <= 0 {
		return nil, errorf(CodeSemantic, -1, "make-series step must be a positive value")
	}
	var lo, hi float64
	haveLo, haveHi := false, false
	if s.from != nil {
		v, err := scalar(s.from)
		if err != nil {
			return nil, err
		}
		lo, haveLo = toNum(v)
	}
	if s.to != nil {
		v, err := scalar(s.to)
		if err != nil {
			return nil, err
		}
		hi, haveHi = toNum(v)
	}
	if !haveLo || !haveHi {
		first := true
		var mn, mx float64
		for i := 0; i < axis.N; i++ {
			f, ok := toNum(axis.Value(i))
			if !ok {
				continue
			}
			if first || f < mn {
				mn = f
			}
			if first || f > mx {
				mx = f
			}
			first = false
		}
		if !haveLo {
			lo = mn
			if !first {
				lo = floorF(mn, step)
			}
		}
		if !haveHi {
			hi = mx + step
			if first {
				hi = lo
			}
		}
	}
	nbins := 0
	if hi > lo {
		nbins = int((hi-lo)/step + 0.999999999)
	}
	if nbins > 1<<20 {
		return nil, errorf(CodeLimitExceeded, -1, "make-series would produce %d bins; use a larger step", nbins)
	}
	// Rows inside the range, with their bin index.
	var keep []int32
	var bins []int64
	for i := 0; i < axis.N; i++ {
		f, ok := toNum(axis.Value(i))
		if !ok || f < lo || f >= hi {
			continue
		}
		keep = append(keep, int32(i))
		bins = append(bins, int64((f-lo)/step))
	}
	in := r.keep(nonNil(keep)).withColumn("\x00bin", intVec(data.Long, nonNilI(bins), nil))
	binIdx := in.colIndex("\x00bin")
	keys := append(append([]namedExpr(nil), s.keys...), namedExpr{name: "\x00bin", e: &colExpr{idx: binIdx, t: data.Long, name: "\x00bin"}})
	sum, err := summarizeRel(rc, sc, in, keys, s.calls)
	if err != nil {
		return nil, err
	}
	// Regroup the per-bin rows by the user keys into arrays.
	nk := len(s.keys)
	keyTypes := make([]data.Type, nk)
	keyVals := make([]val, nk)
	for i, k := range s.keys {
		keyTypes[i] = k.e.typ()
		keyVals[i] = vecVal(sum.dense(i))
	}
	g := newGrouper(keyTypes)
	gids := make([]uint32, sum.n)
	g.assign(keyVals, sum.n, gids)
	if nk == 0 && sum.n == 0 {
		g.ngroups = 0
	}
	ng := g.ngroups
	if err := rc.charge(int64(ng)*int64(nbins)*int64(16*(len(s.calls)+1)), "make-series"); err != nil {
		return nil, err
	}
	binCol := sum.dense(nk)
	var cols []data.Column
	var lc []lazyCol
	for i, kv := range g.keyColumns(keyTypes) {
		cols = append(cols, data.Column{Name: s.keys[i].name, Type: keyTypes[i]})
		lc = append(lc, lazyCol{base: kv})
	}
	for ci, c := range s.calls {
		arrays := make([][]any, ng)
		def := s.defaults[ci].Dynamic()
		for gid := range arrays {
			arr := make([]any, nbins)
			for k := range arr {
				arr[k] = def
			}
			arrays[gid] = arr
		}
		src := sum.dense(nk + 1 + ci)
		for row := 0; row < sum.n; row++ {
			b := binCol.Ints[row]
			if b >= 0 && int(b) < nbins {
				if v := src.Value(row); !v.Null {
					arrays[gids[row]][b] = v.Dynamic()
				}
			}
		}
		bld := data.NewVectorBuilder(data.Dynamic, ng)
		for _, a := range arrays {
			bld.AppendDynamic(a)
		}
		cols = append(cols, data.Column{Name: c.names[0], Type: data.Dynamic})
		lc = append(lc, lazyCol{base: bld.Build()})
	}
	axisArr := make([]any, nbins)
	for k := range axisArr {
		x := lo + float64(k)*step
		switch {
		case isTime:
			axisArr[k] = data.Value{Type: axis.Type, I: int64(x)}.Dynamic()
		case axis.Type.IsInteger():
			axisArr[k] = int64(x)
		default:
			axisArr[k] = x
		}
	}
	ab := data.NewVectorBuilder(data.Dynamic, ng)
	for gid := 0; gid < ng; gid++ {
		ab.AppendDynamic(axisArr)
	}
	cols = append(cols, data.Column{Name: s.axisName, Type: data.Dynamic})
	lc = append(lc, lazyCol{base: ab.Build()})
	return newRel(r.schema.Name, cols, lc, ng), nil
}

func floorF(x, step float64) float64 {
	q := int64(x / step)
	if float64(q)*step > x {
		q--
	}
	return float64(q) * step
}
