package eval

import (
	"strings"

	"github.com/sentinel-mcp/sentinel-mcp/internal/kql/data"
	"github.com/sentinel-mcp/sentinel-mcp/internal/kql/syntax"
)

// env holds the names a query binds (let, function parameters, as),
// chained to the enclosing scope.
type env struct {
	parent *env
	names  map[string]*binding
}

// binding is one bound name: exactly one of scalar, lazy, table and fn is
// set.
type binding struct {
	scalar expr
	lazy   *lazyScalar
	// rel is the relation a scalar binding reads (function parameters bound
	// to column expressions); nil or noRow for a constant.
	rel   *rel
	table *tabBinding
	fn    *funcDef
}

func newEnv(parent *env) *env { return &env{parent: parent} }

func (e *env) lookup(name string) (*binding, bool) {
	for s := e; s != nil; s = s.parent {
		if b, ok := s.names[name]; ok {
			return b, true
		}
	}
	return nil, false
}

func (e *env) set(name string, b *binding) {
	if e.names == nil {
		e.names = map[string]*binding{}
	}
	e.names[name] = b
}

func (e *env) setScalar(name string, x expr)       { e.set(name, &binding{scalar: x}) }
func (e *env) setTable(name string, t *tabBinding) { e.set(name, &binding{table: t}) }
func (e *env) setFunc(name string, f *funcDef)     { e.set(name, &binding{fn: f}) }
func (e *env) setRowScalar(name string, x expr, r *rel) {
	e.set(name, &binding{scalar: x, rel: r})
}

// lazyScalar is a scalar let compiled on first use.
type lazyScalar struct {
	name    string
	f       func() (expr, error)
	done    bool
	running bool
	e       expr
	err     error
}

func (l *lazyScalar) get(at syntax.Node) (expr, error) {
	if l.running {
		return nil, errAt(at, SemBadArgument, l.name, "%s refers to itself", l.name)
	}
	if !l.done {
		l.running = true
		l.e, l.err = l.f()
		l.running, l.done = false, true
	}
	return l.e, l.err
}

// names lists every bound name, for "did you mean" suggestions.
func (e *env) allNames() []string {
	var out []string
	for s := e; s != nil; s = s.parent {
		for n := range s.names {
			out = append(out, n)
		}
	}
	return out
}

// tabBinding is a let-bound tabular expression, evaluated once on first use
// (within one query Kusto may evaluate it again; caching is equivalent for
// the deterministic operators and what materialize() asks for anyway).
type tabBinding struct {
	name    string
	eval    func() (*rel, error)
	done    bool
	running bool
	r       *rel
	err     error
}

func (b *tabBinding) get(at syntax.Node) (*rel, error) {
	if b.running {
		return nil, errAt(at, SemBadArgument, b.name, "%s refers to itself", b.name)
	}
	if !b.done {
		b.running = true
		b.r, b.err = b.eval()
		b.running, b.done = false, true
	}
	return b.r, b.err
}

func boundTable(name string, r *rel) *tabBinding {
	return &tabBinding{name: name, done: true, r: r}
}

// funcDef is a user function: let-defined (decl) or stored in the
// workspace (params and body parsed from the saved search).
type funcDef struct {
	name   string
	params []funcParam
	stmts  []syntax.Stmt
	result syntax.Expr
	env    *env
	view   bool
	// stored functions: their body is another text, so errors inside it
	// are reported at the call.
	stored    bool
	inTabular bool // guards tabular() against self-reference
}

type funcParam struct {
	name    string
	t       data.Type // Invalid for a tabular parameter
	tabular bool
	def     syntax.Expr
	defText string
}

func newFuncDef(name string, fd *syntax.FuncDecl, sc *env) *funcDef {
	f := &funcDef{name: name, env: sc, view: fd.View}
	for _, p := range fd.Params {
		fp := funcParam{name: p.Name.Name, def: p.Default}
		if p.Table != nil {
			fp.tabular = true
		} else if p.Type != nil {
			fp.t, _ = data.ParseType(p.Type.Name)
		}
		f.params = append(f.params, fp)
	}
	if fd.Body != nil {
		f.stmts, f.result = fd.Body.Stmts, fd.Body.Result
	}
	return f
}

// tabular reports whether the function returns a table.
func (f *funcDef) tabular(c *compiler) bool {
	if f.result == nil || f.inTabular {
		return false
	}
	f.inTabular = true
	defer func() { f.inTabular = false }()
	sc := newEnv(f.env)
	for _, p := range f.params {
		if p.tabular {
			sc.setTable(p.name, boundTable(p.name, emptyRel(&data.Schema{})))
		} else {
			sc.setScalar(p.name, constOf(data.NullValue(orDynamic(p.t))))
		}
	}
	for _, st := range f.stmts {
		if l, ok := st.(*syntax.LetStmt); ok {
			if fd, ok := l.Value.(*syntax.FuncDecl); ok {
				sc.setFunc(l.Name.Name, newFuncDef(l.Name.Name, fd, sc))
			} else if isTabularExpr(l.Value, sc, c) {
				sc.setTable(l.Name.Name, boundTable(l.Name.Name, emptyRel(&data.Schema{})))
			} else {
				sc.setScalar(l.Name.Name, constOf(data.NullValue(data.Dynamic)))
			}
		}
	}
	return isTabularExpr(f.result, sc, c)
}

func orDynamic(t data.Type) data.Type {
	if t == data.Invalid {
		return data.Dynamic
	}
	return t
}

// storedFunc builds the definition of a workspace function from its body
// and declared parameters.
func (c *compiler) storedFunc(name, body string, params []FuncParam) (*funcDef, *Error) {
	script, diags := syntax.Parse(body)
	for _, d := range diags {
		if d.Severity != syntax.SeverityWarning {
			return nil, &Error{Code: CodeSemantic, SemCode: SemBadArgument, Pos: -1, End: -1, Name: name,
				Message: "stored function " + name + " does not parse: " + d.String()}
		}
	}
	f := &funcDef{name: name, env: c.global, stored: true}
	for _, p := range params {
		fp := funcParam{name: p.Name, t: p.Type, tabular: p.Type == data.Invalid, defText: p.Default}
		if p.Default != "" {
			ds, dd := syntax.Parse("print " + p.Default)
			if len(dd) == 0 {
				if pe, ok := ds.Query().(*syntax.PipeExpr); ok && len(pe.Ops) == 1 {
					if po, ok := pe.Ops[0].(*syntax.PrintOp); ok && len(po.Cols) == 1 {
						fp.def = po.Cols[0].X
					}
				}
			}
		}
		f.params = append(f.params, fp)
	}
	for i, st := range script.Stmts {
		if es, ok := st.(*syntax.ExprStmt); ok && i == len(script.Stmts)-1 {
			f.result = es.X
			continue
		}
		f.stmts = append(f.stmts, st)
	}
	return f, nil
}

// lookupStored finds a workspace function of the source.
func (c *compiler) lookupStored(name string) (*funcDef, bool, *Error) {
	fs, ok := c.src.(FunctionSource)
	if !ok {
		return nil, false, nil
	}
	body, params, ok := fs.Function(name)
	if !ok {
		return nil, false, nil
	}
	f, err := c.storedFunc(name, body, params)
	if err != nil {
		return nil, true, err
	}
	return f, true, nil
}

// nearest returns the candidate closest to name ("did you mean"), or "".
// Ties go to a candidate that extends the name (array_len: array_length),
// then to the first in name order, so the suggestion is deterministic.
func nearest(name string, candidates []string) string {
	best, bestD := "", len(name)/3+2
	bestPrefix := false
	lname := strings.ToLower(name)
	for _, cand := range candidates {
		if strings.HasPrefix(cand, "\x00") {
			continue
		}
		lc := strings.ToLower(cand)
		if lc == lname {
			return cand
		}
		d := editDistance(lc, lname)
		prefix := strings.HasPrefix(lc, lname) || strings.HasPrefix(lname, lc)
		switch {
		case d < bestD, d == bestD && best != "" && prefix && !bestPrefix,
			d == bestD && best != "" && prefix == bestPrefix && cand < best:
			best, bestD, bestPrefix = cand, d, prefix
		}
	}
	return best
}

func editDistance(a, b string) int {
	if len(a) > 64 || len(b) > 64 {
		if a == b {
			return 0
		}
		return 64
	}
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return prev[len(b)]
}

// didYouMean formats a suggestion for a message.
func didYouMean(s string) string {
	if s == "" {
		return ""
	}
	return "; did you mean '" + s + "'?"
}
