package snapshot_test

import (
	"context"
	"testing"

	"github.com/sentinel-mcp/sentinel-mcp/internal/emulator"
	"github.com/sentinel-mcp/sentinel-mcp/internal/emulator/world"
	"github.com/sentinel-mcp/sentinel-mcp/internal/snapshot"
	"github.com/sentinel-mcp/sentinel-mcp/internal/tenancy/fanout"
	"github.com/sentinel-mcp/sentinel-mcp/internal/toolsets/toolsettest"
)

// BenchmarkDriftFanOut compares every workspace of a 37-workspace world (the named ones and 30
// synthetic customers) with the baseline: collection of every kind through the ARM client and the
// emulator, normalization and comparison, with the default fan-out (5 workspaces at a time).
func BenchmarkDriftFanOut(b *testing.B) {
	env := toolsettest.Start(b, toolsettest.Options{Emulator: emulator.Options{ExtraTenants: 30}})
	ctx := context.Background()
	base, err := env.Registry.Resolve(ctx, world.MustWorkspace(world.WSSocCentral).Alias())
	if err != nil {
		b.Fatal(err)
	}
	targets, _, err := snapshot.Targets(ctx, env.Registry, []string{"all"}, "")
	if err != nil {
		b.Fatal(err)
	}
	fo := env.Registry.FanOut()
	b.ResetTimer()
	for b.Loop() {
		snap, err := snapshot.Collect(ctx, env.Provider, base, snapshot.CollectOptions{})
		if err != nil {
			b.Fatal(err)
		}
		rep := snapshot.RunDrift(ctx, env.Provider, snap, targets, snapshot.DriftOptions{FanOut: fanout.Options{Concurrency: fo.Concurrency}})
		if len(rep.Failed) > 0 || len(rep.Workspaces) != len(targets) {
			b.Fatalf("drift: %d compared, %d failed", len(rep.Workspaces), len(rep.Failed))
		}
	}
	b.ReportMetric(float64(len(targets)), "workspaces")
}

// BenchmarkExport writes the baseline workspace's content (about 80 items) to a folder.
func BenchmarkExport(b *testing.B) {
	env := toolsettest.Start(b, toolsettest.Options{})
	ctx := context.Background()
	ws, err := env.Registry.Resolve(ctx, world.MustWorkspace(world.WSSocCentral).Alias())
	if err != nil {
		b.Fatal(err)
	}
	snap, err := snapshot.Collect(ctx, env.Provider, ws, snapshot.CollectOptions{})
	if err != nil {
		b.Fatal(err)
	}
	root := b.TempDir()
	b.ResetTimer()
	for b.Loop() {
		if _, err := snapshot.WriteDir(root, "x", snap, snapshot.WriteOptions{Overwrite: true}); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(len(snap.Items)), "items")
}
