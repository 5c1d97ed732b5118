package tenancy_test

import (
	"bytes"
	"log/slog"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/sentinel-mcp/sentinel-mcp/internal/config"
	"github.com/sentinel-mcp/sentinel-mcp/internal/emulator"
	"github.com/sentinel-mcp/sentinel-mcp/internal/emulator/world"
	"github.com/sentinel-mcp/sentinel-mcp/internal/toolsets/toolsettest"
)

type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}
func (s *syncBuffer) String() string { s.mu.Lock(); defer s.mu.Unlock(); return s.b.String() }

// The configured secrets (here inline in the configuration, the worst case) and the tokens they buy
// never reach the server's logs, even at debug level with retries and a refused sign-in, nor the
// audit log, nor a tool's answer.
func TestSecretsNeverReachLogsOrAudit(t *testing.T) {
	const wrong = "wrong-litware-secret-5f1c9a"
	logs := &syncBuffer{}
	env := start(t, toolsettest.Options{
		Logger: slog.New(slog.NewJSONHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug})),
		Configure: func(c *config.Config) {
			lit := c.Azure.Credentials[world.Litware]
			lit.ClientSecret = wrong // Litware's sign-in is refused
			c.Azure.Credentials[world.Litware] = lit
		},
	})
	if _, err := env.Emulator.Faults().Add(emulator.Fault{Route: "/subscriptions", Method: "GET", Status: 429, RetryAfter: 10 * time.Millisecond, Times: 1}); err != nil {
		t.Fatal(err)
	}
	var answers []string
	res := env.CallOK("refresh_discovery", map[string]any{})
	answers = append(answers, res.Text)
	if !strings.Contains(res.Text, "discovery through credential") || !strings.Contains(res.Text, "AADSTS") {
		t.Errorf("the refused sign-in is not reported:\n%s", res.Text)
	}
	answers = append(answers, env.CallOK("list_tenants", map[string]any{}).Text, env.CallOK("list_workspaces", map[string]any{"tenant": world.Contoso}).Text,
		env.CallError("list_workspaces", map[string]any{"tenant": "no-such-tenant"}))
	audit, err := os.ReadFile(env.AuditPath)
	if err != nil {
		t.Fatal(err)
	}
	log := logs.String()
	if !strings.Contains(log, "azure request retried") || !strings.Contains(string(audit), "refresh_discovery") {
		t.Fatalf("the logs or the audit log recorded nothing: the test proves nothing\n%s", log)
	}
	for _, secret := range []string{world.ManagingApp.Secret, world.LitwareApp.Secret, wrong, "eyJ", "Bearer ", "client_secret="} {
		for what, text := range map[string]string{"logs": log, "audit log": string(audit), "answers": strings.Join(answers, "\n")} {
			if strings.Contains(text, secret) {
				t.Errorf("the %s contain %q", what, secret)
			}
		}
	}
}
