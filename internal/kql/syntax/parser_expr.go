package syntax

// Scalar expressions, by increasing precedence (as Kusto.Language):
//
//	or
//	and
//	== != <> =~ !~ has ... contains ... in !in in~ has_any has_all between matches regex
//	< <= > >=
//	+ -
//	* / %
//	unary - +
//	postfix: x.y  x[i]  f(...)

// reserved are the keywords that cannot be used as a name in an expression
// without brackets (['by']): they would make the grammar ambiguous.
var reserved = func() map[string]bool {
	m := map[string]bool{
		"and": true, "or": true, "by": true, "of": true, "to": true, "between": true,
		"matches": true, "like": true, "notlike": true, "asc": true, "desc": true,
	}
	for w := range stringOps {
		if w[0] != '!' {
			m[w] = true
		}
	}
	return m
}()

// sourceOps are the operators that can start a query without an input.
var sourceOps = map[string]bool{"union": true, "print": true, "search": true, "find": true}

// parsePipeExpr parses an expression optionally followed by `| operator`s.
func (p *parser) parsePipeExpr() Expr {
	x := p.parseExpr()
	if p.tok.Kind != TokPipe {
		return x
	}
	pipe, ok := x.(*PipeExpr)
	if !ok {
		pipe = &PipeExpr{Span: Span{x.Pos(), x.End()}, Input: x}
	}
	p.parsePipeOps(pipe)
	return pipe
}

// parsePipeOps parses `| op` stages into pipe while the current token is
// '|'.
func (p *parser) parsePipeOps(pipe *PipeExpr) {
	for p.tok.Kind == TokPipe {
		p.next()
		pipe.Ops = append(pipe.Ops, p.parseOperator())
		pipe.Stop = p.prevEnd
	}
}

func (p *parser) parseExpr() Expr {
	if !p.enter() {
		p.leave()
		return &BadExpr{Span: Span{p.tok.Pos, p.tok.Pos}}
	}
	defer p.leave()
	return p.parseOr()
}

func (p *parser) binary(op BinaryOp, opPos int, x, y Expr) Expr {
	return &BinaryExpr{Span: Span{x.Pos(), y.End()}, Op: op, OpPos: opPos, X: x, Y: y}
}

func (p *parser) parseOr() Expr {
	x := p.parseAnd()
	for p.is("or") {
		at := p.tok.Pos
		p.next()
		x = p.binary(OpOr, at, x, p.parseAnd())
	}
	return x
}

func (p *parser) parseAnd() Expr {
	x := p.parseEquality()
	for p.is("and") {
		at := p.tok.Pos
		p.next()
		x = p.binary(OpAnd, at, x, p.parseEquality())
	}
	return x
}

var compareTokens = map[TokenKind]BinaryOp{
	TokEq: OpEq, TokNe: OpNe, TokLtGt: OpNe, TokEqTilde: OpEqCI, TokNeTilde: OpNeCI,
}

var listOps = map[string]BinaryOp{
	"in": OpIn, "in~": OpInCI, "has_any": OpHasAny, "has_all": OpHasAll, "!in": OpNotIn, "!in~": OpNotInCI,
}

func (p *parser) parseEquality() Expr {
	x := p.parseRelational()
	for {
		at := p.tok.Pos
		if op, ok := compareTokens[p.tok.Kind]; ok {
			p.next()
			x = p.binary(op, at, x, p.parseRelational())
			continue
		}
		if p.tok.Kind != TokIdent && p.tok.Kind != TokBangWord && !(p.search && p.tok.Kind == TokColon) {
			return x
		}
		word := p.tok.Text
		switch {
		case p.tok.Kind == TokColon:
			p.next()
			x = p.binary(OpHas, at, x, p.parseRelational())
		case listOps[word] != OpInvalid:
			p.next()
			x = p.parseInList(listOps[word], at, x)
		case word == "between" || word == "!between":
			p.next()
			x = p.parseBetween(word[0] == '!', x)
		case word == "matches" && p.isAt(1, "regex"):
			p.next()
			p.next()
			x = p.binary(OpMatchesRegex, at, x, p.parseRelational())
		case stringOps[word] != OpInvalid:
			p.next()
			x = p.binary(stringOps[word], at, x, p.parseRelational())
		default:
			return x
		}
	}
}

// parseInList parses the `(a, b, ...)` of in, !in, in~, has_any, has_all.
func (p *parser) parseInList(op BinaryOp, at int, x Expr) Expr {
	in := &InExpr{Op: op, OpPos: at, X: x}
	if p.expect(TokLParen, " after '"+op.String()+"'") {
		if p.tok.Kind == TokRParen {
			p.errMissingExpr("a value in the list of '" + op.String() + "'")
		}
		for p.tok.Kind != TokRParen && p.tok.Kind != TokEOF {
			in.List = append(in.List, p.parseArg())
			if p.tok.Kind != TokComma {
				break
			}
			p.next()
			if p.tok.Kind == TokRParen {
				p.errMissingExpr("a value after ','")
			}
		}
		p.expect(TokRParen, " to close the list of '"+op.String()+"'")
	}
	in.Span = p.span(x.Pos())
	return in
}

func (p *parser) parseBetween(not bool, x Expr) Expr {
	b := &BetweenExpr{Not: not, X: x}
	if p.expect(TokLParen, " after 'between'") {
		b.Lo = p.parseExprOrMissing("the lower bound of 'between'")
		if p.expect(TokDotDot, " between the bounds, as in between (1 .. 10)") {
			b.Hi = p.parseExprOrMissing("the upper bound of 'between'")
		}
		p.expect(TokRParen, " to close 'between'")
	}
	if b.Lo == nil {
		b.Lo = &BadExpr{Span: Span{p.prevEnd, p.prevEnd}}
	}
	if b.Hi == nil {
		b.Hi = &BadExpr{Span: Span{p.prevEnd, p.prevEnd}}
	}
	b.Span = p.span(x.Pos())
	return b
}

var relTokens = map[TokenKind]BinaryOp{TokLt: OpLt, TokLe: OpLe, TokGt: OpGt, TokGe: OpGe}

func (p *parser) parseRelational() Expr {
	x := p.parseAdditive()
	for {
		op, ok := relTokens[p.tok.Kind]
		if !ok {
			return x
		}
		at := p.tok.Pos
		p.next()
		x = p.binary(op, at, x, p.parseAdditive())
	}
}

func (p *parser) parseAdditive() Expr {
	x := p.parseMultiplicative()
	for p.tok.Kind == TokPlus || p.tok.Kind == TokMinus {
		op, at := OpAdd, p.tok.Pos
		if p.tok.Kind == TokMinus {
			op = OpSub
		}
		p.next()
		x = p.binary(op, at, x, p.parseMultiplicative())
	}
	return x
}

var mulTokens = map[TokenKind]BinaryOp{TokStar: OpMul, TokSlash: OpDiv, TokPercent: OpMod}

func (p *parser) parseMultiplicative() Expr {
	x := p.parseUnary()
	for {
		op, ok := mulTokens[p.tok.Kind]
		if !ok {
			return x
		}
		at := p.tok.Pos
		p.next()
		x = p.binary(op, at, x, p.parseUnary())
	}
}

func (p *parser) parseUnary() Expr {
	if p.tok.Kind != TokMinus && p.tok.Kind != TokPlus {
		return p.parsePostfix()
	}
	start, neg, signEnd := p.tok.Pos, p.tok.Kind == TokMinus, p.tok.End
	p.next()
	if neg && p.tok.Pos == signEnd {
		switch p.tok.Kind {
		case TokInt, TokReal, TokTimespan:
			lit := p.numberLit(p.tok, true)
			lit.Start = start
			p.next()
			return p.postfix(lit)
		}
	}
	if !p.enter() {
		p.leave()
		return &BadExpr{Span: p.span(start)}
	}
	defer p.leave()
	x := p.parseUnary()
	op := OpPlus
	if neg {
		op = OpNeg
	}
	return &UnaryExpr{Span: Span{start, x.End()}, Op: op, X: x}
}

func (p *parser) parsePostfix() Expr { return p.postfix(p.parsePrimary()) }

// postfix applies member access, indexing and dotted calls to x.
func (p *parser) postfix(x Expr) Expr {
	for {
		switch p.tok.Kind {
		case TokDot:
			p.next()
			var name *Ident
			if p.tok.Kind == TokLBracket {
				// x.[0] and x.['key'] are indexing, as x[0] and x['key'].
				continue
			} else if p.tok.Kind == TokIdent {
				name = p.identTok()
			} else {
				p.errMissing("expected a name after '.'", "")
				return &MemberExpr{Span: p.span(x.Pos()), X: x, Name: &Ident{Span: Span{p.prevEnd, p.prevEnd}}}
			}
			if p.tok.Kind == TokLParen {
				x = p.parseCall(x, name)
				continue
			}
			x = &MemberExpr{Span: Span{x.Pos(), name.End()}, X: x, Name: name}
		case TokLBracket:
			p.next()
			idx := p.parseExprOrMissing("an index or key inside '[ ]'")
			p.expect(TokRBracket, " to close the index")
			x = &IndexExpr{Span: p.span(x.Pos()), X: x, Index: idx}
		default:
			return x
		}
	}
}

// identTok consumes the current identifier token.
func (p *parser) identTok() *Ident {
	id := &Ident{Span: Span{p.tok.Pos, p.tok.End}, Name: p.tok.Text}
	p.next()
	return id
}

// parseExprOrMissing parses an expression, reporting a missing one (what)
// when the current token cannot start one.
func (p *parser) parseExprOrMissing(what string) Expr {
	if !p.startsExpr() {
		p.errMissingExpr(what)
		return &BadExpr{Span: Span{p.prevEnd, p.prevEnd}}
	}
	return p.parseExpr()
}

// startsExpr reports whether the current token can start an expression.
func (p *parser) startsExpr() bool {
	switch p.tok.Kind {
	case TokIdent:
		return !reserved[p.tok.Text]
	case TokInt, TokReal, TokTimespan, TokString, TokTypedLit, TokLParen, TokMinus, TokPlus, TokStar:
		return true
	case TokLBracket:
		return p.peek(1).Kind == TokString
	}
	return false
}

func (p *parser) parsePrimary() Expr {
	t := p.tok
	switch t.Kind {
	case TokIdent:
		return p.parseIdentPrimary()
	case TokString:
		return p.stringLit()
	case TokInt, TokReal, TokTimespan:
		p.next()
		return p.numberLit(t, false)
	case TokTypedLit:
		p.next()
		return p.typedLit(t)
	case TokLParen:
		p.next()
		x := p.parsePipeExprOrMissing("an expression inside '( )'")
		p.expect(TokRParen, " to close '('")
		return &ParenExpr{Span: p.span(t.Pos), X: x}
	case TokLBracket:
		if p.peek(1).Kind == TokString {
			return p.parseName("a name")
		}
	case TokStar:
		p.next()
		return &StarExpr{Span: Span{t.Pos, t.End}}
	case TokBad:
		p.next()
		return &BadExpr{Span: Span{t.Pos, t.End}}
	}
	p.errMissingExpr("an expression")
	return &BadExpr{Span: Span{p.prevEnd, p.prevEnd}}
}

func (p *parser) parsePipeExprOrMissing(what string) Expr {
	if !p.startsExpr() && !(p.tok.Kind == TokIdent && isOperatorName(p.tok.Text)) {
		p.errMissingExpr(what)
		return &BadExpr{Span: Span{p.prevEnd, p.prevEnd}}
	}
	return p.parsePipeExpr()
}

func (p *parser) parseIdentPrimary() Expr {
	t := p.tok
	next := p.peek(1)
	switch t.Text {
	case "true", "false":
		p.next()
		return &Literal{Span: Span{t.Pos, t.End}, Kind: LitBool, Bool: t.Text == "true"}
	case "null":
		p.next()
		return &Literal{Span: Span{t.Pos, t.End}, Kind: LitNull, Null: true}
	case "dynamic":
		if next.Kind == TokLParen {
			return p.parseDynamic()
		}
	case "typeof":
		if next.Kind == TokLParen {
			return p.parseTypeOf()
		}
	case "datatable":
		if next.Kind == TokLParen || next.Kind == TokIdent {
			return p.parseDataTable()
		}
	case "externaldata":
		if next.Kind == TokLParen || next.Kind == TokIdent {
			return p.parseExternalData()
		}
	case "range":
		if next.Kind == TokIdent && p.isAt(2, "from") {
			return p.parseSourcePipe()
		}
	case "evaluate":
		if next.Kind == TokIdent {
			return p.parseSourcePipe()
		}
	}
	if sourceOps[t.Text] {
		return p.parseSourcePipe()
	}
	if reserved[t.Text] {
		p.errMissingExpr("an expression")
		return &BadExpr{Span: Span{p.prevEnd, p.prevEnd}}
	}
	name := p.identTok()
	if p.tok.Kind == TokLParen {
		return p.parseCall(nil, name)
	}
	return name
}

// parseSourcePipe parses an operator that starts a query (union, print,
// range ...) as a pipeline without input.
func (p *parser) parseSourcePipe() Expr {
	start := p.tok.Pos
	op := p.parseOperator()
	return &PipeExpr{Span: p.span(start), Ops: []Op{op}}
}

// parseCall parses the arguments of name(...).
func (p *parser) parseCall(target Expr, name *Ident) Expr {
	start := name.Pos()
	if target != nil {
		start = target.Pos()
	}
	c := &CallExpr{Target: target, Name: name}
	p.next() // (
	for p.tok.Kind != TokRParen && p.tok.Kind != TokEOF {
		c.Args = append(c.Args, p.parseArg())
		if p.tok.Kind != TokComma {
			break
		}
		p.next()
		if p.tok.Kind == TokRParen {
			p.errMissingExpr("an argument after ','")
		}
	}
	p.expect(TokRParen, " to close the arguments of "+name.Name+"()")
	c.Span = p.span(start)
	return c
}

// parseArg parses a call argument: `*`, `name = value` or an expression
// (pipes allowed: toscalar(T | count)).
func (p *parser) parseArg() Expr {
	if p.tok.Kind == TokStar && (p.peek(1).Kind == TokComma || p.peek(1).Kind == TokRParen) {
		t := p.tok
		p.next()
		return &StarExpr{Span: Span{t.Pos, t.End}}
	}
	if p.tok.Kind == TokIdent && p.peek(1).Kind == TokAssign {
		name := p.identTok()
		p.next()
		v := p.parseExprOrMissing("a value after '='")
		return &NamedArg{Span: Span{name.Pos(), v.End()}, Name: name, Value: v}
	}
	return p.parsePipeExprOrMissing("an argument")
}

// parseName parses a name: an identifier (keywords allowed) or ['name'].
func (p *parser) parseName(what string) *Ident {
	t := p.tok
	switch t.Kind {
	case TokIdent:
		return p.identTok()
	case TokLBracket:
		if s := p.peek(1); s.Kind == TokString {
			p.next()
			p.next()
			id := &Ident{Name: s.Value, Quoted: true}
			p.expect(TokRBracket, " to close the bracketed name")
			id.Span = p.span(t.Pos)
			return id
		}
	}
	p.errMissing("expected "+what, "")
	return &Ident{Span: Span{p.prevEnd, p.prevEnd}}
}

// parseDottedName parses a name that may contain dots (set options).
func (p *parser) parseDottedName() *Ident {
	id := p.parseName("an option name")
	for p.tok.Kind == TokDot && p.tok.Pos == id.Stop && p.peek(1).Kind == TokIdent {
		p.next()
		id.Name += "." + p.tok.Text
		id.Stop = p.tok.End
		p.next()
	}
	return id
}

// parseType parses a scalar type name.
func (p *parser) parseType() *TypeRef {
	if p.tok.Kind != TokIdent && p.tok.Kind != TokTypedLit {
		p.errMissing("expected a type name (string, long, real, bool, datetime, timespan, dynamic, guid, int, decimal)", "")
		return &TypeRef{Span: Span{p.prevEnd, p.prevEnd}}
	}
	t := p.tok
	p.next()
	tr := &TypeRef{Span: Span{t.Pos, t.End}, Name: t.Text}
	if tr.Canonical() == "" {
		p.errorAt(CodeBadLiteral, t.Pos, t.End, "unknown type '"+clip(t.Text)+"'",
			"types are string, long, int, real, decimal, bool, datetime, timespan, guid, dynamic")
	}
	return tr
}

// parseSchema parses `(col:type, ...)` or `(*)`.
func (p *parser) parseSchema() *TableSchema {
	start := p.tok.Pos
	s := &TableSchema{}
	if !p.expect(TokLParen, " to start the schema") {
		s.Span = p.span(start)
		return s
	}
	for p.tok.Kind != TokRParen && p.tok.Kind != TokEOF {
		if p.tok.Kind == TokStar {
			s.Star = true
			p.next()
		} else {
			s.Columns = append(s.Columns, p.parseColumnDecl())
		}
		if p.tok.Kind != TokComma {
			break
		}
		p.next()
	}
	p.expect(TokRParen, " to close the schema")
	s.Span = p.span(start)
	return s
}

func (p *parser) parseColumnDecl() *ColumnDecl {
	start := p.tok.Pos
	c := &ColumnDecl{Name: p.parseName("a column name")}
	if p.expect(TokColon, " and a type after the column name") {
		c.Type = p.parseType()
	}
	c.Span = p.span(start)
	return c
}

func (p *parser) parseTypeOf() Expr {
	start := p.tok.Pos
	p.next() // typeof
	p.next() // (
	x := &TypeOfExpr{}
	switch {
	case p.tok.Kind == TokStar || p.tok.Kind == TokIdent && p.peek(1).Kind == TokColon:
		s := &TableSchema{Span: Span{p.tok.Pos, p.tok.Pos}}
		for p.tok.Kind != TokRParen && p.tok.Kind != TokEOF {
			if p.tok.Kind == TokStar {
				s.Star = true
				p.next()
			} else {
				s.Columns = append(s.Columns, p.parseColumnDecl())
			}
			if p.tok.Kind != TokComma {
				break
			}
			p.next()
		}
		s.Stop = p.prevEnd
		x.Schema = s
	default:
		x.Type = p.parseType()
	}
	p.expect(TokRParen, " to close typeof(")
	x.Span = p.span(start)
	return x
}
