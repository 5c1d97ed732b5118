package syntax

import "strings"

// Operators: joins, unions, expansion, parsing.

// parseRightTable parses the right side of join/lookup: a parenthesized
// query or a table reference (name, call, member access).
func (p *parser) parseRightTable(kw string) Tabular {
	if p.tok.Kind == TokLParen {
		return p.parsePrimaryPostfix()
	}
	if p.tok.Kind == TokIdent && !reserved[p.tok.Text] && p.tok.Text != "on" && p.tok.Text != "where" || p.tok.Kind == TokLBracket {
		return p.parsePrimaryPostfix()
	}
	p.errMissingExpr("the table to " + kw + " with")
	return &BadExpr{Span: Span{p.prevEnd, p.prevEnd}}
}

// parsePrimaryPostfix parses a primary expression with member access,
// indexing and calls, but no operators.
func (p *parser) parsePrimaryPostfix() Expr {
	if !p.enter() {
		p.leave()
		return &BadExpr{Span: Span{p.tok.Pos, p.tok.Pos}}
	}
	defer p.leave()
	return p.parsePostfix()
}

// parseJoinConds parses the `on` list of join and lookup.
func (p *parser) parseJoinConds() []*JoinCond {
	var out []*JoinCond
	for {
		x := p.parseExprOrMissing("a join condition (a column, or $left.A == $right.B)")
		c := &JoinCond{Span: Span{x.Pos(), x.End()}, X: x}
		c.Left, c.Right = joinKeys(x)
		out = append(out, c)
		if p.tok.Kind != TokComma {
			return out
		}
		p.next()
	}
}

// joinKeys returns the key columns of `Col` or `$left.A == $right.B`.
func joinKeys(x Expr) (left, right *Ident) {
	switch x := x.(type) {
	case *Ident:
		return x, x
	case *BinaryExpr:
		if x.Op != OpEq {
			return nil, nil
		}
		a, sa := sideColumn(x.X)
		b, sb := sideColumn(x.Y)
		switch {
		case sa == "$left" && sb == "$right":
			return a, b
		case sa == "$right" && sb == "$left":
			return b, a
		}
	}
	return nil, nil
}

func sideColumn(x Expr) (*Ident, string) {
	m, ok := x.(*MemberExpr)
	if !ok {
		return nil, ""
	}
	side, ok := m.X.(*Ident)
	if !ok || side.Quoted || side.Name != "$left" && side.Name != "$right" {
		return nil, ""
	}
	return m.Name, side.Name
}

func parseJoin(p *parser, _ int, _ string) Op {
	j := &JoinOp{Params: p.parseParams([]string{"kind", "withsource"})}
	if k := takeParam(&j.Params, "kind"); k != nil {
		j.Kind = p.checkWord(k, JoinKinds...)
	}
	j.Right = p.parseRightTable("join")
	switch {
	case p.accept("on"):
		j.On = p.parseJoinConds()
	case p.accept("where"):
		j.Where = p.parseExprOrMissing("a join condition after 'where'")
	}
	// Without on or where Kusto's parser accepts the join; the compiler
	// reports the missing condition.
	return j
}

func parseLookup(p *parser, _ int, _ string) Op {
	l := &LookupOp{Params: p.parseParams([]string{"kind"})}
	if k := takeParam(&l.Params, "kind"); k != nil {
		l.Kind = p.checkWord(k, "leftouter", "inner")
	}
	l.Right = p.parseRightTable("look up")
	if p.expectWord("on", " and the lookup columns after the table") {
		l.On = p.parseJoinConds()
	}
	return l
}

func parseUnion(p *parser, _ int, _ string) Op {
	u := &UnionOp{Params: p.parseParams([]string{"kind", "isfuzzy", "withsource"})}
	if k := takeParam(&u.Params, "kind"); k != nil {
		u.Kind = p.checkWord(k, "inner", "outer")
	}
	if f := takeParam(&u.Params, "isfuzzy"); f != nil {
		u.IsFuzzy = p.checkWord(f, "true", "false") == "true"
	}
	if w := takeParam(&u.Params, "withsource"); w != nil {
		if id, ok := w.Value.(*Ident); ok {
			u.WithSource = id
		} else {
			p.errorAt(CodeBadParam, w.Value.Pos(), w.Value.End(), "withsource expects a column name", "as in withsource=TableName")
		}
	}
	for {
		u.Tables = append(u.Tables, p.parseUnionTable())
		if p.tok.Kind != TokComma {
			return u
		}
		p.next()
	}
}

// parseUnionTable parses one union leg: a name or pattern, a call or
// member access, or a parenthesized query.
func (p *parser) parseUnionTable() Tabular {
	switch p.tok.Kind {
	case TokStar:
		return p.parseNamePattern("a table")
	case TokIdent:
		if n := p.peek(1); n.Kind == TokStar && n.Pos == p.tok.End {
			return p.parseNamePattern("a table")
		}
		if reserved[p.tok.Text] {
			break
		}
		return p.parsePrimaryPostfix()
	case TokLParen, TokLBracket:
		return p.parsePrimaryPostfix()
	}
	p.errMissingExpr("a table after 'union'")
	return &BadExpr{Span: Span{p.prevEnd, p.prevEnd}}
}

// parseExpandCols parses the column list of mv-expand and mv-apply.
func (p *parser) parseExpandCols(kw string) []*MvExpandCol {
	var out []*MvExpandCol
	for {
		start := p.tok.Pos
		c := &MvExpandCol{}
		if (p.tok.Kind == TokIdent || p.tok.Kind == TokLBracket) && p.namedAhead() {
			c.Name = p.parseName("a column name")
			p.next() // =
		}
		c.X = p.parseExprOrMissing("the column to expand after '" + kw + "'")
		if p.accept("to") {
			if p.is("typeof") && p.peek(1).Kind == TokLParen {
				p.next()
				p.next()
				c.ToType = p.parseType()
				p.expect(TokRParen, " to close typeof(")
			} else {
				p.errMissing("expected typeof(type) after 'to'", "as in mv-expand x to typeof(string)")
			}
		}
		c.Span = p.span(start)
		out = append(out, c)
		if p.tok.Kind != TokComma {
			return out
		}
		p.next()
	}
}

// namedAhead reports whether a name followed by '=' starts here.
func (p *parser) namedAhead() bool {
	if p.tok.Kind == TokIdent {
		return p.peek(1).Kind == TokAssign
	}
	return p.tok.Kind == TokLBracket && p.peek(1).Kind == TokString && p.peek(2).Kind == TokRBracket && p.peek(3).Kind == TokAssign
}

func parseMvExpand(p *parser, _ int, kw string) Op {
	m := &MvExpandOp{Keyword: kw, Params: p.parseParams([]string{"bagexpansion", "with_itemindex", "kind"})}
	if b := takeParam(&m.Params, "bagexpansion"); b != nil {
		m.BagExpansion = p.checkWord(b, "bag", "array")
	}
	if w := takeParam(&m.Params, "with_itemindex"); w != nil {
		m.WithItemIndex = p.paramIdent(w)
	}
	m.Cols = p.parseExpandCols(kw)
	if p.accept("limit") {
		m.Limit = p.parseExprOrMissing("the row limit after 'limit'")
	}
	return m
}

// paramIdent returns a parameter value that must be a column name.
func (p *parser) paramIdent(x *Param) *Ident {
	if id, ok := x.Value.(*Ident); ok {
		return id
	}
	p.errorAt(CodeBadParam, x.Value.Pos(), x.Value.End(), x.Name+" expects a column name", "")
	return &Ident{Span: Span{x.Value.Pos(), x.Value.End()}}
}

func parseMvApply(p *parser, _ int, _ string) Op {
	m := &MvApplyOp{Params: p.parseParams([]string{"with_itemindex", "id"})}
	if w := takeParam(&m.Params, "with_itemindex"); w != nil {
		m.WithItemIndex = p.paramIdent(w)
	}
	m.Cols = p.parseExpandCols("mv-apply")
	if p.accept("limit") {
		m.Limit = p.parseExprOrMissing("the row limit after 'limit'")
	}
	if p.expectWord("on", " and a subquery (mv-apply x on (summarize ...))") {
		m.Sub = p.parseSubquery(TokLParen, TokRParen, " after 'on'")
	}
	return m
}

func parseParse(p *parser, _ int, kw string) Op {
	op := &ParseOp{Keyword: kw, Params: p.parseParams([]string{"kind", "flags"})}
	if k := takeParam(&op.Params, "kind"); k != nil {
		op.Kind = p.checkWord(k, "simple", "regex", "relaxed")
	}
	if f := takeParam(&op.Params, "flags"); f != nil {
		switch v := f.Value.(type) {
		case *Ident:
			op.Flags = v.Name
		case *Literal:
			op.Flags = v.Str
		}
	}
	op.Source = p.parseExprOrMissing("the text to parse after '" + kw + "'")
	if !p.expectWord("with", " and the pattern (parse Column with \"prefix\" Name:type ...)") {
		return op
	}
	for !p.atOpEnd() {
		t := p.tok
		part := &ParsePart{}
		switch t.Kind {
		case TokStar:
			part.Star = true
			p.next()
		case TokString:
			part.Literal = p.stringLit()
		case TokIdent, TokLBracket:
			part.Column = p.parseName("a column name")
			if p.tok.Pos == t.Pos {
				p.next() // '[' without a name: skip it
				continue
			}
			if p.tok.Kind == TokColon {
				p.next()
				part.Type = p.parseType()
			}
		default:
			p.errUnexpected("expected a string, a column name or '*' in the parse pattern")
			p.next()
			continue
		}
		part.Span = p.span(t.Pos)
		op.Parts = append(op.Parts, part)
	}
	return op
}

func parseParseKV(p *parser, _ int, _ string) Op {
	op := &ParseKVOp{Params: p.parseParams(nil)}
	op.Source = p.parseExprOrMissing("the text to parse after 'parse-kv'")
	if p.expectWord("as", " and the keys (parse-kv Column as (Key:type, ...))") {
		op.Keys = p.parseSchema().Columns
	}
	if p.accept("with") {
		op.With = p.parseWithProps()
	}
	return op
}

// parseWithProps parses `( name = value, ... )`; a value may be a list
// (`ycolumns = a, b`).
func (p *parser) parseWithProps() []*Param {
	var out []*Param
	if !p.expect(TokLParen, " after 'with'") {
		return nil
	}
	for p.tok.Kind != TokRParen && p.tok.Kind != TokEOF {
		start := p.tok.Pos
		name, n := p.paramName()
		if n == 0 {
			p.errMissing("expected a property name = value", "")
			p.skipTo(TokComma, TokRParen)
			if p.tok.Kind == TokComma {
				p.next()
				continue
			}
			break
		}
		for range n + 1 {
			p.next()
		}
		v := p.parseWithValue(name)
		out = append(out, &Param{Span: p.span(start), Name: name, Value: v})
		if p.tok.Kind != TokComma {
			break
		}
		p.next()
	}
	p.expect(TokRParen, " to close 'with ('")
	return out
}

// parseWithValue parses a with-property value: an expression, or a list of
// them when followed by `, x` that is not another `name =`.
func (p *parser) parseWithValue(name string) Expr {
	v := p.parseExprOrMissing("a value for '" + name + "'")
	if p.tok.Kind != TokComma {
		return v
	}
	if _, n := p.paramNameAt(1); n > 0 || p.peek(1).Kind == TokRParen {
		return v
	}
	l := &ListExpr{Elems: []Expr{v}}
	for p.tok.Kind == TokComma {
		if _, n := p.paramNameAt(1); n > 0 || p.peek(1).Kind == TokRParen {
			break
		}
		p.next()
		l.Elems = append(l.Elems, p.parseExprOrMissing("a value in the list of '"+name+"'"))
	}
	l.Span = p.span(v.Pos())
	return l
}

// paramNameAt is paramName starting k tokens ahead.
func (p *parser) paramNameAt(k int) (string, int) {
	var b strings.Builder
	n := 0
	for {
		t := p.peek(k + n)
		if t.Kind != TokIdent {
			return "", 0
		}
		b.WriteString(t.Text)
		n++
		switch p.peek(k + n).Kind {
		case TokAssign:
			return b.String(), n
		case TokDot:
			b.WriteByte('.')
			n++
		default:
			return "", 0
		}
	}
}
