package server

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"runtime/debug"
	"strings"
	"sync"
	"time"

	"github.com/modelcontextprotocol/go-sdk/jsonrpc"
	"github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/sentinel-mcp/sentinel-mcp/internal/audit"
	"github.com/sentinel-mcp/sentinel-mcp/internal/inventory"
)

// MetaCorrelationID is the _meta key of every tool result that carries the call's correlation id,
// the same id as in the audit log and the server logs.
const MetaCorrelationID = "sentinel-mcp/correlationId"

// callState is shared by the layers of one call; the audit layer turns it into the result record.
// The fields behind mu may be set by a handler goroutine that outlives its deadline (see timeoutMW).
type callState struct {
	id      string
	start   time.Time
	changes *audit.Changes

	mu      sync.Mutex
	targets []Target
	refused error // set when a safety rail stopped the call before its handler
	pending bool  // a destructive call answered with a plan / confirmation request
}

func (st *callState) setTargets(ts []Target) { st.mu.Lock(); st.targets = ts; st.mu.Unlock() }
func (st *callState) setRefused(err error)   { st.mu.Lock(); st.refused = err; st.mu.Unlock() }
func (st *callState) setPending()            { st.mu.Lock(); st.pending = true; st.mu.Unlock() }

// snapshot returns the mutable fields.
func (st *callState) snapshot() (targets []Target, refused error, pending bool) {
	st.mu.Lock()
	defer st.mu.Unlock()
	return st.targets, st.refused, st.pending
}

// middleware is the chain every tool call goes through, outermost first:
//
//	recover   a panic or an internal error becomes a tool error, logged with its stack; never a dead server
//	audit     one result record per call (and the correlation id in the result's _meta)
//	bound     results within the result budget; errors quote only the beginning of long arguments
//	gate      write tools refused unless writes are enabled (they are not even listed otherwise)
//	args      invalid arguments are reported before any rail touches them
//	rate      global token bucket
//	tenancy   workspace/tenant arguments resolved, allow-list enforced, per-tenant token buckets
//	timeout   per-call deadline
//	confirm   destructive calls need a confirm_token or an accepted elicitation
//	intent    write calls: the intent record must be durably written before the handler runs
func (s *Server) middleware() inventory.Middleware {
	layers := []inventory.Middleware{s.recoverMW, s.auditMW, s.boundMW, s.gateMW, s.argsMW, s.rateMW, s.tenancyMW, s.timeoutMW, s.confirmMW, s.intentMW}
	return func(next inventory.Handler) inventory.Handler {
		for i := len(layers) - 1; i >= 0; i-- {
			next = layers[i](next)
		}
		return next
	}
}

type stateKey struct{}

func state(ctx context.Context) *callState {
	st, _ := ctx.Value(stateKey{}).(*callState)
	return st
}

// refuse records why a rail stopped the call and returns the tool error that says so.
func refuse(st *callState, reason error) (*mcp.CallToolResult, error) {
	st.setRefused(reason)
	return inventory.ErrorResult(reason), nil
}

func newID() string {
	b := make([]byte, 8)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

func (s *Server) recoverMW(next inventory.Handler) inventory.Handler {
	return func(ctx context.Context, call *inventory.Call) (res *mcp.CallToolResult, err error) {
		st := &callState{id: newID(), start: s.opts.Now()}
		ctx = context.WithValue(ctx, stateKey{}, st)
		defer func() {
			if p := recover(); p != nil {
				s.log.Error("tool panicked", "tool", call.Tool.Name(), "correlation_id", st.id, "panic", fmt.Sprint(p), "stack", string(debug.Stack()))
				res, err = internalError(call, st, "the tool failed unexpectedly"), nil
			}
		}()
		res, err = next(ctx, call)
		var rpcErr *jsonrpc.Error
		if err != nil && !errors.As(err, &rpcErr) {
			s.log.Error("tool failed", "tool", call.Tool.Name(), "correlation_id", st.id, "err", err)
			return internalError(call, st, "the tool failed"), nil
		}
		return res, err
	}
}

func internalError(call *inventory.Call, st *callState, what string) *mcp.CallToolResult {
	msg := fmt.Sprintf("internal error in %s: %s (correlation id %s). The server is still running; retry, or report the correlation id if it persists", call.Tool.Name(), what, st.id)
	if call.Tool.Write() {
		msg += ". The change may or may not have been applied: check the current state before retrying"
	}
	return inventory.ErrorResult(errors.New(msg))
}

func (s *Server) auditMW(next inventory.Handler) inventory.Handler {
	return func(ctx context.Context, call *inventory.Call) (*mcp.CallToolResult, error) {
		st := state(ctx)
		ctx, st.changes = audit.WithChanges(ctx)
		res, err := next(ctx, call)
		rec := s.record(call, st, audit.PhaseResult)
		rec.DurationMS = float64(s.opts.Now().Sub(st.start).Microseconds()) / 1000
		rec.Outcome, rec.Reason = outcome(st, res, err)
		rec.Changes = st.changes.List()
		if werr := s.opts.Audit.Write(rec); werr != nil {
			// The call has already happened; losing its result record is logged loudly. (A write whose
			// intent record cannot be written never runs: see intentMW.)
			s.log.Error("audit record not written", "tool", rec.Tool, "correlation_id", st.id, "err", werr)
		}
		level := slog.LevelDebug
		if rec.Outcome != audit.OutcomeOK && rec.Outcome != audit.OutcomePending {
			level = slog.LevelInfo
		}
		s.log.Log(ctx, level, "tool call", "tool", rec.Tool, "outcome", rec.Outcome, "reason", rec.Reason,
			"duration_ms", rec.DurationMS, "correlation_id", st.id)
		if res != nil {
			if res.Meta == nil {
				res.Meta = mcp.Meta{}
			}
			res.Meta[MetaCorrelationID] = st.id
		}
		return res, err
	}
}

// record builds the common part of an audit record for call.
func (s *Server) record(call *inventory.Call, st *callState, phase string) *audit.Record {
	req := call.Request
	targets, _, _ := st.snapshot()
	rec := &audit.Record{
		Phase:         phase,
		CorrelationID: st.id,
		Tool:          call.Tool.Name(),
		Toolset:       call.Tool.Toolset,
		Write:         call.Tool.Write(),
		Destructive:   call.Tool.Destructive(),
		Tenants:       tenantIDs(targets),
		Workspaces:    workspaceNames(targets),
	}
	rec.SessionID, rec.Client = caller(req)
	args := call.Args
	if args == nil {
		args = req.Params.Arguments
	}
	rec.Arguments = audit.Redact(args)
	return rec
}

// caller returns the session id and client name/version of a request.
func caller(req *mcp.CallToolRequest) (session, client string) {
	if req.Session != nil {
		session = req.Session.ID()
	}
	if ci := req.ClientInfo(); ci != nil {
		client = strings.TrimSuffix(ci.Name+"/"+ci.Version, "/")
	}
	return session, client
}

// unavailableMW answers a call of a tool that exists but that this server leaves out (a write tool
// while writes are disabled, a toolset not enabled, an excluded tool) with a tool error that says
// why and how to enable it, rather than the SDK's "unknown tool" protocol error. Such a call never
// runs; it is audited as refused. Names no toolset defines still get the protocol error.
func (s *Server) unavailableMW(next mcp.MethodHandler) mcp.MethodHandler {
	return func(ctx context.Context, method string, req mcp.Request) (mcp.Result, error) {
		ctr, ok := req.(*mcp.CallToolRequest)
		if method != "tools/call" || !ok || ctr.Params == nil {
			return next(ctx, method, req)
		}
		toolset, write, reason, hidden := s.opts.Inventory.Unavailable(ctr.Params.Name)
		if !hidden {
			return next(ctx, method, req)
		}
		id := newID()
		rec := &audit.Record{Phase: audit.PhaseResult, CorrelationID: id, Tool: ctr.Params.Name, Toolset: toolset, Write: write,
			Arguments: audit.Redact(ctr.Params.Arguments), Outcome: audit.OutcomeRefused, Reason: reason}
		rec.SessionID, rec.Client = caller(ctr)
		if err := s.opts.Audit.Write(rec); err != nil {
			s.log.Error("audit record not written", "tool", rec.Tool, "correlation_id", id, "err", err)
		}
		s.log.Info("tool call", "tool", rec.Tool, "outcome", rec.Outcome, "reason", reason, "correlation_id", id)
		res := inventory.ErrorResult(errors.New(reason))
		res.Meta = mcp.Meta{MetaCorrelationID: id}
		return res, nil
	}
}

func outcome(st *callState, res *mcp.CallToolResult, err error) (string, string) {
	_, refused, pending := st.snapshot()
	switch {
	case refused != nil:
		return audit.OutcomeRefused, refused.Error()
	case err != nil:
		return audit.OutcomeError, err.Error()
	case res == nil:
		return audit.OutcomeError, "no result"
	case res.IsError:
		return audit.OutcomeError, resultText(res, 500)
	case pending:
		return audit.OutcomePending, "awaiting confirmation"
	}
	return audit.OutcomeOK, ""
}

// resultText is the text content of a result, cut to max bytes.
func resultText(res *mcp.CallToolResult, max int) string {
	var b strings.Builder
	for _, c := range res.Content {
		if t, ok := c.(*mcp.TextContent); ok {
			b.WriteString(t.Text)
		}
	}
	s := b.String()
	if len(s) > max {
		s = s[:max] + "…"
	}
	return s
}

func (s *Server) gateMW(next inventory.Handler) inventory.Handler {
	return func(ctx context.Context, call *inventory.Call) (*mcp.CallToolResult, error) {
		if call.Tool.Write() && !s.opts.Inventory.Filter.WritesAllowed() {
			return refuse(state(ctx), fmt.Errorf("%s changes data and this server is read-only: nothing was changed. Writes need --enable-writes (and no --read-only)", call.Tool.Name()))
		}
		return next(ctx, call)
	}
}

func (s *Server) argsMW(next inventory.Handler) inventory.Handler {
	return func(ctx context.Context, call *inventory.Call) (*mcp.CallToolResult, error) {
		if call.ArgsErr != nil {
			return inventory.ErrorResult(call.ArgsErr), nil
		}
		return next(ctx, call)
	}
}

func (s *Server) rateMW(next inventory.Handler) inventory.Handler {
	return func(ctx context.Context, call *inventory.Call) (*mcp.CallToolResult, error) {
		if err := s.limits.allowGlobal(); err != nil {
			return refuse(state(ctx), err)
		}
		return next(ctx, call)
	}
}

func (s *Server) tenancyMW(next inventory.Handler) inventory.Handler {
	return func(ctx context.Context, call *inventory.Call) (*mcp.CallToolResult, error) {
		st := state(ctx)
		targets, err := resolveTargets(ctx, s.opts.Tenancy, extractAddressing(call.Args))
		if err != nil {
			return refuse(st, err)
		}
		st.setTargets(targets)
		names := map[string]string{}
		for _, t := range targets {
			names[t.TenantID] = t.TenantName
		}
		if err := s.limits.allowTenants(tenantIDs(targets), names); err != nil {
			return refuse(st, err)
		}
		return next(ctx, call)
	}
}

// timeoutMW bounds a call. A handler that ignores its context is abandoned when the deadline passes,
// so the client always gets an answer.
func (s *Server) timeoutMW(next inventory.Handler) inventory.Handler {
	return func(ctx context.Context, call *inventory.Call) (*mcp.CallToolResult, error) {
		limit := s.opts.Config.Limits.CallTimeout
		ctx, cancel := context.WithTimeout(ctx, limit)
		defer cancel()
		type answer struct {
			res *mcp.CallToolResult
			err error
		}
		done := make(chan answer, 1)
		go func() {
			defer func() {
				if p := recover(); p != nil {
					s.log.Error("tool panicked", "tool", call.Tool.Name(), "correlation_id", state(ctx).id, "panic", fmt.Sprint(p), "stack", string(debug.Stack()))
					done <- answer{internalError(call, state(ctx), "the tool failed unexpectedly"), nil}
				}
			}()
			res, err := next(ctx, call)
			done <- answer{res, err}
		}()
		select {
		case a := <-done:
			if a.err == nil && (a.res == nil || a.res.IsError) && errors.Is(ctx.Err(), context.DeadlineExceeded) {
				return timeoutResult(call, limit), nil
			}
			return a.res, a.err
		case <-ctx.Done():
			if errors.Is(ctx.Err(), context.DeadlineExceeded) {
				return timeoutResult(call, limit), nil
			}
			return nil, ctx.Err() // the client cancelled: the SDK drops the answer anyway
		}
	}
}

func timeoutResult(call *inventory.Call, limit time.Duration) *mcp.CallToolResult {
	msg := fmt.Sprintf("%s timed out after %s: narrow the request (a shorter time range, fewer workspaces, a smaller limit) and try again", call.Tool.Name(), limit)
	if call.Tool.Write() {
		msg = fmt.Sprintf("%s timed out after %s; the change may still complete in Azure: check the current state before retrying", call.Tool.Name(), limit)
	}
	return inventory.ErrorResult(errors.New(msg))
}

func (s *Server) confirmMW(next inventory.Handler) inventory.Handler {
	return func(ctx context.Context, call *inventory.Call) (*mcp.CallToolResult, error) {
		if !call.Tool.Destructive() {
			return next(ctx, call)
		}
		st := state(ctx)
		proceed, res, refusal := s.confirmCall(ctx, call, st)
		switch {
		case refusal != nil:
			return refuse(st, refusal)
		case !proceed:
			return res, nil
		}
		return next(ctx, call)
	}
}

// intentMW makes the audit log a precondition of every write: the intent record is written and
// fsynced before the handler runs, and if it cannot be, the call is refused with nothing changed.
func (s *Server) intentMW(next inventory.Handler) inventory.Handler {
	return func(ctx context.Context, call *inventory.Call) (*mcp.CallToolResult, error) {
		if !call.Tool.Write() {
			return next(ctx, call)
		}
		st := state(ctx)
		if err := s.opts.Audit.Write(s.record(call, st, audit.PhaseIntent)); err != nil {
			s.log.Error("write refused: audit log unavailable", "tool", call.Tool.Name(), "correlation_id", st.id, "err", err)
			return refuse(st, fmt.Errorf("write refused: the audit log cannot be written (%v), and no change is made without an audit record. Nothing was changed; fix the audit log (audit.path) and retry", err))
		}
		return next(ctx, call)
	}
}
