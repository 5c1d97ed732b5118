package main

import (
	"context"
	"crypto/x509"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/sentinel-mcp/sentinel-mcp/internal/emulator/world"
)

// syncBuffer is an io.Writer the emulator command writes to while the test reads it.
type syncBuffer struct {
	mu sync.Mutex
	b  strings.Builder
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// runEmulatorCommand starts `sentinel-mcp emulator args...` and returns its output once it serves, and
// a stop function that interrupts it and returns its exit code.
func runEmulatorCommand(t *testing.T, args ...string) (string, func() int) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	var out, errb syncBuffer
	done := make(chan int, 1)
	go func() { done <- run(ctx, append([]string{"emulator", "--log-level", "warn"}, args...), &out, &errb) }()
	stop := func() int {
		cancel()
		select {
		case code := <-done:
			return code
		case <-time.After(10 * time.Second):
			t.Fatal("the emulator command did not stop on interrupt")
			return -1
		}
	}
	deadline := time.Now().Add(15 * time.Second)
	for !strings.Contains(out.String(), "Serving until interrupted") {
		select {
		case code := <-done:
			t.Fatalf("emulator command exited with %d before serving:\n%s\n%s", code, out.String(), errb.String())
		case <-time.After(10 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			stop()
			t.Fatalf("emulator command not serving after 15s:\n%s", out.String())
		}
	}
	return out.String(), stop
}

// printedConfig cuts the YAML configuration out of the command's output.
func printedConfig(t *testing.T, out string) string {
	t.Helper()
	_, rest, ok := strings.Cut(out, "(YAML: save it to a file and pass --config FILE):\n")
	if !ok {
		t.Fatalf("no configuration in the output:\n%s", out)
	}
	cfg, _, _ := strings.Cut(rest, "\n\n")
	return cfg + "\n"
}

// The configuration `sentinel-mcp emulator` prints is ready: another sentinel-mcp process, trusting the
// written CA through SSL_CERT_FILE as the output says, loads it unchanged and reaches the demo tenants
// through it, Lighthouse-delegated and direct alike.
func TestEmulatorCommandPrintsAReadyConfig(t *testing.T) {
	out, stop := runEmulatorCommand(t, "--page-size", "5", "--fault", "route=/nothing/**,status=503")
	m := regexp.MustCompile(`listening on (https://127\.0\.0\.1:\d+)[\s\S]*CA certificate: (\S+)\n`).FindStringSubmatch(out)
	if m == nil || !strings.Contains(out, "SSL_CERT_FILE="+m[2]) || !strings.Contains(out, "Faults injected: 1") {
		stop()
		t.Fatalf("output:\n%s", out)
	}
	for _, want := range []string{m[1] + "/v1/workspaces/{customerId}/query", "/.well-known/openid-configuration", world.ManagingApp.ClientID, world.LitwareApp.Secret} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q", want)
		}
	}
	path := filepath.Join(t.TempDir(), "emulator.yaml")
	if err := os.WriteFile(path, []byte(printedConfig(t, out)), 0o600); err != nil {
		t.Fatal(err)
	}
	base := world.MustWorkspace(world.SeededFacts().Baseline).Alias()
	direct := world.MustWorkspace(world.WSLitwareSentinel).Alias()
	code, hout, herr := runInChildProcess(t, []string{"SSL_CERT_FILE=" + m[2]},
		"health", "--config", path, "--log-level", "warn", "--workspaces", base+","+direct, "--fail-on", "never")
	if code != exitOK || !strings.Contains(hout, base) || !strings.Contains(hout, direct) {
		t.Errorf("health through the printed config: exit %d\n%s\n%s", code, hout, herr)
	}
	if code := stop(); code != exitOK {
		t.Errorf("emulator command exit %d after interrupt", code)
	}
	if _, err := os.Stat(m[2]); !os.IsNotExist(err) {
		t.Errorf("temporary CA file %s left behind: %v", m[2], err)
	}

	caFile := filepath.Join(t.TempDir(), "ca", "emu.pem")
	out, stop = runEmulatorCommand(t, "--ca-file", caFile)
	stop()
	if !strings.Contains(out, "CA certificate: "+caFile) {
		t.Errorf("--ca-file not used:\n%s", out)
	}
	if pem, err := os.ReadFile(caFile); err != nil || !x509.NewCertPool().AppendCertsFromPEM(pem) {
		t.Errorf("--ca-file after exit: %v", err)
	}
	dataDir := t.TempDir()
	out, stop = runEmulatorCommand(t, "--emulator-data-dir", dataDir)
	stop()
	if inDir := filepath.Join(dataDir, "emulator-ca.pem"); !strings.Contains(out, "CA certificate: "+inDir) {
		t.Errorf("the CA is not written to the data directory:\n%s", out)
	} else if _, err := os.Stat(inDir); err != nil {
		t.Errorf("CA in the data directory after exit: %v", err)
	}
}

// With --plain-http the emulator serves HTTP (for curl and scripts) and says why it prints no
// configuration for sentinel-mcp.
func TestEmulatorCommandPlainHTTP(t *testing.T) {
	out, stop := runEmulatorCommand(t, "--plain-http")
	defer stop()
	m := regexp.MustCompile(`listening on (http://127\.0\.0\.1:\d+)`).FindStringSubmatch(out)
	if m == nil || strings.Contains(out, "CA certificate") || strings.Contains(out, "azure:") || !strings.Contains(out, "needs an HTTPS login authority") {
		t.Fatalf("plain HTTP output:\n%s", out)
	}
	resp, err := http.Get(m[1] + "/" + world.ManagingApp.TenantID + "/v2.0/.well-known/openid-configuration")
	if err != nil {
		t.Fatal(err)
	}
	_ = resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Errorf("OIDC metadata over plain HTTP: %d", resp.StatusCode)
	}
}

// runInChildProcess runs the CLI in a child process of the test binary, with extra environment variables
// (SSL_CERT_FILE is read once per process, so it cannot be set for a run in this process).
func runInChildProcess(t *testing.T, env []string, args ...string) (int, string, string) {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^TestCLIChildProcess$")
	cmd.Env = append(append(os.Environ(), "SENTINEL_TEST_CHILD_ARGS="+strings.Join(args, "\x1f")), env...)
	var out, errb strings.Builder
	cmd.Stdout, cmd.Stderr = &out, &errb
	err := cmd.Run()
	code := 0
	if ee, ok := err.(*exec.ExitError); ok {
		code = ee.ExitCode()
	} else if err != nil {
		t.Fatal(err)
	}
	return code, out.String(), errb.String()
}

// TestCLIChildProcess is the child of runInChildProcess; it does nothing in a normal test run.
func TestCLIChildProcess(t *testing.T) {
	args := os.Getenv("SENTINEL_TEST_CHILD_ARGS")
	if args == "" {
		return
	}
	os.Exit(run(context.Background(), strings.Split(args, "\x1f"), os.Stdout, os.Stderr))
}

func TestEmulatorCommandRefusesBadFlags(t *testing.T) {
	for _, args := range [][]string{
		{"emulator", "--fault", "route=arm"},
		{"emulator", "--fault", "status=429,colour=red"},
		{"emulator", "--rows", "-5"},
		{"emulator", "--plain-http", "--ca-file", "x.pem"},
	} {
		if code, _, errs := runCLI(t, args...); code != exitUsage || errs == "" {
			t.Errorf("%v: exit %d %q", args, code, errs)
		}
	}
}
