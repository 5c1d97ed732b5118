package main

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"strings"

	"github.com/sentinel-mcp/sentinel-mcp/internal/config"
	"github.com/sentinel-mcp/sentinel-mcp/internal/emulator"
	"github.com/sentinel-mcp/sentinel-mcp/internal/emulator/world"
)

// startEmulator starts the built-in Azure emulator configured by cfg.Emulator. It only listens:
// the world and the log data are built on first use.
func startEmulator(cfg *config.Config, logger *slog.Logger) (*emulator.Emulator, error) {
	e := cfg.Emulator
	emu, err := emulator.New(emulator.Options{
		Seed:         e.Seed,
		Scale:        e.Scale,
		Days:         e.Days,
		ExtraTenants: e.ExtraTenants,
		Addr:         e.Addr,
		DataDir:      e.DataDir,
		Logger:       logger.With("component", "emulator"),
	})
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

func runEmulator(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	cfg, err := parseFlags("emulator", args, stdout, nil)
	if err != nil {
		return err
	}
	emu, err := startEmulator(cfg, newLogger(cfg, stderr))
	if err != nil {
		return err
	}
	defer emu.Close()
	fmt.Fprint(stdout, emu.Describe())
	fmt.Fprintf(stdout, "\nServing until interrupted (Ctrl-C).\n")
	<-ctx.Done()
	return nil
}
