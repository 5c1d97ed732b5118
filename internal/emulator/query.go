package emulator

import (
	"net/http"

	"github.com/sentinel-mcp/sentinel-mcp/internal/kql/data"
)

// workspaceLogs caches the generated log tables of one workspace.
type workspaceLogs struct {
	tables map[string]*data.Table
}

func (e *Emulator) serveQuery(c *call) {
	e.completeDueOps()
	if c.user = e.authenticate(c); c.user == nil {
		return
	}
	c.fail(errf(http.StatusNotImplemented, "NotImplemented", "The emulator's query engine is not available yet: KQL execution lands with the internal/kql engine."))
}
