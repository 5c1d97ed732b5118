// Package syntax is the front end of the KQL engine: a lexer, a
// recursive-descent parser producing an AST with byte positions, and
// diagnostics with line/column, a message that says what was expected and a
// hint.
//
// The AST is the contract with the compiler (internal/kql/eval), so it is
// typed: one node type per tabular operator, literals already decoded, and
// every node carrying its source span.
//
// # Shape of a query
//
// A *Script is a list of statements (let, set, declare, alias, pattern and
// expression statements). Tabular and scalar expressions share the Expr
// interface because KQL's grammar does not separate them: in `let x = y;`
// y may be a table or a scalar, `_GetWatchlist('w')` is a function call used
// as a table and `toscalar(T | count)` is a scalar holding a query. The
// compiler resolves names against its scope. Node types that can only be
// tabular are *PipeExpr, *DataTableExpr, *ExternalDataExpr and *NamePattern
// (a wildcard table name in union); the others are scalar, except *Ident,
// *CallExpr, *MemberExpr and *ParenExpr, which may be either.
//
// A pipeline `T | where p | take 10` is one *PipeExpr{Input: T, Ops:
// [*WhereOp, *TakeOp]}. Its Input is nil when the first operator produces its
// own rows (`union A, B`, `range ...`, `print ...`, `search ...`,
// `evaluate plugin()`, `find ...`) or, inside mv-apply, fork, facet and
// partition, when the subquery reads the operator's implicit input
// (`mv-apply x on (where x > 1 | take 1)`).
//
// # Positions
//
// Every node has Pos() and End(): byte offsets into the source, End one past
// the last byte. Use Position (or a *LineIndex) to turn an offset into a
// line and column.
//
// # Stability
//
// Fields are added, not changed: a compiler should ignore fields it does not
// know and report operators it does not support with the node's position.
package syntax

// Node is implemented by every AST node.
type Node interface {
	Pos() int // byte offset of the node's first character
	End() int // byte offset just after its last character
}

// Span is the source range of a node: bytes [Start, Stop). Every node
// embeds one, which gives it Pos and End.
type Span struct {
	Start, Stop int
}

// Pos returns the start offset.
func (s Span) Pos() int { return s.Start }

// End returns the offset just after the node.
func (s Span) End() int { return s.Stop }

// Expr is a scalar or tabular expression.
type Expr interface {
	Node
	exprNode()
}

// Tabular documents, in field declarations, that an expression is expected
// to produce a table. It is the same type as Expr (see the package comment).
type Tabular = Expr

// Stmt is a statement of a script or of a function body.
type Stmt interface {
	Node
	stmtNode()
}

// Op is a tabular operator, one stage of a *PipeExpr.
type Op interface {
	Node
	opNode()
}

// Script is a parsed query: statements separated by ';'. A script of only
// let/set/declare statements is valid (it has no result).
type Script struct {
	Span
	Stmts []Stmt
}

// Query returns the expression of the last expression statement (the
// query's result), or nil when the script has none.
func (s *Script) Query() Expr {
	for i := len(s.Stmts) - 1; i >= 0; i-- {
		if e, ok := s.Stmts[i].(*ExprStmt); ok {
			return e.X
		}
	}
	return nil
}

// ---- statements ----------------------------------------------------------

// LetStmt binds a name: `let x = 5`, `let T = SigninLogs | where ...`,
// `let f = (a:long, T:(*)) { ... }`, `let V = view () { ... }`,
// `let m = materialize(T)`. Value is a *FuncDecl for functions and views.
type LetStmt struct {
	Span
	Name  *Ident
	Value Expr
}

// SetStmt is a request option: `set querytrace;`,
// `set query_now = datetime(2020-01-01);`. Value is nil when absent.
type SetStmt struct {
	Span
	Name  *Ident // may contain dots, as written
	Value Expr
}

// DeclareStmt is `declare query_parameters(name:type [= default], ...)`.
type DeclareStmt struct {
	Span
	Params []*FuncParam
}

// AliasStmt is `alias database name = cluster("c").database("d")`
// (tolerated: the compiler may ignore or refuse it).
type AliasStmt struct {
	Span
	Name  *Ident
	Value Expr
}

// PatternStmt is a `declare pattern` statement. Its body is not decoded (the
// compiler reports it as not supported).
type PatternStmt struct {
	Span
	Name *Ident
}

// ExprStmt is a query expression statement (tabular, or scalar in a
// function body).
type ExprStmt struct {
	Span
	X Expr
}

// BadStmt stands for a statement that could not be parsed (a diagnostic
// was reported for it).
type BadStmt struct {
	Span
}

// FuncDecl is the value of a let-defined function or view:
// `(a:long, b:string = "x", T:(*)) { body }`.
type FuncDecl struct {
	Span
	View   bool // `view () { ... }`
	Params []*FuncParam
	Body   *Block
}

// Block is a function body: `{ let ...; expr }`.
type Block struct {
	Span
	Stmts  []Stmt // statements before the result (let, and any other)
	Result Expr   // nil when the body has no expression statement
}

// FuncParam is a declared parameter of a function or of declare
// query_parameters. Exactly one of Type (scalar) and Table (tabular) is set.
type FuncParam struct {
	Span
	Name    *Ident
	Type    *TypeRef     // scalar parameter
	Table   *TableSchema // tabular parameter: (*) or (col:type, ...)
	Default Expr         // nil when required
}

// TypeRef is a scalar type name as written (string, long, int, real, double,
// bool, boolean, datetime, date, timespan, time, guid, uuid, uniqueid,
// decimal, dynamic ...). Canonical gives the canonical name.
type TypeRef struct {
	Span
	Name string
}

// TableSchema is a tabular schema: `(a:string, b:long)`, `(*)`.
type TableSchema struct {
	Span
	Columns []*ColumnDecl
	Star    bool // `*`: any columns
}

// ColumnDecl is `name:type` in a schema, parse-kv key list or typeof().
type ColumnDecl struct {
	Span
	Name *Ident
	Type *TypeRef
}

// Param is a `name=value` parameter of an operator (kind=inner,
// hint.shufflekey=x, isfuzzy=true, bagexpansion=array ...) or a property of
// a with (...) clause (render, parse-kv, externaldata). Name is as written
// and may contain dots. Value is usually an *Ident or a *Literal; render's
// list properties (ycolumns=a, b) are a *ListExpr.
type Param struct {
	Span
	Name  string
	Value Expr
}

func (*LetStmt) stmtNode()     {}
func (*SetStmt) stmtNode()     {}
func (*DeclareStmt) stmtNode() {}
func (*AliasStmt) stmtNode()   {}
func (*PatternStmt) stmtNode() {}
func (*ExprStmt) stmtNode()    {}
func (*BadStmt) stmtNode()     {}
func (*FuncDecl) exprNode()    {}
