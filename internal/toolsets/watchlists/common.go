package watchlists

import (
	"context"
	"errors"
	"strings"

	"github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/sentinel-mcp/sentinel-mcp/internal/azure"
	"github.com/sentinel-mcp/sentinel-mcp/internal/sentinel"
	"github.com/sentinel-mcp/sentinel-mcp/internal/tenancy"
	"github.com/sentinel-mcp/sentinel-mcp/internal/toolsets/toolkit"
)

var errNoAzure = errors.New("no Azure access is configured: configure azure.credential (see README, Configuration) or run with --emulator")

// clientFor resolves a workspace argument (already checked by the server) and returns its client.
func clientFor(ctx context.Context, d *toolkit.Deps, ref string) (*sentinel.Client, error) {
	if d == nil || d.Registry == nil || d.Azure == nil {
		return nil, errNoAzure
	}
	ws, err := d.Registry.Resolve(ctx, ref)
	if err != nil {
		return nil, err
	}
	return sentinel.New(d.Azure, ws)
}

// Target names the workspace a result is about.
type Target struct {
	Tenant    string `json:"tenant"`
	Workspace string `json:"workspace"`
}

func targetOf(ws *tenancy.Workspace) Target {
	return Target{Tenant: ws.TenantName, Workspace: ws.Alias}
}

// Failure is a workspace of a multi-workspace call that failed.
type Failure struct {
	Workspace string `json:"workspace"`
	Error     string `json:"error"`
}

// notFound turns Azure's 404 for a watchlist into an error that says how to find one.
func watchlistErr(alias string, ws *tenancy.Workspace, err error) error {
	if azure.IsNotFound(err) {
		return toolkit.NotFound("watchlist", alias, "list_watchlists shows the watchlists of "+ws.Alias+" (aliases are case-sensitive)")
	}
	return toolkit.Unavailable("reading watchlist "+alias+" of "+ws.Alias, err, "")
}

// appendText adds lines after a result's text.
func appendText(res *mcp.CallToolResult, lines ...string) {
	var keep []string
	for _, l := range lines {
		if l != "" {
			keep = append(keep, l)
		}
	}
	if len(keep) == 0 {
		return
	}
	res.Content = append(res.Content, &mcp.TextContent{Text: strings.Join(keep, "\n")})
}
