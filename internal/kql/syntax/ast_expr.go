package syntax

import "time"

// Ident is a name: a column, a table, a let-bound name, a function name.
// `['col name']` and `["col"]` are Idents with Quoted set (the spelling
// only: `['x']` and `x` are the same name) and the name unescaped. `$left` and `$right` (in join conditions) are Idents too.
type Ident struct {
	Span
	Name   string
	Quoted bool
}

// LitKind is the type of a literal.
type LitKind uint8

// Literal kinds. LitNull is the untyped `null` (a dynamic null).
const (
	LitNull LitKind = iota
	LitBool
	LitInt
	LitLong
	LitReal
	LitDecimal
	LitString
	LitDateTime
	LitTimeSpan
	LitGuid
)

var litKindNames = [...]string{"dynamic", "bool", "int", "long", "real", "decimal", "string", "datetime", "timespan", "guid"}

// String returns the KQL type name of the literal kind (LitNull: dynamic).
func (k LitKind) String() string {
	if int(k) < len(litKindNames) {
		return litKindNames[k]
	}
	return "invalid"
}

// Literal is a decoded scalar literal. Which value field is meaningful
// depends on Kind; Null marks a typed null (`long(null)`, `datetime(null)`).
//
//	1, 0x1F, long(5)        LitLong, Int
//	int(5)                  LitInt, Int
//	1.5, 1e5, real(nan)     LitReal, Real (NaN and ±Inf possible)
//	decimal(1.5)            LitDecimal, Real
//	true, bool(false)       LitBool, Bool
//	"a\n", @'c:\x', h"s"    LitString, Str (unescaped; adjacent strings are concatenated)
//	datetime(2020-01-01)    LitDateTime, Time (UTC)
//	1d, 1.5h, time(00:05:00) LitTimeSpan, Ticks (100 ns units, as Kusto)
//	guid(...)               LitGuid, Guid (RFC 4122 byte order)
//	null                    LitNull
type Literal struct {
	Span
	Kind       LitKind
	Null       bool
	Bool       bool
	Int        int64
	Real       float64
	Str        string
	Time       time.Time
	Ticks      int64
	Guid       [16]byte
	Obfuscated bool // h"..." strings: the value must not be logged
}

// Duration returns a timespan literal as a time.Duration (saturating).
func (l *Literal) Duration() time.Duration {
	const max = int64(^uint64(0)>>1) / 100
	switch {
	case l.Ticks > max:
		return time.Duration(1<<63 - 1)
	case l.Ticks < -max:
		return time.Duration(-1 << 63)
	}
	return time.Duration(l.Ticks * 100)
}

// DynamicLit is `dynamic(...)`: a JSON-like value whose leaves are scalar
// literals (which may be any KQL literal: dynamic([datetime(2020-01-01),
// 1d])). `dynamic(null)` has a *Literal of kind LitNull as Value.
type DynamicLit struct {
	Span
	Value DynValue
}

// DynValue is a node of a dynamic literal: *DynArray, *DynObject or a
// scalar *Literal.
type DynValue interface {
	Node
	dynNode()
}

// DynArray is `[v, ...]` in a dynamic literal.
type DynArray struct {
	Span
	Elems []DynValue
}

// DynObject is `{"k": v, ...}` in a dynamic literal, keys in source order.
type DynObject struct {
	Span
	Fields []*DynField
}

// DynField is one `"key": value` of a *DynObject.
type DynField struct {
	Span
	Key   string
	Value DynValue
}

// BinaryOp is a binary scalar operator.
type BinaryOp uint8

// Binary operators. The string operators are named after their KQL
// spelling: OpNotHasCs is `!has_cs`. OpIn .. OpHasAll only occur in
// *InExpr.
const (
	OpInvalid BinaryOp = iota
	OpOr
	OpAnd
	OpEq   // ==
	OpNe   // != and <>
	OpLt   // <
	OpLe   // <=
	OpGt   // >
	OpGe   // >=
	OpEqCI // =~
	OpNeCI // !~
	OpAdd  // +
	OpSub  // -
	OpMul  // *
	OpDiv  // /
	OpMod  // %
	OpHas  // has
	OpNotHas
	OpHasCs
	OpNotHasCs
	OpHasPrefix
	OpNotHasPrefix
	OpHasPrefixCs
	OpNotHasPrefixCs
	OpHasSuffix
	OpNotHasSuffix
	OpHasSuffixCs
	OpNotHasSuffixCs
	OpContains // contains
	OpNotContains
	OpContainsCs
	OpNotContainsCs
	OpStartsWith
	OpNotStartsWith
	OpStartsWithCs
	OpNotStartsWithCs
	OpEndsWith
	OpNotEndsWith
	OpEndsWithCs
	OpNotEndsWithCs
	OpMatchesRegex // matches regex
	OpIn           // in
	OpNotIn        // !in
	OpInCI         // in~
	OpNotInCI      // !in~
	OpHasAny       // has_any
	OpHasAll       // has_all
	opCount
)

// BinaryExpr is `X Op Y`. Legacy spellings are normalized (notcontains is
// OpNotContains, containscs OpContainsCs, notcontainscs OpNotContainsCs,
// <> is OpNe).
type BinaryExpr struct {
	Span
	Op    BinaryOp
	OpPos int // byte offset of the operator
	X, Y  Expr
}

// InExpr is `X in (a, b, ...)` and the other list operators (!in, in~,
// !in~, has_any, has_all). An element of List may be a scalar, a dynamic
// array (a literal or a name bound to one) or a tabular expression whose
// first column supplies the values (`x in (T | project a)`).
type InExpr struct {
	Span
	Op    BinaryOp
	OpPos int
	X     Expr
	List  []Expr
}

// BetweenExpr is `X between (Lo .. Hi)` and `X !between (Lo .. Hi)`.
type BetweenExpr struct {
	Span
	Not    bool
	X      Expr
	Lo, Hi Expr
}

// UnaryOp is a prefix operator.
type UnaryOp uint8

// Unary operators (not is a function: not(x)).
const (
	OpNeg  UnaryOp = iota + 1 // -x
	OpPlus                    // +x
)

// UnaryExpr is `-X` or `+X`. A minus directly before (without space) a
// numeric or timespan literal is folded into the literal instead: `-1` is a
// *Literal with Int -1 whose span covers the sign.
type UnaryExpr struct {
	Span
	Op UnaryOp
	X  Expr
}

// CallExpr is a function call: scalar functions (`strcat(a, b)`),
// aggregations (`count()`, `arg_max(t, *)`), user functions and tabular
// functions used as tables (`_GetWatchlist('w')`, `table("T")`,
// `materialize(q)`, `toscalar(q)`, `workspace("x")`, `database("d")`,
// `cluster("c")`, `app("a")`). Target is the receiver of a dotted call
// (`database("d").f()`: Target is the database call), nil otherwise. Args
// may hold *StarExpr and *NamedArg.
type CallExpr struct {
	Span
	Target Expr
	Name   *Ident
	Args   []Expr
}

// NamedArg is a `name = value` argument of a call (plugins, user
// functions).
type NamedArg struct {
	Span
	Name  *Ident
	Value Expr
}

// StarExpr is `*` as an argument (`arg_max(t, *)`, `take_any(*)`), a
// search predicate (`search *`) or in typeof(*).
type StarExpr struct {
	Span
}

// MemberExpr is `X.Name`: a dynamic property (`d.a.b`), a table of a
// workspace (`workspace("w").SigninLogs`) or a join side (`$left.Col`).
type MemberExpr struct {
	Span
	X    Expr
	Name *Ident
}

// IndexExpr is `X[Index]`: `d['key']`, `d["key"]`, `a[0]`, `a[-1]`.
type IndexExpr struct {
	Span
	X     Expr
	Index Expr
}

// ParenExpr is `(X)`, kept so that nesting and tabular subqueries
// `(T | where ...)` keep their positions.
type ParenExpr struct {
	Span
	X Expr
}

// TypeOfExpr is `typeof(string)` (Type set), `typeof(*)` or
// `typeof(a:string, ...)` (Schema set).
type TypeOfExpr struct {
	Span
	Type   *TypeRef
	Schema *TableSchema
}

// ListExpr is a comma-separated list of values of a with-property
// (`render ... with (ycolumns=a, b)`).
type ListExpr struct {
	Span
	Elems []Expr
}

// NamePattern is a column or table name with `*` wildcards (`Device*`,
// `*Events`, `a*b`) where the grammar allows them (union, project-away,
// project-keep, project-reorder). Names without a wildcard in those places
// are plain *Ident.
type NamePattern struct {
	Span
	Pattern string
}

// PipeExpr is a pipeline: Input piped through Ops (see the package
// comment for a nil Input).
type PipeExpr struct {
	Span
	Input Tabular
	Ops   []Op
}

// DataTableExpr is `datatable(a:string, b:long) ["x", 1, "y", 2]`: Values
// holds the cells row-major, len(Values) a multiple of the column count
// (checked by the parser).
type DataTableExpr struct {
	Span
	Params []*Param
	Schema *TableSchema
	Values []Expr
}

// ExternalDataExpr is `externaldata (schema) [uri, ...] with (props)`.
type ExternalDataExpr struct {
	Span
	Params []*Param
	Schema *TableSchema
	URIs   []Expr
	With   []*Param
}

// NamedExpr is an output column of extend, project, summarize, print ...:
// `Name = X`, `(a, b) = X` (a tuple target: a function returning several
// columns) or just `X` (Names empty: the column is named by the compiler).
type NamedExpr struct {
	Span
	Names []*Ident
	X     Expr
}

// Name returns the single target name, or "" when there is none or several.
func (n *NamedExpr) Name() string {
	if len(n.Names) == 1 {
		return n.Names[0].Name
	}
	return ""
}

// BadExpr stands for an expression that could not be parsed (a diagnostic
// was reported for it).
type BadExpr struct {
	Span
}

func (*Ident) exprNode()            {}
func (*Literal) exprNode()          {}
func (*DynamicLit) exprNode()       {}
func (*BinaryExpr) exprNode()       {}
func (*InExpr) exprNode()           {}
func (*BetweenExpr) exprNode()      {}
func (*UnaryExpr) exprNode()        {}
func (*CallExpr) exprNode()         {}
func (*NamedArg) exprNode()         {}
func (*StarExpr) exprNode()         {}
func (*MemberExpr) exprNode()       {}
func (*IndexExpr) exprNode()        {}
func (*ParenExpr) exprNode()        {}
func (*TypeOfExpr) exprNode()       {}
func (*ListExpr) exprNode()         {}
func (*NamePattern) exprNode()      {}
func (*PipeExpr) exprNode()         {}
func (*DataTableExpr) exprNode()    {}
func (*ExternalDataExpr) exprNode() {}
func (*BadExpr) exprNode()          {}

func (*Literal) dynNode()   {}
func (*DynArray) dynNode()  {}
func (*DynObject) dynNode() {}
