package main

import (
	"context"
	"encoding/json"
	"strings"
	"testing"
)

func runCLI(t *testing.T, args ...string) (int, string, string) {
	t.Helper()
	var out, errb strings.Builder
	code := run(context.Background(), args, &out, &errb)
	return code, out.String(), errb.String()
}

func TestCLIUsageAndExitCodes(t *testing.T) {
	if code, out, _ := runCLI(t); code != exitUsage || !strings.Contains(out, "Commands:") {
		t.Errorf("no args: %d %q", code, out)
	}
	if code, out, _ := runCLI(t, "--help"); code != exitOK || !strings.Contains(out, "stdio --emulator") {
		t.Errorf("--help: %d", code)
	}
	if code, _, errs := runCLI(t, "serve"); code != exitUsage || !strings.Contains(errs, `unknown command "serve"`) {
		t.Errorf("unknown command: %d %q", code, errs)
	}
	if code, _, errs := runCLI(t, "stdio", "--no-such-flag"); code != exitUsage || !strings.Contains(errs, "no-such-flag") || !strings.Contains(errs, "--help") {
		t.Errorf("bad flag: %d %q", code, errs)
	}
	if code, _, errs := runCLI(t, "stdio", "--log-level", "chatty"); code != exitUsage || !strings.Contains(errs, "use debug, info, warn or error") {
		t.Errorf("bad value: %d %q", code, errs)
	}
	if code, _, errs := runCLI(t, "tools", "--toolsets", "nope"); code != exitUsage || !strings.Contains(errs, `unknown toolset "nope"`) {
		t.Errorf("bad toolset: %d %q", code, errs)
	}
	if code, out, _ := runCLI(t, "version"); code != exitOK || !strings.HasPrefix(out, "sentinel-mcp ") || !strings.Contains(out, "go1.") {
		t.Errorf("version: %d %q", code, out)
	}
}

func TestCommandHelpDocumentsFlagsAndEnvironment(t *testing.T) {
	for cmd, want := range map[string][]string{
		"stdio": {"--emulator", "SENTINEL_EMULATOR", "--read-only", "--enable-writes", "--toolsets", "--audit-path", "SENTINEL_CONFIG", "--emulator-seed",
			"--log-format", "--config path", "Settings without a flag (config file", "azure.tenants[].workspaces[].resource_id",
			"flags override SENTINEL_* environment variables, which override the config file"},
		"http":     {"--http-addr", "SENTINEL_HTTP_AUTH_TOKEN", "--http-allowed-origins", "--limits-rate"},
		"emulator": {"--emulator-seed", "--emulator-scale", "--emulator-addr"},
		"tools":    {"--json", "--markdown", "--toolsets"},
	} {
		code, out, _ := runCLI(t, cmd, "--help")
		if code != exitOK {
			t.Errorf("%s --help: exit %d", cmd, code)
		}
		for _, w := range want {
			if !strings.Contains(out, w) {
				t.Errorf("%s --help lacks %s", cmd, w)
			}
		}
	}
}

func TestToolsCommand(t *testing.T) {
	code, out, errs := runCLI(t, "tools", "--json", "--toolsets", "all", "--enable-writes")
	if code != exitOK {
		t.Fatalf("tools --json: %d %s", code, errs)
	}
	var doc struct {
		Toolsets  []map[string]any `json:"toolsets"`
		Tools     []toolJSON       `json:"tools"`
		ListBytes int              `json:"list_bytes"`
	}
	if err := json.Unmarshal([]byte(out), &doc); err != nil {
		t.Fatalf("tools --json is not JSON: %v", err)
	}
	for _, tl := range doc.Tools {
		if !tl.Enabled || tl.InputSchema == nil || tl.Annotations == nil {
			t.Errorf("tool %s: %+v", tl.Name, tl)
		}
	}
	if code, out, _ := runCLI(t, "tools"); code != exitOK || !strings.Contains(out, "tools/list is") {
		t.Errorf("tools: %d %q", code, out)
	}
	if code, out, _ := runCLI(t, "tools", "--markdown"); code != exitOK || out != generatedSections()["tools"] {
		t.Errorf("tools --markdown differs from the README generator")
	}
}
