package incidents

import (
	"fmt"
	"testing"
	"time"

	"github.com/sentinel-mcp/sentinel-mcp/internal/emulator"
	"github.com/sentinel-mcp/sentinel-mcp/internal/emulator/world"
	"github.com/sentinel-mcp/sentinel-mcp/internal/toolsets/toolsettest"
)

// BenchmarkListAllWorkspaces is one list_incidents call over every workspace of an MSSP with 40
// synthetic customers (45 workspaces, 20 incidents each): the fan-out, the merge and the
// rendering of a 50-row page, through the MCP protocol and the emulator.
func BenchmarkListAllWorkspaces(b *testing.B) {
	const customers, perWorkspace = 40, 20
	e := start(b, toolsettest.Options{Emulator: emulator.Options{ExtraTenants: customers}})
	for n := 1; n <= customers; n++ {
		w := world.ExtraWorkspace(n)
		ws := testWS{Alias: w.Alias(), ResourceID: w.ResourceID, TenantAlias: w.TenantAlias}
		for i := range perWorkspace {
			e.incident(ws, inc{Number: int64(1000 + i), Title: fmt.Sprintf("Incident %d of %s", i, w.Name),
				Age: time.Duration(n*perWorkspace+i) * time.Minute})
		}
	}
	args := map[string]any{"workspaces": []string{"all"}, "format": "json"}
	out, rows, _ := e.list(args)
	if len(rows) != 50 || !out.More || len(out.Workspaces) < customers {
		b.Fatalf("first page: %d rows over %d workspaces", len(rows), len(out.Workspaces))
	}
	b.ResetTimer()
	for range b.N {
		e.CallOK("list_incidents", args)
	}
}
