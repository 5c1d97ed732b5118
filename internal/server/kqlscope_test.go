package server

import (
	"context"
	"slices"
	"strings"
	"testing"

	"github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/sentinel-mcp/sentinel-mcp/internal/audit"
	"github.com/sentinel-mcp/sentinel-mcp/internal/inventory"
	"github.com/sentinel-mcp/sentinel-mcp/internal/toolsets/toolkit"
)

type queryIn struct {
	toolkit.WorkspaceArg
	Query     string `json:"query" jsonschema:"KQL."`
	Transform string `json:"transform_kql,omitempty" jsonschema:"KQL."`
}

// The workspaces a KQL argument names (workspace("...")) are targets of the call: resolved,
// allow-listed and audited like workspace arguments.
func TestKQLArgumentsAreResolved(t *testing.T) {
	var ran int
	tool := inventory.New("alpha", mcp.Tool{Name: "run_query", Description: "Query.", Annotations: inventory.Annotations("Query", inventory.ReadOnly|inventory.OpenWorld)},
		func(ctx context.Context, _ *mcp.CallToolRequest, in queryIn) (*mcp.CallToolResult, any, error) {
			ran++
			return toolkit.Text("ran"), nil, nil
		})
	f := newFixture(t, fixtureOpts{extraTools: []inventory.Tool{tool}})
	cs := f.connect(nil, "")
	for _, c := range []struct {
		args map[string]any
		want string
	}{
		{map[string]any{"workspace": "contoso/contoso-prod", "query": `workspace("adatum/adatum-sentinel").T`}, "not in the allow-list"},
		{map[string]any{"workspace": "contoso/contoso-prod", "query": "T", "transform_kql": `union workspace("nope").T`}, `argument "transform_kql": unknown workspace "nope"`},
		{map[string]any{"workspace": "contoso/contoso-prod", "query": `app("x").requests`}, "app()"},
	} {
		res, msg := callTool(t, cs, "run_query", c.args)
		if !res.IsError || !strings.Contains(msg, c.want) {
			t.Errorf("%v: isError=%v %q, want %q", c.args, res.IsError, msg, c.want)
		}
	}
	if ran != 0 {
		t.Fatal("a refused query reached its handler")
	}
	res, msg := callTool(t, cs, "run_query", map[string]any{"workspace": "contoso/contoso-prod", "query": `union T, workspace("fabrikam/fabrikam-main").T`})
	if res.IsError || ran != 1 {
		t.Fatalf("an allowed cross-workspace query: %s", msg)
	}
	recs := f.records()
	last := recs[len(recs)-1]
	if last.Outcome != audit.OutcomeOK || !slices.Contains(last.Workspaces, "fabrikam/fabrikam-main") || !slices.Contains(last.Tenants, "t-fabrikam") {
		t.Errorf("the audit record does not name the workspace the query reads: %+v", last)
	}
}
