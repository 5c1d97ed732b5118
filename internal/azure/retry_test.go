package azure

import (
	"errors"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/sentinel-mcp/sentinel-mcp/internal/config"
	"github.com/sentinel-mcp/sentinel-mcp/internal/emulator"
	"github.com/sentinel-mcp/sentinel-mcp/internal/emulator/world"
)

func TestThrottledGETIsRetriedAfterRetryAfter(t *testing.T) {
	v := newEnv(t, emulator.Options{}, nil)
	a := v.arm(t, managing)
	ws := world.MustWorkspace(world.WSFabrikamSentinel)
	f := addFault(t, v.e, emulator.Fault{Route: ws.ResourceID, Method: "GET", Status: 429, RetryAfter: 80 * time.Millisecond, Times: 2})
	start := time.Now()
	if _, err := a.GetJSON(ctx(t), ws.ResourceID, nil); err != nil {
		t.Fatalf("GET after two 429s: %v", err)
	}
	if hits := v.e.Faults().Hits(f); hits != 2 {
		t.Errorf("fault hits = %d, want 2", hits)
	}
	if d := time.Since(start); d < 160*time.Millisecond {
		t.Errorf("took %s: Retry-After (80ms, twice) was not honoured", d)
	}
}

func TestNonIdempotentRequestsAreNeverRetried(t *testing.T) {
	v := newEnv(t, emulator.Options{}, nil)
	a := v.arm(t, managing)
	inc := seedIncidents(t, a, world.WSContosoProd, 1) + "/" + world.GUID("test-incident-0")

	// POST: the incident's alerts action (a read, but not marked as one here)
	post := addFault(t, v.e, emulator.Fault{Route: inc + "/alerts", Method: "POST", Status: 429, RetryAfter: 10 * time.Millisecond})
	_, err := a.Post(ctx(t), inc+"/alerts", nil, nil)
	if !IsThrottled(err) || v.e.Faults().Hits(post) != 1 {
		t.Fatalf("POST: err %v, %d attempts; want one attempt and a throttling error", err, v.e.Faults().Hits(post))
	}
	if e, _ := AsError(err); e.RetryAfter != 10*time.Millisecond || !strings.Contains(err.Error(), "retry after") {
		t.Errorf("throttling error: %+v / %v", e, err)
	}
	// the same POST marked read-only is retried
	v.e.Faults().Remove(post)
	ro := addFault(t, v.e, emulator.Fault{Route: inc + "/alerts", Method: "POST", Status: 429, RetryAfter: 10 * time.Millisecond, Times: 2})
	if _, err := a.Post(ctx(t), inc+"/alerts", nil, &WriteOptions{ReadOnly: true}); err != nil || v.e.Faults().Hits(ro) != 2 {
		t.Fatalf("read-only POST: err %v, hits %d", err, v.e.Faults().Hits(ro))
	}

	// PATCH, throttled and then with the connection dropped: one attempt each
	wb := "/subscriptions/" + world.MustWorkspace(world.WSContosoProd).SubscriptionID + "/resourceGroups/rg-sentinel/providers/Microsoft.Insights/workbooks/" + world.GUID("test-workbook")
	body := map[string]any{"location": "westeurope", "kind": "shared", "properties": map[string]any{
		"displayName": "Test", "serializedData": `{"version":"Notebook/1.0","items":[]}`, "category": "sentinel"}}
	if _, err := a.Put(ctx(t), wb, body, nil); err != nil {
		t.Fatal(err)
	}
	patch := addFault(t, v.e, emulator.Fault{Route: wb, Method: "PATCH", Status: 503, RetryAfter: 10 * time.Millisecond})
	_, err = a.Patch(ctx(t), wb, map[string]any{"tags": map[string]any{"a": "b"}}, nil)
	if e, ok := AsError(err); !ok || e.Status != 503 || v.e.Faults().Hits(patch) != 1 {
		t.Fatalf("PATCH 503: err %v, hits %d", err, v.e.Faults().Hits(patch))
	}
	v.e.Faults().Remove(patch)
	drop := addFault(t, v.e, emulator.Fault{Route: wb, Method: "PATCH", Drop: true})
	_, err = a.Patch(ctx(t), wb, map[string]any{"tags": map[string]any{"a": "b"}}, nil)
	if e, ok := AsError(err); !ok || e.Status != 0 || v.e.Faults().Hits(drop) != 1 || !strings.Contains(err.Error(), "may have been applied") {
		t.Fatalf("PATCH dropped: err %v, hits %d", err, v.e.Faults().Hits(drop))
	}

	// PUT and GET survive a dropped connection
	v.e.Faults().Remove(drop)
	dropGet := addFault(t, v.e, emulator.Fault{Route: wb, Method: "GET", Drop: true, Times: 1})
	if _, err := a.GetJSON(ctx(t), wb, nil); err != nil || v.e.Faults().Hits(dropGet) != 1 {
		t.Fatalf("GET after a dropped connection: %v", err)
	}
}

func TestRetryAfterLongerThanMaxDelayFailsFast(t *testing.T) {
	v := newEnv(t, emulator.Options{}, func(c *config.Azure) { c.Retry.MaxDelay = 500 * time.Millisecond })
	a := v.arm(t, managing)
	ws := world.MustWorkspace(world.WSContosoDev)
	f := addFault(t, v.e, emulator.Fault{Route: ws.ResourceID, Status: 429, RetryAfter: 5 * time.Second})
	start := time.Now()
	_, err := a.GetJSON(ctx(t), ws.ResourceID, nil)
	if !IsThrottled(err) || v.e.Faults().Hits(f) != 1 || time.Since(start) > 2*time.Second {
		t.Fatalf("err %v after %s and %d attempts", err, time.Since(start), v.e.Faults().Hits(f))
	}
	if !strings.Contains(err.Error(), "retry after 5s") {
		t.Errorf("message does not say how long to wait: %v", err)
	}
}

func TestTotalRetryTimeIsBounded(t *testing.T) {
	v := newEnv(t, emulator.Options{}, func(c *config.Azure) {
		c.Retry.MaxRetries = 20
		c.Retry.MaxTotal = 400 * time.Millisecond
	})
	a := v.arm(t, managing)
	ws := world.MustWorkspace(world.WSContosoDev)
	// Warm the token and the connection first: on a loaded machine sign-in alone can eat the budget
	// and leave room for one attempt only.
	if _, err := a.GetJSON(ctx(t), ws.ResourceID, nil); err != nil {
		t.Fatal(err)
	}
	f := addFault(t, v.e, emulator.Fault{Route: ws.ResourceID, Status: 503, RetryAfter: 100 * time.Millisecond})
	start := time.Now()
	_, err := a.GetJSON(ctx(t), ws.ResourceID, nil)
	took := time.Since(start)
	if e, ok := AsError(err); !ok || e.Status != 503 || e.Attempts < 2 || e.Attempts != v.e.Faults().Hits(f) {
		t.Fatalf("err %v (attempts %d, hits %d)", err, e.Attempts, v.e.Faults().Hits(f))
	}
	// Unbounded, 20 retries 100ms apart would take over 2s.
	if took > 1500*time.Millisecond {
		t.Errorf("gave up after %s; max_total is 400ms", took)
	}
	if !strings.Contains(err.Error(), "Gave up after") {
		t.Errorf("message: %v", err)
	}
}

func TestAttemptTimeout(t *testing.T) {
	v := newEnv(t, emulator.Options{}, func(c *config.Azure) { c.Retry.RequestTimeout = 150 * time.Millisecond })
	a := v.arm(t, managing)
	ws := world.MustWorkspace(world.WSContosoDev)
	// warm the token so the slow fault hits the ARM request itself
	if _, err := a.GetJSON(ctx(t), ws.ResourceID, nil); err != nil {
		t.Fatal(err)
	}
	slow := addFault(t, v.e, emulator.Fault{Route: ws.ResourceID, Method: "GET", Latency: time.Second, Times: 1})
	if _, err := a.GetJSON(ctx(t), ws.ResourceID, nil); err != nil || v.e.Faults().Hits(slow) != 1 {
		t.Fatalf("GET after one slow attempt: %v", err)
	}
	// a POST that times out is not sent again
	inc := seedIncidents(t, a, world.WSContosoDev, 1) + "/" + world.GUID("test-incident-0")
	slowPost := addFault(t, v.e, emulator.Fault{Route: inc + "/alerts", Method: "POST", Latency: time.Second})
	_, err := a.Post(ctx(t), inc+"/alerts", nil, nil)
	if err == nil || !strings.Contains(err.Error(), "no answer within 150ms") || v.e.Faults().Hits(slowPost) != 1 {
		t.Fatalf("slow POST: %v (hits %d)", err, v.e.Faults().Hits(slowPost))
	}
}

func TestBackoffIsExponentialWithJitterAndCapped(t *testing.T) {
	p := &retryPolicy{cfg: config.AzureRetry{Delay: 100 * time.Millisecond, MaxDelay: time.Second}}
	for attempt, base := range map[int]time.Duration{1: 100 * time.Millisecond, 2: 200 * time.Millisecond, 3: 400 * time.Millisecond} {
		for i := 0; i < 50; i++ {
			d := p.backoff(attempt)
			if d < base*8/10 || d >= base*13/10 {
				t.Fatalf("attempt %d: %s outside [0.8, 1.3) x %s", attempt, d, base)
			}
		}
	}
	if d := p.backoff(10); d != time.Second {
		t.Errorf("attempt 10: %s, want the 1s cap", d)
	}
}

func TestRetryAfterHeaders(t *testing.T) {
	for h, want := range map[[2]string]time.Duration{
		{"Retry-After", "3"}:          3 * time.Second,
		{"retry-after-ms", "250"}:     250 * time.Millisecond,
		{"x-ms-retry-after-ms", "40"}: 40 * time.Millisecond,
		{"Retry-After", "soon"}:       0,
		{"Retry-After", "-1"}:         0,
	} {
		hdr := http.Header{}
		hdr.Set(h[0], h[1])
		if got := retryAfter(hdr); got != want {
			t.Errorf("%s: %s: %s, want %s", h[0], h[1], got, want)
		}
	}
	// An HTTP date is a moment to wait for; one in the past asks for no wait.
	hdr := http.Header{}
	hdr.Set("Retry-After", time.Now().Add(5*time.Second).UTC().Format(http.TimeFormat))
	if got := retryAfter(hdr); got < 3*time.Second || got > 5*time.Second {
		t.Errorf("Retry-After as a date 5s ahead: %s", got)
	}
	hdr.Set("Retry-After", time.Now().Add(-time.Minute).UTC().Format(http.TimeFormat))
	if got := retryAfter(hdr); got != 0 {
		t.Errorf("Retry-After as a past date: %s", got)
	}
}

// loseAnswer lets the first request of a method reach the service and drops its answer on the way
// back, as a connection reset after the server applied the request does.
type loseAnswer struct {
	next   http.RoundTripper
	method string
	lost   atomic.Int32
}

func (l *loseAnswer) RoundTrip(r *http.Request) (*http.Response, error) {
	resp, err := l.next.RoundTrip(r)
	if err == nil && r.Method == l.method && l.lost.Add(1) == 1 {
		_ = resp.Body.Close()
		return nil, errors.New("read: connection reset by peer")
	}
	return resp, err
}

// A create-only PUT (If-None-Match: *) whose answer was lost is retried, and the retry finds the
// resource the first attempt created: the error says the write may have been applied, not that
// someone else changed the resource.
func TestConditionalWriteRetriedAfterALostAnswer(t *testing.T) {
	e := startEmu(t, emulator.Options{})
	lose := &loseAnswer{next: e.HTTPClient().Transport, method: http.MethodPut}
	p, err := NewProvider(testConfig(), Options{Emulator: &Emulator{URL: e.URL(), Client: e.HTTPClient()},
		HTTPClient: &http.Client{Transport: lose}, LookupEnv: lookupTestEnv})
	if err != nil {
		t.Fatal(err)
	}
	a, err := p.ARM(managing)
	if err != nil {
		t.Fatal(err)
	}
	ws := world.MustWorkspace(world.WSContosoProd)
	wl := ws.ResourceID + "/providers/Microsoft.SecurityInsights/watchlists/LostAnswer"
	body := map[string]any{"properties": map[string]any{"displayName": "Lost answer", "provider": "test", "source": "Local file",
		"itemsSearchKey": "k", "contentType": "text/csv", "numberOfLinesToSkip": 0, "rawContent": "k\nv\n"}}
	_, err = a.Put(ctx(t), wl, body, &WriteOptions{IfNoneMatch: "*"})
	ae, ok := AsError(err)
	if !ok || !IsConflict(err) || !ae.EarlierAttemptUnanswered || ae.Attempts != 2 || !strings.Contains(err.Error(), "may have been applied") {
		t.Fatalf("create-only PUT after a lost answer: %v (%+v)", err, ae)
	}
	if _, err := a.GetJSON(ctx(t), wl, nil); err != nil {
		t.Errorf("the first attempt did not create the watchlist: %v", err)
	}
	// The same conflict without a lost answer is an ordinary one.
	_, err = a.Put(ctx(t), wl, body, &WriteOptions{IfNoneMatch: "*"})
	if ae, ok := AsError(err); !ok || !IsConflict(err) || ae.EarlierAttemptUnanswered || strings.Contains(err.Error(), "may have been applied") {
		t.Errorf("create-only PUT of an existing resource: %v", err)
	}
}
