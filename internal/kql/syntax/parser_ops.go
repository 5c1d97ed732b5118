package syntax

import (
	"sort"
	"strings"
)

// opParser parses an operator after its keyword; start is the keyword's
// offset and kw its spelling.
type opParser func(p *parser, start int, kw string) Op

var operators map[string]opParser

func init() {
	operators = map[string]opParser{
		"where": parseWhere, "filter": parseWhere,
		"extend": func(p *parser, s int, _ string) Op {
			return &ExtendOp{Cols: p.parseNamedList("a column after 'extend'", true, nil)}
		},
		"project": func(p *parser, s int, _ string) Op {
			return &ProjectOp{Cols: p.parseNamedList("a column after 'project'", true, nil)}
		},
		"project-away":    func(p *parser, s int, _ string) Op { return &ProjectAwayOp{Cols: p.parsePatternList(false)} },
		"project-keep":    func(p *parser, s int, _ string) Op { return &ProjectKeepOp{Cols: p.parsePatternList(false)} },
		"project-rename":  parseProjectRename,
		"project-reorder": parseProjectReorder,
		"summarize":       parseSummarize,
		"sort":            parseSort, "order": parseSort,
		"top":        parseTop,
		"top-nested": parseTopNested,
		"take":       parseTake, "limit": parseTake,
		"distinct":  parseDistinct,
		"count":     func(p *parser, s int, _ string) Op { return &CountOp{} },
		"getschema": func(p *parser, s int, _ string) Op { return &GetSchemaOp{} },
		"join":      parseJoin,
		"lookup":    parseLookup,
		"union":     parseUnion,
		"mv-expand": parseMvExpand, "mvexpand": parseMvExpand,
		"mv-apply": parseMvApply,
		"parse":    parseParse, "parse-where": parseParse,
		"parse-kv":    parseParseKV,
		"serialize":   parseSerialize,
		"make-series": parseMakeSeries,
		"range":       parseRange,
		"print": func(p *parser, s int, _ string) Op {
			return &PrintOp{Cols: p.parseNamedList("a value after 'print'", true, nil)}
		},
		"search":          parseSearch,
		"find":            parseFind,
		"evaluate":        parseEvaluate,
		"render":          parseRender,
		"as":              parseAs,
		"invoke":          parseInvoke,
		"fork":            parseFork,
		"facet":           parseFacet,
		"partition":       parsePartition,
		"sample":          parseSample,
		"sample-distinct": parseSampleDistinct,
		"reduce":          parseReduce,
		"top-hitters":     parseTopHitters,
		"consume":         func(p *parser, s int, _ string) Op { return &ConsumeOp{Params: p.parseParams(anyParam)} },
		"scan": func(p *parser, s int, _ string) Op {
			p.skipTo(TokPipe, TokSemi)
			return &ScanOp{}
		},
	}
}

// isOperatorName reports whether w is a tabular operator keyword.
func isOperatorName(w string) bool { _, ok := operators[w]; return ok }

// OperatorNames lists the tabular operators the parser knows, sorted.
func OperatorNames() []string {
	out := make([]string, 0, len(operators))
	for k := range operators {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// atOpEnd reports whether the current token ends an operator.
func (p *parser) atOpEnd() bool {
	switch p.tok.Kind {
	case TokPipe, TokSemi, TokRParen, TokRBrace, TokEOF:
		return true
	}
	return false
}

// parseOperator parses one operator; the current token is its keyword.
func (p *parser) parseOperator() Op {
	t := p.tok
	if t.Kind != TokIdent {
		p.errorAt(CodeExpected, p.prevEnd, p.prevEnd, "expected a query operator after '|', found "+p.describe(),
			"for example where, extend, project, summarize, join, take")
		if t.Kind != TokPipe {
			p.skipTo(TokPipe, TokSemi)
		}
		return &BadOp{Span: p.span(t.Pos)}
	}
	f := operators[t.Text]
	if f == nil {
		hint := "for example where, extend, project, summarize, join, take"
		if s := closestName(t.Text, OperatorNames()); s != "" {
			hint = "did you mean '" + s + "'?"
		}
		p.errorAt(CodeUnknownOperator, t.Pos, t.End, "unknown query operator '"+clip(t.Text)+"'", hint)
		p.next()
		p.skipTo(TokPipe, TokSemi)
		return &BadOp{Span: p.span(t.Pos)}
	}
	if !p.enter() {
		p.leave()
		return &BadOp{Span: Span{t.Pos, t.End}}
	}
	defer p.leave()
	p.next()
	op := f(p, t.Pos, t.Text)
	setSpan(op, t.Pos, max(t.End, p.prevEnd))
	if !p.atOpEnd() {
		if p.startsExpr() {
			p.errUnexpected("expected ',' between items or '|' before the next operator")
		} else {
			p.errUnexpected("expected '|' or the end of '" + t.Text + "'")
		}
		p.skipTo(TokPipe, TokSemi)
		setSpan(op, t.Pos, max(t.End, p.prevEnd))
	}
	return op
}

// setSpan sets an operator's span (every Op embeds Span first).
func setSpan(op Op, start, end int) {
	if s, ok := any(op).(interface{ setSpan(int, int) }); ok {
		s.setSpan(start, end)
	}
}

func (s *Span) setSpan(start, end int) { s.Start, s.Stop = start, end }

// closestName returns the candidate nearest to w by edit distance, if close.
func closestName(w string, candidates []string) string {
	best, bestD := "", 3
	lw := strings.ToLower(w)
	for _, c := range candidates {
		if d := editDistance(lw, c); d < bestD {
			best, bestD = c, d
		}
	}
	return best
}

func editDistance(a, b string) int {
	if len(a) > 40 || len(b) > 40 {
		return 99
	}
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			c := prev[j-1]
			if a[i-1] != b[j-1] {
				c++
			}
			cur[j] = min(c, prev[j]+1, cur[j-1]+1)
		}
		prev, cur = cur, prev
	}
	return prev[len(b)]
}

// ---- parameters ------------------------------------------------------------

// anyParam accepts every parameter name.
var anyParam = []string{"*"}

// parseParams parses `name=value` parameters whose name is in names (or
// starts with "hint."; "*" accepts any).
func (p *parser) parseParams(names []string) []*Param {
	var out []*Param
	for p.tok.Kind == TokIdent {
		name, n := p.paramName()
		if n == 0 || !paramAllowed(name, names) {
			break
		}
		start := p.tok.Pos
		for range n {
			p.next()
		}
		p.next() // =
		out = append(out, &Param{Name: name, Value: p.parseParamValue(name)})
		out[len(out)-1].Span = p.span(start)
	}
	return out
}

func paramAllowed(name string, names []string) bool {
	if strings.HasPrefix(strings.ToLower(name), "hint.") {
		return true
	}
	for _, n := range names {
		if n == "*" || strings.EqualFold(n, name) {
			return true
		}
	}
	return false
}

// paramName looks ahead for `a.b.c =` and returns the name and its token
// count (0 when the tokens are not a parameter).
func (p *parser) paramName() (string, int) { return p.paramNameAt(0) }

// parseParamValue parses a parameter's value: a name or a literal.
func (p *parser) parseParamValue(name string) Expr {
	t := p.tok
	switch t.Kind {
	case TokIdent:
		if t.Text == "true" || t.Text == "false" {
			p.next()
			return &Literal{Span: Span{t.Pos, t.End}, Kind: LitBool, Bool: t.Text == "true"}
		}
		return p.identTok()
	case TokString:
		return p.stringLit()
	case TokInt, TokReal, TokTimespan:
		p.next()
		return p.numberLit(t, false)
	case TokTypedLit:
		p.next()
		return p.typedLit(t)
	case TokMinus:
		if n := p.peek(1); n.Kind == TokInt || n.Kind == TokReal {
			p.next()
			p.next()
			lit := p.numberLit(n, true)
			lit.Start = t.Pos
			return lit
		}
	case TokLParen, TokLBracket:
		return p.parsePostfix()
	}
	p.errMissingExpr("a value for '" + name + "'")
	return &BadExpr{Span: Span{p.prevEnd, p.prevEnd}}
}

// takeParam removes the parameter name from ps and returns it.
func takeParam(ps *[]*Param, name string) *Param {
	for i, x := range *ps {
		if strings.EqualFold(x.Name, name) {
			*ps = append((*ps)[:i:i], (*ps)[i+1:]...)
			return x
		}
	}
	return nil
}

// paramWord returns a name or string parameter value, lower-cased.
func paramWord(x *Param) string {
	switch v := x.Value.(type) {
	case *Ident:
		return strings.ToLower(v.Name)
	case *Literal:
		if v.Kind == LitString {
			return strings.ToLower(v.Str)
		}
		if v.Kind == LitBool {
			if v.Bool {
				return "true"
			}
			return "false"
		}
	}
	return ""
}

// checkWord validates a parameter value against the allowed words.
func (p *parser) checkWord(x *Param, allowed ...string) string {
	w := paramWord(x)
	for _, a := range allowed {
		if w == a {
			return w
		}
	}
	p.errorAt(CodeBadParam, x.Value.Pos(), x.Value.End(), "invalid value for "+x.Name+": '"+clip(Format(x.Value))+"'",
		"expected one of: "+strings.Join(allowed, ", "))
	return w
}

// ---- shared clauses ---------------------------------------------------------

// parseNamedList parses `[name =] expr, ...`; stop reports a keyword that
// ends the list (summarize's by). With need, an empty list is an error.
func (p *parser) parseNamedList(what string, need bool, stop func() bool) []*NamedExpr {
	var out []*NamedExpr
	for {
		if stop != nil && stop() || p.atOpEnd() && (len(out) > 0 || !need) {
			if len(out) > 0 {
				p.errMissingExpr(what)
			}
			return out
		}
		before := p.tok.Pos
		out = append(out, p.parseNamedExpr(what))
		if p.tok.Kind != TokComma || p.tok.Pos == before {
			return out
		}
		p.next()
	}
}

// parseNamedExpr parses `name = expr`, `(a, b) = expr` or `expr`.
func (p *parser) parseNamedExpr(what string) *NamedExpr {
	start := p.tok.Pos
	ne := &NamedExpr{}
	switch {
	case p.tok.Kind == TokLParen && p.isTupleTarget():
		p.next()
		for p.tok.Kind != TokRParen && p.tok.Kind != TokEOF {
			ne.Names = append(ne.Names, p.parseName("a column name"))
			if p.tok.Kind != TokComma {
				break
			}
			p.next()
		}
		p.expect(TokRParen, " to close the column names")
		p.expect(TokAssign, " after the column names")
	case p.tok.Kind == TokIdent && p.peek(1).Kind == TokAssign,
		p.tok.Kind == TokLBracket && p.peek(1).Kind == TokString && p.peek(2).Kind == TokRBracket && p.peek(3).Kind == TokAssign:
		ne.Names = []*Ident{p.parseName("a column name")}
		p.next() // =
	}
	ne.X = p.parseExprOrMissing(what)
	ne.Span = p.span(start)
	return ne
}

// isTupleTarget reports whether `(a, b, ...) =` starts here.
func (p *parser) isTupleTarget() bool {
	for k := 1; ; k += 2 {
		t := p.peek(k)
		if t.Kind != TokIdent {
			return false
		}
		switch p.peek(k + 1).Kind {
		case TokComma:
		case TokRParen:
			return p.peek(k+2).Kind == TokAssign
		default:
			return false
		}
		if k > 1000 {
			return false
		}
	}
}

// parseNamePattern parses a name that may contain '*' wildcards, written
// without spaces (Device*, *Events, a*b, *), or ['name'].
func (p *parser) parseNamePattern(what string) Expr {
	t := p.tok
	if t.Kind == TokLBracket {
		return p.parseName(what)
	}
	if t.Kind != TokIdent && t.Kind != TokStar {
		p.errMissingExpr(what)
		return &BadExpr{Span: Span{p.prevEnd, p.prevEnd}}
	}
	var b strings.Builder
	end, wild := t.Pos, false
	for (p.tok.Kind == TokIdent || p.tok.Kind == TokStar || p.tok.Kind == TokInt && end > t.Pos) && p.tok.Pos == end {
		b.WriteString(p.tok.Text)
		wild = wild || p.tok.Kind == TokStar
		end = p.tok.End
		p.next()
	}
	if !wild {
		return &Ident{Span: Span{t.Pos, end}, Name: b.String()}
	}
	return &NamePattern{Span: Span{t.Pos, end}, Pattern: b.String()}
}

// parsePatternList parses a comma-separated list of name patterns.
func (p *parser) parsePatternList(need bool) []Expr {
	var out []Expr
	if p.atOpEnd() && !need {
		return nil
	}
	for {
		out = append(out, p.parseNamePattern("a column name"))
		if p.tok.Kind != TokComma {
			return out
		}
		p.next()
	}
}

// parseSortKey parses `expr [asc|desc] [nulls first|last]`.
func (p *parser) parseSortKey(what string) *SortKey {
	start := p.tok.Pos
	k := &SortKey{X: p.parseExprOrMissing(what)}
	switch {
	case p.accept("asc"):
		k.Order = SortAsc
	case p.accept("desc"):
		k.Order = SortDesc
	}
	if p.is("nulls") {
		p.next()
		switch {
		case p.accept("first"):
			k.Nulls = NullsFirst
		case p.accept("last"):
			k.Nulls = NullsLast
		default:
			p.errMissing("expected 'first' or 'last' after 'nulls'", "")
		}
	}
	k.Span = p.span(start)
	return k
}

// parseSubquery parses a parenthesized or braced subquery whose input is
// implicit: `(where x > 1 | take 1)`. A subquery that starts with a
// table is kept as the pipeline's Input.
func (p *parser) parseSubquery(open, close TokenKind, what string) *PipeExpr {
	start := p.tok.Pos
	pipe := &PipeExpr{}
	if !p.expect(open, what) {
		pipe.Span = p.span(start)
		return pipe
	}
	if !p.enter() {
		p.leave()
		pipe.Span = p.span(start)
		return pipe
	}
	if p.tok.Kind == TokIdent && isOperatorName(p.tok.Text) {
		pipe.Ops = append(pipe.Ops, p.parseOperator())
		p.parsePipeOps(pipe)
	} else if x := p.parsePipeExprOrMissing("a query"); x != nil {
		if pe, ok := x.(*PipeExpr); ok {
			pipe = pe
		} else {
			pipe.Input = x
		}
	}
	p.leave()
	p.expect(close, " to close the subquery")
	pipe.Span = p.span(start)
	return pipe
}
