// Package inventory defines a tool as a value: its MCP definition (name, description, input and
// output schemas, annotations), the toolset it belongs to, and a closure that registers its typed
// handler on a server behind the server's middleware. A Builder selects the tools a server exposes
// (toolsets, individual tools, exclusions, read-only).
//
// A toolset package writes its tools like this:
//
//	type listIncidentsIn struct {
//		Workspace string `json:"workspace" jsonschema:"Workspace: alias (contoso/contoso-prod), name, customer id or resource id."`
//		Status    string `json:"status,omitempty" jsonschema:"Filter on status."`
//	}
//	type listIncidentsOut struct { ... }
//
//	inventory.New("incidents", mcp.Tool{
//		Name:        "list_incidents",
//		Description: "List incidents of a workspace, newest first.",
//		Annotations: inventory.Annotations("List incidents", inventory.ReadOnly|inventory.Idempotent|inventory.OpenWorld),
//	}, func(ctx context.Context, req *mcp.CallToolRequest, in listIncidentsIn) (*mcp.CallToolResult, listIncidentsOut, error) {
//		...
//	}, inventory.Enum("status", "New", "Active", "Closed"))
//
// Schemas are inferred from the In and Out types (descriptions from `jsonschema` tags; fields without
// omitempty are required). Arguments are validated before the handler runs; a handler error becomes a
// tool error result (isError), except a *jsonrpc.Error, which is a protocol error.
package inventory

import (
	"context"
	"encoding/json"

	"github.com/modelcontextprotocol/go-sdk/mcp"
)

// Tool is one tool as a value.
type Tool struct {
	Def      *mcp.Tool                     // definition as listed to clients (schemas filled in)
	Toolset  string                        // toolset name, e.g. "incidents"
	Register func(*mcp.Server, Middleware) // adds the tool to a server; mw wraps every call (may be nil)
	// Plan, optional, describes what a destructive call would do (for example the name and state of
	// the rule it would delete), to be shown with the confirmation request. Set it with the Plan
	// option. It must only read.
	Plan func(ctx context.Context, args json.RawMessage) (string, error)

	// add registers the tool under a given definition: Inventory.Register uses it so that the
	// definition a filter selected (for example without its output schema) is the one listed.
	add func(s *mcp.Server, def *mcp.Tool, mw Middleware)
	// resolve resolves the input and output schemas (done lazily, on the first call).
	resolve func() error
}

// CheckSchemas resolves the tool's input and output schemas now, as its first call would, and
// reports a schema that cannot be resolved (for example a default that violates its own enum).
func (t *Tool) CheckSchemas() error {
	if t.resolve == nil {
		return nil
	}
	return t.resolve()
}

// Name is the tool's name.
func (t *Tool) Name() string { return t.Def.Name }

// ReadOnly reports whether the tool only reads (annotation readOnlyHint).
func (t *Tool) ReadOnly() bool { return t.Def.Annotations != nil && t.Def.Annotations.ReadOnlyHint }

// Write reports whether the tool changes something (not read-only). Write tools are only listed when
// writes are enabled.
func (t *Tool) Write() bool { return !t.ReadOnly() }

// Destructive reports whether the tool may destroy or overwrite data (a write tool whose
// destructiveHint is true or unset, as the MCP default is true). Destructive calls need confirmation.
func (t *Tool) Destructive() bool {
	if t.ReadOnly() {
		return false
	}
	a := t.Def.Annotations
	return a == nil || a.DestructiveHint == nil || *a.DestructiveHint
}

// Call is one invocation of a tool, as middleware sees it.
type Call struct {
	Tool    *Tool
	Request *mcp.CallToolRequest
	// Args holds the arguments after validation against the input schema, with schema defaults applied
	// and null members dropped. It is nil when the arguments are invalid.
	Args json.RawMessage
	// ArgsErr is why the arguments are invalid (nil when valid). The innermost handler turns it into a
	// tool error; middleware may look at it first (for example to audit the attempt).
	ArgsErr error
}

// Handler handles a call; the innermost Handler decodes the arguments and runs the typed handler.
type Handler func(ctx context.Context, call *Call) (*mcp.CallToolResult, error)

// Middleware wraps a Handler. The server composes its safety rails (recover, audit, allow-list, rate
// limits, timeout, confirmation) into one Middleware applied to every tool.
type Middleware func(next Handler) Handler

// Hints are the four MCP tool annotations. Every tool states all four: a hint that is not set is
// explicitly false.
type Hints uint8

// Hint flags, combined with |.
const (
	ReadOnly    Hints = 1 << iota // does not modify its environment
	Destructive                   // may delete or overwrite (meaningful for write tools)
	Idempotent                    // repeating the call with the same arguments has no further effect
	OpenWorld                     // talks to external systems (Azure); false for offline tools
)

// Annotations returns tool annotations with a display title and all four hints set explicitly.
func Annotations(title string, h Hints) *mcp.ToolAnnotations {
	destructive := h&Destructive != 0
	openWorld := h&OpenWorld != 0
	return &mcp.ToolAnnotations{
		Title:           title,
		ReadOnlyHint:    h&ReadOnly != 0,
		DestructiveHint: &destructive,
		IdempotentHint:  h&Idempotent != 0,
		OpenWorldHint:   &openWorld,
	}
}
