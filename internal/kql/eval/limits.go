package eval

import (
	"context"
	"errors"
	"fmt"
	"sync/atomic"
	"time"

	"github.com/sentinel-mcp/sentinel-mcp/internal/kql/data"
)

// Error codes of evaluation errors; the facade maps them to kql.Error.
const (
	CodeSemantic      = "SemanticError"
	CodeNotSupported  = "NotSupported"
	CodeLimitExceeded = "LimitExceeded"
	CodeTimeout       = "Timeout"
	CodeCanceled      = "Canceled"
	CodeRuntime       = "RuntimeError"
	CodeInternal      = "InternalError"
	CodeSyntax        = "SyntaxError"
)

// Semantic error subcodes (SEM...), stable for clients and tests.
const (
	SemUnknownTable    = "SEM0100"
	SemUnknownColumn   = "SEM0101"
	SemUnknownFunction = "SEM0102"
	SemArgCount        = "SEM0103"
	SemType            = "SEM0104"
	SemBadArgument     = "SEM0105"
	SemUnknownName     = "SEM0106"
	SemDuplicateColumn = "SEM0107"
	// Validation only: names the catalog cannot check, reported as
	// warnings so that valid queries are not rejected.
	SemNotInCatalog = "SEM0110" // a table (or workspace) the catalog does not list
	SemParser       = "SEM0111" // an ASIM parser or a solution's workspace function
)

// Error is an evaluation error with a position (byte offset in the query,
// -1 when unknown).
type Error struct {
	Code    string
	SemCode string
	Message string
	Pos     int
	End     int
	// Name is the unsupported function/operator, or the unknown table or
	// column, when the error is about one.
	Name string
	// Suggestion is the nearest known name ("did you mean"), if any.
	Suggestion string
	// Warning marks a validation finding that does not make the query
	// invalid (a table the catalog does not describe...).
	Warning bool
}

func (e *Error) Error() string { return e.Message }

func errorf(code string, pos int, format string, args ...any) *Error {
	return &Error{Code: code, Message: fmt.Sprintf(format, args...), Pos: pos, End: -1}
}

func semErr(sem string, pos int, name string, format string, args ...any) *Error {
	return &Error{Code: CodeSemantic, SemCode: sem, Message: fmt.Sprintf(format, args...), Pos: pos, End: -1, Name: name}
}

func notSupported(pos int, name, what string) *Error {
	return &Error{Code: CodeNotSupported, Message: fmt.Sprintf("%s %q is not supported by this engine", what, name), Pos: pos, End: -1, Name: name}
}

// Options controls one execution.
type Options struct {
	Now       time.Time     // now() and ago(); zero means time.Now()
	From, To  time.Time     // query time range applied to each table's time column (zero: unbounded)
	MaxRows   int           // result rows kept (0: unlimited); the excess is dropped and Truncated set
	MaxMemory int64         // approximate bytes a query may hold in joins, summarize, mv-expand... (0: unlimited)
	Timeout   time.Duration // 0: no timeout beyond the context's
	// HiddenColumns are standard columns (_ResourceId, _BilledSize ...)
	// that results and getschema leave out unless the query names them.
	HiddenColumns []string
}

// runCtx is the per-execution state shared by operators.
type runCtx struct {
	ctx     context.Context
	stopped atomic.Bool
	opts    Options
	now     int64 // ticks
	mem     atomic.Int64
	src     Source
}

func newRunCtx(ctx context.Context, src Source, opts Options) (*runCtx, context.CancelFunc) {
	cancel := context.CancelFunc(func() {})
	if opts.Timeout > 0 {
		ctx, cancel = context.WithTimeout(ctx, opts.Timeout)
	}
	rc := &runCtx{ctx: ctx, opts: opts, src: src}
	now := opts.Now
	if now.IsZero() {
		now = time.Now()
	}
	rc.now = data.TimeToTicks(now)
	stop := context.AfterFunc(ctx, func() { rc.stopped.Store(true) })
	return rc, func() { stop(); cancel() }
}

// check returns an error once the execution has been canceled or timed out;
// loops call it every few thousand rows (an atomic load, no locks).
func (rc *runCtx) check() error {
	if !rc.stopped.Load() {
		return nil
	}
	if errors.Is(rc.ctx.Err(), context.DeadlineExceeded) {
		return &Error{Code: CodeTimeout, Message: "query timed out; narrow the time range or filter earlier", Pos: -1, End: -1}
	}
	return &Error{Code: CodeCanceled, Message: "query canceled", Pos: -1, End: -1}
}

// charge accounts bytes of memory held by an operator and fails once the
// query exceeds MaxMemory; release returns them.
func (rc *runCtx) charge(bytes int64, what string) error {
	if rc.opts.MaxMemory <= 0 {
		return nil
	}
	if total := rc.mem.Add(bytes); total > rc.opts.MaxMemory {
		return &Error{Code: CodeLimitExceeded, Pos: -1, End: -1,
			Message: fmt.Sprintf("query exceeded its memory limit of %d MB in %s; reduce the data (filter earlier, summarize, project fewer columns)", rc.opts.MaxMemory>>20, what)}
	}
	return nil
}

func (rc *runCtx) release(bytes int64) {
	if rc.opts.MaxMemory > 0 {
		rc.mem.Add(-bytes)
	}
}
