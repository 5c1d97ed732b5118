package syntax

// op writes a tabular operator.
func (f *formatter) op(o Op) {
	switch o := o.(type) {
	case *WhereOp:
		f.s(o.Keyword)
		f.paramList(o.Params)
		f.expr(o.Pred, 0)
	case *ExtendOp:
		f.s("extend ")
		f.namedList(o.Cols)
	case *ProjectOp:
		f.s("project ")
		f.namedList(o.Cols)
	case *ProjectAwayOp:
		f.s("project-away ")
		f.exprList(o.Cols)
	case *ProjectKeepOp:
		f.s("project-keep ")
		f.exprList(o.Cols)
	case *ProjectRenameOp:
		f.s("project-rename ")
		for i, r := range o.Cols {
			f.sep(i)
			f.opPart(r)
		}
	case *ProjectReorderOp:
		f.s("project-reorder ")
		for i, c := range o.Cols {
			f.sep(i)
			f.opPart(c)
		}
	case *SummarizeOp:
		f.s("summarize")
		f.paramList(o.Params)
		f.namedList(o.Aggs)
		if o.By != nil {
			f.s(" by ")
			f.namedList(o.By)
		}
	case *SortOp:
		f.s(o.Keyword)
		f.paramList(o.Params)
		f.s("by ")
		for i, k := range o.Keys {
			f.sep(i)
			f.opPart(k)
		}
	case *TopOp:
		f.s("top")
		f.paramList(o.Params)
		f.expr(o.Count, 0)
		f.s(" by ")
		f.opPart(o.By)
	case *TopNestedOp:
		for i, lv := range o.Levels {
			f.sep(i)
			f.opPart(lv)
		}
	case *TakeOp:
		f.s(o.Keyword)
		f.paramList(o.Params)
		f.expr(o.Count, 0)
	case *DistinctOp:
		f.s("distinct")
		f.paramList(o.Params)
		if o.Star {
			f.s("*")
		}
		f.namedList(o.Cols)
	case *CountOp:
		f.s("count")
	case *GetSchemaOp:
		f.s("getschema")
	case *JoinOp:
		f.s("join")
		if o.Kind != "" {
			f.s(" kind=", o.Kind)
		}
		f.paramList(o.Params)
		f.expr(o.Right, 8)
		if o.Where != nil {
			f.s(" where ")
			f.expr(o.Where, 0)
		} else if o.On != nil {
			f.s(" on ")
			f.conds(o.On)
		}
	case *LookupOp:
		f.s("lookup")
		if o.Kind != "" {
			f.s(" kind=", o.Kind)
		}
		f.paramList(o.Params)
		f.expr(o.Right, 8)
		f.s(" on ")
		f.conds(o.On)
	case *UnionOp:
		f.s("union")
		if o.Kind != "" {
			f.s(" kind=", o.Kind)
		}
		if o.IsFuzzy {
			f.s(" isfuzzy=true")
		}
		if o.WithSource != nil {
			f.s(" withsource=")
			f.ident(o.WithSource)
		}
		f.paramList(o.Params)
		f.exprList(o.Tables)
	case *MvExpandOp:
		f.s(o.Keyword)
		if o.BagExpansion != "" {
			f.s(" bagexpansion=", o.BagExpansion)
		}
		if o.WithItemIndex != nil {
			f.s(" with_itemindex=")
			f.ident(o.WithItemIndex)
		}
		f.paramList(o.Params)
		f.expandCols(o.Cols)
		if o.Limit != nil {
			f.s(" limit ")
			f.expr(o.Limit, 0)
		}
	case *MvApplyOp:
		f.s("mv-apply")
		if o.WithItemIndex != nil {
			f.s(" with_itemindex=")
			f.ident(o.WithItemIndex)
		}
		f.paramList(o.Params)
		f.expandCols(o.Cols)
		if o.Limit != nil {
			f.s(" limit ")
			f.expr(o.Limit, 0)
		}
		f.s(" on ")
		f.sub(o.Sub)
	default:
		f.op2(o)
	}
}

func (f *formatter) op2(o Op) {
	switch o := o.(type) {
	case *ParseOp:
		f.s(o.Keyword)
		if o.Kind != "" {
			f.s(" kind=", o.Kind)
		}
		if o.Flags != "" {
			f.s(" flags=", quoteString(o.Flags, false))
		}
		f.paramList(o.Params)
		f.expr(o.Source, 0)
		f.s(" with")
		for _, part := range o.Parts {
			f.s(" ")
			f.opPart(part)
		}
	case *ParseKVOp:
		f.s("parse-kv")
		f.paramList(o.Params)
		f.expr(o.Source, 0)
		f.s(" as ")
		f.schema(&TableSchema{Columns: o.Keys})
		if o.With != nil {
			f.s(" with (")
			f.withList(o.With)
			f.s(")")
		}
	case *SerializeOp:
		f.s("serialize")
		f.paramList(o.Params)
		f.namedList(o.Cols)
	case *MakeSeriesOp:
		f.s("make-series")
		f.paramList(o.Params)
		for i, a := range o.Aggs {
			f.sep(i)
			f.opPart(a)
		}
		f.s(" on ")
		f.expr(o.On, 4)
		if o.InRange {
			f.s(" in range(")
			f.exprList([]Expr{o.From, o.To, o.Step})
			f.s(")")
		} else {
			if o.From != nil {
				f.s(" from ")
				f.expr(o.From, 0)
			}
			if o.To != nil {
				f.s(" to ")
				f.expr(o.To, 0)
			}
			f.s(" step ")
			f.expr(o.Step, 0)
		}
		if o.By != nil {
			f.s(" by ")
			f.namedList(o.By)
		}
	case *RangeOp:
		f.s("range ")
		f.ident(o.Name)
		f.s(" from ")
		f.expr(o.From, 0)
		f.s(" to ")
		f.expr(o.To, 0)
		f.s(" step ")
		f.expr(o.Step, 0)
	case *PrintOp:
		f.s("print ")
		f.namedList(o.Cols)
	case *SearchOp:
		f.s("search")
		if o.Kind != "" {
			f.s(" kind=", o.Kind)
		}
		f.paramList(o.Params)
		if o.Tables != nil {
			f.s("in (")
			f.exprList(o.Tables)
			f.s(") ")
		}
		f.expr(o.Pred, 0)
	case *FindOp:
		f.s("find")
		f.paramList(o.Params)
		if o.Tables != nil {
			f.s("in (")
			f.exprList(o.Tables)
			f.s(") ")
		}
		f.s("where ")
		f.expr(o.Pred, 0)
		switch {
		case o.Smart:
			f.s(" project-smart")
		case o.Project != nil:
			f.s(" project ")
			f.exprList(o.Project)
		}
	case *EvaluateOp:
		f.s("evaluate")
		f.paramList(o.Params)
		f.expr(o.Call, 0)
		if o.Schema != nil {
			f.s(" : ")
			f.schema(o.Schema)
		}
	case *RenderOp:
		f.s("render ")
		f.ident(o.Chart)
		if o.With != nil {
			f.s(" with (")
			f.withList(o.With)
			f.s(")")
		}
	case *AsOp:
		f.s("as")
		f.paramList(o.Params)
		f.ident(o.Name)
	case *InvokeOp:
		f.s("invoke ")
		f.expr(o.Call, 0)
	case *ForkOp:
		f.s("fork")
		f.paramList(o.Params)
		for i, b := range o.Branches {
			if i > 0 {
				f.s(" ")
			}
			if b.Name != nil {
				f.ident(b.Name)
				f.s(" = ")
			}
			f.sub(b.Query)
		}
	case *FacetOp:
		f.s("facet by ")
		for i, c := range o.Cols {
			f.sep(i)
			f.ident(c)
		}
		if o.With != nil {
			f.s(" with ")
			f.sub(o.With)
		}
	case *PartitionOp:
		f.s("partition")
		f.paramList(o.Params)
		f.s("by ")
		f.ident(o.By)
		f.s(" ")
		f.sub(o.Sub)
	case *SampleOp:
		f.s("sample")
		f.paramList(o.Params)
		f.expr(o.Count, 0)
	case *SampleDistinctOp:
		f.s("sample-distinct")
		f.paramList(o.Params)
		f.expr(o.Count, 0)
		f.s(" of ")
		f.expr(o.Of, 0)
	case *ReduceOp:
		f.s("reduce")
		f.paramList(o.Params)
		f.s("by ")
		f.expr(o.By, 0)
		if o.With != nil {
			f.s(" with ")
			f.withList(o.With)
		}
	case *TopHittersOp:
		f.s("top-hitters ")
		f.expr(o.Count, 0)
		f.s(" of ")
		f.expr(o.Of, 0)
		if o.By != nil {
			f.s(" by ")
			f.expr(o.By, 0)
		}
	case *ConsumeOp:
		f.s("consume")
		f.paramList(o.Params)
	case *ScanOp:
		f.s("scan")
	case *BadOp:
		f.s("<?>")
	}
}

// opPart writes the clause nodes of operators.
func (f *formatter) opPart(n Node) {
	switch n := n.(type) {
	case *Rename:
		f.ident(n.New)
		f.s(" = ")
		f.ident(n.Old)
	case *ReorderCol:
		f.expr(n.Col, 0)
		if n.Order != "" {
			f.s(" ", n.Order)
		}
	case *SortKey:
		f.expr(n.X, 0)
		switch n.Order {
		case SortAsc:
			f.s(" asc")
		case SortDesc:
			f.s(" desc")
		}
		switch n.Nulls {
		case NullsFirst:
			f.s(" nulls first")
		case NullsLast:
			f.s(" nulls last")
		}
	case *TopNestedLevel:
		f.s("top-nested ")
		if n.Count != nil {
			f.expr(n.Count, 0)
			f.s(" ")
		}
		f.s("of ")
		f.named(n.Of)
		if n.Others != nil {
			f.s(" with others = ")
			f.expr(n.Others, 0)
		}
		f.s(" by ")
		f.named(n.By)
		switch n.Order {
		case SortAsc:
			f.s(" asc")
		case SortDesc:
			f.s(" desc")
		}
	case *JoinCond:
		f.expr(n.X, 0)
	case *MvExpandCol:
		if n.Name != nil {
			f.ident(n.Name)
			f.s(" = ")
		}
		f.expr(n.X, 0)
		if n.ToType != nil {
			f.s(" to typeof(", n.ToType.Name, ")")
		}
	case *ParsePart:
		switch {
		case n.Star:
			f.s("*")
		case n.Literal != nil:
			f.s(FormatLiteral(n.Literal))
		case n.Column != nil:
			f.ident(n.Column)
			if n.Type != nil {
				f.s(":", n.Type.Name)
			}
		}
	case *SeriesAgg:
		f.named(n.Col)
		if n.Default != nil {
			f.s(" default = ")
			f.expr(n.Default, 0)
		}
	case *ForkBranch:
		if n.Name != nil {
			f.ident(n.Name)
			f.s(" = ")
		}
		f.sub(n.Query)
	}
}

func (f *formatter) sep(i int) {
	if i > 0 {
		f.s(", ")
	}
}

func (f *formatter) namedList(ns []*NamedExpr) {
	for i, n := range ns {
		f.sep(i)
		f.named(n)
	}
}

func (f *formatter) conds(cs []*JoinCond) {
	for i, c := range cs {
		f.sep(i)
		f.expr(c.X, 0)
	}
}

func (f *formatter) expandCols(cs []*MvExpandCol) {
	for i, c := range cs {
		f.sep(i)
		f.opPart(c)
	}
}

// sub writes a subquery in parentheses.
func (f *formatter) sub(p *PipeExpr) {
	f.s("(")
	if p != nil {
		f.expr(p, 0)
	}
	f.s(")")
}
