// Package bind adapts the tenancy registry to what the server's middleware needs (server.Tenancy),
// so the server can resolve every workspace and tenant argument and enforce the allow-list before a
// handler runs. It lives apart from package tenancy, which must not depend on the server.
package bind

import (
	"context"

	"github.com/sentinel-mcp/sentinel-mcp/internal/server"
	"github.com/sentinel-mcp/sentinel-mcp/internal/tenancy"
)

// Server returns the server's view of r.
func Server(r *tenancy.Registry) server.Tenancy { return registry{r} }

type registry struct{ r *tenancy.Registry }

func (b registry) ResolveWorkspace(ctx context.Context, ref string) (server.Target, error) {
	ws, err := b.r.Resolve(ctx, ref)
	if err != nil {
		return server.Target{}, err
	}
	return server.Target{TenantID: ws.TenantID, TenantName: ws.TenantName, Workspace: ws.Alias, ResourceID: ws.ResourceID}, nil
}

func (b registry) ResolveTenant(ctx context.Context, ref string) (server.Target, error) {
	t, err := b.r.ResolveTenant(ctx, ref)
	if err != nil {
		return server.Target{}, err
	}
	return server.Target{TenantID: t.ID, TenantName: t.Name}, nil
}

func (b registry) TenantAllowed(tenantID string) bool { return b.r.TenantAllowed(tenantID) }

func (b registry) ResolveQuery(ctx context.Context, query string) ([]server.Target, error) {
	wss, err := b.r.QueryWorkspaces(ctx, query)
	if err != nil {
		return nil, err
	}
	out := make([]server.Target, len(wss))
	for i, ws := range wss {
		out[i] = server.Target{TenantID: ws.TenantID, TenantName: ws.TenantName, Workspace: ws.Alias, ResourceID: ws.ResourceID}
	}
	return out, nil
}
