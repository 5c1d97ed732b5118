// Package fanout runs one function over many targets (workspaces, tenants) with bounded
// concurrency, a time limit per target, progress reports and cancellation, and returns every
// target's outcome: a multi-workspace tool answers with what succeeded and says what failed,
// rather than failing as a whole because one customer's workspace was slow or throttled.
//
//	outs := fanout.Run(ctx, workspaces, fanout.Options{Concurrency: 5, PerTargetTimeout: time.Minute},
//		func(ctx context.Context, ws *tenancy.Workspace) (int, error) { ... })
//	for _, o := range outs { if o.Err != nil { ... } else { use(o.Value) } }
package fanout

import (
	"context"
	"errors"
	"fmt"
	"runtime/debug"
	"sync"
	"time"
)

// Options tune a Run. The zero value runs 5 targets at a time without a per-target limit.
type Options struct {
	// Concurrency is the number of targets processed at the same time (default 5: the Log
	// Analytics query API allows 5 concurrent queries per user).
	Concurrency int
	// PerTargetTimeout bounds one target's call; a slow target becomes that target's error.
	PerTargetTimeout time.Duration
	// Progress is called after each target completes, from one goroutine at a time, with the count
	// done, the total, and the label of the target just completed.
	Progress func(done, total int, last string)
}

// DefaultConcurrency is used when Options.Concurrency is not set.
const DefaultConcurrency = 5

// Outcome is one target's result.
type Outcome[T, V any] struct {
	Target  T
	Value   V
	Err     error
	Elapsed time.Duration
}

// ErrNotStarted is the error of targets that were not started because the run was cancelled.
var ErrNotStarted = errors.New("not started: the request was cancelled")

// Run calls fn for every target and returns the outcomes in the order of targets. At most
// Concurrency calls run at once; each gets a context bounded by PerTargetTimeout. When ctx is
// cancelled no new target starts (those get ErrNotStarted wrapping the context's error), running
// calls see their context cancelled, and Run returns once they have returned. A panicking fn
// becomes that target's error.
func Run[T, V any](ctx context.Context, targets []T, opts Options, fn func(context.Context, T) (V, error)) []Outcome[T, V] {
	n := opts.Concurrency
	if n <= 0 {
		n = DefaultConcurrency
	}
	out := make([]Outcome[T, V], len(targets))
	for i, t := range targets {
		out[i].Target = t
	}
	if len(targets) == 0 {
		return out
	}
	var (
		wg     sync.WaitGroup
		progMu sync.Mutex
		done   int
		sem    = make(chan struct{}, n)
	)
	report := func(i int) {
		if opts.Progress == nil {
			return
		}
		progMu.Lock()
		defer progMu.Unlock()
		done++
		opts.Progress(done, len(targets), Label(targets[i]))
	}
	for i := range targets {
		select {
		case sem <- struct{}{}:
		case <-ctx.Done():
		}
		if ctx.Err() != nil {
			for j := i; j < len(targets); j++ {
				out[j].Err = fmt.Errorf("%w (%v)", ErrNotStarted, ctx.Err())
			}
			break
		}
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			defer func() { <-sem }()
			start := time.Now()
			out[i].Value, out[i].Err = call(ctx, targets[i], opts.PerTargetTimeout, fn)
			out[i].Elapsed = time.Since(start)
			report(i)
		}(i)
	}
	wg.Wait()
	return out
}

func call[T, V any](ctx context.Context, t T, limit time.Duration, fn func(context.Context, T) (V, error)) (v V, err error) {
	parent := ctx
	if limit > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, limit)
		defer cancel()
	}
	defer func() {
		if p := recover(); p != nil {
			err = &panicError{label: Label(t), msg: fmt.Sprint(p), stack: debug.Stack()}
		}
	}()
	v, err = fn(ctx, t)
	// The target's own limit ran out, not the caller's deadline (which is the whole call's to report).
	if err != nil && limit > 0 && errors.Is(ctx.Err(), context.DeadlineExceeded) && parent.Err() == nil && !errors.Is(err, ErrTimeout) {
		err = &timeoutError{limit: limit, cause: err}
	}
	return v, err
}

// ErrTimeout matches (errors.Is) the error of a target that ran out of its PerTargetTimeout.
var ErrTimeout = errors.New("timed out")

type timeoutError struct {
	limit time.Duration
	cause error
}

func (e *timeoutError) Error() string {
	return fmt.Sprintf("timed out after %s (azure.fanout.per_workspace_timeout)", e.limit)
}
func (e *timeoutError) Is(target error) bool { return target == ErrTimeout }
func (e *timeoutError) Unwrap() error        { return e.cause }

// panicError keeps the stack for logs while its message stays short for users.
type panicError struct {
	label, msg string
	stack      []byte
}

func (e *panicError) Error() string { return "internal error processing " + e.label + ": " + e.msg }

// Stack is the panicking goroutine's stack (for logs, never for tool results).
func (e *panicError) Stack() []byte { return e.stack }

// Label names a target in progress reports and errors: its String method, or %v.
func Label(t any) string {
	if s, ok := t.(fmt.Stringer); ok {
		return s.String()
	}
	return fmt.Sprint(t)
}

// Failed returns the outcomes with an error.
func Failed[T, V any](outs []Outcome[T, V]) []Outcome[T, V] {
	var f []Outcome[T, V]
	for _, o := range outs {
		if o.Err != nil {
			f = append(f, o)
		}
	}
	return f
}
