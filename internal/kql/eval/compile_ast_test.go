package eval

import (
	"context"
	"testing"
	"time"

	"github.com/sentinel-mcp/sentinel-mcp/internal/kql/data"
	"github.com/sentinel-mcp/sentinel-mcp/internal/kql/syntax"
)

// Hand-built ASTs exercise the compiler without the parser.

func id(n string) *syntax.Ident    { return &syntax.Ident{Name: n} }
func str(s string) *syntax.Literal { return &syntax.Literal{Kind: syntax.LitString, Str: s} }
func lng(i int64) *syntax.Literal  { return &syntax.Literal{Kind: syntax.LitLong, Int: i} }
func bin(op syntax.BinaryOp, x, y syntax.Expr) syntax.Expr {
	return &syntax.BinaryExpr{Op: op, X: x, Y: y}
}
func call(n string, args ...syntax.Expr) *syntax.CallExpr {
	return &syntax.CallExpr{Name: id(n), Args: args}
}
func named(n string, x syntax.Expr) *syntax.NamedExpr {
	ne := &syntax.NamedExpr{X: x}
	if n != "" {
		ne.Names = []*syntax.Ident{id(n)}
	}
	return ne
}

type mapSource map[string]*data.Table

func (m mapSource) Table(n string) (*data.Table, bool) { t, ok := m[n]; return t, ok }
func (m mapSource) TableNames() []string {
	var out []string
	for n := range m {
		out = append(out, n)
	}
	return out
}
func (m mapSource) Workspace(string) (Source, bool) { return m, true }

func testTable(t *testing.T) *data.Table {
	b := data.NewTableBuilder("SigninLogs", []data.Column{{Name: "TimeGenerated", Type: data.DateTime}, {Name: "UserPrincipalName", Type: data.String}, {Name: "ResultType", Type: data.String}}, 4)
	base := time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)
	rows := [][]any{{base, "a", "0"}, {base.Add(10 * time.Minute), "a", "50126"}, {base.Add(70 * time.Minute), "b", "50126"}, {base.Add(80 * time.Minute), "a", "50126"}}
	for _, r := range rows {
		if err := b.Append(r...); err != nil {
			t.Fatal(err)
		}
	}
	return b.Build()
}

func TestCompileHandBuiltPipeline(t *testing.T) {
	src := mapSource{"SigninLogs": testTable(t)}
	q := &syntax.PipeExpr{Input: id("SigninLogs"), Ops: []syntax.Op{
		&syntax.WhereOp{Keyword: "where", Pred: bin(syntax.OpEq, id("ResultType"), str("50126"))},
		&syntax.SummarizeOp{Aggs: []*syntax.NamedExpr{named("", call("count"))},
			By: []*syntax.NamedExpr{named("", call("bin", id("TimeGenerated"), &syntax.Literal{Kind: syntax.LitTimeSpan, Ticks: data.TicksPerHour})), named("", id("UserPrincipalName"))}},
		&syntax.SortOp{Keyword: "sort", Keys: []*syntax.SortKey{{X: id("count_")}}},
	}}
	out, err := Run(context.Background(), &syntax.Script{Stmts: []syntax.Stmt{&syntax.ExprStmt{X: q}}}, "", src, Options{})
	if err != nil {
		t.Fatal(err)
	}
	tb := out.Tables[0]
	if got := tb.Schema().Names(); len(got) != 3 || got[0] != "TimeGenerated" || got[1] != "UserPrincipalName" || got[2] != "count_" {
		t.Fatalf("columns %v", got)
	}
	if tb.Len() != 3 || tb.Cell(0, 2).I != 1 {
		t.Fatalf("rows %v", tb.WireRows())
	}
}
