package contract

import (
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/policy"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/runtime"
	oi "github.com/Azure/azure-sdk-for-go/sdk/resourcemanager/operationalinsights/armoperationalinsights/v2"
	subs "github.com/Azure/azure-sdk-for-go/sdk/resourcemanager/resources/armsubscriptions"
	si "github.com/Azure/azure-sdk-for-go/sdk/resourcemanager/securityinsights/armsecurityinsights/v2"

	"github.com/sentinel-mcp/sentinel-mcp/internal/emulator"
	"github.com/sentinel-mcp/sentinel-mcp/internal/emulator/world"
)

// The faithful behaviours of the emulator (issue: paging, etag conflicts, long-running operations,
// 401/403 across tenants, throttling and its retry, 404 and api-version errors), each exercised through
// the pinned Azure SDK clients, which is how the product meets them.

// armError is the ARM error body, decoded from an SDK error's raw response.
type armError struct {
	Error struct {
		Code    string `json:"code"`
		Message string `json:"message"`
	} `json:"error"`
}

// responseError asserts err is an azcore.ResponseError with the status and ARM error code, and
// returns the decoded body.
func responseError(t *testing.T, err error, status int, code string) armError {
	t.Helper()
	var re *azcore.ResponseError
	if !errors.As(err, &re) {
		t.Fatalf("want a %d %s response error, got %v", status, code, err)
	}
	var body armError
	if re.RawResponse != nil {
		b, _ := runtime.Payload(re.RawResponse)
		if jerr := json.Unmarshal(b, &body); jerr != nil {
			t.Errorf("%d %s: the body is not an ARM error: %q", status, code, b)
		}
	}
	if re.StatusCode != status || re.ErrorCode != code || body.Error.Code != code || body.Error.Message == "" {
		t.Errorf("got %d %q (body %+v), want %d %s", re.StatusCode, re.ErrorCode, body, status, code)
	}
	return body
}

// Lists cross pages by nextLink with a small page size: the SDK pagers follow the links, every item
// comes exactly once, and each link is an absolute URL carrying the api-version and a $skipToken.
func TestPagingThroughSDK(t *testing.T) {
	h := newHarness(t, emulator.Options{PageSize: 4})
	c, err := si.NewIncidentsClient(h.sub, h.cred, h.opts)
	must(t, err)
	seen := map[string]bool{}
	pages := 0
	for p := c.NewListPager(h.rg, h.ws, nil); p.More(); {
		page, err := p.NextPage(h.ctx())
		must(t, err)
		pages++
		if len(page.Value) > 4 {
			t.Fatalf("page %d has %d items, page size 4", pages, len(page.Value))
		}
		for _, inc := range page.Value {
			if seen[*inc.Name] {
				t.Errorf("incident %s listed twice", *inc.Name)
			}
			seen[*inc.Name] = true
		}
		if page.NextLink != nil {
			u, err := url.Parse(*page.NextLink)
			if err != nil || !u.IsAbs() || u.Query().Get("api-version") == "" || u.Query().Get("$skipToken") == "" {
				t.Errorf("nextLink %q: want an absolute URL with api-version and $skipToken", *page.NextLink)
			}
		}
	}
	want := len(world.SeededFacts().AllIncidentsIn(h.ws))
	if len(seen) != want || pages != (want+3)/4 {
		t.Errorf("%d incidents over %d pages, want %d over %d", len(seen), pages, want, (want+3)/4)
	}

	// The subscription list (managing tenant: its own and the delegated ones) pages the same way.
	h2 := newHarness(t, emulator.Options{PageSize: 2})
	sc, err := subs.NewClient(h2.cred, h2.opts)
	must(t, err)
	var names []string
	pages = 0
	for p := sc.NewListPager(nil); p.More(); {
		page, err := p.NextPage(h2.ctx())
		must(t, err)
		pages++
		for _, s := range page.Value {
			names = append(names, *s.DisplayName)
		}
	}
	if len(names) != 4 || pages != 2 {
		t.Errorf("subscriptions %v over %d pages, want 4 over 2", names, pages)
	}

	// A $skipToken the emulator did not issue is refused, not treated as the first page.
	status, body := h.rawARM(http.MethodGet, h.wsID+"/providers/Microsoft.SecurityInsights/incidents?$skipToken=not-a-token", "2025-06-01", nil)
	if status != http.StatusBadRequest || !strings.Contains(string(body), "InvalidSkipToken") {
		t.Errorf("forged $skipToken: %d %s", status, body)
	}
}

// A write carrying a stale etag (Sentinel's optimistic concurrency is the body etag) is a 409 Conflict
// with Azure's message, and changes nothing; the current etag is accepted and replaced.
func TestStaleEtagConflictThroughSDK(t *testing.T) {
	h := newHarness(t, emulatorOptions())
	c, err := si.NewIncidentsClient(h.sub, h.cred, h.opts)
	must(t, err)
	name := world.SeededFacts().AllIncidentsIn(h.ws)[0].Name
	read, err := c.Get(h.ctx(), h.rg, h.ws, name, nil)
	must(t, err)
	if read.Etag == nil || *read.Etag == "" {
		t.Fatal("incident without an etag")
	}
	first := read.Incident
	fp := *read.Properties // the SDK models share pointers: copy before changing
	first.Properties = &fp
	first.Properties.Title = ptr("Reviewed by the SOC")
	updated, err := c.CreateOrUpdate(h.ctx(), h.rg, h.ws, name, first, nil)
	must(t, err)
	if updated.Etag == nil || *updated.Etag == *read.Etag {
		t.Fatalf("etag after a write: %v (was %s)", updated.Etag, *read.Etag)
	}

	stale := read.Incident // still the etag read before the first write
	sp := *read.Properties
	stale.Properties = &sp
	stale.Properties.Title = ptr("Overwritten")
	stale.Properties.Severity = ptr(si.IncidentSeverityInformational)
	_, err = c.CreateOrUpdate(h.ctx(), h.rg, h.ws, name, stale, nil)
	body := responseError(t, err, http.StatusConflict, "Conflict")
	if !strings.Contains(body.Error.Message, "Newer version of resource") || !strings.Contains(body.Error.Message, "Data was not saved") {
		t.Errorf("conflict message: %q", body.Error.Message)
	}
	now, err := c.Get(h.ctx(), h.rg, h.ws, name, nil)
	must(t, err)
	if *now.Etag != *updated.Etag || *now.Properties.Title != "Reviewed by the SOC" || *now.Properties.Severity != *read.Properties.Severity {
		t.Errorf("the refused write changed the incident: etag %s, title %q, severity %s", *now.Etag, *now.Properties.Title, *now.Properties.Severity)
	}

	// Watchlists follow the same rule.
	wc, err := si.NewWatchlistsClient(h.sub, h.cred, h.opts)
	must(t, err)
	alias := world.SeededFacts().Watchlists[0]
	wl, err := wc.Get(h.ctx(), h.rg, h.ws, alias, nil)
	must(t, err)
	put := func(w si.Watchlist, desc string) error {
		wp := *w.Properties
		w.Properties = &wp
		w.Properties.Description = ptr(desc)
		w.Properties.RawContent, w.Properties.NumberOfLinesToSkip = nil, nil
		p, err := wc.BeginCreateOrUpdate(h.ctx(), h.rg, h.ws, alias, w, nil)
		if err != nil {
			return err
		}
		_, err = p.PollUntilDone(h.ctx(), pollFast)
		return err
	}
	must(t, put(wl.Watchlist, "first"))
	responseError(t, put(wl.Watchlist, "second"), http.StatusConflict, "Conflict")
	if got, _ := wc.Get(h.ctx(), h.rg, h.ws, alias, nil); got.Properties == nil || *got.Properties.Description != "first" {
		t.Errorf("the refused watchlist write changed it: %+v", got.Properties)
	}
}

// Table writes are long-running: 202 with Azure-AsyncOperation, Location and Retry-After; while the
// operation runs the table reads provisioningState Updating and the Location URL answers 202; the SDK
// poller ends on Succeeded; then Location answers 200 with the table and the delete takes it away.
func TestLongRunningOperationsThroughSDK(t *testing.T) {
	h := newHarness(t, emulator.Options{AsyncDelay: 400 * time.Millisecond})
	c, err := oi.NewTablesClient(h.sub, h.cred, h.opts)
	must(t, err)
	const table = "Lro_CL"
	body, _ := json.Marshal(map[string]any{"properties": map[string]any{"retentionInDays": 40, "schema": map[string]any{"name": table,
		"columns": []any{map[string]any{"name": "TimeGenerated", "type": "datetime"}, map[string]any{"name": "Message", "type": "string"}}}}})
	var first *http.Response
	poller, err := c.BeginCreateOrUpdate(withCapture(h, &first), h.rg, h.ws, table, decodeInto[oi.Table](t, body), nil)
	must(t, err)
	if first == nil || first.StatusCode != http.StatusAccepted || poller.Done() {
		t.Fatalf("table PUT: want 202 and a running operation, got %v", first)
	}
	async, loc := first.Header.Get("Azure-AsyncOperation"), first.Header.Get("Location")
	if async == "" || loc == "" || first.Header.Get("Retry-After") == "" {
		t.Fatalf("202 headers: Azure-AsyncOperation %q, Location %q, Retry-After %q", async, loc, first.Header.Get("Retry-After"))
	}
	running, err := c.Get(h.ctx(), h.rg, h.ws, table, nil)
	must(t, err)
	if ps := running.Properties.ProvisioningState; ps == nil || *ps != oi.ProvisioningStateEnumInProgress {
		t.Errorf("provisioningState while the creation runs: %v", deref(ps))
	}
	if st, _ := h.rawURL(http.MethodGet, loc); st != http.StatusAccepted {
		t.Errorf("Location while the operation runs: %d, want 202", st)
	}
	st, opBody := h.rawURL(http.MethodGet, async)
	var op struct{ Status, StartTime string }
	if st != http.StatusOK || json.Unmarshal(opBody, &op) != nil || op.Status != "InProgress" || op.StartTime == "" {
		t.Errorf("Azure-AsyncOperation while running: %d %s", st, opBody)
	}
	done, err := poller.PollUntilDone(h.ctx(), pollFast)
	must(t, err)
	if ps := done.Properties.ProvisioningState; ps == nil || *ps != oi.ProvisioningStateEnumSucceeded || *done.Properties.RetentionInDays != 40 {
		t.Errorf("table after the operation: %+v", done.Properties)
	}
	st, final := h.rawURL(http.MethodGet, loc)
	if st != http.StatusOK || !strings.Contains(string(final), `"provisioningState":"Succeeded"`) {
		t.Errorf("Location after the operation: %d %s", st, final)
	}
	st, opBody = h.rawURL(http.MethodGet, async)
	if st != http.StatusOK || !strings.Contains(string(opBody), `"status":"Succeeded"`) || !strings.Contains(string(opBody), `"endTime"`) {
		t.Errorf("Azure-AsyncOperation after the operation: %d %s", st, opBody)
	}

	// An update of an existing table reads Updating while it runs.
	up, err := c.BeginUpdate(h.ctx(), h.rg, h.ws, table, oi.Table{Properties: &oi.TableProperties{RetentionInDays: ptr(int32(50))}}, nil)
	must(t, err)
	if updating, err := c.Get(h.ctx(), h.rg, h.ws, table, nil); err != nil || updating.Properties.ProvisioningState == nil ||
		*updating.Properties.ProvisioningState != oi.ProvisioningStateEnumUpdating {
		t.Errorf("provisioningState while the update runs: %v %v", err, deref(updating.Properties.ProvisioningState))
	}
	updated, err := up.PollUntilDone(h.ctx(), pollFast)
	must(t, err)
	if *updated.Properties.RetentionInDays != 50 || *updated.Properties.ProvisioningState != oi.ProvisioningStateEnumSucceeded {
		t.Errorf("table after the update: retention %d, %s", *updated.Properties.RetentionInDays, *updated.Properties.ProvisioningState)
	}

	dp, err := c.BeginDelete(h.ctx(), h.rg, h.ws, table, nil)
	must(t, err)
	if dp.Done() {
		t.Error("table delete finished without an operation")
	}
	deleting, err := c.Get(h.ctx(), h.rg, h.ws, table, nil)
	if err != nil || deleting.Properties.ProvisioningState == nil || *deleting.Properties.ProvisioningState != oi.ProvisioningStateEnumDeleting {
		t.Errorf("provisioningState while deleting: %v %v", err, deref(deleting.Properties.ProvisioningState))
	}
	_, err = dp.PollUntilDone(h.ctx(), pollFast)
	must(t, err)
	_, err = c.Get(h.ctx(), h.rg, h.ws, table, nil)
	responseError(t, err, http.StatusNotFound, "ResourceNotFound")
}

// rawURL GETs an absolute URL (a polling URL) through the ARM pipeline.
func (h *harness) rawURL(method, u string) (int, []byte) {
	h.t.Helper()
	p, err := url.Parse(u)
	must(h.t, err)
	path := p.Path
	if p.RawQuery != "" {
		path += "?" + p.RawQuery
	}
	return h.rawARM(method, path, "", nil)
}

// Access follows tenants and Lighthouse: a principal reads its own tenant's subscriptions and those
// delegated to its tenant, nothing else; refusals are Azure's 403 AuthorizationFailed, missing or
// wrong tokens Azure's 401 with a WWW-Authenticate challenge.
func TestCrossTenantAccessThroughSDK(t *testing.T) {
	h := newHarness(t, emulatorOptions())
	subsOf := func(app world.Identity) map[string]bool {
		c, err := subs.NewClient(h.credential(app), h.opts)
		must(t, err)
		out := map[string]bool{}
		for p := c.NewListPager(nil); p.More(); {
			page, err := p.NextPage(h.ctx())
			must(t, err)
			for _, s := range page.Value {
				out[*s.DisplayName] = true
			}
		}
		return out
	}
	cases := []struct {
		app  world.Identity
		want []string
	}{
		{world.ManagingApp, []string{"woodgrove-soc", "contoso-prod", "fabrikam-main", "northwind-it"}},
		{world.ReadOnlyApp, []string{"woodgrove-soc", "contoso-prod", "fabrikam-main", "northwind-it"}},
		{world.LitwareApp, []string{"litware-sec"}},
		{world.AdatumApp, []string{"adatum-corp"}},
	}
	for _, c := range cases {
		got := subsOf(c.app)
		if len(got) != len(c.want) {
			t.Errorf("%s sees %v, want %v", c.app.DisplayName, got, c.want)
		}
		for _, w := range c.want {
			if !got[w] {
				t.Errorf("%s does not see %s: %v", c.app.DisplayName, w, got)
			}
		}
	}

	incidents := func(app world.Identity, wsName string) error {
		ws := world.MustWorkspace(wsName)
		c, err := si.NewIncidentsClient(ws.SubscriptionID, h.credential(app), h.opts)
		must(t, err)
		_, err = c.NewListPager(ws.ResourceGroup, ws.Name, nil).NextPage(h.ctx())
		return err
	}
	for _, c := range []struct {
		app world.Identity
		ws  string
	}{
		{world.ManagingApp, world.WSAdatumSentinel},  // not delegated
		{world.ManagingApp, world.WSLitwareSentinel}, // direct customer: only its own app
		{world.LitwareApp, world.WSContosoProd},      // another customer
		{world.AdatumApp, world.WSSocCentral},        // the managing tenant itself
		{world.AdatumApp, world.WSFabrikamSentinel},  // delegated, but not to Adatum
	} {
		body := responseError(t, incidents(c.app, c.ws), http.StatusForbidden, "AuthorizationFailed")
		for _, want := range []string{c.app.ClientID, c.app.ObjectID, "Microsoft.SecurityInsights/incidents/read", world.MustWorkspace(c.ws).SubscriptionID} {
			if !strings.Contains(body.Error.Message, want) {
				t.Errorf("%s on %s: the 403 message lacks %q: %s", c.app.DisplayName, c.ws, want, body.Error.Message)
			}
		}
	}
	for _, c := range []struct {
		app world.Identity
		ws  string
	}{{world.ManagingApp, world.WSContosoProd}, {world.ManagingApp, world.WSSocCentral}, {world.ReadOnlyApp, world.WSFabrikamSentinel},
		{world.LitwareApp, world.WSLitwareSentinel}, {world.AdatumApp, world.WSAdatumSentinel}} {
		if err := incidents(c.app, c.ws); err != nil {
			t.Errorf("%s on %s: %v", c.app.DisplayName, c.ws, err)
		}
	}

	// A reader delegation reads but does not write.
	ws := world.MustWorkspace(world.WSFabrikamSentinel)
	rc, err := si.NewIncidentsClient(ws.SubscriptionID, h.credential(world.ReadOnlyApp), h.opts)
	must(t, err)
	_, err = rc.CreateOrUpdate(h.ctx(), ws.ResourceGroup, ws.Name, world.GUID("reader-write"), si.Incident{Properties: &si.IncidentProperties{
		Title: ptr("x"), Severity: ptr(si.IncidentSeverityLow), Status: ptr(si.IncidentStatusNew)}}, nil)
	body := responseError(t, err, http.StatusForbidden, "AuthorizationFailed")
	if !strings.Contains(body.Error.Message, "Microsoft.SecurityInsights/incidents/write") {
		t.Errorf("reader write: %s", body.Error.Message)
	}

	// 401s: no token, a token for another audience (the query API's), a forged token.
	logsTok, err := h.credential(world.ManagingApp).GetToken(h.ctx(), policy.TokenRequestOptions{Scopes: []string{"https://api.loganalytics.io/.default"}})
	must(t, err)
	for _, c := range []struct{ authz, code string }{
		{"", "AuthenticationFailed"},
		{"Bearer " + logsTok.Token, "InvalidAuthenticationTokenAudience"},
		{"Bearer " + logsTok.Token[:len(logsTok.Token)-4] + "AAAA", "InvalidAuthenticationToken"},
	} {
		req, _ := http.NewRequest(http.MethodGet, h.e.URL()+"/subscriptions?api-version=2022-12-01", nil)
		if c.authz != "" {
			req.Header.Set("Authorization", c.authz)
		}
		resp, err := h.e.HTTPClient().Do(req)
		must(t, err)
		b, _ := io.ReadAll(resp.Body)
		_ = resp.Body.Close()
		var e armError
		_ = json.Unmarshal(b, &e)
		if resp.StatusCode != http.StatusUnauthorized || e.Error.Code != c.code || !strings.HasPrefix(resp.Header.Get("WWW-Authenticate"), "Bearer authorization_uri=") {
			t.Errorf("401 %s: got %d %s, WWW-Authenticate %q", c.code, resp.StatusCode, b, resp.Header.Get("WWW-Authenticate"))
		}
	}
}

// Throttling: an injected 429 carries Retry-After (and retry-after-ms below a second); the SDK waits
// and retries until the fault stops firing; when it never stops, the SDK gives up with Azure's 429 body.
// Every ARM answer reports the remaining quota in x-ms-ratelimit-remaining-* headers.
func TestThrottlingAndRetryThroughSDK(t *testing.T) {
	h := newHarness(t, emulatorOptions())
	c, err := si.NewIncidentsClient(h.sub, h.cred, h.opts)
	must(t, err)
	name := world.SeededFacts().AllIncidentsIn(h.ws)[0].Name
	_, err = c.Get(h.ctx(), h.rg, h.ws, name, nil) // warm up: token and deferred content
	must(t, err)

	id, err := h.e.Faults().Add(emulator.Fault{Route: "/subscriptions/**/incidents/*", Method: http.MethodGet, Tenant: world.Contoso,
		Status: http.StatusTooManyRequests, RetryAfter: 150 * time.Millisecond, Times: 2})
	must(t, err)
	start := time.Now()
	var raw *http.Response
	got, err := c.Get(withCapture(h, &raw), h.rg, h.ws, name, nil)
	must(t, err)
	if hits := h.e.Faults().Hits(id); hits != 2 || got.Name == nil || *got.Name != name {
		t.Errorf("fault fired %d times (want 2), got %v", hits, got.Name)
	}
	if d := time.Since(start); d < 300*time.Millisecond {
		t.Errorf("two retries after Retry-After 150ms took only %s", d)
	}
	h.e.Faults().Remove(id)

	// The fault is per tenant: another tenant's workspace is not throttled.
	other, err := h.e.Faults().Add(emulator.Fault{Route: "arm", Tenant: world.Fabrikam, Status: http.StatusTooManyRequests})
	must(t, err)
	_, err = c.Get(h.ctx(), h.rg, h.ws, name, nil)
	must(t, err)
	if n := h.e.Faults().Hits(other); n != 0 {
		t.Errorf("a Fabrikam fault fired %d times on a Contoso request", n)
	}
	h.e.Faults().Remove(other)

	forever, err := h.e.Faults().Add(emulator.Fault{Route: "arm", Status: http.StatusTooManyRequests, RetryAfter: 20 * time.Millisecond})
	must(t, err)
	var last *http.Response
	_, err = c.Get(withCapture(h, &last), h.rg, h.ws, name, nil)
	body := responseError(t, err, http.StatusTooManyRequests, "TooManyRequests")
	if !strings.Contains(body.Error.Message, "throttled") {
		t.Errorf("429 message: %q", body.Error.Message)
	}
	var re *azcore.ResponseError
	if errors.As(err, &re) && (re.RawResponse.Header.Get("Retry-After") == "" || re.RawResponse.Header.Get("retry-after-ms") != "20") {
		t.Errorf("429 headers: %v", re.RawResponse.Header)
	}
	if hits := h.e.Faults().Hits(forever); hits != 4 {
		t.Errorf("the SDK (3 retries) sent %d attempts, want 4", hits)
	}
	h.e.Faults().Remove(forever)

	// Remaining-quota headers, per operation kind and level.
	reads := func(r *http.Response) int {
		n, err := strconv.Atoi(r.Header.Get("x-ms-ratelimit-remaining-subscription-reads"))
		if err != nil {
			t.Fatalf("x-ms-ratelimit-remaining-subscription-reads %q", r.Header.Get("x-ms-ratelimit-remaining-subscription-reads"))
		}
		return n
	}
	var r1, r2 *http.Response
	_, err = c.Get(withCapture(h, &r1), h.rg, h.ws, name, nil)
	must(t, err)
	_, err = c.Get(withCapture(h, &r2), h.rg, h.ws, name, nil)
	must(t, err)
	if a, b := reads(r1), reads(r2); b >= a+1 || a > 249 || r1.Header.Get("x-ms-ratelimit-remaining-subscription-global-reads") == "" {
		t.Errorf("remaining reads %d then %d; global %q", a, b, r1.Header.Get("x-ms-ratelimit-remaining-subscription-global-reads"))
	}
	var w *http.Response
	_, err = c.CreateOrUpdate(withCapture(h, &w), h.rg, h.ws, world.GUID("quota-incident"), si.Incident{Properties: &si.IncidentProperties{
		Title: ptr("quota"), Severity: ptr(si.IncidentSeverityLow), Status: ptr(si.IncidentStatusNew)}}, nil)
	must(t, err)
	if w.Header.Get("x-ms-ratelimit-remaining-subscription-writes") == "" {
		t.Errorf("a write lacks x-ms-ratelimit-remaining-subscription-writes: %v", w.Header)
	}
	var d *http.Response
	_, err = c.Delete(withCapture(h, &d), h.rg, h.ws, world.GUID("quota-incident"), nil)
	must(t, err)
	if d.Header.Get("x-ms-ratelimit-remaining-subscription-deletes") == "" {
		t.Errorf("a delete lacks x-ms-ratelimit-remaining-subscription-deletes: %v", d.Header)
	}
	sc, _ := subs.NewClient(h.cred, h.opts)
	var tr *http.Response
	_, err = sc.NewListPager(nil).NextPage(withCapture(h, &tr))
	must(t, err)
	if tr.Header.Get("x-ms-ratelimit-remaining-tenant-reads") == "" {
		t.Errorf("a tenant-level read lacks x-ms-ratelimit-remaining-tenant-reads: %v", tr.Header)
	}
}

// 404s and api-version errors are Azure's: codes and messages a client can act on.
func TestNotFoundAndAPIVersionErrorsThroughSDK(t *testing.T) {
	h := newHarness(t, emulatorOptions())
	c, err := si.NewIncidentsClient(h.sub, h.cred, h.opts)
	must(t, err)
	missing := world.GUID("no-such-incident")
	_, err = c.Get(h.ctx(), h.rg, h.ws, missing, nil)
	body := responseError(t, err, http.StatusNotFound, "ResourceNotFound")
	if !strings.Contains(body.Error.Message, missing) || !strings.Contains(body.Error.Message, h.rg) {
		t.Errorf("404 message: %q", body.Error.Message)
	}
	_, err = c.Get(h.ctx(), "no-such-rg", h.ws, missing, nil)
	responseError(t, err, http.StatusNotFound, "ResourceGroupNotFound")
	wc, _ := oi.NewWorkspacesClient(h.sub, h.cred, h.opts)
	_, err = wc.Get(h.ctx(), h.rg, "no-such-workspace", nil)
	body = responseError(t, err, http.StatusNotFound, "ResourceNotFound")
	if !strings.Contains(body.Error.Message, "Microsoft.OperationalInsights/workspaces/no-such-workspace") {
		t.Errorf("workspace 404 message: %q", body.Error.Message)
	}
	gone, _ := si.NewIncidentsClient(world.GUID("no-such-subscription"), h.cred, h.opts)
	_, err = gone.Get(h.ctx(), h.rg, h.ws, missing, nil)
	responseError(t, err, http.StatusNotFound, "SubscriptionNotFound")

	// An api-version the service does not know: 400 naming the supported ones.
	bad, _ := si.NewIncidentsClient(h.sub, h.cred, h.armOptions("2099-01-01"))
	_, err = bad.Get(h.ctx(), h.rg, h.ws, missing, nil)
	body = responseError(t, err, http.StatusBadRequest, "InvalidApiVersionParameter")
	if !strings.Contains(body.Error.Message, "'2099-01-01' is invalid") || !strings.Contains(body.Error.Message, "2025-12-01") {
		t.Errorf("api-version message: %q", body.Error.Message)
	}
	if st, b := h.rawARM(http.MethodGet, h.wsID+"/providers/Microsoft.SecurityInsights/incidents", "", nil); st != http.StatusBadRequest ||
		!strings.Contains(string(b), "MissingApiVersionParameter") {
		t.Errorf("no api-version: %d %s", st, b)
	}
	// Each provider has its own versions: a Sentinel version is not one of Log Analytics'.
	wsBad, _ := oi.NewWorkspacesClient(h.sub, h.cred, h.armOptions("2025-12-01"))
	_, err = wsBad.Get(h.ctx(), h.rg, h.ws, nil)
	responseError(t, err, http.StatusBadRequest, "InvalidApiVersionParameter")
}

func deref[T any](p *T) any {
	if p == nil {
		return nil
	}
	return *p
}
