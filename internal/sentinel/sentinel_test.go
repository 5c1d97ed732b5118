package sentinel_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/sentinel-mcp/sentinel-mcp/internal/azure"
	"github.com/sentinel-mcp/sentinel-mcp/internal/config"
	"github.com/sentinel-mcp/sentinel-mcp/internal/emulator"
	"github.com/sentinel-mcp/sentinel-mcp/internal/emulator/world"
	"github.com/sentinel-mcp/sentinel-mcp/internal/sentinel"
	"github.com/sentinel-mcp/sentinel-mcp/internal/tenancy"
)

// The client runs against the emulator through the real ARM client (Azure SDK pipeline). The
// workspaces are the world's, addressed as the tenancy registry would hand them out.

type fixture struct {
	e    *emulator.Emulator
	p    *azure.Provider
	puts *recorder
}

// recorder keeps the bodies of the PUT requests sent.
type recorder struct {
	next http.RoundTripper
	mu   sync.Mutex
	puts []string
}

func (r *recorder) RoundTrip(req *http.Request) (*http.Response, error) {
	if req.Method == http.MethodPut && req.Body != nil {
		b, _ := io.ReadAll(req.Body)
		req.Body = io.NopCloser(bytes.NewReader(b))
		r.mu.Lock()
		r.puts = append(r.puts, string(b))
		r.mu.Unlock()
	}
	return r.next.RoundTrip(req)
}

func (r *recorder) last() string {
	r.mu.Lock()
	defer r.mu.Unlock()
	if len(r.puts) == 0 {
		return ""
	}
	return r.puts[len(r.puts)-1]
}

func newFixture(t *testing.T, o emulator.Options) *fixture {
	t.Helper()
	o.AsyncDelay = 20 * time.Millisecond
	e, err := emulator.New(o)
	if err != nil {
		t.Fatal(err)
	}
	if err := e.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { e.HTTPClient().CloseIdleConnections(); _ = e.Close() })
	cfg := config.Default().Azure
	cfg.Credential = config.AzureCredential{Type: config.CredClientSecret, TenantID: world.ManagingApp.TenantID,
		ClientID: world.ManagingApp.ClientID, SecretEnv: "WOODGROVE_SECRET"}
	cfg.Retry = config.AzureRetry{MaxRetries: 3, Delay: 10 * time.Millisecond, MaxDelay: time.Second, MaxTotal: 10 * time.Second, RequestTimeout: 10 * time.Second}
	rec := &recorder{next: e.HTTPClient().Transport}
	p, err := azure.NewProvider(cfg, azure.Options{Emulator: &azure.Emulator{URL: e.URL(), Client: e.HTTPClient()},
		HTTPClient: &http.Client{Transport: rec},
		LookupEnv:  func(k string) (string, bool) { return world.ManagingApp.Secret, k == "WOODGROVE_SECRET" }})
	if err != nil {
		t.Fatal(err)
	}
	return &fixture{e: e, p: p, puts: rec}
}

// workspace is a world workspace as the registry resolves it for the managing identity (Lighthouse).
func workspace(name string) *tenancy.Workspace {
	w := world.MustWorkspace(name)
	return &tenancy.Workspace{TenantID: w.TenantID, TenantAlias: w.TenantAlias, SubscriptionID: w.SubscriptionID,
		ResourceGroup: w.ResourceGroup, Name: w.Name, CustomerID: w.CustomerID, ResourceID: w.ResourceID,
		Alias: w.Alias(), CredTenantID: world.ManagingApp.TenantID, AccessVia: tenancy.AccessLighthouse, Sentinel: true}
}

func (f *fixture) client(t *testing.T, name string) *sentinel.Client {
	t.Helper()
	c, err := sentinel.New(f.p, workspace(name))
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func ctx(t *testing.T) context.Context {
	c, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	t.Cleanup(cancel)
	return c
}

func newIncident(title, severity string) *sentinel.Incident {
	return &sentinel.Incident{Properties: sentinel.IncidentProperties{Title: title, Severity: severity, Status: sentinel.StatusNew,
		Labels: []sentinel.IncidentLabel{{LabelName: "sentinel-test", LabelType: sentinel.LabelTypeUser}}}}
}

func TestPathsAreEscapedAndValidated(t *testing.T) {
	f := newFixture(t, emulator.Options{})
	c := f.client(t, "contoso-prod")
	ws := workspace("contoso-prod")
	if got, want := c.Path("incidents", "abc", "comments"), ws.ResourceID+"/providers/Microsoft.SecurityInsights/incidents/abc/comments"; got != want {
		t.Errorf("Path = %s, want %s", got, want)
	}
	for _, bad := range []string{"", ".", "..", "../../x", "a/b", "a?b", "a#b", "a%2fb", "a\nb", strings.Repeat("x", 261)} {
		if _, err := c.ResourcePath("incidents", bad); err == nil {
			t.Errorf("ResourcePath accepted %q", bad)
		}
		if _, err := c.Incident(ctx(t), bad); err == nil {
			t.Errorf("Incident(%q) succeeded", bad)
		}
	}
	if n := sentinel.NewName(); len(n) != 36 || n == sentinel.NewName() || sentinel.ValidName(n) != nil {
		t.Errorf("NewName = %q", n)
	}
}

func TestModelsKeepWhatTheyDoNotModel(t *testing.T) {
	doc := `{"id":"/x/incidents/1","name":"1","type":"Microsoft.SecurityInsights/incidents","etag":"\"7\"",
		"futureTopLevel":{"a":1},
		"properties":{"title":"T","severity":"High","status":"Closed","classification":"FalsePositive",
		"classificationReason":"InaccurateData","classificationComment":"noise",
		"owner":{"objectId":"o1","email":"a@b.c","userPrincipalName":"a@b.c","assignedTo":"A","ownerType":"User","futureOwnerField":true},
		"labels":[{"labelName":"x","labelType":"User"}],
		"createdTimeUtc":"2025-06-01T10:00:00.0000000Z","incidentNumber":9007199254740993,
		"teamInformation":{"teamId":"t1"},"additionalData":{"alertsCount":2,"newCounter":5}}}`
	var inc sentinel.Incident
	if err := json.Unmarshal([]byte(doc), &inc); err != nil {
		t.Fatal(err)
	}
	if inc.Properties.IncidentNumber != 9007199254740993 || inc.Properties.Owner.AssignedTo != "A" || inc.Etag != `"7"` {
		t.Fatalf("decoded %+v", inc.Properties)
	}
	// Unchanged: semantically the same document, Azure's spelling of timestamps kept.
	same, err := json.Marshal(inc)
	if err != nil {
		t.Fatal(err)
	}
	if !jsonEqual(t, same, []byte(doc)) {
		t.Errorf("an unchanged model is not its document:\n%s", same)
	}
	if !strings.Contains(string(same), `"2025-06-01T10:00:00.0000000Z"`) {
		t.Errorf("the timestamp was respelled: %s", same)
	}
	// Reopen and unassign: modelled fields change or clear, unknown ones stay.
	inc.Properties.Status = sentinel.StatusActive
	inc.Properties.Classification, inc.Properties.ClassificationReason, inc.Properties.ClassificationComment = "", "", ""
	inc.Properties.Owner = sentinel.IncidentOwner{}
	inc.Properties.Labels = []sentinel.IncidentLabel{}
	b, err := json.Marshal(inc)
	if err != nil {
		t.Fatal(err)
	}
	var got map[string]any
	_ = json.Unmarshal(b, &got)
	p := got["properties"].(map[string]any)
	owner := p["owner"].(map[string]any)
	checks := map[string]bool{
		"status Active":                 p["status"] == "Active",
		"classification null":           p["classification"] == nil && hasKey(p, "classification"),
		"reason null":                   p["classificationReason"] == nil,
		"owner cleared":                 owner["objectId"] == nil && owner["email"] == nil && owner["ownerType"] == nil,
		"unknown owner field kept":      owner["futureOwnerField"] == true,
		"labels empty":                  len(p["labels"].([]any)) == 0,
		"unknown property kept":         p["teamInformation"] != nil,
		"unknown top-level kept":        got["futureTopLevel"] != nil,
		"unknown additionalData kept":   p["additionalData"].(map[string]any)["newCounter"] == 5.0,
		"number exact":                  strings.Contains(string(b), "9007199254740993"),
		"title unchanged":               p["title"] == "T",
		"etag kept for the conditional": got["etag"] == `"7"`,
	}
	for what, ok := range checks {
		if !ok {
			t.Errorf("%s: %s", what, b)
		}
	}
	// A model built in code sends only what it sets.
	fresh, _ := json.Marshal(newIncident("New one", sentinel.SeverityLow))
	for _, absent := range []string{"classification", "owner", "createdTimeUtc", "incidentNumber", "additionalData", `"id"`, "etag"} {
		if strings.Contains(string(fresh), absent) {
			t.Errorf("a new incident sends %s: %s", absent, fresh)
		}
	}
}

func hasKey(m map[string]any, k string) bool { _, ok := m[k]; return ok }

func jsonEqual(t *testing.T, a, b []byte) bool {
	t.Helper()
	var x, y any
	if err := json.Unmarshal(a, &x); err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(b, &y); err != nil {
		t.Fatal(err)
	}
	xa, _ := json.Marshal(x)
	ya, _ := json.Marshal(y)
	return string(xa) == string(ya)
}

func TestIncidentLifecycleWithEtags(t *testing.T) {
	f := newFixture(t, emulator.Options{})
	c := f.client(t, "contoso-prod")
	created, err := c.PutIncident(ctx(t), newIncident("Suspicious sign-in", sentinel.SeverityHigh))
	if err != nil {
		t.Fatal(err)
	}
	n := created.Properties.IncidentNumber
	if n <= 0 || created.Etag == "" || created.Properties.CreatedTimeUTC.IsZero() || created.Properties.IncidentURL == "" {
		t.Fatalf("created %+v", created)
	}
	for _, ref := range []string{fmt.Sprint(n), fmt.Sprintf("#%d", n), created.Name, created.ID} {
		got, err := c.FindIncident(ctx(t), ref)
		if err != nil || got.Name != created.Name {
			t.Errorf("FindIncident(%q) = %v, %v", ref, got, err)
		}
	}
	other := f.client(t, "contoso-dev")
	if _, err := other.FindIncident(ctx(t), created.ID); err == nil || !strings.Contains(err.Error(), "not an incident of workspace contoso/contoso-dev") {
		t.Errorf("an id of another workspace: %v", err)
	}
	if _, err := c.FindIncident(ctx(t), "999999"); !errors.Is(err, sentinel.ErrIncidentNotFound) {
		t.Errorf("a missing number: %v", err)
	}
	if _, err := c.FindIncident(ctx(t), sentinel.NewName()); !errors.Is(err, sentinel.ErrIncidentNotFound) {
		t.Errorf("a missing name: %v", err)
	}

	// Two readers; the first write wins, the second is a conflict and changes nothing.
	a, _ := c.Incident(ctx(t), created.Name)
	b, _ := c.Incident(ctx(t), created.Name)
	a.Properties.Status = sentinel.StatusActive
	a2, err := c.PutIncident(ctx(t), a)
	if err != nil {
		t.Fatal(err)
	}
	if a2.Etag == a.Etag || a2.Properties.Status != sentinel.StatusActive {
		t.Errorf("after the write: etag %s -> %s, status %s", a.Etag, a2.Etag, a2.Properties.Status)
	}
	// The write sends what it read, unknown properties included, without the read-only ones.
	sent := f.puts.last()
	if !strings.Contains(sent, `"status":"Active"`) || !strings.Contains(sent, `"labels":[{"labelName":"sentinel-test"`) || !strings.Contains(sent, `"etag"`) {
		t.Errorf("PUT body: %s", sent)
	}
	for _, ro := range []string{"incidentNumber", "incidentUrl", "createdTimeUtc", "lastModifiedTimeUtc", "relatedAnalyticRuleIds", "additionalData"} {
		if strings.Contains(sent, ro) {
			t.Errorf("PUT body sends the read-only %s: %s", ro, sent)
		}
	}
	b.Properties.Severity = sentinel.SeverityLow
	_, err = c.PutIncident(ctx(t), b)
	if !azure.IsConflict(err) {
		t.Fatalf("stale etag: %v", err)
	}
	cerr := sentinel.ConflictError("incident #1", err, "Read it again with get_incident")
	if !azure.IsConflict(cerr) || !strings.Contains(cerr.Error(), "nothing was changed") {
		t.Errorf("ConflictError = %v", cerr)
	}
	now, _ := c.Incident(ctx(t), created.Name)
	if now.Properties.Severity != sentinel.SeverityHigh || now.Properties.Status != sentinel.StatusActive {
		t.Errorf("the stale write changed something: %+v", now.Properties)
	}

	// Comments, alerts and entities.
	if _, err := c.AddIncidentComment(ctx(t), created.Name, "first look: benign?"); err != nil {
		t.Fatal(err)
	}
	comments, _, err := c.IncidentComments(ctx(t), created.Name, sentinel.Query{OrderBy: sentinel.OrderCommentsNewest}, 0)
	if err != nil || len(comments) != 1 || comments[0].Properties.Message != "first look: benign?" || comments[0].Properties.Author.String() == "" {
		t.Errorf("comments = %+v, %v", comments, err)
	}
	seed := func(id string, v any) {
		b, _ := json.Marshal(v)
		if err := f.e.SeedResource(id, b); err != nil {
			t.Fatal(err)
		}
	}
	seed(created.ID+"/alerts/a1", map[string]any{"kind": "SecurityAlert", "properties": map[string]any{
		"systemAlertId": "a1", "alertDisplayName": "Password spray", "severity": "High", "productName": "Azure Sentinel",
		"tactics": []string{"CredentialAccess"}, "timeGenerated": "2025-06-01T10:00:00Z"}})
	seed(created.ID+"/entities/e1", map[string]any{"kind": "Ip", "properties": map[string]any{"address": "203.0.113.5",
		"location": map[string]any{"countryName": "Nowhere"}}})
	alerts, err := c.IncidentAlerts(ctx(t), created.Name)
	if err != nil || len(alerts) != 1 || alerts[0].DisplayName() != "Password spray" || alerts[0].Properties.TimeGenerated.IsZero() {
		t.Errorf("alerts = %+v, %v", alerts, err)
	}
	ents, meta, err := c.IncidentEntities(ctx(t), created.Name)
	if err != nil || len(ents) != 1 || ents[0].Field("address") != "203.0.113.5" || ents[0].Field("location.countryName") != "Nowhere" ||
		len(meta) != 1 || meta[0].EntityKind != "Ip" {
		t.Errorf("entities = %+v %+v, %v", ents, meta, err)
	}
	inc, _ := c.Incident(ctx(t), created.Name)
	if inc.Properties.AdditionalData.AlertsCount != 1 || inc.Properties.AdditionalData.CommentsCount != 1 ||
		len(inc.Properties.AdditionalData.Tactics) != 1 {
		t.Errorf("additionalData = %+v", inc.Properties.AdditionalData)
	}
}

func TestPagesResumeAndRefuseForeignLinks(t *testing.T) {
	f := newFixture(t, emulator.Options{PageSize: 2})
	c := f.client(t, "fabrikam-sentinel")
	for i := range 5 {
		if _, err := c.PutIncident(ctx(t), newIncident(fmt.Sprintf("paged %d", i), sentinel.SeverityMedium)); err != nil {
			t.Fatal(err)
		}
	}
	q := sentinel.Query{Filter: sentinel.IncidentFilter{Severities: []string{"Medium"}}.OData(), OrderBy: sentinel.OrderCreatedDesc}
	seen := map[string]bool{}
	pages := 0
	for {
		incs, page, err := c.Incidents(ctx(t), q)
		if err != nil {
			t.Fatal(err)
		}
		pages++
		for _, inc := range incs {
			if strings.HasPrefix(inc.Properties.Title, "paged ") {
				seen[inc.Name] = true
			}
		}
		if !page.More() {
			break
		}
		if page.SkipToken == "" {
			t.Fatalf("the emulator's nextLink has no $skipToken: %s", page.NextLink)
		}
		q.SkipToken = page.SkipToken
	}
	if len(seen) != 5 || pages < 3 {
		t.Errorf("saw %d of 5 incidents in %d pages", len(seen), pages)
	}
	other := workspace("contoso-prod")
	link := f.e.URL() + other.ResourceID + "/providers/Microsoft.SecurityInsights/incidents?$skipToken=x"
	if _, err := c.Page(ctx(t), c.Path("incidents"), sentinel.Query{NextLink: link}); err == nil || !strings.Contains(err.Error(), "another collection") {
		t.Errorf("a link to another workspace: %v", err)
	}
}

func TestODataLiteralsAreQuoted(t *testing.T) {
	f := sentinel.IncidentFilter{Statuses: []string{"New", "Active"}, Severities: []string{"x' or 1 eq 1 or 'y"},
		CreatedAfter: time.Date(2025, 6, 1, 0, 0, 0, 0, time.FixedZone("x", 7200))}
	want := "(properties/status eq 'New' or properties/status eq 'Active') and properties/severity eq 'x'' or 1 eq 1 or ''y' and properties/createdTimeUtc ge 2025-05-31T22:00:00Z"
	if got := f.OData(); got != want {
		t.Errorf("OData =\n%s\nwant\n%s", got, want)
	}
	if (sentinel.IncidentFilter{}).OData() != "" {
		t.Error("an empty filter filters")
	}
}
