package eval

import (
	"fmt"
	"math"
	"strings"
	"time"

	"github.com/sentinel-mcp/sentinel-mcp/internal/kql/data"
)

func init() {
	DT, TS, I, L := data.DateTime, data.TimeSpan, data.Int, data.Long
	reg(&fnDef{name: "now", minArgs: 0, maxArgs: 1, retType: DT, row: func(c *fnCtx, a []data.Value) data.Value {
		off := int64(0)
		if len(a) == 1 {
			off, _ = argTicks(a[0], TS)
		}
		return data.DateTimeValue(c.run.now + off)
	}}, "utcnow")
	reg(&fnDef{name: "ago", minArgs: 1, retType: DT, row: func(c *fnCtx, a []data.Value) data.Value {
		ts, ok := argTicks(a[0], TS)
		if !ok {
			return data.NullValue(DT)
		}
		return data.DateTimeValue(c.run.now - ts)
	}})
	reg(&fnDef{name: "datetime_add", minArgs: 3, retType: DT, constArgs: []int{0}, row: func(_ *fnCtx, a []data.Value) data.Value {
		n, ok1 := argInt(a[1])
		t, ok2 := argTicks(a[2], DT)
		if !ok1 || !ok2 {
			return data.NullValue(DT)
		}
		r, ok := datetimeAdd(lowerName(a[0]), n, t)
		if !ok {
			return data.NullValue(DT)
		}
		return data.DateTimeValue(r)
	}})
	reg(&fnDef{name: "datetime_diff", minArgs: 3, retType: L, constArgs: []int{0}, row: func(_ *fnCtx, a []data.Value) data.Value {
		t1, ok1 := argTicks(a[1], DT)
		t2, ok2 := argTicks(a[2], DT)
		if !ok1 || !ok2 {
			return data.NullValue(L)
		}
		r, ok := datetimeDiff(lowerName(a[0]), t1, t2)
		if !ok {
			return data.NullValue(L)
		}
		return data.LongValue(r)
	}})
	reg(&fnDef{name: "datetime_part", minArgs: 2, retType: data.Int, constArgs: []int{0}, row: func(_ *fnCtx, a []data.Value) data.Value {
		t, ok := argTicks(a[1], DT)
		if !ok {
			return data.NullValue(data.Int)
		}
		r, ok := datetimePart(lowerName(a[0]), t)
		if !ok {
			return data.NullValue(data.Int)
		}
		return data.IntValue(r)
	}}, "datepart")
	for _, p := range []struct {
		name string
		f    func(t time.Time, off int64) time.Time
	}{
		{"startofday", func(t time.Time, off int64) time.Time {
			y, m, d := t.Date()
			return time.Date(y, m, d+int(off), 0, 0, 0, 0, time.UTC)
		}},
		{"startofweek", func(t time.Time, off int64) time.Time {
			y, m, d := t.Date()
			return time.Date(y, m, d-int(t.Weekday())+7*int(off), 0, 0, 0, 0, time.UTC)
		}},
		{"startofmonth", func(t time.Time, off int64) time.Time {
			y, m, _ := t.Date()
			return time.Date(y, m+time.Month(off), 1, 0, 0, 0, 0, time.UTC)
		}},
		{"startofyear", func(t time.Time, off int64) time.Time {
			return time.Date(t.Year()+int(off), 1, 1, 0, 0, 0, 0, time.UTC)
		}},
	} {
		start := p.f
		reg(&fnDef{name: p.name, minArgs: 1, maxArgs: 2, retType: DT, row: periodFn(start, false)})
		reg(&fnDef{name: "endof" + strings.TrimPrefix(p.name, "startof"), minArgs: 1, maxArgs: 2, retType: DT, row: periodFn(start, true)})
	}
	part := func(name string, t data.Type, f func(time.Time) int64) {
		reg(&fnDef{name: name, minArgs: 1, retType: t, row: func(_ *fnCtx, a []data.Value) data.Value {
			ticks, ok := argTicks(a[0], DT)
			if !ok {
				return data.NullValue(t)
			}
			return data.Value{Type: t, I: f(data.TicksToTime(ticks))}
		}})
	}
	part("dayofweek", TS, func(t time.Time) int64 { return int64(t.Weekday()) * data.TicksPerDay })
	part("dayofmonth", I, func(t time.Time) int64 { return int64(t.Day()) })
	part("dayofyear", I, func(t time.Time) int64 { return int64(t.YearDay()) })
	part("hourofday", I, func(t time.Time) int64 { return int64(t.Hour()) })
	part("getmonth", I, func(t time.Time) int64 { return int64(t.Month()) })
	part("monthofyear", I, func(t time.Time) int64 { return int64(t.Month()) })
	part("getyear", I, func(t time.Time) int64 { return int64(t.Year()) })
	part("weekofyear", I, func(t time.Time) int64 { _, w := t.ISOWeek(); return int64(w) })
	part("week_of_year", I, func(t time.Time) int64 { _, w := t.ISOWeek(); return int64(w) })
	reg(&fnDef{name: "format_datetime", minArgs: 2, retType: data.String, constArgs: []int{1}, row: func(_ *fnCtx, a []data.Value) data.Value {
		t, ok := argTicks(a[0], DT)
		if !ok {
			return data.StringValue("")
		}
		return data.StringValue(formatDateTime(t, a[1].String()))
	}})
	reg(&fnDef{name: "format_timespan", minArgs: 2, retType: data.String, constArgs: []int{1}, row: func(_ *fnCtx, a []data.Value) data.Value {
		t, ok := argTicks(a[0], TS)
		if !ok {
			return data.StringValue("")
		}
		return data.StringValue(formatTimeSpan(t, a[1].String()))
	}})
	reg(&fnDef{name: "make_datetime", minArgs: 1, maxArgs: 7, retType: DT, row: func(_ *fnCtx, a []data.Value) data.Value {
		if len(a) == 1 { // make_datetime(value) converts, like todatetime()
			return data.Convert(unwrap(a[0]), DT)
		}
		if len(a) == 2 {
			return data.NullValue(DT)
		}
		var p [6]float64
		for i := range a[:min(len(a), 6)] {
			f, ok := argFloat(a[i])
			if !ok {
				return data.NullValue(DT)
			}
			p[i] = f
		}
		y, mo, d := int(p[0]), int(p[1]), int(p[2])
		if mo < 1 || mo > 12 || d < 1 || d > 31 || y < 1 || y > 9999 {
			return data.NullValue(DT)
		}
		sec := math.Floor(p[5])
		frac := int64(math.Round((p[5] - sec) * float64(data.TicksPerSecond)))
		return data.DateTimeValue(data.DateTimeTicks(y, mo, d, int(p[3]), int(p[4]), int(sec), frac))
	}})
	reg(&fnDef{name: "make_timespan", minArgs: 1, maxArgs: 4, retType: TS, row: func(_ *fnCtx, a []data.Value) data.Value {
		if len(a) == 1 { // make_timespan(value) converts, like totimespan()
			return data.Convert(unwrap(a[0]), TS)
		}
		var p []float64
		for _, v := range a {
			f, ok := argFloat(v)
			if !ok {
				return data.NullValue(TS)
			}
			p = append(p, f)
		}
		var d, h, m, s float64
		switch len(p) {
		case 2:
			h, m = p[0], p[1]
		case 3:
			h, m, s = p[0], p[1], p[2]
		case 4:
			d, h, m, s = p[0], p[1], p[2], p[3]
		}
		t := int64(d)*data.TicksPerDay + int64(h)*data.TicksPerHour + int64(m)*data.TicksPerMinute + int64(math.Round(s*float64(data.TicksPerSecond)))
		return data.TimeSpanValue(t)
	}})
	unix := func(name string, ticksPer float64) {
		reg(&fnDef{name: name, minArgs: 1, retType: DT, row: func(_ *fnCtx, a []data.Value) data.Value {
			f, ok := argFloat(a[0])
			if !ok {
				return data.NullValue(DT)
			}
			return data.DateTimeValue(int64(math.Round(f * ticksPer)))
		}})
	}
	unix("unixtime_seconds_todatetime", float64(data.TicksPerSecond))
	unix("unixtime_milliseconds_todatetime", float64(data.TicksPerMillisecond))
	unix("unixtime_microseconds_todatetime", float64(data.TicksPerMicrosecond))
	unix("unixtime_nanoseconds_todatetime", 0.01)
	reg(&fnDef{name: "bin", minArgs: 2, ret: binType, vec: vecBin, row: func(_ *fnCtx, a []data.Value) data.Value {
		return binScalar(a[0], a[1], data.Value{})
	}}, "floor")
	reg(&fnDef{name: "bin_at", minArgs: 3, ret: binType, row: func(_ *fnCtx, a []data.Value) data.Value {
		return binScalar(a[0], a[1], a[2])
	}})
	reg(&fnDef{name: "datetime_utc_to_local", minArgs: 2, retType: DT, constArgs: []int{1}, row: func(_ *fnCtx, a []data.Value) data.Value {
		return tzShift(a[0], a[1].String(), true)
	}})
	reg(&fnDef{name: "datetime_local_to_utc", minArgs: 2, retType: DT, constArgs: []int{1}, row: func(_ *fnCtx, a []data.Value) data.Value {
		return tzShift(a[0], a[1].String(), false)
	}})
}

func tzShift(v data.Value, tz string, toLocal bool) data.Value {
	t, ok := argTicks(v, data.DateTime)
	if !ok {
		return data.NullValue(data.DateTime)
	}
	loc, err := time.LoadLocation(tz)
	if err != nil {
		return data.NullValue(data.DateTime)
	}
	tt := data.TicksToTime(t)
	if toLocal {
		_, off := tt.In(loc).Zone()
		return data.DateTimeValue(t + int64(off)*data.TicksPerSecond)
	}
	y, mo, d := tt.Date()
	h, mi, s := tt.Clock()
	local := time.Date(y, mo, d, h, mi, s, tt.Nanosecond(), loc)
	return data.TimeValue(local)
}

func periodFn(start func(time.Time, int64) time.Time, end bool) func(*fnCtx, []data.Value) data.Value {
	return func(_ *fnCtx, a []data.Value) data.Value {
		t, ok := argTicks(a[0], data.DateTime)
		if !ok {
			return data.NullValue(data.DateTime)
		}
		off := int64(0)
		if len(a) == 2 {
			if off, ok = argInt(a[1]); !ok {
				return data.NullValue(data.DateTime)
			}
		}
		tt := data.TicksToTime(t)
		if end {
			return data.DateTimeValue(data.TimeToTicks(start(tt, off+1)) - 1)
		}
		return data.DateTimeValue(data.TimeToTicks(start(tt, off)))
	}
}

func binType(a []data.Type) (data.Type, error) {
	switch a[0] {
	case data.Int, data.Long:
		// integers round to long, or to real by a fractional-typed size
		if len(a) > 1 && (a[1] == data.Real || a[1] == data.Decimal) {
			return data.Real, nil
		}
		return data.Long, nil
	case data.DateTime, data.TimeSpan, data.Real, data.Decimal:
		return a[0], nil
	case data.Dynamic, data.String:
		return data.Real, nil
	}
	return data.Invalid, fmt.Errorf("bin() cannot round values of type %s", a[0])
}

// binScalar implements bin/bin_at: floor to a multiple of size (from at).
func binScalar(v, size, at data.Value) data.Value {
	v = unwrap(v)
	if v.Null || size.Null {
		return data.NullValue(v.Type)
	}
	switch v.Type {
	case data.DateTime, data.TimeSpan:
		s, ok := argTicks(size, data.TimeSpan)
		if size.Type.IsNumeric() {
			f, _ := argFloat(size)
			s, ok = int64(f*float64(data.TicksPerDay)), true
			if v.Type == data.TimeSpan {
				s = int64(f)
			}
		}
		if !ok || s <= 0 {
			return data.NullValue(v.Type)
		}
		origin := int64(0)
		if at.Type != data.Invalid {
			if origin, ok = argTicks(at, v.Type); !ok {
				return data.NullValue(v.Type)
			}
		}
		return data.Value{Type: v.Type, I: floorTo(v.I-origin, s) + origin}
	case data.Int, data.Long:
		if size.Type.Storage() == data.StoreReal {
			f, _ := argFloat(size)
			if f <= 0 {
				return data.NullValue(data.Real)
			}
			o, _ := argFloat(at)
			return data.RealValue(math.Floor((float64(v.I)-o)/f)*f + o)
		}
		s, ok := argInt(size)
		if !ok || s <= 0 {
			return data.NullValue(data.Long)
		}
		o, _ := argInt(at)
		return data.Value{Type: data.Long, I: floorTo(v.I-o, s) + o}
	default:
		f, ok := argFloat(v)
		s, ok2 := argFloat(size)
		if !ok || !ok2 || s <= 0 {
			return data.NullValue(data.Real)
		}
		o, _ := argFloat(at)
		return data.Value{Type: data.Real, F: math.Floor((f-o)/s)*s + o}
	}
}

func floorTo(x, s int64) int64 {
	q := x / s
	if x%s != 0 && x < 0 {
		q--
	}
	return q * s
}

// vecBin is the fast path for bin(column, constant) on datetimes and longs.
func vecBin(c *fnCtx, args []val, rt data.Type, n int) val {
	x, size := args[0], args[1]
	if x.isConst() || !size.isConst() || x.v.Type.Storage() != data.StoreInt || size.k.Null {
		return rowwise(c, funcs["bin"], args, rt, n)
	}
	var s int64
	switch {
	case (x.v.Type == data.DateTime || x.v.Type == data.TimeSpan) && size.k.Type == data.TimeSpan:
		s = size.k.I
	case x.v.Type.IsInteger() && size.k.Type.IsInteger():
		s = size.k.I
	default:
		return rowwise(c, funcs["bin"], args, rt, n)
	}
	if s <= 0 {
		return constVal(data.NullValue(rt))
	}
	out := make([]int64, n)
	for i, v := range x.v.Ints[:n] {
		q := v / s
		if v%s != 0 && v < 0 {
			q--
		}
		out[i] = q * s
	}
	return vecVal(intVec(rt, out, x.v.Nulls))
}

func datetimeAdd(part string, n, t int64) (int64, bool) {
	if p, ok := fixedPart(part); ok {
		return t + n*p, true
	}
	tt := data.TicksToTime(t)
	frac := t - data.TimeToTicks(tt.Truncate(time.Second))
	months := 0
	switch part {
	case "year":
		months = 12 * int(n)
	case "quarter":
		months = 3 * int(n)
	case "month":
		months = int(n)
	default:
		return 0, false
	}
	// Like .NET's AddMonths (which Kusto uses), the day is clamped to the
	// target month's length: Jan 31 + 1 month is Feb 28, not Mar 3.
	y, m, d := tt.Date()
	total := int(m) - 1 + months
	ty, tm := y+total/12, total%12
	if tm < 0 {
		tm += 12
		ty--
	}
	last := time.Date(ty, time.Month(tm+2), 0, 0, 0, 0, 0, time.UTC).Day()
	tt = time.Date(ty, time.Month(tm+1), min(d, last), tt.Hour(), tt.Minute(), tt.Second(), 0, time.UTC)
	return data.TimeToTicks(tt) + frac, true
}

func fixedPart(part string) (int64, bool) {
	switch part {
	case "week":
		return 7 * data.TicksPerDay, true
	case "day":
		return data.TicksPerDay, true
	case "hour":
		return data.TicksPerHour, true
	case "minute":
		return data.TicksPerMinute, true
	case "second":
		return data.TicksPerSecond, true
	case "millisecond":
		return data.TicksPerMillisecond, true
	case "microsecond":
		return data.TicksPerMicrosecond, true
	case "nanosecond":
		return 1, true // Kusto's resolution is one tick (100 ns)
	}
	return 0, false
}

// datetimeDiff counts period boundaries between t2 and t1 (t1 - t2).
func datetimeDiff(part string, t1, t2 int64) (int64, bool) {
	a, b := data.TicksToTime(t1), data.TicksToTime(t2)
	switch part {
	case "year":
		return int64(a.Year() - b.Year()), true
	case "quarter":
		return int64((a.Year()*4 + (int(a.Month())-1)/3) - (b.Year()*4 + (int(b.Month())-1)/3)), true
	case "month":
		return int64((a.Year()*12 + int(a.Month())) - (b.Year()*12 + int(b.Month()))), true
	case "week":
		sa := floorTo(t1-3*data.TicksPerDay, 7*data.TicksPerDay) // weeks start on Sunday (1970-01-04)
		sb := floorTo(t2-3*data.TicksPerDay, 7*data.TicksPerDay)
		return (sa - sb) / (7 * data.TicksPerDay), true
	}
	p, ok := fixedPart(part)
	if !ok {
		return 0, false
	}
	return floorTo(t1, p)/p - floorTo(t2, p)/p, true
}

func datetimePart(part string, t int64) (int64, bool) {
	tt := data.TicksToTime(t)
	frac := t - floorTo(t, data.TicksPerSecond)
	switch part {
	case "year":
		return int64(tt.Year()), true
	case "quarter":
		return int64((int(tt.Month())-1)/3 + 1), true
	case "month":
		return int64(tt.Month()), true
	case "week_of_year", "weekofyear", "week":
		_, w := tt.ISOWeek()
		return int64(w), true
	case "day":
		return int64(tt.Day()), true
	case "dayofyear":
		return int64(tt.YearDay()), true
	case "hour":
		return int64(tt.Hour()), true
	case "minute":
		return int64(tt.Minute()), true
	case "second":
		return int64(tt.Second()), true
	case "millisecond":
		return frac / data.TicksPerMillisecond, true
	case "microsecond":
		return frac / data.TicksPerMicrosecond, true
	case "nanosecond":
		return frac * 100, true
	}
	return 0, false
}

// formatDateTime implements format_datetime's .NET-style specifiers.
func formatDateTime(ticks int64, format string) string {
	t := data.TicksToTime(ticks)
	frac := ticks - floorTo(ticks, data.TicksPerSecond)
	var sb strings.Builder
	for i := 0; i < len(format); {
		c := format[i]
		j := i
		for j < len(format) && format[j] == c {
			j++
		}
		n := j - i
		switch c {
		case 'y':
			y := t.Year()
			switch {
			case n <= 2:
				fmt.Fprintf(&sb, "%0*d", n, y%100)
			default:
				fmt.Fprintf(&sb, "%0*d", n, y)
			}
		case 'M':
			switch n {
			case 1, 2:
				fmt.Fprintf(&sb, "%0*d", n, int(t.Month()))
			case 3:
				sb.WriteString(t.Month().String()[:3])
			default:
				sb.WriteString(t.Month().String())
			}
		case 'd':
			switch n {
			case 1, 2:
				fmt.Fprintf(&sb, "%0*d", n, t.Day())
			case 3:
				sb.WriteString(t.Weekday().String()[:3])
			default:
				sb.WriteString(t.Weekday().String())
			}
		case 'H':
			fmt.Fprintf(&sb, "%0*d", min(n, 2), t.Hour())
		case 'h':
			h := t.Hour() % 12
			if h == 0 {
				h = 12
			}
			fmt.Fprintf(&sb, "%0*d", min(n, 2), h)
		case 'm':
			fmt.Fprintf(&sb, "%0*d", min(n, 2), t.Minute())
		case 's':
			fmt.Fprintf(&sb, "%0*d", min(n, 2), t.Second())
		case 'f', 'F':
			digits := fmt.Sprintf("%07d", frac)[:min(n, 7)]
			if c == 'F' {
				digits = strings.TrimRight(digits, "0")
			}
			sb.WriteString(digits)
		case 't':
			if t.Hour() < 12 {
				sb.WriteString("AM"[:min(n, 2)])
			} else {
				sb.WriteString("PM"[:min(n, 2)])
			}
		default:
			sb.WriteString(format[i:j])
		}
		i = j
	}
	return sb.String()
}

func formatTimeSpan(ticks int64, format string) string {
	neg := ticks < 0
	if neg {
		ticks = -ticks
	}
	days := ticks / data.TicksPerDay
	rem := ticks % data.TicksPerDay
	h, m := rem/data.TicksPerHour, rem%data.TicksPerHour/data.TicksPerMinute
	s, frac := rem%data.TicksPerMinute/data.TicksPerSecond, rem%data.TicksPerSecond
	var sb strings.Builder
	if neg {
		sb.WriteByte('-')
	}
	for i := 0; i < len(format); {
		c := format[i]
		j := i
		for j < len(format) && format[j] == c {
			j++
		}
		n := j - i
		switch c {
		case 'd':
			fmt.Fprintf(&sb, "%0*d", n, days)
		case 'h', 'H':
			fmt.Fprintf(&sb, "%0*d", min(n, 2), h)
		case 'm':
			fmt.Fprintf(&sb, "%0*d", min(n, 2), m)
		case 's':
			fmt.Fprintf(&sb, "%0*d", min(n, 2), s)
		case 'f', 'F':
			digits := fmt.Sprintf("%07d", frac)[:min(n, 7)]
			if c == 'F' {
				digits = strings.TrimRight(digits, "0")
			}
			sb.WriteString(digits)
		default:
			sb.WriteString(format[i:j])
		}
		i = j
	}
	return sb.String()
}
