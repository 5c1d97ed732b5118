package syntax

import "strconv"

// Operators: sources (range, search, find, datatable, externaldata),
// plugins, rendering and sub-query operators.

func parseRange(p *parser, _ int, _ string) Op {
	r := &RangeOp{Name: p.parseName("the column name after 'range'")}
	if p.expectWord("from", " (range x from 1 to 10 step 1)") {
		r.From = p.parseExprOrMissing("the start after 'from'")
	}
	if p.expectWord("to", " (range x from 1 to 10 step 1)") {
		r.To = p.parseExprOrMissing("the end after 'to'")
	}
	if p.expectWord("step", " (range x from 1 to 10 step 1)") {
		r.Step = p.parseExprOrMissing("the step after 'step'")
	}
	return r
}

// parseTableList parses `in (T1, T2, ...)` of search and find.
func (p *parser) parseTableList() []Tabular {
	var out []Tabular
	p.next() // in
	if !p.expect(TokLParen, " after 'in'") {
		return nil
	}
	for p.tok.Kind != TokRParen && p.tok.Kind != TokEOF {
		out = append(out, p.parseUnionTable())
		if p.tok.Kind != TokComma {
			break
		}
		p.next()
	}
	p.expect(TokRParen, " to close the table list")
	return out
}

func parseSearch(p *parser, _ int, _ string) Op {
	s := &SearchOp{Params: p.parseParams([]string{"kind"})}
	if k := takeParam(&s.Params, "kind"); k != nil {
		s.Kind = p.checkWord(k, "case_sensitive", "case_insensitive", "default")
	}
	if p.is("in") && p.peek(1).Kind == TokLParen {
		s.Tables = p.parseTableList()
	}
	saved := p.search
	p.search = true
	s.Pred = p.parseExprOrMissing("a search predicate, such as \"term\" or Column:\"term\"")
	p.search = saved
	return s
}

func parseFind(p *parser, _ int, _ string) Op {
	f := &FindOp{Params: p.parseParams([]string{"datascope", "withsource"})}
	if p.is("in") && p.peek(1).Kind == TokLParen {
		f.Tables = p.parseTableList()
	}
	p.accept("where")
	saved := p.search
	p.search = true
	f.Pred = p.parseExprOrMissing("a predicate after 'find'")
	p.search = saved
	if p.is("project") || p.is("project-smart") {
		f.Smart = p.is("project-smart")
		p.next()
		f.Project = []Expr{}
		for !f.Smart {
			f.Project = append(f.Project, p.parseNamePattern("a column after 'project'"))
			if p.tok.Kind != TokComma {
				break
			}
			p.next()
		}
	}
	return f
}

func parseEvaluate(p *parser, _ int, _ string) Op {
	e := &EvaluateOp{Params: p.parseParams(nil)}
	if p.tok.Kind != TokIdent || p.peek(1).Kind != TokLParen {
		p.errMissing("expected a plugin call after 'evaluate'", "as in evaluate bag_unpack(Column)")
		e.Call = &CallExpr{Span: Span{p.prevEnd, p.prevEnd}, Name: &Ident{Span: Span{p.prevEnd, p.prevEnd}}}
		return e
	}
	name := p.identTok()
	e.Call = p.parseCall(nil, name).(*CallExpr)
	if p.tok.Kind == TokColon {
		p.next()
		e.Schema = p.parseSchema()
	}
	return e
}

func parseRender(p *parser, _ int, _ string) Op {
	r := &RenderOp{Chart: p.parseName("a chart type after 'render' (timechart, barchart, piechart, table ...)")}
	// Legacy properties without with(): render timechart kind=stacked title="x"
	r.With = p.parseParams(anyParam)
	if p.accept("with") {
		r.With = append(r.With, p.parseWithProps()...)
	}
	return r
}

func parseAs(p *parser, _ int, _ string) Op {
	a := &AsOp{Params: p.parseParams(nil)}
	a.Name = p.parseName("a name after 'as'")
	return a
}

func parseInvoke(p *parser, _ int, _ string) Op {
	inv := &InvokeOp{}
	if p.tok.Kind == TokIdent && p.peek(1).Kind == TokLParen {
		name := p.identTok()
		inv.Call = p.parseCall(nil, name).(*CallExpr)
		return inv
	}
	p.errMissing("expected a function call after 'invoke'", "as in invoke MyFunction()")
	inv.Call = &CallExpr{Span: Span{p.prevEnd, p.prevEnd}, Name: &Ident{Span: Span{p.prevEnd, p.prevEnd}}}
	return inv
}

func parseFork(p *parser, _ int, _ string) Op {
	f := &ForkOp{Params: p.parseParams(nil)}
	for p.tok.Kind == TokLParen || p.tok.Kind == TokIdent && p.peek(1).Kind == TokAssign {
		start := p.tok.Pos
		b := &ForkBranch{}
		if p.tok.Kind == TokIdent {
			b.Name = p.identTok()
			p.next() // =
		}
		b.Query = p.parseSubquery(TokLParen, TokRParen, " to start a fork branch")
		b.Span = p.span(start)
		f.Branches = append(f.Branches, b)
	}
	if len(f.Branches) == 0 {
		p.errMissing("expected a parenthesized subquery after 'fork'", "as in fork (where x > 1) (take 10)")
	}
	return f
}

func parseFacet(p *parser, _ int, _ string) Op {
	f := &FacetOp{}
	if !p.expectWord("by", " after 'facet'") {
		return f
	}
	for {
		f.Cols = append(f.Cols, p.parseName("a column after 'by'"))
		if p.tok.Kind != TokComma {
			break
		}
		p.next()
	}
	if p.accept("with") {
		f.With = p.parseSubquery(TokLParen, TokRParen, " after 'with'")
	}
	return f
}

func parsePartition(p *parser, _ int, _ string) Op {
	op := &PartitionOp{Params: p.parseParams(nil)}
	if !p.expectWord("by", " after 'partition'") {
		return op
	}
	op.By = p.parseName("the partition column after 'by'")
	op.Params = append(op.Params, p.parseParams(nil)...)
	if p.tok.Kind == TokLBrace {
		op.Sub = p.parseSubquery(TokLBrace, TokRBrace, "")
	} else {
		op.Sub = p.parseSubquery(TokLParen, TokRParen, " and the subquery to run for each partition")
	}
	return op
}

// ---- datatable and externaldata -------------------------------------------

func (p *parser) parseDataTable() Expr {
	start := p.tok.Pos
	p.next() // datatable
	d := &DataTableExpr{Params: p.parseParams(anyParam)}
	d.Schema = p.parseSchema()
	if p.expect(TokLBracket, " and the values after the datatable schema") {
		for p.tok.Kind != TokRBracket && p.tok.Kind != TokEOF {
			d.Values = append(d.Values, p.parseExprOrMissing("a value"))
			if p.tok.Kind != TokComma {
				break
			}
			p.next()
		}
		p.expect(TokRBracket, " to close the datatable values")
	}
	if n := len(d.Schema.Columns); n > 0 && len(d.Values)%n != 0 {
		p.errorAt(CodeUnexpected, d.Schema.Stop, p.prevEnd, "datatable has "+strconv.Itoa(len(d.Values))+" values for "+strconv.Itoa(n)+" columns",
			"give a value for every column of every row")
	}
	d.Span = p.span(start)
	return d
}

func (p *parser) parseExternalData() Expr {
	start := p.tok.Pos
	p.next() // externaldata
	e := &ExternalDataExpr{Params: p.parseParams(anyParam)}
	e.Schema = p.parseSchema()
	if p.expect(TokLBracket, " and the storage URIs after the schema") {
		for p.tok.Kind != TokRBracket && p.tok.Kind != TokEOF {
			e.URIs = append(e.URIs, p.parseExprOrMissing("a URI string"))
			if p.tok.Kind != TokComma {
				break
			}
			p.next()
		}
		p.expect(TokRBracket, " to close the URI list")
	}
	if p.accept("with") {
		e.With = p.parseWithProps()
	}
	e.Span = p.span(start)
	return e
}
