package health_test

import (
	"testing"

	"github.com/sentinel-mcp/sentinel-mcp/internal/config"
	"github.com/sentinel-mcp/sentinel-mcp/internal/emulator"
	"github.com/sentinel-mcp/sentinel-mcp/internal/posture/posturetest"
	"github.com/sentinel-mcp/sentinel-mcp/internal/toolsets/toolsettest"
)

// BenchmarkCheckHealth50Workspaces is check_health over the named workspaces and 44 synthetic
// customers (50 Sentinel workspaces), quick mode, with the default fan-out (5 at a time), once the
// emulator has generated their logs: the cost of the checks, not of the emulator's first queries.
func BenchmarkCheckHealth50Workspaces(b *testing.B) {
	env := posturetest.Start(b, toolsettest.Options{Toolsets: []toolsettest.Toolset{toolset},
		Emulator:  emulator.Options{ExtraTenants: 44},
		Configure: func(c *config.Config) { c.Limits.MaxRows = 1000 }})
	env.CallOK("check_health", map[string]any{}) // warm: log generation and discovery
	b.ResetTimer()
	for b.Loop() {
		n := env.RequestCount()
		res := env.CallOK("check_health", map[string]any{})
		b.ReportMetric(float64(env.RequestCount()-n), "requests/op")
		_ = res
	}
}
