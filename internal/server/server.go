// Package server builds sentinel-mcp's MCP server from a tool inventory: explicit capabilities,
// instructions, prompts and resources, and the safety rails every tool call goes through
// (recover, audit, write gate, rate limits, tenant allow-list, confirmation of destructive calls,
// timeout). It also runs the stdio and streamable HTTP transports.
//
// The rails live here, in one middleware chain, so that no tool handler has to remember them.
package server

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"time"

	"github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/sentinel-mcp/sentinel-mcp/internal/audit"
	"github.com/sentinel-mcp/sentinel-mcp/internal/config"
	"github.com/sentinel-mcp/sentinel-mcp/internal/inventory"
)

// Name is the server's implementation name, as announced to clients.
const Name = "sentinel-mcp"

// Options are what New needs. Config, Inventory and Audit are required.
type Options struct {
	Config    *config.Config
	Inventory *inventory.Inventory
	Audit     *audit.Log
	// Tenancy resolves the workspace/tenant arguments of a call and enforces the allow-list before
	// the handler runs. When nil, every call that names a workspace or tenant is refused.
	Tenancy Tenancy
	Logger  *slog.Logger
	Version string
	// Content providers for resources and prompts; nil ones are simply not offered.
	CheatSheet func() string // KQL cheat sheet (Markdown)
	Schemas    SchemaCatalog // table schemas, served as sentinel://schemas/{table}
	// Emulator describes the emulator the server runs against ("" when it talks to Azure); it is
	// mentioned in the instructions so the model knows the data is a demo.
	Emulator string
	// Now is the clock (tests); default time.Now.
	Now func() time.Time
}

// Server is a configured MCP server.
type Server struct {
	mcp     *mcp.Server
	opts    Options
	log     *slog.Logger
	confirm *confirmer
	limits  *limiters

	shutdownGrace time.Duration // tests; default ShutdownGrace
	bodyTimeout   time.Duration // tests; default BodyReadTimeout
}

// New builds the server: registers the inventory's tools behind the middleware chain, and the
// prompts and resources.
func New(opts Options) (*Server, error) {
	if opts.Config == nil || opts.Inventory == nil || opts.Audit == nil {
		return nil, errors.New("server: Config, Inventory and Audit are required")
	}
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.Version == "" {
		opts.Version = "dev"
	}
	key := make([]byte, 32)
	if _, err := rand.Read(key); err != nil {
		return nil, fmt.Errorf("server: confirmation key: %w", err)
	}
	s := &Server{
		opts:    opts,
		log:     opts.Logger,
		confirm: newConfirmer(key, opts.Config.Limits.ConfirmTTL, opts.Now),
		limits:  newLimiters(opts.Config.Limits, opts.Now),
	}
	s.mcp = mcp.NewServer(&mcp.Implementation{Name: Name, Title: "Microsoft Sentinel (multi-tenant)", Version: opts.Version}, &mcp.ServerOptions{
		Instructions: instructions(opts),
		Logger:       sdkLogger(opts.Logger),
		// Explicit capabilities: tools, prompts and resources, without list-change notifications (the
		// lists are fixed for the life of the process). No logging capability: logs go to stderr.
		Capabilities: &mcp.ServerCapabilities{
			Tools:     &mcp.ToolCapabilities{},
			Prompts:   &mcp.PromptCapabilities{},
			Resources: &mcp.ResourceCapabilities{},
		},
		// A short freshness hint for clients that cache list results.
		SetCacheable: func(_ context.Context, _ mcp.Request, c *mcp.Cacheable) {
			if c.TTLMs == 0 {
				c.TTLMs = 300_000
			}
		},
	})
	opts.Inventory.Register(s.mcp, s.middleware())
	s.mcp.AddReceivingMiddleware(s.unavailableMW)
	s.addPrompts()
	s.addResources()
	return s, nil
}

// MCP returns the underlying go-sdk server (tests connect to it with in-memory transports).
func (s *Server) MCP() *mcp.Server { return s.mcp }

// RunStdio serves one client over stdin/stdout until the client disconnects (closes stdin) or ctx is
// cancelled (SIGINT/SIGTERM in the CLI); both are a clean shutdown.
// Lines that are not one well-formed JSON-RPC message are answered with an error and skipped (see
// framingGuard) rather than ending the session.
func (s *Server) RunStdio(ctx context.Context) error {
	return s.runStdioOn(ctx, os.Stdin, os.Stdout)
}

// serve runs one session on t. Cancelling ctx closes the session gracefully rather than abandoning it
// (and lets in-flight calls see their context cancelled).
func (s *Server) serve(ctx context.Context, t mcp.Transport) error {
	ss, err := s.mcp.Connect(ctx, t, nil)
	if err != nil {
		return err
	}
	stop := context.AfterFunc(ctx, func() { _ = ss.Close() })
	defer stop()
	err = ss.Wait()
	if ctx.Err() != nil || errors.Is(err, io.EOF) || errors.Is(err, mcp.ErrConnectionClosed) {
		return nil
	}
	return err
}

// sdkLogger is the logger handed to the go-sdk: its per-session info messages are only useful when
// debugging, so below debug level only its warnings and errors get through.
func sdkLogger(l *slog.Logger) *slog.Logger {
	l = l.With("component", "mcp")
	if l.Enabled(context.Background(), slog.LevelDebug) {
		return l
	}
	return slog.New(minLevel{l.Handler(), slog.LevelWarn})
}

type minLevel struct {
	slog.Handler
	min slog.Level
}

func (h minLevel) Enabled(ctx context.Context, l slog.Level) bool {
	return l >= h.min && h.Handler.Enabled(ctx, l)
}

func (h minLevel) WithAttrs(as []slog.Attr) slog.Handler {
	return minLevel{h.Handler.WithAttrs(as), h.min}
}
func (h minLevel) WithGroup(g string) slog.Handler { return minLevel{h.Handler.WithGroup(g), h.min} }
