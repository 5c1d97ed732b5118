package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strings"

	"github.com/sentinel-mcp/sentinel-mcp/internal/config"
	"github.com/sentinel-mcp/sentinel-mcp/internal/emulator"
	"github.com/sentinel-mcp/sentinel-mcp/internal/emulator/world"
)

func init() {
	commandHelp["emulator"] = `Usage: sentinel-mcp emulator [--plain-http] [--rows N] [--fault SPEC]... [flags]

Runs the built-in Azure emulator (token endpoint, Resource Manager, Resource Graph, Log Analytics query
API) with its seeded demo tenants, prints its endpoints, the identities it accepts and a configuration
another sentinel-mcp process loads as is (--config), and serves until SIGINT/SIGTERM.

  sentinel-mcp emulator --emulator-addr 127.0.0.1:8443 --emulator-data-dir ./emu-state
  sentinel-mcp emulator --plain-http --rows 1000000 --fault route=query,status=429,times=3

  --plain-http      serve plain HTTP on loopback instead of HTTPS with an ephemeral CA
  --ca-file PATH    where to write the CA certificate (PEM) with HTTPS (default: <data dir>/emulator-ca.pem,
                    else a file in the temporary directory, removed on exit); other processes trust it
                    with SSL_CERT_FILE=PATH (Linux)
  --rows N          total log rows over the workspaces (benchmarks: 1000000 and more); overrides the scale
  --page-size N     items per page of Resource Manager lists (default 50)
  --fault SPEC      inject a fault, repeatable: comma-separated key=value pairs among route (login, arm,
                    query, graph or a path glob), method, tenant, status, retry-after, latency, drop,
                    times and probability, e.g. "tenant=fabrikam,status=503,probability=0.5"
`
}

// startEmulator starts the built-in Azure emulator configured by cfg.Emulator. It only listens:
// the world and the log data are built on first use.
func startEmulator(cfg *config.Config, logger *slog.Logger) (*emulator.Emulator, error) {
	return startEmulatorWith(cfg, logger, emulator.Options{})
}

// startEmulatorWith starts the emulator with cfg.Emulator's settings over the options only the
// emulator command sets (transport, volume in rows, page size, faults).
func startEmulatorWith(cfg *config.Config, logger *slog.Logger, o emulator.Options) (*emulator.Emulator, error) {
	e := cfg.Emulator
	o.Seed, o.Scale, o.Days, o.ExtraTenants, o.Addr, o.DataDir = e.Seed, e.Scale, e.Days, e.ExtraTenants, e.Addr, e.DataDir
	o.Logger = logger.With("component", "emulator")
	emu, err := emulator.New(o)
	if err != nil {
		return nil, usageError{err}
	}
	if err := emu.Start(); err != nil {
		return nil, err
	}
	return emu, nil
}

// emulatorSummary names the demo tenants for the server instructions.
func emulatorSummary() string {
	var parts []string
	for _, t := range world.Tenants() {
		parts = append(parts, fmt.Sprintf("%s (%s, %s)", t.Name, t.Alias, t.Role))
	}
	return strings.Join(parts, "; ")
}

// faultFlags collects repeated --fault values.
type faultFlags []emulator.Fault

func (f *faultFlags) String() string { return fmt.Sprint(len(*f), " faults") }

func (f *faultFlags) Set(s string) error {
	fl, err := emulator.ParseFault(s)
	if err != nil {
		return err
	}
	*f = append(*f, fl)
	return nil
}

func runEmulator(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	var (
		opts   emulator.Options
		faults faultFlags
		caFile string
	)
	cfg, err := parseFlags("emulator", args, stdout, func(fs *flag.FlagSet) {
		fs.BoolVar(&opts.PlainHTTP, "plain-http", false, "")
		fs.StringVar(&caFile, "ca-file", "", "")
		fs.IntVar(&opts.Rows, "rows", 0, "")
		fs.IntVar(&opts.PageSize, "page-size", 0, "")
		fs.Var(&faults, "fault", "")
	})
	if err != nil {
		return err
	}
	if opts.Rows < 0 || opts.PageSize < 0 {
		return usageError{errors.New("--rows and --page-size must not be negative")}
	}
	if opts.PlainHTTP && caFile != "" {
		return usageError{errors.New("--ca-file has no use with --plain-http")}
	}
	opts.Faults = faults
	emu, err := startEmulatorWith(cfg, newLogger(cfg, stderr), opts)
	if err != nil {
		return err
	}
	defer emu.Close()
	fmt.Fprint(stdout, emu.Describe())
	if pem := emu.CACertPEM(); pem != nil {
		path, remove, err := writeCAFile(caFile, cfg.Emulator.DataDir, pem)
		if err != nil {
			return err
		}
		defer remove()
		fmt.Fprintf(stdout, "\nCA certificate: %s\nA sentinel-mcp process in another shell trusts it with:\n  SSL_CERT_FILE=%s sentinel-mcp stdio --config FILE\n", path, path)
	}
	if len(faults) > 0 {
		fmt.Fprintf(stdout, "\nFaults injected: %d\n", len(faults))
	}
	fmt.Fprintf(stdout, "\nServing until interrupted (Ctrl-C).\n")
	<-ctx.Done()
	return nil
}

// writeCAFile writes the emulator's CA certificate where another process can read it: the given path,
// else the data directory, else a temporary file that is removed when the emulator stops.
func writeCAFile(path, dataDir string, pem []byte) (string, func(), error) {
	remove := func() {}
	switch {
	case path != "":
	case dataDir != "":
		path = filepath.Join(dataDir, "emulator-ca.pem")
	default:
		f, err := os.CreateTemp("", "sentinel-mcp-emulator-ca-*.pem")
		if err != nil {
			return "", nil, fmt.Errorf("emulator: write the CA certificate: %w", err)
		}
		path = f.Name()
		_ = f.Close()
		remove = func() { _ = os.Remove(path) }
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return "", nil, fmt.Errorf("emulator: write the CA certificate: %w", err)
	}
	if err := os.WriteFile(path, pem, 0o644); err != nil {
		remove()
		return "", nil, fmt.Errorf("emulator: write the CA certificate: %w", err)
	}
	return path, remove, nil
}
