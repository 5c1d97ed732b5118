package syntax

import "fmt"

// maxErrors bounds the diagnostics of one parse: after that many the
// parser stops (later errors are mostly consequences of earlier ones).
const maxErrors = 25

// Parse parses a KQL script. It always returns a *Script (with *Bad* nodes
// where the source could not be parsed) and the diagnostics, which are
// sorted by position; the script is valid when none has severity error.
func Parse(src string) (*Script, []Diagnostic) {
	p := newParser(src)
	s := p.parseScript()
	return s, p.finish()
}

// ParseExpr parses a single expression (scalar or tabular, pipes allowed),
// for tests and tools that handle fragments.
func ParseExpr(src string) (Expr, []Diagnostic) {
	p := newParser(src)
	var x Expr
	if p.tok.Kind == TokEOF {
		p.errMissing("expected an expression", "")
		x = &BadExpr{Span: Span{0, 0}}
	} else {
		x = p.parsePipeExpr()
		if p.tok.Kind != TokEOF {
			p.errUnexpected("expected the end of the expression")
		}
	}
	return x, p.finish()
}

type parser struct {
	src     string
	lx      *Lexer
	buf     []Token // lookahead: buf[bi] is the current token
	bi      int
	tok     Token
	prevEnd int // end of the last consumed token
	diags   []Diagnostic
	li      *LineIndex
	depth   int
	stopped bool // too many errors, too deep or too long: the rest is skipped
	lastErr int  // offset of the last error, to drop cascades at the same place
	repeats int  // errors dropped at lastErr
	search  bool // inside a search predicate: Col:"term" is allowed
}

func newParser(src string) *parser {
	p := &parser{src: src, lastErr: -1}
	if len(src) > MaxLength {
		p.lx = NewLexer("")
		p.tok = Token{Kind: TokEOF, Pos: 0, End: 0}
		p.errorAt(CodeTooLong, 0, 0, fmt.Sprintf("the query is %d bytes long; the limit is %d", len(src), MaxLength),
			"split it, or move large lists into a watchlist or a let statement")
		p.stopped = true
		return p
	}
	p.lx = NewLexer(src)
	p.fill(0)
	p.tok = p.buf[0]
	return p
}

func (p *parser) finish() []Diagnostic {
	all := append(p.lx.Diagnostics(), p.diags...)
	// Stable insertion sort by offset: lists are short and mostly sorted.
	for i := 1; i < len(all); i++ {
		for j := i; j > 0 && all[j].Offset < all[j-1].Offset; j-- {
			all[j], all[j-1] = all[j-1], all[j]
		}
	}
	if len(all) > maxErrors {
		all = all[:maxErrors] // the first ones matter; later ones are mostly consequences
	}
	return all
}

// fill makes sure buf holds the token k positions ahead of the current one.
func (p *parser) fill(k int) {
	for len(p.buf)-p.bi <= k {
		if p.stopped {
			p.buf = append(p.buf, Token{Kind: TokEOF, Pos: len(p.src), End: len(p.src)})
			continue
		}
		p.buf = append(p.buf, p.lx.Next())
	}
}

// peek returns the token k positions after the current one (peek(0) is the
// current token).
func (p *parser) peek(k int) Token {
	p.fill(k)
	return p.buf[p.bi+k]
}

// next consumes the current token.
func (p *parser) next() {
	if p.tok.Kind == TokEOF {
		return
	}
	p.prevEnd = p.tok.End
	p.bi++
	if p.bi == len(p.buf) {
		p.buf, p.bi = p.buf[:0], 0
	}
	p.fill(0)
	p.tok = p.buf[p.bi]
	if p.stopped {
		p.tok = Token{Kind: TokEOF, Pos: len(p.src), End: len(p.src)}
	}
}

// stop makes the rest of the input look empty.
func (p *parser) stop() {
	p.stopped = true
	p.buf, p.bi = p.buf[:0], 0
	p.fill(0)
	p.tok = p.buf[0]
}

func (p *parser) errorAt(code string, from, to int, msg, hint string) {
	if p.stopped {
		return
	}
	if from == p.lastErr {
		// The same place again: a safety net against a loop that does not
		// advance (every loop should; this bounds the damage if one does not).
		if p.repeats++; p.repeats > 1000 {
			p.stop()
		}
		return
	}
	p.repeats = 0
	p.lastErr = from
	if p.li == nil {
		p.li = NewLineIndex(p.src)
	}
	line, col := p.li.Position(from)
	p.diags = append(p.diags, Diagnostic{Code: code, Message: msg, Hint: hint, Line: line, Col: col,
		Offset: from, End: to, Severity: SeverityError})
	if len(p.diags) >= maxErrors {
		p.stop()
	}
}

// span returns the span from start to the end of the last consumed token
// (empty at start when nothing was consumed).
func (p *parser) span(start int) Span { return Span{start, max(start, p.prevEnd)} }

// describe names the current token for messages.
func (p *parser) describe() string {
	t := p.tok
	switch t.Kind {
	case TokEOF:
		return "the end of the query"
	case TokIdent:
		return "'" + t.Text + "'"
	case TokString:
		return "a string"
	case TokInt, TokReal, TokTimespan, TokTypedLit:
		return "'" + clip(t.Text) + "'"
	}
	return t.Kind.String()
}

func clip(s string) string {
	if len(s) > 30 {
		return s[:27] + "..."
	}
	return s
}

// errMissing reports something missing: at the end of the previous token,
// where Kusto points, naming what comes instead.
func (p *parser) errMissing(msg, hint string) {
	from, to := p.prevEnd, p.prevEnd
	if p.tok.Kind != TokEOF {
		from, to = p.tok.Pos, p.tok.End // what is there instead
	}
	p.errorAt(CodeExpected, from, to, msg+", found "+p.describe(), hint)
}

// errMissingAt reports a missing token at the end of the previous token
// (zero width, where Kusto points for a missing closing token).
func (p *parser) errMissingAt(msg, hint string) {
	p.errorAt(CodeExpected, p.prevEnd, p.prevEnd, msg+", found "+p.describe(), hint)
}

// errMissingExpr reports a missing expression.
func (p *parser) errMissingExpr(what string) {
	hint := ""
	from, to := p.prevEnd, p.prevEnd
	if p.tok.Kind == TokIdent && reserved[p.tok.Text] {
		hint = fmt.Sprintf("'%s' is a keyword: write ['%s'] to use it as a name", p.tok.Text, p.tok.Text)
		from, to = p.tok.Pos, p.tok.End
	}
	p.errorAt(CodeMissingExpr, from, to, "expected "+what+", found "+p.describe(), hint)
}

// errUnexpected reports the current token as out of place.
func (p *parser) errUnexpected(msg string) {
	hint := ""
	switch p.tok.Kind {
	case TokRParen, TokRBracket, TokRBrace:
		hint = "unbalanced " + p.tok.Kind.String() + ": remove it or add the opening one"
	case TokIdent:
		switch {
		case p.tok.Text == "like" || p.tok.Text == "notlike":
			hint = "KQL has no 'like': use has, contains, startswith, endswith or matches regex"
		case isOperatorName(p.tok.Text):
			hint = "add '|' before '" + p.tok.Text + "'"
		}
	}
	p.errorAt(CodeUnexpected, p.tok.Pos, p.tok.End, fmt.Sprintf("%s, found %s", msg, p.describe()), hint)
}

// expect consumes a token of kind k or reports it missing.
func (p *parser) expect(k TokenKind, context string) bool {
	if p.tok.Kind == k {
		p.next()
		return true
	}
	hint := ""
	if k == TokRParen || k == TokRBracket || k == TokRBrace {
		hint = "unbalanced parentheses: add the closing " + k.String()
	}
	p.errMissing("expected "+k.String()+context, hint)
	return false
}

// is reports whether the current token is the keyword word.
func (p *parser) is(word string) bool { return p.tok.Kind == TokIdent && p.tok.Text == word }

// isAt reports whether the token k ahead is the keyword word.
func (p *parser) isAt(k int, word string) bool {
	t := p.peek(k)
	return t.Kind == TokIdent && t.Text == word
}

// accept consumes the keyword word if present.
func (p *parser) accept(word string) bool {
	if p.is(word) {
		p.next()
		return true
	}
	return false
}

// expectWord consumes the keyword word or reports it missing.
func (p *parser) expectWord(word, context string) bool {
	if p.accept(word) {
		return true
	}
	p.errMissing("expected '"+word+"'"+context, "")
	return false
}

// enter guards recursion depth; callers defer p.leave().
func (p *parser) enter() bool {
	p.depth++
	if p.depth > MaxDepth {
		if !p.stopped {
			p.errorAt(CodeTooDeep, p.tok.Pos, p.tok.End,
				fmt.Sprintf("the query is nested more than %d levels deep", MaxDepth),
				"simplify it, for example with let statements")
			p.stop()
		}
		return false
	}
	return true
}

func (p *parser) leave() { p.depth-- }

// skipTo skips tokens up to (not including) one of the stop kinds at
// nesting level 0, keeping brackets balanced. It returns whether it
// skipped anything.
func (p *parser) skipTo(stops ...TokenKind) bool {
	start := p.tok.Pos
	level := 0
	for p.tok.Kind != TokEOF {
		k := p.tok.Kind
		if level == 0 {
			for _, s := range stops {
				if k == s {
					return p.tok.Pos > start
				}
			}
		}
		switch k {
		case TokLParen, TokLBracket, TokLBrace:
			level++
		case TokRParen, TokRBracket, TokRBrace:
			if level == 0 {
				return p.tok.Pos > start
			}
			level--
		}
		p.next()
	}
	return p.tok.Pos > start
}

// ---- script and statements -----------------------------------------------

func (p *parser) parseScript() *Script {
	s := &Script{Span: Span{0, len(p.src)}}
	for p.tok.Kind != TokEOF {
		if p.tok.Kind == TokSemi {
			p.next()
			continue
		}
		before := p.tok.Pos
		st := p.parseStmt()
		if st != nil {
			s.Stmts = append(s.Stmts, st)
		}
		switch p.tok.Kind {
		case TokSemi, TokEOF:
		default:
			p.errUnexpected("expected ';' or the end of the query")
			at := p.tok.Pos
			p.skipTo(TokSemi)
			if p.tok.Pos == at && p.tok.Kind != TokEOF && p.tok.Kind != TokSemi {
				p.next() // a stray closing bracket: always make progress
			}
		}
		if p.tok.Pos == before && p.tok.Kind != TokEOF && p.tok.Kind != TokSemi {
			p.next()
		}
	}
	return s
}

func (p *parser) parseStmt() Stmt {
	start := p.tok.Pos
	switch {
	case p.is("let"):
		return p.parseLet()
	case p.is("set") && p.peek(1).Kind == TokIdent:
		p.next()
		name := p.parseDottedName()
		st := &SetStmt{Name: name}
		if p.tok.Kind == TokAssign {
			p.next()
			st.Value = p.parseSetValue()
		}
		st.Span = p.span(start)
		return st
	case p.is("declare") && p.isAt(1, "query_parameters"):
		p.next()
		p.next()
		st := &DeclareStmt{}
		if p.expect(TokLParen, " after query_parameters") {
			st.Params = p.parseParamList(TokRParen)
			p.expect(TokRParen, " to close query_parameters")
		}
		st.Span = p.span(start)
		return st
	case p.is("declare") && p.isAt(1, "pattern"):
		p.next()
		p.next()
		st := &PatternStmt{Name: p.parseName("the pattern name")}
		p.skipTo(TokSemi)
		st.Span = p.span(start)
		return st
	case p.is("alias") && p.isAt(1, "database"):
		p.next()
		p.next()
		st := &AliasStmt{Name: p.parseName("the alias name")}
		if p.expect(TokAssign, " after the alias name") {
			st.Value = p.parseExpr()
		}
		st.Span = p.span(start)
		return st
	}
	if p.tok.Kind == TokRParen || p.tok.Kind == TokRBracket || p.tok.Kind == TokRBrace {
		return nil // reported by the caller
	}
	x := p.parsePipeExpr()
	return &ExprStmt{Span: Span{x.Pos(), x.End()}, X: x}
}

// parseSetValue parses the value of a set option: a literal, a name, or
// anything up to ';' (kept as the expression parsed).
func (p *parser) parseSetValue() Expr {
	switch p.tok.Kind {
	case TokSemi, TokEOF:
		p.errMissingExpr("a value for the option")
		return &BadExpr{Span: Span{p.prevEnd, p.prevEnd}}
	}
	return p.parseExpr()
}

func (p *parser) parseLet() Stmt {
	start := p.tok.Pos
	p.next() // let
	st := &LetStmt{Name: p.parseName("the name to bind after 'let'")}
	if !p.expect(TokAssign, " after the let name") {
		p.skipTo(TokSemi)
		st.Value = &BadExpr{Span: Span{p.prevEnd, p.prevEnd}}
		st.Span = p.span(start)
		return st
	}
	switch {
	case p.tok.Kind == TokLParen && p.looksLikeParams():
		st.Value = p.parseFuncDecl(false)
	case p.is("view") && p.peek(1).Kind == TokLParen:
		vstart := p.tok.Pos
		p.next()
		fd := p.parseFuncDecl(true)
		fd.Start = vstart
		st.Value = fd
	case p.tok.Kind == TokSemi || p.tok.Kind == TokEOF:
		p.errMissingExpr("an expression after '='")
		st.Value = &BadExpr{Span: Span{p.prevEnd, p.prevEnd}}
	default:
		st.Value = p.parsePipeExpr()
	}
	st.Span = p.span(start)
	return st
}

// looksLikeParams reports whether the '(' at the current token starts a
// function parameter list: `()` followed by '{', or `(name:` / `(name =`
// ... `) {`.
func (p *parser) looksLikeParams() bool {
	level := 0
	for k := 0; ; k++ {
		t := p.peek(k)
		switch t.Kind {
		case TokEOF, TokSemi:
			return false
		case TokLParen:
			level++
		case TokRParen:
			level--
			if level == 0 {
				return p.peek(k+1).Kind == TokLBrace
			}
		case TokPipe:
			if level == 1 {
				return false
			}
		}
		if k > 4096 {
			return false
		}
	}
}

func (p *parser) parseFuncDecl(view bool) *FuncDecl {
	start := p.tok.Pos
	fd := &FuncDecl{View: view}
	p.expect(TokLParen, " to start the parameter list")
	fd.Params = p.parseParamList(TokRParen)
	p.expect(TokRParen, " to close the parameter list")
	fd.Body = p.parseBlock()
	fd.Span = p.span(start)
	return fd
}

// parseBlock parses `{ statements; result }`.
func (p *parser) parseBlock() *Block {
	start := p.tok.Pos
	b := &Block{}
	if !p.expect(TokLBrace, " to start the function body") {
		b.Span = p.span(start)
		return b
	}
	var stmts []Stmt
	if p.enter() {
		// Kusto's body grammar: statements, one expression, an optional ';'.
		for p.tok.Kind != TokRBrace && p.tok.Kind != TokEOF {
			if p.tok.Kind == TokSemi {
				p.next()
				continue
			}
			before := p.tok.Pos
			st := p.parseStmt()
			if st != nil {
				stmts = append(stmts, st)
			}
			if _, isExpr := st.(*ExprStmt); isExpr {
				if p.tok.Kind == TokSemi {
					p.next()
				}
				if p.tok.Kind != TokRBrace {
					p.errMissingAt("expected '}' to close the function body after its result expression", "")
					p.skipTo(TokRBrace)
				}
				break
			}
			if p.tok.Kind != TokSemi && p.tok.Kind != TokRBrace {
				p.errUnexpected("expected ';' or '}' in the function body")
				p.skipTo(TokSemi, TokRBrace)
			}
			if p.tok.Pos == before && p.tok.Kind != TokRBrace && p.tok.Kind != TokEOF {
				p.next()
			}
		}
	}
	if n := len(stmts); n > 0 {
		if es, ok := stmts[n-1].(*ExprStmt); ok {
			b.Result, stmts = es.X, stmts[:n-1]
		}
	}
	b.Stmts = stmts
	p.leave()
	p.expect(TokRBrace, " to close the function body")
	b.Span = p.span(start)
	return b
}

// parseParamList parses `name:type [= default], T:(*), T:(a:string)`.
func (p *parser) parseParamList(end TokenKind) []*FuncParam {
	var out []*FuncParam
	for p.tok.Kind != end && p.tok.Kind != TokEOF {
		start := p.tok.Pos
		fp := &FuncParam{Name: p.parseName("a parameter name")}
		if p.expect(TokColon, " and a type after the parameter name") {
			if p.tok.Kind == TokLParen {
				fp.Table = p.parseSchema()
			} else {
				fp.Type = p.parseType()
			}
		}
		if p.tok.Kind == TokAssign {
			p.next()
			fp.Default = p.parseExpr()
		}
		fp.Span = p.span(start)
		out = append(out, fp)
		if p.tok.Kind != TokComma {
			break
		}
		p.next()
	}
	return out
}
