// Package toolkit is what every toolset shares: the Deps handed to each toolset's Tools function,
// the argument conventions (workspace / workspaces / tenant), helpers that turn failures into
// actionable tool errors, result helpers over internal/render, and KQL quoting.
//
// Conventions for a toolset package:
//
//		func Tools(d *toolkit.Deps) []inventory.Tool { return []inventory.Tool{listIncidents(d), ...} }
//
//	  - Inputs embed toolkit.WorkspaceArg, toolkit.WorkspacesArg or toolkit.TenantArg, so that every tool
//	    names its targets the same way and the server resolves them and enforces the tenant allow-list
//	    before the handler runs.
//	  - A handler returns a plain error for anything the model can fix or should know (bad argument,
//	    unknown workspace, Azure error): it becomes a tool result with isError and the message. Use
//	    ArgError, NotFound and Unavailable so messages say what was wrong and what to try.
//	  - Large or tabular results go through Table (render budgets); never return unbounded text.
//	  - KQL built from user values uses QuoteKQL / QuoteKQLList / QuoteKQLName, never concatenation.
//	  - Writes report what they changed with audit.RecordChange(ctx, before, after).
package toolkit

import (
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"time"

	"github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/sentinel-mcp/sentinel-mcp/internal/azure"
	"github.com/sentinel-mcp/sentinel-mcp/internal/config"
	"github.com/sentinel-mcp/sentinel-mcp/internal/render"
	"github.com/sentinel-mcp/sentinel-mcp/internal/tenancy"
)

// Deps are the dependencies every toolset receives. Fields may be nil in tests that do not need them
// (and always are when only the tool list is built, e.g. by `sentinel-mcp tools`).
type Deps struct {
	Config *config.Config
	Logger *slog.Logger
	Now    func() time.Time // clock; use it instead of time.Now so tests can pin time
	// Registry resolves workspace and tenant arguments (already checked by the server) and selects
	// workspaces for multi-workspace tools; Registry.FanOut() has the configured concurrency.
	Registry *tenancy.Registry
	// Azure builds ARM and Log Analytics clients: Azure.ARM(ws.CredTenantID), Azure.Logs(ws.CredTenantID).
	Azure *azure.Provider
}

// Budget is the result budget configured for tool results (limits.max_rows, limits.max_bytes).
func (d *Deps) Budget() render.Budget {
	if d == nil || d.Config == nil {
		return render.Budget{}
	}
	return render.Budget{MaxRows: d.Config.Limits.MaxRows, MaxBytes: d.Config.Limits.MaxBytes}
}

// Clock returns d.Now, or time.Now when unset.
func (d *Deps) Clock() time.Time {
	if d == nil || d.Now == nil {
		return time.Now()
	}
	return d.Now()
}

// Log returns d.Logger, or a discarding logger when unset.
func (d *Deps) Log() *slog.Logger {
	if d == nil || d.Logger == nil {
		return slog.New(slog.DiscardHandler)
	}
	return d.Logger
}

// Standard descriptions of the addressing arguments, shared so every tool says the same thing.
const (
	DescWorkspace  = "Workspace: alias tenant/workspace (e.g. contoso/contoso-prod), workspace name, customer id (GUID) or resource id. See list_workspaces."
	DescWorkspaces = "Workspaces, each as for workspace; [\"all\"] for every workspace you may address."
	DescTenant     = "Tenant: alias (e.g. contoso), display name or tenant id (GUID). See list_tenants."
)

// WorkspaceArg is embedded in the input of a tool that acts on one workspace.
type WorkspaceArg struct {
	Workspace string `json:"workspace" jsonschema:"Workspace: alias tenant/workspace (e.g. contoso/contoso-prod), workspace name, customer id (GUID) or resource id. See list_workspaces."`
}

// WorkspacesArg is embedded in the input of a tool that acts on several workspaces.
type WorkspacesArg struct {
	Workspaces []string `json:"workspaces,omitempty" jsonschema:"Workspaces, each as for workspace; [\"all\"] for every workspace you may address."`
}

// TenantArg is embedded in the input of a tool that acts on a tenant (or, optionally, narrows a
// multi-workspace tool to one tenant).
type TenantArg struct {
	Tenant string `json:"tenant,omitempty" jsonschema:"Tenant: alias (e.g. contoso), display name or tenant id (GUID). See list_tenants."`
}

// ArgError is a bad-argument error: argument name, what is wrong, and (in the message) what to send
// instead.
func ArgError(arg, format string, args ...any) error {
	return fmt.Errorf("argument %q: %s", arg, fmt.Sprintf(format, args...))
}

// NotFound says an object does not exist and how to find valid ones.
func NotFound(what, name, hint string) error {
	msg := fmt.Sprintf("%s %q not found", what, name)
	if hint != "" {
		msg += ": " + hint
	}
	return errors.New(msg)
}

// Unavailable wraps a failure of a dependency (Azure, the network) with what the model can do.
func Unavailable(what string, err error, hint string) error {
	msg := fmt.Sprintf("%s failed: %v", what, err)
	if hint != "" {
		// Azure's messages often end with a period already.
		msg = strings.TrimRight(msg, ". ") + ". " + hint
	}
	return errors.New(msg)
}

// Text is a result with one text content block (structured output, if any, is added by the
// inventory from the handler's Out value).
func Text(s string) *mcp.CallToolResult {
	return &mcp.CallToolResult{Content: []mcp.Content{&mcp.TextContent{Text: s}}}
}

// Table renders t within the configured budget (narrowed by a tool's own limit argument when
// limit > 0) and returns the text result and the render report to embed in the structured output.
// The text ends with the truncation note when the budget cut the table.
func (d *Deps) Table(t *render.Table, format render.Format, limit int) (*mcp.CallToolResult, render.Result) {
	r := render.Render(t, format, d.Budget().Limit(limit))
	return Text(r.TextWithFooter()), r
}
