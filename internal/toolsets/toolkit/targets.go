package toolkit

import (
	"slices"

	"github.com/sentinel-mcp/sentinel-mcp/internal/tenancy"
)

// TargetsArg is embedded in the input of a read-only tool over one or many workspaces, so that all
// of them take the same three arguments with the same default (docs/toolsets.md, "Argument
// conventions"): workspace (one), workspaces (several, or ["all"]), tenant (all of its workspaces);
// with none of them, every workspace the server may address.
type TargetsArg struct {
	Workspace  string   `json:"workspace,omitempty" jsonschema:"One workspace: alias (e.g. contoso/contoso-prod), name, customer id or resource id."`
	Workspaces []string `json:"workspaces,omitempty" jsonschema:"Several workspaces, each as for workspace; [\"all\"] for every one."`
	Tenant     string   `json:"tenant,omitempty" jsonschema:"Every workspace of a tenant (alias, name or id). Default, without workspace(s) or tenant: all workspaces."`
}

// Selector is the selection the arguments make, for Registry.Select.
func (a TargetsArg) Selector() tenancy.Selector {
	sel := tenancy.Selector{Workspaces: slices.Clone(a.Workspaces), Tenant: a.Tenant}
	if a.Workspace != "" {
		sel.Workspaces = append(sel.Workspaces, a.Workspace)
	}
	if len(sel.Workspaces) == 0 && sel.Tenant == "" {
		sel.All = true
	}
	return sel
}
