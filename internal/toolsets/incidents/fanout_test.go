package incidents

import (
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/sentinel-mcp/sentinel-mcp/internal/emulator"
	"github.com/sentinel-mcp/sentinel-mcp/internal/emulator/world"
	"github.com/sentinel-mcp/sentinel-mcp/internal/toolsets/toolsettest"
)

// An MSSP with many customers (eight more than the seeded world): one listing over every workspace, paged with the cursor over small
// Azure pages, yields every matching incident exactly once, in one global order (newest first, or
// by severity), with each row naming its workspace and the per-workspace outcomes adding up.
func TestFanOutOverManyWorkspacesPagesEveryIncidentOnce(t *testing.T) {
	const customers, perWorkspace = 8, 3
	e := start(t, toolsettest.Options{Emulator: emulator.Options{ExtraTenants: customers, PageSize: 3}})
	type seeded struct {
		alias string
		n     int64
		sev   string
	}
	var all []seeded
	sevs := []string{"High", "Medium", "Low", "Informational"}
	for c := 1; c <= customers; c++ {
		w := world.ExtraWorkspace(c)
		ws := testWS{Alias: w.Alias(), ResourceID: w.ResourceID, TenantAlias: w.TenantAlias}
		for i := range perWorkspace {
			n := int64(9000 + c*10 + i)
			sev := sevs[(c+i)%len(sevs)]
			// Interleaved creation times: consecutive rows of the global order come from different customers.
			e.incident(ws, inc{Number: n, Severity: sev, Labels: []string{"mcpt-fanout"}, Age: time.Duration(i*customers+c) * time.Minute})
			all = append(all, seeded{alias: w.Alias(), n: n, sev: sev})
		}
	}
	// Newest first: the order of the ages above.
	slices.SortFunc(all, func(a, b seeded) int {
		ia, ib := (a.n%10)*customers+(a.n/10)%100, (b.n%10)*customers+(b.n/10)%100
		return int(ia - ib)
	})
	var wantNewest []int64
	for _, s := range all {
		wantNewest = append(wantNewest, s.n)
	}
	var wantSeverity []int64
	for _, sev := range sevs {
		for _, s := range all {
			if s.sev == sev {
				wantSeverity = append(wantSeverity, s.n)
			}
		}
	}

	for _, c := range []struct {
		sort string
		want []int64
	}{{"created", wantNewest}, {"severity", wantSeverity}} {
		t.Run(c.sort, func(t *testing.T) {
			var got []int64
			returned := map[string]int{}
			cursor := ""
			pages := 0
			for ; pages < 20; pages++ {
				args := map[string]any{"workspaces": []string{"all"}, "search": "mcpt-fanout", "limit": 7, "sort": c.sort}
				if cursor != "" {
					args["cursor"] = cursor
				}
				out, ns, text := e.list(args)
				if len(ns) > 7 {
					t.Fatalf("page %d has %d rows", pages, len(ns))
				}
				if len(out.Workspaces) < customers {
					t.Fatalf("page %d covered %d workspaces, want at least %d", pages, len(out.Workspaces), customers)
				}
				for _, o := range out.Workspaces {
					if o.Error != "" {
						t.Errorf("page %d: %s failed: %s", pages, o.Workspace, o.Error)
					}
					if o.Tenant == "" {
						t.Errorf("page %d: %s has no tenant name", pages, o.Workspace)
					}
					returned[o.Workspace] += o.Returned
				}
				if len(ns) > 0 && !strings.Contains(text, world.ExtraWorkspace(1).Alias()) && !strings.Contains(text, "customer-") {
					t.Errorf("rows do not name their workspace:\n%s", text)
				}
				got = append(got, ns...)
				if !out.More {
					break
				}
				cursor = out.NextCursor
			}
			if !slices.Equal(got, c.want) {
				t.Errorf("paged %v\nwant  %v", got, c.want)
			}
			if min := (len(c.want) + 6) / 7; pages+1 < min {
				t.Errorf("%d pages for %d incidents at 7 a page", pages+1, len(c.want))
			}
			for i := 1; i <= customers; i++ {
				if a := world.ExtraWorkspace(i).Alias(); returned[a] != perWorkspace {
					t.Errorf("%s returned %d incidents over all pages, want %d", a, returned[a], perWorkspace)
				}
			}
		})
	}
}

// The compact row carries the alert count Sentinel keeps on the incident.
func TestListRowsCountAlerts(t *testing.T) {
	e := start(t, toolsettest.Options{})
	ws := e.workspace("contoso-prod", "ir-alert-count")
	id := e.incident(ws, inc{Number: 1801, Title: "With evidence", Age: h})
	e.evidence(id) // two alerts
	e.incident(ws, inc{Number: 1802, Title: "Without evidence", Age: 2 * h})
	r := e.CallOK("list_incidents", map[string]any{"workspace": ws.Alias, "format": "csv"})
	for _, want := range []string{"1801,", ",2,With evidence", "1802,", ",0,Without evidence"} {
		if !strings.Contains(r.Text, want) {
			t.Errorf("missing %q in:\n%s", want, r.Text)
		}
	}
	if !strings.Contains(r.Text, fmt.Sprintf("in %s (tenant Contoso)", ws.Alias)) {
		t.Errorf("the answer does not name the workspace and tenant:\n%s", r.Text)
	}
}
