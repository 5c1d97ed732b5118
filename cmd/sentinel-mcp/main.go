// Command sentinel-mcp is an MCP server for Microsoft Sentinel across many tenants.
//
//	sentinel-mcp stdio [flags]      serve one MCP client over stdin/stdout
//	sentinel-mcp http [flags]       serve MCP clients over streamable HTTP
//	sentinel-mcp emulator [flags]   run the built-in Azure emulator on its own
//	sentinel-mcp tools [flags]      list the tool inventory
//	sentinel-mcp health [flags]     check the health of Sentinel workspaces (exit 3 on findings)
//	sentinel-mcp compliance [flags] check workspaces against a compliance policy (exit 3 on findings)
//	sentinel-mcp report [flags]     write a SOC report (HTML or Markdown)
//	sentinel-mcp drift [flags]      compare workspaces' content with a baseline (exit 3 on differences)
//	sentinel-mcp export [flags]     write a workspace's content to a folder
//	sentinel-mcp restore [flags]    plan (and with --yes apply) restoring content into a workspace
//	sentinel-mcp deploy [flags]     plan (and with --yes apply) deploying content to many workspaces
//	sentinel-mcp version            print version and build information
//	sentinel-mcp bench [flags]      measure start-up, tools/list size and per-call latency
//
// The CLI uses the standard library's flag package rather than a CLI framework: binary size and
// start-up time are product targets (tools/list within 50 ms of process start), and subcommands plus
// tag-generated flags (internal/config) are all this CLI needs.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"
)

// Refresh the generated sections of README.md (configuration and tool references).
//go:generate env UPDATE_README=1 go test -run TestREADME .

// Exit codes.
const (
	exitOK    = 0
	exitError = 1 // the command failed
	exitUsage = 2 // bad command line or configuration
)

type command struct {
	name    string
	summary string
	run     func(ctx context.Context, args []string, stdout, stderr io.Writer) error
}

func commands() []command {
	return []command{
		{"stdio", "Serve one MCP client over stdin/stdout (what desktop clients launch).", runStdio},
		{"http", "Serve MCP clients over streamable HTTP (loopback by default).", runHTTP},
		{"emulator", "Run the built-in Azure emulator on its own and print its endpoints, identities and a ready config.", runEmulator},
		{"tools", "List the tool inventory (table, --json or --markdown).", runTools},
		{"health", "Check the health of Sentinel workspaces across tenants (exit 3 on findings).", runHealth},
		{"compliance", "Check workspaces against a compliance policy (exit 3 on findings).", runCompliance},
		{"report", "Write a SOC report: health, compliance, ingestion and incident charts (HTML or Markdown).", runReport},
		{"drift", "Compare workspaces' content with a baseline workspace or export (exit 3 on differences).", runDrift},
		{"export", "Write a workspace's content to a folder of YAML files (for git and restore).", runExport},
		{"restore", "Plan restoring content into a workspace; --yes applies it.", runRestore},
		{"deploy", "Plan deploying rules and watchlists to many workspaces; --yes applies it.", runDeploy},
		{"version", "Print the version and build information.", runVersion},
		{"bench", "Measure start-up, tools/list size and per-call latency of this binary (stdio, emulator).", runBench},
	}
}

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := run(ctx, os.Args[1:], os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}

// usageError marks errors caused by the command line or the configuration (exit code 2).
type usageError struct{ err error }

func (u usageError) Error() string { return u.err.Error() }
func (u usageError) Unwrap() error { return u.err }

func run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 || args[0] == "-h" || args[0] == "--help" || args[0] == "help" {
		if len(args) > 1 && args[0] == "help" {
			return run(ctx, []string{args[1], "--help"}, stdout, stderr)
		}
		printUsage(stdout)
		if len(args) == 0 {
			return exitUsage
		}
		return exitOK
	}
	if args[0] == "-v" || args[0] == "--version" {
		args[0] = "version"
	}
	for _, c := range commands() {
		if c.name != args[0] {
			continue
		}
		err := c.run(ctx, args[1:], stdout, stderr)
		switch {
		case err == nil, errors.Is(err, flag.ErrHelp):
			return exitOK
		case errors.As(err, new(findingsError)):
			fmt.Fprintf(stderr, "sentinel-mcp %s: %v\n", c.name, err)
			return exitFindings
		case errors.As(err, new(usageError)):
			fmt.Fprintf(stderr, "sentinel-mcp %s: %v\nRun 'sentinel-mcp %s --help' for usage.\n", c.name, err, c.name)
			return exitUsage
		default:
			fmt.Fprintf(stderr, "sentinel-mcp %s: %v\n", c.name, err)
			return exitError
		}
	}
	fmt.Fprintf(stderr, "sentinel-mcp: unknown command %q\n\n", args[0])
	printUsage(stderr)
	return exitUsage
}

func printUsage(w io.Writer) {
	fmt.Fprintf(w, "sentinel-mcp: Microsoft Sentinel for MCP clients, across tenants.\n\nUsage:\n  sentinel-mcp <command> [flags]\n\nCommands:\n")
	for _, c := range commands() {
		fmt.Fprintf(w, "  %-11s %s\n", c.name, c.summary)
	}
	fmt.Fprintf(w, `
Run 'sentinel-mcp <command> --help' for the flags, environment variables and config file settings of a command.

Try it without Azure:
  sentinel-mcp stdio --emulator     (seeded demo tenants, read-only)
`)
}
