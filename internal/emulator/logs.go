package emulator

import (
	"strings"
	"sync"

	"github.com/sentinel-mcp/sentinel-mcp/internal/kql/data"
)

// workspaceLogs caches the generated log tables of one workspace. Generation is expensive and
// deterministic, so it happens once per workspace, on first use, without blocking other workspaces.
type workspaceLogs struct {
	once   sync.Once
	tables map[string]*data.Table
}

// workspaceLogs returns the log tables of a workspace (by ARM id), generating them on first use.
func (e *Emulator) workspaceLogs(wsID string) map[string]*data.Table {
	w, _, err := e.state()
	if err != nil {
		return nil
	}
	key := strings.ToLower(wsID)
	e.logsMu.Lock()
	wl, ok := e.logsCache[key]
	if !ok {
		wl = &workspaceLogs{}
		e.logsCache[key] = wl
	}
	e.logsMu.Unlock()
	wl.once.Do(func() {
		if w.logs != nil {
			wl.tables = w.logs(wsID)
		}
		if wl.tables == nil {
			wl.tables = map[string]*data.Table{}
		}
	})
	return wl.tables
}
