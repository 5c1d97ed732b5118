package syntax

import (
	"strings"
	"unicode/utf8"
)

// timespanUnits maps a timespan literal suffix to its length in ticks.
var timespanUnits = map[string]int64{
	"d": ticksPerDay, "day": ticksPerDay, "days": ticksPerDay,
	"h": ticksPerHour, "hr": ticksPerHour, "hrs": ticksPerHour, "hour": ticksPerHour, "hours": ticksPerHour,
	"m": ticksPerMinute, "min": ticksPerMinute, "minute": ticksPerMinute, "minutes": ticksPerMinute,
	"s": ticksPerSecond, "sec": ticksPerSecond, "second": ticksPerSecond, "seconds": ticksPerSecond,
	"ms": ticksPerMilli, "milli": ticksPerMilli, "millis": ticksPerMilli, "millisecond": ticksPerMilli,
	"milliseconds": ticksPerMilli,
	"microsecond":  10, "microseconds": 10,
	"tick": 1, "ticks": 1,
}

const (
	ticksPerMilli  = 10_000
	ticksPerSecond = 1000 * ticksPerMilli
	ticksPerMinute = 60 * ticksPerSecond
	ticksPerHour   = 60 * ticksPerMinute
	ticksPerDay    = 24 * ticksPerHour
)

func isHex(c byte) bool { return isDigit(c) || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F' }

// number lexes 12, 0x1F, 1.5, 1., 1e5, 1.5e-3 and timespans (1d, 1.5h).
func (lx *Lexer) number(start int) Token {
	i := start
	s := lx.src
	kind := TokInt
	if s[i] == '0' && i+1 < len(s) && (s[i+1] == 'x' || s[i+1] == 'X') {
		i += 2
		for i < len(s) && isHex(s[i]) {
			i++
		}
		if i == start+2 {
			i = start + 1 // 0x alone: the digit, then a name
		}
	} else {
		for i < len(s) && isDigit(s[i]) {
			i++
		}
		if i < len(s) && s[i] == '.' && (i+1 >= len(s) || s[i+1] != '.') {
			kind = TokReal
			i++
			for i < len(s) && isDigit(s[i]) {
				i++
			}
		}
		if i < len(s) && (s[i] == 'e' || s[i] == 'E') {
			j := i + 1
			if j < len(s) && (s[j] == '+' || s[j] == '-') {
				j++
			}
			if j < len(s) && isDigit(s[j]) {
				for j < len(s) && isDigit(s[j]) {
					j++
				}
				kind, i = TokReal, j
			}
		}
	}
	if i < len(s) {
		if r, _ := utf8.DecodeRuneInString(s[i:]); isIdentStart(r) && r != '$' {
			end := lx.identEnd(i)
			unit := s[i:end]
			hex := i > start+1 && (s[start+1] == 'x' || s[start+1] == 'X')
			if _, ok := timespanUnits[strings.ToLower(unit)]; ok && !hex {
				lx.pos = end
				return Token{Kind: TokTimespan, Pos: start, End: end, Text: s[start:end]}
			}
			lx.pos = end
			if kind == TokInt {
				// Kusto names may start with digits (5Minutebin).
				return Token{Kind: TokIdent, Pos: start, End: end, Text: s[start:end]}
			}
			lx.errorf(CodeBadLiteral, start, end, "timespan units are d, h, m, s, ms, microsecond, tick",
				"invalid number or timespan '"+s[start:end]+"'")
			return Token{Kind: kind, Pos: start, End: end, Text: s[start:end]}
		}
	}
	lx.pos = i
	return Token{Kind: kind, Pos: start, End: i, Text: s[start:i]}
}

// quoted lexes "..." and '...' strings with backslash escapes; q is the
// offset of the opening quote (after an h prefix when obfuscated).
func (lx *Lexer) quoted(start, q int, obf bool) Token {
	s := lx.src
	quote := s[q]
	i := q + 1
	var b strings.Builder
	seg, escaped, closed := i, false, false
	for i < len(s) {
		c := s[i]
		if c == quote {
			closed = true
			break
		}
		if c == '\n' || c == '\r' && i+1 < len(s) && s[i+1] == '\n' {
			break
		}
		if c == '\\' {
			b.WriteString(s[seg:i])
			i += lx.escape(&b, i)
			seg, escaped = i, true
			continue
		}
		i++
	}
	val := s[q+1 : i]
	if escaped {
		b.WriteString(s[seg:i])
		val = b.String()
	}
	if closed {
		i++
	} else {
		lx.errorf(CodeUnterminated, i, i, "close the string with "+string(quote)+" on the same line; use ```...``` for text spanning lines",
			"unterminated string: expected "+string(quote))
	}
	lx.pos = i
	return Token{Kind: TokString, Pos: start, End: i, Text: s[start:i], Value: val, Obfuscated: obf}
}

// escape decodes the escape sequence at s[i] == '\\' into b, returning its
// length; an invalid escape is reported and kept as written.
func (lx *Lexer) escape(b *strings.Builder, i int) int {
	s := lx.src
	if i+1 >= len(s) {
		return 1
	}
	switch c := s[i+1]; c {
	case '\\', '\'', '"':
		b.WriteByte(c)
	case 'n':
		b.WriteByte('\n')
	case 'r':
		b.WriteByte('\r')
	case 't':
		b.WriteByte('\t')
	case 'a':
		b.WriteByte('\a')
	case 'b':
		b.WriteByte('\b')
	case 'f':
		b.WriteByte('\f')
	case 'v':
		b.WriteByte('\v')
	case '0':
		b.WriteByte(0)
	case 'x', 'u', 'U':
		n := map[byte]int{'x': 2, 'u': 4, 'U': 8}[c]
		if i+2+n <= len(s) {
			var r rune
			ok := true
			for _, h := range []byte(s[i+2 : i+2+n]) {
				if !isHex(h) {
					ok = false
					break
				}
				r = r<<4 | rune(hexVal(h))
			}
			if ok && utf8.ValidRune(r) {
				b.WriteRune(r)
				return 2 + n
			}
		}
		lx.errorf(CodeBadEscape, i, min(i+2, len(s)), "use \\x with 2, \\u with 4 or \\U with 8 hexadecimal digits",
			"invalid escape sequence in string")
		b.WriteString(s[i : i+2])
		return 2
	default:
		if c == '\n' || c == '\r' {
			return 1 // the line break ends the (unterminated) string
		}
		_, n := utf8.DecodeRuneInString(s[i+1:])
		lx.errorf(CodeBadEscape, i, i+1+n, `escapes are \\ \' \" \n \r \t \uXXXX; write \\ for a backslash or use a verbatim string @"..."`,
			"invalid escape sequence '\\"+s[i+1:i+1+n]+"' in string")
		b.WriteString(s[i : i+1+n])
		return 1 + n
	}
	return 2
}

func hexVal(c byte) byte {
	switch {
	case isDigit(c):
		return c - '0'
	case 'a' <= c && c <= 'f':
		return c - 'a' + 10
	}
	return c - 'A' + 10
}

// verbatim lexes @"..." and @'...' (a doubled quote is a quote); at is the
// offset of '@'.
func (lx *Lexer) verbatim(start, at int, obf bool) Token {
	s := lx.src
	quote := s[at+1]
	i := at + 2
	var b strings.Builder
	seg := i
	closed := false
	for i < len(s) && s[i] != '\n' && !(s[i] == '\r' && i+1 < len(s) && s[i+1] == '\n') {
		if s[i] == quote {
			if i+1 < len(s) && s[i+1] == quote {
				b.WriteString(s[seg : i+1])
				i += 2
				seg = i
				continue
			}
			closed = true
			break
		}
		i++
	}
	b.WriteString(s[seg:i])
	if closed {
		i++
	} else {
		lx.errorf(CodeUnterminated, i, i, "close the string with "+string(quote)+" on the same line; use ```...``` for text spanning lines",
			"unterminated string: expected "+string(quote))
	}
	lx.pos = i
	return Token{Kind: TokString, Pos: start, End: i, Text: s[start:i], Value: b.String(), Obfuscated: obf}
}

// multiline lexes ```...``` and ~~~...~~~ strings (raw, may span lines); d
// is the offset of the opening delimiter.
func (lx *Lexer) multiline(start, d int, obf bool) Token {
	s := lx.src
	delim := s[d : d+3]
	body := d + 3
	j := strings.Index(s[body:], delim)
	if j < 0 {
		lx.pos = len(s)
		lx.errorf(CodeUnterminated, len(s), len(s), "close the string with "+delim, "unterminated string: expected "+delim)
		return Token{Kind: TokString, Pos: start, End: len(s), Text: s[start:], Value: s[body:], Obfuscated: obf}
	}
	end := body + j + 3
	lx.pos = end
	return Token{Kind: TokString, Pos: start, End: end, Text: s[start:end], Value: s[body : body+j], Obfuscated: obf}
}
