package config

import (
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

const azureYAML = `
azure:
  cloud: AzureChina
  credential:
    type: client_secret
    tenant_id: 11111111-1111-1111-1111-111111111111
    client_id: app-managing
    secret_env: MSSP_SECRET
  credentials:
    litware:
      client_id: app-litware
      client_secret: inline-s3cret
  tenants:
    - id: 22222222-2222-2222-2222-222222222222
      alias: litware
      credential: litware
      workspaces:
        - alias: prod
          resource_id: /subscriptions/33333333-3333-3333-3333-333333333333/resourceGroups/rg/providers/Microsoft.OperationalInsights/workspaces/litware-sentinel
  allowed_tenants: [litware, 44444444-4444-4444-4444-444444444444]
  api_versions:
    Microsoft.SecurityInsights: 2025-09-01
  fanout:
    concurrency: 3
`

func TestAzureSectionLoadsAndValidates(t *testing.T) {
	c := Default()
	if err := LoadBytes(c, "a.yaml", []byte(azureYAML)); err != nil {
		t.Fatal(err)
	}
	a := c.Azure
	if err := a.Validate(); err != nil {
		t.Fatalf("valid config refused: %v", err)
	}
	if a.Cloud != CloudChina || a.Credential.EffectiveType() != CredClientSecret || a.FanOut.Concurrency != 3 {
		t.Errorf("decoded %+v", a)
	}
	if a.Credentials["litware"].EffectiveType() != CredClientSecret || a.Tenants[0].Workspaces[0].Alias != "prod" {
		t.Errorf("named credential or pinned workspace not decoded: %+v", a.Tenants)
	}
	if a.APIVersions["Microsoft.SecurityInsights"] != "2025-09-01" || len(a.AllowedTenants) != 2 {
		t.Errorf("api versions %v, allow-list %v", a.APIVersions, a.AllowedTenants)
	}
	// Defaults apply to an absent section.
	d := Default().Azure
	if d.Cloud != CloudPublic || !d.Discovery.Enabled || d.FanOut.Concurrency != 5 || d.Retry.MaxRetries < 1 {
		t.Errorf("defaults %+v", d)
	}
	if err := d.Validate(); err != nil {
		t.Errorf("defaults invalid: %v", err)
	}
}

func TestAzureValidationIsActionable(t *testing.T) {
	c := Default()
	c.Azure.Cloud = "Mars"
	c.Azure.Tenants = []AzureTenant{{ID: "contoso", Credential: "nope", Workspaces: []AzureWorkspace{{ResourceID: "/subscriptions/x"}}}}
	c.Azure.Credential = AzureCredential{Type: CredClientSecret, ClientID: "x"}
	c.Azure.APIVersions = map[string]string{"Microsoft.SecurityInsights": "latest"}
	c.Azure.FanOut.Concurrency = 0
	err := c.Azure.Validate()
	if err == nil {
		t.Fatal("invalid config accepted")
	}
	for _, want := range []string{"azure.cloud \"Mars\"", "azure.tenants[0].id", "azure.tenants[0].credential \"nope\"",
		"workspaces[0].resource_id", "secret_env", "YYYY-MM-DD", "azure.fanout.concurrency"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error lacks %q:\n%v", want, err)
		}
	}
}

func TestAzureSecretsNeverPrinted(t *testing.T) {
	c := Default()
	if err := LoadBytes(c, "a.yaml", []byte(azureYAML)); err != nil {
		t.Fatal(err)
	}
	cred := c.Azure.Credentials["litware"]
	var logged strings.Builder
	slog.New(slog.NewTextHandler(&logged, nil)).Info("cred", "c", cred)
	for _, s := range []string{cred.String(), fmt.Sprintf("%v %+v %#v", cred, cred, cred), logged.String()} {
		if strings.Contains(s, "inline-s3cret") {
			t.Errorf("secret printed: %s", s)
		}
	}
	if r := c.Redacted(); r.Azure.Credentials["litware"].ClientSecret != "<redacted>" {
		t.Errorf("Redacted kept the secret: %q", r.Azure.Credentials["litware"].ClientSecret)
	}
	if s, err := cred.Secret(nil); err != nil || s != "inline-s3cret" {
		t.Errorf("inline secret %q %v", s, err)
	}
}

func TestAzureSecretSources(t *testing.T) {
	env := func(k string) (string, bool) { return map[string]string{"S": " from-env \n"}[k], k == "S" }
	if s, err := (AzureCredential{SecretEnv: "S"}).Secret(env); err != nil || s != "from-env" {
		t.Errorf("env secret %q %v", s, err)
	}
	if _, err := (AzureCredential{SecretEnv: "MISSING"}).Secret(env); err == nil || !strings.Contains(err.Error(), "MISSING") {
		t.Errorf("missing env var: %v", err)
	}
	p := filepath.Join(t.TempDir(), "secret")
	os.WriteFile(p, []byte("from-file\nignored\n"), 0o600)
	if s, err := (AzureCredential{SecretFile: p}).Secret(env); err != nil || s != "from-file" {
		t.Errorf("file secret %q %v", s, err)
	}
}
