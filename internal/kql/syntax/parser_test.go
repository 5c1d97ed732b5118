package syntax

import (
	"math"
	"reflect"
	"testing"
	"time"
)

// mustQuery parses src and returns its query pipeline.
func mustQuery(t *testing.T, src string) *PipeExpr {
	t.Helper()
	s, diags := Parse(src)
	if len(diags) > 0 {
		t.Fatalf("%s: %v", src, diags)
	}
	p, ok := s.Query().(*PipeExpr)
	if !ok {
		t.Fatalf("%s: query is %T", src, s.Query())
	}
	return p
}

func mustExpr(t *testing.T, src string) Expr {
	t.Helper()
	x, diags := ParseExpr(src)
	if len(diags) > 0 {
		t.Fatalf("%s: %v", src, diags)
	}
	return x
}

func lit(t *testing.T, src string) *Literal {
	t.Helper()
	l, ok := mustExpr(t, src).(*Literal)
	if !ok {
		t.Fatalf("%s: not a literal", src)
	}
	return l
}

func TestLiterals(t *testing.T) {
	day := int64(24 * time.Hour / 100)
	cases := []struct {
		src  string
		want Literal
	}{
		{`42`, Literal{Kind: LitLong, Int: 42}},
		{`-42`, Literal{Kind: LitLong, Int: -42}},
		{`-9223372036854775808`, Literal{Kind: LitLong, Int: math.MinInt64}},
		{`0x1F`, Literal{Kind: LitLong, Int: 31}},
		{`int(7)`, Literal{Kind: LitInt, Int: 7}},
		{`long(-1)`, Literal{Kind: LitLong, Int: -1}},
		{`long(null)`, Literal{Kind: LitLong, Null: true}},
		{`1.5`, Literal{Kind: LitReal, Real: 1.5}},
		{`1e5`, Literal{Kind: LitReal, Real: 1e5}},
		{`1.`, Literal{Kind: LitReal, Real: 1}},
		{`real(+inf)`, Literal{Kind: LitReal, Real: math.Inf(1)}},
		{`decimal(2.5)`, Literal{Kind: LitDecimal, Real: 2.5}},
		{`true`, Literal{Kind: LitBool, Bool: true}},
		{`bool(false)`, Literal{Kind: LitBool}},
		{`null`, Literal{Kind: LitNull, Null: true}},
		{`"a\tb\u0041\"\\"`, Literal{Kind: LitString, Str: "a\tbA\"\\"}},
		{`'it\'s'`, Literal{Kind: LitString, Str: "it's"}},
		{`@"c:\temp\""x"`, Literal{Kind: LitString, Str: `c:\temp\"x`}},
		{`@'a''b'`, Literal{Kind: LitString, Str: `a'b`}},
		{`h"secret"`, Literal{Kind: LitString, Str: "secret", Obfuscated: true}},
		{`H@'x\y'`, Literal{Kind: LitString, Str: `x\y`, Obfuscated: true}},
		{"```a\nb```", Literal{Kind: LitString, Str: "a\nb"}},
		{"~~~x~~~", Literal{Kind: LitString, Str: "x"}},
		{`"a" 'b' @"c"`, Literal{Kind: LitString, Str: "abc"}},
		{`1d`, Literal{Kind: LitTimeSpan, Ticks: day}},
		{`1.5h`, Literal{Kind: LitTimeSpan, Ticks: 54_000_000_000}},
		{`5m`, Literal{Kind: LitTimeSpan, Ticks: 3_000_000_000}},
		{`30s`, Literal{Kind: LitTimeSpan, Ticks: 300_000_000}},
		{`100ms`, Literal{Kind: LitTimeSpan, Ticks: 1_000_000}},
		{`2microseconds`, Literal{Kind: LitTimeSpan, Ticks: 20}},
		{`10ticks`, Literal{Kind: LitTimeSpan, Ticks: 10}},
		{`-1h`, Literal{Kind: LitTimeSpan, Ticks: -36_000_000_000}},
		{`time(1d)`, Literal{Kind: LitTimeSpan, Ticks: day}},
		{`timespan(2)`, Literal{Kind: LitTimeSpan, Ticks: 2 * day}},
		{`time(1.02:03:04.5)`, Literal{Kind: LitTimeSpan, Ticks: day + 2*36_000_000_000 + 3*600_000_000 + 4*10_000_000 + 5_000_000}},
		{`timespan(00:05:00)`, Literal{Kind: LitTimeSpan, Ticks: 3_000_000_000}},
		{`guid(74be27de-1e4e-49d9-b579-fe0b331d3642)`, Literal{Kind: LitGuid, Guid: [16]byte{0x74, 0xbe, 0x27, 0xde, 0x1e, 0x4e, 0x49, 0xd9, 0xb5, 0x79, 0xfe, 0x0b, 0x33, 0x1d, 0x36, 0x42}}},
	}
	for _, c := range cases {
		got := lit(t, c.src)
		got.Span = Span{}
		if got.Kind == LitReal && math.IsInf(c.want.Real, 1) && math.IsInf(got.Real, 1) {
			continue
		}
		if !reflect.DeepEqual(*got, c.want) {
			t.Errorf("%s = %+v, want %+v", c.src, *got, c.want)
		}
	}
	if l := lit(t, `real(nan)`); !math.IsNaN(l.Real) {
		t.Errorf("real(nan) = %v", l.Real)
	}
	if d := lit(t, `1.5h`).Duration(); d != 90*time.Minute {
		t.Errorf("Duration = %v", d)
	}
}

func TestDateTimes(t *testing.T) {
	cases := map[string]string{
		`datetime(2024-01-31)`:                        "2024-01-31T00:00:00Z",
		`datetime(2024-01-31 12:30)`:                  "2024-01-31T12:30:00Z",
		`datetime(2024-01-31T12:30:45.1234567Z)`:      "2024-01-31T12:30:45.1234567Z",
		`datetime(2024-01-31T12:30:45+02:00)`:         "2024-01-31T10:30:45Z",
		`datetime("2019-01-20T10:02:51.000")`:         "2019-01-20T10:02:51Z",
		`datetime("01/16/2022 00:00:00")`:             "2022-01-16T00:00:00Z",
		`datetime(Sat, 8 Nov 2014 15:05:02 GMT)`:      "2014-11-08T15:05:02Z",
		`datetime(1 Jan 2020)`:                        "2020-01-01T00:00:00Z",
		`datetime(2020/01/02)`:                        "2020-01-02T00:00:00Z",
		`datetime(20200102)`:                          "2020-01-02T00:00:00Z",
		`dynamic([datetime(2020-01-01)])[0]`:          "",
		`datetime(2015-12-31 23:59:59.9)`:             "2015-12-31T23:59:59.9Z",
		`datetime(2024-02-29T00:00:00.0000000Z)`:      "2024-02-29T00:00:00Z",
		`datetime(2024-01-31T12:30:45.123456789Z)`:    "2024-01-31T12:30:45.123456789Z",
		`datetime(2024-01-31T12:30:45.12345678Z) `:    "2024-01-31T12:30:45.12345678Z",
		`datetime(   2024-01-31T12:30:45Z   )`:        "2024-01-31T12:30:45Z",
		`datetime(2024-01-31T12:30:45.5-05:00)`:       "2024-01-31T17:30:45.5Z",
		`datetime(2024-01-31T12:30:45.5z)`:            "2024-01-31T12:30:45.5Z",
		`datetime(2024-01-31T12)`:                     "2024-01-31T12:00:00Z",
		`datetime(2024-01)`:                           "2024-01-01T00:00:00Z",
		`datetime(Monday, 02-Jan-06 15:04:05 GMT)`:    "2006-01-02T15:04:05Z",
		`datetime(2024-01-31 12:30:45.123 )`:          "2024-01-31T12:30:45.123Z",
		`datetime(2024-01-31   12:30:45)`:             "2024-01-31T12:30:45Z",
		`date(2024-01-31)`:                            "2024-01-31T00:00:00Z",
		`datetime(2024-01-31T12:30:45.1234567+00:00)`: "2024-01-31T12:30:45.1234567Z",
	}
	for src, want := range cases {
		if want == "" {
			continue
		}
		l := lit(t, src)
		if l.Kind != LitDateTime {
			t.Errorf("%s: kind %v", src, l.Kind)
			continue
		}
		if got := l.Time.Format(time.RFC3339Nano); got != want {
			t.Errorf("%s = %s, want %s", src, got, want)
		}
	}
	for _, bad := range []string{`datetime(2024-13-01)`, `datetime(yesterday)`, `guid(xyz)`, `int(x)`, `timespan(1y)`, `bool(maybe)`} {
		if _, diags := ParseExpr(bad); len(diags) != 1 || diags[0].Code != CodeBadLiteral {
			t.Errorf("%s: diagnostics %v, want one %s", bad, diags, CodeBadLiteral)
		}
	}
}

func TestDynamicLiteral(t *testing.T) {
	d, ok := mustExpr(t, `dynamic({"a": [1, 'b', 2.5, true, null, -3, 1h, datetime(2020-01-01)], "c": {}})`).(*DynamicLit)
	if !ok {
		t.Fatal("not a dynamic literal")
	}
	want := map[string]any{
		"a": []any{int64(1), "b", 2.5, true, nil, int64(-3), time.Hour, time.Date(2020, 1, 1, 0, 0, 0, 0, time.UTC)},
		"c": map[string]any{},
	}
	if got := d.Go(); !reflect.DeepEqual(got, want) {
		t.Errorf("Go() = %#v\nwant %#v", got, want)
	}
	if n := mustExpr(t, `dynamic(null)`).(*DynamicLit); n.Go() != nil {
		t.Errorf("dynamic(null) = %v", n.Go())
	}
}

func TestPrecedence(t *testing.T) {
	cases := map[string]string{
		`a or b and c`:             `a or (b and c)`,
		`a and b or c`:             `(a and b) or c`,
		`a + b * c - d`:            `(a + (b * c)) - d`,
		`x < 5 == true`:            `(x < 5) == true`,
		`a == 1 and b has "x"`:     `(a == 1) and (b has "x")`,
		`-a * b`:                   `(-a) * b`,
		`a - -1`:                   `a - -1`,
		`x in (1, 2) or y`:         `(x in (1, 2)) or y`,
		`x between (1 .. 2) and y`: `(x between (1 .. 2)) and y`,
		`d.a.b[0].c`:               `d.a.b[0].c`,
		`f(x).y`:                   `f(x).y`,
		`not(a) and b`:             `not(a) and b`,
	}
	for src, want := range cases {
		got := Format(mustExpr(t, src))
		wantF := Format(stripParens(mustExpr(t, want)))
		if got != wantF {
			t.Errorf("%s parses as %s, want %s", src, got, wantF)
		}
		if d := astDiff(stripParens(mustExpr(t, src)), stripParens(mustExpr(t, want))); d != "" {
			t.Errorf("%s vs %s: %s", src, want, d)
		}
	}
}

// stripParens removes ParenExprs so that trees compare by structure.
func stripParens(x Expr) Expr {
	switch v := x.(type) {
	case *ParenExpr:
		return stripParens(v.X)
	case *BinaryExpr:
		v.X, v.Y = stripParens(v.X), stripParens(v.Y)
	case *UnaryExpr:
		v.X = stripParens(v.X)
	case *InExpr:
		v.X = stripParens(v.X)
	case *BetweenExpr:
		v.X = stripParens(v.X)
	}
	return x
}

func TestOperators(t *testing.T) {
	p := mustQuery(t, `T | join kind=leftouter hint.strategy=broadcast (U | where x) on $left.a == $right.b, c, $right.d == $left.e`)
	j := p.Ops[0].(*JoinOp)
	if j.Kind != "leftouter" || len(j.Params) != 1 || j.Params[0].Name != "hint.strategy" {
		t.Errorf("join kind %q params %v", j.Kind, j.Params)
	}
	if _, ok := j.Right.(*ParenExpr).X.(*PipeExpr); !ok {
		t.Errorf("join right %T", j.Right)
	}
	keys := [][2]string{}
	for _, c := range j.On {
		keys = append(keys, [2]string{c.Left.Name, c.Right.Name})
	}
	if want := [][2]string{{"a", "b"}, {"c", "c"}, {"e", "d"}}; !reflect.DeepEqual(keys, want) {
		t.Errorf("join keys %v, want %v", keys, want)
	}

	u := mustQuery(t, `union isfuzzy=true withsource=Src kind=outer Device*, (U | take 1), W, workspace("x").T`).Ops[0].(*UnionOp)
	if !u.IsFuzzy || u.WithSource.Name != "Src" || u.Kind != "outer" || len(u.Tables) != 4 {
		t.Errorf("union %+v", u)
	}
	if np, ok := u.Tables[0].(*NamePattern); !ok || np.Pattern != "Device*" {
		t.Errorf("union table 0: %#v", u.Tables[0])
	}
	if _, ok := u.Tables[3].(*MemberExpr); !ok {
		t.Errorf("union table 3: %T", u.Tables[3])
	}

	s := mustQuery(t, `T | summarize hint.shufflekey=k n = count(), dcount(x) by k, bin(t, 1h)`).Ops[0].(*SummarizeOp)
	if len(s.Params) != 1 || len(s.Aggs) != 2 || s.Aggs[0].Name() != "n" || s.Aggs[1].Name() != "" || len(s.By) != 2 {
		t.Errorf("summarize %+v", s)
	}
	if len(mustQuery(t, `T | summarize by x`).Ops[0].(*SummarizeOp).Aggs) != 0 {
		t.Error("summarize by x has aggregations")
	}

	m := mustQuery(t, `T | mv-expand bagexpansion=array with_itemindex=i x to typeof(string), y = d.arr limit 10`).Ops[0].(*MvExpandOp)
	if m.BagExpansion != "array" || m.WithItemIndex.Name != "i" || len(m.Cols) != 2 || m.Cols[0].ToType.Canonical() != "string" ||
		m.Cols[1].Name.Name != "y" || m.Limit.(*Literal).Int != 10 {
		t.Errorf("mv-expand %+v", m)
	}

	pa := mustQuery(t, `T | parse kind=regex flags=Ui msg with * "user=" user:string " id=" id:long *`).Ops[0].(*ParseOp)
	if pa.Kind != "regex" || pa.Flags != "Ui" || len(pa.Parts) != 6 || !pa.Parts[0].Star || pa.Parts[1].Literal.Str != "user=" ||
		pa.Parts[2].Column.Name != "user" || pa.Parts[4].Type.Name != "long" {
		t.Errorf("parse %+v", pa)
	}

	ms := mustQuery(t, `T | make-series n = count() default = 0 on Timestamp from ago(1d) to now() step 1h by Host`).Ops[0].(*MakeSeriesOp)
	if len(ms.Aggs) != 1 || ms.Aggs[0].Default == nil || ms.From == nil || ms.To == nil || ms.Step == nil || len(ms.By) != 1 || ms.InRange {
		t.Errorf("make-series %+v", ms)
	}

	so := mustQuery(t, `T | sort by a asc nulls first, b`).Ops[0].(*SortOp)
	if so.Keys[0].Order != SortAsc || so.Keys[0].Nulls != NullsFirst || so.Keys[1].Order != SortDefault {
		t.Errorf("sort %+v %+v", so.Keys[0], so.Keys[1])
	}

	ex := mustQuery(t, `T | extend (a, b) = f(x), c = 1, d`).Ops[0].(*ExtendOp)
	if len(ex.Cols[0].Names) != 2 || ex.Cols[1].Name() != "c" || len(ex.Cols[2].Names) != 0 {
		t.Errorf("extend %+v", ex.Cols)
	}

	ma := mustQuery(t, `T | mv-apply x to typeof(long) on (where x > 1 | summarize count())`).Ops[0].(*MvApplyOp)
	if ma.Sub.Input != nil || len(ma.Sub.Ops) != 2 {
		t.Errorf("mv-apply sub %+v", ma.Sub)
	}

	tn := mustQuery(t, `T | top-nested 3 of x with others = "o" by c = count() desc, top-nested of y by max(z)`).Ops[0].(*TopNestedOp)
	if len(tn.Levels) != 2 || tn.Levels[0].Others == nil || tn.Levels[0].Order != SortDesc || tn.Levels[1].Count != nil {
		t.Errorf("top-nested %+v", tn.Levels)
	}
}

func TestStatements(t *testing.T) {
	s, diags := Parse("set notruncation;\ndeclare query_parameters(n:long = 10);\nlet f = (T:(*), k:string = \"a\") { let y = 1; T | where c == k };\nlet v = view () { Heartbeat };\nf(SigninLogs) | take n")
	if len(diags) > 0 {
		t.Fatal(diags)
	}
	if len(s.Stmts) != 5 {
		t.Fatalf("%d statements", len(s.Stmts))
	}
	if st := s.Stmts[0].(*SetStmt); st.Name.Name != "notruncation" || st.Value != nil {
		t.Errorf("set %+v", st)
	}
	if d := s.Stmts[1].(*DeclareStmt); len(d.Params) != 1 || d.Params[0].Default == nil {
		t.Errorf("declare %+v", d)
	}
	fd := s.Stmts[2].(*LetStmt).Value.(*FuncDecl)
	if len(fd.Params) != 2 || fd.Params[0].Table == nil || !fd.Params[0].Table.Star || fd.Params[1].Type.Name != "string" ||
		len(fd.Body.Stmts) != 1 || fd.Body.Result == nil {
		t.Errorf("function %+v", fd)
	}
	if v := s.Stmts[3].(*LetStmt).Value.(*FuncDecl); !v.View {
		t.Error("view not marked")
	}
	if _, ok := s.Query().(*PipeExpr); !ok {
		t.Errorf("query %T", s.Query())
	}
	if s, diags := Parse("let a = 1;\nlet b = a + 1;"); len(diags) > 0 || s.Query() != nil || len(s.Stmts) != 2 {
		t.Errorf("let-only script: %v %v", diags, s.Stmts)
	}
	if s, diags := Parse(""); len(diags) > 0 || len(s.Stmts) != 0 {
		t.Errorf("empty script: %v", diags)
	}
}

func TestNamesAndPositions(t *testing.T) {
	src := "T | project type, kind, ['my col'], [\"x\"], $left, d.['k'], count"
	p := mustQuery(t, src)
	var names []string
	for _, c := range p.Ops[0].(*ProjectOp).Cols {
		names = append(names, Format(c.X))
	}
	want := []string{"type", "kind", "['my col']", "['x']", "$left", `d["k"]`, "count"}
	if !reflect.DeepEqual(names, want) {
		t.Errorf("names %v, want %v", names, want)
	}
	c := p.Ops[0].(*ProjectOp).Cols[2].X.(*Ident)
	if c.Name != "my col" || !c.Quoted || src[c.Pos():c.End()] != "['my col']" {
		t.Errorf("bracketed name %+v (%q)", c, src[c.Pos():c.End()])
	}
	b := mustExpr(t, "a  ==  b").(*BinaryExpr)
	if b.OpPos != 3 || b.Pos() != 0 || b.End() != 8 {
		t.Errorf("binary span %d-%d op at %d", b.Pos(), b.End(), b.OpPos)
	}
	// Columns count characters: é is one column, two bytes.
	_, diags := Parse("T\n| where x == 'é\n| take 1")
	if len(diags) == 0 || diags[0].Line != 2 || diags[0].Col != 16 {
		t.Errorf("diagnostic position %v", diags)
	}
}
