package all

import (
	"context"
	"encoding/json"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/sentinel-mcp/sentinel-mcp/internal/config"
	"github.com/sentinel-mcp/sentinel-mcp/internal/emulator/world"
	"github.com/sentinel-mcp/sentinel-mcp/internal/inventory"
	"github.com/sentinel-mcp/sentinel-mcp/internal/toolsets/toolsettest"
)

// The argument conventions of docs/toolsets.md, checked over every tool of every toolset.

// propsOf is a tool's input properties and required arguments.
func propsOf(t *testing.T, tl *inventory.Tool) (map[string]map[string]any, []string) {
	t.Helper()
	raw, err := json.Marshal(tl.Def.InputSchema)
	if err != nil {
		t.Fatal(err)
	}
	var s struct {
		Properties map[string]map[string]any
		Required   []string
	}
	if err := json.Unmarshal(raw, &s); err != nil {
		t.Fatal(err)
	}
	return s.Properties, s.Required
}

// pendingTargets are toolsets whose multi-workspace tools do not take toolkit.TargetsArg yet.
var pendingTargets = map[string]bool{"health": true, "compliance": true, "drift": true, "backup": true}

func TestArgumentNamingConventions(t *testing.T) {
	// Names that mean the same thing as a conventional one: one name per concept across tools.
	synonyms := map[string]string{
		"lookback": "timespan", "time_range": "timespan", "period": "timespan", "window": "timespan", "since": "start",
		"incident_id": "incident", "incident_number": "incident", "rule_id": "rule", "query_text": "query", "kql": "query",
		"max": "limit", "max_rows": "limit", "top": "limit", "page_size": "limit", "page": "cursor", "next": "cursor",
		"filter": "search", "text": "search (a filter) or content (a document to import)", "body": "content", "yaml": "content",
		"workspace_id": "workspace", "tenant_id": "tenant", "output": "format", "output_format": "format",
	}
	tools := Tools(deps())
	for i := range tools {
		tl := &tools[i]
		props, _ := propsOf(t, tl)
		for name := range props {
			if want, bad := synonyms[name]; bad {
				t.Errorf("%s: argument %q: name it %s, as the other tools do", tl.Name(), name, want)
			}
		}
		// Every tool over several workspaces takes the same three addressing arguments (the operations
		// toolsets still to follow, named in pendingTargets).
		if _, multi := props["workspaces"]; multi && !pendingTargets[tl.Toolset] {
			for _, want := range []string{"workspace", "tenant"} {
				if _, ok := props[want]; !ok {
					t.Errorf("%s takes workspaces but not %s (toolkit.TargetsArg)", tl.Name(), want)
				}
			}
		}
		// format is the rendering of a result (table, csv, json) or of an export; limit is described.
		if f, ok := props["format"]; ok {
			enum, _ := f["enum"].([]any)
			if len(enum) == 0 {
				t.Errorf("%s: format has no enum", tl.Name())
			}
		}
		if l, ok := props["limit"]; ok && l["type"] != "integer" {
			t.Errorf("%s: limit is %v, want an integer", tl.Name(), l["type"])
		}
	}
}

// Every list tool's answer starts with a line naming what it lists and in which workspace and tenant,
// in every format: a model juggling customers must not have to guess where rows come from.
func TestListAnswersNameTheirWorkspace(t *testing.T) {
	var sets []toolsettest.Toolset
	for _, e := range registry {
		sets = append(sets, toolsettest.Toolset{Toolset: e.toolset, Tools: e.tools})
	}
	env := toolsettest.Start(t, toolsettest.Options{Toolsets: sets,
		Configure: func(c *config.Config) { c.Limits.TenantRate, c.Limits.Rate = 0, 0 }})
	ws := world.MustWorkspace(world.WSContosoProd)
	incident := world.SeededFacts().IncidentsIn(world.WSContosoProd)[0].Number
	extra := map[string]map[string]any{
		"list_incident_comments": {"incident": incident},
		"list_watchlist_items":   {"watchlist": "VIPUsers"},
		"list_dcr_associations":  {"rule": "dcr-" + world.WSContosoProd + "-windows-security"},
	}
	res, err := env.Session.ListTools(context.Background(), nil)
	if err != nil {
		t.Fatal(err)
	}
	want := ws.Alias() + " (tenant " + world.MustTenant(ws.TenantAlias).Name + ")"
	checked := 0
	for _, tool := range res.Tools {
		raw, _ := json.Marshal(tool.InputSchema)
		var s struct{ Properties map[string]any }
		_ = json.Unmarshal(raw, &s)
		if _, ok := s.Properties["workspace"]; !ok || !strings.HasPrefix(tool.Name, "list_") {
			continue
		}
		formats := []string{""}
		if _, ok := s.Properties["format"]; ok {
			formats = []string{"table", "json"}
		}
		for _, f := range formats {
			args := map[string]any{"workspace": ws.Alias()}
			for k, v := range extra[tool.Name] {
				args[k] = v
			}
			if f != "" {
				args["format"] = f
			}
			r := env.CallOK(tool.Name, args)
			first, _, _ := strings.Cut(r.Text, "\n")
			if !strings.Contains(first, want) {
				t.Errorf("%s (format %q): the first line does not name %s:\n%s", tool.Name, f, want, r.Text[:min(len(r.Text), 300)])
			}
		}
		checked++
	}
	if checked < 12 {
		t.Errorf("only %d list tools checked", checked)
	}
}

// A period or a time that one tool accepts, every tool accepts.
func TestEveryToolReadsPeriodsAlike(t *testing.T) {
	var sets []toolsettest.Toolset
	for _, e := range registry {
		if slices.Contains([]string{"query", "incidents", "connectors"}, e.toolset.Name) {
			sets = append(sets, toolsettest.Toolset{Toolset: e.toolset, Tools: e.tools})
		}
	}
	env := toolsettest.Start(t, toolsettest.Options{Toolsets: sets,
		Configure: func(c *config.Config) { c.Limits.TenantRate, c.Limits.Rate = 0, 0 }})
	ws := world.MustWorkspace(world.WSContosoProd).Alias()
	calls := []struct {
		tool, arg string
		args      map[string]any
	}{
		{"run_kql_query", "timespan", map[string]any{"workspace": ws, "query": "SigninLogs | count"}},
		{"run_kql_query_across_workspaces", "timespan", map[string]any{"workspace": ws, "query": "SigninLogs | count"}},
		{"list_tables", "timespan", map[string]any{"workspace": ws}},
		{"list_incidents", "created_within", map[string]any{"workspace": ws}},
		{"check_connector_freshness", "timespan", map[string]any{"workspace": ws, "kind": "Office365"}},
		{"check_connector_freshness", "stale_after", map[string]any{"workspace": ws, "kind": "Office365"}},
	}
	for _, c := range calls {
		for _, v := range []string{"36h", "1d12h", "P1DT12H", "2 days"} {
			args := map[string]any{c.arg: v}
			for k, x := range c.args {
				args[k] = x
			}
			env.CallOK(c.tool, args)
		}
		args := map[string]any{c.arg: "a while"}
		for k, x := range c.args {
			args[k] = x
		}
		if msg := env.CallError(c.tool, args); !strings.Contains(msg, `argument "`+c.arg+`": "a while" is not a duration: use 30m, 24h, 7d, 2w or ISO 8601`) {
			t.Errorf("%s %s: %s", c.tool, c.arg, msg)
		}
	}
	for _, c := range []struct{ tool, arg string }{{"run_kql_query", "start"}, {"list_incidents", "created_after"}} {
		now := env.Deps.Clock().UTC()
		for _, v := range []string{"2d", now.AddDate(0, 0, -2).Format("2006-01-02"), now.Add(-36 * time.Hour).Format("2006-01-02T15:04:05Z")} {
			args := map[string]any{"workspace": ws, c.arg: v}
			if c.tool == "run_kql_query" {
				args["query"] = "SigninLogs | count"
			}
			env.CallOK(c.tool, args)
		}
	}
}

// The prompts and the instructions name tools and arguments: every name they use must exist, so a
// renamed argument cannot leave them sending the model to a dead end.
func TestPromptsAndInstructionsNameRealToolsAndArguments(t *testing.T) {
	var sets []toolsettest.Toolset
	for _, e := range registry {
		sets = append(sets, toolsettest.Toolset{Toolset: e.toolset, Tools: e.tools})
	}
	env := toolsettest.Start(t, toolsettest.Options{Toolsets: sets, Writes: true})
	ctx := context.Background()
	res, err := env.Session.ListTools(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	known := map[string]bool{"untrusted_data": true}
	for _, tool := range res.Tools {
		known[tool.Name] = true
		raw, _ := json.Marshal(tool.InputSchema)
		var s struct{ Properties map[string]any }
		_ = json.Unmarshal(raw, &s)
		for arg := range s.Properties {
			known[arg] = true
		}
	}
	texts := map[string]string{"instructions": env.Session.InitializeResult().Instructions}
	for name, args := range map[string]map[string]string{
		"triage_incident":     {"workspace": "contoso/contoso-prod", "incident": "42"},
		"hunt_across_tenants": {"hypothesis": "198.51.100.21", "tenant": "contoso"},
	} {
		p, err := env.Session.GetPrompt(ctx, &mcp.GetPromptParams{Name: name, Arguments: args})
		if err != nil {
			t.Fatal(err)
		}
		texts[name] = p.Messages[0].Content.(*mcp.TextContent).Text
	}
	snake := regexp.MustCompile(`\b[a-z]+(?:_[a-z]+)+\b`)
	for name, text := range texts {
		for _, w := range snake.FindAllString(text, -1) {
			if !known[w] {
				t.Errorf("%s names %q, which is neither a tool nor an argument", name, w)
			}
		}
	}
	for _, want := range []string{"get_incident", "run_kql_query_across_workspaces", "created_after", "classification_reason"} {
		if !strings.Contains(texts["triage_incident"], want) {
			t.Errorf("triage_incident does not mention %s", want)
		}
	}
	if !strings.Contains(texts["hunt_across_tenants"], `run_kql_query_across_workspaces (tenant "contoso", timespan 7d)`) {
		t.Errorf("hunt_across_tenants does not pass the tenant:\n%s", texts["hunt_across_tenants"])
	}
}
