package main

import (
	"context"
	"fmt"
	"log/slog"
	"strings"

	"github.com/sentinel-mcp/sentinel-mcp/internal/azure"
	"github.com/sentinel-mcp/sentinel-mcp/internal/config"
	"github.com/sentinel-mcp/sentinel-mcp/internal/emulator"
	"github.com/sentinel-mcp/sentinel-mcp/internal/emulator/world"
	"github.com/sentinel-mcp/sentinel-mcp/internal/schema"
	"github.com/sentinel-mcp/sentinel-mcp/internal/server"
	"github.com/sentinel-mcp/sentinel-mcp/internal/tenancy"
	"github.com/sentinel-mcp/sentinel-mcp/internal/tenancy/bind"
	"github.com/sentinel-mcp/sentinel-mcp/internal/toolsets/toolkit"
)

// connectAzure wires the Azure client layer and the tenancy registry into deps and returns the
// server's view of tenancy (resolution and allow-list), pointing at the emulator when emu is set.
// Nothing here may call Azure or read a secret: discovery runs on first use.
func connectAzure(ctx context.Context, cfg *config.Config, emu *emulator.Emulator, deps *toolkit.Deps, logger *slog.Logger) (server.Tenancy, error) {
	az := cfg.Azure
	opts := azure.Options{Logger: logger.With("component", "azure")}
	if emu != nil {
		az = emulatorAzure(az)
		opts.Emulator = &azure.Emulator{URL: emu.URL(), Client: emu.HTTPClient()}
	}
	p, err := azure.NewProvider(az, opts)
	if err != nil {
		return nil, usageError{err}
	}
	reg, err := tenancy.New(az, p, tenancy.Options{Logger: logger.With("component", "tenancy")})
	if err != nil {
		return nil, err
	}
	deps.Azure, deps.Registry = p, reg
	return bind.Server(reg), nil
}

// emulatorAzure points the configured Azure section at the emulator's identities: the default
// identity is the managing tenant's app (unless one the emulator knows is configured), and Litware
// is a direct tenant with its own app, so the demo shows Lighthouse, direct and own access. The
// secrets are the emulator's public ones. Aliases, allow-list, discovery and fan-out settings stay.
func emulatorAzure(az config.Azure) config.Azure {
	id := world.ManagingApp
	if app, ok := emulatorApp(az.Credential.ClientID); ok {
		id = app
	}
	az.Credential = config.AzureCredential{Type: config.CredClientSecret, TenantID: id.TenantID, ClientID: id.ClientID, ClientSecret: id.Secret}
	creds := map[string]config.AzureCredential{}
	for name, c := range az.Credentials {
		if app, ok := emulatorApp(c.ClientID); ok {
			creds[name] = config.AzureCredential{Type: config.CredClientSecret, TenantID: app.TenantID, ClientID: app.ClientID, ClientSecret: app.Secret}
		}
	}
	lit := world.LitwareApp
	pinned := false
	var tenants []config.AzureTenant
	for _, t := range az.Tenants {
		if t.Credential != "" {
			if _, ok := creds[t.Credential]; !ok {
				t.Credential = "" // not an emulator identity: reach it through the default one
			}
		}
		if strings.EqualFold(t.ID, lit.TenantID) {
			pinned = true
			if t.Credential == "" {
				t.Credential = world.Litware
			}
		}
		tenants = append(tenants, t)
	}
	if !pinned {
		tenants = append(tenants, config.AzureTenant{ID: lit.TenantID, Alias: world.Litware, Credential: world.Litware})
	}
	if _, ok := creds[world.Litware]; !ok {
		creds[world.Litware] = config.AzureCredential{Type: config.CredClientSecret, TenantID: lit.TenantID, ClientID: lit.ClientID, ClientSecret: lit.Secret}
	}
	az.Credentials, az.Tenants = creds, tenants
	return az
}

// emulatorApp finds the emulator identity with this client id.
func emulatorApp(clientID string) (world.Identity, bool) {
	for _, id := range world.Identities() {
		if clientID != "" && strings.EqualFold(id.ClientID, clientID) {
			return id, true
		}
	}
	return world.Identity{}, false
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
