package syntax

import (
	"math"
	"strconv"
	"strings"
	"unicode/utf8"
)

// Format renders a node as compact KQL on one line (statements of a script
// are separated by "; "). Parsing the result gives the same tree up to
// positions, so it serves error messages, logs and tests.
func Format(n Node) string {
	var f formatter
	f.node(n)
	return f.b.String()
}

type formatter struct {
	b strings.Builder
}

func (f *formatter) s(parts ...string) {
	for _, p := range parts {
		f.b.WriteString(p)
	}
}

// node writes any node.
func (f *formatter) node(n Node) {
	if isNil(n) {
		return
	}
	switch n := n.(type) {
	case *Script:
		for i, st := range n.Stmts {
			if i > 0 {
				f.s("; ")
			}
			f.node(st)
		}
	case *LetStmt:
		f.s("let ")
		f.ident(n.Name)
		f.s(" = ")
		f.node(n.Value)
	case *SetStmt:
		f.s("set ", n.Name.Name)
		if n.Value != nil {
			f.s(" = ")
			f.node(n.Value)
		}
	case *DeclareStmt:
		f.s("declare query_parameters(")
		f.params(n.Params)
		f.s(")")
	case *AliasStmt:
		f.s("alias database ")
		f.ident(n.Name)
		f.s(" = ")
		f.node(n.Value)
	case *PatternStmt:
		f.s("declare pattern ")
		f.ident(n.Name)
	case *ExprStmt:
		f.node(n.X)
	case *BadStmt:
		f.s("<?>")
	case *FuncDecl:
		if n.View {
			f.s("view ")
		}
		f.s("(")
		f.params(n.Params)
		f.s(") ")
		f.node(n.Body)
	case *Block:
		f.s("{ ")
		for _, st := range n.Stmts {
			f.node(st)
			f.s("; ")
		}
		f.node(n.Result)
		f.s(" }")
	case *FuncParam:
		f.param(n)
	case *TypeRef:
		f.s(n.Name)
	case *TableSchema:
		f.schema(n)
	case *ColumnDecl:
		f.ident(n.Name)
		f.s(":", n.Type.Name)
	case *Param:
		f.s(n.Name, "=")
		f.node(n.Value)
	case *NamedExpr:
		f.named(n)
	case *DynField:
		f.s(quoteString(n.Key, false), ": ")
		f.node(n.Value)
	case Op:
		f.op(n)
	case Expr:
		f.expr(n, 0)
	default:
		f.opPart(n)
	}
}

func (f *formatter) params(ps []*FuncParam) {
	for i, p := range ps {
		if i > 0 {
			f.s(", ")
		}
		f.param(p)
	}
}

func (f *formatter) param(p *FuncParam) {
	f.ident(p.Name)
	f.s(":")
	if p.Table != nil {
		f.schema(p.Table)
	} else if p.Type != nil {
		f.s(p.Type.Name)
	}
	if p.Default != nil {
		f.s(" = ")
		f.expr(p.Default, 0)
	}
}

func (f *formatter) schema(s *TableSchema) {
	f.s("(")
	for i, c := range s.Columns {
		if i > 0 {
			f.s(", ")
		}
		f.ident(c.Name)
		f.s(":", c.Type.Name)
	}
	if s.Star {
		if len(s.Columns) > 0 {
			f.s(", ")
		}
		f.s("*")
	}
	f.s(")")
}

func (f *formatter) named(n *NamedExpr) {
	switch len(n.Names) {
	case 0:
	case 1:
		f.ident(n.Names[0])
		f.s(" = ")
	default:
		f.s("(")
		for i, id := range n.Names {
			if i > 0 {
				f.s(", ")
			}
			f.ident(id)
		}
		f.s(") = ")
	}
	f.expr(n.X, 0)
}

func (f *formatter) ident(id *Ident) {
	if id == nil {
		return
	}
	if id.Quoted {
		f.s("[", quoteSingle(id.Name), "]")
		return
	}
	f.s(FormatName(id.Name))
}

// FormatName returns name as written in KQL: as is when it is a plain
// identifier, else bracketed and quoted (['my column']).
func FormatName(name string) string {
	if plainName(name) {
		return name
	}
	return "[" + quoteSingle(name) + "]"
}

// plainName reports whether name lexes as itself, one identifier that is
// no keyword the parser would take for something else.
func plainName(name string) bool {
	if name == "" || reserved[name] || sourceOps[name] || name == "true" || name == "false" || name == "null" ||
		name == "in~" || strings.Contains(name, "-") {
		return false
	}
	return lexesAsIdent(name)
}

// lexesAsIdent reports whether name is exactly one identifier token.
func lexesAsIdent(name string) bool {
	lx := NewLexer(name)
	t := lx.Next()
	return t.Kind == TokIdent && t.Pos == 0 && t.End == len(name) && len(lx.Diagnostics()) == 0
}

// quoteSingle renders s as a single-quoted KQL string (for ['names']).
func quoteSingle(s string) string {
	q := quoteString(s, false)
	q = strings.ReplaceAll(q[1:len(q)-1], `\"`, `"`)
	return "'" + strings.ReplaceAll(q, "'", `\'`) + "'"
}

// precedence levels of binary operators (higher binds tighter).
func precedence(op BinaryOp) int {
	switch op {
	case OpOr:
		return 1
	case OpAnd:
		return 2
	case OpLt, OpLe, OpGt, OpGe:
		return 4
	case OpAdd, OpSub:
		return 5
	case OpMul, OpDiv, OpMod:
		return 6
	}
	return 3 // equality and string operators
}

// expr writes x; prec is the binding level of the context, and a lower
// level expression is parenthesized (only for trees not from the parser:
// parsed trees keep their ParenExprs).
func (f *formatter) expr(x Expr, prec int) {
	switch x := x.(type) {
	case nil:
	case *BinaryExpr:
		p := precedence(x.Op)
		if p < prec {
			f.s("(")
		}
		f.expr(x.X, p)
		f.s(" ", x.Op.String(), " ")
		f.expr(x.Y, p+1)
		if p < prec {
			f.s(")")
		}
	case *InExpr:
		if prec > 3 {
			f.s("(")
		}
		f.expr(x.X, 3) // left-associative, like the other equality-level operators
		f.s(" ", x.Op.String(), " (")
		f.exprList(x.List)
		f.s(")")
		if prec > 3 {
			f.s(")")
		}
	case *BetweenExpr:
		if prec > 3 {
			f.s("(")
		}
		f.expr(x.X, 3) // left-associative, like the other equality-level operators
		if x.Not {
			f.s(" !between (")
		} else {
			f.s(" between (")
		}
		f.expr(x.Lo, 0)
		f.s(" .. ")
		f.expr(x.Hi, 0)
		f.s(")")
		if prec > 3 {
			f.s(")")
		}
	case *UnaryExpr:
		if x.Op == OpNeg {
			f.s("-")
		} else {
			f.s("+")
		}
		if _, ok := x.X.(*UnaryExpr); ok || isNumber(x.X) {
			f.s(" ") // "- 1" stays a negation; "-1" would be a literal
		}
		f.expr(x.X, 7)
	case *Ident:
		f.ident(x)
	case *Literal:
		f.s(FormatLiteral(x))
	case *DynamicLit:
		f.s("dynamic(")
		f.dyn(x.Value)
		f.s(")")
	case *CallExpr:
		if x.Target != nil {
			f.expr(x.Target, 8)
			if isNumber(x.Target) {
				f.s(" ")
			}
			f.s(".")
		}
		f.s(x.Name.Name)
		if typedLitNames[x.Name.Name] {
			f.s(" ") // int(...) right after the name would be a typed literal
		}
		f.s("(")
		f.exprList(x.Args)
		f.s(")")
	case *NamedArg:
		f.s(x.Name.Name)
		f.s(" = ")
		f.expr(x.Value, 0)
	case *StarExpr:
		f.s("*")
	case *MemberExpr:
		f.expr(x.X, 8)
		if isNumber(x.X) {
			f.s(" ") // 0 .a: "0.a" would lex as a real
		}
		if lexesAsIdent(x.Name.Name) {
			f.s(".", x.Name.Name) // any name is a property after '.', keywords too
		} else {
			f.s("[", quoteString(x.Name.Name, false), "]")
		}
	case *IndexExpr:
		f.expr(x.X, 8)
		f.s("[")
		f.expr(x.Index, 0)
		f.s("]")
	case *ParenExpr:
		f.s("(")
		f.expr(x.X, 0)
		f.s(")")
	case *TypeOfExpr:
		f.s("typeof(")
		if x.Type != nil {
			f.s(x.Type.Name)
		} else if x.Schema != nil {
			s := x.Schema
			f.b.WriteString(strings.TrimSuffix(strings.TrimPrefix(Format(s), "("), ")"))
		}
		f.s(")")
	case *ListExpr:
		f.exprList(x.Elems)
	case *NamePattern:
		f.s(x.Pattern)
	case *PipeExpr:
		if x.Input != nil {
			f.expr(x.Input, 0)
		}
		for i, op := range x.Ops {
			if i > 0 || x.Input != nil {
				f.s(" | ")
			}
			f.op(op)
		}
	case *DataTableExpr:
		f.s("datatable")
		f.paramList(x.Params)
		f.schema(x.Schema)
		f.s(" [")
		f.exprList(x.Values)
		f.s("]")
	case *ExternalDataExpr:
		f.s("externaldata")
		f.paramList(x.Params)
		f.schema(x.Schema)
		f.s(" [")
		f.exprList(x.URIs)
		f.s("]")
		if len(x.With) > 0 {
			f.s(" with (")
			f.withList(x.With)
			f.s(")")
		}
	case *FuncDecl:
		f.node(x)
	case *BadExpr:
		f.s("<?>")
	}
}

// isNumber reports whether x formats as a bare number or timespan.
func isNumber(x Expr) bool {
	l, ok := x.(*Literal)
	return ok && !l.Null && (l.Kind == LitLong || l.Kind == LitReal || l.Kind == LitTimeSpan)
}

func (f *formatter) exprList(xs []Expr) {
	for i, x := range xs {
		if i > 0 {
			f.s(", ")
		}
		f.expr(x, 0)
	}
}

func (f *formatter) paramList(ps []*Param) {
	for _, p := range ps {
		f.s(" ", p.Name, "=")
		f.expr(p.Value, 0)
	}
	f.s(" ")
}

func (f *formatter) withList(ps []*Param) {
	for i, p := range ps {
		if i > 0 {
			f.s(", ")
		}
		f.s(p.Name, "=")
		f.expr(p.Value, 0)
	}
}

func (f *formatter) dyn(v DynValue) {
	switch v := v.(type) {
	case *DynArray:
		f.s("[")
		for i, e := range v.Elems {
			if i > 0 {
				f.s(", ")
			}
			f.dyn(e)
		}
		f.s("]")
	case *DynObject:
		f.s("{")
		for i, fl := range v.Fields {
			if i > 0 {
				f.s(", ")
			}
			f.s(quoteString(fl.Key, false), ": ")
			f.dyn(fl.Value)
		}
		f.s("}")
	case *Literal:
		f.s(FormatLiteral(v))
	}
}

// FormatLiteral renders a literal so that it parses back to the same
// value.
func FormatLiteral(l *Literal) string {
	if l.Null {
		if l.Kind == LitNull {
			return "null"
		}
		return l.Kind.String() + "(null)"
	}
	switch l.Kind {
	case LitNull:
		return "null"
	case LitBool:
		return strconv.FormatBool(l.Bool)
	case LitInt:
		return "int(" + strconv.FormatInt(l.Int, 10) + ")"
	case LitLong:
		return strconv.FormatInt(l.Int, 10)
	case LitReal:
		return formatReal(l.Real, false)
	case LitDecimal:
		return "decimal(" + formatReal(l.Real, true) + ")"
	case LitString:
		return quoteString(l.Str, l.Obfuscated)
	case LitDateTime:
		return "datetime(" + l.Time.UTC().Format("2006-01-02T15:04:05.9999999Z07:00") + ")"
	case LitTimeSpan:
		return formatTicks(l.Ticks)
	case LitGuid:
		g := l.Guid
		const hexd = "0123456789abcdef"
		var b []byte
		for i, c := range g {
			if i == 4 || i == 6 || i == 8 || i == 10 {
				b = append(b, '-')
			}
			b = append(b, hexd[c>>4], hexd[c&15])
		}
		return "guid(" + string(b) + ")"
	}
	return "<?>"
}

func formatReal(v float64, bare bool) string {
	switch {
	case math.IsNaN(v):
		if bare {
			return "nan"
		}
		return "real(nan)"
	case math.IsInf(v, 1):
		if bare {
			return "+inf"
		}
		return "real(+inf)"
	case math.IsInf(v, -1):
		if bare {
			return "-inf"
		}
		return "real(-inf)"
	}
	s := strconv.FormatFloat(v, 'g', -1, 64)
	if !strings.ContainsAny(s, ".e") {
		s += ".0"
	}
	return s
}

// formatTicks renders a timespan in the largest unit that divides it.
func formatTicks(t int64) string {
	units := []struct {
		n    int64
		name string
	}{{ticksPerDay, "d"}, {ticksPerHour, "h"}, {ticksPerMinute, "m"}, {ticksPerSecond, "s"},
		{ticksPerMilli, "ms"}, {10, "microseconds"}, {1, "ticks"}}
	if t == 0 {
		return "0s"
	}
	if t == math.MinInt64 {
		return "-9223372036854775807ticks"
	}
	for _, u := range units {
		if t%u.n == 0 {
			return strconv.FormatInt(t/u.n, 10) + u.name
		}
	}
	return strconv.FormatInt(t, 10) + "ticks"
}

// quoteString renders s as a double-quoted KQL string.
func quoteString(s string, obfuscated bool) string {
	var b strings.Builder
	if obfuscated {
		b.WriteByte('h')
	}
	b.WriteByte('"')
	for i := 0; i < len(s); {
		r, n := utf8.DecodeRuneInString(s[i:])
		switch {
		case r == '"' || r == '\\':
			b.WriteByte('\\')
			b.WriteRune(r)
		case r == '\n':
			b.WriteString(`\n`)
		case r == '\r':
			b.WriteString(`\r`)
		case r == '\t':
			b.WriteString(`\t`)
		case r == utf8.RuneError && n == 1:
			b.WriteByte(s[i]) // invalid UTF-8 is kept as is, as the lexer reads it
		case r < 0x20 || r == 0x7f:
			b.WriteString(`\u`)
			b.WriteString(hex4(r))
		default:
			b.WriteString(s[i : i+n])
		}
		i += n
	}
	b.WriteByte('"')
	return b.String()
}
