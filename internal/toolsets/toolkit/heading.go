package toolkit

import (
	"fmt"

	"github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/sentinel-mcp/sentinel-mcp/internal/tenancy"
)

// Scope names the workspaces a result covers, for its first line: "contoso/contoso-prod (tenant
// Contoso)" for one, "6 workspaces of 5 tenants" for several. Every result says where its data
// comes from (docs/toolsets.md): a model juggling several customers must never have to guess.
func Scope(wss []*tenancy.Workspace) string {
	switch len(wss) {
	case 0:
		return "no workspace"
	case 1:
		return WorkspaceName(wss[0])
	}
	tenants := map[string]bool{}
	for _, w := range wss {
		tenants[w.TenantID] = true
	}
	return fmt.Sprintf("%d workspaces of %s", len(wss), Count(len(tenants), "tenant", "tenants"))
}

// WorkspaceName is "contoso/contoso-prod (tenant Contoso)".
func WorkspaceName(ws *tenancy.Workspace) string {
	if ws.TenantName == "" {
		return ws.Alias
	}
	return ws.Alias + " (tenant " + ws.TenantName + ")"
}

// Count is "1 rule", "3 rules".
func Count(n int, singular, plural string) string {
	if n == 1 {
		return "1 " + singular
	}
	return fmt.Sprintf("%d %s", n, plural)
}

// WithHeading puts line before the result's text, as a block of its own so that csv and json
// renderings stay parseable.
func WithHeading(res *mcp.CallToolResult, line string) *mcp.CallToolResult {
	res.Content = append([]mcp.Content{&mcp.TextContent{Text: line}}, res.Content...)
	return res
}
