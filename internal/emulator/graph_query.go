package emulator

import (
	"fmt"
	"sort"
	"strconv"
	"strings"
	"unicode"
)

// A small evaluator for the Resource Graph query subset the product and its users send: sources
// "resources" and "resourcecontainers", and the operators where, extend, project, project-away, join
// (inner, innerunique, leftouter), take/limit, order/sort by, count and distinct, with comparisons
// (==, !=, =~, !~, <, >, startswith, endswith, contains, has, in, in~, !in) and the functions
// tolower, toupper, tostring, isnotempty, isempty, isnull, isnotnull, strcat. Anything else is answered
// with Resource Graph's BadRequest so the client sees a clear error, never a wrong answer.

type gRow = map[string]any

type gTable struct {
	cols []string
	rows []gRow
}

type gTok struct {
	kind byte // 'i' ident, 's' string, 'n' number, 'o' operator/punct
	text string
}

type gParser struct {
	toks []gTok
	pos  int
	src  func(name string) (*gTable, error)
}

type graphError struct{ msg string }

func (e *graphError) Error() string { return e.msg }

func gErrf(format string, args ...any) error { return &graphError{fmt.Sprintf(format, args...)} }

func gLex(q string) ([]gTok, error) {
	var toks []gTok
	i := 0
	for i < len(q) {
		ch := rune(q[i])
		switch {
		case unicode.IsSpace(ch):
			i++
		case ch == '/' && i+1 < len(q) && q[i+1] == '/':
			for i < len(q) && q[i] != '\n' {
				i++
			}
		case ch == '\'' || ch == '"':
			j := i + 1
			var sb strings.Builder
			for j < len(q) && rune(q[j]) != ch {
				if q[j] == '\\' && j+1 < len(q) {
					j++
				}
				sb.WriteByte(q[j])
				j++
			}
			if j >= len(q) {
				return nil, gErrf("unterminated string literal at position %d", i)
			}
			toks = append(toks, gTok{'s', sb.String()})
			i = j + 1
		case unicode.IsDigit(ch):
			j := i
			for j < len(q) && (unicode.IsDigit(rune(q[j])) || q[j] == '.') {
				j++
			}
			toks = append(toks, gTok{'n', q[i:j]})
			i = j
		case unicode.IsLetter(ch) || ch == '_' || ch == '$':
			j := i
			for j < len(q) && (unicode.IsLetter(rune(q[j])) || unicode.IsDigit(rune(q[j])) || q[j] == '_' || q[j] == '.' || q[j] == '-' || q[j] == '$') {
				if q[j] == '-' && !(strings.HasSuffix(strings.ToLower(q[i:j]), "project") || strings.HasSuffix(strings.ToLower(q[i:j]), "mv")) {
					break
				}
				j++
			}
			word := q[i:j]
			if j < len(q) && q[j] == '~' && (strings.EqualFold(word, "in") || strings.EqualFold(word, "!in")) {
				word += "~"
				j++
			}
			toks = append(toks, gTok{'i', word})
			i = j
		default:
			two := ""
			if i+1 < len(q) {
				two = q[i : i+2]
			}
			switch two {
			case "==", "!=", "=~", "!~", "<=", ">=":
				toks = append(toks, gTok{'o', two})
				i += 2
				continue
			}
			if ch == '!' && i+1 < len(q) && unicode.IsLetter(rune(q[i+1])) {
				j := i + 1
				for j < len(q) && unicode.IsLetter(rune(q[j])) {
					j++
				}
				w := q[i:j]
				if j < len(q) && q[j] == '~' {
					w += "~"
					j++
				}
				toks = append(toks, gTok{'i', w})
				i = j
				continue
			}
			if strings.ContainsRune("|(),=<>[]", ch) {
				toks = append(toks, gTok{'o', string(ch)})
				i++
				continue
			}
			return nil, gErrf("unexpected character '%c' at position %d", ch, i)
		}
	}
	return toks, nil
}

func (p *gParser) peek() gTok {
	if p.pos < len(p.toks) {
		return p.toks[p.pos]
	}
	return gTok{}
}

func (p *gParser) next() gTok { t := p.peek(); p.pos++; return t }

func (p *gParser) isWord(w string) bool {
	t := p.peek()
	return t.kind == 'i' && strings.EqualFold(t.text, w)
}

func (p *gParser) isOp(o string) bool { t := p.peek(); return t.kind == 'o' && t.text == o }

func (p *gParser) expectOp(o string) error {
	if !p.isOp(o) {
		return gErrf("expected '%s' but found '%s'", o, p.peek().text)
	}
	p.pos++
	return nil
}

// runGraphQuery evaluates q over the tables src provides.
func runGraphQuery(q string, src func(string) (*gTable, error)) (*gTable, error) {
	toks, err := gLex(q)
	if err != nil {
		return nil, err
	}
	p := &gParser{toks: toks, src: src}
	t, err := p.pipeline()
	if err != nil {
		return nil, err
	}
	if p.pos < len(p.toks) {
		return nil, gErrf("unexpected '%s'", p.peek().text)
	}
	return t, nil
}

func (p *gParser) pipeline() (*gTable, error) {
	name := p.next()
	if name.kind != 'i' {
		return nil, gErrf("a query must start with a table name (resources, resourcecontainers)")
	}
	t, err := p.src(strings.ToLower(name.text))
	if err != nil {
		return nil, err
	}
	for p.isOp("|") {
		p.pos++
		if t, err = p.operator(t); err != nil {
			return nil, err
		}
	}
	return t, nil
}

func (p *gParser) operator(t *gTable) (*gTable, error) {
	op := strings.ToLower(p.next().text)
	switch op {
	case "where", "filter":
		e, err := p.expr()
		if err != nil {
			return nil, err
		}
		out := &gTable{cols: t.cols}
		for _, r := range t.rows {
			if truthy(e(r)) {
				out.rows = append(out.rows, r)
			}
		}
		return out, nil
	case "extend", "project":
		items, err := p.assignments()
		if err != nil {
			return nil, err
		}
		out := &gTable{}
		if op == "extend" {
			out.cols = append(out.cols, t.cols...)
		}
		for _, it := range items {
			if !containsStr(out.cols, it.name) {
				out.cols = append(out.cols, it.name)
			}
		}
		for _, r := range t.rows {
			nr := gRow{}
			if op == "extend" {
				for k, v := range r {
					nr[k] = v
				}
			}
			for _, it := range items {
				nr[it.name] = it.eval(r)
			}
			out.rows = append(out.rows, nr)
		}
		return out, nil
	case "project-away":
		var drop []string
		for {
			n := p.next()
			drop = append(drop, n.text)
			if !p.isOp(",") {
				break
			}
			p.pos++
		}
		out := &gTable{}
		for _, c := range t.cols {
			if !containsStr(drop, c) {
				out.cols = append(out.cols, c)
			}
		}
		for _, r := range t.rows {
			nr := gRow{}
			for _, c := range out.cols {
				nr[c] = r[c]
			}
			out.rows = append(out.rows, nr)
		}
		return out, nil
	case "take", "limit":
		n, err := strconv.Atoi(p.next().text)
		if err != nil || n < 0 {
			return nil, gErrf("'%s' expects a non-negative number", op)
		}
		out := &gTable{cols: t.cols, rows: t.rows}
		if len(out.rows) > n {
			out.rows = out.rows[:n]
		}
		return out, nil
	case "count":
		return &gTable{cols: []string{"Count"}, rows: []gRow{{"Count": int64(len(t.rows))}}}, nil
	case "order", "sort":
		if !p.isWord("by") {
			return nil, gErrf("expected 'by' after '%s'", op)
		}
		p.pos++
		return p.orderBy(t)
	case "distinct":
		items, err := p.assignments()
		if err != nil {
			return nil, err
		}
		out := &gTable{}
		seen := map[string]bool{}
		for _, it := range items {
			out.cols = append(out.cols, it.name)
		}
		for _, r := range t.rows {
			nr := gRow{}
			var key strings.Builder
			for _, it := range items {
				v := it.eval(r)
				nr[it.name] = v
				fmt.Fprintf(&key, "%v\x00", v)
			}
			if !seen[key.String()] {
				seen[key.String()] = true
				out.rows = append(out.rows, nr)
			}
		}
		return out, nil
	case "join":
		return p.join(t)
	case "summarize":
		return p.summarize(t)
	}
	return nil, gErrf("the operator '%s' is not supported by this Resource Graph emulation", op)
}

type gAssign struct {
	name string
	eval func(gRow) any
}

func (p *gParser) assignments() ([]gAssign, error) {
	var items []gAssign
	for {
		start := p.pos
		var name string
		if t := p.peek(); t.kind == 'i' && p.pos+1 < len(p.toks) && p.toks[p.pos+1].kind == 'o' && p.toks[p.pos+1].text == "=" {
			name = t.text
			p.pos += 2
		}
		e, err := p.expr()
		if err != nil {
			return nil, err
		}
		if name == "" {
			name = defaultColumnName(p.toks[start:p.pos])
		}
		items = append(items, gAssign{name: name, eval: e})
		if !p.isOp(",") {
			return items, nil
		}
		p.pos++
	}
}

// defaultColumnName is Kusto's naming of an unnamed projection: a column path with dots turned into
// underscores ("properties.customerId" -> "properties_customerId"), also inside a conversion function
// ("tostring(properties.x)"), else "Column1".
func defaultColumnName(toks []gTok) string {
	if len(toks) == 1 && toks[0].kind == 'i' {
		return strings.ReplaceAll(toks[0].text, ".", "_")
	}
	if len(toks) == 4 && toks[0].kind == 'i' && toks[1].text == "(" && toks[2].kind == 'i' && toks[3].text == ")" {
		return strings.ReplaceAll(toks[2].text, ".", "_")
	}
	return "Column1"
}

func (p *gParser) orderBy(t *gTable) (*gTable, error) {
	type key struct {
		e    func(gRow) any
		desc bool
	}
	var keys []key
	for {
		e, err := p.expr()
		if err != nil {
			return nil, err
		}
		k := key{e: e, desc: true} // Kusto sorts descending by default
		if p.isWord("asc") {
			k.desc = false
			p.pos++
		} else if p.isWord("desc") {
			p.pos++
		}
		keys = append(keys, k)
		if !p.isOp(",") {
			break
		}
		p.pos++
	}
	rows := append([]gRow(nil), t.rows...)
	sort.SliceStable(rows, func(i, j int) bool {
		for _, k := range keys {
			c := compareAny(k.e(rows[i]), k.e(rows[j]))
			if c != 0 {
				return (c < 0) != k.desc
			}
		}
		return false
	})
	return &gTable{cols: t.cols, rows: rows}, nil
}

func (p *gParser) join(left *gTable) (*gTable, error) {
	kind := "innerunique"
	if p.isWord("kind") {
		p.pos++
		if err := p.expectOp("="); err != nil {
			return nil, err
		}
		kind = strings.ToLower(p.next().text)
	}
	if err := p.expectOp("("); err != nil {
		return nil, err
	}
	right, err := p.pipeline()
	if err != nil {
		return nil, err
	}
	if err := p.expectOp(")"); err != nil {
		return nil, err
	}
	if !p.isWord("on") {
		return nil, gErrf("expected 'on' in join")
	}
	p.pos++
	var lk, rk []string
	for {
		a := p.next().text
		if p.isOp("==") {
			p.pos++
			b := p.next().text
			lk = append(lk, strings.TrimPrefix(a, "$left."))
			rk = append(rk, strings.TrimPrefix(b, "$right."))
		} else {
			lk, rk = append(lk, a), append(rk, a)
		}
		if !p.isOp(",") {
			break
		}
		p.pos++
	}
	keyOf := func(r gRow, ks []string) string {
		var sb strings.Builder
		for _, k := range ks {
			fmt.Fprintf(&sb, "%v\x00", r[k])
		}
		return sb.String()
	}
	idx := map[string][]gRow{}
	for _, r := range right.rows {
		idx[keyOf(r, rk)] = append(idx[keyOf(r, rk)], r)
	}
	out := &gTable{cols: append([]string(nil), left.cols...)}
	for _, c := range right.cols {
		n := c
		if containsStr(left.cols, c) {
			n = c + "1"
		}
		out.cols = append(out.cols, n)
	}
	seenLeft := map[string]bool{}
	for _, l := range left.rows {
		k := keyOf(l, lk)
		if kind == "innerunique" {
			if seenLeft[k] {
				continue
			}
			seenLeft[k] = true
		}
		matches := idx[k]
		if len(matches) == 0 && kind == "leftouter" {
			matches = []gRow{{}}
		} else if len(matches) == 0 {
			continue
		} else if kind != "inner" && kind != "innerunique" && kind != "leftouter" {
			return nil, gErrf("join kind '%s' is not supported by this Resource Graph emulation", kind)
		}
		for _, m := range matches {
			nr := gRow{}
			for k, v := range l {
				nr[k] = v
			}
			for _, c := range right.cols {
				n := c
				if containsStr(left.cols, c) {
					n = c + "1"
				}
				nr[n] = m[c]
			}
			out.rows = append(out.rows, nr)
		}
	}
	return out, nil
}

// summarize supports count() aggregations grouped by expressions: "summarize count() by type",
// "summarize n = count() by tostring(properties.x)".
func (p *gParser) summarize(t *gTable) (*gTable, error) {
	var aggNames []string
	for !p.isWord("by") && p.pos < len(p.toks) && !p.isOp("|") {
		name := "count"
		if tk := p.peek(); tk.kind == 'i' && p.pos+1 < len(p.toks) && p.toks[p.pos+1].text == "=" {
			name = tk.text
			p.pos += 2
		}
		fn := strings.ToLower(p.next().text)
		if fn != "count" || p.expectOp("(") != nil || p.expectOp(")") != nil {
			return nil, gErrf("only count() aggregations are supported by this Resource Graph emulation")
		}
		aggNames = append(aggNames, name)
		if p.isOp(",") {
			p.pos++
		}
	}
	var keys []gAssign
	if p.isWord("by") {
		p.pos++
		var err error
		if keys, err = p.assignments(); err != nil {
			return nil, err
		}
	}
	out := &gTable{}
	for _, k := range keys {
		out.cols = append(out.cols, k.name)
	}
	out.cols = append(out.cols, aggNames...)
	groups := map[string]gRow{}
	var order []string
	for _, r := range t.rows {
		var kb strings.Builder
		vals := make([]any, len(keys))
		for i, k := range keys {
			vals[i] = k.eval(r)
			fmt.Fprintf(&kb, "%v\x00", vals[i])
		}
		g, ok := groups[kb.String()]
		if !ok {
			g = gRow{}
			for i, k := range keys {
				g[k.name] = vals[i]
			}
			for _, a := range aggNames {
				g[a] = int64(0)
			}
			groups[kb.String()] = g
			order = append(order, kb.String())
		}
		for _, a := range aggNames {
			g[a] = g[a].(int64) + 1
		}
	}
	for _, k := range order {
		out.rows = append(out.rows, groups[k])
	}
	return out, nil
}

func containsStr(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}
