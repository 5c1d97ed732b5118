package server

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/modelcontextprotocol/go-sdk/mcp"
	"github.com/modelcontextprotocol/go-sdk/oauthex"

	"github.com/sentinel-mcp/sentinel-mcp/internal/config"
)

// These tests run the HTTP transport as deployed: RunHTTP on a loopback port, real TCP connections,
// real HTTP clients (net/http and the go-sdk's streamable client).

const testToken = "0123456789abcdef-test-token"

type liveHTTP struct {
	t        *testing.T
	f        *fixture
	endpoint string // http://127.0.0.1:port/mcp
	base     string // http://127.0.0.1:port
	port     string
	cancel   context.CancelFunc
	done     chan error
}

// startHTTP runs RunHTTP on 127.0.0.1:0 with the fixture options; configure runs after the address is set.
func startHTTP(t *testing.T, o fixtureOpts, setup ...func(*Server)) *liveHTTP {
	t.Helper()
	configure := o.configure
	o.configure = func(c *config.Config) {
		c.HTTP.Addr = "127.0.0.1:0"
		if configure != nil {
			configure(c)
		}
	}
	f := newFixture(t, o)
	for _, fn := range setup {
		fn(f.srv)
	}
	ctx, cancel := context.WithCancel(context.Background())
	l := &liveHTTP{t: t, f: f, cancel: cancel, done: make(chan error, 1)}
	ready := make(chan string, 1)
	go func() { l.done <- f.srv.RunHTTP(ctx, func(u string) { ready <- u }) }()
	select {
	case l.endpoint = <-ready:
	case err := <-l.done:
		cancel()
		t.Fatalf("RunHTTP: %v", err)
	case <-time.After(10 * time.Second):
		t.Fatal("RunHTTP did not start listening")
	}
	l.base = strings.TrimSuffix(l.endpoint, MCPPath)
	_, l.port, _ = net.SplitHostPort(strings.TrimPrefix(l.base, "http://"))
	t.Cleanup(func() {
		if err := l.stop(); err != nil {
			t.Errorf("shutdown: %v", err)
		}
	})
	return l
}

// stop cancels the server and waits for RunHTTP to return (idempotent).
func (l *liveHTTP) stop() error {
	l.cancel()
	select {
	case err, ok := <-l.done:
		if ok {
			close(l.done)
		}
		return err
	case <-time.After(15 * time.Second):
		return errors.New("RunHTTP did not return after cancellation")
	}
}

type req struct {
	method, path, host, body string
	header                   map[string]string
	client                   *http.Client
}

// do sends one request with its own connection and returns the response with its body read.
func (l *liveHTTP) do(r req) (*http.Response, string) {
	l.t.Helper()
	if r.method == "" {
		r.method = "POST"
	}
	if r.path == "" {
		r.path = MCPPath
	}
	var body io.Reader
	if r.body != "" {
		body = strings.NewReader(r.body)
	}
	hr, err := http.NewRequest(r.method, l.base+r.path, body)
	if err != nil {
		l.t.Fatal(err)
	}
	if r.host != "" {
		hr.Host = r.host
	}
	if r.method == "POST" {
		hr.Header.Set("Content-Type", "application/json")
		hr.Header.Set("Accept", "application/json, text/event-stream")
	}
	for k, v := range r.header {
		hr.Header.Set(k, v)
	}
	c := r.client
	if c == nil {
		c = &http.Client{Transport: &http.Transport{DisableKeepAlives: true}}
	}
	resp, err := c.Do(hr)
	if err != nil {
		l.t.Fatalf("%s %s: %v", r.method, r.path, err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	return resp, string(b)
}

func (l *liveHTTP) connect(token string) *mcp.ClientSession {
	l.t.Helper()
	return l.connectWith(&mcp.StreamableClientTransport{}, token)
}

// connectWith connects a go-sdk client with the given transport settings (endpoint and client set here).
func (l *liveHTTP) connectWith(tr *mcp.StreamableClientTransport, token string) *mcp.ClientSession {
	l.t.Helper()
	hc := &http.Client{}
	if token != "" {
		hc.Transport = bearer{token}
	}
	tr.Endpoint, tr.HTTPClient = l.endpoint, hc
	cs, err := mcp.NewClient(&mcp.Implementation{Name: "http-test", Version: "1"}, nil).Connect(context.Background(), tr, nil)
	if err != nil {
		l.t.Fatalf("connect over HTTP: %v", err)
	}
	l.t.Cleanup(func() { cs.Close() })
	return cs
}

func TestHTTPListenPolicy(t *testing.T) {
	for _, c := range []struct {
		addr, token, want string
	}{
		{"127.0.0.1:0", "", ""},
		{"localhost:0", "", ""},
		{"[::1]:0", "", ""},
		{"0.0.0.0:8080", "", "refusing to listen on 0.0.0.0:8080 without authentication"},
		{":8080", "", "refusing to listen on :8080 without authentication"},
		{"[::]:8080", "", "without authentication"},
		{"192.0.2.10:8080", "", "without authentication"},
		{"0.0.0.0:8080", "short", "the bearer token is 5 characters"},
		{"0.0.0.0:8080", testToken, ""},
		{"nonsense", testToken, "http.addr"},
	} {
		_, err := checkListen(c.addr, c.token)
		switch {
		case c.want == "" && err != nil:
			t.Errorf("%s token %q: %v", c.addr, c.token, err)
		case c.want != "" && (err == nil || !strings.Contains(err.Error(), c.want)):
			t.Errorf("%s token %q: err %v, want %q", c.addr, c.token, err, c.want)
		}
	}
	// RunHTTP applies it before binding anything.
	f := newFixture(t, fixtureOpts{configure: func(c *config.Config) { c.HTTP.Addr = "0.0.0.0:0" }})
	if err := f.srv.RunHTTP(context.Background(), nil); err == nil || !strings.Contains(err.Error(), "refusing to listen on 0.0.0.0:0 without authentication") {
		t.Fatalf("RunHTTP on 0.0.0.0 without a token: %v", err)
	}
}

func TestHTTPBearerTokenOverTheNetwork(t *testing.T) {
	l := startHTTP(t, fixtureOpts{configure: func(c *config.Config) { c.HTTP.AuthToken = testToken }})
	metadataURL := l.base + PathResourceMetadata + MCPPath
	for _, c := range []struct {
		name, auth string
		want       int
		errCode    string // RFC 6750 error in the challenge
	}{
		{"no header", "", 401, ""},
		{"wrong token", "Bearer wrong", 401, "invalid_token"},
		{"token prefix", "Bearer " + testToken[:len(testToken)-1], 401, "invalid_token"},
		{"token with suffix", "Bearer " + testToken + "x", 401, "invalid_token"},
		{"basic scheme", "Basic " + testToken, 401, ""},
		{"extra field", "Bearer " + testToken + " more", 401, ""},
		{"lower-case scheme", "bearer " + testToken, 200, ""},
		{"right token", "Bearer " + testToken, 200, ""},
	} {
		h := map[string]string{}
		if c.auth != "" {
			h["Authorization"] = c.auth
		}
		resp, body := l.do(req{body: initBody, header: h})
		if resp.StatusCode != c.want {
			t.Errorf("%s: status %d, want %d (%s)", c.name, resp.StatusCode, c.want, body)
			continue
		}
		if c.want != 401 {
			continue
		}
		// The challenge is parsed by the go-sdk's client-side parser, as an MCP client would.
		chs, err := oauthex.ParseWWWAuthenticate(resp.Header.Values("WWW-Authenticate"))
		if err != nil || len(chs) != 1 || chs[0].Scheme != "bearer" {
			t.Errorf("%s: challenge %q: %v %+v", c.name, resp.Header.Values("WWW-Authenticate"), err, chs)
			continue
		}
		if got := chs[0].Params["resource_metadata"]; got != metadataURL {
			t.Errorf("%s: resource_metadata %q, want %q", c.name, got, metadataURL)
		}
		if got := chs[0].Params["error"]; got != c.errCode {
			t.Errorf("%s: error %q, want %q", c.name, got, c.errCode)
		}
		if strings.Contains(body, testToken) {
			t.Errorf("%s: the response echoes the token", c.name)
		}
	}
	// Health checks need no token; everything else does, including unknown paths.
	if resp, _ := l.do(req{method: "GET", path: "/healthz"}); resp.StatusCode != 200 {
		t.Errorf("healthz without a token: %d", resp.StatusCode)
	}
	if resp, _ := l.do(req{method: "GET", path: "/other"}); resp.StatusCode != 401 {
		t.Errorf("unknown path without a token: %d, want 401", resp.StatusCode)
	}
	// A full session with the token works.
	cs := l.connect(testToken)
	if res, err := cs.CallTool(context.Background(), &mcp.CallToolParams{Name: "get_echo", Arguments: map[string]any{"workspace": "contoso/contoso-prod"}}); err != nil || res.IsError {
		t.Fatalf("call with the token: %v %v", err, res)
	}
	// The go-sdk client without the token fails to connect.
	_, err := mcp.NewClient(&mcp.Implementation{Name: "no-token", Version: "1"}, nil).Connect(context.Background(),
		&mcp.StreamableClientTransport{Endpoint: l.endpoint}, nil)
	if err == nil {
		t.Error("a client without the token connected")
	}
}

func TestHTTPProtectedResourceMetadata(t *testing.T) {
	l := startHTTP(t, fixtureOpts{configure: func(c *config.Config) { c.HTTP.AuthToken = testToken }})
	// The metadata is fetched and validated (resource matches the URL used) by the go-sdk's client code.
	for _, path := range []string{PathResourceMetadata + MCPPath, PathResourceMetadata} {
		md, err := oauthex.GetProtectedResourceMetadata(context.Background(), l.base+path, l.endpoint, http.DefaultClient)
		if err != nil {
			t.Fatalf("%s: %v", path, err)
		}
		if md.Resource != l.endpoint || len(md.BearerMethodsSupported) != 1 || md.BearerMethodsSupported[0] != "header" || md.ResourceName != Name {
			t.Errorf("%s: metadata %+v", path, md)
		}
		if len(md.AuthorizationServers) != 0 {
			t.Errorf("%s: a static-token server lists authorization servers %v", path, md.AuthorizationServers)
		}
	}
	// Requested under another allowed host name, the resource follows the Host.
	resp, body := l.do(req{method: "GET", path: PathResourceMetadata + MCPPath, host: "localhost:" + l.port})
	var md oauthex.ProtectedResourceMetadata
	if resp.StatusCode != 200 || json.Unmarshal([]byte(body), &md) != nil || md.Resource != "http://localhost:"+l.port+MCPPath {
		t.Errorf("metadata via localhost: %d %s", resp.StatusCode, body)
	}
	if resp.Header.Get("Content-Type") != "application/json" {
		t.Errorf("metadata content type %q", resp.Header.Get("Content-Type"))
	}
	if resp, _ := l.do(req{method: "POST", path: PathResourceMetadata, body: "{}"}); resp.StatusCode != 405 {
		t.Errorf("POST to the metadata: %d, want 405", resp.StatusCode)
	}

	// Behind a proxy, the configured public URL is the resource, and the challenge points there.
	p := startHTTP(t, fixtureOpts{configure: func(c *config.Config) {
		c.HTTP.AuthToken = testToken
		c.HTTP.PublicURL = "https://mcp.example.com/sentinel/mcp"
	}})
	resp, body = p.do(req{method: "GET", path: PathResourceMetadata})
	if json.Unmarshal([]byte(body), &md) != nil || md.Resource != "https://mcp.example.com/sentinel/mcp" {
		t.Errorf("metadata with public_url: %d %s", resp.StatusCode, body)
	}
	resp, _ = p.do(req{body: initBody})
	if got := resp.Header.Get("WWW-Authenticate"); !strings.Contains(got, `resource_metadata="https://mcp.example.com/.well-known/oauth-protected-resource/sentinel/mcp"`) {
		t.Errorf("challenge with public_url: %q", got)
	}

	// Without a token there is no metadata to offer.
	o := startHTTP(t, fixtureOpts{})
	if resp, _ := o.do(req{method: "GET", path: PathResourceMetadata + MCPPath}); resp.StatusCode != 404 {
		t.Errorf("metadata without a token configured: %d, want 404", resp.StatusCode)
	}
}

func TestHTTPHostAndOriginChecksOverTheNetwork(t *testing.T) {
	l := startHTTP(t, fixtureOpts{configure: func(c *config.Config) {
		c.HTTP.AllowedHosts = []string{"mcp.internal.example"}
		c.HTTP.AllowedOrigins = []string{"https://Console.example/"}
		c.HTTP.AuthToken = testToken
	}})
	auth := "Bearer " + testToken
	for _, c := range []struct {
		name, host, origin string
		want               int
	}{
		{"loopback IP", "", "", 200},
		{"localhost", "localhost:" + l.port, "", 200},
		// A name configured in allowed_hosts reaches a loopback listener (a reverse proxy on this machine).
		{"configured host on loopback", "mcp.internal.example", "", 200},
		{"rebound DNS name", "evil.example:" + l.port, "", 403},
		{"rebound name with localhost suffix", "localhost.evil.example", "", 403},
		{"same origin", "", l.base, 200},
		{"configured origin (normalized)", "", "https://console.example", 200},
		{"foreign origin", "", "https://evil.example", 403},
		{"opaque origin", "", "null", 403},
		{"origin differing in port", "", "http://127.0.0.1:1", 403},
	} {
		h := map[string]string{"Authorization": auth}
		if c.origin != "" {
			h["Origin"] = c.origin
		}
		resp, body := l.do(req{body: initBody, host: c.host, header: h})
		if resp.StatusCode != c.want {
			t.Errorf("%s: status %d, want %d (%s)", c.name, resp.StatusCode, c.want, body)
		}
	}

	// A configured browser origin gets CORS: a preflight (no credentials) is answered before
	// authentication, and the real request exposes the session header.
	resp, _ := l.do(req{method: "OPTIONS", header: map[string]string{
		"Origin": "https://console.example", "Access-Control-Request-Method": "POST",
		"Access-Control-Request-Headers": "authorization, content-type, mcp-session-id"}})
	if resp.StatusCode != 204 || resp.Header.Get("Access-Control-Allow-Origin") != "https://console.example" ||
		!strings.Contains(resp.Header.Get("Access-Control-Allow-Headers"), "Authorization") ||
		!strings.Contains(resp.Header.Get("Access-Control-Allow-Methods"), "POST") {
		t.Errorf("preflight from a configured origin: %d %v", resp.StatusCode, resp.Header)
	}
	resp, _ = l.do(req{body: initBody, header: map[string]string{"Origin": "https://console.example", "Authorization": auth}})
	if resp.StatusCode != 200 || !strings.Contains(resp.Header.Get("Access-Control-Expose-Headers"), "Mcp-Session-Id") {
		t.Errorf("CORS request from a configured origin: %d %v", resp.StatusCode, resp.Header)
	}
	resp, _ = l.do(req{method: "OPTIONS", header: map[string]string{"Origin": "https://evil.example", "Access-Control-Request-Method": "POST"}})
	if resp.StatusCode != 403 || resp.Header.Get("Access-Control-Allow-Origin") != "" {
		t.Errorf("preflight from a foreign origin: %d %v", resp.StatusCode, resp.Header)
	}
	// Same-origin requests need no CORS headers.
	resp, _ = l.do(req{body: initBody, header: map[string]string{"Origin": l.base, "Authorization": auth}})
	if resp.Header.Get("Access-Control-Allow-Origin") != "" {
		t.Errorf("same-origin request got CORS headers")
	}
}

// chunked hides the length of a body, so that it is sent with Transfer-Encoding: chunked.
type chunked struct{ r io.Reader }

func (c chunked) Read(p []byte) (int, error) { return c.r.Read(p) }

func TestHTTPRequestSizeLimits(t *testing.T) {
	l := startHTTP(t, fixtureOpts{configure: func(c *config.Config) { c.HTTP.MaxRequestBytes = 4096 }})
	big := `{"jsonrpc":"2.0","id":1,"method":"ping","params":{"x":"` + strings.Repeat("a", 5000) + `"}}`
	if resp, body := l.do(req{body: big}); resp.StatusCode != 413 || !strings.Contains(body, "4096") {
		t.Errorf("declared length over the limit: %d %s", resp.StatusCode, body)
	}
	// Without a Content-Length the limit is enforced while reading.
	hr, _ := http.NewRequest("POST", l.endpoint, chunked{strings.NewReader(big)})
	hr.Header.Set("Content-Type", "application/json")
	hr.Header.Set("Accept", "application/json, text/event-stream")
	resp, err := (&http.Client{Transport: &http.Transport{DisableKeepAlives: true}}).Do(hr)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if hr.ContentLength != 0 || resp.StatusCode != 413 {
		t.Errorf("chunked body over the limit: %d %s", resp.StatusCode, body)
	}
	// Oversized headers are refused by the server itself (MaxHeaderBytes).
	if resp, _ := l.do(req{body: initBody, header: map[string]string{"X-Big": strings.Repeat("h", 80<<10)}}); resp.StatusCode != 431 {
		t.Errorf("oversized headers: %d, want 431", resp.StatusCode)
	}
	// Just under the limit is fine.
	if resp, body := l.do(req{body: initBody}); resp.StatusCode != 200 {
		t.Errorf("small request: %d %s", resp.StatusCode, body)
	}
}

// fromAddr is an HTTP client whose connections come from a given loopback address (the whole of
// 127.0.0.0/8 is local on Linux), so tests can be two different clients.
func fromAddr(t *testing.T, ip string) *http.Client {
	d := &net.Dialer{LocalAddr: &net.TCPAddr{IP: net.ParseIP(ip)}}
	if c, err := d.Dial("tcp", "127.0.0.1:1"); err == nil {
		c.Close()
	} else if !strings.Contains(err.Error(), "refused") {
		t.Skipf("cannot use %s as a source address here: %v", ip, err)
	}
	return &http.Client{Transport: &http.Transport{DialContext: d.DialContext, DisableKeepAlives: true}}
}

func TestHTTPPerClientRateLimit(t *testing.T) {
	l := startHTTP(t, fixtureOpts{configure: func(c *config.Config) {
		c.HTTP.Rate = 1
		c.HTTP.RateBurst = 3
		c.HTTP.AuthToken = testToken
	}})
	a, b := fromAddr(t, "127.0.0.1"), fromAddr(t, "127.0.0.2")
	ok := map[string]string{"Authorization": "Bearer " + testToken}
	bad := map[string]string{"Authorization": "Bearer guess"}
	// The bucket is taken before authentication: failed guesses count too.
	for i, h := range []map[string]string{ok, bad, ok} {
		if resp, body := l.do(req{body: initBody, header: h, client: a}); resp.StatusCode == 429 {
			t.Fatalf("request %d within the burst refused: %s", i+1, body)
		}
	}
	resp, body := l.do(req{body: initBody, header: ok, client: a})
	if resp.StatusCode != 429 || resp.Header.Get("Retry-After") != "1" || !strings.Contains(body, "127.0.0.1") {
		t.Fatalf("over the burst: %d Retry-After %q %s", resp.StatusCode, resp.Header.Get("Retry-After"), body)
	}
	if resp, _ := l.do(req{body: initBody, header: bad, client: a}); resp.StatusCode != 429 {
		t.Errorf("a failed guess over the burst: %d, want 429", resp.StatusCode)
	}
	// Another client is not affected.
	if resp, body := l.do(req{body: initBody, header: ok, client: b}); resp.StatusCode != 200 {
		t.Errorf("another client: %d %s", resp.StatusCode, body)
	}
	// After the refill time, the first client may go on.
	l.f.clock.Advance(time.Second)
	if resp, body := l.do(req{body: initBody, header: ok, client: a}); resp.StatusCode != 200 {
		t.Errorf("after a second: %d %s", resp.StatusCode, body)
	}
}

func TestClientLimiterKeysAndMemory(t *testing.T) {
	for addr, want := range map[string]string{
		"192.0.2.7:5000":                  "192.0.2.7",
		"[2001:db8:1:2:aaaa::1]:443":      "2001:db8:1:2::/64",
		"[2001:db8:1:2:ffff:ffff::9]:443": "2001:db8:1:2::/64",
		"[::1]:80":                        "::/64",
		"@":                               "@",
	} {
		if got := clientKey(addr); got != want {
			t.Errorf("clientKey(%q) = %q, want %q", addr, got, want)
		}
	}
	var mu sync.Mutex
	now := time.Unix(0, 0)
	cl := newClientLimiter(10, 20, func() time.Time { mu.Lock(); defer mu.Unlock(); return now })
	cl.max = 500
	for i := range cl.max {
		cl.allow(fmt.Sprint("c", i))
	}
	// Full: a new client shares the overflow bucket rather than growing the map.
	for range 25 {
		cl.allow("late")
	}
	if len(cl.clients) != cl.max {
		t.Fatalf("tracked %d clients, want the cap %d", len(cl.clients), cl.max)
	}
	if ok, _ := cl.allow("late-too"); ok {
		t.Error("the overflow bucket (burst 20) gave a 26th request")
	}
	// Once the known clients have been idle for a full refill, they are forgotten and new ones tracked.
	mu.Lock()
	now = now.Add(3 * time.Second)
	mu.Unlock()
	cl.allow("later")
	if len(cl.clients) != 1 {
		t.Fatalf("after the sweep %d clients are tracked, want 1", len(cl.clients))
	}
	if newClientLimiter(0, 10, time.Now) != nil {
		t.Error("rate 0 must disable the limiter")
	}
}
