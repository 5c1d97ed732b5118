package watchlists_test

import (
	"context"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/sentinel-mcp/sentinel-mcp/internal/emulator"
	"github.com/sentinel-mcp/sentinel-mcp/internal/inventory"
	"github.com/sentinel-mcp/sentinel-mcp/internal/toolsets/toolsettest"
)

// Azure deletes a watchlist in the background (202 and an operation to poll): the tool waits for
// the operation to end, reporting its polls to a client that asks for progress, and only then says
// the watchlist is gone, with what it held in the audit log.
func TestDeleteWaitsForTheOperationWithProgress(t *testing.T) {
	env := start(t, toolsettest.Options{Writes: true, Emulator: emulator.Options{AsyncDelay: 300 * time.Millisecond}})
	env.CallOK("create_watchlist", map[string]any{"workspace": contoso, "alias": "Leavers", "search_key": "Upn", "csv": "Upn\na@contoso.com\nb@contoso.com\n"})
	args := map[string]any{"workspace": contoso, "watchlist": "Leavers"}
	var p inventory.Pending
	env.CallOK("delete_watchlist", args).Decode(&p)
	if !p.ConfirmationRequired {
		t.Fatalf("no confirmation asked: %+v", p)
	}
	args[inventory.ConfirmTokenArg] = p.ConfirmToken
	began := time.Now()
	res, msgs := callWithProgress(t, env, "delete_watchlist", args)
	if res.IsError {
		t.Fatalf("delete: %v", res.Content)
	}
	if took := time.Since(began); took < 300*time.Millisecond {
		t.Errorf("the tool answered after %s, before the operation (300ms) could end", took)
	}
	if len(msgs) < 1 || !strings.Contains(strings.Join(msgs, "\n"), "deleting watchlist Leavers: Succeeded") {
		t.Errorf("progress notifications: %q", msgs)
	}
	var asyncPolls int
	for _, r := range env.Requests() {
		if strings.HasPrefix(r, "GET ") && strings.Contains(r, "/watchlistStatuses/") {
			asyncPolls++
		}
	}
	if asyncPolls == 0 {
		t.Errorf("the operation was never polled: %v", env.Requests())
	}
	if msg := env.CallError("get_watchlist", map[string]any{"workspace": contoso, "watchlist": "Leavers"}); !strings.Contains(msg, "not found") {
		t.Errorf("after delete: %s", msg)
	}
	var before string
	for _, r := range env.AuditRecords() {
		if r.Tool == "delete_watchlist" {
			for _, c := range r.Changes {
				if string(c.After) == "null" {
					before = string(c.Before)
				}
			}
		}
	}
	if !strings.Contains(before, "b@contoso.com") || !strings.Contains(before, `"Leavers"`) {
		t.Errorf("the audit log does not keep the deleted watchlist and its items: %s", before)
	}
}

// callWithProgress calls a tool from a second client that asks for progress notifications, and
// returns the result and the notification messages.
func callWithProgress(t *testing.T, env *toolsettest.Env, name string, args map[string]any) (*mcp.CallToolResult, []string) {
	t.Helper()
	var mu sync.Mutex
	var msgs []string
	client := mcp.NewClient(&mcp.Implementation{Name: "progress", Version: "1"}, &mcp.ClientOptions{
		ProgressNotificationHandler: func(_ context.Context, r *mcp.ProgressNotificationClientRequest) {
			mu.Lock()
			msgs = append(msgs, r.Params.Message)
			mu.Unlock()
		}})
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
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
	// Notifications are delivered asynchronously: give the last one (the operation's end) a moment.
	for deadline := time.Now().Add(2 * time.Second); time.Now().Before(deadline); time.Sleep(10 * time.Millisecond) {
		mu.Lock()
		done := slices.ContainsFunc(msgs, func(m string) bool { return strings.Contains(m, ": Succeeded") })
		mu.Unlock()
		if done {
			break
		}
	}
	mu.Lock()
	defer mu.Unlock()
	return res, slices.Clone(msgs)
}
