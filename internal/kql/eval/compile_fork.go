package eval

import (
	"github.com/sentinel-mcp/sentinel-mcp/internal/kql/syntax"
)

// fork and facet end a query with several result tables. They must be the
// last operator of a query statement (Kusto lets nothing consume their
// tables); the compiler returns the first table and keeps the others in
// c.extra, which script appends after it.

// lastMulti returns the fork or facet that ends the query statement x, if
// any.
func lastMulti(x syntax.Expr) syntax.Op {
	p, ok := x.(*syntax.PipeExpr)
	if !ok || len(p.Ops) == 0 {
		return nil
	}
	switch op := p.Ops[len(p.Ops)-1].(type) {
	case *syntax.ForkOp, *syntax.FacetOp:
		return op
	}
	return nil
}

// multiAllowed reports op's place; otherwise it reports an error.
func (c *compiler) multiAllowed(op syntax.Op, what string) (bool, error) {
	if c.multiOp == op {
		return true, nil
	}
	e := errAt(op, SemBadArgument, what, "%smust be the last operator of the query; its result tables cannot be used by other operators, let statements or subqueries", c.opPrefix())
	if ok, err := c.fail(e); !ok {
		return false, err
	}
	return false, nil
}

// fork runs each branch over the input: one result table per branch.
func (c *compiler) fork(op *syntax.ForkOp, sc *env, r *rel) (*rel, error) {
	if ok, err := c.multiAllowed(op, "fork"); !ok {
		if err != nil {
			return nil, err
		}
		return openRel(), nil
	}
	c.multiOp = nil // the branches' own pipes are not the query's end
	var out []*rel
	for _, b := range op.Branches {
		br, err := c.pipe(b.Query, sc, r)
		if err != nil {
			return nil, err
		}
		out = append(out, br)
	}
	if len(out) == 0 {
		return c.failRel(errAt(op, SemBadArgument, "fork", "%sfork needs at least one subquery", c.opPrefix()))
	}
	c.extra = out[1:]
	return out[0], nil
}

// facet returns the with subquery's table (when there is one), then, per
// column, its values and their counts (Col, count_Col).
func (c *compiler) facet(op *syntax.FacetOp, sc *env, r *rel) (*rel, error) {
	if ok, err := c.multiAllowed(op, "facet"); !ok {
		if err != nil {
			return nil, err
		}
		return openRel(), nil
	}
	c.multiOp = nil
	var out []*rel
	if op.With != nil {
		w, err := c.pipe(op.With, sc, r)
		if err != nil {
			return nil, err
		}
		out = append(out, w)
	}
	for _, col := range op.Cols {
		count := &syntax.CallExpr{Span: col.Span, Name: &syntax.Ident{Span: col.Span, Name: "count"}}
		sum := &syntax.SummarizeOp{Span: op.Span,
			Aggs: []*syntax.NamedExpr{{Span: col.Span, Names: []*syntax.Ident{{Span: col.Span, Name: "count_" + col.Name}}, X: count}},
			By:   []*syntax.NamedExpr{{Span: col.Span, X: col}}}
		f, err := c.summarize(sum, sc, r)
		if err != nil {
			return nil, err
		}
		out = append(out, f)
	}
	if len(out) == 0 {
		return c.failRel(errAt(op, SemBadArgument, "facet", "%sfacet needs at least one column", c.opPrefix()))
	}
	c.extra = out[1:]
	return out[0], nil
}
