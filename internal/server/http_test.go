package server

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/sentinel-mcp/sentinel-mcp/internal/config"
)

const initBody = `{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-06-18","capabilities":{},"clientInfo":{"name":"curl","version":"1"}}}`

func post(t *testing.T, h http.Handler, host, origin, auth, body string) *httptest.ResponseRecorder {
	t.Helper()
	req := httptest.NewRequest("POST", "http://"+host+MCPPath, strings.NewReader(body))
	req.Host = host
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Accept", "application/json, text/event-stream")
	if origin != "" {
		req.Header.Set("Origin", origin)
	}
	if auth != "" {
		req.Header.Set("Authorization", auth)
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	return rec
}

func TestHTTPGuard(t *testing.T) {
	f := newFixture(t, fixtureOpts{configure: func(c *config.Config) {
		c.HTTP.AllowedOrigins = []string{"https://console.example"}
		c.HTTP.AllowedHosts = []string{"mcp.example"}
		c.HTTP.MaxRequestBytes = 4096
	}})
	open := f.srv.HTTPHandler("127.0.0.1", "")
	cases := []struct {
		name, host, origin, body string
		want                     int
	}{
		{"loopback", "127.0.0.1:8080", "", initBody, 200},
		{"localhost name", "localhost:8080", "", initBody, 200},
		{"configured host", "mcp.example", "", initBody, 200},
		{"rebound DNS name", "evil.example:8080", "", initBody, 403},
		{"foreign browser origin", "127.0.0.1:8080", "https://evil.example", initBody, 403},
		{"configured origin", "127.0.0.1:8080", "https://console.example", initBody, 200},
		{"same origin", "127.0.0.1:8080", "http://127.0.0.1:8080", initBody, 200},
		{"too large", "127.0.0.1:8080", "", `{"jsonrpc":"2.0","id":1,"method":"ping","params":{"x":"` + strings.Repeat("a", 5000) + `"}}`, 413},
	}
	for _, c := range cases {
		if rec := post(t, open, c.host, c.origin, "", c.body); rec.Code != c.want {
			t.Errorf("%s: status %d, want %d (%s)", c.name, rec.Code, c.want, rec.Body.String())
		}
	}

	locked := f.srv.HTTPHandler("0.0.0.0", "s3cret")
	for auth, want := range map[string]int{"": 401, "Bearer wrong": 401, "Basic s3cret": 401, "Bearer s3cret": 200} {
		rec := post(t, locked, "10.0.0.5:8080", "", auth, initBody)
		if rec.Code != want {
			t.Errorf("auth %q: status %d, want %d", auth, rec.Code, want)
		}
		if want == 401 && !strings.Contains(rec.Header().Get("WWW-Authenticate"), "Bearer") {
			t.Errorf("auth %q: no WWW-Authenticate challenge", auth)
		}
	}
}

func TestRunHTTPRefusesUnauthenticatedPublicBind(t *testing.T) {
	f := newFixture(t, fixtureOpts{configure: func(c *config.Config) { c.HTTP.Addr = "0.0.0.0:0" }})
	err := f.srv.RunHTTP(context.Background(), nil)
	if err == nil || !strings.Contains(err.Error(), "refusing to listen on 0.0.0.0:0 without authentication") {
		t.Fatalf("err = %v", err)
	}
}

type bearer struct{ token string }

func (b bearer) RoundTrip(r *http.Request) (*http.Response, error) {
	r = r.Clone(r.Context())
	r.Header.Set("Authorization", "Bearer "+b.token)
	return http.DefaultTransport.RoundTrip(r)
}

func TestRunHTTPServesAndShutsDown(t *testing.T) {
	f := newFixture(t, fixtureOpts{configure: func(c *config.Config) {
		c.HTTP.Addr = "127.0.0.1:0"
		c.HTTP.AuthToken = "tok"
	}})
	ctx, cancel := context.WithCancel(context.Background())
	endpoint := make(chan string, 1)
	done := make(chan error, 1)
	go func() { done <- f.srv.RunHTTP(ctx, func(u string) { endpoint <- u }) }()
	url := <-endpoint

	resp, err := http.Get(strings.TrimSuffix(url, MCPPath) + "/healthz")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 || string(body) != "ok\n" {
		t.Errorf("healthz: %d %q", resp.StatusCode, body)
	}

	client := mcp.NewClient(&mcp.Implementation{Name: "http-test", Version: "1"}, nil)
	cs, err := client.Connect(ctx, &mcp.StreamableClientTransport{Endpoint: url, HTTPClient: &http.Client{Transport: bearer{"tok"}}}, &mcp.ClientSessionOptions{ProtocolVersion: "2025-11-25"})
	if err != nil {
		t.Fatal(err)
	}
	res, err := cs.CallTool(ctx, &mcp.CallToolParams{Name: "get_echo", Arguments: map[string]any{"workspace": "contoso/contoso-prod"}})
	if err != nil || res.IsError {
		t.Fatalf("call over HTTP: %v %v", err, res)
	}
	cs.Close()

	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Errorf("shutdown: %v", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("RunHTTP did not return after cancellation")
	}
}
