package server

import (
	"context"
	"slices"
	"strings"
	"testing"

	"github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/sentinel-mcp/sentinel-mcp/internal/audit"
	"github.com/sentinel-mcp/sentinel-mcp/internal/inventory"
)

func toolNames(t *testing.T, cs *mcp.ClientSession) []string {
	t.Helper()
	res, err := cs.ListTools(context.Background(), nil)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, tl := range res.Tools {
		names = append(names, tl.Name)
	}
	return names
}

func TestInitializeAndListTools(t *testing.T) {
	f := newFixture(t, fixtureOpts{})
	for _, version := range []string{"2025-06-18", "2025-11-25", ""} { // "" = latest (server/discover)
		cs := f.connect(nil, version)
		init := cs.InitializeResult()
		if init.ServerInfo.Name != Name || init.ServerInfo.Version != "test" {
			t.Errorf("%s: server info %+v", version, init.ServerInfo)
		}
		caps := init.Capabilities
		if caps.Tools == nil || caps.Prompts == nil || caps.Resources == nil || caps.Logging != nil {
			t.Errorf("%s: capabilities %+v", version, caps)
		}
		if !strings.Contains(init.Instructions, "contoso/contoso-prod") || !strings.Contains(init.Instructions, "alpha: Reading things.") ||
			!strings.Contains(init.Instructions, "read-only") {
			t.Errorf("%s: instructions:\n%s", version, init.Instructions)
		}
		// Read-only is the default: write tools are not listed.
		if got := toolNames(t, cs); !slices.Equal(got, []string{"cause_panic", "get_echo", "list_scope", "wait_long"}) {
			t.Errorf("%s: tools = %v", version, got)
		}
	}
}

func TestToolsetFiltersAndReadOnlyThroughProtocol(t *testing.T) {
	cases := []struct {
		filter inventory.Filter
		want   []string
	}{
		{inventory.Filter{Toolsets: []string{"all"}, EnableWrites: true}, []string{"cause_panic", "delete_thing", "get_echo", "list_scope", "update_thing", "wait_long"}},
		{inventory.Filter{Toolsets: []string{"all"}, EnableWrites: true, ReadOnly: true}, []string{"cause_panic", "get_echo", "list_scope", "wait_long"}},
		{inventory.Filter{Toolsets: []string{"beta"}, EnableWrites: true, Exclude: []string{"delete_thing"}}, []string{"update_thing"}},
		{inventory.Filter{Toolsets: []string{"beta"}}, nil},
		{inventory.Filter{Toolsets: []string{"default"}, Tools: []string{"update_thing"}, EnableWrites: true}, []string{"cause_panic", "get_echo", "list_scope", "update_thing", "wait_long"}},
	}
	for _, c := range cases {
		f := newFixture(t, fixtureOpts{filter: c.filter})
		cs := f.connect(nil, "2025-11-25")
		if got := toolNames(t, cs); !slices.Equal(got, c.want) {
			t.Errorf("%+v: tools = %v, want %v", c.filter, got, c.want)
		}
	}
	// A tool that is not listed cannot be called either: the call is refused with a tool error that says
	// why (not the protocol's "unknown tool"), audited, and never runs.
	for _, c := range []struct {
		filter inventory.Filter
		tool   string
		want   string
	}{
		{inventory.Filter{Toolsets: []string{"all"}, EnableWrites: true, ReadOnly: true}, "update_thing", "--read-only"},
		{inventory.Filter{Toolsets: []string{"all"}}, "update_thing", "--enable-writes"},
		{inventory.Filter{Toolsets: []string{"all"}}, "delete_thing", "--enable-writes"},
		{inventory.Filter{Toolsets: []string{"all"}, Exclude: []string{"get_echo"}}, "get_echo", "excluded by this server's configuration"},
		{inventory.Filter{Toolsets: []string{"beta"}}, "get_echo", `toolset "alpha" is not enabled`},
	} {
		f := newFixture(t, fixtureOpts{filter: c.filter})
		cs := f.connect(nil, "")
		res, err := cs.CallTool(context.Background(), &mcp.CallToolParams{Name: c.tool, Arguments: map[string]any{"workspace": "contoso/contoso-prod", "note": "n"}})
		if err != nil {
			t.Errorf("%+v: %s: protocol error %v, want a tool error", c.filter, c.tool, err)
			continue
		}
		if msg := text(res); !res.IsError || !strings.Contains(msg, c.want) || !strings.Contains(msg, "exists") {
			t.Errorf("%+v: %s: isError=%v %q, want %q", c.filter, c.tool, res.IsError, msg, c.want)
		}
		if f.env.count(c.tool) != 0 {
			t.Errorf("%+v: %s ran", c.filter, c.tool)
		}
		recs := f.records()
		if len(recs) != 1 || recs[0].Outcome != audit.OutcomeRefused || recs[0].Tool != c.tool || recs[0].CorrelationID != res.Meta[MetaCorrelationID] {
			t.Errorf("%+v: %s: audit records %+v", c.filter, c.tool, recs)
		}
	}
	// A name no toolset defines stays a protocol error.
	cs := newFixture(t, fixtureOpts{}).connect(nil, "")
	if _, err := cs.CallTool(context.Background(), &mcp.CallToolParams{Name: "no_such_tool"}); err == nil || !strings.Contains(err.Error(), "unknown tool") {
		t.Errorf("unknown tool: %v", err)
	}
}

func TestPromptsAndResources(t *testing.T) {
	f := newFixture(t, fixtureOpts{})
	cs := f.connect(nil, "2025-11-25")
	ctx := context.Background()

	prompts, err := cs.ListPrompts(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, p := range prompts.Prompts {
		names = append(names, p.Name)
	}
	if !slices.Equal(names, []string{"hunt_across_tenants", "triage_incident"}) {
		t.Errorf("prompts = %v", names)
	}
	hunt, err := cs.GetPrompt(ctx, &mcp.GetPromptParams{Name: "hunt_across_tenants", Arguments: map[string]string{"hypothesis": `evil"user@contoso.com` + "\n| take 1"}})
	if err != nil {
		t.Fatal(err)
	}
	body := hunt.Messages[0].Content.(*mcp.TextContent).Text
	if !strings.Contains(body, `"evil\"user@contoso.com\n| take 1"`) || !strings.Contains(body, "run_kql_query_across_workspaces") {
		t.Errorf("hunt prompt does not carry the hypothesis as an escaped KQL literal:\n%s", body)
	}
	if _, err := cs.GetPrompt(ctx, &mcp.GetPromptParams{Name: "triage_incident", Arguments: map[string]string{"workspace": "contoso/contoso-prod"}}); err == nil {
		t.Error("triage_incident without an incident succeeded")
	}
	tri, err := cs.GetPrompt(ctx, &mcp.GetPromptParams{Name: "triage_incident", Arguments: map[string]string{"workspace": "contoso/contoso-prod", "incident": "42"}})
	if err != nil || !strings.Contains(tri.Messages[0].Content.(*mcp.TextContent).Text, "get_incident (workspace contoso/contoso-prod, incident 42)") {
		t.Errorf("triage prompt: %v %+v", err, tri)
	}

	res, err := cs.ListResources(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	var uris []string
	for _, r := range res.Resources {
		uris = append(uris, r.URI)
	}
	slices.Sort(uris)
	if !slices.Equal(uris, []string{URICheatSheet, URISchemas, URIStatus}) {
		t.Errorf("resources = %v", uris)
	}
	tmpl, err := cs.ListResourceTemplates(ctx, nil)
	if err != nil || len(tmpl.ResourceTemplates) != 1 || tmpl.ResourceTemplates[0].URITemplate != "sentinel://schemas/{table}" {
		t.Errorf("templates = %+v, %v", tmpl, err)
	}
	for uri, want := range map[string]string{
		URICheatSheet:                   "KQL cheat sheet",
		URIStatus:                       `"writes_enabled": false`,
		URISchemas:                      "- SigninLogs",
		"sentinel://schemas/SigninLogs": "| TimeGenerated | datetime |",
	} {
		r, err := cs.ReadResource(ctx, &mcp.ReadResourceParams{URI: uri})
		if err != nil || !strings.Contains(r.Contents[0].Text, want) {
			t.Errorf("%s: %v %+v", uri, err, r)
		}
	}
	if _, err := cs.ReadResource(ctx, &mcp.ReadResourceParams{URI: "sentinel://schemas/NoSuchTable"}); err == nil {
		t.Error("unknown table schema read succeeded")
	}
}

func TestServeEndsCleanly(t *testing.T) {
	f := newFixture(t, fixtureOpts{})
	for _, how := range []string{"client disconnects", "context cancelled"} {
		ctx, cancel := context.WithCancel(context.Background())
		st, ct := mcp.NewInMemoryTransports()
		done := make(chan error, 1)
		go func() { done <- f.srv.serve(ctx, st) }()
		cs, err := mcp.NewClient(&mcp.Implementation{Name: "c", Version: "1"}, nil).Connect(context.Background(), ct, nil)
		if err != nil {
			t.Fatal(err)
		}
		if how == "client disconnects" {
			cs.Close()
		} else {
			cancel()
		}
		if err := <-done; err != nil {
			t.Errorf("%s: serve returned %v", how, err)
		}
		cancel()
		cs.Close()
	}
}
