package eval

import (
	"fmt"
	"strings"

	"github.com/sentinel-mcp/sentinel-mcp/internal/kql/data"
	"github.com/sentinel-mcp/sentinel-mcp/internal/kql/syntax"
)

// maxCallDepth bounds nested user function calls (Kusto refuses recursion;
// the bound keeps a self-referencing function from exhausting the stack).
const maxCallDepth = 64

// windowFuncs are the functions that need the whole serialized row set.
var windowFuncs = map[string]bool{"row_number": true, "prev": true, "next": true, "row_cumsum": true,
	"row_rank_dense": true, "row_rank_min": true, "row_rank": true, "row_window_session": true}

// call compiles a function call in a scalar context.
func (c *compiler) call(x *syntax.CallExpr, sc *env, r *rel) (expr, error) {
	if hidden, ok := c.aggSubst[x]; ok {
		i := r.colIndex(hidden)
		return &colExpr{idx: i, t: r.schema.Columns[i].Type, name: hidden}, nil
	}
	name := x.Name.Name
	if x.Target != nil {
		return c.failExpr(errAt(x, SemType, name, "%s is a tabular expression; a scalar is expected here", c.text(x)))
	}
	if b, ok := sc.lookup(name); ok && b.fn != nil {
		return c.callUserScalar(b.fn, x, sc, r)
	}
	switch name {
	case "toscalar":
		return c.toscalar(x, sc)
	case "column_ifexists", "columnifexists":
		return c.columnIfExists(x, sc, r)
	case "pack_all", "bag_pack_all":
		return &packAllExpr{r: r}, nil
	case "ingestion_time":
		col := -1
		for _, n := range []string{"_TimeReceived", "TimeGenerated", "Timestamp"} {
			if i := r.colIndex(n); i >= 0 && r.schema.Columns[i].Type == data.DateTime {
				col = i
				break
			}
		}
		return &ingestionTimeExpr{col: col}, nil
	case "materialize", "table", "view":
		return c.failExpr(errAt(x, SemType, name, "%s() returns a table; a scalar is expected here", name))
	}
	if windowFuncs[name] {
		return c.window(x, sc, r)
	}
	if _, ok := lookupAgg(name); ok {
		if _, scalarToo := lookupFunc(name); !scalarToo {
			return c.failExpr(errAt(x, SemBadArgument, name, "%saggregation %s() can only be used in summarize, make-series or top-nested", c.opPrefix(), name))
		}
	}
	f, ok := lookupFunc(name)
	if !ok {
		if fd, found, err := c.lookupStored(name); found {
			if err != nil {
				return c.failExpr(reposition(err, x))
			}
			return c.callUserScalar(fd, x, sc, r)
		}
		if c.check {
			// Validation also reports what is wrong in the arguments.
			for _, a := range x.Args {
				if _, err := c.scalar(a, sc, r); err != nil {
					return nil, err
				}
			}
		}
		return c.failExpr(c.unknownFunction(x))
	}
	args := make([]expr, 0, len(x.Args))
	types := make([]data.Type, 0, len(x.Args))
	typeArg := data.Invalid
	for _, a := range x.Args {
		var e expr
		switch a := a.(type) {
		case *syntax.TypeOfExpr:
			if a.Type == nil {
				return c.failExpr(errAt(a, SemBadArgument, name, "%s(): typeof() needs a scalar type here", name))
			}
			t, ok := data.ParseType(a.Type.Name)
			if !ok {
				return c.failExpr(errAt(a, SemType, a.Type.Name, "unknown type %q", a.Type.Name))
			}
			typeArg = t
			e = constOf(data.StringValue(t.String()))
		default:
			var err error
			if e, err = c.scalar(a, sc, r); err != nil {
				return nil, err
			}
		}
		args = append(args, e)
		types = append(types, e.typ())
	}
	rt, err := f.resultType(types)
	if err != nil {
		sem := SemType
		if len(types) < f.minArgs || (f.maxArgs >= 0 && len(types) > f.maxArgs) {
			sem = SemArgCount
		}
		return c.failExpr(errAt(x, sem, name, "%s%v", c.opPrefix(), err))
	}
	if typeArg != data.Invalid && (name == "extract" || name == "extractjson" || name == "extract_json") {
		rt = typeArg
	}
	for _, i := range f.constArgs {
		if i < len(args) {
			if _, isConst := args[i].(*constExpr); !isConst {
				if _, lazy := args[i].(*lazyConstExpr); !lazy {
					return c.failExpr(errAt(x.Args[i], SemBadArgument, name, "%s(): argument %d must be a constant", name, i+1))
				}
			}
		}
	}
	e := &callExpr{fn: f, args: args, rt: rt}
	if !f.volatile && allConst(args) {
		v, err := c.evalConst(e)
		if err != nil {
			return nil, err
		}
		return constOf(v), nil
	}
	return e, nil
}

func allConst(args []expr) bool {
	for _, a := range args {
		if _, ok := a.(*constExpr); !ok {
			return false
		}
	}
	return true
}

// reposition reports an error from inside a stored function at the call.
func reposition(err *Error, call syntax.Node) *Error {
	e := *err
	e.Pos, e.End = call.Pos(), call.End()
	return &e
}

// unknownFunction builds the error for a call to a name that is no
// function, suggesting the nearest one.
func (c *compiler) unknownFunction(x *syntax.CallExpr) *Error {
	name := x.Name.Name
	cands := append(FunctionNames(), AggregationNames()...)
	cands = append(cands, c.global.allNames()...)
	sugg := nearest(name, cands)
	e := errAt(x.Name, SemUnknownFunction, name, "%sunknown function %s()%s", c.opPrefix(), name, didYouMean(sugg))
	e.Suggestion = sugg
	return e
}

// toscalar runs its tabular argument now and yields the first cell.
func (c *compiler) toscalar(x *syntax.CallExpr, sc *env) (expr, error) {
	if len(x.Args) < 1 || len(x.Args) > 2 {
		return c.failExpr(errAt(x, SemArgCount, "toscalar", "toscalar() expects 1 argument, got %d", len(x.Args)))
	}
	arg := x.Args[0]
	if !isTabularExpr(arg, sc, c) {
		// toscalar(scalar) is the scalar itself.
		return c.scalar(arg, sc, noRow)
	}
	sub, err := c.tabular(arg, sc)
	if err != nil {
		return nil, err
	}
	if len(sub.cols) == 0 {
		return constOf(data.NullValue(data.Dynamic)), nil
	}
	col := sub.dense(0)
	if col.N == 0 {
		return constOf(data.NullValue(col.Type)), nil
	}
	return constOf(col.Value(0)), nil
}

// columnIfExists is column_ifexists("name", default).
func (c *compiler) columnIfExists(x *syntax.CallExpr, sc *env, r *rel) (expr, error) {
	if len(x.Args) != 2 {
		return c.failExpr(errAt(x, SemArgCount, "column_ifexists", "column_ifexists() expects 2 arguments, got %d", len(x.Args)))
	}
	v, err := c.constArg(x.Args[0], sc)
	if err != nil {
		return nil, err
	}
	if i := r.colIndex(v.String()); i >= 0 {
		return &colExpr{idx: i, t: r.schema.Columns[i].Type, name: v.String()}, nil
	}
	return c.scalar(x.Args[1], sc, r)
}

// window compiles row_number, prev, next, row_cumsum and the row ranks,
// which read neighbouring rows of a serialized row set.
func (c *compiler) window(x *syntax.CallExpr, sc *env, r *rel) (expr, error) {
	name := x.Name.Name
	if !r.ordered && !r.open && !c.check {
		return c.failExpr(errAt(x, SemBadArgument, name, "%sfunction '%s' cannot be invoked in current context: the row set must be serialized (add serialize, or sort/order by first)", c.opPrefix(), name))
	}
	args := make([]expr, len(x.Args))
	for i, a := range x.Args {
		e, err := c.scalar(a, sc, r)
		if err != nil {
			return nil, err
		}
		args[i] = e
	}
	argc := func(lo, hi int) error {
		if len(args) < lo || len(args) > hi {
			_, err := c.fail(errAt(x, SemArgCount, name, "%s() expects %d to %d arguments, got %d", name, lo, hi, len(args)))
			return err
		}
		return nil
	}
	c.usesWindow = true
	switch name {
	case "row_number":
		if err := argc(0, 2); err != nil {
			return nil, err
		}
		e := &rowNumberExpr{}
		if len(args) > 0 {
			e.start = args[0]
		}
		if len(args) > 1 {
			e.restart = args[1]
		}
		return e, nil
	case "prev", "next":
		if err := argc(1, 3); err != nil {
			return nil, err
		}
		if len(args) == 0 {
			return placeholder(), nil
		}
		e := &prevNextExpr{x: args[0], offset: 1, next: name == "next"}
		if len(args) > 1 {
			v, err := c.constValue(args[1])
			if err != nil {
				return nil, err
			}
			n, ok := argInt(v)
			if !ok || n < 0 || n > 1<<20 {
				return c.failExpr(errAt(x.Args[1], SemBadArgument, name, "%s(): the offset must be a non-negative integer constant", name))
			}
			e.offset = int(n)
		}
		if len(args) > 2 {
			e.def = args[2]
		}
		return e, nil
	case "row_cumsum":
		if err := argc(1, 2); err != nil {
			return nil, err
		}
		if len(args) == 0 {
			return placeholder(), nil
		}
		e := &rowCumsumExpr{x: args[0]}
		if len(args) > 1 {
			e.restart = args[1]
		}
		return e, nil
	case "row_window_session":
		if err := argc(3, 4); err != nil {
			return nil, err
		}
		if len(args) < 3 {
			return placeholder(), nil
		}
		e := &rowWindowSessionExpr{x: args[0], fromFirst: args[1], between: args[2]}
		if len(args) > 3 {
			e.restart = args[3]
		}
		return e, nil
	default:
		if err := argc(1, 1); err != nil {
			return nil, err
		}
		if len(args) == 0 {
			return placeholder(), nil
		}
		return &rowRankExpr{x: args[0], dense: name == "row_rank_dense"}, nil
	}
}

// callUserScalar calls a user function whose result is a scalar. The body is
// compiled inline against the caller's rows, its parameters bound to the
// argument expressions.
func (c *compiler) callUserScalar(f *funcDef, x *syntax.CallExpr, sc *env, r *rel) (expr, error) {
	fenv, done, err := c.enterFunc(f, x, sc, r, nil)
	if err != nil {
		return nil, err
	}
	defer done()
	if f.result == nil {
		return c.failExpr(errAt(x, SemBadArgument, f.name, "function %s has no result expression", f.name))
	}
	if isTabularExpr(f.result, fenv, c) {
		return c.failExpr(errAt(x, SemType, f.name, "function %s returns a table; a scalar is expected here", f.name))
	}
	e, err := c.scalar(f.result, fenv, r)
	if err != nil {
		return nil, c.funcErr(f, x, err)
	}
	return e, nil
}

// funcErr reports an error from a stored function's body at the call.
func (c *compiler) funcErr(f *funcDef, call syntax.Node, err error) error {
	if !f.stored {
		return err
	}
	if e, ok := err.(*Error); ok {
		ne := reposition(e, call)
		ne.Message = fmt.Sprintf("in function %s: %s", f.name, e.Message)
		return ne
	}
	return err
}

// enterFunc binds a call's arguments in a new scope of the function and
// runs the body's let statements. input, when set, is the first tabular
// argument (invoke). done must be called when the body is compiled.
func (c *compiler) enterFunc(f *funcDef, x *syntax.CallExpr, sc *env, r *rel, input *rel) (*env, func(), error) {
	if c.depth >= maxCallDepth {
		return nil, nil, errAt(x, SemBadArgument, f.name, "function %s: calls nest deeper than %d (recursion is not allowed)", f.name, maxCallDepth)
	}
	c.depth++
	savedQuery, savedOp := c.query, c.opName
	firstDiag := len(c.diags)
	done := func() {
		c.depth--
		if f.stored {
			c.query = savedQuery
			for _, d := range c.diags[firstDiag:] {
				d.Pos, d.End = x.Pos(), x.End()
				d.Message = "in function " + f.name + ": " + d.Message
			}
		}
		c.opName = savedOp
	}
	bail := func(err error) (*env, func(), error) {
		done()
		return nil, nil, err
	}
	fenv := newEnv(f.env)
	var positional []syntax.Expr
	named := map[string]syntax.Expr{}
	for _, a := range x.Args {
		if na, ok := a.(*syntax.NamedArg); ok {
			named[na.Name.Name] = na.Value
			continue
		}
		positional = append(positional, a)
	}
	pi := 0
	for i, p := range f.params {
		if i == 0 && input != nil {
			if !p.tabular {
				return bail(errAt(x, SemType, f.name, "invoke: the first parameter of %s is not tabular", f.name))
			}
			fenv.setTable(p.name, boundTable(p.name, input))
			continue
		}
		var arg syntax.Expr
		if a, ok := named[p.name]; ok {
			arg = a
			delete(named, p.name)
		} else if pi < len(positional) {
			arg = positional[pi]
			pi++
		}
		switch {
		case arg == nil && p.def == nil:
			if ok, err := c.fail(errAt(x, SemArgCount, f.name, "function %s expects a value for its parameter %s", f.name, p.name)); !ok {
				return bail(err)
			}
			if p.tabular {
				fenv.setTable(p.name, boundTable(p.name, openRel()))
			} else {
				fenv.setScalar(p.name, placeholder())
			}
		case arg == nil:
			e, err := c.scalar(p.def, f.env, noRow)
			if err != nil {
				return bail(err)
			}
			fenv.setScalar(p.name, e)
		case p.tabular:
			t, err := c.tabular(arg, sc)
			if err != nil {
				return bail(err)
			}
			fenv.setTable(p.name, boundTable(p.name, t))
		default:
			e, err := c.scalar(arg, sc, r)
			if err != nil {
				return bail(err)
			}
			if p.t != data.Invalid && p.t != data.Dynamic && e.typ() != p.t && e.typ() != data.Dynamic {
				e = &convExpr{x: e, t: p.t}
			}
			fenv.setRowScalar(p.name, e, r)
		}
	}
	if pi < len(positional) || len(named) > 0 {
		if ok, err := c.fail(errAt(x, SemArgCount, f.name, "function %s expects %d arguments, got %d", f.name, len(f.params), len(x.Args))); !ok {
			return bail(err)
		}
	}
	if f.stored {
		c.query = ""
	}
	for _, st := range f.stmts {
		next, err := c.stmtIn(st, fenv, r)
		if err != nil {
			return bail(c.funcErr(f, x, err))
		}
		fenv = next
	}
	return fenv, done, nil
}

// stmtIn runs a statement of a function body; scalar lets may read the
// call's row (parameters bound to columns).
func (c *compiler) stmtIn(st syntax.Stmt, sc *env, r *rel) (*env, error) {
	if l, ok := st.(*syntax.LetStmt); ok && r != nil && r != noRow {
		if _, isFunc := l.Value.(*syntax.FuncDecl); !isFunc && !isTabularExpr(l.Value, sc, c) {
			e, err := c.scalar(l.Value, sc, r)
			if err != nil {
				return nil, err
			}
			sc = newEnv(sc)
			sc.setRowScalar(l.Name.Name, e, r)
			return sc, nil
		}
	}
	return c.stmt(st, sc)
}

// packAllExpr is pack_all(): a bag of every column of the row.
type packAllExpr struct{ r *rel }

func (e *packAllExpr) typ() data.Type { return data.Dynamic }
func (e *packAllExpr) eval(b *batch) (val, error) {
	cols := make([]*data.Vector, len(b.r.cols))
	for i := range cols {
		cols[i] = b.column(i)
	}
	bld := data.NewVectorBuilder(data.Dynamic, b.n)
	for i := 0; i < b.n; i++ {
		m := make(map[string]any, len(cols))
		for j, v := range cols {
			name := b.r.schema.Columns[j].Name
			if strings.HasPrefix(name, "\x00") {
				continue
			}
			m[name] = v.Value(i).Dynamic()
		}
		bld.AppendDynamic(m)
	}
	return vecVal(bld.Build()), nil
}
