package eval

import (
	"github.com/sentinel-mcp/sentinel-mcp/internal/kql/data"
)

// expr is a compiled, typed scalar expression evaluated over batches.
type expr interface {
	typ() data.Type
	eval(b *batch) (val, error)
}

type constExpr struct{ v data.Value }

func (e *constExpr) typ() data.Type           { return e.v.Type }
func (e *constExpr) eval(*batch) (val, error) { return constVal(e.v), nil }
func constOf(v data.Value) *constExpr         { return &constExpr{v: v} }
func isConstExpr(e expr) (data.Value, bool)   { c, ok := e.(*constExpr); return valueOf(c, ok) }
func valueOf(c *constExpr, ok bool) (data.Value, bool) {
	if !ok {
		return data.Value{}, false
	}
	return c.v, true
}

// colExpr reads a column of the input relation.
type colExpr struct {
	idx  int
	t    data.Type
	name string
}

func (e *colExpr) typ() data.Type { return e.t }
func (e *colExpr) eval(b *batch) (val, error) {
	return vecVal(b.column(e.idx)), nil
}

type arithExpr struct {
	op   arithOp
	l, r expr
	rt   data.Type
}

func (e *arithExpr) typ() data.Type { return e.rt }
func (e *arithExpr) eval(b *batch) (val, error) {
	l, err := e.l.eval(b)
	if err != nil {
		return val{}, err
	}
	r, err := e.r.eval(b)
	if err != nil {
		return val{}, err
	}
	return arithVec(e.op, l, r, e.rt, b.n), nil
}

type negExpr struct{ x expr }

func (e *negExpr) typ() data.Type { return e.x.typ() }
func (e *negExpr) eval(b *batch) (val, error) {
	x, err := e.x.eval(b)
	if err != nil {
		return val{}, err
	}
	if x.isConst() {
		return constVal(negateScalar(x.k)), nil
	}
	bld := data.NewVectorBuilder(e.typ(), b.n)
	for i := 0; i < b.n; i++ {
		bld.Append(negateScalar(x.v.Value(i)))
	}
	return vecVal(bld.Build()), nil
}

type cmpExpr struct {
	op   cmpOp
	l, r expr
}

func (e *cmpExpr) typ() data.Type { return data.Bool }
func (e *cmpExpr) eval(b *batch) (val, error) {
	l, err := e.l.eval(b)
	if err != nil {
		return val{}, err
	}
	r, err := e.r.eval(b)
	if err != nil {
		return val{}, err
	}
	return compareVec(e.op, l, r, b.n), nil
}

// logicExpr is and/or with Kusto's three-valued logic.
type logicExpr struct {
	and  bool
	l, r expr
}

func (e *logicExpr) typ() data.Type { return data.Bool }
func (e *logicExpr) eval(b *batch) (val, error) {
	l, err := e.l.eval(b)
	if err != nil {
		return val{}, err
	}
	r, err := e.r.eval(b)
	if err != nil {
		return val{}, err
	}
	return logic(e.and, l, r, b.n), nil
}

// tri returns a boolean's state: 0 false, 1 true, 2 null.
func tri(x val, i int) uint8 {
	var v data.Value
	if x.isConst() {
		v = x.k
	} else if x.v.Type == data.Bool {
		if x.v.IsNull(i) {
			return 2
		}
		if x.v.Bools[i] {
			return 1
		}
		return 0
	} else {
		v = x.v.Value(i)
	}
	v = unwrap(v)
	if v.Null || v.Type != data.Bool {
		return 2
	}
	if v.I != 0 {
		return 1
	}
	return 0
}

func logic(and bool, l, r val, n int) val {
	if l.isConst() && r.isConst() {
		return constVal(triValue(combine(and, tri(l, 0), tri(r, 0))))
	}
	out := make([]bool, n)
	var nulls data.Bitmap
	for i := 0; i < n; i++ {
		switch combine(and, tri(l, i), tri(r, i)) {
		case 1:
			out[i] = true
		case 2:
			if nulls == nil {
				nulls = data.NewBitmap(n)
			}
			nulls.Set(i)
		}
	}
	return vecVal(boolVec(out, nulls))
}

func combine(and bool, a, b uint8) uint8 {
	if and {
		switch {
		case a == 0 || b == 0:
			return 0
		case a == 1 && b == 1:
			return 1
		}
		return 2
	}
	switch {
	case a == 1 || b == 1:
		return 1
	case a == 0 && b == 0:
		return 0
	}
	return 2
}

func triValue(t uint8) data.Value {
	switch t {
	case 0:
		return data.BoolValue(false)
	case 1:
		return data.BoolValue(true)
	}
	return data.NullValue(data.Bool)
}

type notExpr struct{ x expr }

func (e *notExpr) typ() data.Type { return data.Bool }
func (e *notExpr) eval(b *batch) (val, error) {
	x, err := e.x.eval(b)
	if err != nil {
		return val{}, err
	}
	if x.isConst() {
		t := tri(x, 0)
		if t < 2 {
			t = 1 - t
		}
		return constVal(triValue(t)), nil
	}
	out := make([]bool, b.n)
	var nulls data.Bitmap
	for i := range out {
		switch tri(x, i) {
		case 0:
			out[i] = true
		case 2:
			if nulls == nil {
				nulls = data.NewBitmap(b.n)
			}
			nulls.Set(i)
		}
	}
	return vecVal(boolVec(out, nulls)), nil
}

// strOpExpr is a string operator (has, contains, startswith, =~, matches
// regex ...) possibly negated. With a constant right side the predicate is
// prepared once.
type strOpExpr struct {
	op     string
	negate bool
	l, r   expr
	pred   strPred
}

func (e *strOpExpr) typ() data.Type { return data.Bool }
func (e *strOpExpr) eval(b *batch) (val, error) {
	l, err := e.l.eval(b)
	if err != nil {
		return val{}, err
	}
	if e.pred != nil {
		return applyStrPred(l, b.n, e.pred, e.negate), nil
	}
	r, err := e.r.eval(b)
	if err != nil {
		return val{}, err
	}
	if r.isConst() {
		p, err := makeStrPred(e.op, r.k.String())
		if err != nil {
			return val{}, err
		}
		return applyStrPred(l, b.n, p, e.negate), nil
	}
	out := make([]bool, b.n)
	for i := range out {
		p, err := makeStrPred(e.op, r.strAt(i))
		if err != nil {
			return val{}, err
		}
		out[i] = p(l.strAt(i)) != e.negate
	}
	return vecVal(boolVec(out, nil)), nil
}

// multiStrExpr is has_any / has_all / in-family over a list of strings.
type multiStrExpr struct {
	l    expr
	pred strPred
	neg  bool
}

func (e *multiStrExpr) typ() data.Type { return data.Bool }
func (e *multiStrExpr) eval(b *batch) (val, error) {
	l, err := e.l.eval(b)
	if err != nil {
		return val{}, err
	}
	return applyStrPred(l, b.n, e.pred, e.neg), nil
}

// callExpr calls a scalar function.
type callExpr struct {
	fn   *fnDef
	args []expr
	rt   data.Type
}

func (e *callExpr) typ() data.Type { return e.rt }
func (e *callExpr) eval(b *batch) (val, error) {
	args := make([]val, len(e.args))
	for i, a := range e.args {
		v, err := a.eval(b)
		if err != nil {
			return val{}, err
		}
		args[i] = v
	}
	return e.fn.call(&fnCtx{run: b.run}, args, e.rt, b.n), nil
}

// memberExpr is x.name / x['name'] on a dynamic value.
type memberExpr struct {
	x   expr
	key string
}

func (e *memberExpr) typ() data.Type { return data.Dynamic }
func (e *memberExpr) eval(b *batch) (val, error) {
	x, err := e.x.eval(b)
	if err != nil {
		return val{}, err
	}
	get := func(v data.Value) any { return dynMember(argDyn(v), e.key) }
	return mapDynamic(x, b.n, get), nil
}

// indexExpr is x[i] (arrays) or x[key] with a computed key.
type indexExpr struct {
	x, idx expr
}

func (e *indexExpr) typ() data.Type { return data.Dynamic }
func (e *indexExpr) eval(b *batch) (val, error) {
	x, err := e.x.eval(b)
	if err != nil {
		return val{}, err
	}
	idx, err := e.idx.eval(b)
	if err != nil {
		return val{}, err
	}
	at := func(v, k data.Value) any {
		d := argDyn(v)
		k = unwrap(k)
		if k.Type == data.String {
			return dynMember(d, k.S)
		}
		if i, ok := argInt(k); ok {
			return dynIndex(d, i)
		}
		return nil
	}
	if idx.isConst() {
		k := idx.k
		return mapDynamic(x, b.n, func(v data.Value) any { return at(v, k) }), nil
	}
	bld := data.NewVectorBuilder(data.Dynamic, b.n)
	for i := 0; i < b.n; i++ {
		bld.AppendDynamic(at(x.at(i), idx.at(i)))
	}
	return vecVal(bld.Build()), nil
}

// mapDynamic applies f to every row of x producing a dynamic vector.
func mapDynamic(x val, n int, f func(data.Value) any) val {
	if x.isConst() {
		return constVal(data.DynamicValue(f(x.k)))
	}
	bld := data.NewVectorBuilder(data.Dynamic, n)
	if x.v.Type == data.Dynamic {
		for _, d := range x.v.Dyns[:n] {
			if d == nil {
				bld.AppendNull()
				continue
			}
			bld.AppendDynamic(f(data.Value{Type: data.Dynamic, D: d}))
		}
		return vecVal(bld.Build())
	}
	for i := 0; i < n; i++ {
		bld.AppendDynamic(f(x.v.Value(i)))
	}
	return vecVal(bld.Build())
}

// convExpr converts its operand to a type (implicit conversions inserted
// by the compiler, e.g. dynamic to the type a context needs).
type convExpr struct {
	x expr
	t data.Type
}

func (e *convExpr) typ() data.Type { return e.t }
func (e *convExpr) eval(b *batch) (val, error) {
	x, err := e.x.eval(b)
	if err != nil {
		return val{}, err
	}
	return convertVal(x, e.t, b.n), nil
}

// lazyConstExpr is a scalar computed once per query on first use
// (toscalar(), scalar let bound to a subquery).
type lazyConstExpr struct {
	t    data.Type
	f    func() (data.Value, error)
	done bool
	v    data.Value
	err  error
}

func (e *lazyConstExpr) typ() data.Type { return e.t }
func (e *lazyConstExpr) eval(*batch) (val, error) {
	if !e.done {
		e.done = true
		e.v, e.err = e.f()
		if e.err == nil {
			e.v = fixType(e.v, e.t)
		}
	}
	return constVal(e.v), e.err
}
