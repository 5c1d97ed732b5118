package server

import (
	"context"
	"crypto/subtle"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/modelcontextprotocol/go-sdk/mcp"
)

// MCPPath is where the streamable HTTP endpoint is served.
const MCPPath = "/mcp"

// HTTPHandler returns the streamable HTTP handler with the transport's protections: Host check
// (DNS rebinding), Origin check (browsers), bearer token (when configured) and a request size limit.
// listenHost is the host the server is bound to; token may be "".
func (s *Server) HTTPHandler(listenHost, token string) http.Handler {
	cfg := s.opts.Config.HTTP
	mcpHandler := mcp.NewStreamableHTTPHandler(func(*http.Request) *mcp.Server { return s.mcp }, &mcp.StreamableHTTPOptions{
		Logger:              s.log.With("component", "http"),
		SessionTimeout:      cfg.SessionTimeout,
		MaxRequestBodyBytes: cfg.MaxRequestBytes,
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
		token:   token,
		hosts:   allowedHosts(listenHost, cfg.AllowedHosts),
		origins: cfg.AllowedOrigins,
		maxBody: cfg.MaxRequestBytes,
	}
	return g
}

// guard applies the transport's protections before any MCP processing.
type guard struct {
	next    http.Handler
	token   string
	hosts   []string // lower-case host names accepted in the Host header (IP literals always are)
	origins []string // exact Origin values accepted
	maxBody int64
}

func (g *guard) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if !g.hostAllowed(r.Host) {
		http.Error(w, "forbidden: Host "+r.Host+" is not allowed (DNS-rebinding protection); add it to http.allowed_hosts", http.StatusForbidden)
		return
	}
	if o := r.Header.Get("Origin"); o != "" && !g.originAllowed(o, r.Host) {
		http.Error(w, "forbidden: Origin "+o+" is not allowed; add it to http.allowed_origins", http.StatusForbidden)
		return
	}
	if g.token != "" && r.URL.Path != "/healthz" {
		got, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
		if !ok || subtle.ConstantTimeCompare([]byte(strings.TrimSpace(got)), []byte(g.token)) != 1 {
			w.Header().Set("WWW-Authenticate", `Bearer realm="sentinel-mcp"`)
			http.Error(w, "unauthorized: send Authorization: Bearer <token>", http.StatusUnauthorized)
			return
		}
	}
	if r.ContentLength > g.maxBody {
		http.Error(w, fmt.Sprintf("request too large: limit is %d bytes", g.maxBody), http.StatusRequestEntityTooLarge)
		return
	}
	r.Body = http.MaxBytesReader(w, r.Body, g.maxBody)
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

// originAllowed accepts configured origins and the server's own origin (same host and port).
func (g *guard) originAllowed(origin, host string) bool {
	if slices.Contains(g.origins, origin) {
		return true
	}
	u, err := url.Parse(origin)
	return err == nil && u.Host != "" && strings.EqualFold(u.Host, host)
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

// RunHTTP serves streamable HTTP on the configured address until ctx is cancelled, then shuts down
// gracefully. A non-loopback address is refused unless a bearer token is configured. ready, if
// non-nil, is called with the endpoint URL once listening.
func (s *Server) RunHTTP(ctx context.Context, ready func(endpoint string)) error {
	cfg := s.opts.Config
	token, err := cfg.HTTPAuthToken()
	if err != nil {
		return err
	}
	host, _, err := net.SplitHostPort(cfg.HTTP.Addr)
	if err != nil {
		return fmt.Errorf("http.addr %q: %w", cfg.HTTP.Addr, err)
	}
	if !IsLoopback(host) && token == "" {
		return fmt.Errorf("refusing to listen on %s without authentication: it is reachable from other machines. Set a bearer token (SENTINEL_HTTP_AUTH_TOKEN or --http-auth-token-file), or listen on 127.0.0.1", cfg.HTTP.Addr)
	}
	ln, err := net.Listen("tcp", cfg.HTTP.Addr)
	if err != nil {
		return fmt.Errorf("listen on %s: %w", cfg.HTTP.Addr, err)
	}
	srv := &http.Server{
		Handler:           s.HTTPHandler(host, token),
		ReadHeaderTimeout: 10 * time.Second,
		IdleTimeout:       2 * time.Minute,
		MaxHeaderBytes:    64 << 10,
		ErrorLog:          nil,
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
	shutdownCtx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := srv.Shutdown(shutdownCtx); err != nil {
		// Streams still open after the grace period (long-lived SSE) are closed hard.
		_ = srv.Close()
	}
	if err := <-served; err != nil && !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
}
