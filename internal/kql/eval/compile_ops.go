package eval

import (
	"strconv"

	"github.com/sentinel-mcp/sentinel-mcp/internal/kql/syntax"
)

// opKeyword names an operator in messages ("'where' operator: ...").
func opKeyword(op syntax.Op) string {
	switch op := op.(type) {
	case *syntax.WhereOp:
		return op.Keyword
	case *syntax.ExtendOp:
		return "extend"
	case *syntax.ProjectOp:
		return "project"
	case *syntax.ProjectAwayOp:
		return "project-away"
	case *syntax.ProjectKeepOp:
		return "project-keep"
	case *syntax.ProjectRenameOp:
		return "project-rename"
	case *syntax.ProjectReorderOp:
		return "project-reorder"
	case *syntax.SummarizeOp:
		return "summarize"
	case *syntax.SortOp:
		return op.Keyword
	case *syntax.TopOp:
		return "top"
	case *syntax.TopNestedOp:
		return "top-nested"
	case *syntax.TakeOp:
		return op.Keyword
	case *syntax.DistinctOp:
		return "distinct"
	case *syntax.CountOp:
		return "count"
	case *syntax.JoinOp:
		return "join"
	case *syntax.LookupOp:
		return "lookup"
	case *syntax.UnionOp:
		return "union"
	case *syntax.MvExpandOp:
		return "mv-expand"
	case *syntax.MvApplyOp:
		return "mv-apply"
	case *syntax.ParseOp:
		return op.Keyword
	case *syntax.ParseKVOp:
		return "parse-kv"
	case *syntax.SerializeOp:
		return "serialize"
	case *syntax.MakeSeriesOp:
		return "make-series"
	case *syntax.RangeOp:
		return "range"
	case *syntax.PrintOp:
		return "print"
	case *syntax.SearchOp:
		return "search"
	case *syntax.FindOp:
		return "find"
	case *syntax.GetSchemaOp:
		return "getschema"
	case *syntax.EvaluateOp:
		return "evaluate"
	case *syntax.RenderOp:
		return "render"
	case *syntax.AsOp:
		return "as"
	case *syntax.InvokeOp:
		return "invoke"
	case *syntax.ForkOp:
		return "fork"
	case *syntax.FacetOp:
		return "facet"
	case *syntax.PartitionOp:
		return "partition"
	case *syntax.SampleOp:
		return "sample"
	case *syntax.SampleDistinctOp:
		return "sample-distinct"
	case *syntax.ReduceOp:
		return "reduce"
	case *syntax.TopHittersOp:
		return "top-hitters"
	case *syntax.ConsumeOp:
		return "consume"
	case *syntax.ScanOp:
		return "scan"
	}
	return "operator"
}

// producesRows reports whether an operator makes its own rows (it may
// start a query).
func producesRows(op syntax.Op) bool {
	switch op := op.(type) {
	case *syntax.UnionOp, *syntax.RangeOp, *syntax.PrintOp, *syntax.SearchOp, *syntax.FindOp:
		return true
	case *syntax.EvaluateOp:
		_ = op
		return true
	}
	return false
}

// op compiles and runs one operator over r (nil for a query-starting
// operator).
func (c *compiler) op(op syntax.Op, sc *env, r *rel) (*rel, error) {
	saved := c.opName
	c.opName = opKeyword(op)
	defer func() { c.opName = saved }()
	if r == nil && !producesRows(op) {
		return c.failRel(errAt(op, SemBadArgument, c.opName, "the %s operator needs an input table", c.opName))
	}
	out, err := c.op1(op, sc, r)
	if err != nil {
		return nil, err
	}
	return out, nil
}

func (c *compiler) op1(op syntax.Op, sc *env, r *rel) (*rel, error) {
	switch op := op.(type) {
	case *syntax.WhereOp:
		return c.where(op.Pred, sc, r)
	case *syntax.ExtendOp:
		return c.extend(op.Cols, sc, r)
	case *syntax.ProjectOp:
		return c.project(op.Cols, sc, r)
	case *syntax.ProjectAwayOp:
		return c.projectAway(op.Cols, r, false)
	case *syntax.ProjectKeepOp:
		return c.projectAway(op.Cols, r, true)
	case *syntax.ProjectRenameOp:
		return c.projectRename(op, r)
	case *syntax.ProjectReorderOp:
		return c.projectReorder(op, r)
	case *syntax.SummarizeOp:
		return c.summarize(op, sc, r)
	case *syntax.SortOp:
		keys, err := c.sortKeys(op.Keys, sc, r)
		if err != nil {
			return nil, err
		}
		out, err := sortRel(c.rc, nil, r, keys)
		if err != nil {
			return nil, err
		}
		out.open = r.open
		return out, nil
	case *syntax.TopOp:
		n, err := c.constInt(op.Count, sc, "the count of top")
		if err != nil {
			return nil, err
		}
		keys, err := c.sortKeys([]*syntax.SortKey{op.By}, sc, r)
		if err != nil {
			return nil, err
		}
		perm, err := sortPerm(c.rc, nil, r, keys, int(max(n, 0)))
		if err != nil {
			return nil, err
		}
		out := r.keep(perm)
		out.ordered, out.open = true, r.open
		return out, nil
	case *syntax.TopNestedOp:
		return c.topNested(op, sc, r)
	case *syntax.TakeOp:
		n, err := c.constInt(op.Count, sc, "the count of "+op.Keyword)
		if err != nil {
			return nil, err
		}
		out := takeRel(r, n)
		return out, nil
	case *syntax.SampleOp:
		n, err := c.constInt(op.Count, sc, "the count of sample")
		if err != nil {
			return nil, err
		}
		return takeRel(r, n), nil
	case *syntax.DistinctOp:
		return c.distinct(op, sc, r)
	case *syntax.SampleDistinctOp:
		n, err := c.constInt(op.Count, sc, "the count of sample-distinct")
		if err != nil {
			return nil, err
		}
		out, err := c.distinct(&syntax.DistinctOp{Span: op.Span, Cols: []*syntax.NamedExpr{{Span: op.Span, X: op.Of}}}, sc, r)
		if err != nil {
			return nil, err
		}
		return takeRel(out, n), nil
	case *syntax.CountOp:
		return countRel(r, "Count"), nil
	case *syntax.JoinOp:
		return c.join(op, sc, r)
	case *syntax.LookupOp:
		return c.lookup(op, sc, r)
	case *syntax.UnionOp:
		return c.union(op, sc, r)
	case *syntax.MvExpandOp:
		return c.mvExpand(op, sc, r)
	case *syntax.MvApplyOp:
		return c.mvApply(op, sc, r)
	case *syntax.ParseOp:
		return c.parse(op, sc, r)
	case *syntax.ParseKVOp:
		return c.parseKV(op, sc, r)
	case *syntax.SerializeOp:
		out := *r
		out.ordered = true
		if len(op.Cols) == 0 {
			return &out, nil
		}
		return c.extend(op.Cols, sc, &out)
	case *syntax.MakeSeriesOp:
		return c.makeSeries(op, sc, r)
	case *syntax.RangeOp:
		return c.rangeOp(op, sc)
	case *syntax.PrintOp:
		return c.print(op, sc)
	case *syntax.SearchOp:
		return c.search(op, sc, r)
	case *syntax.FindOp:
		return c.find(op, sc)
	case *syntax.GetSchemaOp:
		return getschemaRel(c.withoutHidden(r)), nil
	case *syntax.EvaluateOp:
		return c.evaluate(op, sc, r)
	case *syntax.RenderOp:
		c.renderOp(op, sc)
		return r, nil
	case *syntax.AsOp:
		c.global.setTable(op.Name.Name, boundTable(op.Name.Name, r))
		return r, nil
	case *syntax.InvokeOp:
		return c.tabularCall(op.Call, sc, r)
	case *syntax.PartitionOp:
		return c.partition(op, sc, r)
	case *syntax.TopHittersOp:
		return c.topHitters(op, sc, r)
	case *syntax.ConsumeOp:
		return emptyRel(r.schema), nil
	case *syntax.BadOp:
		return c.failRel(&Error{Code: CodeSyntax, Message: "the operator could not be parsed", Pos: op.Pos(), End: op.End()})
	}
	return c.failRel(notSupportedAt(op, "operator", c.opName))
}

// where filters r by a predicate.
func (c *compiler) where(pred syntax.Expr, sc *env, r *rel) (*rel, error) {
	e, err := c.scalar(pred, sc, r)
	if err != nil {
		return nil, err
	}
	if !boolish(e) {
		if ok, err := c.fail(errAt(pred, SemType, "", "%sthe predicate must be a bool expression, got %s", c.opPrefix(), e.typ())); !ok {
			return nil, err
		}
		return r, nil
	}
	out, err := filterRel(c.rc, nil, r, e)
	if err != nil {
		return nil, err
	}
	if out != r {
		out.open = r.open
	}
	return out, nil
}

// colNamer gives unnamed output columns Kusto's names: the name derived
// from the expression, else prefix1, prefix2 ... (Column1 for extend and
// project) skipping names in use.
type colNamer struct {
	prefix string
	next   int
	taken  func(string) bool
}

func (n *colNamer) name(ne *syntax.NamedExpr) string {
	if s := ne.Name(); s != "" {
		return s
	}
	if s := exprName(ne.X); s != "" {
		return s
	}
	return n.fresh()
}

func (n *colNamer) fresh() string {
	for {
		s := n.prefix + strconv.Itoa(n.next)
		n.next++
		if n.taken == nil || !n.taken(s) {
			return s
		}
	}
}
