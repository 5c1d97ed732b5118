package seed

import (
	"math"
	"math/rand/v2"
	"strconv"
	"time"

	"github.com/sentinel-mcp/sentinel-mcp/internal/emulator/world"
	"github.com/sentinel-mcp/sentinel-mcp/internal/kql/data"
)

// humanHour is the relative activity of people at a local hour: a working-day curve from 7:00 to 19:00
// peaking early afternoon, a little activity in the evening and almost none at night.
func humanHour(h int) float64 {
	switch {
	case h >= 7 && h < 19:
		return 0.12 + math.Sin(math.Pi*float64(h-6)/13)
	case h >= 19 && h < 23:
		return 0.12
	}
	return 0.04
}

// hourWeights returns the relative volume of each hour of the window for a table: people follow working
// hours and weekdays in the tenant's time zone, machines are flat; diurnal mixes the two. With adjust,
// the seeded differences that change a table's volume (silent connector, ingestion anomaly) are applied,
// so every generator honours them.
func (g *genCtx) hourWeights(table string, diurnal float64, adjust bool) []float64 {
	return hourWeights(g.facts, g.ws, g.pop.home.TZ, g.start, g.now, g.days, table, diurnal, adjust)
}

func hourWeights(facts world.Facts, ws world.Workspace, tz int, start, now time.Time, days int, table string,
	diurnal float64, adjust bool) []float64 {
	hours := days * 24
	w := make([]float64, hours)
	for h := range w {
		local := start.Add(time.Duration(h+tz) * time.Hour)
		v := humanHour(local.Hour())
		if wd := local.Weekday(); wd == time.Saturday || wd == time.Sunday {
			v *= 0.25
		}
		w[h] = (1-diurnal)*0.6 + diurnal*v
	}
	if !adjust {
		return w
	}
	for _, d := range facts.DiffsIn(ws.Name) {
		if d.Table != table {
			continue
		}
		switch d.Kind {
		case world.DiffSilentConnector:
			cut := now.Add(-d.Silent)
			for h := range w {
				if !start.Add(time.Duration(h) * time.Hour).Before(cut) {
					w[h] = 0
				}
			}
		case world.DiffIngestionAnomaly:
			day := now.Truncate(24*time.Hour).AddDate(0, 0, -d.DaysAgo)
			for h := range w {
				if t := start.Add(time.Duration(h) * time.Hour); !t.Before(day) && t.Before(day.Add(24*time.Hour)) {
					w[h] *= d.Factor
				}
			}
		}
	}
	return w
}

// hourCounts distributes n rows over the window's hours by weight. The per-hour rate comes from the
// unadjusted weights, so a silent connector removes rows and an anomaly adds rows on top of n (an anomaly
// is extra volume, not a redistribution).
func hourCounts(base, adjusted []float64, n int) []int {
	total := 0.0
	for _, v := range base {
		total += v
	}
	out := make([]int, len(adjusted))
	if n <= 0 || total == 0 {
		return out
	}
	carry := 0.0
	for h, v := range adjusted {
		exact := float64(n)*v/total + carry
		out[h] = int(exact)
		carry = exact - float64(out[h])
	}
	return out
}

// spread emits the current table's n background rows over the window as n/perEvent events, calling emit
// with each event's time (in time order across hours, random within the hour).
func (g *genCtx) spread(n int, emit func(ts time.Time)) {
	counts := g.eventCounts(n)
	for h, k := range counts {
		hs := g.start.Add(time.Duration(h) * time.Hour)
		for i := 0; i < k; i++ {
			emit(hs.Add(time.Duration(g.r.Int64N(int64(time.Hour)))))
		}
	}
}

// eventCounts is the number of background events of the current table in each hour.
func (g *genCtx) eventCounts(n int) []int {
	return hourCounts(g.hourWeights(g.cur.name, g.cur.diurnal, false), g.hourWeights(g.cur.name, g.cur.diurnal, true),
		n/max(1, g.cur.perEvent))
}

// pick returns a random element.
func pick[T any](r *rand.Rand, xs []T) T { return xs[r.IntN(len(xs))] }

// weighted picks an index by weight.
func weighted(r *rand.Rand, weights []float64) int {
	total := 0.0
	for _, w := range weights {
		total += w
	}
	x := r.Float64() * total
	for i, w := range weights {
		if x < w {
			return i
		}
		x -= w
	}
	return len(weights) - 1
}

// guid returns a random (version 4) GUID from the current table's generator: stable for a seed.
func (g *genCtx) guid() string { return randGUID(g.r) }

func randGUID(r *rand.Rand) string {
	var b data.UUID
	x, y := r.Uint64(), r.Uint64()
	for i := 0; i < 8; i++ {
		b[i], b[8+i] = byte(x>>(8*i)), byte(y>>(8*i))
	}
	b[6] = (b[6] & 0x0f) | 0x40
	b[8] = (b[8] & 0x3f) | 0x80
	return b.String()
}

// hexID returns n random lower-case hex digits.
func (g *genCtx) hexID(n int) string {
	const digits = "0123456789abcdef"
	b := make([]byte, n)
	for i := range b {
		b[i] = digits[g.r.IntN(16)]
	}
	return string(b)
}

// jsonString renders a dynamic value as JSON text (for the string columns that hold JSON).
func jsonString(v any) string { return string(data.AppendJSON(nil, data.NormalizeDynamic(v))) }

// itoa formats an integer.
func itoa(n int64) string { return strconv.FormatInt(n, 10) }

// volume is a table's rows and billed bytes in one hour.
type volume struct {
	rows  int
	bytes float64
}

// hourlyVolume sums a table's rows and _BilledSize per hour of the window (rows outside it are ignored).
func hourlyVolume(t *data.Table, start time.Time, days int) []volume {
	out := make([]volume, days*24)
	ti := t.Schema().TimeColumnIndex()
	bi := t.Schema().Index("_BilledSize")
	if ti < 0 || bi < 0 {
		return out
	}
	times, sizes := t.Column(ti), t.Column(bi)
	s0, hour := data.TimeToTicks(start), data.DurationToTicks(time.Hour)
	for i := 0; i < t.Len(); i++ {
		if times.IsNull(i) {
			continue
		}
		h := (times.Ints[i] - s0) / hour
		if times.Ints[i] < s0 || h >= int64(len(out)) {
			continue
		}
		out[h].rows++
		out[h].bytes += sizes.Reals[i]
	}
	return out
}
