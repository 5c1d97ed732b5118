// Package config holds sentinel-mcp's configuration and loads it from an optional YAML/JSON file, the
// environment (SENTINEL_*) and command-line flags, in that order of precedence (flags win).
//
// Every setting is described once, by struct tags on the Config types, and everything else is derived
// from those tags: the file keys, the flag and environment variable names, the defaults, `--help` and
// the configuration reference in README.md. To add a setting, add a field with tags (see Field for the
// tag vocabulary); no loader code needs to change. Other packages may own a section in their own file
// (azure.go holds the Azure/tenancy section).
package config

import (
	"errors"
	"fmt"
	"net"
	"net/url"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"time"
)

// Config is the whole configuration. Top-level scalar fields get short flags (--toolsets, --read-only);
// fields in a section get the section name as a prefix (--log-level, --http-addr).
type Config struct {
	Toolsets     []string `config:"toolsets" cmd:"stdio,http,tools" default:"default" help:"Toolsets to enable, comma-separated. \"default\" is the default set, \"all\" every toolset; names can be mixed (default,rules)."`
	Tools        []string `config:"tools" cmd:"stdio,http,tools" help:"Individual tools to enable in addition to the toolsets, comma-separated."`
	ExcludeTools []string `config:"exclude_tools" cmd:"stdio,http,tools" help:"Tools to hide even if their toolset is enabled, comma-separated."`
	ReadOnly     bool     `config:"read_only" cmd:"stdio,http,tools" help:"Force read-only mode: write tools are not listed, even if writes are enabled."`
	EnableWrites bool     `config:"enable_writes" cmd:"stdio,http,tools" help:"Enable write tools (they are hidden by default). Destructive tools still ask for confirmation."`
	// Output schemas are a third of tools/list and models do not need them to use a tool: advertising them
	// is for programmatic clients that validate structured results.
	OutputSchemas bool `config:"output_schemas" cmd:"stdio,http,tools" help:"Advertise every tool's output schema in tools/list (structured results are returned either way). Off by default: it keeps the tool list, and the model's context, about a third smaller."`

	Log      Log      `config:"log" help:"Diagnostic logs (stderr; stdout carries the protocol)."`
	Audit    Audit    `config:"audit" cmd:"stdio,http,restore,deploy" help:"Audit log of tool calls (and of the restore and deploy commands' writes)."`
	Backup   Backup   `config:"backup" help:"Folders of exported workspace content (backup and drift toolsets)."`
	Limits   Limits   `config:"limits" help:"Safety limits applied to every tool call."`
	HTTP     HTTP     `config:"http" cmd:"http" help:"Streamable HTTP transport (sentinel-mcp http)."`
	Emulator Emulator `config:"emulator" cmd:"stdio,http,emulator,health,compliance,report,drift,export,restore,deploy" help:"Built-in Azure emulator (demo and tests)."`
	Azure    Azure    `config:"azure" cmd:"stdio,http,health,compliance,report,drift,export,restore,deploy" help:"Azure cloud, credentials and tenants."`

	Health     Health     `config:"health" cmd:"stdio,http,health,report" help:"Health checks (check_health, generate_soc_report, sentinel-mcp health and report)."`
	Compliance Compliance `config:"compliance" cmd:"stdio,http,compliance,report" help:"Compliance checks (run_compliance_check, generate_soc_report, sentinel-mcp compliance and report)."`
}

// Log configures the slog logger.
type Log struct {
	Level  string `config:"level" cmd:"stdio,http,emulator,health,compliance,report,drift,export,restore,deploy" default:"info" help:"Log level: debug, info, warn or error."`
	Format string `config:"format" cmd:"stdio,http,emulator,health,compliance,report,drift,export,restore,deploy" default:"text" help:"Log format: text or json."`
}

// Audit configures the append-only audit log.
type Audit struct {
	Path string `config:"path" help:"Audit log file (JSON lines, appended and fsynced). Default: <state dir>/sentinel-mcp/audit.jsonl, where the state dir is $XDG_STATE_HOME or ~/.local/state (Library/Application Support on macOS, %LOCALAPPDATA% on Windows)."`
}

// Backup configures where MCP tools may write and read exports of workspace content.
type Backup struct {
	Dir string `config:"dir" help:"Folder under which export_workspace writes exports and restore_workspace, deploy_content and detect_drift read them; tools cannot reach outside it (absolute paths, '..' and symbolic links are refused). The CLI commands take any folder. Default: <state dir>/sentinel-mcp/backups."`
}

// Limits are the per-call safety rails enforced by the server middleware.
type Limits struct {
	CallTimeout     time.Duration `config:"call_timeout" default:"2m" help:"Maximum duration of one tool call."`
	Rate            float64       `config:"rate" default:"20" help:"Global tool-call rate limit, in calls per second (0 disables)."`
	RateBurst       int           `config:"rate_burst" default:"40" help:"Burst allowed above the global rate."`
	TenantRate      float64       `config:"tenant_rate" default:"5" help:"Per-tenant tool-call rate limit, in calls per second (0 disables)."`
	TenantRateBurst int           `config:"tenant_rate_burst" default:"10" help:"Burst allowed above the per-tenant rate."`
	MaxRows         int           `config:"max_rows" cmd:"stdio,http" default:"200" help:"Default maximum rows in one tool result (tools may accept a smaller limit)."`
	MaxBytes        int           `config:"max_bytes" cmd:"stdio,http" default:"32768" help:"Default maximum size in bytes of one tool result's rendered text."`
	ConfirmTTL      time.Duration `config:"confirm_ttl" default:"5m" help:"How long a confirmation token of a destructive call stays valid."`
}

// HTTP configures `sentinel-mcp http`.
type HTTP struct {
	Addr            string        `config:"addr" default:"127.0.0.1:8080" help:"Listen address. A non-loopback address requires an auth token."`
	AuthToken       string        `config:"auth_token" secret:"true" flag:"-" help:"Bearer token clients must send (Authorization: Bearer ...). Prefer the environment or auth_token_file."`
	AuthTokenFile   string        `config:"auth_token_file" help:"File holding the bearer token (first line)."`
	AllowedOrigins  []string      `config:"allowed_origins" help:"Browser origins allowed to call the server (Origin header); requests with any other Origin are refused."`
	AllowedHosts    []string      `config:"allowed_hosts" help:"Host header values accepted besides loopback names and the listen address (DNS-rebinding protection)."`
	MaxRequestBytes int64         `config:"max_request_bytes" default:"1048576" help:"Maximum size of one HTTP request body."`
	SessionTimeout  time.Duration `config:"session_timeout" default:"30m" help:"Idle sessions are closed after this long."`
	Rate            float64       `config:"rate" default:"50" help:"Per-client HTTP request rate limit, in requests per second per remote address (0 disables); over it, 429 with Retry-After."`
	RateBurst       int           `config:"rate_burst" default:"100" help:"Burst allowed above the per-client HTTP request rate."`
	PublicURL       string        `config:"public_url" help:"External URL of the MCP endpoint when behind a reverse proxy, e.g. https://mcp.example.com/mcp; used as the resource of the OAuth protected-resource metadata (default: derived from the request)."`
}

// Emulator configures the built-in Azure emulator, used by `--emulator` and `sentinel-mcp emulator`.
type Emulator struct {
	Enabled      bool    `config:"enabled" flag:"emulator" env:"SENTINEL_EMULATOR" cmd:"stdio,http,health,compliance,report,drift,export,restore,deploy" help:"Run against the built-in Azure emulator (seeded demo tenants) instead of Azure."`
	Seed         int64   `config:"seed" default:"1" help:"Seed of the emulator's deterministic data."`
	Scale        float64 `config:"scale" default:"1" help:"Log volume multiplier of the emulator (1 = demo size)."`
	Days         int     `config:"days" default:"7" help:"Days of log history the emulator generates."`
	ExtraTenants int     `config:"extra_tenants" default:"0" help:"Extra synthetic delegated customer tenants (fan-out demos)."`
	Addr         string  `config:"addr" default:"127.0.0.1:0" help:"Listen address of the emulator, loopback only (port 0 picks a free port)."`
	DataDir      string  `config:"data_dir" help:"Directory where the emulator persists its state between runs (empty: in memory)."`
}

// Default returns the configuration with every tag default applied and nothing else.
func Default() *Config {
	c := &Config{}
	if err := applyDefaults(c); err != nil {
		panic(err) // a bad default tag is a programming error caught by any test
	}
	return c
}

// Validate checks values that the type system cannot, with messages that say what to change.
func (c *Config) Validate() error {
	var errs []error
	if !oneOf(c.Log.Level, "debug", "info", "warn", "error") {
		errs = append(errs, fmt.Errorf("log.level %q: use debug, info, warn or error", c.Log.Level))
	}
	if !oneOf(c.Log.Format, "text", "json") {
		errs = append(errs, fmt.Errorf("log.format %q: use text or json", c.Log.Format))
	}
	if c.Limits.CallTimeout <= 0 {
		errs = append(errs, fmt.Errorf("limits.call_timeout %s: must be positive", c.Limits.CallTimeout))
	}
	if c.Limits.Rate < 0 || c.Limits.TenantRate < 0 {
		errs = append(errs, errors.New("limits.rate and limits.tenant_rate must not be negative (0 disables)"))
	}
	if c.Limits.Rate > 0 && c.Limits.RateBurst < 1 || c.Limits.TenantRate > 0 && c.Limits.TenantRateBurst < 1 {
		errs = append(errs, errors.New("limits.rate_burst and limits.tenant_rate_burst must be at least 1 when the rate is set"))
	}
	if c.Limits.MaxRows < 1 || c.Limits.MaxBytes < 1024 {
		errs = append(errs, errors.New("limits.max_rows must be at least 1 and limits.max_bytes at least 1024"))
	}
	if c.Limits.ConfirmTTL < 10*time.Second || c.Limits.ConfirmTTL > 24*time.Hour {
		errs = append(errs, fmt.Errorf("limits.confirm_ttl %s: use a value between 10s and 24h", c.Limits.ConfirmTTL))
	}
	if _, _, err := net.SplitHostPort(c.HTTP.Addr); err != nil {
		errs = append(errs, fmt.Errorf("http.addr %q: want host:port, e.g. 127.0.0.1:8080", c.HTTP.Addr))
	}
	if c.HTTP.MaxRequestBytes < 1024 {
		errs = append(errs, errors.New("http.max_request_bytes must be at least 1024"))
	}
	if c.HTTP.Rate < 0 || c.HTTP.Rate > 0 && c.HTTP.RateBurst < 1 {
		errs = append(errs, errors.New("http.rate must not be negative (0 disables), and http.rate_burst must be at least 1 when it is set"))
	}
	if v := c.HTTP.PublicURL; v != "" {
		if u, err := url.Parse(v); err != nil || u.Host == "" || (u.Scheme != "https" && u.Scheme != "http") || u.RawQuery != "" || u.Fragment != "" {
			errs = append(errs, fmt.Errorf("http.public_url %q: want an absolute http(s) URL without query or fragment, e.g. https://mcp.example.com/mcp", v))
		}
	}
	if c.Emulator.Scale <= 0 || c.Emulator.Days < 1 || c.Emulator.ExtraTenants < 0 {
		errs = append(errs, errors.New("emulator.scale must be positive, emulator.days at least 1, emulator.extra_tenants not negative"))
	}
	errs = append(errs, c.validateSocOps()...)
	return errors.Join(errs...)
}

// AuditPath is the audit log file: the configured path, or the default under the user's state dir.
func (c *Config) AuditPath() (string, error) {
	if c.Audit.Path != "" {
		return c.Audit.Path, nil
	}
	dir, err := StateDir()
	if err != nil {
		return "", fmt.Errorf("no audit.path configured and %w; set --audit-path or SENTINEL_AUDIT_PATH", err)
	}
	return filepath.Join(dir, "sentinel-mcp", "audit.jsonl"), nil
}

// BackupDir is the root folder of exports: the configured one, or the default under the user's state dir.
func (c *Config) BackupDir() (string, error) {
	if c.Backup.Dir != "" {
		return filepath.Abs(c.Backup.Dir)
	}
	dir, err := StateDir()
	if err != nil {
		return "", fmt.Errorf("no backup.dir configured and %w; set --backup-dir or SENTINEL_BACKUP_DIR", err)
	}
	return filepath.Join(dir, "sentinel-mcp", "backups"), nil
}

// HTTPAuthToken returns the bearer token from auth_token or auth_token_file ("" when none is set).
func (c *Config) HTTPAuthToken() (string, error) {
	if c.HTTP.AuthToken != "" {
		return strings.TrimSpace(c.HTTP.AuthToken), nil
	}
	if c.HTTP.AuthTokenFile == "" {
		return "", nil
	}
	b, err := os.ReadFile(c.HTTP.AuthTokenFile)
	if err != nil {
		return "", fmt.Errorf("http.auth_token_file: %w", err)
	}
	tok, _, _ := strings.Cut(string(b), "\n")
	tok = strings.TrimSpace(tok)
	if tok == "" {
		return "", fmt.Errorf("http.auth_token_file %s is empty", c.HTTP.AuthTokenFile)
	}
	return tok, nil
}

// StateDir is the per-user directory for state files (the XDG state dir on Unix).
func StateDir() (string, error) {
	switch runtime.GOOS {
	case "windows":
		if d := os.Getenv("LOCALAPPDATA"); d != "" {
			return d, nil
		}
		return "", errors.New("%LOCALAPPDATA% is not set")
	case "darwin":
		home, err := os.UserHomeDir()
		if err != nil {
			return "", err
		}
		return filepath.Join(home, "Library", "Application Support"), nil
	}
	if d := os.Getenv("XDG_STATE_HOME"); filepath.IsAbs(d) {
		return d, nil
	}
	home, err := os.UserHomeDir()
	if err != nil {
		return "", err
	}
	return filepath.Join(home, ".local", "state"), nil
}

func oneOf(v string, allowed ...string) bool {
	for _, a := range allowed {
		if v == a {
			return true
		}
	}
	return false
}
