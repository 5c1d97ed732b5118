package eval

import (
	"strings"

	"github.com/sentinel-mcp/sentinel-mcp/internal/kql/data"
	"github.com/sentinel-mcp/sentinel-mcp/internal/kql/syntax"
)

// placeholder is what validation substitutes for an expression it could
// not compile: a dynamic null, which every context accepts.
func placeholder() expr { return constOf(data.NullValue(data.Dynamic)) }

// failExpr reports err and returns a placeholder in validation mode.
func (c *compiler) failExpr(err *Error) (expr, error) {
	if ok, err := c.fail(err); !ok {
		return nil, err
	}
	return placeholder(), nil
}

// scalar compiles a scalar expression evaluated over the rows of r.
func (c *compiler) scalar(x syntax.Expr, sc *env, r *rel) (expr, error) {
	switch x := x.(type) {
	case *syntax.Literal:
		return constOf(literalValue(x)), nil
	case *syntax.DynamicLit:
		return constOf(data.DynamicValue(dynLit(x.Value))), nil
	case *syntax.Ident:
		return c.ident(x, sc, r)
	case *syntax.ParenExpr:
		if isTabularExpr(x.X, sc, c) {
			return c.failExpr(errAt(x, SemType, "", "a tabular expression cannot be used as a scalar here; wrap it in toscalar()"))
		}
		return c.scalar(x.X, sc, r)
	case *syntax.BinaryExpr:
		return c.binary(x, sc, r)
	case *syntax.InExpr:
		return c.inList(x, sc, r)
	case *syntax.BetweenExpr:
		v, err := c.scalar(x.X, sc, r)
		if err != nil {
			return nil, err
		}
		lo, err := c.scalar(x.Lo, sc, r)
		if err != nil {
			return nil, err
		}
		hi, err := c.scalar(x.Hi, sc, r)
		if err != nil {
			return nil, err
		}
		return &betweenExpr{x: v, lo: lo, hi: hi, negate: x.Not}, nil
	case *syntax.UnaryExpr:
		v, err := c.scalar(x.X, sc, r)
		if err != nil {
			return nil, err
		}
		if x.Op == syntax.OpPlus {
			return v, nil
		}
		t := v.typ()
		if !t.IsNumeric() && t != data.TimeSpan && t != data.Dynamic {
			return c.failExpr(errAt(x, SemType, "", "unary minus cannot be applied to a %s", t))
		}
		if k, ok := v.(*constExpr); ok {
			return constOf(negateScalar(k.v)), nil
		}
		return &negExpr{x: v}, nil
	case *syntax.CallExpr:
		return c.call(x, sc, r)
	case *syntax.MemberExpr:
		return c.member(x, sc, r)
	case *syntax.IndexExpr:
		base, err := c.dynamicBase(x.X, sc, r)
		if err != nil {
			return nil, err
		}
		idx, err := c.scalar(x.Index, sc, r)
		if err != nil {
			return nil, err
		}
		if k, ok := idx.(*constExpr); ok && unwrap(k.v).Type == data.String {
			return &memberExpr{x: base, key: unwrap(k.v).S}, nil
		}
		return &indexExpr{x: base, idx: idx}, nil
	case *syntax.PipeExpr, *syntax.DataTableExpr, *syntax.ExternalDataExpr:
		return c.failExpr(errAt(x, SemType, "", "a tabular expression cannot be used as a scalar here; wrap it in toscalar()"))
	case *syntax.StarExpr:
		return c.failExpr(errAt(x, SemBadArgument, "*", "'*' is not allowed here"))
	case *syntax.NamedArg:
		return c.failExpr(errAt(x, SemBadArgument, x.Name.Name, "named argument %s is not allowed here", x.Name.Name))
	case *syntax.TypeOfExpr:
		return c.failExpr(errAt(x, SemBadArgument, "typeof", "typeof() is only allowed as a function argument"))
	case *syntax.NamePattern:
		return c.failExpr(errAt(x, SemBadArgument, x.Pattern, "wildcard %q is not allowed here", x.Pattern))
	case *syntax.BadExpr:
		return c.failExpr(&Error{Code: CodeSyntax, Message: "the expression could not be parsed", Pos: x.Pos(), End: x.End()})
	case nil:
		return c.failExpr(&Error{Code: CodeSyntax, Message: "missing expression", Pos: -1, End: -1})
	}
	return c.failExpr(notSupportedAt(x, "expression", c.text(x)))
}

// literalValue decodes a literal.
func literalValue(l *syntax.Literal) data.Value {
	t := litType(l.Kind)
	if l.Null {
		return data.NullValue(t)
	}
	switch l.Kind {
	case syntax.LitBool:
		return data.BoolValue(l.Bool)
	case syntax.LitInt:
		return data.IntValue(l.Int)
	case syntax.LitLong:
		return data.LongValue(l.Int)
	case syntax.LitReal:
		return data.RealValue(l.Real)
	case syntax.LitDecimal:
		return data.DecimalValue(l.Real)
	case syntax.LitString:
		return data.StringValue(l.Str)
	case syntax.LitDateTime:
		return data.TimeValue(l.Time)
	case syntax.LitTimeSpan:
		return data.TimeSpanValue(l.Ticks)
	case syntax.LitGuid:
		return data.GuidValue(data.UUID(l.Guid))
	}
	return data.NullValue(data.Dynamic)
}

func litType(k syntax.LitKind) data.Type {
	switch k {
	case syntax.LitBool:
		return data.Bool
	case syntax.LitInt:
		return data.Int
	case syntax.LitLong:
		return data.Long
	case syntax.LitReal:
		return data.Real
	case syntax.LitDecimal:
		return data.Decimal
	case syntax.LitString:
		return data.String
	case syntax.LitDateTime:
		return data.DateTime
	case syntax.LitTimeSpan:
		return data.TimeSpan
	case syntax.LitGuid:
		return data.Guid
	}
	return data.Dynamic
}

// dynLit converts a dynamic literal to a normalized dynamic value.
func dynLit(v syntax.DynValue) any {
	switch v := v.(type) {
	case *syntax.DynArray:
		out := make([]any, len(v.Elems))
		for i, e := range v.Elems {
			out[i] = dynLit(e)
		}
		return out
	case *syntax.DynObject:
		out := make(map[string]any, len(v.Fields))
		for _, f := range v.Fields {
			out[f.Key] = dynLit(f.Value)
		}
		return out
	case *syntax.Literal:
		return literalValue(v).Dynamic()
	}
	return nil
}

// ident resolves a name in a scalar context: a column of the input, then a
// bound name.
func (c *compiler) ident(x *syntax.Ident, sc *env, r *rel) (expr, error) {
	if i := r.colIndex(x.Name); i >= 0 {
		return &colExpr{idx: i, t: r.schema.Columns[i].Type, name: x.Name}, nil
	}
	if b, ok := sc.lookup(x.Name); ok {
		if b.lazy != nil {
			e, err := b.lazy.get(x)
			if err != nil {
				return nil, err
			}
			return e, nil
		}
		switch {
		case b.scalar != nil:
			if b.rel != nil && b.rel != noRow && b.rel != r {
				if _, isConst := b.scalar.(*constExpr); !isConst {
					return c.failExpr(errAt(x, SemBadArgument, x.Name, "%s is bound to a column of another row set and cannot be used here", x.Name))
				}
			}
			return b.scalar, nil
		case b.table != nil:
			return c.failExpr(errAt(x, SemType, x.Name, "%s is a table; a scalar is expected here (use toscalar() for a single value)", x.Name))
		case b.fn != nil:
			return c.failExpr(errAt(x, SemType, x.Name, "%s is a function; call it with %s()", x.Name, x.Name))
		}
	}
	if r.open {
		return placeholder(), nil
	}
	if !x.Quoted && (strings.EqualFold(x.Name, "true") || strings.EqualFold(x.Name, "false")) {
		// True, FALSE ... are bool literals too.
		return constOf(data.BoolValue(strings.EqualFold(x.Name, "true"))), nil
	}
	return c.failExpr(c.unknownColumn(x, r, sc))
}

// unknownColumn builds the error for a name that is neither a column nor
// a bound scalar, suggesting the nearest column.
func (c *compiler) unknownColumn(x *syntax.Ident, r *rel, sc *env) *Error {
	cands := append(r.schema.Names(), sc.allNames()...)
	sugg := nearest(x.Name, cands)
	e := errAt(x, SemUnknownColumn, x.Name, "%sFailed to resolve scalar expression named '%s'%s", c.opPrefix(), x.Name, didYouMean(sugg))
	e.Suggestion = sugg
	return e
}

// opPrefix is "'where' operator: " while an operator is compiled, the way
// Kusto prefixes its messages.
func (c *compiler) opPrefix() string {
	if c.opName == "" {
		return ""
	}
	return "'" + c.opName + "' operator: "
}

// dynamicBase compiles the base of a member or index access. Strings holding
// JSON are parsed, as loosely typed queries expect.
func (c *compiler) dynamicBase(x syntax.Expr, sc *env, r *rel) (expr, error) {
	base, err := c.scalar(x, sc, r)
	if err != nil {
		return nil, err
	}
	if base.typ() == data.String {
		return &callExpr{fn: funcs["parse_json"], args: []expr{base}, rt: data.Dynamic}, nil
	}
	return base, nil
}

// member compiles X.Name.
func (c *compiler) member(x *syntax.MemberExpr, sc *env, r *rel) (expr, error) {
	if id, ok := x.X.(*syntax.Ident); ok && (id.Name == "$left" || id.Name == "$right") {
		return c.failExpr(errAt(x, SemBadArgument, id.Name, "%s can only be used in a join condition", id.Name))
	}
	base, err := c.dynamicBase(x.X, sc, r)
	if err != nil {
		return nil, err
	}
	return &memberExpr{x: base, key: x.Name.Name}, nil
}

// boolish reports whether an expression can serve as a predicate.
func boolish(e expr) bool {
	t := e.typ()
	return t == data.Bool || t == data.Dynamic
}

// binary compiles the binary operators.
func (c *compiler) binary(x *syntax.BinaryExpr, sc *env, r *rel) (expr, error) {
	l, err := c.scalar(x.X, sc, r)
	if err != nil {
		return nil, err
	}
	rt, err := c.scalar(x.Y, sc, r)
	if err != nil {
		return nil, err
	}
	switch x.Op {
	case syntax.OpAnd, syntax.OpOr:
		for i, e := range []expr{l, rt} {
			if !boolish(e) {
				n := []syntax.Expr{x.X, x.Y}[i]
				return c.failExpr(errAt(n, SemType, "", "the operands of '%s' must be bool, got %s", x.Op, e.typ()))
			}
		}
		return &logicExpr{and: x.Op == syntax.OpAnd, l: l, r: rt}, nil
	case syntax.OpEq, syntax.OpNe, syntax.OpLt, syntax.OpLe, syntax.OpGt, syntax.OpGe:
		ordering := x.Op != syntax.OpEq && x.Op != syntax.OpNe
		if !comparableTypes(l.typ(), rt.typ()) || ordering && !orderableTypes(l.typ(), rt.typ()) {
			return c.failExpr(errAt(x, SemType, "", "%sthe operator '%s' is not defined for the operand types %s and %s; %s", c.opPrefix(), x.Op, l.typ(), rt.typ(), compareHint(l.typ(), rt.typ(), ordering)))
		}
		return &cmpExpr{op: cmpOps[x.Op], l: l, r: rt}, nil
	case syntax.OpAdd, syntax.OpSub, syntax.OpMul, syntax.OpDiv, syntax.OpMod:
		op := arithOps[x.Op]
		t, err := arithType(op, l.typ(), rt.typ())
		if err != nil {
			return c.failExpr(errAt(x, SemType, "", "%s%v", c.opPrefix(), err))
		}
		if lk, ok := l.(*constExpr); ok {
			if rk, ok := rt.(*constExpr); ok {
				return constOf(arithScalar(op, lk.v, rk.v, t)), nil
			}
		}
		return &arithExpr{op: op, l: l, r: rt, rt: t}, nil
	case syntax.OpEqCI, syntax.OpNeCI:
		return c.strOp(x, "=~", x.Op == syntax.OpNeCI, l, rt)
	case syntax.OpMatchesRegex:
		return c.strOp(x, "matches regex", false, l, rt)
	}
	if pos, neg := x.Op.Negated(); pos >= syntax.OpHas && pos <= syntax.OpNotEndsWithCs {
		return c.strOp(x, pos.String(), neg, l, rt)
	}
	return c.failExpr(notSupportedAt(x, "operator", x.Op.String()))
}

var cmpOps = map[syntax.BinaryOp]cmpOp{syntax.OpEq: opEq, syntax.OpNe: opNe, syntax.OpLt: opLt, syntax.OpLe: opLe, syntax.OpGt: opGt, syntax.OpGe: opGe}

var arithOps = map[syntax.BinaryOp]arithOp{syntax.OpAdd: opAdd, syntax.OpSub: opSub, syntax.OpMul: opMul, syntax.OpDiv: opDiv, syntax.OpMod: opMod}

// comparableTypes reports whether two types may be compared. Kusto converts
// strings to the other side's type, so only the clearly meaningless pairs
// (a datetime against a number or a timespan...) are refused.
func comparableTypes(a, b data.Type) bool {
	if a == b || a == data.Dynamic || b == data.Dynamic || a == data.String || b == data.String || a == data.Invalid || b == data.Invalid {
		return true
	}
	class := func(t data.Type) int {
		switch {
		case t.IsNumeric() || t == data.Bool:
			return 1
		case t == data.DateTime:
			return 2
		case t == data.TimeSpan:
			return 3
		case t == data.Guid:
			return 4
		}
		return 5
	}
	return class(a) == class(b)
}

// orderableTypes reports whether <, <=, > and >= apply: Kusto orders
// numbers (with bools), datetimes with datetimes and timespans with
// timespans, but never strings or guids. A dynamic side is accepted with
// any of those: it may hold a datetime at run time, and it stands for the
// columns of tables and parsers Validate does not know.
func orderableTypes(a, b data.Type) bool {
	if a == data.Invalid || b == data.Invalid {
		return true
	}
	if a == data.Dynamic || b == data.Dynamic {
		other := a
		if a == data.Dynamic {
			other = b
		}
		return other != data.String && other != data.Guid
	}
	class := func(t data.Type) int {
		switch {
		case t.IsNumeric() || t == data.Bool:
			return 1
		case t == data.DateTime:
			return 2
		case t == data.TimeSpan:
			return 3
		}
		return 0
	}
	return class(a) != 0 && class(a) == class(b)
}

func compareHint(a, b data.Type, ordering bool) string {
	switch {
	case ordering && a == data.String && b == data.String:
		return "strings cannot be ordered: use strcmp(a, b) < 0"
	case a == data.String || b == data.String:
		return "convert the string (todatetime(), totimespan(), tolong(), todouble())"
	}
	return "convert one side (todatetime(), totimespan(), tolong(), todouble())"
}

// strOperandTypes checks the operands of a string operator as Kusto
// does: text (string or dynamic) on both sides.
func strOperandTypes(op string, l, r data.Type) bool {
	text := func(t data.Type) bool { return t == data.String || t == data.Dynamic || t == data.Invalid }
	return text(l) && text(r)
}

// strOp compiles a string operator. With a constant right side the
// predicate is prepared once (and a bad regex is reported at compile time).
func (c *compiler) strOp(x *syntax.BinaryExpr, op string, negate bool, l, r expr) (expr, error) {
	if !strOperandTypes(op, l.typ(), r.typ()) {
		name := x.Op.String()
		return c.failExpr(errAt(x, SemType, "", "%sthe operator '%s' is not defined for the operand types %s and %s; it compares text: convert with tostring()", c.opPrefix(), name, l.typ(), r.typ()))
	}
	e := &strOpExpr{op: op, negate: negate, l: l, r: r}
	if k, ok := r.(*constExpr); ok {
		p, err := makeStrPred(op, k.v.String())
		if err != nil {
			ee := asError(err, x.Y)
			ee.Pos, ee.End = x.Y.Pos(), x.Y.End()
			if ee.SemCode == "" && ee.Code == CodeSemantic {
				ee.SemCode = SemBadArgument
			}
			return c.failExpr(ee)
		}
		e.pred = p
	}
	return e, nil
}

// inList compiles in, !in, in~, !in~, has_any and has_all.
func (c *compiler) inList(x *syntax.InExpr, sc *env, r *rel) (expr, error) {
	v, err := c.scalar(x.X, sc, r)
	if err != nil {
		return nil, err
	}
	var items []expr
	for _, it := range x.List {
		if isTabularExpr(it, sc, c) {
			sub, err := c.tabular(it, sc)
			if err != nil {
				return nil, err
			}
			if len(sub.cols) == 0 {
				return c.failExpr(errAt(it, SemBadArgument, "", "the subquery of '%s' returns no column", x.Op))
			}
			col := sub.dense(0)
			vals := make([]data.Value, col.N)
			for i := range vals {
				vals[i] = col.Value(i)
			}
			items = append(items, &tabularListExpr{values: vals, done: true})
			continue
		}
		e, err := c.scalar(it, sc, r)
		if err != nil {
			return nil, err
		}
		items = append(items, e)
	}
	switch x.Op {
	case syntax.OpHasAny, syntax.OpHasAll:
		if t := v.typ(); t != data.String && t != data.Dynamic && t != data.Invalid {
			return c.failExpr(errAt(x.X, SemType, "", "%sthe left side of '%s' must be a string or dynamic value, got %s; convert it with tostring()", c.opPrefix(), x.Op, t))
		}
		var terms []string
		for i, it := range items {
			vals, ok, err := c.constItems(it)
			if err != nil {
				return nil, err
			}
			if !ok {
				return c.failExpr(errAt(x.List[i], SemBadArgument, "", "the values of %s must be constants", x.Op))
			}
			for _, val := range vals {
				terms = append(terms, termsOf(val)...)
			}
		}
		name := "has_any"
		if x.Op == syntax.OpHasAll {
			name = "has_all"
		}
		p, err := hasListPred(name, terms)
		if err != nil {
			return nil, err
		}
		return &multiStrExpr{l: v, pred: p}, nil
	}
	fold := x.Op == syntax.OpInCI || x.Op == syntax.OpNotInCI
	neg := x.Op == syntax.OpNotIn || x.Op == syntax.OpNotInCI
	e := &inExpr{x: v, items: items, fold: fold, negate: neg}
	return e, nil
}

// constItems returns the values of a constant in-list element.
func (c *compiler) constItems(e expr) ([]data.Value, bool, error) {
	switch e := e.(type) {
	case *tabularListExpr:
		return e.values, true, nil
	case *constExpr:
		return []data.Value{e.v}, true, nil
	case *lazyConstExpr:
		v, err := c.constValue(e)
		return []data.Value{v}, true, err
	}
	return nil, false, nil
}

// termsOf renders a value as the terms of a has_any list (arrays are
// flattened).
func termsOf(v data.Value) []string {
	v = unwrap(v)
	if v.Null {
		return nil
	}
	if v.Type == data.Dynamic {
		if arr, ok := v.D.([]any); ok {
			var out []string
			for _, e := range arr {
				out = append(out, termsOf(data.FromDynamic(e))...)
			}
			return out
		}
	}
	return []string{v.String()}
}
