package emulator

import (
	"fmt"
	"strings"
)

// Describe returns a human-readable summary for `sentinel-mcp emulator`: endpoints, the identities the
// token endpoint accepts, and a ready-to-use configuration snippet. Secrets are emulator-only values.
func (e *Emulator) Describe() string {
	var b strings.Builder
	url := e.URL()
	fmt.Fprintf(&b, "sentinel-mcp emulator listening on %s\n\n", url)
	fmt.Fprintf(&b, "Endpoints (all on one host):\n")
	fmt.Fprintf(&b, "  login authority     %s/  (token: %s/{tenant}/oauth2/v2.0/token)\n", url, url)
	fmt.Fprintf(&b, "  resource manager    %s\n", url)
	fmt.Fprintf(&b, "  resource graph      %s/providers/Microsoft.ResourceGraph/resources\n", url)
	fmt.Fprintf(&b, "  log analytics query %s/v1/workspaces/{customerId}/query\n", url)
	if e.ca != nil {
		fmt.Fprintf(&b, "  TLS: ephemeral CA (clients must trust it; CACertPEM / --ca-file)\n")
	}
	fmt.Fprintf(&b, "\nIdentities (client credentials):\n")
	w, _, _ := e.state()
	ids := e.Identities()
	for _, id := range ids {
		tname := id.TenantID
		if w != nil {
			if t, ok := w.tenant(id.TenantID); ok {
				tname = t.Alias + " (" + t.ID + ")"
			}
		}
		fmt.Fprintf(&b, "  %-10s tenant %s\n             client id %s\n             secret    %s\n", id.Role, tname, id.ClientID, id.Secret)
	}
	if len(ids) > 0 {
		def := ids[0]
		fmt.Fprintf(&b, "\nConfiguration (YAML):\n")
		fmt.Fprintf(&b, "azure:\n  cloud: emulator\n  endpoint: %s\n  tenant_id: %s\n  client_id: %s\n  client_secret: %s\n", url, def.TenantID, def.ClientID, def.Secret)
	}
	return b.String()
}
