package azure

import (
	"context"
	"fmt"
	"os"
	"slices"
	"strings"
	"sync"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/policy"
	"github.com/Azure/azure-sdk-for-go/sdk/azidentity"

	"github.com/sentinel-mcp/sentinel-mcp/internal/config"
)

// credKey identifies one credential instance: the named credential ("" for the default identity)
// and the tenant it signs in to.
type credKey struct {
	name   string
	tenant string // lower-case; "" lets the identity choose (CLI, managed identity)
}

// credEntry is a lazily built azidentity credential. The secret is read and the SDK credential
// created on the first token request, so start-up stays cheap and a misconfigured identity of one
// tenant fails that tenant's calls with a clear error instead of the whole server.
type credEntry struct {
	p    *Provider
	key  credKey
	cfg  config.AzureCredential
	desc string // for messages: never holds a secret

	mu   sync.Mutex
	cred azcore.TokenCredential
}

// checkCredentials rejects credential types and references the provider cannot build.
func checkCredentials(cfg config.Azure) error {
	known := []string{config.CredDefault, config.CredClientSecret, config.CredCertificate, config.CredManagedIdentity,
		config.CredWorkloadIdentity, config.CredAzureCLI, config.CredEnvironment}
	check := func(where string, c config.AzureCredential) error {
		if !slices.Contains(known, c.EffectiveType()) {
			return fmt.Errorf("%s.type %q: use one of %s", where, c.Type, strings.Join(known, ", "))
		}
		return nil
	}
	if err := check("azure.credential", cfg.Credential); err != nil {
		return err
	}
	for name, c := range cfg.Credentials {
		if err := check("azure.credentials."+name, c); err != nil {
			return err
		}
	}
	for i, t := range cfg.Tenants {
		if t.Credential == "" {
			continue
		}
		if _, ok := cfg.Credentials[t.Credential]; !ok {
			return fmt.Errorf("azure.tenants[%d].credential %q: no such entry in azure.credentials", i, t.Credential)
		}
	}
	return nil
}

// credentialFor returns the credential that reaches credTenantID: the tenant's own named credential
// when one is configured for it, otherwise the default identity (which, without a fixed tenant,
// signs in to credTenantID).
func (p *Provider) credentialFor(credTenantID string) (*credEntry, error) {
	name, c := "", p.cfg.Credential
	for _, t := range p.cfg.Tenants {
		if t.Credential != "" && strings.EqualFold(t.ID, credTenantID) {
			nc, ok := p.cfg.Credentials[t.Credential]
			if !ok {
				return nil, fmt.Errorf("azure: tenant %s refers to credential %q, which is not in azure.credentials", t.ID, t.Credential)
			}
			name, c = t.Credential, nc
			if c.TenantID == "" {
				c.TenantID = t.ID
			}
			break
		}
	}
	if name == "" && c.TenantID == "" {
		c.TenantID = credTenantID
	}
	key := credKey{name: name, tenant: strings.ToLower(c.TenantID)}
	p.mu.Lock()
	defer p.mu.Unlock()
	if ce, ok := p.creds[key]; ok {
		return ce, nil
	}
	desc := "the default identity"
	if name != "" {
		desc = fmt.Sprintf("credential %q", name)
	}
	desc += " (" + c.String() + ")"
	ce := &credEntry{p: p, key: key, cfg: c, desc: desc}
	p.creds[key] = ce
	return ce, nil
}

// GetToken implements azcore.TokenCredential.
func (c *credEntry) GetToken(ctx context.Context, opts policy.TokenRequestOptions) (azcore.AccessToken, error) {
	cred, err := c.get()
	if err != nil {
		return azcore.AccessToken{}, err
	}
	tok, err := cred.GetToken(ctx, opts)
	if err != nil {
		return azcore.AccessToken{}, credentialError(c.desc, err)
	}
	return tok, nil
}

// String describes the credential without secrets.
func (c *credEntry) String() string { return c.desc }

func (c *credEntry) get() (azcore.TokenCredential, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.cred != nil {
		return c.cred, nil
	}
	cred, err := c.build()
	if err != nil {
		return nil, &Error{Service: ServiceLogin, Code: "CredentialUnavailable", Message: c.desc + ": " + err.Error()}
	}
	c.cred = cred
	c.p.log.Debug("azure credential created", "credential", c.desc)
	return cred, nil
}

func (c *credEntry) lookupEnv(k string) (string, bool) {
	if c.p.lookupEnv != nil {
		return c.p.lookupEnv(k)
	}
	return os.LookupEnv(k)
}

func (c *credEntry) build() (azcore.TokenCredential, error) {
	p, cfg := c.p, c.cfg
	co := p.clientOptions()
	co.Retry = policy.RetryOptions{} // the token endpoint's own transient failures: azcore's default retries
	disco := p.cloud.disableInstanceDiscovery
	tenant := cfg.TenantID
	allowed := cfg.AdditionallyAllowedTenants
	switch cfg.EffectiveType() {
	case config.CredClientSecret:
		secret, err := cfg.Secret(c.lookupEnv)
		if err != nil {
			return nil, err
		}
		if tenant == "" {
			return nil, fmt.Errorf("a client_secret credential needs tenant_id")
		}
		return azidentity.NewClientSecretCredential(tenant, cfg.ClientID, secret, &azidentity.ClientSecretCredentialOptions{
			ClientOptions: co, AdditionallyAllowedTenants: allowed, DisableInstanceDiscovery: disco})
	case config.CredCertificate:
		data, err := os.ReadFile(cfg.CertificateFile)
		if err != nil {
			return nil, fmt.Errorf("certificate file: %w", err)
		}
		pw, err := cfg.CertPassword(c.lookupEnv)
		if err != nil {
			return nil, err
		}
		var pwb []byte
		if pw != "" {
			pwb = []byte(pw)
		}
		certs, key, err := azidentity.ParseCertificates(data, pwb)
		if err != nil {
			return nil, fmt.Errorf("certificate file %s: %v", cfg.CertificateFile, err)
		}
		if tenant == "" {
			return nil, fmt.Errorf("a certificate credential needs tenant_id")
		}
		return azidentity.NewClientCertificateCredential(tenant, cfg.ClientID, certs, key, &azidentity.ClientCertificateCredentialOptions{
			ClientOptions: co, AdditionallyAllowedTenants: allowed, DisableInstanceDiscovery: disco,
			SendCertificateChain: cfg.SendCertificateChain})
	case config.CredManagedIdentity:
		o := &azidentity.ManagedIdentityCredentialOptions{ClientOptions: co}
		if cfg.ClientID != "" {
			o.ID = azidentity.ClientID(cfg.ClientID)
		}
		return azidentity.NewManagedIdentityCredential(o)
	case config.CredWorkloadIdentity:
		o := &azidentity.WorkloadIdentityCredentialOptions{ClientOptions: co, ClientID: cfg.ClientID, TenantID: tenant,
			AdditionallyAllowedTenants: allowed, DisableInstanceDiscovery: disco}
		if f, ok := c.lookupEnv("AZURE_FEDERATED_TOKEN_FILE"); ok {
			o.TokenFilePath = f
		}
		if o.ClientID == "" {
			o.ClientID, _ = c.lookupEnv("AZURE_CLIENT_ID")
		}
		if o.TenantID == "" {
			o.TenantID, _ = c.lookupEnv("AZURE_TENANT_ID")
		}
		return azidentity.NewWorkloadIdentityCredential(o)
	case config.CredAzureCLI:
		return azidentity.NewAzureCLICredential(&azidentity.AzureCLICredentialOptions{TenantID: tenant, AdditionallyAllowedTenants: allowed})
	case config.CredEnvironment:
		return azidentity.NewEnvironmentCredential(&azidentity.EnvironmentCredentialOptions{ClientOptions: co, DisableInstanceDiscovery: disco})
	default:
		return azidentity.NewDefaultAzureCredential(&azidentity.DefaultAzureCredentialOptions{ClientOptions: co,
			TenantID: tenant, AdditionallyAllowedTenants: allowed, DisableInstanceDiscovery: disco})
	}
}
