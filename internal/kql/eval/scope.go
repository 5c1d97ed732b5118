package eval

import "github.com/sentinel-mcp/sentinel-mcp/internal/kql/data"

// scope holds the names visible to a query: let-bound scalars, tables and
// user functions, chained to the enclosing scope.
type scope struct {
	parent  *scope
	scalars map[string]data.Value
	tables  map[string]*tabularBinding
	funcs   map[string]*userFunc
}

// tabularBinding is a let-bound tabular expression, evaluated once on first
// use (materialize() or not, caching is what Kusto does within one query).
type tabularBinding struct {
	table *data.Table
	err   error
	eval  func() (*data.Table, error)
	done  bool
}

func (b *tabularBinding) get() (*data.Table, error) {
	if !b.done {
		b.done = true
		b.table, b.err = b.eval()
	}
	return b.table, b.err
}

func newScope(parent *scope) *scope {
	return &scope{parent: parent}
}

func (s *scope) scalar(name string) (data.Value, bool) {
	for c := s; c != nil; c = c.parent {
		if v, ok := c.scalars[name]; ok {
			return v, true
		}
	}
	return data.Value{}, false
}

func (s *scope) tabular(name string) (*tabularBinding, bool) {
	for c := s; c != nil; c = c.parent {
		if v, ok := c.tables[name]; ok {
			return v, true
		}
	}
	return nil, false
}

func (s *scope) function(name string) (*userFunc, bool) {
	for c := s; c != nil; c = c.parent {
		if v, ok := c.funcs[name]; ok {
			return v, true
		}
	}
	return nil, false
}

func (s *scope) setScalar(name string, v data.Value) {
	if s.scalars == nil {
		s.scalars = map[string]data.Value{}
	}
	s.scalars[name] = v
	delete(s.tables, name)
	delete(s.funcs, name)
}

func (s *scope) setTabular(name string, b *tabularBinding) {
	if s.tables == nil {
		s.tables = map[string]*tabularBinding{}
	}
	s.tables[name] = b
	delete(s.scalars, name)
	delete(s.funcs, name)
}

func (s *scope) setFunc(name string, f *userFunc) {
	if s.funcs == nil {
		s.funcs = map[string]*userFunc{}
	}
	s.funcs[name] = f
	delete(s.scalars, name)
	delete(s.tables, name)
}

// userFunc is a let-defined or stored function.
type userFunc struct {
	name   string
	params []FuncParam
	body   any // AST of the body; set by the compiler
	defs   *scope
}
