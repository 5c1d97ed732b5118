// Package posturetest helps the tests of health, compliance and reports: an environment on a fixed data
// clock (so the seeded world's data is the same whatever the day of the week), a client that asks for
// progress notifications, and a checker that an HTML report is safe and self-contained.
package posturetest

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/sentinel-mcp/sentinel-mcp/internal/config"
	"github.com/sentinel-mcp/sentinel-mcp/internal/toolsets/toolsettest"
)

// Now is a fixed data clock for tests: the last Wednesday, 12:00 UTC, before the real time. Pinning
// the emulator (emulator.Options.Now) and the checks (toolkit.Deps.Now) to it makes the seeded data
// the same whatever the day of the week: a weekday noon, with a complete weekend in the baseline.
func Now() time.Time {
	t := time.Now().UTC().Truncate(24 * time.Hour).Add(12 * time.Hour)
	for t.Weekday() != time.Wednesday || t.After(time.Now()) {
		t = t.Add(-24 * time.Hour)
	}
	return t
}

// Start starts a toolsettest environment whose emulator and checks run on the Now clock, without rate
// limits (tests call faster than an analyst).
func Start(t testing.TB, o toolsettest.Options) *toolsettest.Env {
	t.Helper()
	now := Now()
	if o.Emulator.Now == nil {
		o.Emulator.Now = func() time.Time { return now }
	}
	configure := o.Configure
	o.Configure = func(c *config.Config) {
		c.Limits.Rate, c.Limits.TenantRate = 0, 0
		if configure != nil {
			configure(c)
		}
	}
	env := toolsettest.Start(t, o)
	env.Deps.Now = func() time.Time { return now }
	return env
}

// CallWithProgress calls a tool from a second client that asks for progress notifications, and
// returns the result and the notifications' messages.
func CallWithProgress(t testing.TB, env *toolsettest.Env, name string, args map[string]any) (*mcp.CallToolResult, []string) {
	t.Helper()
	var mu sync.Mutex
	var msgs []string
	client := mcp.NewClient(&mcp.Implementation{Name: "progress", Version: "1"}, &mcp.ClientOptions{
		ProgressNotificationHandler: func(_ context.Context, r *mcp.ProgressNotificationClientRequest) {
			mu.Lock()
			msgs = append(msgs, r.Params.Message)
			mu.Unlock()
		}})
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	st, ct := mcp.NewInMemoryTransports()
	ss, err := env.Server.MCP().Connect(ctx, st, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer ss.Close()
	cs, err := client.Connect(ctx, ct, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer cs.Close()
	params := &mcp.CallToolParams{Name: name, Arguments: args}
	params.SetProgressToken("progress-1")
	res, err := cs.CallTool(ctx, params)
	if err != nil {
		t.Fatal(err)
	}
	// Notifications arrive asynchronously: give the last ones a moment.
	time.Sleep(50 * time.Millisecond)
	mu.Lock()
	defer mu.Unlock()
	return res, append([]string(nil), msgs...)
}
