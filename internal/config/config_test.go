package config

import (
	"flag"
	"io"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"gopkg.in/yaml.v3"
)

func env(m map[string]string) func(string) (string, bool) {
	return func(k string) (string, bool) { v, ok := m[k]; return v, ok }
}

func load(t *testing.T, cmd string, args []string, envs map[string]string) (*Config, error) {
	t.Helper()
	fs := flag.NewFlagSet(cmd, flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	b := Bind(fs, cmd)
	if err := fs.Parse(args); err != nil {
		return nil, err
	}
	return b.Load(env(envs))
}

func TestDefaults(t *testing.T) {
	c := Default()
	if !slices.Equal(c.Toolsets, []string{"default"}) || c.Log.Level != "info" || c.Limits.CallTimeout != 2*time.Minute ||
		c.HTTP.Addr != "127.0.0.1:8080" || c.Emulator.Seed != 1 || c.Emulator.Scale != 1 || c.EnableWrites {
		t.Fatalf("unexpected defaults: %+v", c)
	}
	if err := c.Validate(); err != nil {
		t.Fatalf("defaults do not validate: %v", err)
	}
}

func TestPrecedenceFileEnvFlags(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "c.yaml")
	os.WriteFile(path, []byte(`
log:
  level: debug
  format: json
toolsets: [incidents, query]
limits:
  call_timeout: 45s
  rate: 3
http:
  addr: 127.0.0.1:9999
`), 0o600)
	c, err := load(t, "http", []string{"--config", path, "--log-level", "warn", "--read-only"},
		map[string]string{"SENTINEL_LOG_FORMAT": "text", "SENTINEL_LIMITS_RATE": "7", "SENTINEL_LOG_LEVEL": "error"})
	if err != nil {
		t.Fatal(err)
	}
	if c.Log.Level != "warn" { // flag beats env beats file
		t.Errorf("log.level = %q, want warn (flag)", c.Log.Level)
	}
	if c.Log.Format != "text" { // env beats file
		t.Errorf("log.format = %q, want text (env)", c.Log.Format)
	}
	if c.Limits.Rate != 7 || c.Limits.CallTimeout != 45*time.Second {
		t.Errorf("limits = %+v", c.Limits)
	}
	if !slices.Equal(c.Toolsets, []string{"incidents", "query"}) || !c.ReadOnly || c.HTTP.Addr != "127.0.0.1:9999" {
		t.Errorf("config = %+v", c)
	}
}

func TestConfigFileFromEnvAndJSON(t *testing.T) {
	path := filepath.Join(t.TempDir(), "c.json")
	os.WriteFile(path, []byte(`{"enable_writes": true, "exclude_tools": ["a_b"], "emulator": {"seed": 42}}`), 0o600)
	c, err := load(t, "stdio", nil, map[string]string{ConfigEnv: path, "SENTINEL_TOOLS": "x_y, z_w"})
	if err != nil {
		t.Fatal(err)
	}
	if !c.EnableWrites || !slices.Equal(c.ExcludeTools, []string{"a_b"}) || c.Emulator.Seed != 42 ||
		!slices.Equal(c.Tools, []string{"x_y", "z_w"}) {
		t.Errorf("config = %+v", c)
	}
}

func TestErrorsAreActionable(t *testing.T) {
	path := filepath.Join(t.TempDir(), "c.yaml")
	os.WriteFile(path, []byte("log:\n  levle: debug\n"), 0o600)
	_, err := load(t, "stdio", []string{"--config", path}, nil)
	if err == nil || !strings.Contains(err.Error(), `unknown setting "levle"`) || !strings.Contains(err.Error(), `did you mean "level"`) ||
		!strings.Contains(err.Error(), "c.yaml:2") {
		t.Errorf("typo error = %v", err)
	}
	if _, err := load(t, "stdio", nil, map[string]string{"SENTINEL_LIMITS_CALL_TIMEOUT": "soon"}); err == nil ||
		!strings.Contains(err.Error(), "SENTINEL_LIMITS_CALL_TIMEOUT") || !strings.Contains(err.Error(), "invalid duration") {
		t.Errorf("env error = %v", err)
	}
	if _, err := load(t, "stdio", []string{"--limits-rate", "fast"}, nil); err == nil || !strings.Contains(err.Error(), "limits-rate") {
		t.Errorf("flag error = %v", err)
	}
	if _, err := load(t, "stdio", []string{"--log-level", "loud"}, nil); err == nil || !strings.Contains(err.Error(), "use debug, info, warn or error") {
		t.Errorf("validation error = %v", err)
	}
	// Flags belong to their subcommands: --http-addr is not a stdio flag.
	if _, err := load(t, "stdio", []string{"--http-addr", "127.0.0.1:1"}, nil); err == nil {
		t.Error("stdio accepted --http-addr")
	}
}

func TestFieldNamesDerivedFromTags(t *testing.T) {
	want := map[string][2]string{
		"toolsets":            {"toolsets", "SENTINEL_TOOLSETS"},
		"exclude_tools":       {"exclude-tools", "SENTINEL_EXCLUDE_TOOLS"},
		"log.level":           {"log-level", "SENTINEL_LOG_LEVEL"},
		"http.addr":           {"http-addr", "SENTINEL_HTTP_ADDR"},
		"http.auth_token":     {"", "SENTINEL_HTTP_AUTH_TOKEN"},
		"emulator.enabled":    {"emulator", "SENTINEL_EMULATOR"},
		"emulator.seed":       {"emulator-seed", "SENTINEL_EMULATOR_SEED"},
		"limits.call_timeout": {"limits-call-timeout", "SENTINEL_LIMITS_CALL_TIMEOUT"},
	}
	got := map[string]Field{}
	for _, f := range Fields() {
		got[f.Key] = f
	}
	for key, w := range want {
		f, ok := got[key]
		if !ok {
			t.Errorf("no field %s", key)
			continue
		}
		if f.Flag != w[0] || f.Env != w[1] {
			t.Errorf("%s: flag %q env %q, want %q %q", key, f.Flag, f.Env, w[0], w[1])
		}
		if f.Help == "" {
			t.Errorf("%s has no help text", key)
		}
	}
	seen := map[string]string{}
	for _, f := range Fields() {
		for _, name := range []string{"flag:" + f.Flag, "env:" + f.Env} {
			if strings.HasSuffix(name, ":") {
				continue
			}
			if other, dup := seen[name]; dup {
				t.Errorf("%s used by %s and %s", name, other, f.Key)
			}
			seen[name] = f.Key
		}
	}
}

func TestNestedObjectsAndSecrets(t *testing.T) {
	type tenant struct {
		Alias  string `config:"alias" help:"Alias."`
		Secret string `config:"client_secret" secret:"true" help:"Secret."`
	}
	type section struct {
		Name    string            `config:"name" help:"Name."`
		Tenants []tenant          `config:"tenants" help:"Tenants."`
		Named   map[string]tenant `config:"named" help:"Named."`
	}
	var s section
	d := decoder{name: "t.yaml"}
	doc := []byte("name: x\ntenants:\n  - alias: a\n    client_secret: s1\nnamed:\n  b: {alias: b, client_secret: s2}\n")
	if err := decodeInto(d, doc, &s); err != nil {
		t.Fatal(err)
	}
	if s.Name != "x" || len(s.Tenants) != 1 || s.Tenants[0].Secret != "s1" || s.Named["b"].Secret != "s2" {
		t.Fatalf("decoded %+v", s)
	}
	if err := decodeInto(d, []byte("tenants:\n  - alais: a\n"), &s); err == nil || !strings.Contains(err.Error(), "tenants[0]") {
		t.Errorf("nested typo error = %v", err)
	}

	c := Default()
	c.HTTP.AuthToken = "hunter2"
	r := c.Redacted()
	if r.HTTP.AuthToken != "<redacted>" || c.HTTP.AuthToken != "hunter2" {
		t.Errorf("redaction: copy %q original %q", r.HTTP.AuthToken, c.HTTP.AuthToken)
	}
}

func TestAuthTokenFile(t *testing.T) {
	c := Default()
	c.HTTP.AuthTokenFile = filepath.Join(t.TempDir(), "tok")
	os.WriteFile(c.HTTP.AuthTokenFile, []byte(" s3cret \nignored\n"), 0o600)
	if tok, err := c.HTTPAuthToken(); err != nil || tok != "s3cret" {
		t.Errorf("token %q err %v", tok, err)
	}
}

func TestAuditPathDefault(t *testing.T) {
	t.Setenv("XDG_STATE_HOME", "/tmp/state-test")
	c := Default()
	p, err := c.AuditPath()
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasSuffix(p, filepath.Join("sentinel-mcp", "audit.jsonl")) {
		t.Errorf("audit path %s", p)
	}
}

func TestHelpMentionsEveryFlagAndEnv(t *testing.T) {
	for _, cmd := range []string{"stdio", "http", "tools", "emulator"} {
		h := FlagHelp(cmd)
		for _, f := range FlagFields(cmd) {
			if !strings.Contains(h, "--"+f.Flag+" ") && !strings.Contains(h, "--"+f.Flag+"\n") {
				t.Errorf("%s help lacks --%s", cmd, f.Flag)
			}
			if !strings.Contains(h, f.Env) {
				t.Errorf("%s help lacks %s", cmd, f.Env)
			}
		}
	}
	if !strings.Contains(FlagHelp("http"), "SENTINEL_HTTP_AUTH_TOKEN") {
		t.Error("http help does not mention the env-only auth token")
	}
	md := Markdown()
	for _, f := range Fields() {
		if !strings.Contains(md, "`"+f.Key+"`") {
			t.Errorf("markdown lacks %s", f.Key)
		}
	}
}

func decodeInto(d decoder, data []byte, v any) error {
	var n yaml.Node
	if err := yaml.Unmarshal(data, &n); err != nil {
		return err
	}
	return d.decode(n.Content[0], reflect.ValueOf(v).Elem(), "")
}
