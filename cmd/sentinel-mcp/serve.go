package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"time"

	"github.com/sentinel-mcp/sentinel-mcp/internal/audit"
	"github.com/sentinel-mcp/sentinel-mcp/internal/config"
	"github.com/sentinel-mcp/sentinel-mcp/internal/content"
	"github.com/sentinel-mcp/sentinel-mcp/internal/emulator"
	"github.com/sentinel-mcp/sentinel-mcp/internal/inventory"
	"github.com/sentinel-mcp/sentinel-mcp/internal/server"
	"github.com/sentinel-mcp/sentinel-mcp/internal/toolsets/all"
	"github.com/sentinel-mcp/sentinel-mcp/internal/toolsets/toolkit"
)

var commandHelp = map[string]string{
	"stdio": `Usage: sentinel-mcp stdio [flags]

Serves one MCP client over stdin/stdout: this is what Claude Desktop, VS Code and other desktop clients
launch. stdout carries the protocol; logs go to stderr. Read-only unless --enable-writes.

  sentinel-mcp stdio --emulator      demo against the built-in Azure emulator (no Azure needed)
`,
	"http": `Usage: sentinel-mcp http [flags]

Serves MCP clients over streamable HTTP at http://<http.addr>/mcp (127.0.0.1:8080 by default). A
non-loopback address requires a bearer token (SENTINEL_HTTP_AUTH_TOKEN or --http-auth-token-file);
Host and Origin headers are checked against DNS rebinding. Stops gracefully on SIGINT/SIGTERM.
`,
	"emulator": `Usage: sentinel-mcp emulator [flags]

Runs the built-in Azure emulator (token endpoint, Resource Manager, Resource Graph, Log Analytics query
API) with its seeded demo tenants, prints its endpoints, the identities it accepts and a ready
configuration, and serves until SIGINT/SIGTERM.
`,
	"tools": `Usage: sentinel-mcp tools [flags]

Lists every tool with its toolset, mode (read, write, destructive) and whether the given flags enable
it, then the size of the resulting tools/list answer.

  --json       one JSON document with every tool's definition (schemas and annotations)
  --markdown   the tool reference, as in README.md
`,
}

// parseFlags parses a subcommand's flags (those of internal/config for cmd, plus extra) and loads the
// configuration. --help prints the command's help, generated from the config tags, to stdout.
func parseFlags(cmd string, args []string, stdout io.Writer, extra func(*flag.FlagSet)) (*config.Config, error) {
	fs := flag.NewFlagSet(cmd, flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	b := config.Bind(fs, cmd)
	if extra != nil {
		extra(fs)
	}
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			fmt.Fprint(stdout, commandHelp[cmd]+"\n"+config.FlagHelp(cmd))
			fmt.Fprint(stdout, "\nConfiguration: flags override SENTINEL_* environment variables, which override the config file\n(--config or SENTINEL_CONFIG, YAML or JSON, keys as shown in README.md, Configuration).\n")
			return nil, flag.ErrHelp
		}
		return nil, usageError{err}
	}
	if fs.NArg() > 0 {
		return nil, usageError{fmt.Errorf("unexpected argument %q", fs.Arg(0))}
	}
	cfg, err := b.Load(nil)
	if err != nil {
		return nil, usageError{err}
	}
	return cfg, nil
}

func newLogger(cfg *config.Config, w io.Writer) *slog.Logger {
	var level slog.Level
	_ = level.UnmarshalText([]byte(cfg.Log.Level))
	opts := &slog.HandlerOptions{Level: level}
	if cfg.Log.Format == "json" {
		return slog.New(slog.NewJSONHandler(w, opts))
	}
	return slog.New(slog.NewTextHandler(w, opts))
}

func filterOf(cfg *config.Config) inventory.Filter {
	return inventory.Filter{Toolsets: cfg.Toolsets, Tools: cfg.Tools, Exclude: cfg.ExcludeTools, ReadOnly: cfg.ReadOnly, EnableWrites: cfg.EnableWrites, OutputSchemas: cfg.OutputSchemas}
}

// app is a running server and what it owns.
type app struct {
	srv   *server.Server
	emu   *emulator.Emulator
	audit *audit.Log
	deps  *toolkit.Deps
}

func (a *app) Close() {
	if a.audit != nil {
		_ = a.audit.Close()
	}
	if a.emu != nil {
		_ = a.emu.Close()
	}
}

// start builds the server. Start-up must stay cheap (tools/list within 50 ms): nothing here calls
// Azure, generates log data or touches the audit file; discovery and seeding happen on first use.
func start(ctx context.Context, cfg *config.Config, logger *slog.Logger) (*app, error) {
	deps := &toolkit.Deps{Config: cfg, Logger: logger, Now: time.Now}
	a := &app{deps: deps}
	emuDesc := ""
	if cfg.Emulator.Enabled {
		emu, err := startEmulator(cfg, logger)
		if err != nil {
			return nil, err
		}
		a.emu = emu
		emuDesc = emulatorSummary()
	}
	tenancy, err := connectAzure(ctx, cfg, a.emu, deps, logger)
	if err != nil {
		a.Close()
		return nil, err
	}
	inv, err := all.Builder(deps).Build(filterOf(cfg))
	if err != nil {
		a.Close()
		return nil, usageError{err}
	}
	path, err := cfg.AuditPath()
	if err != nil {
		a.Close()
		return nil, usageError{err}
	}
	a.audit = audit.New(path)
	a.srv, err = server.New(server.Options{
		Config:     cfg,
		Inventory:  inv,
		Audit:      a.audit,
		Tenancy:    tenancy,
		Logger:     logger,
		Version:    versionString(),
		CheatSheet: content.CheatSheet,
		Schemas:    schemaCatalog{},
		Emulator:   emuDesc,
	})
	if err != nil {
		a.Close()
		return nil, err
	}
	mode := "read-only"
	if inv.Filter.WritesAllowed() {
		mode = "writes enabled"
	}
	logger.Info("server ready", "tools", len(inv.Tools), "mode", mode, "audit", path)
	return a, nil
}

func runStdio(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	cfg, err := parseFlags("stdio", args, stdout, nil)
	if err != nil {
		return err
	}
	a, err := start(ctx, cfg, newLogger(cfg, stderr))
	if err != nil {
		return err
	}
	defer a.Close()
	if stdinIsTerminal() {
		// Someone typed the demo command in a shell: stdin/stdout carry JSON-RPC for an MCP client, so
		// say how to connect one rather than leave them before a silent prompt.
		fmt.Fprint(stderr, stdioTerminalHint)
	}
	return a.srv.RunStdio(ctx)
}

const stdioTerminalHint = `sentinel-mcp is serving MCP on stdin/stdout, for an MCP client to launch (README: Claude Desktop, VS Code).
To try it from a shell:  npx @modelcontextprotocol/inspector sentinel-mcp stdio --emulator
Ctrl-C (or Ctrl-D) stops it.
`

func stdinIsTerminal() bool {
	fi, err := os.Stdin.Stat()
	return err == nil && fi.Mode()&os.ModeCharDevice != 0
}

func runHTTP(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	cfg, err := parseFlags("http", args, stdout, nil)
	if err != nil {
		return err
	}
	logger := newLogger(cfg, stderr)
	a, err := start(ctx, cfg, logger)
	if err != nil {
		return err
	}
	defer a.Close()
	return a.srv.RunHTTP(ctx, func(endpoint string) {
		logger.Info("serving MCP over streamable HTTP", "endpoint", endpoint)
	})
}
