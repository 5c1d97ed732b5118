package query

import (
	"encoding/json"
	"fmt"
	"testing"

	"github.com/sentinel-mcp/sentinel-mcp/internal/azure"
	"github.com/sentinel-mcp/sentinel-mcp/internal/render"
	"github.com/sentinel-mcp/sentinel-mcp/internal/tenancy"
)

// BenchmarkMergeAndRender: 100 workspaces answering 200 rows each (the rows one workspace may
// keep), merged and rendered within the default budget. Target: well under 10 ms per call, so a
// fan-out's own work stays negligible next to Log Analytics.
func BenchmarkMergeAndRender(b *testing.B) {
	cols := []azure.Column{{Name: "TimeGenerated", Type: "datetime"}, {Name: "UserPrincipalName", Type: "string"},
		{Name: "IPAddress", Type: "string"}, {Name: "Failures", Type: "long"}, {Name: "Details", Type: "dynamic"}}
	var parts []part
	for w := range 100 {
		p := part{ws: &tenancy.Workspace{Alias: fmt.Sprintf("customer-%02d/customer-%02d-sentinel", w, w), TenantName: "Customer"}, cols: cols, total: 5000}
		for i := range 200 {
			p.rows = append(p.rows, []any{"2025-05-01T10:00:00.1234567Z", fmt.Sprintf("user%d@customer%d.com", i, w), "198.51.100.21",
				json.Number("9007199254740993"), `{"city":"Amsterdam","n":[1,2,3]}`})
		}
		parts = append(parts, p)
	}
	b.ReportAllocs()
	for b.Loop() {
		m := mergeParts(parts, render.DefaultMaxRows)
		if r := render.Render(m.table, render.FormatTable, render.Budget{}); r.TotalRows != 500000 {
			b.Fatal(r.TotalRows)
		}
	}
}
