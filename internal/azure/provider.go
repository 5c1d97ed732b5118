package azure

import (
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"strings"
	"sync"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore"
	armpolicy "github.com/Azure/azure-sdk-for-go/sdk/azcore/arm/policy"
	armruntime "github.com/Azure/azure-sdk-for-go/sdk/azcore/arm/runtime"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/cloud"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/policy"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/runtime"

	"github.com/sentinel-mcp/sentinel-mcp/internal/config"
)

const (
	moduleName    = "sentinel-mcp"
	moduleVersion = "v1"
)

// logsService is the cloud service name of the Log Analytics query API in our cloud configurations.
const logsService cloud.ServiceName = "sentinel-mcp/loganalytics"

// Emulator points a Provider at the built-in emulator: every surface (login, ARM, Resource Graph,
// query API) lives on URL, and Client trusts the emulator's certificate authority.
type Emulator struct {
	URL    string
	Client *http.Client
}

// Options are what NewProvider needs besides the configuration. The zero value talks to the
// configured cloud with a default HTTP client.
type Options struct {
	Logger *slog.Logger
	// Emulator, when set, replaces the cloud's endpoints and the HTTP client.
	Emulator *Emulator
	// HTTPClient replaces the HTTP client (tests wrap the emulator's to observe requests).
	HTTPClient *http.Client
	// LookupEnv reads the environment variables named by credentials (default os.LookupEnv).
	LookupEnv func(string) (string, bool)
}

// Provider builds authenticated clients for Azure Resource Manager and the Log Analytics query API.
// It is cheap to create (no network, no secret read); credentials are created on first use, one per
// identity and tenant, and shared.
type Provider struct {
	cfg       config.Azure
	cloud     cloudConfig
	transport *http.Client
	log       *slog.Logger
	lookupEnv func(string) (string, bool)
	versions  *apiVersions

	mu    sync.Mutex
	creds map[credKey]*credEntry
	arms  map[credKey]*ARM
	logs  map[credKey]*Logs
}

// cloudConfig is the resolved set of endpoints.
type cloudConfig struct {
	name                     string
	authority                string // login host with a trailing slash
	arm, armAudience         string
	logs, logsAudience       string
	disableInstanceDiscovery bool // private clouds and the emulator have no instance discovery
	allowHTTP                bool // plain-HTTP loopback emulator
}

func (c cloudConfig) sdk() cloud.Configuration {
	return cloud.Configuration{
		ActiveDirectoryAuthorityHost: c.authority,
		Services: map[cloud.ServiceName]cloud.ServiceConfiguration{
			cloud.ResourceManager: {Endpoint: c.arm, Audience: c.armAudience},
			logsService:           {Endpoint: c.logs, Audience: c.logsAudience},
		},
	}
}

// Cloud presets. ARM audiences are Azure's (the management.core ones); Log Analytics accepts tokens
// for api.loganalytics.io in the public cloud whichever of its hosts is called.
var clouds = map[string]cloudConfig{
	strings.ToLower(config.CloudPublic): {name: config.CloudPublic, authority: cloud.AzurePublic.ActiveDirectoryAuthorityHost,
		arm: "https://management.azure.com", armAudience: "https://management.core.windows.net/",
		logs: "https://api.loganalytics.azure.com", logsAudience: "https://api.loganalytics.io"},
	strings.ToLower(config.CloudChina): {name: config.CloudChina, authority: cloud.AzureChina.ActiveDirectoryAuthorityHost,
		arm: "https://management.chinacloudapi.cn", armAudience: "https://management.core.chinacloudapi.cn",
		logs: "https://api.loganalytics.azure.cn", logsAudience: "https://api.loganalytics.azure.cn"},
	strings.ToLower(config.CloudUSGov): {name: config.CloudUSGov, authority: cloud.AzureGovernment.ActiveDirectoryAuthorityHost,
		arm: "https://management.usgovcloudapi.net", armAudience: "https://management.core.usgovcloudapi.net",
		logs: "https://api.loganalytics.us", logsAudience: "https://api.loganalytics.us"},
}

// Audiences the emulator issues tokens for (those of the public cloud).
const (
	emulatorARMAudience  = "https://management.azure.com"
	emulatorLogsAudience = "https://api.loganalytics.io"
)

func resolveCloud(cfg config.Azure, emu *Emulator) (cloudConfig, error) {
	var c cloudConfig
	if emu != nil {
		base := strings.TrimSuffix(emu.URL, "/")
		if _, err := url.Parse(base); err != nil || base == "" {
			return c, fmt.Errorf("azure: emulator URL %q is not a URL", emu.URL)
		}
		c = cloudConfig{name: "Emulator", authority: base + "/", arm: base, armAudience: emulatorARMAudience,
			logs: base, logsAudience: emulatorLogsAudience, disableInstanceDiscovery: true}
	} else {
		name := cfg.Cloud
		if name == "" {
			name = config.CloudPublic
		}
		preset, ok := clouds[strings.ToLower(name)]
		switch {
		case ok:
			c = preset
		case strings.EqualFold(name, config.CloudCustom):
			c = cloudConfig{name: config.CloudCustom, disableInstanceDiscovery: true,
				armAudience: cfg.Endpoints.ResourceManager, logsAudience: cfg.Endpoints.LogAnalytics}
		default:
			return c, fmt.Errorf("azure.cloud %q: use AzurePublic, AzureChina, AzureUSGovernment or Custom", cfg.Cloud)
		}
		e := cfg.Endpoints
		if e.Login != "" {
			c.authority = strings.TrimSuffix(e.Login, "/") + "/"
		}
		if e.ResourceManager != "" {
			c.arm = e.ResourceManager
		}
		if e.LogAnalytics != "" {
			c.logs = e.LogAnalytics
		}
		if e.ResourceManagerAudience != "" {
			c.armAudience = e.ResourceManagerAudience
		}
		if e.LogAnalyticsAudience != "" {
			c.logsAudience = e.LogAnalyticsAudience
		}
	}
	c.arm = strings.TrimSuffix(c.arm, "/")
	c.logs = strings.TrimSuffix(strings.TrimSuffix(c.logs, "/"), "/v1")
	if c.authority == "" || c.arm == "" || c.logs == "" {
		return c, errors.New("azure: the login, resource_manager and log_analytics endpoints must all be set for a Custom cloud")
	}
	for _, u := range []string{c.authority, c.arm, c.logs} {
		pu, err := url.Parse(u)
		if err != nil || pu.Host == "" {
			return c, fmt.Errorf("azure: endpoint %q is not an absolute URL", u)
		}
		if pu.Scheme == "http" {
			if !isLoopback(pu.Hostname()) {
				return c, fmt.Errorf("azure: endpoint %q uses plain HTTP; tokens are only sent over HTTPS (plain HTTP is accepted for loopback addresses only)", u)
			}
			c.allowHTTP = true
		}
	}
	return c, nil
}

func isLoopback(host string) bool {
	if strings.EqualFold(host, "localhost") {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// NewProvider prepares clients for cfg. It validates the cloud and the credential descriptions but
// makes no network call and reads no secret: that happens on the first request of each tenant.
func NewProvider(cfg config.Azure, opts Options) (*Provider, error) {
	cc, err := resolveCloud(cfg, opts.Emulator)
	if err != nil {
		return nil, err
	}
	if err := checkCredentials(cfg); err != nil {
		return nil, err
	}
	p := &Provider{cfg: cfg, cloud: cc, log: opts.Logger, lookupEnv: opts.LookupEnv,
		versions: newAPIVersions(cfg.APIVersions),
		creds:    map[credKey]*credEntry{}, arms: map[credKey]*ARM{}, logs: map[credKey]*Logs{}}
	if p.log == nil {
		p.log = slog.New(slog.DiscardHandler)
	}
	p.transport = opts.HTTPClient
	if p.transport == nil && opts.Emulator != nil {
		p.transport = opts.Emulator.Client
	}
	if p.transport == nil {
		p.transport = http.DefaultClient
	}
	p.cfg.Retry = normalizedRetry(cfg.Retry)
	return p, nil
}

func normalizedRetry(r config.AzureRetry) config.AzureRetry {
	d := config.Default().Azure.Retry
	if r.Delay <= 0 {
		r.Delay = d.Delay
	}
	if r.MaxDelay < r.Delay {
		r.MaxDelay = max(d.MaxDelay, r.Delay)
	}
	if r.MaxTotal <= 0 {
		r.MaxTotal = d.MaxTotal
	}
	if r.RequestTimeout <= 0 {
		r.RequestTimeout = d.RequestTimeout
	}
	if r.MaxRetries < 0 {
		r.MaxRetries = 0
	}
	return r
}

// CloudName is the configured cloud ("AzurePublic", ..., "Emulator").
func (p *Provider) CloudName() string { return p.cloud.name }

// Config is the Azure configuration the provider was built from.
func (p *Provider) Config() config.Azure { return p.cfg }

// DefaultTenantID is the tenant configured for the default identity ("" when the identity decides,
// e.g. Azure CLI or managed identity).
func (p *Provider) DefaultTenantID() string { return p.cfg.Credential.TenantID }

// clientOptions are the azcore options shared by every client: our cloud, our transport, azcore's
// retries off (retryPolicy does them) and telemetry naming the product.
func (p *Provider) clientOptions() policy.ClientOptions {
	return policy.ClientOptions{
		Cloud:                           p.cloud.sdk(),
		Transport:                       p.transport,
		Retry:                           policy.RetryOptions{MaxRetries: -1},
		Telemetry:                       policy.TelemetryOptions{ApplicationID: "sentinel-mcp"},
		InsecureAllowCredentialWithHTTP: p.cloud.allowHTTP,
	}
}

// ARM returns the Resource Manager client that authenticates for credTenantID: the tenant whose
// credential reaches a workspace (tenancy.Workspace.CredTenantID); "" is the default identity.
func (p *Provider) ARM(credTenantID string) (*ARM, error) {
	ce, err := p.credentialFor(credTenantID)
	if err != nil {
		return nil, err
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	if a, ok := p.arms[ce.key]; ok {
		return a, nil
	}
	co := p.clientOptions()
	pl, err := armruntime.NewPipeline(moduleName, moduleVersion, ce, runtime.PipelineOptions{
		PerCall: []policy.Policy{&retryPolicy{cfg: p.cfg.Retry, log: p.log, service: ServiceARM}},
	}, &armpolicy.ClientOptions{ClientOptions: co, DisableRPRegistration: true})
	if err != nil {
		return nil, fmt.Errorf("azure: resource manager client: %w", err)
	}
	a := &ARM{p: p, pl: pl, endpoint: p.cloud.arm, cred: ce}
	p.arms[ce.key] = a
	return a, nil
}

// Logs returns the Log Analytics query client that authenticates for credTenantID ("" is the
// default identity).
func (p *Provider) Logs(credTenantID string) (*Logs, error) {
	ce, err := p.credentialFor(credTenantID)
	if err != nil {
		return nil, err
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	if l, ok := p.logs[ce.key]; ok {
		return l, nil
	}
	co := p.clientOptions()
	auth := runtime.NewBearerTokenPolicy(ce, []string{p.cloud.logsAudience + "/.default"},
		&policy.BearerTokenOptions{InsecureAllowCredentialWithHTTP: p.cloud.allowHTTP})
	pl := runtime.NewPipeline(moduleName, moduleVersion, runtime.PipelineOptions{
		PerCall:  []policy.Policy{&retryPolicy{cfg: p.cfg.Retry, log: p.log, service: ServiceLogs}},
		PerRetry: []policy.Policy{auth},
	}, &co)
	l := &Logs{p: p, pl: pl, endpoint: p.cloud.logs, cred: ce}
	p.logs[ce.key] = l
	return l, nil
}

var _ azcore.TokenCredential = (*credEntry)(nil)
