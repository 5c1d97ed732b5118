package eval

import (
	"math"
	"sort"
	"strings"

	"github.com/sentinel-mcp/sentinel-mcp/internal/kql/data"
)

// Series functions work on the dynamic arrays make-series produces. Some
// return several columns (series_fit_line, series_decompose_anomalies ...):
// `extend (a, b) = f(x)` names them, otherwise they are named
// <x>_<suffix> as in Kusto.

// multiFn is a function returning several columns.
type multiFn struct {
	name             string
	minArgs, maxArgs int
	suffixes         []string
	types            []data.Type
	// prefixed functions name their columns <name>_<x>_<suffix>.
	prefixed bool
	row      func(args []data.Value) []data.Value
}

var multiFuncs = map[string]*multiFn{}

func regMulti(f *multiFn) { multiFuncs[f.name] = f }

// seriesOf reads a dynamic array of numbers (nulls and non-numbers are
// NaN).
func seriesOf(v data.Value) []float64 {
	arr, ok := argDyn(v).([]any)
	if !ok {
		return nil
	}
	out := make([]float64, len(arr))
	for i, e := range arr {
		f, ok := argFloat(data.FromDynamic(e))
		if !ok {
			f = math.NaN()
		}
		out[i] = f
	}
	return out
}

func seriesValue(xs []float64) data.Value {
	out := make([]any, len(xs))
	for i, x := range xs {
		if math.IsNaN(x) {
			out[i] = nil
		} else {
			out[i] = x
		}
	}
	return data.DynamicValue(out)
}

func realOrNull(f float64) data.Value {
	if math.IsNaN(f) || math.IsInf(f, 0) {
		return data.NullValue(data.Real)
	}
	return data.RealValue(f)
}

// fitLine is the least-squares line through (i, y[i]).
func fitLine(y []float64) (slope, icept, rsq, variance, rvariance float64, fit []float64) {
	var n, sx, sy, sxx, sxy float64
	for i, v := range y {
		if math.IsNaN(v) {
			continue
		}
		x := float64(i)
		n++
		sx, sy, sxx, sxy = sx+x, sy+v, sxx+x*x, sxy+x*v
	}
	fit = make([]float64, len(y))
	if n == 0 {
		for i := range fit {
			fit[i] = math.NaN()
		}
		return math.NaN(), math.NaN(), math.NaN(), math.NaN(), math.NaN(), fit
	}
	if d := n*sxx - sx*sx; d != 0 {
		slope = (n*sxy - sx*sy) / d
	}
	icept = (sy - slope*sx) / n
	mean := sy / n
	var ssTot, ssRes float64
	for i, v := range y {
		fit[i] = icept + slope*float64(i)
		if math.IsNaN(v) {
			continue
		}
		ssTot += (v - mean) * (v - mean)
		ssRes += (v - fit[i]) * (v - fit[i])
	}
	rsq = 1
	if ssTot > 0 {
		rsq = 1 - ssRes/ssTot
	}
	if n > 1 {
		variance, rvariance = ssTot/(n-1), ssRes/(n-1)
	}
	return slope, icept, rsq, variance, rvariance, fit
}

// decompose splits y into seasonal, trend and residual parts; baseline is
// seasonal + trend. seasonality <= 0 means no seasonal part (Kusto's
// automatic detection is approximated by none).
func decompose(y []float64, seasonality int, trend string) (baseline, seasonal, trendPart, residual []float64) {
	n := len(y)
	trendPart = make([]float64, n)
	switch trend {
	case "linefit":
		_, _, _, _, _, fit := fitLine(y)
		copy(trendPart, fit)
	case "none":
	default: // avg
		var s, c float64
		for _, v := range y {
			if !math.IsNaN(v) {
				s, c = s+v, c+1
			}
		}
		if c > 0 {
			for i := range trendPart {
				trendPart[i] = s / c
			}
		}
	}
	seasonal = make([]float64, n)
	if seasonality > 1 && seasonality <= n/2 {
		sums := make([]float64, seasonality)
		counts := make([]float64, seasonality)
		for i, v := range y {
			if !math.IsNaN(v) {
				sums[i%seasonality] += v - trendPart[i]
				counts[i%seasonality]++
			}
		}
		for i := range seasonal {
			if c := counts[i%seasonality]; c > 0 {
				seasonal[i] = sums[i%seasonality] / c
			}
		}
	}
	baseline = make([]float64, n)
	residual = make([]float64, n)
	for i, v := range y {
		baseline[i] = seasonal[i] + trendPart[i]
		residual[i] = v - baseline[i]
	}
	return baseline, seasonal, trendPart, residual
}

// percentileOf is the p-th percentile (0-100) of the non-NaN values.
func percentileOf(xs []float64, p float64) float64 {
	vs := make([]float64, 0, len(xs))
	for _, x := range xs {
		if !math.IsNaN(x) {
			vs = append(vs, x)
		}
	}
	if len(vs) == 0 {
		return math.NaN()
	}
	sort.Float64s(vs)
	pos := p / 100 * float64(len(vs)-1)
	lo := int(math.Floor(pos))
	hi := min(lo+1, len(vs)-1)
	return vs[lo] + (vs[hi]-vs[lo])*(pos-float64(lo))
}

// tukeyScores scores each value by how far it lies outside the
// [lowP, highP] percentile range, in units of that range (Tukey's fences).
func tukeyScores(xs []float64, lowP, highP float64) []float64 {
	q1, q3 := percentileOf(xs, lowP), percentileOf(xs, highP)
	iqr := q3 - q1
	out := make([]float64, len(xs))
	for i, x := range xs {
		switch {
		case math.IsNaN(x) || math.IsNaN(iqr):
			out[i] = math.NaN()
		case iqr == 0:
			if x > q3 {
				out[i] = math.Inf(1)
			} else if x < q1 {
				out[i] = math.Inf(-1)
			}
		case x > q3:
			out[i] = (x - q3) / iqr
		case x < q1:
			out[i] = (x - q1) / iqr
		}
	}
	return out
}

func numArg(a []data.Value, i int, def float64) float64 {
	if i < len(a) {
		if f, ok := argFloat(a[i]); ok {
			return f
		}
	}
	return def
}

func strArg(a []data.Value, i int, def string) string {
	if i < len(a) && !a[i].Null && a[i].String() != "" {
		return strings.ToLower(a[i].String())
	}
	return def
}

func init() {
	R, D := data.Real, data.Dynamic
	regMulti(&multiFn{name: "series_fit_line", minArgs: 1, maxArgs: 1,
		suffixes: []string{"rsquare", "slope", "variance", "rvariance", "interception", "line_fit"},
		types:    []data.Type{R, R, R, R, R, D},
		row: func(a []data.Value) []data.Value {
			slope, icept, rsq, v, rv, fit := fitLine(seriesOf(a[0]))
			return []data.Value{realOrNull(rsq), realOrNull(slope), realOrNull(v), realOrNull(rv), realOrNull(icept), seriesValue(fit)}
		}})
	regMulti(&multiFn{name: "series_stats", minArgs: 1, maxArgs: 2, prefixed: true,
		suffixes: []string{"min", "min_idx", "max", "max_idx", "avg", "stdev", "variance"},
		types:    []data.Type{R, data.Long, R, data.Long, R, R, R},
		row: func(a []data.Value) []data.Value {
			st := seriesStats(seriesOf(a[0]))
			return []data.Value{st["min"], st["min_idx"], st["max"], st["max_idx"], st["avg"], st["stdev"], st["variance"]}
		}})
	regMulti(&multiFn{name: "series_decompose", minArgs: 1, maxArgs: 5,
		suffixes: []string{"baseline", "seasonal", "trend", "residual"}, types: []data.Type{D, D, D, D},
		row: func(a []data.Value) []data.Value {
			b, s, t, r := decompose(seriesOf(a[0]), int(numArg(a, 1, -1)), strArg(a, 2, "avg"))
			return []data.Value{seriesValue(b), seriesValue(s), seriesValue(t), seriesValue(r)}
		}})
	regMulti(&multiFn{name: "series_decompose_anomalies", minArgs: 1, maxArgs: 7,
		suffixes: []string{"ad_flag", "ad_score", "baseline"}, types: []data.Type{D, D, D},
		row: func(a []data.Value) []data.Value {
			y := seriesOf(a[0])
			threshold := numArg(a, 1, 1.5)
			base, _, _, resid := decompose(y, int(numArg(a, 2, -1)), strArg(a, 3, "avg"))
			scores := tukeyScores(resid, 25, 75)
			flags := make([]any, len(y))
			sc := make([]any, len(y))
			for i, s := range scores {
				flags[i], sc[i] = int64(0), 0.0
				if math.IsNaN(s) {
					continue
				}
				if math.IsInf(s, 0) {
					s = math.Copysign(1e6, s)
				}
				sc[i] = s
				switch {
				case s > threshold:
					flags[i] = int64(1)
				case s < -threshold:
					flags[i] = int64(-1)
				}
			}
			return []data.Value{data.DynamicValue(flags), data.DynamicValue(sc), seriesValue(base)}
		}})

	reg(&fnDef{name: "series_outliers", minArgs: 1, maxArgs: 5, retType: D, row: func(_ *fnCtx, a []data.Value) data.Value {
		lo, hi := numArg(a, 3, 10), numArg(a, 4, 90)
		scores := tukeyScores(seriesOf(a[0]), lo, hi)
		for i, s := range scores {
			if math.IsInf(s, 0) {
				scores[i] = math.Copysign(1e6, s)
			}
		}
		return seriesValue(scores)
	}})
	reg(&fnDef{name: "series_stats_dynamic", minArgs: 1, maxArgs: 2, retType: D, row: func(_ *fnCtx, a []data.Value) data.Value {
		m := map[string]any{}
		for k, v := range seriesStats(seriesOf(a[0])) {
			m[k] = v.Dynamic()
		}
		return data.DynamicValue(m)
	}})
	fill := func(name string, f func(xs []float64, a []data.Value)) {
		reg(&fnDef{name: name, minArgs: 1, maxArgs: 3, retType: D, row: func(_ *fnCtx, a []data.Value) data.Value {
			xs := seriesOf(a[0])
			if xs == nil {
				return data.NullValue(D)
			}
			f(xs, a)
			return seriesValue(xs)
		}})
	}
	fill("series_fill_const", func(xs []float64, a []data.Value) {
		c := numArg(a, 1, 0)
		for i := range xs {
			if math.IsNaN(xs[i]) {
				xs[i] = c
			}
		}
	})
	fill("series_fill_forward", func(xs []float64, _ []data.Value) {
		for i := 1; i < len(xs); i++ {
			if math.IsNaN(xs[i]) {
				xs[i] = xs[i-1]
			}
		}
	})
	fill("series_fill_backward", func(xs []float64, _ []data.Value) {
		for i := len(xs) - 2; i >= 0; i-- {
			if math.IsNaN(xs[i]) {
				xs[i] = xs[i+1]
			}
		}
	})
	fill("series_fill_linear", func(xs []float64, _ []data.Value) {
		last := -1
		for i, x := range xs {
			if math.IsNaN(x) {
				continue
			}
			if last >= 0 && i-last > 1 {
				for k := last + 1; k < i; k++ {
					xs[k] = xs[last] + (x-xs[last])*float64(k-last)/float64(i-last)
				}
			}
			last = i
		}
	})
}

// seriesStats computes series_stats' values.
func seriesStats(xs []float64) map[string]data.Value {
	out := map[string]data.Value{}
	minV, maxV := math.Inf(1), math.Inf(-1)
	minI, maxI := int64(-1), int64(-1)
	var s, c float64
	for i, x := range xs {
		if math.IsNaN(x) {
			continue
		}
		if x < minV {
			minV, minI = x, int64(i)
		}
		if x > maxV {
			maxV, maxI = x, int64(i)
		}
		s, c = s+x, c+1
	}
	if c == 0 {
		for _, k := range []string{"min", "max", "avg", "stdev", "variance"} {
			out[k] = data.NullValue(data.Real)
		}
		out["min_idx"], out["max_idx"] = data.NullValue(data.Long), data.NullValue(data.Long)
		return out
	}
	mean := s / c
	var ss float64
	for _, x := range xs {
		if !math.IsNaN(x) {
			ss += (x - mean) * (x - mean)
		}
	}
	variance := 0.0
	if c > 1 {
		variance = ss / (c - 1)
	}
	out["min"], out["max"], out["avg"] = data.RealValue(minV), data.RealValue(maxV), data.RealValue(mean)
	out["min_idx"], out["max_idx"] = data.LongValue(minI), data.LongValue(maxI)
	out["variance"], out["stdev"] = data.RealValue(variance), data.RealValue(math.Sqrt(variance))
	return out
}
