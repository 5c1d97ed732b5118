package main

import (
	"testing"

	"github.com/sentinel-mcp/sentinel-mcp/internal/config"
	"github.com/sentinel-mcp/sentinel-mcp/internal/emulator/world"
)

func TestEmulatorAzureKeepsTheOperatorsTenancySettings(t *testing.T) {
	base := config.Default().Azure
	base.Credential = config.AzureCredential{Type: config.CredAzureCLI} // a real identity: not the emulator's
	base.AllowedTenants = []string{"cts", "litware"}
	contoso := world.MustTenant(world.Contoso).ID
	base.Tenants = []config.AzureTenant{{ID: contoso, Alias: "cts", Credential: "contoso-app"}}
	base.Credentials = map[string]config.AzureCredential{"contoso-app": {ClientID: "11111111-2222-3333-4444-555555555555", SecretEnv: "X"}}
	got := emulatorAzure(base)
	if got.Credential.ClientID != world.ManagingApp.ClientID || got.Credential.ClientSecret != world.ManagingApp.Secret {
		t.Errorf("default identity: %s", got.Credential)
	}
	if len(got.AllowedTenants) != 2 || got.Tenants[0].Alias != "cts" || got.Tenants[0].Credential != "" {
		t.Errorf("operator's tenants: %+v (a credential unknown to the emulator falls back to the default identity)", got.Tenants)
	}
	var lit *config.AzureTenant
	for i := range got.Tenants {
		if got.Tenants[i].ID == world.LitwareApp.TenantID {
			lit = &got.Tenants[i]
		}
	}
	if lit == nil || lit.Credential != world.Litware || got.Credentials[world.Litware].ClientID != world.LitwareApp.ClientID {
		t.Errorf("Litware is not direct: %+v %v", lit, got.Credentials)
	}
	if err := got.Validate(); err != nil {
		t.Errorf("the emulator configuration does not validate: %v", err)
	}

	// an emulator identity chosen by the operator (the read-only app) is kept
	base.Credential = config.AzureCredential{ClientID: world.ReadOnlyApp.ClientID}
	if got := emulatorAzure(base); got.Credential.ClientID != world.ReadOnlyApp.ClientID || got.Credential.ClientSecret != world.ReadOnlyApp.Secret {
		t.Errorf("read-only app: %s", got.Credential)
	}
}
