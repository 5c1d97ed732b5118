package main

import (
	"context"
	"io"
	"log/slog"
	"path/filepath"
	"strings"
	"testing"

	"github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/sentinel-mcp/sentinel-mcp/internal/config"
)

// BenchmarkStartToToolsList measures start-up with the emulator (server, Azure provider, tenancy
// registry) up to the answer of tools/list over an in-memory session. The product target is 50 ms;
// nothing on this path may call Azure.
func BenchmarkStartToToolsList(b *testing.B) {
	logger := slog.New(slog.NewTextHandler(io.Discard, nil))
	for i := 0; i < b.N; i++ {
		cfg := config.Default()
		cfg.Emulator.Enabled = true
		cfg.Audit.Path = filepath.Join(b.TempDir(), "audit.jsonl")
		a, err := start(context.Background(), cfg, logger)
		if err != nil {
			b.Fatal(err)
		}
		st, ct := mcp.NewInMemoryTransports()
		ss, err := a.srv.MCP().Connect(context.Background(), st, nil)
		if err != nil {
			b.Fatal(err)
		}
		cs, err := mcp.NewClient(&mcp.Implementation{Name: "bench"}, nil).Connect(context.Background(), ct, nil)
		if err != nil {
			b.Fatal(err)
		}
		res, err := cs.ListTools(context.Background(), nil)
		if err != nil || len(res.Tools) == 0 {
			b.Fatalf("tools/list: %v", err)
		}
		b.StopTimer()
		cs.Close()
		ss.Close()
		a.Close()
		b.StartTimer()
	}
}

// TestStartMakesNoAzureCall: building the server must not discover (tools/list stays instant and
// works offline); discovery happens on the first tool call that needs it.
func TestStartMakesNoAzureCall(t *testing.T) {
	cfg := config.Default()
	cfg.Emulator.Enabled = true
	cfg.Audit.Path = filepath.Join(t.TempDir(), "audit.jsonl")
	a, err := start(context.Background(), cfg, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	st, ct := mcp.NewInMemoryTransports()
	ss, _ := a.srv.MCP().Connect(context.Background(), st, nil)
	defer ss.Close()
	cs, err := mcp.NewClient(&mcp.Implementation{Name: "t"}, nil).Connect(context.Background(), ct, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer cs.Close()
	if _, err := cs.ListTools(context.Background(), nil); err != nil {
		t.Fatal(err)
	}
	if st := a.deps.Registry.Status(); st.Discovered || st.Refreshing {
		t.Fatalf("discovery ran during start-up: %+v", st)
	}
	// Start-up builds only the enabled toolsets' tools; a tool of another toolset, called by name, is
	// still known and refused with the reason (its toolset is built then).
	for name, want := range map[string]string{
		"delete_watchlist":      `toolset "watchlists" is not enabled`,
		"list_automation_rules": `toolset "automation" is not enabled`,
		"close_incident":        "writes are disabled",
	} {
		res, err := cs.CallTool(context.Background(), &mcp.CallToolParams{Name: name, Arguments: map[string]any{}})
		if err != nil || !res.IsError || !strings.Contains(res.Content[0].(*mcp.TextContent).Text, want) {
			t.Errorf("%s on the default server: %v %+v, want a tool error with %q", name, err, res, want)
		}
	}
	res, err := cs.CallTool(context.Background(), &mcp.CallToolParams{Name: "list_workspaces", Arguments: map[string]any{}})
	if err != nil || res.IsError {
		t.Fatalf("list_workspaces: %v %v", res, err)
	}
	if st := a.deps.Registry.Status(); !st.Discovered {
		t.Fatalf("no discovery after the first call: %+v", st)
	}
}
