package e2e

import (
	"encoding/json"
	"slices"
	"strings"
	"testing"
	"time"
)

// inspector runs the MCP Inspector CLI against a target (a command line for stdio, or a URL).
type inspector struct {
	clients nodeClients
	script  string
	target  []string // after --cli: -e flags and the server command, or the URL and transport flags
}

func newInspector(t *testing.T, clients nodeClients, target ...string) *inspector {
	return &inspector{clients: clients, script: clients.script(t, "@modelcontextprotocol/inspector", "mcp-inspector"), target: target}
}

// call runs one method and decodes its JSON answer into out (when non-nil); it returns the exit code
// and the raw output.
func (in *inspector) call(t *testing.T, out any, args ...string) (int, string) {
	t.Helper()
	all := append(append([]string{"--cli"}, in.target...), args...)
	stdout, stderr, code := in.clients.run(t, 90*time.Second, in.script, all...)
	if code == 0 && out != nil {
		if err := json.Unmarshal([]byte(stdout), out); err != nil {
			t.Fatalf("inspector %s: output is not JSON: %v\n%s\nstderr:\n%s", strings.Join(args, " "), err, stdout, stderr)
		}
	}
	return code, stdout + stderr
}

// must runs a method that has to succeed.
func (in *inspector) must(t *testing.T, out any, args ...string) {
	t.Helper()
	if code, output := in.call(t, out, args...); code != 0 {
		t.Fatalf("inspector %s: exit %d\n%s", strings.Join(args, " "), code, output)
	}
}

type listedTool struct {
	Name        string          `json:"name"`
	Description string          `json:"description"`
	InputSchema json.RawMessage `json:"inputSchema"`
	Annotations map[string]any  `json:"annotations"`
}

type toolCallResult struct {
	IsError bool `json:"isError"`
	Content []struct {
		Type string `json:"type"`
		Text string `json:"text"`
	} `json:"content"`
	StructuredContent json.RawMessage `json:"structuredContent"`
}

type readResult struct {
	Contents []struct {
		URI      string `json:"uri"`
		MIMEType string `json:"mimeType"`
		Text     string `json:"text"`
	} `json:"contents"`
}

// TestInspectorCLI drives `sentinel-mcp stdio --emulator` with the MCP Inspector CLI, as a user
// would: lists, resource reads, prompt gets and tool calls, with their failure cases. It covers the
// tools as they land: every listed tool is checked by the Inspector's schema portability rules
// (--strict), and list_workspaces is called whenever the inventory has it.
func TestInspectorCLI(t *testing.T) {
	clients := requireClients(t)
	bin := sentinelBinary(t)
	var env []string
	for _, kv := range stateEnv(t) {
		env = append(env, "-e", kv)
	}
	stdio := func(flags ...string) *inspector {
		return newInspector(t, clients, append(append(env, bin, "stdio", "--emulator"), flags...)...)
	}
	all := stdio("--toolsets", "all", "--enable-writes")
	def := stdio()

	t.Run("tools/list every tool, strict schemas", func(t *testing.T) {
		var list struct{ Tools []listedTool }
		// --strict exits 6 on an error-severity portability problem; warnings are reported here.
		code, output := all.call(t, &list, "--method", "tools/list", "--strict")
		if code != 0 {
			t.Fatalf("tools/list --strict: exit %d\n%s", code, output)
		}
		if i := strings.LastIndex(output, "\n0 errors, "); i >= 0 {
			t.Logf("tool schema portability (Inspector --strict):%s", strings.TrimRight(output[i:], "\n"))
		}
		for _, tl := range list.Tools {
			if tl.Name == "" || tl.Description == "" || len(tl.InputSchema) == 0 {
				t.Errorf("tool %q: name, description and inputSchema are required: %+v", tl.Name, tl)
			}
			for _, k := range []string{"readOnlyHint", "destructiveHint", "idempotentHint", "openWorldHint"} {
				if _, ok := tl.Annotations[k]; !ok {
					t.Errorf("tool %q: no %s", tl.Name, k)
				}
			}
		}
		t.Logf("%d tools with every toolset and writes enabled", len(list.Tools))
	})

	t.Run("tools/call", func(t *testing.T) {
		var list struct{ Tools []listedTool }
		def.must(t, &list, "--method", "tools/list")
		names := make([]string, len(list.Tools))
		for i, tl := range list.Tools {
			names[i] = tl.Name
		}
		if slices.Contains(names, "list_workspaces") {
			var res toolCallResult
			def.must(t, &res, "--method", "tools/call", "--tool-name", "list_workspaces")
			if res.IsError || len(res.Content) == 0 {
				t.Errorf("list_workspaces: %+v", res)
			}
			got := strings.ToLower(res.Content[0].Text + string(res.StructuredContent))
			for _, ws := range []string{"contoso-prod", "fabrikam-sentinel"} {
				if !strings.Contains(got, ws) {
					t.Errorf("list_workspaces does not show the seeded workspace %s:\n%s", ws, got)
				}
			}
		} else {
			t.Logf("list_workspaces is not in the default inventory yet (%d tools: %v)", len(names), names)
		}
		// An unknown tool is an error the client reports, not a crash.
		code, out := def.call(t, nil, "--method", "tools/call", "--tool-name", "no_such_tool")
		if code == 0 || !strings.Contains(out, "no_such_tool") {
			t.Errorf("unknown tool: exit %d\n%s", code, out)
		}
	})

	t.Run("prompts", func(t *testing.T) {
		var list struct {
			Prompts []struct {
				Name      string
				Arguments []struct {
					Name     string
					Required bool
				}
			}
		}
		def.must(t, &list, "--method", "prompts/list")
		var names []string
		for _, p := range list.Prompts {
			names = append(names, p.Name)
		}
		for _, want := range []string{"triage_incident", "hunt_across_tenants"} {
			if !slices.Contains(names, want) {
				t.Errorf("prompts/list has no %s: %v", want, names)
			}
		}
		type message struct {
			Role    string
			Content struct{ Type, Text string }
		}
		var got struct{ Messages []message }
		def.must(t, &got, "--method", "prompts/get", "--prompt-name", "triage_incident", "--prompt-args", "workspace=contoso/contoso-prod", "incident=42")
		if len(got.Messages) != 1 || got.Messages[0].Role != "user" || !strings.Contains(got.Messages[0].Content.Text, "incident 42 in workspace contoso/contoso-prod") {
			t.Errorf("triage_incident: %+v", got)
		}
		got.Messages = nil
		def.must(t, &got, "--method", "prompts/get", "--prompt-name", "hunt_across_tenants", "--prompt-args", `hypothesis=evil"host`, "timespan=24h")
		if len(got.Messages) != 1 || !strings.Contains(got.Messages[0].Content.Text, `"evil\"host"`) {
			t.Errorf("hunt_across_tenants does not quote the hypothesis as a KQL string: %+v", got)
		}
		// A required argument missing, and an unknown prompt, are errors.
		if code, out := def.call(t, nil, "--method", "prompts/get", "--prompt-name", "triage_incident"); code == 0 || !strings.Contains(out, "needs the workspace") {
			t.Errorf("triage_incident without arguments: exit %d\n%s", code, out)
		}
		if code, _ := def.call(t, nil, "--method", "prompts/get", "--prompt-name", "no_such_prompt"); code == 0 {
			t.Error("an unknown prompt succeeded")
		}
	})

	t.Run("resources", func(t *testing.T) {
		var list struct {
			Resources []struct{ URI, Name, MIMEType string }
		}
		def.must(t, &list, "--method", "resources/list")
		var uris []string
		for _, r := range list.Resources {
			uris = append(uris, r.URI)
		}
		for _, want := range []string{"sentinel://kql/cheatsheet", "sentinel://server/status", "sentinel://schemas"} {
			if !slices.Contains(uris, want) {
				t.Errorf("resources/list has no %s: %v", want, uris)
			}
		}
		// Every listed resource reads, with its URI, MIME type and text.
		for _, r := range list.Resources {
			var res readResult
			def.must(t, &res, "--method", "resources/read", "--uri", r.URI)
			if len(res.Contents) != 1 || res.Contents[0].URI != r.URI || res.Contents[0].MIMEType != r.MIMEType || res.Contents[0].Text == "" {
				t.Errorf("read %s: %+v", r.URI, res)
			}
			if r.URI == "sentinel://server/status" {
				var status struct {
					Emulator      bool  `json:"emulator"`
					WritesEnabled *bool `json:"writes_enabled"`
					Toolsets      []any `json:"toolsets"`
				}
				if err := json.Unmarshal([]byte(res.Contents[0].Text), &status); err != nil || !status.Emulator || status.WritesEnabled == nil || *status.WritesEnabled || status.Toolsets == nil {
					t.Errorf("status: %v %s", err, res.Contents[0].Text)
				}
			}
		}
		var templates struct {
			ResourceTemplates []struct{ URITemplate string }
		}
		def.must(t, &templates, "--method", "resources/templates/list")
		if len(templates.ResourceTemplates) != 1 || templates.ResourceTemplates[0].URITemplate != "sentinel://schemas/{table}" {
			t.Errorf("templates: %+v", templates)
		}
		var schema readResult
		def.must(t, &schema, "--method", "resources/read", "--uri", "sentinel://schemas/SigninLogs")
		if len(schema.Contents) != 1 || !strings.Contains(schema.Contents[0].Text, "TimeGenerated") {
			t.Errorf("SigninLogs schema: %+v", schema)
		}
		if code, out := def.call(t, nil, "--method", "resources/read", "--uri", "sentinel://schemas/NoSuchTable"); code == 0 || !strings.Contains(strings.ToLower(out), "not found") {
			t.Errorf("unknown table: exit %d\n%s", code, out)
		}
	})
}

// TestInspectorCLIOverHTTP connects the Inspector over streamable HTTP to a server that requires a
// bearer token: with the token it lists and reads, without it it is refused.
func TestInspectorCLIOverHTTP(t *testing.T) {
	clients := requireClients(t)
	bin := sentinelBinary(t)
	const token = "e2e-inspector-token-0123456789"
	endpoint := httpServer(t, bin, []string{"SENTINEL_HTTP_AUTH_TOKEN=" + token})

	authed := newInspector(t, clients, endpoint, "--transport", "http", "--header", "Authorization: Bearer "+token)
	var list struct{ Tools []listedTool }
	authed.must(t, &list, "--method", "tools/list")
	var res readResult
	authed.must(t, &res, "--method", "resources/read", "--uri", "sentinel://kql/cheatsheet")
	if len(res.Contents) != 1 || res.Contents[0].Text == "" {
		t.Errorf("cheat sheet over HTTP: %+v", res)
	}

	for name, target := range map[string][]string{
		"no token":    {endpoint, "--transport", "http"},
		"wrong token": {endpoint, "--transport", "http", "--header", "Authorization: Bearer wrong"},
	} {
		in := newInspector(t, clients, target...)
		if code, out := in.call(t, nil, "--method", "tools/list"); code == 0 || !strings.Contains(strings.ToLower(out), "auth") {
			t.Errorf("%s: exit %d, want an authentication failure\n%s", name, code, out)
		}
	}
}
