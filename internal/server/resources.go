package server

import (
	"context"
	"encoding/json"
	"fmt"
	"net/url"
	"strings"

	"github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/sentinel-mcp/sentinel-mcp/internal/inventory"
)

// SchemaCatalog provides the table schemas served as resources (internal/schema in production).
type SchemaCatalog interface {
	TableNames() []string
	// TableSchema describes one table (columns and types, time column, description) as Markdown;
	// ok is false for an unknown table. Names are matched as Kusto does, case-sensitively.
	TableSchema(name string) (markdown string, ok bool)
}

// Resource URIs.
const (
	URICheatSheet   = "sentinel://kql/cheatsheet"
	URISchemas      = "sentinel://schemas"
	URISchemaPrefix = "sentinel://schemas/"
	URIStatus       = "sentinel://server/status"
)

func (s *Server) addResources() {
	s.mcp.AddResource(&mcp.Resource{
		URI: URIStatus, Name: "server-status", Title: "Server status",
		Description: "Mode (read-only or writes enabled), enabled toolsets and tools, limits and result budgets of this server.",
		MIMEType:    "application/json",
	}, s.readStatus)
	if s.opts.CheatSheet != nil {
		s.mcp.AddResource(&mcp.Resource{
			URI: URICheatSheet, Name: "kql-cheatsheet", Title: "KQL cheat sheet",
			Description: "KQL operators and idioms for Sentinel hunting, with examples.",
			MIMEType:    "text/markdown",
		}, func(context.Context, *mcp.ReadResourceRequest) (*mcp.ReadResourceResult, error) {
			return textResource(URICheatSheet, "text/markdown", s.opts.CheatSheet()), nil
		})
	}
	if s.opts.Schemas != nil {
		s.mcp.AddResource(&mcp.Resource{
			URI: URISchemas, Name: "table-schemas", Title: "Known tables",
			Description: "Sentinel / Log Analytics tables with known schemas; read sentinel://schemas/{table} for one.",
			MIMEType:    "text/markdown",
		}, s.readSchemaList)
		s.mcp.AddResourceTemplate(&mcp.ResourceTemplate{
			URITemplate: URISchemaPrefix + "{table}", Name: "table-schema", Title: "Table schema",
			Description: "Columns and types of one Sentinel / Log Analytics table, e.g. sentinel://schemas/SigninLogs.",
			MIMEType:    "text/markdown",
		}, s.readSchema)
	}
}

func textResource(uri, mime, text string) *mcp.ReadResourceResult {
	return &mcp.ReadResourceResult{Contents: []*mcp.ResourceContents{{URI: uri, MIMEType: mime, Text: text}}}
}

func (s *Server) readStatus(context.Context, *mcp.ReadResourceRequest) (*mcp.ReadResourceResult, error) {
	inv := s.opts.Inventory
	cfg := s.opts.Config
	toolsets := inv.Toolsets
	if toolsets == nil {
		toolsets = []inventory.Toolset{} // a list in the JSON even when empty, never null
	}
	status := map[string]any{
		"version":        s.opts.Version,
		"writes_enabled": inv.Filter.WritesAllowed(),
		"toolsets":       toolsets,
		"tools":          len(inv.Tools),
		"limits": map[string]any{
			"call_timeout":      cfg.Limits.CallTimeout.String(),
			"rate_per_second":   cfg.Limits.Rate,
			"tenant_rate":       cfg.Limits.TenantRate,
			"max_rows":          cfg.Limits.MaxRows,
			"max_bytes":         cfg.Limits.MaxBytes,
			"confirm_token_ttl": cfg.Limits.ConfirmTTL.String(),
		},
		"emulator": s.opts.Emulator != "",
	}
	b, err := json.MarshalIndent(status, "", "  ")
	if err != nil {
		return nil, err
	}
	return textResource(URIStatus, "application/json", string(b)), nil
}

func (s *Server) readSchemaList(context.Context, *mcp.ReadResourceRequest) (*mcp.ReadResourceResult, error) {
	var b strings.Builder
	b.WriteString("# Known tables\n\nRead `sentinel://schemas/<Table>` for the columns of one table.\n\n")
	for _, name := range s.opts.Schemas.TableNames() {
		fmt.Fprintf(&b, "- %s\n", name)
	}
	return textResource(URISchemas, "text/markdown", b.String()), nil
}

func (s *Server) readSchema(_ context.Context, req *mcp.ReadResourceRequest) (*mcp.ReadResourceResult, error) {
	uri := req.Params.URI
	name, err := url.PathUnescape(strings.TrimPrefix(uri, URISchemaPrefix))
	if err != nil || !strings.HasPrefix(uri, URISchemaPrefix) {
		return nil, mcp.ResourceNotFoundError(uri)
	}
	md, ok := s.opts.Schemas.TableSchema(name)
	if !ok {
		return nil, mcp.ResourceNotFoundError(uri)
	}
	return textResource(uri, "text/markdown", md), nil
}
