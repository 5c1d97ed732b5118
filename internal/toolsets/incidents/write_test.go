package incidents

import (
	"context"
	"encoding/json"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/sentinel-mcp/sentinel-mcp/internal/audit"
	"github.com/sentinel-mcp/sentinel-mcp/internal/config"
	"github.com/sentinel-mcp/sentinel-mcp/internal/emulator"
	"github.com/sentinel-mcp/sentinel-mcp/internal/sentinel"
	"github.com/sentinel-mcp/sentinel-mcp/internal/toolsets/toolsettest"
)

// read reads an incident directly (not through the tools), as Sentinel stores it.
func (e *env) read(ws testWS, n int64) *sentinel.Incident {
	e.T.Helper()
	w, err := e.Registry.Resolve(context.Background(), ws.Alias)
	if err != nil {
		e.T.Fatal(err)
	}
	c, err := sentinel.New(e.Provider, w)
	if err != nil {
		e.T.Fatal(err)
	}
	inc, err := c.IncidentByNumber(context.Background(), n)
	if err != nil {
		e.T.Fatal(err)
	}
	return inc
}

// changes returns the changes the audit log recorded for the calls of a tool, in order.
func (e *env) changes(tool string) []audit.Change {
	var out []audit.Change
	for _, r := range e.AuditRecords() {
		if r.Tool == tool && r.Phase == audit.PhaseResult {
			out = append(out, r.Changes...)
		}
	}
	return out
}

func props(t testing.TB, raw json.RawMessage) map[string]any {
	t.Helper()
	var d struct {
		Properties map[string]any `json:"properties"`
	}
	if err := json.Unmarshal(raw, &d); err != nil {
		t.Fatalf("audit snapshot %s: %v", raw, err)
	}
	return d.Properties
}

func TestUpdateAssignCloseReopenAndComment(t *testing.T) {
	e := start(t, toolsettest.Options{Writes: true})
	ws := e.workspace("contoso-prod", "ir-writes")
	e.incident(ws, inc{Number: 1401, Title: "Impossible travel", Severity: "Medium", Status: "New", Age: h, Labels: []string{"travel", "triage"}})
	args := func(kv ...any) map[string]any {
		m := map[string]any{"workspace": ws.Alias, "incident": 1401}
		for i := 0; i < len(kv); i += 2 {
			m[kv[i].(string)] = kv[i+1]
		}
		return m
	}

	// update_incident: several fields at once, unknown properties kept.
	r := e.CallOK("update_incident", args("status", "Active", "severity", "High", "add_labels", []string{"vip", "TRAVEL"},
		"remove_labels", []string{"triage"}, "title", "Impossible travel: alice"))
	var w writeOut
	r.Decode(&w)
	if !w.Changed || w.Incident.Status != "Active" || w.Incident.Severity != "High" || !slices.Equal(w.Incident.Labels, []string{"travel", "vip"}) ||
		w.Incident.Title != "Impossible travel: alice" {
		t.Errorf("update: %+v", w)
	}
	if !strings.Contains(r.Text, "status: New -> Active") || !strings.Contains(r.Text, "severity: Medium -> High") || !strings.Contains(r.Text, "labels: travel, triage -> travel, vip") {
		t.Errorf("update text: %s", r.Text)
	}
	got := e.read(ws, 1401)
	if got.Properties.Severity != "High" || !strings.Contains(string(got.RawJSON()), `"futureProperty":{"kept":true}`) {
		t.Errorf("stored: %s", got.RawJSON())
	}
	ch := e.changes("update_incident")
	if len(ch) != 1 || props(t, ch[0].Before)["status"] != "New" || props(t, ch[0].After)["status"] != "Active" ||
		props(t, ch[0].After)["severity"] != "High" {
		t.Fatalf("audit changes of update_incident: %+v", ch)
	}
	// The same update again changes nothing and sends nothing.
	n := e.RequestCount()
	r = e.CallOK("update_incident", args("status", "Active", "severity", "High"))
	r.Decode(&w)
	if w.Changed || !strings.Contains(r.Text, "Nothing to change") {
		t.Errorf("repeated update: %+v %s", w, r.Text)
	}
	for _, req := range e.Requests()[n:] {
		if strings.HasPrefix(req, "PUT ") {
			t.Errorf("a no-op update sent %s", req)
		}
	}

	// assign_incident: by e-mail, by object id, unassign.
	r = e.CallOK("assign_incident", args("owner", "dana@contoso.com"))
	if got := e.read(ws, 1401).Properties.Owner; got.Email != "dana@contoso.com" || got.UserPrincipalName != "dana@contoso.com" || got.ObjectID != "" {
		t.Errorf("owner by e-mail: %+v", got)
	}
	oid := "6F1C2D3E-0000-4000-8000-00000000ABCD"
	e.CallOK("assign_incident", args("owner", oid))
	if got := e.read(ws, 1401).Properties.Owner; got.ObjectID != strings.ToLower(oid) || got.Email != "" {
		t.Errorf("owner by object id: %+v", got)
	}
	r = e.CallOK("assign_incident", args("owner", "unassigned"))
	if got := e.read(ws, 1401).Properties.Owner; got.Assigned() || !strings.Contains(r.Text, "Unassigned incident #1401") {
		t.Errorf("unassigned: %+v %s", got, r.Text)
	}
	if len(e.changes("assign_incident")) != 3 {
		t.Errorf("assign changes: %d", len(e.changes("assign_incident")))
	}
	for owner, want := range map[string]string{"alice": "is not a UPN", "a@b": "is not a UPN", "": "is empty", "a b@c.d": "is not a UPN"} {
		if msg := e.CallError("assign_incident", args("owner", owner)); !strings.Contains(msg, want) {
			t.Errorf("owner %q: %s", owner, msg)
		}
	}

	// close_incident: Azure's classification rules, then closing, then closing again (a no-op).
	for _, c := range []struct {
		cl, reason, want string
	}{
		{"FalsePositive", "", "use IncorrectAlertLogic or InaccurateData"},
		{"TruePositive", "IncorrectAlertLogic", "does not go with TruePositive"},
		{"BenignPositive", "SuspiciousActivity", "does not go with BenignPositive: use SuspiciousButExpected"},
		{"Undetermined", "InaccurateData", "Undetermined takes no reason"},
		{"Malicious", "", "classification"},
		{"FalsePositive", "BecauseISaidSo", "classification_reason"},
	} {
		a := args("classification", c.cl)
		if c.reason != "" {
			a["classification_reason"] = c.reason
		}
		if msg := e.CallError("close_incident", a); !strings.Contains(msg, c.want) {
			t.Errorf("close %s/%s: %s, want %q", c.cl, c.reason, msg, c.want)
		}
	}
	if msg := e.CallError("close_incident", map[string]any{"workspace": ws.Alias, "incident": 1401}); !strings.Contains(msg, "classification") {
		t.Errorf("close without classification: %s", msg)
	}
	if got := e.read(ws, 1401); got.Properties.Status != "Active" {
		t.Fatalf("a refused close changed the incident: %+v", got.Properties)
	}
	r = e.CallOK("close_incident", args("classification", "FalsePositive", "classification_reason", "InaccurateData", "comment", "Travel\u202E was a VPN exit node."))
	got = e.read(ws, 1401)
	if p := got.Properties; p.Status != "Closed" || p.Classification != "FalsePositive" || p.ClassificationReason != "InaccurateData" ||
		p.ClassificationComment != "Travel was a VPN exit node." {
		t.Errorf("closed: %+v", p)
	}
	r = e.CallOK("close_incident", args("classification", "FalsePositive", "classification_reason", "InaccurateData"))
	if r.Decode(&w); w.Changed {
		t.Errorf("closing a closed incident again with the same verdict changed it: %s", r.Text)
	}
	if ch := e.changes("close_incident"); len(ch) != 1 || props(t, ch[0].After)["classification"] != "FalsePositive" || props(t, ch[0].Before)["status"] != "Active" {
		t.Errorf("close audit: %+v", ch)
	}

	// Reopen: back to Active clears the verdict, as Sentinel does.
	r = e.CallOK("update_incident", args("status", "Active"))
	got = e.read(ws, 1401)
	if p := got.Properties; p.Status != "Active" || p.Classification != "" || p.ClassificationReason != "" || p.ClassificationComment != "" {
		t.Errorf("reopened: %+v", p)
	}
	if !strings.Contains(r.Text, "classification: FalsePositive -> (none)") || !strings.Contains(r.Text, "classification comment cleared") {
		t.Errorf("reopen text: %s", r.Text)
	}
	// A verdict with one possible reason needs no reason; then reopen again.
	r = e.CallOK("close_incident", args("classification", "TruePositive"))
	if p := e.read(ws, 1401).Properties; p.Status != "Closed" || p.ClassificationReason != "SuspiciousActivity" ||
		!strings.Contains(r.Text, "classification reason: (none) -> SuspiciousActivity") {
		t.Errorf("TruePositive without a reason: %+v\n%s", p, r.Text)
	}
	e.CallOK("update_incident", args("status", "Active"))
	if msg := e.CallError("update_incident", args("status", "Closed")); !strings.Contains(msg, "status") {
		t.Errorf("update to Closed: %s", msg)
	}
	if msg := e.CallError("update_incident", args()); !strings.Contains(msg, "nothing to update") {
		t.Errorf("empty update: %s", msg)
	}
	if msg := e.CallError("update_incident", args("add_labels", []string{"a"}, "remove_labels", []string{"A"})); !strings.Contains(msg, "also in add_labels") {
		t.Errorf("add and remove the same label: %s", msg)
	}

	// add_incident_comment: cleaned, recorded as created.
	r = e.CallOK("add_incident_comment", args("message", "Checked with alice\u200B: she was travelling.\n\nClosing next."))
	var co commentOut
	r.Decode(&co)
	comments := e.CallOK("list_incident_comments", args())
	if !strings.Contains(comments.Text, `Checked with alice: she was travelling.\n\nClosing next.`) {
		t.Errorf("comment stored: %s", comments.Text)
	}
	if ch := e.changes("add_incident_comment"); len(ch) != 1 || string(ch[0].Before) != "null" || !strings.Contains(string(ch[0].After), co.Comment) {
		t.Errorf("comment audit: %+v", ch)
	}
	if msg := e.CallError("add_incident_comment", args("message", " \u200b ")); !strings.Contains(msg, "is empty") {
		t.Errorf("empty comment: %s", msg)
	}
}

func TestStaleEtagIsAConflictAndChangesNothing(t *testing.T) {
	e := start(t, toolsettest.Options{Writes: true})
	ws := e.workspace("contoso-prod", "ir-conflict")
	id := e.incident(ws, inc{Number: 1501, Title: "Contested", Severity: "Low", Status: "New", Age: h})

	// Hold the tool's PUT at the emulator until someone else has changed the incident: the tool
	// read the incident before that change, so its etag is stale when the PUT is evaluated.
	fid, err := e.Emulator.Faults().Add(emulator.Fault{Route: id, Method: "PUT", Latency: 1500 * time.Millisecond, Times: 1})
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan *toolsettest.Result, 1)
	go func() {
		done <- e.Call("update_incident", map[string]any{"workspace": ws.Alias, "incident": 1501, "severity": "High", "status": "Active"})
	}()
	deadline := time.Now().Add(20 * time.Second)
	for e.Emulator.Faults().Hits(fid) == 0 {
		if time.Now().After(deadline) {
			t.Fatal("the tool never sent its PUT")
		}
		time.Sleep(time.Millisecond)
	}
	other := e.read(ws, 1501) // a second client: an analyst assigns the incident meanwhile
	other.Properties.Owner = sentinel.IncidentOwner{Email: "erin@contoso.com", UserPrincipalName: "erin@contoso.com"}
	w, _ := e.Registry.Resolve(context.Background(), ws.Alias)
	c, _ := sentinel.New(e.Provider, w)
	if _, err := c.PutIncident(context.Background(), other); err != nil {
		t.Fatal(err)
	}
	r := <-done
	if !r.IsError || !strings.Contains(r.Text, "changed by someone else since it was read, so nothing was changed") ||
		!strings.Contains(r.Text, "Read it again with get_incident") {
		t.Fatalf("the stale write: %s", r.Text)
	}
	got := e.read(ws, 1501)
	if got.Properties.Severity != "Low" || got.Properties.Status != "New" || got.Properties.Owner.Email != "erin@contoso.com" {
		t.Errorf("after the conflict: %+v (the other change must stand, the tool's must not)", got.Properties)
	}
	if ch := e.changes("update_incident"); len(ch) != 0 {
		t.Errorf("a refused write recorded changes: %+v", ch)
	}
	// Re-reading and retrying works.
	e.CallOK("update_incident", map[string]any{"workspace": ws.Alias, "incident": 1501, "severity": "High"})
	if got := e.read(ws, 1501); got.Properties.Severity != "High" || got.Properties.Owner.Email != "erin@contoso.com" {
		t.Errorf("after the retry: %+v", got.Properties)
	}
}

func TestReadOnlyModeHidesTheWrites(t *testing.T) {
	e := start(t, toolsettest.Options{})
	ws := e.workspace("contoso-prod", "ir-readonly")
	e.incident(ws, inc{Number: 1601, Age: h})
	names := e.ToolNames()
	for _, w := range []string{"update_incident", "assign_incident", "close_incident", "add_incident_comment"} {
		if slices.Contains(names, w) {
			t.Errorf("%s is listed in read-only mode", w)
		}
	}
	for _, r := range []string{"list_incidents", "get_incident", "list_incident_comments"} {
		if !slices.Contains(names, r) {
			t.Errorf("%s is not listed", r)
		}
	}
	res, err := e.Session.CallTool(context.Background(), &mcp.CallToolParams{Name: "close_incident",
		Arguments: map[string]any{"workspace": ws.Alias, "incident": 1601, "classification": "Undetermined"}})
	if err == nil && !res.IsError {
		t.Errorf("a hidden write could be called: %+v", res)
	}
	if got := e.read(ws, 1601); got.Properties.Status != "New" {
		t.Errorf("read-only mode changed the incident: %+v", got.Properties)
	}
}

func TestTenantsOutsideTheAllowListAreRefused(t *testing.T) {
	e := start(t, toolsettest.Options{Writes: true, Configure: func(c *config.Config) { c.Azure.AllowedTenants = []string{"contoso"} }})
	cp := e.workspace("contoso-prod", "ir-allowed")
	fb := e.workspace("fabrikam-sentinel", "ir-refused")
	e.incident(cp, inc{Number: 1701, Age: h, Labels: []string{"mcpt-allowlist"}})
	e.incident(fb, inc{Number: 1702, Age: h, Labels: []string{"mcpt-allowlist"}})
	n := e.RequestCount()
	for tool, args := range map[string]map[string]any{
		"get_incident":    {"workspace": fb.Alias, "incident": 1702},
		"close_incident":  {"workspace": fb.Alias, "incident": 1702, "classification": "Undetermined"},
		"list_incidents":  {"workspaces": []string{cp.Alias, fb.Alias}},
		"assign_incident": {"workspace": "fabrikam/fabrikam-sentinel", "incident": 1, "owner": "unassigned"},
	} {
		if msg := e.CallError(tool, args); !strings.Contains(msg, "not in the allow-list") {
			t.Errorf("%s on fabrikam: %s", tool, msg)
		}
	}
	for _, req := range e.Requests()[n:] {
		if strings.Contains(req, subscriptionPath(fb)) {
			t.Errorf("a refused call reached fabrikam: %s", req)
		}
	}
	if msg := e.CallError("list_incidents", map[string]any{"tenant": "fabrikam"}); !strings.Contains(msg, "allow-list") {
		t.Errorf("tenant fabrikam: %s", msg)
	}
	out, got, _ := e.list(map[string]any{"search": "mcpt-allowlist"})
	if !slices.Equal(got, []int64{1701}) {
		t.Errorf("all workspaces within the allow-list: %v", got)
	}
	for _, o := range out.Workspaces {
		if !strings.HasPrefix(o.Workspace, "contoso/") {
			t.Errorf("listed %s", o.Workspace)
		}
	}
}

// subscriptionPath is the subscription path of a test workspace (what its requests carry).
func subscriptionPath(ws testWS) string { return strings.Split(ws.ResourceID, "/resourceGroups/")[0] }

func TestTriagePromptNamesTheTools(t *testing.T) {
	e := start(t, toolsettest.Options{Writes: true})
	res, err := e.Session.GetPrompt(context.Background(), &mcp.GetPromptParams{Name: "triage_incident", Arguments: map[string]string{"workspace": "contoso/contoso-prod", "incident": "42"}})
	if err != nil {
		t.Fatal(err)
	}
	text := promptText(res)
	names := e.ToolNames()
	for _, tool := range []string{"get_incident", "list_incidents", "list_incident_comments", "assign_incident", "update_incident", "add_incident_comment", "close_incident"} {
		if !strings.Contains(text, tool) {
			t.Errorf("the prompt does not mention %s", tool)
		}
		if !slices.Contains(names, tool) {
			t.Errorf("the prompt names %s, which is not a tool", tool)
		}
	}
	if !strings.Contains(text, "workspace contoso/contoso-prod") || !strings.Contains(text, "incident 42") {
		t.Errorf("prompt: %s", text)
	}
}

func promptText(res *mcp.GetPromptResult) string {
	var b strings.Builder
	for _, m := range res.Messages {
		if tc, ok := m.Content.(*mcp.TextContent); ok {
			b.WriteString(tc.Text)
		}
	}
	return b.String()
}

// Every incident write sends the etag it read: closing or assigning an incident that someone else
// changed meanwhile is refused as well, and leaves the other change standing.
func TestEveryWriteRefusesAStaleEtag(t *testing.T) {
	e := start(t, toolsettest.Options{Writes: true})
	ws := e.workspace("contoso-prod", "ir-conflicts")
	w, _ := e.Registry.Resolve(context.Background(), ws.Alias)
	c, _ := sentinel.New(e.Provider, w)
	for i, call := range []struct {
		tool string
		args map[string]any
	}{
		{"close_incident", map[string]any{"classification": "FalsePositive", "classification_reason": "InaccurateData"}},
		{"assign_incident", map[string]any{"owner": "frank@contoso.com"}},
	} {
		n := int64(1551 + i)
		id := e.incident(ws, inc{Number: n, Status: "Active", Age: h})
		fid, err := e.Emulator.Faults().Add(emulator.Fault{Route: id, Method: "PUT", Latency: 1500 * time.Millisecond, Times: 1})
		if err != nil {
			t.Fatal(err)
		}
		args := map[string]any{"workspace": ws.Alias, "incident": n}
		for k, v := range call.args {
			args[k] = v
		}
		done := make(chan *toolsettest.Result, 1)
		go func() { done <- e.Call(call.tool, args) }()
		for deadline := time.Now().Add(20 * time.Second); e.Emulator.Faults().Hits(fid) == 0; time.Sleep(time.Millisecond) {
			if time.Now().After(deadline) {
				t.Fatalf("%s never sent its PUT", call.tool)
			}
		}
		other := e.read(ws, n)
		other.Properties.Severity = "High"
		if _, err := c.PutIncident(context.Background(), other); err != nil {
			t.Fatal(err)
		}
		r := <-done
		if !r.IsError || !strings.Contains(r.Text, "nothing was changed") {
			t.Errorf("%s with a stale etag: %s", call.tool, r.Text)
		}
		got := e.read(ws, n).Properties
		if got.Severity != "High" || got.Status != "Active" || got.Owner.Assigned() {
			t.Errorf("%s: after the conflict %+v (the other change must stand, the tool's must not)", call.tool, got)
		}
		if ch := e.changes(call.tool); len(ch) != 0 {
			t.Errorf("%s: a refused write recorded changes: %+v", call.tool, ch)
		}
	}
}

// An incident closed in the portal (not by this tool) is reopened to New: the verdict goes, and the
// audit record shows it closed before and open after.
func TestReopenAnIncidentClosedElsewhere(t *testing.T) {
	e := start(t, toolsettest.Options{Writes: true})
	ws := e.workspace("contoso-prod", "ir-reopen")
	e.incident(ws, inc{Number: 1951, Status: "Closed", Class: "BenignPositive", Reason: "SuspiciousButExpected", Owner: "alice@contoso.com", Age: 30 * h})
	r := e.CallOK("update_incident", map[string]any{"workspace": ws.Alias, "incident": 1951, "status": "New"})
	if !strings.Contains(r.Text, "status: Closed -> New") || !strings.Contains(r.Text, "classification: BenignPositive -> (none)") {
		t.Errorf("reopen answer: %s", r.Text)
	}
	got := e.read(ws, 1951).Properties
	if got.Status != "New" || got.Classification != "" || got.ClassificationReason != "" || got.Owner.Email != "alice@contoso.com" {
		t.Errorf("reopened: %+v", got)
	}
	ch := e.changes("update_incident")
	if len(ch) != 1 || props(t, ch[0].Before)["status"] != "Closed" || props(t, ch[0].Before)["classification"] != "BenignPositive" ||
		props(t, ch[0].After)["status"] != "New" {
		t.Errorf("audit of the reopen: %+v", ch)
	}
	// It is listed among the open incidents again.
	if _, ns, text := e.list(map[string]any{"workspace": ws.Alias}); len(ns) != 1 || ns[0] != 1951 {
		t.Errorf("open incidents after the reopen: %v\n%s", ns, text)
	}
}
