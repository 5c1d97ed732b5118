package server

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"unicode/utf8"

	"github.com/sentinel-mcp/sentinel-mcp/internal/textsafe"
)

// Target is a tenant or workspace that a call addresses, as resolved by the tenancy layer.
type Target struct {
	TenantID   string
	TenantName string
	Workspace  string // workspace alias ("contoso/contoso-prod"); "" when the target is a tenant
	ResourceID string
}

// Tenancy is what the middleware needs from the tenancy layer. Errors from the Resolve methods are
// shown to the model as the reason of the refusal, so they should say what was wrong and what to try
// (for example the closest valid names).
type Tenancy interface {
	ResolveWorkspace(ctx context.Context, ref string) (Target, error)
	ResolveTenant(ctx context.Context, ref string) (Target, error)
	TenantAllowed(tenantID string) bool
	// ResolveQuery returns the workspaces a KQL query names itself (workspace("...")), resolved and
	// allow-listed, or why the query may not be sent (see tenancy.Registry.QueryWorkspaces).
	ResolveQuery(ctx context.Context, query string) ([]Target, error)
}

// Argument naming convention for addressing (ARCHITECTURE.md): the middleware resolves, before the
// handler runs, every top-level argument named
//
//	workspace, *_workspace        one workspace reference (string)
//	workspaces, *_workspaces      several workspace references ([]string); "all" and "*" are left to
//	                              the handler, which selects within the allow-list
//	tenant, *_tenant              one tenant reference (string)
//
// so that "baseline_workspace" or "target_workspace" of a drift or restore tool are checked too.
//
// A KQL query can name other workspaces itself (workspace("x"), which Log Analytics resolves with
// the server's credential, allow-list or not), so every top-level argument named
//
//	query, *_query, kql, *_kql    KQL text
//
// is resolved too (Tenancy.ResolveQuery): the workspaces it names are targets of the call like
// those of workspace arguments, and a cross-resource call the server never sends refuses it.
type argKind int

const (
	argNone argKind = iota
	argWorkspace
	argWorkspaces
	argTenant
	argKQL
)

func classifyArg(name string) argKind {
	switch {
	case name == "query" || name == "kql" || strings.HasSuffix(name, "_query") || strings.HasSuffix(name, "_kql"):
		return argKQL
	case name == "workspace" || strings.HasSuffix(name, "_workspace"):
		return argWorkspace
	case name == "workspaces" || strings.HasSuffix(name, "_workspaces"):
		return argWorkspaces
	case name == "tenant" || strings.HasSuffix(name, "_tenant"):
		return argTenant
	}
	return argNone
}

// addressing is what a call's arguments address, before resolution.
type addressing struct {
	workspaces []string
	tenants    []string
	queries    []kqlArg
}

// kqlArg is a KQL argument (name and text).
type kqlArg struct{ name, query string }

func (a addressing) empty() bool {
	return len(a.workspaces) == 0 && len(a.tenants) == 0 && len(a.queries) == 0
}

// extractAddressing reads the addressing arguments of validated call arguments.
func extractAddressing(args json.RawMessage) addressing {
	var m map[string]any
	var a addressing
	if json.Unmarshal(args, &m) != nil {
		return a
	}
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	for _, k := range keys {
		switch classifyArg(k) {
		case argWorkspace:
			if s, ok := m[k].(string); ok && strings.TrimSpace(s) != "" {
				a.workspaces = append(a.workspaces, strings.TrimSpace(s))
			}
		case argWorkspaces:
			if list, ok := m[k].([]any); ok {
				for _, item := range list {
					if s, ok := item.(string); ok && strings.TrimSpace(s) != "" && !isWildcard(s) {
						a.workspaces = append(a.workspaces, strings.TrimSpace(s))
					}
				}
			}
		case argTenant:
			if s, ok := m[k].(string); ok && strings.TrimSpace(s) != "" && !isWildcard(s) {
				a.tenants = append(a.tenants, strings.TrimSpace(s))
			}
		case argKQL:
			if s, ok := m[k].(string); ok && strings.TrimSpace(s) != "" {
				a.queries = append(a.queries, kqlArg{k, s})
			}
		}
	}
	return a
}

func isWildcard(s string) bool {
	s = strings.TrimSpace(strings.ToLower(s))
	return s == "all" || s == "*"
}

// resolveTargets resolves every addressed workspace and tenant and checks the allow-list. The first
// problem is returned as a refusal reason.
func resolveTargets(ctx context.Context, t Tenancy, a addressing) ([]Target, error) {
	if a.empty() {
		return nil, nil
	}
	for _, ref := range append(slices.Clone(a.workspaces), a.tenants...) {
		if err := checkRef(ref); err != nil {
			return nil, err
		}
	}
	if t == nil {
		return nil, fmt.Errorf("no tenants are configured, so no workspace or tenant can be addressed: configure Azure access (see README, Configuration) or run with --emulator")
	}
	var out []Target
	for _, ref := range a.workspaces {
		tg, err := t.ResolveWorkspace(ctx, ref)
		if err != nil {
			return nil, escapedRef(ref, err)
		}
		out = append(out, tg)
	}
	for _, ref := range a.tenants {
		tg, err := t.ResolveTenant(ctx, ref)
		if err != nil {
			return nil, escapedRef(ref, err)
		}
		out = append(out, tg)
	}
	for _, q := range a.queries {
		tgs, err := t.ResolveQuery(ctx, q.query)
		if err != nil {
			return nil, fmt.Errorf("argument %q: %w", q.name, err)
		}
		out = append(out, tgs...)
	}
	for _, tg := range out {
		if !t.TenantAllowed(tg.TenantID) {
			name := tg.TenantName
			if name == "" {
				name = tg.TenantID
			}
			return nil, fmt.Errorf("tenant %s (%s) is not in the allow-list of this server: nothing was called. Use list_tenants to see the tenants you may address", name, tg.TenantID)
		}
	}
	return out, nil
}

// checkRef refuses, before any resolution, references that can only mislead: overlong ones, and
// ones with a character that case-insensitive matching equates with a plain ASCII letter (KELVIN
// SIGN for k, LONG S for s), which would otherwise resolve to the workspace they imitate.
func checkRef(ref string) error {
	if n := utf8.RuneCountInString(ref); n > maxRefChars {
		return fmt.Errorf("a workspace or tenant reference of %d characters (%.40q…) names nothing: use an alias, name, id or resource id (at most %d characters) from list_workspaces or list_tenants", n, ref, maxRefChars)
	}
	if r, ascii, ok := textsafe.FoldLookalike(ref); ok {
		return fmt.Errorf("the reference %+q contains %U, a look-alike of the letter %q: workspace and tenant names are plain ASCII, so it names nothing. Nothing was called; list_workspaces shows the names", ref, r, ascii)
	}
	return nil
}

// escapedRef adds the ASCII-escaped form of a reference with non-ASCII characters to its resolution
// error, so that a homoglyph (a Cyrillic о for an o) or an invisible character shows as what it is.
func escapedRef(ref string, err error) error {
	for _, r := range ref {
		if r >= utf8.RuneSelf {
			return fmt.Errorf("%w (the reference, escaped: %+q: it contains non-ASCII characters)", err, ref)
		}
	}
	return err
}

// maxRefChars bounds a workspace or tenant reference (a resource id is under 300 characters): a
// longer one is refused before the tenancy layer compares it with every known name.
const maxRefChars = 512

// tenantIDs returns the distinct tenant ids of targets, in order.
func tenantIDs(ts []Target) []string {
	var out []string
	for _, t := range ts {
		if t.TenantID != "" && !slices.Contains(out, t.TenantID) {
			out = append(out, t.TenantID)
		}
	}
	return out
}

// workspaceNames returns the distinct workspace aliases (or resource ids) of targets.
func workspaceNames(ts []Target) []string {
	var out []string
	for _, t := range ts {
		name := t.Workspace
		if name == "" {
			name = t.ResourceID
		}
		if name != "" && !slices.Contains(out, name) {
			out = append(out, name)
		}
	}
	return out
}
