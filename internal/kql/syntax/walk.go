package syntax

import "reflect"

// Walk traverses the tree rooted at n in depth-first source order, calling
// fn for every node; when fn returns false the node's children are skipped.
// Nil children are not visited.
func Walk(n Node, fn func(Node) bool) {
	if isNil(n) || !fn(n) {
		return
	}
	w := func(c Node) { Walk(c, fn) }
	switch n := n.(type) {
	case *Script:
		each(n.Stmts, w)
	case *LetStmt:
		w(n.Name)
		w(n.Value)
	case *SetStmt:
		w(n.Name)
		w(n.Value)
	case *DeclareStmt:
		each(n.Params, w)
	case *AliasStmt:
		w(n.Name)
		w(n.Value)
	case *PatternStmt:
		w(n.Name)
	case *ExprStmt:
		w(n.X)
	case *FuncDecl:
		each(n.Params, w)
		w(n.Body)
	case *Block:
		each(n.Stmts, w)
		w(n.Result)
	case *FuncParam:
		w(n.Name)
		w(n.Type)
		w(n.Table)
		w(n.Default)
	case *TableSchema:
		each(n.Columns, w)
	case *ColumnDecl:
		w(n.Name)
		w(n.Type)
	case *Param:
		w(n.Value)
	case *DynamicLit:
		w(n.Value)
	case *DynArray:
		each(n.Elems, w)
	case *DynObject:
		each(n.Fields, w)
	case *DynField:
		w(n.Value)
	case *BinaryExpr:
		w(n.X)
		w(n.Y)
	case *InExpr:
		w(n.X)
		each(n.List, w)
	case *BetweenExpr:
		w(n.X)
		w(n.Lo)
		w(n.Hi)
	case *UnaryExpr:
		w(n.X)
	case *CallExpr:
		w(n.Target)
		w(n.Name)
		each(n.Args, w)
	case *NamedArg:
		w(n.Name)
		w(n.Value)
	case *MemberExpr:
		w(n.X)
		w(n.Name)
	case *IndexExpr:
		w(n.X)
		w(n.Index)
	case *ParenExpr:
		w(n.X)
	case *TypeOfExpr:
		w(n.Type)
		w(n.Schema)
	case *ListExpr:
		each(n.Elems, w)
	case *PipeExpr:
		w(n.Input)
		each(n.Ops, w)
	case *DataTableExpr:
		each(n.Params, w)
		w(n.Schema)
		each(n.Values, w)
	case *ExternalDataExpr:
		each(n.Params, w)
		w(n.Schema)
		each(n.URIs, w)
		each(n.With, w)
	case *NamedExpr:
		each(n.Names, w)
		w(n.X)
	default:
		walkOp(n, w)
	}
}

func walkOp(n Node, w func(Node)) {
	switch n := n.(type) {
	case *WhereOp:
		each(n.Params, w)
		w(n.Pred)
	case *ExtendOp:
		each(n.Cols, w)
	case *ProjectOp:
		each(n.Cols, w)
	case *ProjectAwayOp:
		each(n.Cols, w)
	case *ProjectKeepOp:
		each(n.Cols, w)
	case *ProjectRenameOp:
		each(n.Cols, w)
	case *Rename:
		w(n.New)
		w(n.Old)
	case *ProjectReorderOp:
		each(n.Cols, w)
	case *ReorderCol:
		w(n.Col)
	case *SummarizeOp:
		each(n.Params, w)
		each(n.Aggs, w)
		each(n.By, w)
	case *SortKey:
		w(n.X)
	case *SortOp:
		each(n.Params, w)
		each(n.Keys, w)
	case *TopOp:
		each(n.Params, w)
		w(n.Count)
		w(n.By)
	case *TopNestedOp:
		each(n.Levels, w)
	case *TopNestedLevel:
		w(n.Count)
		w(n.Of)
		w(n.Others)
		w(n.By)
	case *TakeOp:
		each(n.Params, w)
		w(n.Count)
	case *DistinctOp:
		each(n.Params, w)
		each(n.Cols, w)
	case *JoinOp:
		each(n.Params, w)
		w(n.Right)
		each(n.On, w)
		w(n.Where)
	case *JoinCond:
		w(n.X)
	case *LookupOp:
		each(n.Params, w)
		w(n.Right)
		each(n.On, w)
	case *UnionOp:
		w(n.WithSource)
		each(n.Params, w)
		each(n.Tables, w)
	case *MvExpandOp:
		w(n.WithItemIndex)
		each(n.Params, w)
		each(n.Cols, w)
		w(n.Limit)
	case *MvExpandCol:
		w(n.Name)
		w(n.X)
		w(n.ToType)
	case *MvApplyOp:
		w(n.WithItemIndex)
		each(n.Params, w)
		each(n.Cols, w)
		w(n.Limit)
		w(n.Sub)
	case *ParseOp:
		each(n.Params, w)
		w(n.Source)
		each(n.Parts, w)
	case *ParsePart:
		w(n.Literal)
		w(n.Column)
		w(n.Type)
	case *ParseKVOp:
		each(n.Params, w)
		w(n.Source)
		each(n.Keys, w)
		each(n.With, w)
	case *SerializeOp:
		each(n.Params, w)
		each(n.Cols, w)
	case *MakeSeriesOp:
		each(n.Params, w)
		each(n.Aggs, w)
		w(n.On)
		w(n.From)
		w(n.To)
		w(n.Step)
		each(n.By, w)
	case *SeriesAgg:
		w(n.Col)
		w(n.Default)
	case *RangeOp:
		w(n.Name)
		w(n.From)
		w(n.To)
		w(n.Step)
	case *PrintOp:
		each(n.Cols, w)
	case *SearchOp:
		each(n.Params, w)
		each(n.Tables, w)
		w(n.Pred)
	case *FindOp:
		each(n.Params, w)
		each(n.Tables, w)
		w(n.Pred)
		each(n.Project, w)
	case *EvaluateOp:
		each(n.Params, w)
		w(n.Call)
		w(n.Schema)
	case *RenderOp:
		w(n.Chart)
		each(n.With, w)
	case *AsOp:
		each(n.Params, w)
		w(n.Name)
	case *InvokeOp:
		w(n.Call)
	case *ForkOp:
		each(n.Params, w)
		each(n.Branches, w)
	case *ForkBranch:
		w(n.Name)
		w(n.Query)
	case *FacetOp:
		each(n.Cols, w)
		w(n.With)
	case *PartitionOp:
		each(n.Params, w)
		w(n.By)
		w(n.Sub)
	case *SampleOp:
		each(n.Params, w)
		w(n.Count)
	case *SampleDistinctOp:
		each(n.Params, w)
		w(n.Count)
		w(n.Of)
	case *ReduceOp:
		each(n.Params, w)
		w(n.By)
		each(n.With, w)
	case *TopHittersOp:
		w(n.Count)
		w(n.Of)
		w(n.By)
	case *ConsumeOp:
		each(n.Params, w)
	}
}

func each[T Node](list []T, w func(Node)) {
	for _, n := range list {
		w(n)
	}
}

// isNil reports whether n is nil or a typed nil pointer (an optional field
// such as a nil *Ident stored in a Node).
func isNil(n Node) bool {
	if n == nil {
		return true
	}
	v := reflect.ValueOf(n)
	return v.Kind() == reflect.Pointer && v.IsNil()
}
