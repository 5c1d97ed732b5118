package azure

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/sentinel-mcp/sentinel-mcp/internal/config"
	"github.com/sentinel-mcp/sentinel-mcp/internal/emulator"
	"github.com/sentinel-mcp/sentinel-mcp/internal/emulator/world"
)

func sentinelPath(ws, rest string) string {
	return world.MustWorkspace(ws).ResourceID + "/providers/Microsoft.SecurityInsights/" + rest
}

func TestGetJSONThroughLighthouse(t *testing.T) {
	v := newEnv(t, emulator.Options{}, nil)
	a := v.arm(t, managing)
	ws := world.MustWorkspace(world.WSContosoProd)
	var doc struct {
		Name       string `json:"name"`
		Properties struct {
			CustomerID string `json:"customerId"`
		} `json:"properties"`
	}
	resp, err := a.GetJSON(ctx(t), ws.ResourceID, &doc)
	if err != nil {
		t.Fatal(err)
	}
	if doc.Name != ws.Name || doc.Properties.CustomerID != ws.CustomerID || resp.Status != 200 {
		t.Errorf("workspace = %+v (status %d)", doc, resp.Status)
	}
	// the default api-version of the provider was sent
	if got := v.cnt.requests(); !strings.Contains(strings.Join(got, "\n"), "GET "+ws.ResourceID) {
		t.Errorf("requests: %v", got)
	}
}

// seedIncidents creates n incidents in a workspace (besides those the emulator seeds).
func seedIncidents(t *testing.T, a *ARM, ws string, n int) string {
	t.Helper()
	path := sentinelPath(ws, "incidents")
	for i := 0; i < n; i++ {
		body := map[string]any{"properties": map[string]any{"title": fmt.Sprintf("Test incident %d", i), "severity": "Low", "status": "New"}}
		if _, err := a.Put(ctx(t), fmt.Sprintf("%s/%s", path, world.GUID(fmt.Sprintf("test-incident-%d", i))), body, nil); err != nil {
			t.Fatal(err)
		}
	}
	return path
}

func TestListFollowsNextLinkWithCaps(t *testing.T) {
	v := newEnv(t, emulator.Options{PageSize: 2}, nil)
	a := v.arm(t, managing)
	seeded := len(world.SeededFacts().AllIncidentsIn(world.WSContosoProd))
	path := seedIncidents(t, a, world.WSContosoProd, 7)
	all, err := a.List(ctx(t), path, nil)
	if err != nil {
		t.Fatal(err)
	}
	if want := seeded + 7; len(all.Items) != want || all.Pages != (want+1)/2 || all.Truncated {
		t.Fatalf("listed %d items in %d pages (truncated %v): want %d over pages of 2", len(all.Items), all.Pages, all.Truncated, want)
	}
	seen := map[string]bool{}
	for _, it := range all.Items {
		var d struct{ ID string }
		_ = json.Unmarshal(it, &d)
		if seen[d.ID] {
			t.Errorf("item %s listed twice", d.ID)
		}
		seen[d.ID] = true
	}

	capped, err := a.List(ctx(t), path, &ListOptions{MaxItems: 3})
	if err != nil {
		t.Fatal(err)
	}
	if len(capped.Items) != 3 || !capped.Truncated {
		t.Errorf("MaxItems 3: %d items, truncated %v", len(capped.Items), capped.Truncated)
	}
	pages, err := a.List(ctx(t), path, &ListOptions{MaxPages: 2})
	if err != nil {
		t.Fatal(err)
	}
	if len(pages.Items) != 4 || !pages.Truncated || pages.NextLink == "" || pages.Pages != 2 {
		t.Errorf("MaxPages 2: %d items, truncated %v, next %q", len(pages.Items), pages.Truncated, pages.NextLink)
	}
	// the nextLink resumes the listing
	rest, err := a.List(ctx(t), pages.NextLink, nil)
	if err != nil {
		t.Fatal(err)
	}
	if len(pages.Items)+len(rest.Items) != len(all.Items) {
		t.Errorf("resumed listing: %d + %d items, want %d", len(pages.Items), len(rest.Items), len(all.Items))
	}
}

func TestListStopsOnCancel(t *testing.T) {
	v := newEnv(t, emulator.Options{PageSize: 1}, nil)
	a := v.arm(t, managing)
	path := seedIncidents(t, a, world.WSContosoProd, 8)
	addFault(t, v.e, emulator.Fault{Route: "/subscriptions/**/incidents", Method: "GET", Latency: 100 * time.Millisecond})
	c, cancel := context.WithCancel(context.Background())
	time.AfterFunc(250*time.Millisecond, cancel)
	start := time.Now()
	res, err := a.List(c, path, nil)
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("err = %v, want context.Canceled", err)
	}
	if time.Since(start) > 2*time.Second || res.Pages > 3 {
		t.Errorf("listing went on after cancellation: %d pages in %s", res.Pages, time.Since(start))
	}
}

func TestRefusesForeignHosts(t *testing.T) {
	v := newEnv(t, emulator.Options{}, nil)
	a := v.arm(t, managing)
	_, err := a.GetJSON(ctx(t), "https://attacker.example.com/subscriptions?api-version=2022-12-01", nil)
	if err == nil || !strings.Contains(err.Error(), "refusing to send credentials") {
		t.Fatalf("err = %v", err)
	}
	if n := len(v.cnt.armRequests()); n != 0 {
		t.Errorf("%d requests sent", n)
	}
}

func TestErrorsAreActionable(t *testing.T) {
	v := newEnv(t, emulator.Options{}, nil)
	a := v.arm(t, managing)

	_, err := a.GetJSON(ctx(t), sentinelPath(world.WSContosoProd, "incidents/does-not-exist"), nil)
	if !IsNotFound(err) || IsConflict(err) {
		t.Fatalf("missing rule: %v", err)
	}
	e, _ := AsError(err)
	if e.Code == "" || e.Status != 404 || !strings.Contains(err.Error(), "404 "+e.Code) {
		t.Errorf("404 error: %+v / %v", e, err)
	}

	_, err = a.GetJSON(ctx(t), world.MustWorkspace(world.WSAdatumSentinel).ResourceID, nil)
	if !IsForbidden(err) || !strings.Contains(err.Error(), "AuthorizationFailed") || !strings.Contains(err.Error(), "role assignment or Lighthouse delegation") {
		t.Fatalf("adatum: %v", err)
	}
	for _, bad := range []string{"{", "\n", "RESPONSE", "goroutine", "Bearer"} {
		if strings.Contains(err.Error(), bad) {
			t.Errorf("error text contains %q: %s", bad, err)
		}
	}

	// optimistic concurrency: a stale If-Match is refused
	rulePath := seedIncidents(t, a, world.WSContosoProd, 1) + "/" + world.GUID("test-incident-0")
	var rule map[string]any
	resp, err := a.GetJSON(ctx(t), rulePath, &rule)
	if err != nil {
		t.Fatal(err)
	}
	etag := resp.ETag()
	if etag == "" {
		t.Fatal("no etag on the rule")
	}
	if _, err := a.Put(ctx(t), rulePath, rule, &WriteOptions{IfMatch: etag}); err != nil {
		t.Fatalf("PUT with the current etag: %v", err)
	}
	_, err = a.Put(ctx(t), rulePath, rule, &WriteOptions{IfMatch: etag})
	if !IsConflict(err) || !strings.Contains(err.Error(), "read it again") {
		t.Fatalf("stale etag: %v", err)
	}
}

func TestLongRunningPutAndDelete(t *testing.T) {
	v := newEnv(t, emulator.Options{AsyncDelay: 60 * time.Millisecond}, nil)
	a := v.arm(t, managing)
	ws := world.MustWorkspace(world.WSContosoProd)
	tablePath := ws.ResourceID + "/tables/LroTest_CL"
	body := map[string]any{"properties": map[string]any{"schema": map[string]any{"name": "LroTest_CL",
		"columns": []any{map[string]any{"name": "TimeGenerated", "type": "datetime"}, map[string]any{"name": "Msg", "type": "string"}}}}}
	var progress []Progress
	resp, err := a.Put(ctx(t), tablePath, body, &WriteOptions{Progress: func(p Progress) { progress = append(progress, p) }})
	if err != nil {
		t.Fatal(err)
	}
	if len(progress) == 0 || !strings.EqualFold(progress[len(progress)-1].Status, "Succeeded") {
		t.Errorf("progress = %+v", progress)
	}
	if st := provisioningState(resp.Body); st != "Succeeded" || resp.Status != 200 {
		t.Errorf("final resource: %d %s", resp.Status, resp.Body)
	}

	// NoWait returns the operation's first answer
	first, err := a.Delete(ctx(t), tablePath, &WriteOptions{NoWait: true})
	if err != nil {
		t.Fatal(err)
	}
	if first.Status != http.StatusAccepted || first.Header.Get("Azure-AsyncOperation") == "" {
		t.Errorf("delete first answer: %d %v", first.Status, first.Header)
	}
	if _, err := a.await(ctx(t), Request{Method: http.MethodDelete, Path: tablePath}, first, &WriteOptions{}); err != nil {
		t.Fatal(err)
	}
	if _, err := a.GetJSON(ctx(t), tablePath, nil); !IsNotFound(err) {
		t.Errorf("table after its delete operation: %v", err)
	}
}

// An operation announced with a Location header only: polled until it stops answering 202.
func TestLongRunningByLocation(t *testing.T) {
	v := newEnv(t, emulator.Options{AsyncDelay: 60 * time.Millisecond}, nil)
	a := v.arm(t, managing)
	tablePath := world.MustWorkspace(world.WSContosoDev).ResourceID + "/tables/LocTest_CL"
	body := map[string]any{"properties": map[string]any{"schema": map[string]any{"name": "LocTest_CL",
		"columns": []any{map[string]any{"name": "TimeGenerated", "type": "datetime"}}}}}
	first, err := a.Put(ctx(t), tablePath, body, &WriteOptions{NoWait: true})
	if err != nil {
		t.Fatal(err)
	}
	loc := first.Header.Get("Location")
	if first.Status != http.StatusAccepted || loc == "" {
		t.Fatalf("first answer %d without Location", first.Status)
	}
	only := &Response{Status: first.Status, Header: http.Header{"Location": {loc}}}
	for _, h := range []string{"Retry-After", "Retry-After-Ms"} {
		only.Header.Set(h, first.Header.Get(h))
	}
	polls := 0
	final, err := a.await(ctx(t), Request{Method: http.MethodPut, Path: tablePath}, only, &WriteOptions{Progress: func(Progress) { polls++ }})
	if err != nil {
		t.Fatal(err)
	}
	if polls == 0 || final.Status == http.StatusAccepted {
		t.Errorf("polls %d, final status %d", polls, final.Status)
	}
	if _, err := a.GetJSON(ctx(t), tablePath, nil); err != nil {
		t.Errorf("table after the operation: %v", err)
	}
}

func TestResourceGraphPages(t *testing.T) {
	v := newEnv(t, emulator.Options{}, nil)
	a := v.arm(t, managing)
	q := GraphQuery{Query: "resources | where type =~ 'microsoft.operationalinsights/workspaces' | project id, name", PageSize: 2}
	res, err := a.ResourceGraph(ctx(t), q)
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Rows) != res.TotalRecords || res.TotalRecords < 5 {
		t.Fatalf("rows %d of %d", len(res.Rows), res.TotalRecords)
	}
	names := map[string]bool{}
	for _, r := range res.Rows {
		var row struct{ Name string }
		_ = json.Unmarshal(r, &row)
		names[row.Name] = true
	}
	if !names[world.WSNorthwindOps] || names[world.WSAdatumSentinel] || names[world.WSLitwareSentinel] {
		t.Errorf("workspaces seen by Woodgrove's app: %v", names)
	}
	capped, err := a.ResourceGraph(ctx(t), GraphQuery{Query: q.Query, PageSize: 2, MaxRows: 3})
	if err != nil {
		t.Fatal(err)
	}
	if len(capped.Rows) != 3 || !capped.Truncated {
		t.Errorf("MaxRows 3: %d rows, truncated %v", len(capped.Rows), capped.Truncated)
	}
	_, err = a.ResourceGraph(ctx(t), GraphQuery{Query: "resources | frobnicate"})
	if e, ok := AsError(err); !ok || e.Status != 400 || !strings.Contains(err.Error(), "frobnicate") {
		t.Errorf("bad query: %v", err)
	}
}

func TestAPIVersionFallback(t *testing.T) {
	key := "microsoft.securityinsights"
	saved := defaultAPIVersions[key]
	defaultAPIVersions[key] = append([]string{"2019-01-01"}, saved...)
	t.Cleanup(func() { defaultAPIVersions[key] = saved })

	v := newEnv(t, emulator.Options{}, nil)
	a := v.arm(t, managing)
	path := sentinelPath(world.WSContosoProd, "onboardingStates/default")
	for i := 0; i < 2; i++ {
		if _, err := a.GetJSON(ctx(t), path, nil); err != nil {
			t.Fatal(err)
		}
	}
	if n := len(v.cnt.armRequests()); n != 3 {
		t.Errorf("%d requests: want one refused version, then the fallback twice (learned)", n)
	}

	// a configured version is the operator's choice: no silent fallback
	w := newEnv(t, emulator.Options{}, func(c *config.Azure) { c.APIVersions = map[string]string{"Microsoft.SecurityInsights": "2019-01-01"} })
	_, err := w.arm(t, managing).GetJSON(ctx(t), path, nil)
	if e, ok := AsError(err); !ok || e.Code != "InvalidApiVersionParameter" {
		t.Errorf("configured bad version: %v", err)
	}
}

func TestProviderKeys(t *testing.T) {
	cases := map[string]string{
		"/subscriptions":                  "microsoft.resources",
		"/subscriptions/x/resourceGroups": "microsoft.resources",
		"/subscriptions/s/resourceGroups/r/providers/Microsoft.OperationalInsights/workspaces/w/providers/Microsoft.SecurityInsights/incidents/i/comments/c": "microsoft.securityinsights/incidents/comments",
		"/subscriptions/s/resourceGroups/r/providers/Microsoft.Insights/workbooks/x?category=sentinel":                                                       "microsoft.insights/workbooks",
	}
	for path, want := range cases {
		if got := providerKeys(path)[0]; got != want {
			t.Errorf("%s: %s, want %s", path, got, want)
		}
	}
	v := newAPIVersions(map[string]string{"Microsoft.SecurityInsights/settings": "2024-01-01-preview"})
	if ver, _, conf := v.forPath("/x/providers/Microsoft.SecurityInsights/settings/Ueba"); ver != "2024-01-01-preview" || !conf {
		t.Errorf("override by type: %s %v", ver, conf)
	}
	if ver, _, _ := v.forPath("/x/providers/Microsoft.SecurityInsights/incidents"); ver != defaultAPIVersions["microsoft.securityinsights"][0] {
		t.Errorf("default: %s", ver)
	}
}
