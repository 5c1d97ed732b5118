package emulator

import (
	"fmt"
	"strings"
)

// Describe returns a human-readable summary for `sentinel-mcp emulator`: endpoints, the identities the
// token endpoint accepts, and a configuration another sentinel-mcp process can load as is (--config):
// a Custom cloud whose endpoints are the emulator, Azure's token audiences (the emulator issues tokens
// for those), the managing tenant's app as the default identity and each direct tenant with its own app.
// Secrets are emulator-only values.
func (e *Emulator) Describe() string {
	var b strings.Builder
	url := e.URL()
	fmt.Fprintf(&b, "sentinel-mcp emulator listening on %s\n\n", url)
	fmt.Fprintf(&b, "Endpoints (all on one host):\n")
	fmt.Fprintf(&b, "  login authority     %s/  (token: %s/{tenant}/oauth2/v2.0/token, metadata: %s/{tenant}/v2.0/.well-known/openid-configuration)\n", url, url, url)
	fmt.Fprintf(&b, "  resource manager    %s\n", url)
	fmt.Fprintf(&b, "  resource graph      %s/providers/Microsoft.ResourceGraph/resources\n", url)
	fmt.Fprintf(&b, "  log analytics query %s/v1/workspaces/{customerId}/query\n", url)
	if e.ca != nil {
		fmt.Fprintf(&b, "  TLS: certificate from an ephemeral CA; clients in other processes must trust it (or run with plain HTTP)\n")
	}
	fmt.Fprintf(&b, "\nIdentities (client credentials):\n")
	w, _, _ := e.state()
	alias := func(tenantID string) string {
		if w != nil {
			if t, ok := w.tenant(tenantID); ok {
				return t.Alias
			}
		}
		return ""
	}
	ids := e.Identities()
	for _, id := range ids {
		tname := id.TenantID
		if a := alias(id.TenantID); a != "" {
			tname = a + " (" + id.TenantID + ")"
		}
		fmt.Fprintf(&b, "  %-10s tenant %s\n             client id %s\n             secret    %s\n", id.Role, tname, id.ClientID, id.Secret)
	}
	def := -1
	for i := len(ids) - 1; i >= 0; i-- {
		if ids[i].Role == "managing" {
			def = i
		}
	}
	if def < 0 {
		return b.String()
	}
	m := ids[def]
	if e.ca == nil {
		// The Azure SDK's Entra client refuses a login authority without TLS, so sentinel-mcp itself
		// needs HTTPS; plain HTTP serves other clients (curl, scripts, SDKs told to allow it).
		fmt.Fprintf(&b, "\nPlain HTTP: sentinel-mcp (like the Azure SDK's Entra client) needs an HTTPS login authority;\n"+
			"run the emulator without plain HTTP to get a configuration for it.\n")
		return b.String()
	}
	fmt.Fprintf(&b, "\nConfiguration for sentinel-mcp (YAML: save it to a file and pass --config FILE):\n")
	fmt.Fprintf(&b, "azure:\n  cloud: Custom\n  endpoints:\n")
	fmt.Fprintf(&b, "    login: %s/\n    resource_manager: %s\n    log_analytics: %s\n", url, url, url)
	fmt.Fprintf(&b, "    resource_manager_audience: https://management.azure.com\n    log_analytics_audience: https://api.loganalytics.io\n")
	fmt.Fprintf(&b, "  credential:\n    type: client_secret\n    tenant_id: %s\n    client_id: %s\n    client_secret: %s\n", m.TenantID, m.ClientID, m.Secret)
	var direct []int
	for i, id := range ids {
		if id.Role == "direct" && alias(id.TenantID) != "" {
			direct = append(direct, i)
		}
	}
	if len(direct) == 0 {
		return b.String()
	}
	fmt.Fprintf(&b, "  credentials:\n")
	for _, i := range direct {
		id := ids[i]
		fmt.Fprintf(&b, "    %s:\n      type: client_secret\n      tenant_id: %s\n      client_id: %s\n      client_secret: %s\n", alias(id.TenantID), id.TenantID, id.ClientID, id.Secret)
	}
	fmt.Fprintf(&b, "  tenants:\n")
	for _, i := range direct {
		id := ids[i]
		fmt.Fprintf(&b, "    - id: %s\n      alias: %s\n      credential: %s\n", id.TenantID, alias(id.TenantID), alias(id.TenantID))
	}
	return b.String()
}
