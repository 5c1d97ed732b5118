package tenancy

import (
	"context"
	"fmt"
	"strings"

	"github.com/sentinel-mcp/sentinel-mcp/internal/config"
	"github.com/sentinel-mcp/sentinel-mcp/internal/kql/syntax"
	"github.com/sentinel-mcp/sentinel-mcp/internal/textsafe"
)

// QueryWorkspaces returns the workspaces a KQL query reads besides the one it is sent to, through
// workspace("..."), each resolved and allow-listed as for Resolve. Log Analytics resolves those
// references with the caller's credential, which may reach tenants the allow-list leaves out, so:
//
//   - a reference must be a workspace's resource id or customer id: Log Analytics looks a name up
//     among every workspace the credential reaches, where another tenant may have one of that name;
//   - the other cross-resource functions (app, resource, adx, cluster, database, arg) are refused,
//     as is a workspace() whose argument is not a string literal.
//
// Errors say what to write instead; nothing is sent to Azure to decide.
func (r *Registry) QueryWorkspaces(ctx context.Context, query string) ([]*Workspace, error) {
	var out []*Workspace
	for _, ref := range syntax.CrossRefs(query) {
		ws, err := r.queryRef(ctx, ref)
		if err != nil {
			return nil, err
		}
		out = append(out, ws)
	}
	return out, nil
}

func (r *Registry) queryRef(ctx context.Context, ref syntax.CrossRef) (*Workspace, error) {
	switch {
	case ref.Func != "workspace":
		return nil, fmt.Errorf("the query calls %s(): cross-resource queries (app, resource, adx, cluster, database, arg) could reach tenants outside the allow-list, so this server does not send them; nothing was called. Query workspaces with workspace(\"<resource id>\") or with the multi-workspace tools", ref.Func)
	case !ref.Literal:
		return nil, fmt.Errorf("the query calls workspace() with an argument that is not a string literal: the server must know which workspaces a query reads before sending it; nothing was called. Write workspace(\"<resource id>\")")
	}
	name := strings.TrimSpace(ref.Arg)
	if name == "" {
		return nil, fmt.Errorf("the query calls workspace(\"\"): name a workspace by its resource id (list_workspaces shows them); nothing was called")
	}
	if c, ascii, ok := textsafe.FoldLookalike(name); ok {
		return nil, fmt.Errorf("the query names workspace(%+q), which contains %U, a look-alike of %q: name the workspace by its resource id; nothing was called", name, c, ascii)
	}
	ws, err := r.Resolve(ctx, name)
	if err != nil {
		return nil, fmt.Errorf("the query names workspace(%q), which this server may not query (nothing was called): %w", name, err)
	}
	if !config.IsGUID(name) && !strings.EqualFold(strings.TrimSuffix(name, "/"), ws.ResourceID) {
		return nil, fmt.Errorf("the query names workspace(%q): Log Analytics would look that name up in every tenant the server's credential reaches, so name the workspace by its resource id, workspace(%q) for %s; nothing was called", name, ws.ResourceID, ws.Alias)
	}
	return ws, nil
}
