package config

import (
	"errors"
	"fmt"
	"log/slog"
	"net/url"
	"os"
	"regexp"
	"slices"
	"strings"
	"time"
)

// Azure is the Azure/tenancy part of the configuration: which cloud, which identities, which tenants and
// workspaces may be addressed, api-versions, discovery and fan-out. It is read by internal/azure (clients,
// credentials, retry) and internal/tenancy (tenants, aliases, allow-list, discovery, fan-out).
//
// Secrets (client secrets, certificate passwords) are never tool arguments. They come from an environment
// variable or a file named here, or, discouraged, inline in the config file; they are tagged secret so
// Config.Redacted blanks them, and AzureCredential's String/LogValue never print them.
type Azure struct {
	Cloud     string         `config:"cloud" default:"AzurePublic" help:"Azure cloud: AzurePublic, AzureChina, AzureUSGovernment, or Custom (then set every azure.endpoints value)."`
	Endpoints AzureEndpoints `config:"endpoints" help:"Endpoint overrides (sovereign or private clouds); empty values come from the cloud."`

	// Credential is the default identity: the managing tenant's identity for Lighthouse, and the identity of
	// every tenant without a credential of its own.
	Credential  AzureCredential            `config:"credential" help:"Default identity (the managing tenant's identity for Lighthouse-delegated customers)."`
	Credentials map[string]AzureCredential `config:"credentials" help:"Named credentials that tenants refer to with azure.tenants[].credential (e.g. a direct customer's own app)."`

	Tenants        []AzureTenant     `config:"tenants" help:"Tenants pinned by hand: aliases, own credentials, and workspaces (added to discovery, or the only ones when discovery is off)."`
	AllowedTenants []string          `config:"allowed_tenants" help:"Allow-list of tenants (ids, aliases, default domains or names) that may be addressed; nothing is looked up in or sent to another tenant. Empty allows every tenant configured or discovered."`
	APIVersions    map[string]string `config:"api_versions" help:"api-version per resource provider, overriding the built-in defaults, e.g. {\"Microsoft.SecurityInsights\": \"2025-09-01\"}; keys are a namespace or namespace/type."`

	Discovery AzureDiscovery `config:"discovery" help:"Discovery of subscriptions, Lighthouse delegations and Sentinel workspaces."`
	FanOut    AzureFanOut    `config:"fanout" help:"Multi-workspace calls."`
	Retry     AzureRetry     `config:"retry" help:"Retries and timeouts of Azure requests."`
}

// AzureEndpoints overrides the endpoints of the configured cloud. The emulator sets all three to its URL.
type AzureEndpoints struct {
	Login           string `config:"login" help:"Entra ID authority host, e.g. https://login.microsoftonline.com/."`
	ResourceManager string `config:"resource_manager" help:"Azure Resource Manager endpoint, e.g. https://management.azure.com."`
	LogAnalytics    string `config:"log_analytics" help:"Log Analytics query API endpoint (without /v1), e.g. https://api.loganalytics.azure.com."`
	// Audiences rarely change (the emulator keeps Azure's); they are the token scopes minus "/.default".
	ResourceManagerAudience string `config:"resource_manager_audience" flag:"-" help:"Token audience of Resource Manager (default: the cloud's)."`
	LogAnalyticsAudience    string `config:"log_analytics_audience" flag:"-" help:"Token audience of the Log Analytics query API (default: the cloud's)."`
}

// Credential types.
const (
	CredDefault          = "default"           // azidentity chain: environment, workload identity, managed identity, Azure CLI
	CredClientSecret     = "client_secret"     // app id + secret (from secret_env, secret_file or client_secret)
	CredCertificate      = "certificate"       // app id + PEM/PKCS#12 certificate file
	CredManagedIdentity  = "managed_identity"  // system-assigned, or user-assigned with client_id
	CredWorkloadIdentity = "workload_identity" // federated token file (AZURE_FEDERATED_TOKEN_FILE)
	CredAzureCLI         = "azure_cli"         // az login
	CredEnvironment      = "environment"       // AZURE_TENANT_ID, AZURE_CLIENT_ID, AZURE_CLIENT_SECRET / _CERTIFICATE_PATH
)

var credTypes = []string{CredDefault, CredClientSecret, CredCertificate, CredManagedIdentity, CredWorkloadIdentity, CredAzureCLI, CredEnvironment}

// AzureCredential describes one identity. The secret itself is read at start-up from SecretEnv or
// SecretFile (preferred), or taken from ClientSecret.
type AzureCredential struct {
	Type     string `config:"type" help:"Credential type (default: inferred from the fields set, else default): default (environment, workload identity, managed identity, Azure CLI), client_secret, certificate, managed_identity, workload_identity, azure_cli or environment."`
	TenantID string `config:"tenant_id" help:"Tenant (GUID or domain) the identity signs in to; for a tenant's own credential, defaults to that tenant."`
	ClientID string `config:"client_id" help:"Application (client) id; for managed_identity, the user-assigned identity's client id."`

	ClientSecret string `config:"client_secret" secret:"true" flag:"-" env:"-" help:"Client secret inline (discouraged: prefer secret_env or secret_file)."`
	SecretEnv    string `config:"secret_env" help:"Name of the environment variable holding the client secret."`
	SecretFile   string `config:"secret_file" help:"File holding the client secret (first line)."`

	CertificateFile      string `config:"certificate_file" help:"Certificate file (PEM with the private key, or PKCS#12) for type certificate."`
	CertificatePassword  string `config:"certificate_password" secret:"true" flag:"-" env:"-" help:"Password of the certificate file inline (discouraged: prefer certificate_password_env)."`
	CertPasswordEnv      string `config:"certificate_password_env" help:"Name of the environment variable holding the certificate file's password."`
	SendCertificateChain bool   `config:"send_certificate_chain" help:"Send the certificate chain (x5c) with token requests (subject name/issuer authentication)."`

	AdditionallyAllowedTenants []string `config:"additionally_allowed_tenants" help:"Other tenants this identity may request tokens for (\"*\" for any)."`
}

// AzureTenant is a tenant pinned by hand.
type AzureTenant struct {
	ID             string           `config:"id" help:"Tenant id (GUID)."`
	Alias          string           `config:"alias" help:"Short alias used in workspace aliases (contoso -> contoso/prod); default: the first label of the tenant's default domain (contoso.onmicrosoft.com -> contoso), else derived from the name."`
	Name           string           `config:"name" help:"Display name (default: discovered)."`
	Credential     string           `config:"credential" help:"Name of an azure.credentials entry used to reach this tenant directly (its own app); empty: through the default identity (own tenant or Lighthouse)."`
	WorkspacesOnly bool             `config:"workspaces_only" help:"Use only the workspaces listed here for this tenant (no discovery in it)."`
	Workspaces     []AzureWorkspace `config:"workspaces" help:"Workspaces pinned by hand (merged with discovered ones; an alias here replaces the derived one)."`
}

// AzureWorkspace is a workspace pinned by hand.
type AzureWorkspace struct {
	Alias      string `config:"alias" help:"Friendly alias; written as tenant/alias unless it contains a slash (default: tenant/workspace name)."`
	ResourceID string `config:"resource_id" help:"ARM resource id of the Log Analytics workspace."`
	CustomerID string `config:"customer_id" help:"Workspace (customer) id GUID used by the query API (default: read from Azure)."`
}

// AzureDiscovery configures workspace discovery.
type AzureDiscovery struct {
	Enabled            bool          `config:"enabled" default:"true" help:"Discover subscriptions, Lighthouse delegations and Sentinel workspaces (Resource Graph + onboardingStates)."`
	TTL                time.Duration `config:"ttl" default:"15m" help:"How long discovered tenants and workspaces are cached before the next use refreshes them."`
	ConfirmOnboard     bool          `config:"confirm_onboarding" default:"true" help:"Confirm each workspace with Sentinel's onboardingStates/default (one request per workspace)."`
	IncludeNonSentinel bool          `config:"include_non_sentinel" default:"false" help:"Also list Log Analytics workspaces without Sentinel (never addressed by Sentinel tools)."`
}

// AzureFanOut configures calls over many workspaces.
type AzureFanOut struct {
	// The Log Analytics query API allows 5 concurrent queries per user; ARM's token buckets refill at
	// 25 reads/s per subscription: 5 in flight keeps a fan-out inside both.
	Concurrency         int           `config:"concurrency" default:"5" help:"Workspaces processed at the same time by multi-workspace tools (the query API allows 5 concurrent queries per user)."`
	PerWorkspaceTimeout time.Duration `config:"per_workspace_timeout" default:"60s" help:"Time limit for one workspace in a multi-workspace call; a slow workspace becomes a per-workspace error."`
}

// AzureRetry configures retries of Azure requests. Only idempotent requests are retried.
type AzureRetry struct {
	MaxRetries     int           `config:"max_retries" default:"4" help:"Retries of an idempotent request after a throttling (429), a server error (5xx) or a network error."`
	Delay          time.Duration `config:"delay" default:"800ms" help:"Initial back-off between retries (doubled each time, with jitter) when the service sends no Retry-After."`
	MaxDelay       time.Duration `config:"max_delay" default:"30s" help:"Longest single wait between retries, also when Retry-After asks for more (the request then fails as throttled)."`
	MaxTotal       time.Duration `config:"max_total" default:"90s" help:"Bound on the total time spent on one request including retries."`
	RequestTimeout time.Duration `config:"request_timeout" default:"60s" help:"Time limit of one HTTP attempt."`
}

// Cloud names.
const (
	CloudPublic = "AzurePublic"
	CloudChina  = "AzureChina"
	CloudUSGov  = "AzureUSGovernment"
	CloudCustom = "Custom"
)

var (
	guidRe  = regexp.MustCompile(`^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$`)
	aliasRe = regexp.MustCompile(`^[a-z0-9][a-z0-9._-]*$`)
	apiVer  = regexp.MustCompile(`^\d{4}-\d{2}-\d{2}(-preview|-beta|-alpha)?$`)
)

// IsGUID reports whether s is a GUID (8-4-4-4-12 hex).
func IsGUID(s string) bool { return guidRe.MatchString(s) }

// Validate checks the Azure section with messages that say what to change. It does not read secrets.
func (a *Azure) Validate() error {
	var errs []error
	add := func(format string, args ...any) { errs = append(errs, fmt.Errorf(format, args...)) }
	switch {
	case strings.EqualFold(a.Cloud, CloudPublic), strings.EqualFold(a.Cloud, CloudChina), strings.EqualFold(a.Cloud, CloudUSGov):
	case strings.EqualFold(a.Cloud, CloudCustom):
		if a.Endpoints.Login == "" || a.Endpoints.ResourceManager == "" || a.Endpoints.LogAnalytics == "" {
			add("azure.cloud Custom needs azure.endpoints.login, resource_manager and log_analytics")
		}
	default:
		add("azure.cloud %q: use AzurePublic, AzureChina, AzureUSGovernment or Custom", a.Cloud)
	}
	for key, v := range map[string]string{"login": a.Endpoints.Login, "resource_manager": a.Endpoints.ResourceManager,
		"log_analytics": a.Endpoints.LogAnalytics} {
		if v == "" {
			continue
		}
		if u, err := url.Parse(v); err != nil || u.Host == "" || (u.Scheme != "https" && u.Scheme != "http") {
			add("azure.endpoints.%s %q: want an absolute URL such as https://host", key, v)
		}
	}
	if err := a.Credential.validate("azure.credential", false); err != nil {
		errs = append(errs, err)
	}
	for name, c := range a.Credentials {
		if err := c.validate("azure.credentials."+name, true); err != nil {
			errs = append(errs, err)
		}
	}
	aliases := map[string]string{}
	for i, t := range a.Tenants {
		where := fmt.Sprintf("azure.tenants[%d]", i)
		if !IsGUID(t.ID) {
			add("%s.id %q: want the tenant id GUID (see list_tenants or the Azure portal, Entra ID overview)", where, t.ID)
		}
		if t.Alias != "" {
			if !aliasRe.MatchString(t.Alias) {
				add("%s.alias %q: use lower-case letters, digits, '.', '_' or '-'", where, t.Alias)
			} else if prev, dup := aliases[t.Alias]; dup {
				add("%s.alias %q is also the alias of %s", where, t.Alias, prev)
			}
			aliases[t.Alias] = where
		}
		if t.Credential != "" {
			if _, ok := a.Credentials[t.Credential]; !ok {
				add("%s.credential %q: no such entry in azure.credentials (have: %s)", where, t.Credential, strings.Join(sortedKeys(a.Credentials), ", "))
			}
		}
		for j, w := range t.Workspaces {
			ww := fmt.Sprintf("%s.workspaces[%d]", where, j)
			if !isWorkspaceID(w.ResourceID) {
				add("%s.resource_id %q: want /subscriptions/<id>/resourceGroups/<rg>/providers/Microsoft.OperationalInsights/workspaces/<name>", ww, w.ResourceID)
			}
			if w.CustomerID != "" && !IsGUID(w.CustomerID) {
				add("%s.customer_id %q: want the workspace id GUID", ww, w.CustomerID)
			}
		}
	}
	for k, v := range a.APIVersions {
		if !strings.Contains(k, ".") {
			add("azure.api_versions key %q: want a provider namespace such as Microsoft.SecurityInsights", k)
		}
		if !apiVer.MatchString(v) {
			add("azure.api_versions[%s] %q: want YYYY-MM-DD or YYYY-MM-DD-preview", k, v)
		}
	}
	if a.Discovery.TTL < 0 {
		add("azure.discovery.ttl must not be negative")
	}
	if a.FanOut.Concurrency < 1 || a.FanOut.Concurrency > 64 {
		add("azure.fanout.concurrency %d: use 1 to 64 (Azure throttles above a few concurrent queries per user)", a.FanOut.Concurrency)
	}
	if a.FanOut.PerWorkspaceTimeout <= 0 {
		add("azure.fanout.per_workspace_timeout must be positive")
	}
	r := a.Retry
	if r.MaxRetries < 0 || r.MaxRetries > 20 || r.Delay <= 0 || r.MaxDelay < r.Delay || r.MaxTotal <= 0 || r.RequestTimeout <= 0 {
		add("azure.retry: max_retries 0-20, delay > 0, max_delay >= delay, max_total and request_timeout > 0")
	}
	return errors.Join(errs...)
}

func (c AzureCredential) validate(where string, named bool) error {
	typ := c.EffectiveType()
	if !slices.Contains(credTypes, typ) {
		return fmt.Errorf("%s.type %q: use one of %s", where, c.Type, strings.Join(credTypes, ", "))
	}
	switch typ {
	case CredClientSecret:
		if c.ClientID == "" {
			return fmt.Errorf("%s: type client_secret needs client_id", where)
		}
		if c.ClientSecret == "" && c.SecretEnv == "" && c.SecretFile == "" {
			return fmt.Errorf("%s: type client_secret needs secret_env (an environment variable name) or secret_file", where)
		}
	case CredCertificate:
		if c.ClientID == "" || c.CertificateFile == "" {
			return fmt.Errorf("%s: type certificate needs client_id and certificate_file", where)
		}
	}
	if (typ == CredClientSecret || typ == CredCertificate) && c.TenantID == "" && !named {
		return fmt.Errorf("%s: type %s needs tenant_id", where, typ)
	}
	return nil
}

// Secret returns the client secret from SecretEnv, SecretFile or ClientSecret, in that order.
func (c AzureCredential) Secret(lookupEnv func(string) (string, bool)) (string, error) {
	if lookupEnv == nil {
		lookupEnv = os.LookupEnv
	}
	switch {
	case c.SecretEnv != "":
		v, ok := lookupEnv(c.SecretEnv)
		if !ok || strings.TrimSpace(v) == "" {
			return "", fmt.Errorf("the client secret environment variable %s is not set", c.SecretEnv)
		}
		return strings.TrimSpace(v), nil
	case c.SecretFile != "":
		return firstLine(c.SecretFile, "client secret")
	case c.ClientSecret != "":
		return c.ClientSecret, nil
	}
	return "", errors.New("no client secret configured (set secret_env or secret_file)")
}

// CertPassword returns the certificate password from CertPasswordEnv or CertificatePassword ("" if none).
func (c AzureCredential) CertPassword(lookupEnv func(string) (string, bool)) (string, error) {
	if lookupEnv == nil {
		lookupEnv = os.LookupEnv
	}
	if c.CertPasswordEnv != "" {
		v, ok := lookupEnv(c.CertPasswordEnv)
		if !ok {
			return "", fmt.Errorf("the certificate password environment variable %s is not set", c.CertPasswordEnv)
		}
		return v, nil
	}
	return c.CertificatePassword, nil
}

func firstLine(path, what string) (string, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return "", fmt.Errorf("%s file: %w", what, err)
	}
	line, _, _ := strings.Cut(string(b), "\n")
	if line = strings.TrimSpace(line); line == "" {
		return "", fmt.Errorf("%s file %s is empty", what, path)
	}
	return line, nil
}

// String describes the credential without its secrets.
func (c AzureCredential) String() string {
	s := c.EffectiveType()
	if c.TenantID != "" {
		s += " tenant=" + c.TenantID
	}
	if c.ClientID != "" {
		s += " client=" + c.ClientID
	}
	switch {
	case c.SecretEnv != "":
		s += " secret=$" + c.SecretEnv
	case c.SecretFile != "":
		s += " secret=file:" + c.SecretFile
	case c.ClientSecret != "":
		s += " secret=<redacted>"
	}
	if c.CertificateFile != "" {
		s += " certificate=" + c.CertificateFile
	}
	return s
}

// LogValue keeps secrets out of structured logs.
func (c AzureCredential) LogValue() slog.Value { return slog.StringValue(c.String()) }

// GoString keeps secrets out of %#v.
func (c AzureCredential) GoString() string { return "config.AzureCredential{" + c.String() + "}" }

// EffectiveType is the credential type, inferred when not set: certificate when a certificate file is
// given, client_secret when a secret source is given, else the default chain.
func (c AzureCredential) EffectiveType() string {
	switch {
	case c.Type != "":
		return c.Type
	case c.CertificateFile != "":
		return CredCertificate
	case c.SecretEnv != "" || c.SecretFile != "" || c.ClientSecret != "":
		return CredClientSecret
	}
	return CredDefault
}

func isWorkspaceID(id string) bool {
	p := strings.Split(strings.Trim(id, "/"), "/")
	return len(p) == 8 && strings.EqualFold(p[0], "subscriptions") && strings.EqualFold(p[2], "resourceGroups") &&
		strings.EqualFold(p[4], "providers") && strings.EqualFold(p[5], "Microsoft.OperationalInsights") &&
		strings.EqualFold(p[6], "workspaces") && p[7] != ""
}

func sortedKeys[V any](m map[string]V) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	slices.Sort(out)
	return out
}
