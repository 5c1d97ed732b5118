package toolkit

import (
	"context"
	"fmt"
	"sync"
	"time"

	"github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/sentinel-mcp/sentinel-mcp/internal/azure"
)

// Progress sends MCP progress notifications for one tool call, when the client asked for them (a
// progress token in the request); otherwise its methods do nothing. Notifications carry an
// increasing progress count and a message; a failure to send one never fails the call.
//
//	p := toolkit.NewProgress(req)
//	ctx = sentinel.WithProgress(ctx, p.Azure(ctx, "creating table X_CL"))  // long-running operation polls
//	p.Notify(ctx, "deleted 3 of 10 items")
type Progress struct {
	req   *mcp.CallToolRequest
	token any
	mu    sync.Mutex
	n     float64
}

// NewProgress returns the progress reporter of a call (req may be nil).
func NewProgress(req *mcp.CallToolRequest) *Progress {
	p := &Progress{req: req}
	if req != nil && req.Params != nil && req.Session != nil {
		p.token = req.Params.GetProgressToken()
	}
	return p
}

// Enabled reports whether the client asked for progress notifications.
func (p *Progress) Enabled() bool { return p != nil && p.token != nil }

// Notify sends one notification with msg.
func (p *Progress) Notify(ctx context.Context, msg string) { p.send(ctx, msg, 0) }

// Step sends a notification of done out of total steps.
func (p *Progress) Step(ctx context.Context, done, total int, msg string) {
	if !p.Enabled() {
		return
	}
	p.mu.Lock()
	p.n = max(p.n, float64(done))
	n := p.n
	p.mu.Unlock()
	_ = p.req.Session.NotifyProgress(ctx, &mcp.ProgressNotificationParams{ProgressToken: p.token, Progress: n, Total: float64(total), Message: msg})
}

func (p *Progress) send(ctx context.Context, msg string, total float64) {
	if !p.Enabled() {
		return
	}
	p.mu.Lock()
	p.n++
	n := p.n
	p.mu.Unlock()
	_ = p.req.Session.NotifyProgress(ctx, &mcp.ProgressNotificationParams{ProgressToken: p.token, Progress: n, Total: total, Message: msg})
}

// Azure returns a callback for the polls of a long-running Azure operation (azure.WriteOptions.Progress,
// sentinel.WithProgress) that notifies "what: status (elapsed)". It returns nil when the client did
// not ask for progress.
func (p *Progress) Azure(ctx context.Context, what string) func(azure.Progress) {
	if !p.Enabled() {
		return nil
	}
	return func(ap azure.Progress) {
		msg := fmt.Sprintf("%s: %s after %s", what, ap.Status, ap.Elapsed.Round(100*time.Millisecond))
		if ap.Percent > 0 && ap.Percent < 100 {
			msg += fmt.Sprintf(" (%.0f%%)", ap.Percent)
		}
		p.Notify(ctx, msg)
	}
}
