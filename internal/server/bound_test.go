package server

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/sentinel-mcp/sentinel-mcp/internal/inventory"
	"github.com/sentinel-mcp/sentinel-mcp/internal/toolsets/toolkit"
)

// Results stay within the result budget, and errors do not repeat long argument values, whatever the
// tool does.
func TestResultsAreBounded(t *testing.T) {
	ro := inventory.Annotations("Echo", inventory.ReadOnly)
	type in struct {
		Name string `json:"name" jsonschema:"A name."`
	}
	tools := []inventory.Tool{
		inventory.New("alpha", mcp.Tool{Name: "get_named", Description: "Fails naming its argument.", Annotations: ro},
			func(ctx context.Context, _ *mcp.CallToolRequest, in in) (*mcp.CallToolResult, any, error) {
				return nil, nil, fmt.Errorf("reading rule %s: not found; also %q, %s and token '%s'", in.Name, in.Name, strings.ToLower(in.Name), in.Name[10:])
			}),
		inventory.New("alpha", mcp.Tool{Name: "get_big", Description: "Returns too much.", Annotations: ro},
			func(ctx context.Context, _ *mcp.CallToolRequest, in in) (*mcp.CallToolResult, any, error) {
				return toolkit.Text(strings.Repeat("row\n", 100_000)), nil, nil
			}),
	}
	f := newFixture(t, fixtureOpts{extraTools: tools})
	cs := f.connect(nil, "")
	name := strings.Repeat("Nx\"", 10_000)
	res, msg := callTool(t, cs, "get_named", map[string]any{"name": name})
	if !res.IsError || len(msg) > 2000 || !strings.Contains(msg, "more characters") || !strings.HasPrefix(msg, "reading rule NxNx") && !strings.HasPrefix(msg, `reading rule Nx"Nx`) {
		t.Errorf("error of %d bytes: %.600s", len(msg), msg)
	}
	res, msg = callTool(t, cs, "get_big", map[string]any{"name": "x"})
	if res.IsError || len(msg) > f.cfg.Limits.MaxBytes || !strings.Contains(msg, "limits.max_bytes") {
		t.Errorf("result of %d bytes (budget %d): ...%s", len(msg), f.cfg.Limits.MaxBytes, msg[max(0, len(msg)-200):])
	}
}
