package syntax

import (
	"math"
	"strconv"
	"strings"
	"time"
)

// stringLit parses one or more adjacent string tokens (Kusto concatenates
// them: "a" 'b' is "ab").
func (p *parser) stringLit() *Literal {
	t := p.tok
	lit := &Literal{Span: Span{t.Pos, t.End}, Kind: LitString, Str: t.Value, Obfuscated: t.Obfuscated}
	p.next()
	if p.tok.Kind != TokString {
		return lit
	}
	var b strings.Builder
	b.WriteString(lit.Str)
	for p.tok.Kind == TokString {
		b.WriteString(p.tok.Value)
		lit.Obfuscated = lit.Obfuscated || p.tok.Obfuscated
		lit.Stop = p.tok.End
		p.next()
	}
	lit.Str = b.String()
	return lit
}

func (p *parser) badLiteral(t Token, msg, hint string) {
	p.errorAt(CodeBadLiteral, t.Pos, t.End, msg, hint)
}

// numberLit decodes an integer, real or timespan token, negated when neg.
func (p *parser) numberLit(t Token, neg bool) *Literal {
	lit := &Literal{Span: Span{t.Pos, t.End}}
	text := t.Text
	switch t.Kind {
	case TokInt:
		lit.Kind = LitLong
		v, ok := parseInt(text, neg)
		if !ok {
			p.badLiteral(t, "integer literal '"+clip(text)+"' is out of range for long", "write it as a real (append .0) or check the digits")
		}
		lit.Int = v
	case TokReal:
		lit.Kind = LitReal
		f, err := strconv.ParseFloat(text, 64)
		if err != nil && !math.IsInf(f, 0) {
			p.badLiteral(t, "invalid real literal '"+clip(text)+"'", "")
		}
		if neg {
			f = -f
		}
		lit.Real = f
	case TokTimespan:
		lit.Kind = LitTimeSpan
		ticks, ok := parseTimespanUnit(text)
		if !ok {
			p.badLiteral(t, "timespan literal '"+clip(text)+"' is out of range", "")
		}
		if neg {
			ticks = -ticks
		}
		lit.Ticks = ticks
	}
	return lit
}

// parseInt parses a decimal or 0x hexadecimal integer.
func parseInt(text string, neg bool) (int64, bool) {
	if len(text) > 2 && (text[1] == 'x' || text[1] == 'X') {
		u, err := strconv.ParseUint(text[2:], 16, 64)
		v := int64(u)
		if neg {
			v = -v
		}
		return v, err == nil
	}
	if neg {
		text = "-" + text
	}
	v, err := strconv.ParseInt(text, 10, 64)
	return v, err == nil
}

// parseTimespanUnit decodes 1d, 1.5h, 100ms ... into ticks.
func parseTimespanUnit(text string) (int64, bool) {
	i := 0
	for i < len(text) && (isDigit(text[i]) || text[i] == '.' || text[i] == 'e' && i+1 < len(text) && (isDigit(text[i+1]) || text[i+1] == '-' || text[i+1] == '+') || (text[i] == '-' || text[i] == '+') && i > 0 && text[i-1] == 'e') {
		i++
	}
	unit, ok := timespanUnits[strings.ToLower(text[i:])]
	if !ok || i == 0 {
		return 0, false
	}
	return scaleTicks(text[:i], unit)
}

// scaleTicks returns num*unit ticks, exactly for integers.
func scaleTicks(num string, unit int64) (int64, bool) {
	if n, err := strconv.ParseInt(num, 10, 64); err == nil {
		if n != 0 && (n > math.MaxInt64/unit || n < math.MinInt64/unit) {
			return 0, false
		}
		return n * unit, true
	}
	f, err := strconv.ParseFloat(num, 64)
	if err != nil {
		return 0, false
	}
	v := math.Round(f * float64(unit))
	if math.IsNaN(v) || v >= math.MaxInt64 || v <= math.MinInt64 {
		return 0, false
	}
	return int64(v), true
}

// typedLit decodes a typed literal token: datetime(...), long(null) ...
func (p *parser) typedLit(t Token) *Literal {
	name := strings.ToLower(t.Text[:strings.IndexByte(t.Text, '(')])
	name = strings.TrimRight(name, " \t")
	v := t.Value
	lit := &Literal{Span: Span{t.Pos, t.End}}
	canon := typeNames[name]
	switch canon {
	case "bool":
		lit.Kind = LitBool
	case "int":
		lit.Kind = LitInt
	case "long":
		lit.Kind = LitLong
	case "real":
		lit.Kind = LitReal
	case "decimal":
		lit.Kind = LitDecimal
	case "datetime":
		lit.Kind = LitDateTime
	case "timespan":
		lit.Kind = LitTimeSpan
	case "guid":
		lit.Kind = LitGuid
	}
	if len(v) >= 2 && (v[0] == '"' || v[0] == '\'') && v[len(v)-1] == v[0] {
		v = strings.TrimSpace(v[1 : len(v)-1]) // datetime("2024-01-31") is accepted too
	}
	if strings.EqualFold(v, "null") {
		lit.Null = true
		return lit
	}
	bad := func(hint string) *Literal {
		p.badLiteral(t, "invalid "+canon+" literal '"+clip(t.Text)+"'", hint)
		return lit
	}
	switch lit.Kind {
	case LitBool:
		switch strings.ToLower(v) {
		case "true", "1":
			lit.Bool = true
		case "false", "0":
		default:
			return bad("write true, false or null")
		}
	case LitInt, LitLong:
		neg := strings.HasPrefix(v, "-")
		digits := strings.TrimSpace(strings.TrimLeft(v, "+-"))
		n, ok := parseInt(digits, neg)
		if !ok || digits == "" {
			return bad("write an integer or null")
		}
		lit.Int = n
	case LitReal, LitDecimal:
		switch strings.ToLower(v) {
		case "nan":
			lit.Real = math.NaN()
		case "+inf", "inf":
			lit.Real = math.Inf(1)
		case "-inf":
			lit.Real = math.Inf(-1)
		default:
			f, err := strconv.ParseFloat(v, 64)
			if err != nil {
				return bad("write a number, nan, +inf, -inf or null")
			}
			lit.Real = f
		}
	case LitDateTime:
		tm, ok := ParseDateTime(v)
		if !ok {
			return bad("write an ISO 8601 date, as in datetime(2024-01-31) or datetime(2024-01-31T12:00:00Z)")
		}
		lit.Time = tm
	case LitTimeSpan:
		ticks, ok := ParseTimespan(v)
		if !ok {
			return bad("write a timespan such as 1d, 2h, 30m, 1.5s, 100ms or 01:30:00")
		}
		lit.Ticks = ticks
	case LitGuid:
		g, ok := parseGuid(v)
		if !ok {
			return bad("write a GUID such as 74be27de-1e4e-49d9-b579-fe0b331d3642")
		}
		lit.Guid = g
	}
	return lit
}

// dateLayouts are the datetime formats accepted inside datetime(...),
// tried in order: ISO 8601 (with 'T' or a space, optional seconds,
// fraction and zone), RFC 822/1123/850 and a few compact forms.
var dateLayouts = []string{
	"2006-01-02T15:04:05Z07:00", "2006-01-02T15:04:05", "2006-01-02T15:04Z07:00", "2006-01-02T15:04",
	"2006-01-02T15Z07:00", "2006-01-02T15", "2006-01-02", "2006-01", "2006-01-02T15:04:05 MST",
	"Mon, 02 Jan 2006 15:04:05 MST", "Mon, 2 Jan 2006 15:04:05 MST", "Mon, 02 Jan 2006 15:04 MST",
	"02 Jan 2006 15:04:05 MST", "2 Jan 2006 15:04:05 MST", "02 Jan 2006 15:04:05", "2 Jan 2006 15:04:05",
	"02 Jan 2006 15:04", "2 Jan 2006 15:04", "2 Jan 2006", "Jan 2 2006", "January 2 2006", "2 January 2006",
	"Monday, 02-Jan-06 15:04:05 MST", "02-Jan-06 15:04:05 MST",
	"2006/01/02 15:04:05", "2006/01/02 15:04", "2006/01/02", "01/02/2006 15:04:05", "01/02/2006 15:04", "01/02/2006",
	"1/2/2006 15:04:05", "1/2/2006", "01/02/2006 3:04:05 PM", "1/2/2006 3:04:05 PM", "1/2/2006 3:04 PM",
	"20060102T150405Z", "20060102T150405", "20060102150405", "20060102",
	// A time of day alone (datetime("8:00:00 AM")) is on 0001-01-01: Kusto
	// takes the current date, which a literal cannot depend on.
	"15:04:05", "15:04", "3:04:05 PM", "3:04 PM",
}

// ParseDateTime parses the text of a datetime literal (UTC unless a zone
// is given; the result is in UTC).
func ParseDateTime(s string) (time.Time, bool) {
	s = strings.TrimSpace(s)
	if s == "" {
		return time.Time{}, false
	}
	// ISO with a space between date and time: 2024-01-31 12:00:00
	if len(s) > 11 && s[4] == '-' && s[10] == ' ' {
		s = s[:10] + "T" + strings.TrimSpace(s[11:])
	}
	s = strings.Replace(s, " GMT", " UTC", 1)
	if strings.HasSuffix(s, "z") {
		s = s[:len(s)-1] + "Z"
	}
	for _, l := range dateLayouts {
		if t, err := time.Parse(l, s); err == nil {
			return t.UTC(), true
		}
	}
	return time.Time{}, false
}

// ParseTimespan parses the text of a timespan literal: 1d, 1.5h, 100ms,
// 10ticks, [-][d.]hh:mm[:ss[.fffffff]] or a number of days.
func ParseTimespan(s string) (int64, bool) {
	s = strings.TrimSpace(s)
	neg := false
	if strings.HasPrefix(s, "-") {
		neg, s = true, strings.TrimSpace(s[1:])
	} else if strings.HasPrefix(s, "+") {
		s = strings.TrimSpace(s[1:])
	}
	if s == "" {
		return 0, false
	}
	var ticks int64
	var ok bool
	switch {
	case strings.IndexByte(s, ':') >= 0:
		ticks, ok = parseClock(s)
	case isDigit(s[len(s)-1]):
		ticks, ok = scaleTicks(s, ticksPerDay)
	default:
		ticks, ok = parseTimespanUnit(s)
	}
	if neg {
		ticks = -ticks
	}
	return ticks, ok
}

// parseClock parses [d.]hh:mm[:ss[.fffffff]].
func parseClock(s string) (int64, bool) {
	var days int64
	colon := strings.IndexByte(s, ':')
	if dot := strings.IndexByte(s[:colon], '.'); dot >= 0 {
		d, err := strconv.ParseInt(s[:dot], 10, 32)
		if err != nil || d < 0 {
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
	if err1 != nil || err2 != nil || h < 0 || h > 23 || m < 0 || m > 59 {
		return 0, false
	}
	ticks := days*ticksPerDay + int64(h)*ticksPerHour + int64(m)*ticksPerMinute
	if len(parts) == 3 {
		sec, frac, _ := strings.Cut(parts[2], ".")
		n, err := strconv.Atoi(sec)
		if err != nil || n < 0 || n > 59 {
			return 0, false
		}
		ticks += int64(n) * ticksPerSecond
		if frac != "" {
			if len(frac) > 7 {
				frac = frac[:7]
			}
			f, err := strconv.Atoi(frac)
			if err != nil || f < 0 {
				return 0, false
			}
			for i := len(frac); i < 7; i++ {
				f *= 10
			}
			ticks += int64(f)
		}
	}
	return ticks, true
}

// parseGuid parses a GUID with or without dashes and braces.
func parseGuid(s string) ([16]byte, bool) {
	var g [16]byte
	s = strings.TrimSuffix(strings.TrimPrefix(strings.TrimSpace(s), "{"), "}")
	if len(s) == 36 {
		if s[8] != '-' || s[13] != '-' || s[18] != '-' || s[23] != '-' {
			return g, false
		}
		s = s[:8] + s[9:13] + s[14:18] + s[19:23] + s[24:]
	}
	if len(s) != 32 {
		return g, false
	}
	for i := 0; i < 16; i++ {
		a, b := s[2*i], s[2*i+1]
		if !isHex(a) || !isHex(b) {
			return g, false
		}
		g[i] = hexVal(a)<<4 | hexVal(b)
	}
	return g, true
}

// ---- dynamic literals ----------------------------------------------------

func (p *parser) parseDynamic() Expr {
	start := p.tok.Pos
	p.next() // dynamic
	p.next() // (
	d := &DynamicLit{}
	if p.tok.Kind == TokRParen {
		p.errMissingExpr("a value inside dynamic(), such as [], {} or null")
		d.Value = &Literal{Span: Span{p.prevEnd, p.prevEnd}, Kind: LitNull, Null: true}
	} else {
		d.Value = p.parseDynValue()
	}
	p.expect(TokRParen, " to close dynamic(")
	d.Span = p.span(start)
	return d
}

func (p *parser) parseDynValue() DynValue {
	if !p.enter() {
		p.leave()
		return &Literal{Span: Span{p.tok.Pos, p.tok.Pos}, Kind: LitNull, Null: true}
	}
	defer p.leave()
	t := p.tok
	switch t.Kind {
	case TokLBracket:
		p.next()
		a := &DynArray{}
		for p.tok.Kind != TokRBracket && p.tok.Kind != TokEOF {
			a.Elems = append(a.Elems, p.parseDynValue())
			if p.tok.Kind != TokComma {
				break
			}
			p.next()
		}
		p.expect(TokRBracket, " to close the array")
		a.Span = p.span(t.Pos)
		return a
	case TokLBrace:
		p.next()
		o := &DynObject{}
		for p.tok.Kind != TokRBrace && p.tok.Kind != TokEOF {
			ft := p.tok
			f := &DynField{}
			switch ft.Kind {
			case TokString:
				f.Key = ft.Value
				p.next()
			case TokIdent:
				f.Key = ft.Text
				p.next()
			default:
				p.errMissing("expected a property name (a string) in the dynamic object", "")
			}
			if p.expect(TokColon, " after the property name") {
				f.Value = p.parseDynValue()
			} else {
				f.Value = &Literal{Span: Span{p.prevEnd, p.prevEnd}, Kind: LitNull, Null: true}
			}
			f.Span = p.span(ft.Pos)
			o.Fields = append(o.Fields, f)
			if p.tok.Kind != TokComma {
				break
			}
			p.next()
		}
		p.expect(TokRBrace, " to close the object")
		o.Span = p.span(t.Pos)
		return o
	case TokString:
		return p.stringLit()
	case TokInt, TokReal, TokTimespan:
		p.next()
		return p.numberLit(t, false)
	case TokMinus:
		if n := p.peek(1); n.Kind == TokInt || n.Kind == TokReal || n.Kind == TokTimespan {
			p.next()
			p.next()
			lit := p.numberLit(n, true)
			lit.Start = t.Pos
			return lit
		}
	case TokTypedLit:
		p.next()
		return p.typedLit(t)
	case TokIdent:
		switch t.Text {
		case "true", "false":
			p.next()
			return &Literal{Span: Span{t.Pos, t.End}, Kind: LitBool, Bool: t.Text == "true"}
		case "null":
			p.next()
			return &Literal{Span: Span{t.Pos, t.End}, Kind: LitNull, Null: true}
		}
	}
	p.errMissingExpr("a JSON value (string, number, true, false, null, [...] or {...})")
	if t.Kind != TokRParen && t.Kind != TokComma && t.Kind != TokRBracket && t.Kind != TokRBrace && t.Kind != TokEOF {
		p.next()
	}
	return &Literal{Span: Span{t.Pos, t.Pos}, Kind: LitNull, Null: true}
}
