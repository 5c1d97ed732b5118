package azure

import (
	"strings"
	"testing"
	"time"

	"github.com/sentinel-mcp/sentinel-mcp/internal/emulator"
	"github.com/sentinel-mcp/sentinel-mcp/internal/emulator/world"
)

func TestMetadata(t *testing.T) {
	v := newEnv(t, emulator.Options{}, nil)
	l := logsClient(t, v, managing)
	ws := world.MustWorkspace(world.WSContosoProd)
	m, err := l.Metadata(ctx(t), ws.CustomerID)
	if err != nil {
		t.Fatal(err)
	}
	sl := m.Table("SigninLogs")
	if sl == nil || sl.TimespanColumn != "TimeGenerated" || len(m.Raw) == 0 {
		t.Fatalf("SigninLogs: %+v", sl)
	}
	types := map[string]string{}
	for _, c := range sl.Columns {
		types[c.Name] = c.Type
	}
	if types["TimeGenerated"] != "datetime" || types["UserPrincipalName"] != "string" || types["LocationDetails"] != "dynamic" {
		t.Errorf("SigninLogs column types: %v", types)
	}
	if len(m.Workspaces) != 1 || m.Workspaces[0].ID != ws.CustomerID || !strings.EqualFold(m.Workspaces[0].ResourceID, ws.ResourceID) {
		t.Errorf("workspaces: %+v", m.Workspaces)
	}
	if m.Table("NoSuchTable") != nil {
		t.Error("Table found a table that is not there")
	}

	_, err = l.Metadata(ctx(t), world.GUID("no-such-workspace"))
	if !IsNotFound(err) || !strings.Contains(err.Error(), "WorkspaceNotFoundError") {
		t.Errorf("unknown workspace: %v", err)
	}
	_, err = l.Metadata(ctx(t), world.MustWorkspace(world.WSAdatumSentinel).CustomerID)
	if !IsForbidden(err) {
		t.Errorf("adatum: %v", err)
	}
	if _, err := l.Metadata(ctx(t), " "); err == nil {
		t.Error("empty workspace id accepted")
	}
	// A read: retried when throttled.
	f := addFault(t, v.e, emulator.Fault{Route: "/v1/workspaces/*/metadata", Status: 429, RetryAfter: 10 * time.Millisecond, Times: 1})
	if _, err := l.Metadata(ctx(t), ws.CustomerID); err != nil {
		t.Errorf("metadata after a 429: %v", err)
	}
	if h := v.e.Faults().Hits(f); h != 1 {
		t.Errorf("fault hits %d", h)
	}
}
