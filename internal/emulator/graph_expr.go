package emulator

import (
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
)

type gExpr = func(gRow) any

func (p *gParser) expr() (gExpr, error) { return p.orExpr() }

func (p *gParser) orExpr() (gExpr, error) {
	l, err := p.andExpr()
	if err != nil {
		return nil, err
	}
	for p.isWord("or") {
		p.pos++
		r, err := p.andExpr()
		if err != nil {
			return nil, err
		}
		a, b := l, r
		l = func(row gRow) any { return truthy(a(row)) || truthy(b(row)) }
	}
	return l, nil
}

func (p *gParser) andExpr() (gExpr, error) {
	l, err := p.cmpExpr()
	if err != nil {
		return nil, err
	}
	for p.isWord("and") {
		p.pos++
		r, err := p.cmpExpr()
		if err != nil {
			return nil, err
		}
		a, b := l, r
		l = func(row gRow) any { return truthy(a(row)) && truthy(b(row)) }
	}
	return l, nil
}

var gCmpOps = map[string]bool{"==": true, "!=": true, "=~": true, "!~": true, "<": true, ">": true, "<=": true, ">=": true,
	"startswith": true, "!startswith": true, "endswith": true, "!endswith": true, "contains": true, "!contains": true,
	"has": true, "!has": true, "in": true, "in~": true, "!in": true, "!in~": true, "contains_cs": true, "startswith_cs": true}

func (p *gParser) cmpExpr() (gExpr, error) {
	l, err := p.primary()
	if err != nil {
		return nil, err
	}
	t := p.peek()
	op := strings.ToLower(t.text)
	if (t.kind != 'o' && t.kind != 'i') || !gCmpOps[op] {
		return l, nil
	}
	p.pos++
	if strings.HasSuffix(op, "in") || strings.HasSuffix(op, "in~") {
		if err := p.expectOp("("); err != nil {
			return nil, err
		}
		var list []gExpr
		for !p.isOp(")") {
			e, err := p.expr()
			if err != nil {
				return nil, err
			}
			list = append(list, e)
			if p.isOp(",") {
				p.pos++
			}
		}
		p.pos++
		ci, neg := strings.HasSuffix(op, "~"), strings.HasPrefix(op, "!")
		return func(row gRow) any {
			v := toStr(l(row))
			found := false
			for _, e := range list {
				w := toStr(e(row))
				if v == w || (ci && strings.EqualFold(v, w)) {
					found = true
					break
				}
			}
			return found != neg
		}, nil
	}
	r, err := p.primary()
	if err != nil {
		return nil, err
	}
	return func(row gRow) any {
		a, b := l(row), r(row)
		as, bs := toStr(a), toStr(b)
		la, lb := strings.ToLower(as), strings.ToLower(bs)
		switch op {
		case "==":
			return compareAny(a, b) == 0 && a != nil
		case "!=":
			return compareAny(a, b) != 0
		case "=~":
			return la == lb
		case "!~":
			return la != lb
		case "<":
			return compareAny(a, b) < 0
		case ">":
			return compareAny(a, b) > 0
		case "<=":
			return compareAny(a, b) <= 0
		case ">=":
			return compareAny(a, b) >= 0
		case "startswith":
			return strings.HasPrefix(la, lb)
		case "!startswith":
			return !strings.HasPrefix(la, lb)
		case "startswith_cs":
			return strings.HasPrefix(as, bs)
		case "endswith":
			return strings.HasSuffix(la, lb)
		case "!endswith":
			return !strings.HasSuffix(la, lb)
		case "contains":
			return strings.Contains(la, lb)
		case "contains_cs":
			return strings.Contains(as, bs)
		case "!contains":
			return !strings.Contains(la, lb)
		case "has":
			return hasTerm(la, lb)
		case "!has":
			return !hasTerm(la, lb)
		}
		return false
	}, nil
}

// hasTerm approximates Kusto's "has": the term appears delimited by non-alphanumeric characters.
func hasTerm(s, term string) bool {
	for i := 0; ; {
		j := strings.Index(s[i:], term)
		if j < 0 {
			return false
		}
		j += i
		before := j == 0 || !isAlnum(s[j-1])
		after := j+len(term) >= len(s) || !isAlnum(s[j+len(term)])
		if before && after {
			return true
		}
		i = j + 1
	}
}

func isAlnum(b byte) bool {
	return b >= 'a' && b <= 'z' || b >= 'A' && b <= 'Z' || b >= '0' && b <= '9'
}

func (p *gParser) primary() (gExpr, error) {
	t := p.next()
	switch t.kind {
	case 's':
		v := t.text
		return func(gRow) any { return v }, nil
	case 'n':
		if n, err := strconv.ParseInt(t.text, 10, 64); err == nil {
			return func(gRow) any { return n }, nil
		}
		f, err := strconv.ParseFloat(t.text, 64)
		if err != nil {
			return nil, gErrf("bad number '%s'", t.text)
		}
		return func(gRow) any { return f }, nil
	case 'o':
		if t.text == "(" {
			e, err := p.expr()
			if err != nil {
				return nil, err
			}
			return e, p.expectOp(")")
		}
		return nil, gErrf("unexpected '%s'", t.text)
	case 'i':
		lw := strings.ToLower(t.text)
		switch lw {
		case "true":
			return func(gRow) any { return true }, nil
		case "false":
			return func(gRow) any { return false }, nil
		case "not":
			if err := p.expectOp("("); err != nil {
				return nil, err
			}
			e, err := p.expr()
			if err != nil {
				return nil, err
			}
			return func(r gRow) any { return !truthy(e(r)) }, p.expectOp(")")
		}
		if p.isOp("(") {
			return p.call(lw)
		}
		path := strings.Split(t.text, ".")
		var idx []string
		for p.isOp("[") {
			p.pos++
			k := p.next()
			idx = append(idx, k.text)
			if err := p.expectOp("]"); err != nil {
				return nil, err
			}
		}
		path = append(path, idx...)
		return func(r gRow) any { return lookupPath(r, path) }, nil
	}
	return nil, gErrf("unexpected end of query")
}

func (p *gParser) call(fn string) (gExpr, error) {
	p.pos++ // (
	var args []gExpr
	for !p.isOp(")") {
		e, err := p.expr()
		if err != nil {
			return nil, err
		}
		args = append(args, e)
		if p.isOp(",") {
			p.pos++
		} else if !p.isOp(")") {
			return nil, gErrf("expected ',' or ')' in call to %s", fn)
		}
	}
	p.pos++
	arg := func(r gRow, i int) any {
		if i < len(args) {
			return args[i](r)
		}
		return nil
	}
	switch fn {
	case "tolower":
		return func(r gRow) any { return strings.ToLower(toStr(arg(r, 0))) }, nil
	case "toupper":
		return func(r gRow) any { return strings.ToUpper(toStr(arg(r, 0))) }, nil
	case "tostring":
		return func(r gRow) any { return toStr(arg(r, 0)) }, nil
	case "isnotempty":
		return func(r gRow) any { return toStr(arg(r, 0)) != "" }, nil
	case "isempty":
		return func(r gRow) any { return toStr(arg(r, 0)) == "" }, nil
	case "isnull":
		return func(r gRow) any { return arg(r, 0) == nil }, nil
	case "isnotnull":
		return func(r gRow) any { return arg(r, 0) != nil }, nil
	case "strcat":
		return func(r gRow) any {
			var sb strings.Builder
			for i := range args {
				sb.WriteString(toStr(arg(r, i)))
			}
			return sb.String()
		}, nil
	case "todynamic", "parse_json", "tolong", "toint":
		return func(r gRow) any { return arg(r, 0) }, nil
	}
	return nil, gErrf("the function '%s' is not supported by this Resource Graph emulation", fn)
}

func lookupPath(r gRow, path []string) any {
	var cur any = r[path[0]]
	if cur == nil {
		for k, v := range r { // Resource Graph column names are case-insensitive
			if strings.EqualFold(k, path[0]) {
				cur = v
				break
			}
		}
	}
	for _, k := range path[1:] {
		switch m := cur.(type) {
		case map[string]any:
			v, ok := m[k]
			if !ok {
				for mk, mv := range m {
					if strings.EqualFold(mk, k) {
						v, ok = mv, true
						break
					}
				}
			}
			cur = v
		case []any:
			i, err := strconv.Atoi(k)
			if err != nil || i < 0 || i >= len(m) {
				return nil
			}
			cur = m[i]
		default:
			return nil
		}
	}
	return cur
}

func truthy(v any) bool {
	b, ok := v.(bool)
	return ok && b
}

func toStr(v any) string {
	switch t := v.(type) {
	case nil:
		return ""
	case string:
		return t
	case json.Number:
		return t.String()
	case bool:
		return strconv.FormatBool(t)
	case int64:
		return strconv.FormatInt(t, 10)
	case float64:
		return strconv.FormatFloat(t, 'f', -1, 64)
	case map[string]any, []any:
		b, _ := json.Marshal(t)
		return string(b)
	}
	return fmt.Sprint(v)
}

func compareAny(a, b any) int {
	fa, errA := numberOf(a)
	fb, errB := numberOf(b)
	if errA == nil && errB == nil {
		if _, isStr := a.(string); !isStr {
			switch {
			case fa < fb:
				return -1
			case fa > fb:
				return 1
			}
			return 0
		}
	}
	return strings.Compare(toStr(a), toStr(b))
}
