package server

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/modelcontextprotocol/go-sdk/mcp"
)

// MCPPath is where the streamable HTTP endpoint is served.
const MCPPath = "/mcp"

// BodyReadTimeout is how long a client may take to send a request body. Headers have their own
// limit (ReadHeaderTimeout); without this one, a client trickling a body would hold a connection
// and a goroutine forever. It cannot be a server-wide ReadTimeout: responses stream for as long as
// a call runs.
const BodyReadTimeout = 30 * time.Second

// timedBody sets a read deadline on the connection while the body is read, and lifts it once the
// whole body has arrived, so that a streamed response is not cut by it. After a failed or partial
// read the deadline stays: the server would otherwise wait for the rest of the body forever.
type timedBody struct {
	io.ReadCloser
	rc   *http.ResponseController
	done bool
}

func newTimedBody(w http.ResponseWriter, body io.ReadCloser, timeout time.Duration) io.ReadCloser {
	rc := http.NewResponseController(w)
	if err := rc.SetReadDeadline(time.Now().Add(timeout)); err != nil {
		return body // not a real connection (tests, HTTP/2 without support): nothing to limit
	}
	return &timedBody{ReadCloser: body, rc: rc}
}

func (b *timedBody) Read(p []byte) (int, error) {
	n, err := b.ReadCloser.Read(p)
	if errors.Is(err, io.EOF) {
		b.lift()
	}
	return n, err
}

func (b *timedBody) lift() {
	if !b.done {
		b.done = true
		_ = b.rc.SetReadDeadline(time.Time{})
	}
}

// ShutdownGrace is how long a stopping HTTP server lets in-flight requests finish before it closes
// the remaining connections.
const ShutdownGrace = 5 * time.Second

// HTTPHandler returns the streamable HTTP handler with the transport's protections, in this order:
// Host check (DNS rebinding), Origin check (browsers; CORS for configured origins), per-client rate
// limit, bearer token (when configured, with RFC 9728 metadata), request size limit.
// listenHost is the host the server is bound to; token may be "".
func (s *Server) HTTPHandler(listenHost, token string) http.Handler {
	return s.newGuard(listenHost, token)
}

func (s *Server) newGuard(listenHost, token string) *guard {
	cfg := s.opts.Config.HTTP
	mcpHandler := mcp.NewStreamableHTTPHandler(func(*http.Request) *mcp.Server { return s.mcp }, &mcp.StreamableHTTPOptions{
		Logger:              s.log.With("component", "http"),
		SessionTimeout:      cfg.SessionTimeout,
		MaxRequestBodyBytes: cfg.MaxRequestBytes,
		// The guard checks the Host of every request, on any listener, against the loopback names, the
		// listen host and http.allowed_hosts. The SDK's own check (loopback listeners only) would also
		// refuse the hosts configured in allowed_hosts, e.g. behind a reverse proxy on this machine.
		DisableLocalhostProtection: true,
		// Resumable streams: a client whose connection drops during a long call (a KQL query runs up to
		// limits.call_timeout) reconnects with Last-Event-ID and still gets the result. The store keeps
		// at most 10 MiB in all, and a session's events go with the session.
		EventStore: mcp.NewMemoryEventStore(nil),
	})
	mux := http.NewServeMux()
	mux.Handle(MCPPath, mcpHandler)
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "text/plain")
		_, _ = w.Write([]byte("ok\n"))
	})
	mux.HandleFunc("/", func(w http.ResponseWriter, _ *http.Request) {
		http.Error(w, "not found: the MCP endpoint is "+MCPPath, http.StatusNotFound)
	})
	g := &guard{
		next:    mux,
		auth:    newBearerAuth(token),
		hosts:   allowedHosts(listenHost, cfg.AllowedHosts),
		origins: normalizeOrigins(cfg.AllowedOrigins),
		maxBody: cfg.MaxRequestBytes,
		limiter: newClientLimiter(cfg.Rate, cfg.RateBurst, s.opts.Now),

		bodyTimeout: BodyReadTimeout,
	}
	if s.bodyTimeout > 0 {
		g.bodyTimeout = s.bodyTimeout
	}
	if cfg.PublicURL != "" {
		g.publicURL, _ = url.Parse(cfg.PublicURL) // validated by config
	}
	return g
}

// guard applies the transport's protections before any MCP processing.
type guard struct {
	next        http.Handler
	auth        *bearerAuth // nil: no token configured
	hosts       []string    // lower-case host names accepted in the Host header (IP literals always are)
	origins     []string    // normalized Origin values accepted from other origins
	maxBody     int64
	limiter     *clientLimiter // nil: unlimited
	publicURL   *url.URL
	bodyTimeout time.Duration

	inflight atomic.Int64 // requests other than long-lived GET streams, for graceful shutdown
}

func (g *guard) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if !g.hostAllowed(r.Host) {
		http.Error(w, "forbidden: Host "+r.Host+" is not allowed (DNS-rebinding protection); add it to http.allowed_hosts", http.StatusForbidden)
		return
	}
	if o := r.Header.Get("Origin"); o != "" {
		crossOrigin, ok := g.checkOrigin(o, r.Host)
		if !ok {
			http.Error(w, "forbidden: Origin "+o+" is not allowed; add it to http.allowed_origins", http.StatusForbidden)
			return
		}
		if crossOrigin {
			setCORSHeaders(w, o)
			// A preflight carries no credentials: answer it before authentication.
			if r.Method == http.MethodOptions && r.Header.Get("Access-Control-Request-Method") != "" {
				w.WriteHeader(http.StatusNoContent)
				return
			}
		}
	}
	if g.limiter != nil {
		key := clientKey(r.RemoteAddr)
		if ok, retry := g.limiter.allow(key); !ok {
			tooManyRequests(w, key, g.limiter.limit, retry)
			return
		}
	}
	if g.auth != nil {
		if isResourceMetadataPath(r.URL.Path) {
			g.serveResourceMetadata(w, r)
			return
		}
		if r.URL.Path != "/healthz" {
			if ok, presented := g.auth.check(r); !ok {
				g.challenge(w, r, presented)
				return
			}
		}
	}
	if r.ContentLength > g.maxBody {
		http.Error(w, fmt.Sprintf("request too large: the limit is %d bytes (http.max_request_bytes)", g.maxBody), http.StatusRequestEntityTooLarge)
		return
	}
	r.Body = http.MaxBytesReader(w, r.Body, g.maxBody)
	if r.Body != http.NoBody {
		r.Body = newTimedBody(w, r.Body, g.bodyTimeout)
	}
	if r.Method != http.MethodGet {
		g.inflight.Add(1)
		defer g.inflight.Add(-1)
	}
	g.next.ServeHTTP(w, r)
}

func (g *guard) hostAllowed(hostport string) bool {
	host := hostport
	if h, _, err := net.SplitHostPort(hostport); err == nil {
		host = h
	}
	host = strings.ToLower(strings.Trim(host, "[]"))
	if net.ParseIP(host) != nil {
		return true // an IP literal cannot be a rebound DNS name
	}
	return slices.Contains(g.hosts, host)
}

// checkOrigin accepts the server's own origin (same host and port) and the configured origins;
// crossOrigin tells the latter, which get CORS headers.
func (g *guard) checkOrigin(origin, host string) (crossOrigin, ok bool) {
	u, err := url.Parse(origin)
	if err == nil && u.Host != "" && strings.EqualFold(u.Host, host) {
		return false, true
	}
	if slices.Contains(g.origins, normalizeOrigin(origin)) {
		return true, true
	}
	return false, false
}

// setCORSHeaders lets a configured browser origin speak streamable HTTP: send the bearer token and
// the session headers, and read the session id and the auth challenge.
func setCORSHeaders(w http.ResponseWriter, origin string) {
	h := w.Header()
	h.Set("Access-Control-Allow-Origin", origin)
	h.Add("Vary", "Origin")
	h.Set("Access-Control-Allow-Methods", "GET, POST, DELETE, OPTIONS")
	h.Set("Access-Control-Allow-Headers", "Authorization, Content-Type, Accept, Mcp-Session-Id, Mcp-Protocol-Version, Last-Event-ID")
	h.Set("Access-Control-Expose-Headers", "Mcp-Session-Id, Mcp-Protocol-Version, WWW-Authenticate")
	h.Set("Access-Control-Max-Age", "600")
}

// normalizeOrigin lower-cases an origin and drops a trailing slash, so that a configured
// "https://Console.example/" matches what browsers send ("https://console.example").
func normalizeOrigin(o string) string {
	return strings.TrimSuffix(strings.ToLower(strings.TrimSpace(o)), "/")
}

func normalizeOrigins(os []string) []string {
	out := make([]string, 0, len(os))
	for _, o := range os {
		if o = normalizeOrigin(o); o != "" {
			out = append(out, o)
		}
	}
	return out
}

func allowedHosts(listenHost string, extra []string) []string {
	hosts := []string{"localhost"}
	if h := strings.ToLower(listenHost); h != "" && net.ParseIP(h) == nil {
		hosts = append(hosts, h)
	}
	for _, h := range extra {
		hosts = append(hosts, strings.ToLower(strings.TrimSpace(h)))
	}
	return hosts
}

// IsLoopback reports whether host (a name or an IP) is only reachable from this machine.
func IsLoopback(host string) bool {
	host = strings.Trim(host, "[]")
	if strings.EqualFold(host, "localhost") {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// checkListen refuses a network-reachable address without a strong enough bearer token.
func checkListen(addr, token string) (host string, err error) {
	host, _, err = net.SplitHostPort(addr)
	if err != nil {
		return "", fmt.Errorf("http.addr %q: %w", addr, err)
	}
	if IsLoopback(host) {
		return host, nil
	}
	if token == "" {
		return "", fmt.Errorf("refusing to listen on %s without authentication: it is reachable from other machines. Set a bearer token (SENTINEL_HTTP_AUTH_TOKEN or --http-auth-token-file), or listen on 127.0.0.1", addr)
	}
	if len(token) < MinNetworkTokenLength {
		return "", fmt.Errorf("refusing to listen on %s: the bearer token is %d characters, and a token that guards a network-reachable server must have at least %d (generate one with: openssl rand -hex 32)", addr, len(token), MinNetworkTokenLength)
	}
	return host, nil
}

// RunHTTP serves streamable HTTP on the configured address until ctx is cancelled, then shuts down
// gracefully. A non-loopback address is refused unless a bearer token is configured. ready, if
// non-nil, is called with the endpoint URL once listening.
func (s *Server) RunHTTP(ctx context.Context, ready func(endpoint string)) error {
	cfg := s.opts.Config
	token, err := cfg.HTTPAuthToken()
	if err != nil {
		return err
	}
	host, err := checkListen(cfg.HTTP.Addr, token)
	if err != nil {
		return err
	}
	ln, err := net.Listen("tcp", cfg.HTTP.Addr)
	if err != nil {
		return fmt.Errorf("listen on %s: %w", cfg.HTTP.Addr, err)
	}
	g := s.newGuard(host, token)
	srv := &http.Server{
		Handler:           g,
		ReadHeaderTimeout: 10 * time.Second,
		IdleTimeout:       2 * time.Minute,
		MaxHeaderBytes:    64 << 10,
	}
	served := make(chan error, 1)
	go func() { served <- srv.Serve(ln) }()
	if ready != nil {
		ready("http://" + ln.Addr().String() + MCPPath)
	}
	select {
	case err := <-served:
		return err
	case <-ctx.Done():
	}
	s.shutdownHTTP(srv, g)
	if err := <-served; err != nil && !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
}

// shutdownHTTP stops accepting connections and lets in-flight requests (tool calls) finish within
// the grace period. Then it closes the MCP sessions, which ends their long-lived GET streams (those
// would otherwise hold the shutdown for the whole grace period), and the connections left, which by
// then carry nothing more: no call is in flight and no session is left to notify.
func (s *Server) shutdownHTTP(srv *http.Server, g *guard) {
	grace := s.shutdownGrace
	if grace <= 0 {
		grace = ShutdownGrace
	}
	ctx, cancel := context.WithTimeout(context.Background(), grace)
	defer cancel()
	s.log.Info("shutting down the HTTP transport", "in_flight", g.inflight.Load())
	shutdown := make(chan error, 1)
	go func() { shutdown <- srv.Shutdown(ctx) }()

	tick := time.NewTicker(10 * time.Millisecond)
	defer tick.Stop()
	for g.inflight.Load() > 0 && ctx.Err() == nil {
		select {
		case <-ctx.Done():
		case <-tick.C:
		}
	}
	if n := g.inflight.Load(); n > 0 {
		s.log.Warn("requests still in flight after the shutdown grace period are cut", "in_flight", n, "grace", grace)
	}
	// Closing a session waits for its handlers; a handler that ignores cancellation must not hold the
	// process, so the closes are waited for at most until the end of the grace period.
	var closing sync.WaitGroup
	for ss := range s.mcp.Sessions() {
		closing.Go(func() { _ = ss.Close() })
	}
	closed := make(chan struct{})
	go func() { closing.Wait(); close(closed) }()
	select {
	case <-closed:
	case <-ctx.Done():
	}
	_ = srv.Close()
	<-shutdown
}
