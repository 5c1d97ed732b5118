package data

import (
	"strconv"
	"strings"
	"time"
)

// Tick counts (100 ns), the unit of datetime and timespan values.
const (
	TicksPerMicrosecond int64 = 10
	TicksPerMillisecond int64 = 10_000
	TicksPerSecond      int64 = 10_000_000
	TicksPerMinute      int64 = 60 * TicksPerSecond
	TicksPerHour        int64 = 60 * TicksPerMinute
	TicksPerDay         int64 = 24 * TicksPerHour
)

// Range of Kusto datetimes (0001-01-01 .. 9999-12-31T23:59:59.9999999) in
// ticks from the Unix epoch.
const (
	MinDateTimeTicks int64 = -621355968000000000
	MaxDateTimeTicks int64 = 2534023007999999999
)

// TimeToTicks converts t to 100 ns ticks since the Unix epoch.
func TimeToTicks(t time.Time) int64 {
	return t.Unix()*TicksPerSecond + int64(t.Nanosecond())/100
}

// TicksToTime converts ticks since the Unix epoch to a UTC time.
func TicksToTime(ticks int64) time.Time {
	sec := ticks / TicksPerSecond
	rem := ticks % TicksPerSecond
	if rem < 0 {
		sec--
		rem += TicksPerSecond
	}
	return time.Unix(sec, rem*100).UTC()
}

// DurationToTicks converts a Go duration to 100 ns ticks (truncating).
func DurationToTicks(d time.Duration) int64 { return int64(d) / 100 }

// TicksToDuration converts ticks to a Go duration, saturating on overflow.
func TicksToDuration(t int64) time.Duration {
	const max = int64(^uint64(0)>>1) / 100
	switch {
	case t > max:
		return time.Duration(max * 100)
	case t < -max:
		return time.Duration(-max * 100)
	}
	return time.Duration(t * 100)
}

// FormatDateTime renders ticks the way the Log Analytics API does:
// ISO 8601 in UTC with a Z suffix and up to 7 fractional digits, trailing
// zeros trimmed (2025-01-02T03:04:05.123Z, 2025-01-02T03:04:05Z).
func FormatDateTime(ticks int64) string {
	return string(AppendDateTime(make([]byte, 0, 28), ticks))
}

// AppendDateTime appends the FormatDateTime rendering of ticks to b.
func AppendDateTime(b []byte, ticks int64) []byte {
	t := TicksToTime(ticks)
	y, mo, d := t.Date()
	h, mi, s := t.Clock()
	b = appendPad(b, y, 4)
	b = append(b, '-')
	b = appendPad(b, int(mo), 2)
	b = append(b, '-')
	b = appendPad(b, d, 2)
	b = append(b, 'T')
	b = appendPad(b, h, 2)
	b = append(b, ':')
	b = appendPad(b, mi, 2)
	b = append(b, ':')
	b = appendPad(b, s, 2)
	frac := ticks % TicksPerSecond
	if frac < 0 {
		frac += TicksPerSecond
	}
	if frac != 0 {
		b = appendFraction(b, frac)
	}
	return append(b, 'Z')
}

// appendFraction appends "." and the 7-digit tick fraction without trailing zeros.
func appendFraction(b []byte, frac int64) []byte {
	var digits [7]byte
	for i := 6; i >= 0; i-- {
		digits[i] = byte('0' + frac%10)
		frac /= 10
	}
	n := 7
	for n > 0 && digits[n-1] == '0' {
		n--
	}
	b = append(b, '.')
	return append(b, digits[:n]...)
}

func appendPad(b []byte, v, width int) []byte {
	if v < 0 {
		b = append(b, '-')
		v = -v
	}
	var tmp [20]byte
	i := len(tmp)
	for v > 0 || i == len(tmp) {
		i--
		tmp[i] = byte('0' + v%10)
		v /= 10
	}
	for n := len(tmp) - i; n < width; n++ {
		b = append(b, '0')
	}
	return append(b, tmp[i:]...)
}

// FormatTimeSpan renders ticks as Kusto does: [-][d.]hh:mm:ss[.fffffff].
func FormatTimeSpan(ticks int64) string {
	return string(AppendTimeSpan(make([]byte, 0, 26), ticks))
}

// AppendTimeSpan appends the FormatTimeSpan rendering of ticks to b.
func AppendTimeSpan(b []byte, ticks int64) []byte {
	u := uint64(ticks)
	if ticks < 0 {
		b = append(b, '-')
		u = uint64(-ticks)
	}
	days := u / uint64(TicksPerDay)
	u %= uint64(TicksPerDay)
	if days > 0 {
		b = strconv.AppendUint(b, days, 10)
		b = append(b, '.')
	}
	b = appendPad(b, int(u/uint64(TicksPerHour)), 2)
	u %= uint64(TicksPerHour)
	b = append(b, ':')
	b = appendPad(b, int(u/uint64(TicksPerMinute)), 2)
	u %= uint64(TicksPerMinute)
	b = append(b, ':')
	b = appendPad(b, int(u/uint64(TicksPerSecond)), 2)
	if frac := u % uint64(TicksPerSecond); frac != 0 {
		b = append(b, '.')
		b = appendPad(b, int(frac), 7)
	}
	return b
}

var dateLayouts = []string{
	time.RFC1123, time.RFC1123Z, time.RFC850, time.RFC822, time.RFC822Z,
	"Mon, 2 Jan 2006 15:04:05 MST", "2 Jan 2006 15:04:05 MST", "2 Jan 2006 15:04:05",
	"01/02/2006 15:04:05", "1/2/2006 15:04:05", "1/2/2006 3:04:05 PM", "01/02/2006 03:04:05 PM",
	"1/2/2006", "01/02/2006", "2006-01-02T15:04:05.999999999-0700", "20060102", "200601021504",
	"20060102150405", "Jan 2 2006 15:04:05", "January 2, 2006",
}

// ParseDateTime parses the datetime formats Kusto accepts: ISO 8601 (with
// 'T' or a space, optional seconds, fraction and zone), RFC 822/1123 and a
// few common US layouts. The result is ticks since the Unix epoch in UTC.
func ParseDateTime(s string) (int64, bool) {
	s = strings.TrimSpace(s)
	if t, ok := parseISODateTime(s); ok {
		return t, true
	}
	for _, l := range dateLayouts {
		if t, err := time.Parse(l, s); err == nil {
			return TimeToTicks(t), true
		}
	}
	return 0, false
}

// parseISODateTime is a hand-written parser for the hot ISO 8601 path; it
// avoids time.Parse's allocations when loading millions of string cells.
func parseISODateTime(s string) (int64, bool) {
	p := scanner{s: s}
	year, ok := p.digits(4, 4)
	if !ok || !p.oneOf("-/") {
		return 0, false
	}
	sep := s[p.i-1]
	month, ok := p.digits(1, 2)
	if !ok || !p.eat(sep) {
		return 0, false
	}
	day, ok := p.digits(1, 2)
	if !ok || month < 1 || month > 12 || day < 1 || day > daysIn(month, year) {
		return 0, false
	}
	var hour, minute, sec int
	var frac int64
	if p.i < len(s) && (s[p.i] == 'T' || s[p.i] == ' ') {
		p.i++
		if hour, ok = p.digits(1, 2); !ok || !p.eat(':') {
			return 0, false
		}
		if minute, ok = p.digits(2, 2); !ok {
			return 0, false
		}
		if p.eat(':') {
			if sec, ok = p.digits(2, 2); !ok {
				return 0, false
			}
			if p.eat('.') || p.eat(',') {
				n := 0
				for p.i < len(s) && s[p.i] >= '0' && s[p.i] <= '9' {
					if n < 7 {
						frac = frac*10 + int64(s[p.i]-'0')
					}
					n++
					p.i++
				}
				if n == 0 {
					return 0, false
				}
				for ; n < 7; n++ {
					frac *= 10
				}
			}
		}
		if hour > 23 || minute > 59 || sec > 60 {
			return 0, false
		}
	}
	offset := 0
	if p.i < len(s) {
		switch s[p.i] {
		case 'Z', 'z':
			p.i++
		case '+', '-':
			neg := s[p.i] == '-'
			p.i++
			oh, ok := p.digits(2, 2)
			if !ok {
				return 0, false
			}
			p.eat(':')
			om, ok := p.digits(2, 2)
			if !ok {
				return 0, false
			}
			offset = oh*3600 + om*60
			if neg {
				offset = -offset
			}
		case ' ':
			if strings.TrimSpace(s[p.i:]) == "GMT" || strings.TrimSpace(s[p.i:]) == "UTC" {
				p.i = len(s)
			}
		}
		if strings.TrimSpace(s[p.i:]) != "" {
			return 0, false
		}
	}
	days := daysFromCivil(year, month, day)
	secs := days*86400 + int64(hour*3600+minute*60+sec) - int64(offset)
	return secs*TicksPerSecond + frac, true
}

type scanner struct {
	s string
	i int
}

func (p *scanner) digits(min, max int) (int, bool) {
	v, n := 0, 0
	for p.i < len(p.s) && n < max && p.s[p.i] >= '0' && p.s[p.i] <= '9' {
		v = v*10 + int(p.s[p.i]-'0')
		p.i++
		n++
	}
	return v, n >= min
}

func (p *scanner) eat(c byte) bool {
	if p.i < len(p.s) && p.s[p.i] == c {
		p.i++
		return true
	}
	return false
}

func (p *scanner) oneOf(cs string) bool {
	if p.i < len(p.s) && strings.IndexByte(cs, p.s[p.i]) >= 0 {
		p.i++
		return true
	}
	return false
}

func daysIn(month, year int) int {
	switch month {
	case 2:
		if year%4 == 0 && (year%100 != 0 || year%400 == 0) {
			return 29
		}
		return 28
	case 4, 6, 9, 11:
		return 30
	}
	return 31
}

// daysFromCivil returns days since 1970-01-01 of a proleptic Gregorian date
// (Howard Hinnant's algorithm), without going through time.Date.
func daysFromCivil(y, m, d int) int64 {
	if m <= 2 {
		y--
	}
	era := y
	if era < 0 {
		era -= 399
	}
	era /= 400
	yoe := y - era*400
	mp := (m + 9) % 12
	doy := (153*mp+2)/5 + d - 1
	doe := yoe*365 + yoe/4 - yoe/100 + doy
	return int64(era)*146097 + int64(doe) - 719468
}

// DateTimeTicks returns the ticks of a UTC calendar date and time.
func DateTimeTicks(year, month, day, hour, minute, second int, fracTicks int64) int64 {
	return (daysFromCivil(year, month, day)*86400+int64(hour*3600+minute*60+second))*TicksPerSecond + fracTicks
}

var timespanUnits = []struct {
	names []string
	ticks int64
}{
	{[]string{"d", "day", "days"}, TicksPerDay},
	{[]string{"h", "hr", "hrs", "hour", "hours"}, TicksPerHour},
	{[]string{"m", "min", "minute", "minutes"}, TicksPerMinute},
	{[]string{"s", "sec", "second", "seconds"}, TicksPerSecond},
	{[]string{"ms", "milli", "millis", "millisecond", "milliseconds"}, TicksPerMillisecond},
	{[]string{"microsecond", "microseconds"}, TicksPerMicrosecond},
	{[]string{"tick", "ticks"}, 1},
}

// ParseTimeSpan parses a timespan in either the literal form (1d, 2.5h,
// 30m, 10s, 100ms, 5microseconds, 3ticks) or the clock form
// [-][d.]hh:mm[:ss[.fffffff]].
func ParseTimeSpan(s string) (int64, bool) {
	s = strings.TrimSpace(s)
	if s == "" {
		return 0, false
	}
	if strings.IndexByte(s, ':') >= 0 {
		return parseClockTimeSpan(s)
	}
	neg := false
	body := s
	if body[0] == '-' {
		neg, body = true, body[1:]
	}
	i := 0
	for i < len(body) && (body[i] >= '0' && body[i] <= '9' || body[i] == '.') {
		i++
	}
	if i == 0 {
		return 0, false
	}
	num, err := strconv.ParseFloat(body[:i], 64)
	if err != nil {
		return 0, false
	}
	unit := strings.ToLower(body[i:])
	var mult int64
	if unit == "" {
		mult = TicksPerDay // a bare number is a count of days, as in timespan(2)
	}
	for _, u := range timespanUnits {
		for _, n := range u.names {
			if n == unit {
				mult = u.ticks
			}
		}
	}
	if mult == 0 {
		return 0, false
	}
	t := int64(num*float64(mult) + 0.5)
	if float64(int64(num)) == num {
		t = int64(num) * mult
	}
	if neg {
		t = -t
	}
	return t, true
}

func parseClockTimeSpan(s string) (int64, bool) {
	neg := false
	if s[0] == '-' {
		neg, s = true, s[1:]
	}
	var days int64
	colon := strings.IndexByte(s, ':')
	if dot := strings.IndexByte(s[:colon], '.'); dot >= 0 {
		d, err := strconv.ParseInt(s[:dot], 10, 64)
		if err != nil {
			return 0, false
		}
		days, s = d, s[dot+1:]
	}
	parts := strings.Split(s, ":")
	if len(parts) < 2 || len(parts) > 3 {
		return 0, false
	}
	h, err1 := strconv.Atoi(parts[0])
	m, err2 := strconv.Atoi(parts[1])
	if err1 != nil || err2 != nil || h < 0 || m < 0 || m > 59 {
		return 0, false
	}
	var sec int
	var frac int64
	if len(parts) == 3 {
		secPart := parts[2]
		if dot := strings.IndexByte(secPart, '.'); dot >= 0 {
			fs := secPart[dot+1:]
			if len(fs) == 0 {
				return 0, false
			}
			for i := 0; i < 7; i++ {
				frac *= 10
				if i < len(fs) {
					c := fs[i]
					if c < '0' || c > '9' {
						return 0, false
					}
					frac += int64(c - '0')
				}
			}
			secPart = secPart[:dot]
		}
		var err error
		if sec, err = strconv.Atoi(secPart); err != nil || sec < 0 || sec > 59 {
			return 0, false
		}
	}
	t := days*TicksPerDay + int64(h)*TicksPerHour + int64(m)*TicksPerMinute + int64(sec)*TicksPerSecond + frac
	if neg {
		t = -t
	}
	return t, true
}
