package kql

import (
	"context"
	"testing"
	"time"

	"github.com/sentinel-mcp/sentinel-mcp/internal/content"
	"github.com/sentinel-mcp/sentinel-mcp/internal/kql/data"
	"github.com/sentinel-mcp/sentinel-mcp/internal/schema"
)

// Every analytics rule and hunt the product ships must validate without
// errors and run, over empty tables and over generated rows.
func TestShippedContentRuns(t *testing.T) {
	type item struct{ name, query string }
	var items []item
	for _, r := range content.Rules() {
		items = append(items, item{"rule " + r.Name, r.Query})
	}
	for _, h := range content.Hunts() {
		items = append(items, item{"hunt " + h.Name, h.Query})
	}
	if len(items) < 30 {
		t.Fatalf("only %d rules and hunts", len(items))
	}
	empty := schemaSource(t, nil)
	gen := schemaSource(t, func(st *schema.Table) *data.Table { return genTable(st, 80) })
	for _, it := range items {
		for _, d := range Validate(it.query, schema.DefaultCatalog()) {
			if d.Severity == SeverityError {
				t.Errorf("%s: validate: %s", it.name, d)
			}
		}
		for _, src := range []*memSource{empty, gen} {
			if _, err := Execute(context.Background(), src, it.query, Options{Now: testNow, Timeout: 20 * time.Second}); err != nil {
				t.Errorf("%s: %v", it.name, err)
			}
		}
	}
	t.Logf("%d shipped rules and hunts validate and run", len(items))
}
