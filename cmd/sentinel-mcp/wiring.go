package main

import (
	"context"
	"fmt"
	"log/slog"
	"strings"

	"github.com/sentinel-mcp/sentinel-mcp/internal/config"
	"github.com/sentinel-mcp/sentinel-mcp/internal/emulator"
	"github.com/sentinel-mcp/sentinel-mcp/internal/schema"
	"github.com/sentinel-mcp/sentinel-mcp/internal/server"
	"github.com/sentinel-mcp/sentinel-mcp/internal/toolsets/toolkit"
)

// connectAzure wires the Azure client layer and the tenancy registry into deps and returns the
// server's view of tenancy (resolution and allow-list), pointing at the emulator when emu is set.
// Nothing here may call Azure: discovery runs on first use.
func connectAzure(ctx context.Context, cfg *config.Config, emu *emulator.Emulator, deps *toolkit.Deps, logger *slog.Logger) (server.Tenancy, error) {
	// The tenancy layer (internal/tenancy, internal/azure) is wired here once it exists; until then
	// calls that address a workspace or tenant are refused by the server with an explanation.
	return nil, nil
}

// schemaCatalog serves internal/schema's table schemas as resources. The embedded schemas are parsed on
// first read, not at start-up.
type schemaCatalog struct{}

func (schemaCatalog) TableNames() []string { return schema.Names() }

func (schemaCatalog) TableSchema(name string) (string, bool) {
	t, ok := schema.Lookup(name)
	if !ok {
		return "", false
	}
	var b strings.Builder
	fmt.Fprintf(&b, "# %s\n\n%s\n\n", t.Name, t.Description)
	if t.TimeColumn != "" {
		fmt.Fprintf(&b, "Time column: `%s`. ", t.TimeColumn)
	}
	if t.Connector != "" {
		fmt.Fprintf(&b, "Data connector: %s. ", t.Connector)
	}
	if len(t.Solutions) > 0 {
		fmt.Fprintf(&b, "Solutions: %s.", strings.Join(t.Solutions, ", "))
	}
	b.WriteString("\n\n| Column | Type | Description |\n|---|---|---|\n")
	for _, c := range t.VisibleColumns() {
		fmt.Fprintf(&b, "| %s | %s | %s |\n", c.Name, c.Type, strings.ReplaceAll(c.Description, "|", `\|`))
	}
	return b.String(), true
}
