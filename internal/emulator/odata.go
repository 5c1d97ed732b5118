package emulator

import (
	"net/http"
	"sort"
	"strconv"
	"strings"
	"time"
	"unicode"
)

// OData $filter and $orderby over resource documents, as the Sentinel list APIs support them:
// comparisons eq/ne/gt/ge/lt/le on paths like properties/severity, and/or/not, parentheses, and the
// functions contains, startswith, endswith. Literals: 'strings', numbers, true/false/null, and
// unquoted or datetime'...' timestamps.

type odataTok struct {
	kind byte // 'i' identifier/path, 's' string, 'n' number/datetime literal, 'o' punctuation
	text string
}

func odataLex(s string) ([]odataTok, *apiError) {
	var toks []odataTok
	i := 0
	for i < len(s) {
		ch := rune(s[i])
		switch {
		case unicode.IsSpace(ch):
			i++
		case ch == '(' || ch == ')' || ch == ',':
			toks = append(toks, odataTok{'o', string(ch)})
			i++
		case ch == '\'':
			var sb strings.Builder
			j := i + 1
			for ; j < len(s); j++ {
				if s[j] == '\'' {
					if j+1 < len(s) && s[j+1] == '\'' { // '' escapes a quote
						sb.WriteByte('\'')
						j++
						continue
					}
					break
				}
				sb.WriteByte(s[j])
			}
			if j >= len(s) {
				return nil, odataErr("unterminated string literal in $filter")
			}
			toks = append(toks, odataTok{'s', sb.String()})
			i = j + 1
		default:
			j := i
			for j < len(s) && !unicode.IsSpace(rune(s[j])) && s[j] != '(' && s[j] != ')' && s[j] != ',' && s[j] != '\'' {
				j++
			}
			word := s[i:j]
			if strings.EqualFold(word, "datetime") && j < len(s) && s[j] == '\'' {
				k := strings.IndexByte(s[j+1:], '\'')
				if k < 0 {
					return nil, odataErr("unterminated datetime literal in $filter")
				}
				toks = append(toks, odataTok{'n', s[j+1 : j+1+k]})
				i = j + k + 2
				continue
			}
			if word != "" && (unicode.IsDigit(rune(word[0])) || word[0] == '-') {
				toks = append(toks, odataTok{'n', word})
			} else {
				toks = append(toks, odataTok{'i', word})
			}
			i = j
		}
	}
	return toks, nil
}

func odataErr(msg string) *apiError { return badRequest("BadRequest", "Invalid OData query: %s", msg) }

type odataParser struct {
	toks []odataTok
	pos  int
}

func (p *odataParser) peek() odataTok {
	if p.pos < len(p.toks) {
		return p.toks[p.pos]
	}
	return odataTok{}
}

func (p *odataParser) word(w string) bool {
	t := p.peek()
	return t.kind == 'i' && strings.EqualFold(t.text, w)
}

type docPred = func(doc) bool

// parseODataFilter compiles a $filter expression.
func parseODataFilter(s string) (docPred, *apiError) {
	toks, err := odataLex(s)
	if err != nil {
		return nil, err
	}
	p := &odataParser{toks: toks}
	f, err := p.or()
	if err != nil {
		return nil, err
	}
	if p.pos != len(p.toks) {
		return nil, odataErr("unexpected '" + p.peek().text + "'")
	}
	return f, nil
}

func (p *odataParser) or() (docPred, *apiError) {
	l, err := p.and()
	if err != nil {
		return nil, err
	}
	for p.word("or") {
		p.pos++
		r, err := p.and()
		if err != nil {
			return nil, err
		}
		a, b := l, r
		l = func(d doc) bool { return a(d) || b(d) }
	}
	return l, nil
}

func (p *odataParser) and() (docPred, *apiError) {
	l, err := p.factor()
	if err != nil {
		return nil, err
	}
	for p.word("and") {
		p.pos++
		r, err := p.factor()
		if err != nil {
			return nil, err
		}
		a, b := l, r
		l = func(d doc) bool { return a(d) && b(d) }
	}
	return l, nil
}

func (p *odataParser) factor() (docPred, *apiError) {
	t := p.peek()
	switch {
	case t.kind == 'i' && strings.EqualFold(t.text, "not"):
		p.pos++
		f, err := p.factor()
		if err != nil {
			return nil, err
		}
		return func(d doc) bool { return !f(d) }, nil
	case t.kind == 'o' && t.text == "(":
		p.pos++
		f, err := p.or()
		if err != nil {
			return nil, err
		}
		if p.peek().text != ")" {
			return nil, odataErr("missing ')'")
		}
		p.pos++
		return f, nil
	case t.kind == 'i' && p.pos+1 < len(p.toks) && p.toks[p.pos+1].text == "(":
		fn := strings.ToLower(t.text)
		p.pos += 2
		path := p.peek()
		p.pos++
		if p.peek().text != "," {
			return nil, odataErr("expected ',' in " + fn + "()")
		}
		p.pos++
		lit := p.peek()
		p.pos++
		if p.peek().text != ")" {
			return nil, odataErr("expected ')' after " + fn + "() arguments")
		}
		p.pos++
		needle := strings.ToLower(lit.text)
		get := pathGetter(path.text)
		switch fn {
		case "contains", "substringof":
			return func(d doc) bool { return strings.Contains(strings.ToLower(toStr(get(d))), needle) }, nil
		case "startswith":
			return func(d doc) bool { return strings.HasPrefix(strings.ToLower(toStr(get(d))), needle) }, nil
		case "endswith":
			return func(d doc) bool { return strings.HasSuffix(strings.ToLower(toStr(get(d))), needle) }, nil
		}
		return nil, odataErr("unsupported function '" + fn + "'")
	case t.kind == 'i':
		p.pos++
		op := strings.ToLower(p.peek().text)
		p.pos++
		lit := p.peek()
		p.pos++
		if lit.kind == 0 {
			return nil, odataErr("incomplete comparison on '" + t.text + "'")
		}
		get := pathGetter(t.text)
		var want any
		switch {
		case lit.kind == 's' || lit.kind == 'n':
			want = lit.text
		case strings.EqualFold(lit.text, "null"):
			want = nil
		default:
			want = strings.ToLower(lit.text) // true/false
		}
		cmp := func(d doc) (int, bool) {
			v := get(d)
			if want == nil || v == nil {
				if want == nil && v == nil {
					return 0, true
				}
				return 1, false
			}
			return odataCompare(v, want.(string)), true
		}
		switch op {
		case "eq":
			return func(d doc) bool { c, ok := cmp(d); return ok && c == 0 }, nil
		case "ne":
			return func(d doc) bool { c, ok := cmp(d); return !ok || c != 0 }, nil
		case "gt":
			return func(d doc) bool { c, ok := cmp(d); return ok && c > 0 }, nil
		case "ge":
			return func(d doc) bool { c, ok := cmp(d); return ok && c >= 0 }, nil
		case "lt":
			return func(d doc) bool { c, ok := cmp(d); return ok && c < 0 }, nil
		case "le":
			return func(d doc) bool { c, ok := cmp(d); return ok && c <= 0 }, nil
		}
		return nil, odataErr("unsupported operator '" + op + "'")
	}
	return nil, odataErr("unexpected '" + t.text + "'")
}

// pathGetter reads "properties/owner/assignedTo" from a document.
func pathGetter(path string) func(doc) any {
	parts := strings.Split(path, "/")
	return func(d doc) any { return lookupPath(gRow(d), parts) }
}

// odataCompare orders a document value against a literal: as timestamps when both parse, as numbers
// when both are numeric, otherwise as case-insensitive strings.
func odataCompare(v any, lit string) int {
	vs := toStr(v)
	if tv, err := time.Parse(time.RFC3339Nano, vs); err == nil {
		if tl, err := time.Parse(time.RFC3339Nano, lit); err == nil {
			return tv.Compare(tl)
		}
	}
	if fv, err := strconv.ParseFloat(vs, 64); err == nil {
		if fl, err := strconv.ParseFloat(lit, 64); err == nil {
			switch {
			case fv < fl:
				return -1
			case fv > fl:
				return 1
			}
			return 0
		}
	}
	return strings.Compare(strings.ToLower(vs), strings.ToLower(lit))
}

// sortOData orders documents by an $orderby clause ("properties/createdTimeUtc desc, name").
func sortOData(items []doc, orderby string) *apiError {
	type key struct {
		get  func(doc) any
		desc bool
	}
	var keys []key
	for _, part := range strings.Split(orderby, ",") {
		f := strings.Fields(part)
		if len(f) == 0 || len(f) > 2 {
			return odataErr("invalid $orderby '" + orderby + "'")
		}
		k := key{get: pathGetter(f[0])}
		if len(f) == 2 {
			switch strings.ToLower(f[1]) {
			case "desc":
				k.desc = true
			case "asc":
			default:
				return odataErr("invalid $orderby direction '" + f[1] + "'")
			}
		}
		keys = append(keys, k)
	}
	sort.SliceStable(items, func(i, j int) bool {
		for _, k := range keys {
			a, b := k.get(items[i]), k.get(items[j])
			var c int
			switch {
			case a == nil && b == nil:
				c = 0
			case a == nil:
				c = -1
			case b == nil:
				c = 1
			default:
				c = odataCompare(a, toStr(b))
			}
			if c != 0 {
				return (c < 0) != k.desc
			}
		}
		return false
	})
	return nil
}

func atoiDefault(s string, def int) int {
	n, err := strconv.Atoi(strings.TrimSpace(s))
	if err != nil {
		return def
	}
	return n
}

var _ = http.StatusOK
