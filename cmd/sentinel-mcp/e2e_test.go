package main

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"
)

// buildBinary builds the real binary once per test run.
func buildBinary(t *testing.T) string {
	t.Helper()
	if testing.Short() {
		t.Skip("builds the binary")
	}
	bin := filepath.Join(t.TempDir(), "sentinel-mcp")
	if runtime.GOOS == "windows" {
		bin += ".exe"
	}
	out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput()
	if err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	return bin
}

type rpcClient struct {
	t   *testing.T
	in  io.WriteCloser
	out *bufio.Reader
}

func (c *rpcClient) send(msg string) {
	c.t.Helper()
	if _, err := io.WriteString(c.in, msg+"\n"); err != nil {
		c.t.Fatal(err)
	}
}

// response reads lines until the response with the given id (notifications are skipped).
func (c *rpcClient) response(id int) map[string]any {
	c.t.Helper()
	for {
		line, err := c.out.ReadString('\n')
		if err != nil {
			c.t.Fatalf("reading response %d: %v", id, err)
		}
		var m map[string]any
		if err := json.Unmarshal([]byte(line), &m); err != nil {
			c.t.Fatalf("stdout carried a non-JSON line %q: %v", line, err)
		}
		if v, ok := m["id"].(float64); ok && int(v) == id {
			return m
		}
	}
}

// TestStdioEmulatorEndToEnd runs the built binary as a client would (sentinel-mcp stdio --emulator)
// and speaks JSON-RPC over its stdin/stdout.
func TestStdioEmulatorEndToEnd(t *testing.T) {
	bin := buildBinary(t)
	state := t.TempDir()
	cmd := exec.Command(bin, "stdio", "--emulator", "--log-format", "json", "--log-level", "debug")
	cmd.Env = append(os.Environ(), "XDG_STATE_HOME="+state, "SENTINEL_AUDIT_PATH="+filepath.Join(state, "audit.jsonl"))
	stdin, _ := cmd.StdinPipe()
	stdout, _ := cmd.StdoutPipe()
	var stderr strings.Builder
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	t.Cleanup(func() { _ = cmd.Process.Kill() })

	c := &rpcClient{t: t, in: stdin, out: bufio.NewReader(stdout)}
	c.send(`{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-06-18","capabilities":{},"clientInfo":{"name":"e2e","version":"1"}}}`)
	init := c.response(1)
	result, _ := init["result"].(map[string]any)
	if result == nil {
		t.Fatalf("initialize: %v", init)
	}
	info, _ := result["serverInfo"].(map[string]any)
	if info["name"] != "sentinel-mcp" || result["protocolVersion"] != "2025-06-18" {
		t.Errorf("initialize result: %v", result)
	}
	if instr, _ := result["instructions"].(string); !strings.Contains(instr, "DEMO MODE") || !strings.Contains(instr, "Contoso") {
		t.Errorf("instructions do not mention the emulator demo:\n%s", instr)
	}
	c.send(`{"jsonrpc":"2.0","method":"notifications/initialized"}`)
	c.send(`{"jsonrpc":"2.0","id":2,"method":"tools/list"}`)
	list := c.response(2)
	tools, ok := list["result"].(map[string]any)["tools"].([]any)
	if !ok {
		t.Fatalf("tools/list: %v", list)
	}
	for _, tl := range tools {
		ann, _ := tl.(map[string]any)["annotations"].(map[string]any)
		for _, k := range []string{"readOnlyHint", "destructiveHint", "idempotentHint", "openWorldHint"} {
			if _, ok := ann[k]; !ok {
				t.Errorf("tool %v: no %s on the wire", tl.(map[string]any)["name"], k)
			}
		}
	}
	c.send(`{"jsonrpc":"2.0","id":3,"method":"resources/read","params":{"uri":"sentinel://kql/cheatsheet"}}`)
	if res := c.response(3); res["error"] != nil {
		t.Errorf("cheat sheet: %v", res["error"])
	}

	// The demo tenancy: Lighthouse customers, Litware reached directly, Woodgrove's own workspace.
	c.send(`{"jsonrpc":"2.0","id":4,"method":"tools/call","params":{"name":"list_tenants","arguments":{}}}`)
	tenants, _ := c.response(4)["result"].(map[string]any)
	access := map[string]string{}
	if sc, ok := tenants["structuredContent"].(map[string]any); ok {
		for _, tn := range sc["tenants"].([]any) {
			m := tn.(map[string]any)
			access[m["alias"].(string)] = m["access_via"].(string)
		}
	}
	if access["contoso"] != "lighthouse" || access["litware"] != "direct" || access["woodgrove"] != "own" || len(access) != 5 {
		t.Errorf("list_tenants over stdio: %v (%v)", access, tenants)
	}

	// Closing stdin ends the session and the process exits cleanly.
	stdin.Close()
	select {
	case err := <-done:
		if err != nil {
			t.Errorf("exit: %v\nstderr:\n%s", err, stderr.String())
		}
	case <-time.After(10 * time.Second):
		t.Fatal("the server did not exit after stdin closed")
	}
	// The audit log of the binary: one JSON line per call, with the caller, the outcome and the duration.
	auditLog, err := os.ReadFile(filepath.Join(state, "audit.jsonl"))
	if err != nil {
		t.Fatal(err)
	}
	var rec struct {
		Time          time.Time `json:"time"`
		CorrelationID string    `json:"correlation_id"`
		Client, Tool  string
		Outcome       string
		DurationMS    float64 `json:"duration_ms"`
	}
	if lines := strings.Split(strings.TrimSpace(string(auditLog)), "\n"); len(lines) != 1 || json.Unmarshal([]byte(lines[0]), &rec) != nil ||
		rec.Tool != "list_tenants" || rec.Client != "e2e/1" || rec.Outcome != "ok" || rec.CorrelationID == "" || rec.DurationMS <= 0 || time.Since(rec.Time) > time.Minute {
		t.Errorf("audit log of the binary:\n%s", auditLog)
	}

	// Logs: slog records on stderr, one JSON object a line (stdout carried only JSON-RPC, see response).
	logged := map[string]bool{}
	for _, line := range strings.Split(strings.TrimSpace(stderr.String()), "\n") {
		var rec map[string]any
		if err := json.Unmarshal([]byte(line), &rec); err != nil || rec["time"] == nil || rec["level"] == nil {
			t.Errorf("stderr line is not a JSON log record (--log-format json): %q", line)
			continue
		}
		msg, _ := rec["msg"].(string)
		logged[msg] = true
	}
	if !logged["server ready"] || !logged["tool call"] {
		t.Errorf("debug logs lack the start-up and tool call records: %v", logged)
	}

	// --log-format text: the same records as slog text lines.
	text := exec.Command(bin, "stdio", "--emulator", "--log-level", "debug", "--log-format", "text")
	text.Env = cmd.Env
	text.Stdin = strings.NewReader("")
	var textErr strings.Builder
	text.Stderr = &textErr
	if out, err := text.Output(); err != nil || len(out) != 0 {
		t.Fatalf("stdio with stdin closed: %v, stdout %q\n%s", err, out, textErr.String())
	}
	if !strings.Contains(textErr.String(), `level=INFO msg="server ready"`) {
		t.Errorf("--log-format text logged:\n%s", textErr.String())
	}
	for _, line := range strings.Split(strings.TrimSpace(textErr.String()), "\n") {
		if !strings.HasPrefix(line, "time=") {
			t.Errorf("stderr line is not a slog text record: %q", line)
		}
	}
	if testing.Verbose() {
		fmt.Fprintf(os.Stderr, "tools listed: %d\n", len(tools))
	}
}
