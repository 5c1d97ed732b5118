package syntax

// Operators: filtering, projection, aggregation, ordering.

func parseWhere(p *parser, _ int, kw string) Op {
	w := &WhereOp{Keyword: kw, Params: p.parseParams(nil)}
	w.Pred = p.parseExprOrMissing("a predicate after '" + kw + "'")
	return w
}

func parseProjectRename(p *parser, _ int, _ string) Op {
	op := &ProjectRenameOp{}
	for {
		start := p.tok.Pos
		r := &Rename{New: p.parseName("the new column name")}
		if p.expect(TokAssign, " after the new column name (project-rename New = Old)") {
			r.Old = p.parseName("the column to rename")
		} else {
			r.Old = &Ident{Span: Span{p.prevEnd, p.prevEnd}}
		}
		r.Span = p.span(start)
		op.Cols = append(op.Cols, r)
		if p.tok.Kind != TokComma {
			return op
		}
		p.next()
	}
}

func parseProjectReorder(p *parser, _ int, _ string) Op {
	op := &ProjectReorderOp{}
	for {
		start := p.tok.Pos
		c := &ReorderCol{Col: p.parseNamePattern("a column name")}
		for _, o := range []string{"asc", "desc", "granny-asc", "granny-desc"} {
			if p.accept(o) {
				c.Order = o
				break
			}
		}
		c.Span = p.span(start)
		op.Cols = append(op.Cols, c)
		if p.tok.Kind != TokComma {
			return op
		}
		p.next()
	}
}

func parseSummarize(p *parser, _ int, _ string) Op {
	s := &SummarizeOp{Params: p.parseParams(nil)}
	s.Aggs = p.parseNamedList("an aggregation", false, func() bool { return p.is("by") })
	if p.accept("by") {
		s.By = p.parseNamedList("a grouping expression after 'by'", true, nil)
	}
	return s
}

func parseSort(p *parser, _ int, kw string) Op {
	s := &SortOp{Keyword: kw, Params: p.parseParams(nil)}
	if !p.expectWord("by", " after '"+kw+"'") {
		return s
	}
	for {
		s.Keys = append(s.Keys, p.parseSortKey("a sort expression"))
		if p.tok.Kind != TokComma {
			return s
		}
		p.next()
	}
}

func parseTop(p *parser, _ int, _ string) Op {
	t := &TopOp{Params: p.parseParams(nil)}
	t.Count = p.parseExprOrMissing("the number of rows after 'top'")
	if p.expectWord("by", " after the number of rows (top N by Column)") {
		t.By = p.parseSortKey("a sort expression after 'by'")
	}
	return t
}

func parseTopNested(p *parser, start int, _ string) Op {
	op := &TopNestedOp{}
	for {
		lv := &TopNestedLevel{}
		if !p.is("of") {
			lv.Count = p.parseExprOrMissing("the number of values or 'of'")
		}
		if p.expectWord("of", " in top-nested (top-nested N of Column by Aggregation)") {
			lv.Of = p.parseNamedExpr("the column after 'of'")
		}
		if p.is("with") && p.isAt(1, "others") {
			p.next()
			p.next()
			if p.expect(TokAssign, " after 'with others'") {
				lv.Others = p.parseExprOrMissing("the value for others")
			}
		}
		if p.expectWord("by", " in top-nested (top-nested N of Column by Aggregation)") {
			lv.By = p.parseNamedExpr("an aggregation after 'by'")
			switch {
			case p.accept("asc"):
				lv.Order = SortAsc
			case p.accept("desc"):
				lv.Order = SortDesc
			}
		}
		lv.Span = p.span(start)
		op.Levels = append(op.Levels, lv)
		if p.tok.Kind != TokComma {
			return op
		}
		p.next()
		start = p.tok.Pos
		p.expectWord("top-nested", " after ',' (each level starts with top-nested)")
	}
}

func parseTake(p *parser, _ int, kw string) Op {
	t := &TakeOp{Keyword: kw, Params: p.parseParams(nil)}
	t.Count = p.parseExprOrMissing("the number of rows after '" + kw + "'")
	return t
}

func parseDistinct(p *parser, _ int, _ string) Op {
	d := &DistinctOp{Params: p.parseParams(nil)}
	if p.tok.Kind == TokStar {
		p.next()
		d.Star = true
		return d
	}
	d.Cols = p.parseNamedList("a column after 'distinct'", true, nil)
	return d
}

func parseSerialize(p *parser, _ int, _ string) Op {
	s := &SerializeOp{Params: p.parseParams(nil)}
	s.Cols = p.parseNamedList("a column after ','", false, nil)
	return s
}

func parseMakeSeries(p *parser, _ int, _ string) Op {
	m := &MakeSeriesOp{Params: p.parseParams([]string{"kind"})}
	for {
		start := p.tok.Pos
		a := &SeriesAgg{Col: p.parseNamedExpr("an aggregation after 'make-series'")}
		if p.is("default") && p.peek(1).Kind == TokAssign {
			p.next()
			p.next()
			a.Default = p.parseExprOrMissing("the default value")
		}
		a.Span = p.span(start)
		m.Aggs = append(m.Aggs, a)
		if p.tok.Kind != TokComma {
			break
		}
		p.next()
	}
	if !p.expectWord("on", " and the axis column (make-series agg on TimeGenerated step 1h)") {
		return m
	}
	// The axis stops below `in` so that `on T in range(a, b, c)` works.
	m.On = p.parseRelationalOrMissing("the axis column after 'on'")
	if p.is("in") && p.isAt(1, "range") && p.peek(2).Kind == TokLParen {
		p.next()
		p.next()
		p.next()
		m.InRange = true
		m.From = p.parseExprOrMissing("the start of the range")
		if p.expect(TokComma, " after the start of the range") {
			m.To = p.parseExprOrMissing("the end of the range")
		}
		if p.expect(TokComma, " after the end of the range") {
			m.Step = p.parseExprOrMissing("the step of the range")
		}
		p.expect(TokRParen, " to close range(")
	} else {
		if p.accept("from") {
			m.From = p.parseExprOrMissing("the start after 'from'")
		}
		if p.accept("to") {
			m.To = p.parseExprOrMissing("the end after 'to'")
		}
		if p.expectWord("step", " (make-series ... on Axis step 1h)") {
			m.Step = p.parseExprOrMissing("the step after 'step'")
		}
	}
	if p.accept("by") {
		m.By = p.parseNamedList("a grouping expression after 'by'", true, nil)
	}
	return m
}

// parseRelationalOrMissing parses an expression without the equality
// level (no ==, has, in ...).
func (p *parser) parseRelationalOrMissing(what string) Expr {
	if !p.startsExpr() {
		p.errMissingExpr(what)
		return &BadExpr{Span: Span{p.prevEnd, p.prevEnd}}
	}
	return p.parseRelational()
}

func parseSample(p *parser, _ int, _ string) Op {
	s := &SampleOp{Params: p.parseParams(nil)}
	s.Count = p.parseExprOrMissing("the number of rows after 'sample'")
	return s
}

func parseSampleDistinct(p *parser, _ int, _ string) Op {
	s := &SampleDistinctOp{Params: p.parseParams(nil)}
	s.Count = p.parseExprOrMissing("the number of values after 'sample-distinct'")
	if p.expectWord("of", " (sample-distinct N of Column)") {
		s.Of = p.parseExprOrMissing("the column after 'of'")
	}
	return s
}

func parseReduce(p *parser, _ int, _ string) Op {
	r := &ReduceOp{Params: p.parseParams([]string{"kind"})}
	if p.expectWord("by", " after 'reduce'") {
		r.By = p.parseExprOrMissing("the column after 'by'")
	}
	if p.accept("with") {
		r.With = p.parseParams(anyParam)
		for p.tok.Kind == TokComma {
			p.next()
			r.With = append(r.With, p.parseParams(anyParam)...)
		}
	}
	return r
}

func parseTopHitters(p *parser, _ int, _ string) Op {
	t := &TopHittersOp{Count: p.parseExprOrMissing("the number of values after 'top-hitters'")}
	if p.expectWord("of", " (top-hitters N of Column)") {
		t.Of = p.parseExprOrMissing("the column after 'of'")
	}
	if p.accept("by") {
		t.By = p.parseExprOrMissing("the expression after 'by'")
	}
	return t
}
