package incidents

import (
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/sentinel-mcp/sentinel-mcp/internal/emulator"
	"github.com/sentinel-mcp/sentinel-mcp/internal/emulator/world"
	"github.com/sentinel-mcp/sentinel-mcp/internal/toolsets/toolsettest"
)

const h = time.Hour

// triageSet seeds a workspace with incidents of every status, severity and owner situation.
func (e *env) triageSet(ws testWS) {
	e.incident(ws, inc{Number: 1001, Title: "Password spray against Entra ID", Severity: "High", Status: "New", Age: 2 * h, Labels: []string{"spray"}})
	e.incident(ws, inc{Number: 1002, Title: "Impossible travel", Severity: "Medium", Status: "Active", Owner: "alice@contoso.com", Age: 5 * h, Modified: time.Minute})
	e.incident(ws, inc{Number: 1003, Title: "Encoded PowerShell on WKS-042", Severity: "High", Status: "Active", Owner: "bob@contoso.com", Age: 30 * h})
	e.incident(ws, inc{Number: 1004, Title: "Mass download from SharePoint", Severity: "Low", Status: "New", Age: 50 * h, Labels: []string{"exfil", "VIP"}})
	e.incident(ws, inc{Number: 1005, Title: "Benign admin activity", Severity: "Informational", Status: "Closed", Owner: "alice@contoso.com", Age: 3 * h, Class: "BenignPositive", Reason: "SuspiciousButExpected"})
	e.incident(ws, inc{Number: 1006, Title: "Old false positive", Severity: "Medium", Status: "Closed", Age: 200 * h, Class: "FalsePositive", Reason: "IncorrectAlertLogic"})
}

func TestListOneWorkspace(t *testing.T) {
	e := start(t, toolsettest.Options{})
	ws := e.workspace("contoso-prod", "ir-list")
	e.triageSet(ws)

	out, got, text := e.list(map[string]any{"workspace": ws.Alias})
	if want := []int64{1001, 1002, 1003, 1004}; !slices.Equal(got, want) {
		t.Errorf("default listing (New and Active, newest first) = %v, want %v\n%s", got, want, text)
	}
	if out.More || out.NextCursor != "" || len(out.Workspaces) != 1 || out.Workspaces[0].Returned != 4 || out.Workspaces[0].Error != "" {
		t.Errorf("outcome %+v", out)
	}
	if out.Result.Rows != 4 || out.Result.Truncated {
		t.Errorf("result %+v", out.Result)
	}
	if !strings.Contains(text, "<untrusted-data") || !strings.Contains(text, "Incidents New/Active in "+ws.Alias+" (tenant Contoso), newest first") ||
		!strings.HasSuffix(text, "These are all the matching incidents.") {
		t.Errorf("text:\n%s", text)
	}
	// The table form: compact rows with owner and alert count.
	tr := e.CallOK("list_incidents", map[string]any{"workspace": ws.Alias, "status": []string{"Active"}})
	if !strings.Contains(tr.Text, "| number | created | severity | status | owner | alerts | title |") ||
		!strings.Contains(tr.Text, "| 1002 |") || !strings.Contains(tr.Text, "alice@contoso.com") || strings.Contains(tr.Text, "| 1001 |") {
		t.Errorf("table:\n%s", tr.Text)
	}
}

func TestListFilters(t *testing.T) {
	e := start(t, toolsettest.Options{})
	ws := e.workspace("contoso-prod", "ir-filters")
	e.triageSet(ws)
	all := []string{"New", "Active", "Closed"}
	cases := []struct {
		name string
		args map[string]any
		want []int64
	}{
		{"status closed", map[string]any{"status": []string{"Closed"}}, []int64{1005, 1006}},
		{"every status", map[string]any{"status": all}, []int64{1001, 1005, 1002, 1003, 1004, 1006}},
		{"severity list", map[string]any{"severity": []string{"High", "Low"}}, []int64{1001, 1003, 1004}},
		{"owner by e-mail, any case", map[string]any{"owner": "ALICE@contoso.com", "status": all}, []int64{1005, 1002}},
		{"owner by display name", map[string]any{"owner": "bob"}, []int64{1003}},
		{"unassigned", map[string]any{"owner": "unassigned"}, []int64{1001, 1004}},
		{"created within 24h", map[string]any{"created_within": "24h", "status": all}, []int64{1001, 1005, 1002}},
		{"created within ISO", map[string]any{"created_within": "P2D"}, []int64{1001, 1002, 1003}},
		{"created after, relative", map[string]any{"created_after": "4h", "status": all}, []int64{1001, 1005}},
		{"created range", map[string]any{"created_after": stamp(e.now.Add(-40 * h)), "created_before": stamp(e.now.Add(-4 * h)), "status": all}, []int64{1002, 1003}},
		{"text in title", map[string]any{"search": "powershell"}, []int64{1003}},
		{"text in a label", map[string]any{"search": "vip"}, []int64{1004}},
		{"classification", map[string]any{"status": []string{"Closed"}, "classification": []string{"FalsePositive"}}, []int64{1006}},
		{"severity order", map[string]any{"sort": "severity", "status": all}, []int64{1001, 1003, 1002, 1006, 1004, 1005}},
		{"severity order within a filter", map[string]any{"sort": "severity", "severity": []string{"Low", "High"}}, []int64{1001, 1003, 1004}},
		{"last modified order", map[string]any{"sort": "last_modified"}, []int64{1002, 1001, 1003, 1004}},
		{"nothing matches", map[string]any{"search": "no such thing"}, nil},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			c.args["workspace"] = ws.Alias
			_, got, text := e.list(c.args)
			if !slices.Equal(got, c.want) {
				t.Errorf("got %v, want %v\n%s", got, c.want, text)
			}
		})
	}
	// The first line states the time bounds as times, not as the periods they came from.
	_, _, bounds := e.list(map[string]any{"workspace": ws.Alias, "created_within": "2d", "created_before": "4h"})
	if !regexp.MustCompile(`created in the last 2d \(since \d{4}-\d\d-\d\dT\d\d:\d\dZ\), created before \d{4}-\d\d-\d\dT\d\d:\d\dZ in `).MatchString(bounds) {
		t.Errorf("time bounds:\n%s", bounds)
	}
	errs := []struct {
		args map[string]any
		want string
	}{
		{map[string]any{"classification": []string{"TruePositive"}}, "add Closed to status"},
		{map[string]any{"created_within": "24h", "created_after": "2025-01-01"}, "not both"},
		{map[string]any{"created_within": "yesterday"}, `"yesterday" is not a duration`},
		{map[string]any{"created_within": "0d"}, "longer than zero"},
		{map[string]any{"created_within": "99999d"}, "longer than any retention"},
		{map[string]any{"created_after": "next tuesday"}, "is not a time"},
		{map[string]any{"created_after": "2025-06-02", "created_before": "2025-06-01"}, "is not after the start"},
		{map[string]any{"severity": []string{"Critical"}}, "severity"},
		{map[string]any{"sort": "title"}, "sort"},
		{map[string]any{"limit": 0}, "limit"},
		{map[string]any{"limit": 5000}, "limit"},
		{map[string]any{"stauts": []string{"New"}}, `did you mean "status"`},
	}
	for _, c := range errs {
		c.args["workspace"] = ws.Alias
		if msg := e.CallError("list_incidents", c.args); !strings.Contains(msg, c.want) {
			t.Errorf("%v: %s, want %q", c.args, msg, c.want)
		}
	}
}

func TestListAcrossTenants(t *testing.T) {
	e := start(t, toolsettest.Options{})
	cp := e.workspace("contoso-prod", "ir-x-contoso")
	fb := e.workspace("fabrikam-sentinel", "ir-x-fabrikam")
	lw := e.workspace("litware-sentinel", "ir-x-litware") // a direct tenant: its own credential
	marker := []string{"mcpt-xtenant"}
	e.incident(cp, inc{Number: 2001, Age: 1 * h, Labels: marker})
	e.incident(fb, inc{Number: 3001, Age: 2 * h, Labels: marker})
	e.incident(lw, inc{Number: 4001, Age: 3 * h, Labels: marker})
	e.incident(cp, inc{Number: 2002, Age: 4 * h, Labels: marker, Severity: "High"})
	e.incident(lw, inc{Number: 4002, Age: 5 * h, Labels: marker})
	e.incident(fb, inc{Number: 3002, Age: 6 * h, Labels: []string{"other"}})

	out, got, text := e.list(map[string]any{"workspaces": []string{"all"}, "search": "mcpt-xtenant"})
	if want := []int64{2001, 3001, 4001, 2002, 4002}; !slices.Equal(got, want) {
		t.Errorf("all workspaces = %v, want %v\n%s", got, want, text)
	}
	seen := map[string]wsOutcome{}
	for _, o := range out.Workspaces {
		if o.Error != "" {
			t.Errorf("%s failed: %s", o.Workspace, o.Error)
		}
		seen[o.Workspace] = o
	}
	if seen[cp.Alias].Returned != 2 || seen[fb.Alias].Returned != 1 || seen[lw.Alias].Returned != 2 || len(out.Workspaces) < 3 {
		t.Errorf("per-workspace outcomes %+v", out.Workspaces)
	}
	if !strings.Contains(text, "workspaces of") || !strings.Contains(text, `"workspace"`) {
		t.Errorf("a multi-workspace listing names the workspace of each row:\n%s", text)
	}
	// No addressing at all means every workspace; a tenant means its workspaces.
	if _, got, _ := e.list(map[string]any{"search": "mcpt-xtenant"}); len(got) != 5 {
		t.Errorf("default scope listed %v", got)
	}
	out, got, _ = e.list(map[string]any{"tenant": "contoso", "search": "mcpt-xtenant", "sort": "severity"})
	if !slices.Equal(got, []int64{2002, 2001}) {
		t.Errorf("tenant contoso by severity = %v", got)
	}
	for _, o := range out.Workspaces {
		if !strings.HasPrefix(o.Workspace, "contoso/") {
			t.Errorf("tenant contoso listed %s", o.Workspace)
		}
	}
	// A failing workspace is reported; the others are listed.
	id, err := e.Emulator.Faults().Add(emulator.Fault{Route: fb.ResourceID + "/providers/Microsoft.SecurityInsights/incidents", Status: 403})
	if err != nil {
		t.Fatal(err)
	}
	out, got, text = e.list(map[string]any{"workspaces": []string{cp.Alias, fb.Alias, lw.Alias}, "search": "mcpt-xtenant"})
	e.Emulator.Faults().Remove(id)
	if !slices.Equal(got, []int64{2001, 4001, 2002, 4002}) || out.More {
		t.Errorf("with fabrikam failing: %v more=%v\n%s", got, out.More, text)
	}
	for _, o := range out.Workspaces {
		if (o.Workspace == fb.Alias) != (o.Error != "") {
			t.Errorf("outcome %+v", o)
		}
	}
	if !strings.Contains(text, "Not listed (failed): "+fb.Alias) || !strings.Contains(text, "403") {
		t.Errorf("the failure is not reported:\n%s", text)
	}
	// One workspace that fails is the call's error.
	id, _ = e.Emulator.Faults().Add(emulator.Fault{Route: fb.ResourceID + "/providers/Microsoft.SecurityInsights/incidents", Status: 403})
	msg := e.CallError("list_incidents", map[string]any{"workspace": fb.Alias})
	e.Emulator.Faults().Remove(id)
	if !strings.Contains(msg, "listing the incidents of "+fb.Alias) || !strings.Contains(msg, "403") {
		t.Errorf("single failing workspace: %s", msg)
	}
}

func TestPagingAcrossPagesAndWorkspaces(t *testing.T) {
	e := start(t, toolsettest.Options{Emulator: emulator.Options{PageSize: 2}})
	a := e.workspace("contoso-prod", "ir-page-a")
	b := e.workspace("northwind-sentinel", "ir-page-b")
	var want []int64
	for i := range 11 {
		ws, n := a, int64(5001+i)
		if i%3 == 1 {
			ws, n = b, int64(6001+i)
		}
		owner := ""
		if i%2 == 0 {
			owner = "carol@contoso.com"
		}
		e.incident(ws, inc{Number: n, Age: time.Duration(i+1) * h, Owner: owner, Labels: []string{"paging"}})
		want = append(want, n)
	}
	args := func() map[string]any {
		return map[string]any{"workspaces": []string{a.Alias, b.Alias}, "limit": 3, "search": "paging"}
	}
	var got []int64
	cursor, pages := "", 0
	for {
		p := args()
		if cursor != "" {
			p["cursor"] = cursor
		}
		out, ns, text := e.list(p)
		pages++
		if len(ns) > 3 {
			t.Fatalf("page %d has %d rows:\n%s", pages, len(ns), text)
		}
		got = append(got, ns...)
		if !out.More {
			if out.NextCursor != "" || !strings.Contains(text, "This is the last page: no more incidents match.") {
				t.Errorf("last page has a cursor or does not say it is the last:\n%s", text)
			}
			break
		}
		if !strings.Contains(text, "cursor \""+out.NextCursor+"\"") {
			t.Errorf("the text does not give the cursor:\n%s", text)
		}
		cursor = out.NextCursor
		if pages > 10 {
			t.Fatal("paging does not end")
		}
	}
	if !slices.Equal(got, want) || pages != 4 {
		t.Errorf("paged %v in %d pages, want %v in 4", got, pages, want)
	}

	// A client-side filter (owner) over small Azure pages still yields every match once, in order.
	var mine, wantMine []int64
	for i, n := range want {
		if i%2 == 0 {
			wantMine = append(wantMine, n)
		}
	}
	cursor = ""
	for range 10 {
		p := args()
		p["owner"], p["limit"] = "carol@contoso.com", 2
		if cursor != "" {
			p["cursor"] = cursor
		}
		out, ns, _ := e.list(p)
		mine = append(mine, ns...)
		if cursor = out.NextCursor; cursor == "" {
			break
		}
	}
	if !slices.Equal(mine, wantMine) {
		t.Errorf("owner filter paged %v, want %v", mine, wantMine)
	}

	// The limit and format may change between pages; the filters may not; damage is detected.
	out, first, _ := e.list(args())
	p := args()
	p["cursor"], p["limit"] = out.NextCursor, 50
	if _, rest, _ := e.list(p); !slices.Equal(append(first, rest...), want) {
		t.Errorf("a larger second page: %v + %v", first, rest)
	}
	p = args()
	p["cursor"], p["search"] = out.NextCursor, "pag"
	if msg := e.CallError("list_incidents", p); !strings.Contains(msg, "other filters") {
		t.Errorf("cursor with other filters: %s", msg)
	}
	p = args()
	p["cursor"], p["workspaces"] = out.NextCursor, []string{a.Alias}
	if msg := e.CallError("list_incidents", p); !strings.Contains(msg, "other filters") {
		t.Errorf("cursor with other workspaces: %s", msg)
	}
	damaged := []string{"garbage", out.NextCursor[:len(out.NextCursor)-1] + "x", "x" + out.NextCursor, strings.Replace(out.NextCursor, ".", "", 1)}
	for _, c := range damaged {
		p = args()
		p["cursor"] = c
		if msg := e.CallError("list_incidents", p); !strings.Contains(msg, "damaged or was edited") {
			t.Errorf("cursor %q: %s", c, msg)
		}
	}
}

// "Ravi's incidents": one word of an owner's name finds them, as the full UPN does.
func TestOwnerByOneWordOfTheName(t *testing.T) {
	e := start(t, toolsettest.Options{})
	ws := world.MustWorkspace(world.WSContosoProd).Alias()
	_, byUPN, _ := e.list(map[string]any{"workspace": ws, "owner": world.AnalystRavi.UPN})
	_, byFirst, text := e.list(map[string]any{"workspace": ws, "owner": "Ravi"})
	_, byLast, _ := e.list(map[string]any{"workspace": ws, "owner": "sharma"})
	if len(byUPN) == 0 || !slices.Equal(byFirst, byUPN) || !slices.Equal(byLast, byUPN) {
		t.Errorf("by UPN %v, by first name %v, by last name %v\n%s", byUPN, byFirst, byLast, text)
	}
	if _, none, _ := e.list(map[string]any{"workspace": ws, "owner": "rav"}); len(none) != 0 {
		t.Errorf("a part of a word matched: %v", none)
	}
}
