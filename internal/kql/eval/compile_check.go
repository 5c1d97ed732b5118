package eval

import (
	"context"
	"fmt"
	"time"

	"github.com/sentinel-mcp/sentinel-mcp/internal/kql/data"
	"github.com/sentinel-mcp/sentinel-mcp/internal/kql/syntax"
)

// Catalog describes tables by their schemas only (no data), for Check.
type Catalog interface {
	Table(name string) (*data.Schema, bool)
	TableNames() []string
}

// CheckOptions tune validation.
type CheckOptions struct {
	// Complete reports that the catalog lists every table of the target, so
	// a name it does not know is an error (otherwise a warning).
	Complete bool
	// Functions are the workspace functions known offline (optional).
	Functions FunctionSource
	Now       time.Time
}

// checkBudget bounds the work of one validation (it runs the query over
// empty tables, so only hostile constructs such as a huge range cost).
const checkBudget = 5 * time.Second

// Check validates a parsed script against a catalog without data: it runs
// the compiler over empty tables with the catalog's schemas, recording
// every problem instead of stopping at the first. Findings that cannot be
// checked offline (tables the catalog lacks, ASIM parsers) are warnings.
func Check(script *syntax.Script, query string, cat Catalog, opts CheckOptions) (diags []*Error) {
	src := &catalogSource{cat: cat, fns: opts.Functions, tables: map[string]*data.Table{}}
	rc, cancel := newRunCtx(context.Background(), src, Options{Now: opts.Now, Timeout: checkBudget, MaxMemory: 256 << 20})
	defer cancel()
	c := newCompiler(rc, query, src)
	c.check, c.complete = true, opts.Complete
	defer func() {
		if p := recover(); p != nil {
			diags = append(c.diags, &Error{Code: CodeInternal, Message: fmt.Sprintf("internal error: %v", p), Pos: -1, End: -1})
		}
	}()
	if _, err := c.script(script); err != nil {
		c.diags = append(c.diags, asError(err, script))
	}
	return c.diags
}

// catalogSource serves empty tables with the catalog's schemas.
type catalogSource struct {
	cat    Catalog
	fns    FunctionSource
	tables map[string]*data.Table
}

func (s *catalogSource) Table(name string) (*data.Table, bool) {
	if t, ok := s.tables[name]; ok {
		return t, true
	}
	sch, ok := s.cat.Table(name)
	if !ok {
		return nil, false
	}
	t := data.EmptyTable(sch)
	s.tables[name] = t
	return t, true
}

func (s *catalogSource) TableNames() []string { return s.cat.TableNames() }

// Workspace answers with the same catalog: other workspaces hold the same
// Sentinel tables, so their columns can be checked too.
func (s *catalogSource) Workspace(string) (Source, bool) { return s, true }

func (s *catalogSource) Function(name string) (string, []FuncParam, bool) {
	if s.fns == nil {
		return "", nil, false
	}
	return s.fns.Function(name)
}
