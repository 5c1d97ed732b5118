package syntax

// Tabular operators, one type per operator. Params fields hold the
// operator's `name=value` parameters that have no typed field (hints such as
// hint.strategy, hint.shufflekey, hint.remote, and anything unknown); they do
// not change results. Keyword fields keep the spelling used when an operator
// has synonyms.

// WhereOp is `where Pred` (Keyword "where" or "filter").
type WhereOp struct {
	Span
	Keyword string
	Params  []*Param
	Pred    Expr
}

// ExtendOp is `extend a = x, y, (b, c) = f()`.
type ExtendOp struct {
	Span
	Cols []*NamedExpr
}

// ProjectOp is `project a, b = x`.
type ProjectOp struct {
	Span
	Cols []*NamedExpr
}

// ProjectAwayOp is `project-away a, b*` (each column an *Ident or a
// *NamePattern).
type ProjectAwayOp struct {
	Span
	Cols []Expr
}

// ProjectKeepOp is `project-keep a, b*` (each column an *Ident or a
// *NamePattern).
type ProjectKeepOp struct {
	Span
	Cols []Expr
}

// ProjectRenameOp is `project-rename new = old, ...`.
type ProjectRenameOp struct {
	Span
	Cols []*Rename
}

// Rename is one `New = Old` of project-rename.
type Rename struct {
	Span
	New, Old *Ident
}

// ProjectReorderOp is `project-reorder a asc, b*, c granny-desc`.
type ProjectReorderOp struct {
	Span
	Cols []*ReorderCol
}

// ReorderCol is one column (an *Ident or *NamePattern) of project-reorder
// with its optional order: "", "asc", "desc", "granny-asc", "granny-desc".
type ReorderCol struct {
	Span
	Col   Expr
	Order string
}

// SummarizeOp is `summarize [params] aggs [by keys]`. Either list may be
// empty (`summarize by x`, `summarize count()`, even `summarize`).
type SummarizeOp struct {
	Span
	Params []*Param
	Aggs   []*NamedExpr
	By     []*NamedExpr
}

// SortOrder is the direction of a sort key as written.
type SortOrder uint8

// Sort orders. SortDefault means none was written (Kusto's default for
// sort, order, top and top-nested is descending).
const (
	SortDefault SortOrder = iota
	SortAsc
	SortDesc
)

// NullsOrder is where nulls go, as written.
type NullsOrder uint8

// Nulls orders. NullsDefault: nulls last for desc, first for asc (Kusto).
const (
	NullsDefault NullsOrder = iota
	NullsFirst
	NullsLast
)

// SortKey is one `X [asc|desc] [nulls first|last]`.
type SortKey struct {
	Span
	X     Expr
	Order SortOrder
	Nulls NullsOrder
}

// SortOp is `sort by keys` (Keyword "sort" or "order").
type SortOp struct {
	Span
	Keyword string
	Params  []*Param
	Keys    []*SortKey
}

// TopOp is `top Count by Key`.
type TopOp struct {
	Span
	Params []*Param
	Count  Expr
	By     *SortKey
}

// TopNestedOp is a chain of `top-nested [N] of X [with others = V] by Agg
// [asc|desc]` levels separated by commas.
type TopNestedOp struct {
	Span
	Levels []*TopNestedLevel
}

// TopNestedLevel is one level of top-nested. Count is nil when omitted
// (all values); Others is nil without `with others = ...`.
type TopNestedLevel struct {
	Span
	Count  Expr
	Of     *NamedExpr
	Others Expr
	By     *NamedExpr
	Order  SortOrder
}

// TakeOp is `take N` (Keyword "take" or "limit").
type TakeOp struct {
	Span
	Keyword string
	Params  []*Param
	Count   Expr
}

// DistinctOp is `distinct a, b` or `distinct *` (Star).
type DistinctOp struct {
	Span
	Params []*Param
	Cols   []*NamedExpr
	Star   bool
}

// CountOp is `count`.
type CountOp struct {
	Span
}

// JoinOp is `join [kind=K] [hints] Right on conds` or `... Right where
// pred`. Kind is as written, lower-cased ("" when absent: innerunique);
// see JoinKinds.
type JoinOp struct {
	Span
	Kind   string
	Params []*Param
	Right  Tabular
	On     []*JoinCond // empty when neither on nor where is given
	Where  Expr        // the `where` form; nil with `on`
}

// JoinCond is one condition of a join/lookup `on` list. X is the condition
// as written. For the equality forms Left and Right name the key columns of
// each side: `on Col` (both the same Ident), `on $left.A == $right.B` (in
// either order). They are nil for any other condition (the compiler
// rejects or evaluates X). They point into X (Walk visits them there).
type JoinCond struct {
	Span
	X           Expr
	Left, Right *Ident
}

// LookupOp is `lookup [kind=leftouter|inner] Right on conds`.
type LookupOp struct {
	Span
	Kind   string
	Params []*Param
	Right  Tabular
	On     []*JoinCond
}

// UnionOp is `union [kind=inner|outer] [isfuzzy=true] [withsource=Name]
// tables`, at the start of a query or after a pipe (the input then comes
// first). A table is an *Ident, a *NamePattern (`Device*`), a call
// (`workspace("x").T`, a function), or a parenthesized query.
type UnionOp struct {
	Span
	Kind       string
	IsFuzzy    bool
	WithSource *Ident
	Params     []*Param
	Tables     []Tabular
}

// MvExpandOp is `mv-expand [bagexpansion=bag|array] [with_itemindex=I]
// cols [limit N]` (Keyword "mv-expand" or "mvexpand").
type MvExpandOp struct {
	Span
	Keyword       string
	BagExpansion  string // "", "bag" or "array"
	WithItemIndex *Ident
	Params        []*Param
	Cols          []*MvExpandCol
	Limit         Expr
}

// MvExpandCol is `[Name =] X [to typeof(T)]` of mv-expand and mv-apply.
type MvExpandCol struct {
	Span
	Name   *Ident
	X      Expr
	ToType *TypeRef
}

// MvApplyOp is `mv-apply [with_itemindex=I] cols [limit N] [id=..] on
// (subquery)`; Sub's Input is nil (it reads each row's expanded items).
type MvApplyOp struct {
	Span
	WithItemIndex *Ident
	Params        []*Param
	Cols          []*MvExpandCol
	Limit         Expr
	Sub           *PipeExpr
}

// ParseOp is `parse [kind=simple|regex|relaxed] [flags=F] Source with
// parts` (Keyword "parse" or "parse-where").
type ParseOp struct {
	Span
	Keyword string
	Kind    string // "" (simple), "simple", "regex", "relaxed"
	Flags   string // regex flags of kind=regex, e.g. "Ui"
	Params  []*Param
	Source  Expr
	Parts   []*ParsePart
}

// ParsePart is one element of a parse pattern: `*` (Star), a string
// constant (Literal) or a column to extract (Column, with an optional
// Type; string when nil).
type ParsePart struct {
	Span
	Star    bool
	Literal *Literal
	Column  *Ident
	Type    *TypeRef
}

// ParseKVOp is `parse-kv Source as (k:type, ...) with (pair_delimiter=..,
// kv_delimiter=.., quote=.., escape=.., greedy=.., regex=..)`.
type ParseKVOp struct {
	Span
	Params []*Param
	Source Expr
	Keys   []*ColumnDecl
	With   []*Param
}

// SerializeOp is `serialize [a = x, ...]`.
type SerializeOp struct {
	Span
	Params []*Param
	Cols   []*NamedExpr
}

// MakeSeriesOp is `make-series [kind=nonempty] aggs on Axis [from A] [to
// B] step S [by keys]`, or with `on Axis in range(A, B, S)` (InRange).
type MakeSeriesOp struct {
	Span
	Params   []*Param
	Aggs     []*SeriesAgg
	On       Expr
	From, To Expr // nil when omitted
	Step     Expr
	InRange  bool
	By       []*NamedExpr
}

// SeriesAgg is one `[name =] agg(...) [default = V]` of make-series.
type SeriesAgg struct {
	Span
	Col     *NamedExpr
	Default Expr
}

// RangeOp is `range Name from A to B step S` (no input).
type RangeOp struct {
	Span
	Name           *Ident
	From, To, Step Expr
}

// PrintOp is `print a = x, y` (no input).
type PrintOp struct {
	Span
	Cols []*NamedExpr
}

// SearchOp is `search [kind=case_sensitive|case_insensitive] [in (T1,
// T2)] Pred`. Pred is a boolean expression where a bare string literal
// means "any column has the term" and `Col:"term"` is a *BinaryExpr with
// OpHas; `*` is a *StarExpr.
type SearchOp struct {
	Span
	Kind   string
	Params []*Param
	Tables []Tabular
	Pred   Expr
}

// FindOp is `find [in (T1, T2)] where Pred [project cols]` (no input).
type FindOp struct {
	Span
	Params  []*Param
	Tables  []Tabular
	Pred    Expr
	Project []Expr // `project a, b`; nil when absent
	Smart   bool   // project-smart
}

// GetSchemaOp is `getschema`.
type GetSchemaOp struct {
	Span
}

// EvaluateOp is `evaluate [hints] plugin(args) [: (schema)]`, for every
// plugin (bag_unpack, pivot, ...): the plugin is a generic call.
type EvaluateOp struct {
	Span
	Params []*Param
	Call   *CallExpr
	Schema *TableSchema
}

// RenderOp is `render Chart [with (props)]`; legacy `render chart
// kind=stacked` properties are in With too.
type RenderOp struct {
	Span
	Chart *Ident
	With  []*Param
}

// AsOp is `as [hint.materialized=true] Name`.
type AsOp struct {
	Span
	Params []*Param
	Name   *Ident
}

// InvokeOp is `invoke f(args)`: the input becomes f's first (tabular)
// argument.
type InvokeOp struct {
	Span
	Call *CallExpr
}

// ForkOp is `fork [name=](subquery) ...` (tolerated).
type ForkOp struct {
	Span
	Params   []*Param
	Branches []*ForkBranch
}

// ForkBranch is one `[Name =] (subquery)` of fork; Query's Input is nil.
type ForkBranch struct {
	Span
	Name  *Ident
	Query *PipeExpr
}

// FacetOp is `facet by a, b [with (subquery)]` (tolerated).
type FacetOp struct {
	Span
	Cols []*Ident
	With *PipeExpr
}

// PartitionOp is `partition [params] by Col (subquery)` or `{ subquery }`.
type PartitionOp struct {
	Span
	Params []*Param
	By     *Ident
	Sub    *PipeExpr
}

// SampleOp is `sample N`.
type SampleOp struct {
	Span
	Params []*Param
	Count  Expr
}

// SampleDistinctOp is `sample-distinct N of X`.
type SampleDistinctOp struct {
	Span
	Params []*Param
	Count  Expr
	Of     Expr
}

// ReduceOp is `reduce [kind=..] by X [with threshold=.., characters=..]`.
type ReduceOp struct {
	Span
	Params []*Param
	By     Expr
	With   []*Param
}

// TopHittersOp is `top-hitters N of X [by Y]`.
type TopHittersOp struct {
	Span
	Count Expr
	Of    Expr
	By    Expr
}

// ConsumeOp is `consume [params]`.
type ConsumeOp struct {
	Span
	Params []*Param
}

// ScanOp is `scan ...` (tolerated: its body is not decoded; the compiler
// reports it as not supported).
type ScanOp struct {
	Span
}

// BadOp stands for an operator that could not be parsed (a diagnostic was
// reported for it).
type BadOp struct {
	Span
}

func (*WhereOp) opNode()          {}
func (*ExtendOp) opNode()         {}
func (*ProjectOp) opNode()        {}
func (*ProjectAwayOp) opNode()    {}
func (*ProjectKeepOp) opNode()    {}
func (*ProjectRenameOp) opNode()  {}
func (*ProjectReorderOp) opNode() {}
func (*SummarizeOp) opNode()      {}
func (*SortOp) opNode()           {}
func (*TopOp) opNode()            {}
func (*TopNestedOp) opNode()      {}
func (*TakeOp) opNode()           {}
func (*DistinctOp) opNode()       {}
func (*CountOp) opNode()          {}
func (*JoinOp) opNode()           {}
func (*LookupOp) opNode()         {}
func (*UnionOp) opNode()          {}
func (*MvExpandOp) opNode()       {}
func (*MvApplyOp) opNode()        {}
func (*ParseOp) opNode()          {}
func (*ParseKVOp) opNode()        {}
func (*SerializeOp) opNode()      {}
func (*MakeSeriesOp) opNode()     {}
func (*RangeOp) opNode()          {}
func (*PrintOp) opNode()          {}
func (*SearchOp) opNode()         {}
func (*FindOp) opNode()           {}
func (*GetSchemaOp) opNode()      {}
func (*EvaluateOp) opNode()       {}
func (*RenderOp) opNode()         {}
func (*AsOp) opNode()             {}
func (*InvokeOp) opNode()         {}
func (*ForkOp) opNode()           {}
func (*FacetOp) opNode()          {}
func (*PartitionOp) opNode()      {}
func (*SampleOp) opNode()         {}
func (*SampleDistinctOp) opNode() {}
func (*ReduceOp) opNode()         {}
func (*TopHittersOp) opNode()     {}
func (*ConsumeOp) opNode()        {}
func (*ScanOp) opNode()           {}
func (*BadOp) opNode()            {}
