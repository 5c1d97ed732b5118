package emulator

import (
	"encoding/base64"
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"
)

// fxEmu starts an emulator on the fixture world with the fixture clock.
func fxEmu(t *testing.T, opts Options) *Emulator {
	t.Helper()
	opts.Now = func() time.Time { return fxNow }
	opts.fixture = fixtureWorld
	return startEmu(t, opts)
}

// postToken posts a token request form and returns the decoded answer.
func postToken(t *testing.T, e *Emulator, tenant string, form url.Values) resp {
	t.Helper()
	res, err := e.HTTPClient().PostForm(e.URL()+"/"+tenant+"/oauth2/v2.0/token", form)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	r := resp{status: res.StatusCode, header: res.Header, raw: string(b)}
	_ = json.Unmarshal(b, &r.body)
	return r
}

// The OIDC metadata, signing keys and instance discovery the Azure SDK (MSAL) reads, and tokens that
// carry the tenant, the principal and the audience of the requested scope.
func TestOpenIDMetadataAndTokens(t *testing.T) {
	e := fxEmu(t, Options{})
	for _, ref := range []string{fxWoodgrove, "woodgrove.onmicrosoft.com"} {
		r := do(t, e, "", http.MethodGet, "/"+ref+"/v2.0/.well-known/openid-configuration", nil)
		base := e.URL() + "/" + fxWoodgrove
		if r.status != 200 || r.body["token_endpoint"] != base+"/oauth2/v2.0/token" || r.body["issuer"] != base+"/v2.0" ||
			r.body["jwks_uri"] != base+"/discovery/v2.0/keys" || r.body["authorization_endpoint"] == nil {
			t.Errorf("openid-configuration of %s: %d %s", ref, r.status, r.raw)
		}
	}
	if r := do(t, e, "", http.MethodGet, "/00000000-0000-0000-0000-0000000000ff/v2.0/.well-known/openid-configuration", nil); r.status != 400 ||
		r.body["error"] != "invalid_tenant" || !strings.Contains(r.raw, "AADSTS90002") {
		t.Errorf("metadata of an unknown tenant: %d %s", r.status, r.raw)
	}
	r := do(t, e, "", http.MethodGet, "/"+fxWoodgrove+"/discovery/v2.0/keys", nil)
	keys, _ := r.body["keys"].([]any)
	if r.status != 200 || len(keys) != 1 || keys[0].(map[string]any)["kid"] == "" {
		t.Errorf("keys: %d %s", r.status, r.raw)
	}
	r = do(t, e, "", http.MethodGet, "/common/discovery/instance?api-version=1.1&authorization_endpoint="+url.QueryEscape(e.URL()+"/"+fxWoodgrove+"/oauth2/v2.0/authorize"), nil)
	if r.status != 200 || !strings.HasSuffix(r.body["tenant_discovery_endpoint"].(string), "/"+fxWoodgrove+"/v2.0/.well-known/openid-configuration") {
		t.Errorf("instance discovery: %d %s", r.status, r.raw)
	}

	for scope, aud := range map[string]string{armScope: "https://management.azure.com", logsScope: "https://api.loganalytics.io"} {
		r := postToken(t, e, fxWoodgrove, url.Values{"grant_type": {"client_credentials"}, "client_id": {fxClient},
			"client_secret": {"woodgrove-secret"}, "scope": {scope}})
		if r.status != 200 || r.body["token_type"] != "Bearer" || r.body["expires_in"] != 3600.0 || r.body["ext_expires_in"] == nil {
			t.Fatalf("token for %s: %d %s", scope, r.status, r.raw)
		}
		parts := strings.Split(r.body["access_token"].(string), ".")
		if len(parts) != 3 {
			t.Fatalf("not a JWT: %v", r.body["access_token"])
		}
		payload, err := base64.RawURLEncoding.DecodeString(parts[1])
		if err != nil {
			t.Fatal(err)
		}
		var claims map[string]any
		_ = json.Unmarshal(payload, &claims)
		if claims["aud"] != aud || claims["tid"] != fxWoodgrove || claims["appid"] != fxClient || claims["oid"] != "0b000000-0000-4000-8000-00000000a001" ||
			claims["exp"].(float64) < float64(time.Now().Add(50*time.Minute).Unix()) {
			t.Errorf("claims for %s: %v", scope, claims)
		}
	}
	// HTTP Basic client authentication is accepted too.
	req, _ := http.NewRequest(http.MethodPost, e.URL()+"/"+fxWoodgrove+"/oauth2/v2.0/token",
		strings.NewReader(url.Values{"grant_type": {"client_credentials"}, "scope": {armScope}}.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.SetBasicAuth(fxClient, "woodgrove-secret")
	res, err := e.HTTPClient().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	_ = res.Body.Close()
	if res.StatusCode != 200 {
		t.Errorf("client_secret_basic: %d", res.StatusCode)
	}
}

// The token endpoint refuses like Entra: OAuth error names, AADSTS codes, trace and correlation ids.
func TestTokenEndpointErrors(t *testing.T) {
	e := fxEmu(t, Options{})
	good := func() url.Values {
		return url.Values{"grant_type": {"client_credentials"}, "client_id": {fxClient}, "client_secret": {"woodgrove-secret"}, "scope": {armScope}}
	}
	with := func(k, v string) url.Values {
		f := good()
		if v == "" {
			f.Del(k)
		} else {
			f.Set(k, v)
		}
		return f
	}
	cases := []struct {
		tenant string
		form   url.Values
		status int
		oauth  string
		aadsts int
	}{
		{fxWoodgrove, with("client_secret", "wrong"), 401, "invalid_client", 7000215},
		{fxWoodgrove, with("client_id", "c1000000-0000-4000-8000-0000000000ff"), 400, "unauthorized_client", 700016},
		{"00000000-0000-0000-0000-0000000000ff", good(), 400, "invalid_request", 90002},
		{fxWoodgrove, with("scope", "https://management.azure.com"), 400, "invalid_scope", 1002012},
		{fxWoodgrove, with("scope", "https://graph.example.com/.default"), 400, "invalid_resource", 500011},
		{fxWoodgrove, with("grant_type", "password"), 400, "unsupported_grant_type", 70003},
		{fxWoodgrove, with("grant_type", ""), 400, "invalid_request", 900144},
		{fxWoodgrove, with("client_secret", ""), 401, "invalid_client", 7000218},
		// An app reaches only its own tenant's token endpoint.
		{"7a1c0f00-0000-4000-8000-00000000d001", good(), 400, "unauthorized_client", 700016},
	}
	for _, c := range cases {
		r := postToken(t, e, c.tenant, c.form)
		codes, _ := r.body["error_codes"].([]any)
		if r.status != c.status || r.body["error"] != c.oauth || len(codes) != 1 || codes[0] != float64(c.aadsts) ||
			!strings.HasPrefix(r.body["error_description"].(string), "AADSTS"+strconv.Itoa(c.aadsts)+":") ||
			r.body["trace_id"] == "" || r.body["correlation_id"] == "" || r.body["timestamp"] == "" {
			t.Errorf("%v: got %d %s; want %d %s AADSTS%d", c.form, r.status, r.raw, c.status, c.oauth, c.aadsts)
		}
	}
	if r := do(t, e, "", http.MethodGet, "/"+fxWoodgrove+"/oauth2/v2.0/token", nil); r.status != 405 || r.body["error"] != "invalid_request" {
		t.Errorf("GET on the token endpoint: %d %s", r.status, r.raw)
	}
}

// The query API enforces tenants and audiences like ARM does, with its own error words.
func TestQueryAPIAccess(t *testing.T) {
	e, tok := startQueryEmu(t, 0)
	if r := query(t, e, tok, fxAdatum, map[string]any{"query": "print 1"}); r.status != 403 || errCode(r) != "InsufficientAccessError" {
		t.Errorf("undelegated workspace: %d %s", r.status, r.raw)
	}
	if r := query(t, e, tok, fxSOC, map[string]any{"query": "print 1", "workspaces": []string{fxContoso, fxAdatum}}); r.status != 403 || errCode(r) != "InsufficientAccessError" {
		t.Errorf("an undelegated workspace among workspaces[]: %d %s", r.status, r.raw)
	}
	arm := token(t, e, fxWoodgrove, fxClient, "woodgrove-secret", armScope)
	if r := query(t, e, arm, fxSOC, map[string]any{"query": "print 1"}); r.status != 403 || errCode(r) != "InvalidAuthenticationTokenAudience" {
		t.Errorf("ARM token on the query API: %d %s", r.status, r.raw)
	}
	if r := query(t, e, "", fxSOC, map[string]any{"query": "print 1"}); r.status != 401 || errCode(r) != "AuthorizationRequiredError" || r.header.Get("WWW-Authenticate") == "" {
		t.Errorf("no token on the query API: %d %s", r.status, r.raw)
	}
	if r := query(t, e, tok, "a0000000-0000-4000-8000-0000000000ff", map[string]any{"query": "print 1"}); r.status != 404 || errCode(r) != "WorkspaceNotFoundError" {
		t.Errorf("unknown workspace: %d %s", r.status, r.raw)
	}
	if r := do(t, e, tok, http.MethodGet, "/v1/workspaces/"+fxSOC+"/nonsense", nil); r.status != 404 || errCode(r) != "PathNotFoundError" {
		t.Errorf("unknown query API path: %d %s", r.status, r.raw)
	}
	// An ARM request with a query API token is a 401 (ARM checks the audience first).
	if r := do(t, e, tok, http.MethodGet, "/subscriptions?api-version=2022-12-01", nil); r.status != 401 || errCode(r) != "InvalidAuthenticationTokenAudience" {
		t.Errorf("query token on ARM: %d %s", r.status, r.raw)
	}
}

// Prefer: wait= bounds a query's run time: past it the answer is Azure's 504 GatewayTimeout.
func TestPreferWaitBoundsTheQuery(t *testing.T) {
	e, tok := startQueryEmu(t, 0)
	slow := map[string]any{"query": "range x from 1 to 10000000 step 1 | extend y = strcat('a', x) | summarize dcount(y)"}
	start := time.Now()
	r := query(t, e, tok, fxContoso, slow, "Prefer", "wait=1")
	if r.status != 504 || errCode(r) != "GatewayTimeout" || !strings.Contains(r.raw, "Prefer: wait=1") {
		t.Errorf("slow query with wait=1: %d %s", r.status, r.raw)
	}
	if d := time.Since(start); d > 20*time.Second {
		t.Errorf("wait=1 answered after %s", d)
	}
	// Other preferences are comma-separated with wait.
	r = query(t, e, tok, fxContoso, map[string]any{"query": "print 1"}, "Prefer", "include-statistics=true, wait=5")
	if r.status != 200 || r.body["statistics"] == nil {
		t.Errorf("wait with include-statistics: %d %s", r.status, r.raw)
	}
}

// Semantic errors carry the position of the offending name, like syntax errors.
func TestSemanticErrorPosition(t *testing.T) {
	e, tok := startQueryEmu(t, 0)
	r := query(t, e, tok, fxContoso, map[string]any{"query": "SigninLogs\n| where UserPrincipalNme == 'x'"})
	er, _ := r.body["error"].(map[string]any)
	i1, _ := er["innererror"].(map[string]any)
	i2, _ := i1["innererror"].(map[string]any)
	if r.status != 400 || i1["code"] != "SemanticError" || i2["code"] != "SEM0100" || i2["line"] != 2.0 || i2["pos"] != 8.0 {
		t.Errorf("semantic error: %d %s", r.status, r.raw)
	}
}

// Plain HTTP serves every surface without TLS.
func TestPlainHTTP(t *testing.T) {
	e := fxEmu(t, Options{PlainHTTP: true})
	if !strings.HasPrefix(e.URL(), "http://127.0.0.1:") || e.CACertPEM() != nil {
		t.Fatalf("plain HTTP URL %s", e.URL())
	}
	tok := token(t, e, fxWoodgrove, fxClient, "woodgrove-secret", armScope)
	r := do(t, e, tok, http.MethodGet, "/subscriptions?api-version=2022-12-01", nil)
	if r.status != 200 || len(values(r)) != 2 {
		t.Errorf("subscriptions over plain HTTP: %d %s", r.status, r.raw)
	}
	if nl, _ := r.body["nextLink"].(string); nl != "" && !strings.HasPrefix(nl, "http://") {
		t.Errorf("nextLink over plain HTTP: %s", nl)
	}
}

// ARM's token bucket: 250 reads per subscription and principal, refilled at 25 per second; the
// remaining count is reported on every answer, and an empty bucket is a 429 with Retry-After.
func TestARMRateLimitBucket(t *testing.T) {
	e := fxEmu(t, Options{})
	clock := time.Date(2026, 1, 10, 12, 0, 0, 0, time.UTC)
	e.limits.now = func() time.Time { return clock }
	tok := token(t, e, fxWoodgrove, fxClient, "woodgrove-secret", armScope)
	path := "/subscriptions/5b000000-0000-4000-8000-00000000a001/resourceGroups/soc-rg/providers/Microsoft.OperationalInsights/workspaces/soc-central?api-version=2025-07-01"
	for i := 249; i >= 0; i-- {
		r := do(t, e, tok, http.MethodGet, path, nil)
		if r.status != 200 || r.header.Get("x-ms-ratelimit-remaining-subscription-reads") != strconv.Itoa(i) {
			t.Fatalf("read %d: %d, remaining %q", 250-i, r.status, r.header.Get("x-ms-ratelimit-remaining-subscription-reads"))
		}
	}
	r := do(t, e, tok, http.MethodGet, path, nil)
	if r.status != 429 || errCode(r) != "TooManyRequests" || r.header.Get("Retry-After") != "1" || !strings.Contains(r.raw, "operation type - 'Read'") {
		t.Fatalf("read 251: %d %v %s", r.status, r.header, r.raw)
	}
	// Writes have their own bucket; another subscription too.
	if r := do(t, e, tok, http.MethodPut, "/subscriptions/5b000000-0000-4000-8000-00000000a001/resourceGroups/soc-rg/providers/Microsoft.OperationalInsights/workspaces/soc-central/providers/Microsoft.SecurityInsights/incidents/00000000-0000-4000-8000-0000000000aa?api-version=2025-06-01",
		map[string]any{"properties": map[string]any{"title": "t", "severity": "Low", "status": "New"}}); r.status != 201 ||
		r.header.Get("x-ms-ratelimit-remaining-subscription-writes") != "199" {
		t.Errorf("write with reads exhausted: %d %q", r.status, r.header.Get("x-ms-ratelimit-remaining-subscription-writes"))
	}
	if r := do(t, e, tok, http.MethodGet, "/subscriptions/5b000000-0000-4000-8000-00000000c001/resourceGroups/contoso-rg?api-version=2022-12-01", nil); r.status == 429 {
		t.Errorf("another subscription shares the bucket: %s", r.raw)
	}
	clock = clock.Add(time.Second) // 25 tokens back
	for i := 0; i < 25; i++ {
		if r := do(t, e, tok, http.MethodGet, path, nil); r.status != 200 {
			t.Fatalf("read %d after a second: %d", i, r.status)
		}
	}
	if r := do(t, e, tok, http.MethodGet, path, nil); r.status != 429 {
		t.Errorf("26th read after a second: %d", r.status)
	}
}

// Faults per route, method and tenant: error statuses with Retry-After, latency, dropped connections,
// bounded by Times.
func TestFaultInjection(t *testing.T) {
	e := fxEmu(t, Options{})
	tok := token(t, e, fxWoodgrove, fxClient, "woodgrove-secret", armScope)
	socWS := "/subscriptions/5b000000-0000-4000-8000-00000000a001/resourceGroups/soc-rg/providers/Microsoft.OperationalInsights/workspaces/soc-central?api-version=2025-07-01"
	contosoWS := "/subscriptions/5b000000-0000-4000-8000-00000000c001/resourceGroups/contoso-rg/providers/Microsoft.OperationalInsights/workspaces/contoso-prod?api-version=2025-07-01"

	// Per tenant: only Contoso's resources fail, twice, with 503 and Retry-After.
	id, err := e.Faults().Add(Fault{Route: "arm", Tenant: "contoso", Status: 503, RetryAfter: 2 * time.Second, Times: 2})
	if err != nil {
		t.Fatal(err)
	}
	if r := do(t, e, tok, http.MethodGet, socWS, nil); r.status != 200 {
		t.Errorf("Woodgrove during a Contoso fault: %d", r.status)
	}
	for i := 0; i < 2; i++ {
		if r := do(t, e, tok, http.MethodGet, contosoWS, nil); r.status != 503 || errCode(r) != "ServiceUnavailable" || r.header.Get("Retry-After") != "2" {
			t.Errorf("Contoso fault %d: %d %v %s", i, r.status, r.header.Get("Retry-After"), r.raw)
		}
	}
	if r := do(t, e, tok, http.MethodGet, contosoWS, nil); r.status != 200 || e.Faults().Hits(id) != 2 {
		t.Errorf("after Times=2: %d, hits %d", r.status, e.Faults().Hits(id))
	}
	e.Faults().Remove(id)

	// Per method and path glob: writes to incidents fail with 500, reads pass.
	id, _ = e.Faults().Add(Fault{Route: "/subscriptions/*/**/incidents/*", Method: "PUT", Status: 500})
	inc := "/subscriptions/5b000000-0000-4000-8000-00000000a001/resourceGroups/soc-rg/providers/Microsoft.OperationalInsights/workspaces/soc-central/providers/Microsoft.SecurityInsights/incidents/00000001-0000-4000-8000-000000000001?api-version=2025-06-01"
	if r := do(t, e, tok, http.MethodGet, inc, nil); r.status != 200 {
		t.Errorf("GET during a PUT fault: %d", r.status)
	}
	if r := do(t, e, tok, http.MethodPut, inc, map[string]any{"properties": map[string]any{}}); r.status != 500 || errCode(r) != "InternalServerError" {
		t.Errorf("PUT fault: %d %s", r.status, r.raw)
	}
	e.Faults().Remove(id)

	// Latency delays the answer, which is then served normally.
	id, _ = e.Faults().Add(Fault{Route: "/subscriptions/**", Latency: 150 * time.Millisecond, Times: 1})
	start := time.Now()
	if r := do(t, e, tok, http.MethodGet, socWS, nil); r.status != 200 || time.Since(start) < 150*time.Millisecond {
		t.Errorf("latency fault: %d after %s", r.status, time.Since(start))
	}
	e.Faults().Remove(id)

	// A dropped connection: the client sees a transport error, not an HTTP answer.
	id, _ = e.Faults().Add(Fault{Route: "query", Drop: true, Times: 1})
	logs := token(t, e, fxWoodgrove, fxClient, "woodgrove-secret", logsScope)
	req, _ := http.NewRequest(http.MethodPost, e.URL()+"/v1/workspaces/"+fxSOC+"/query", strings.NewReader(`{"query":"print 1"}`))
	req.Header.Set("Authorization", "Bearer "+logs)
	req.Header.Set("Content-Type", "application/json")
	req.Close = true
	if res, err := e.HTTPClient().Do(req); err == nil {
		_ = res.Body.Close()
		t.Errorf("dropped connection answered %d", res.StatusCode)
	}
	if e.Faults().Hits(id) != 1 {
		t.Errorf("drop fault hits %d", e.Faults().Hits(id))
	}
	e.Faults().Remove(id)

	// Login faults key on the tenant in the URL.
	id, _ = e.Faults().Add(Fault{Route: "login", Tenant: "adatum", Status: 429})
	if r := postToken(t, e, fxWoodgrove, url.Values{"grant_type": {"client_credentials"}, "client_id": {fxClient}, "client_secret": {"woodgrove-secret"}, "scope": {armScope}}); r.status != 200 {
		t.Errorf("Woodgrove login during an Adatum fault: %d %s", r.status, r.raw)
	}
	if r := postToken(t, e, "7a1c0f00-0000-4000-8000-00000000d001", url.Values{}); r.status != 429 || r.body["error"] != "temporarily_unavailable" || r.header.Get("Retry-After") == "" {
		t.Errorf("Adatum login fault: %d %s", r.status, r.raw)
	}
	e.Faults().Remove(id)

	for _, bad := range []Fault{{}, {Status: 200}, {Status: 429, Probability: 2}, {Latency: time.Second, Times: -1}} {
		if _, err := e.Faults().Add(bad); err == nil {
			t.Errorf("fault %+v accepted", bad)
		}
	}
}

// Probabilistic faults draw from the seed: the same requests fail the same way on every run.
func TestProbabilisticFaultsAreDeterministic(t *testing.T) {
	pattern := func(seed int64) string {
		e := startEmu(t, Options{Seed: seed, Now: func() time.Time { return fxNow }, fixture: fixtureWorld,
			Faults: []Fault{{Route: "/subscriptions/**", Status: 503, Probability: 0.5}}})
		tok := token(t, e, fxWoodgrove, fxClient, "woodgrove-secret", armScope)
		var b strings.Builder
		for i := 0; i < 40; i++ {
			r := do(t, e, tok, http.MethodGet, "/subscriptions/5b000000-0000-4000-8000-00000000a001?api-version=2022-12-01", nil)
			b.WriteString(map[bool]string{true: "x", false: "."}[r.status == 503])
		}
		return b.String()
	}
	a, b := pattern(7), pattern(7)
	if a != b {
		t.Errorf("same seed, different failures:\n%s\n%s", a, b)
	}
	if n := strings.Count(a, "x"); n < 8 || n > 32 {
		t.Errorf("probability 0.5 failed %d of 40: %s", n, a)
	}
}

func TestParseFault(t *testing.T) {
	f, err := ParseFault("route=/v1/**, method=post, tenant=fabrikam, status=429, retry-after=2s, times=3, probability=0.25")
	if err != nil || f.Route != "/v1/**" || f.Method != "POST" || f.Tenant != "fabrikam" || f.Status != 429 || f.RetryAfter != 2*time.Second ||
		f.Times != 3 || f.Probability != 0.25 {
		t.Errorf("ParseFault = %+v, %v", f, err)
	}
	if f, err := ParseFault("route=query,latency=200ms,drop=true"); err != nil || f.Latency != 200*time.Millisecond || !f.Drop {
		t.Errorf("latency/drop: %+v %v", f, err)
	}
	for _, bad := range []string{"route=arm", "status=abc", "colour=red,status=500", "status", "latency=fast"} {
		if _, err := ParseFault(bad); err == nil {
			t.Errorf("ParseFault(%q) accepted", bad)
		}
	}
}

// Resource Graph's own quota: 15 queries per 5 seconds per user, reported in x-ms-user-quota-* headers;
// past it a 429 RateLimiting with Retry-After until the window frees a slot.
func TestResourceGraphQuota(t *testing.T) {
	e := fxEmu(t, Options{})
	clock := time.Date(2026, 1, 10, 12, 0, 0, 0, time.UTC)
	e.graphQuota.now = func() time.Time { return clock }
	tok := token(t, e, fxWoodgrove, fxClient, "woodgrove-secret", armScope)
	q := map[string]any{"query": "resources | where type =~ 'microsoft.operationalinsights/workspaces' | project id"}
	graph := func() resp {
		return do(t, e, tok, http.MethodPost, "/providers/Microsoft.ResourceGraph/resources?api-version=2024-04-01", q)
	}
	for i := 14; i >= 0; i-- {
		r := graph()
		if r.status != 200 || r.header.Get("x-ms-user-quota-remaining") != strconv.Itoa(i) || r.header.Get("x-ms-user-quota-resets-after") != "00:00:05" {
			t.Fatalf("query %d: %d, remaining %q, resets %q", 15-i, r.status, r.header.Get("x-ms-user-quota-remaining"), r.header.Get("x-ms-user-quota-resets-after"))
		}
	}
	clock = clock.Add(2 * time.Second)
	r := graph()
	details, _ := r.body["error"].(map[string]any)["details"].([]any)
	if r.status != 429 || errCode(r) != "RateLimiting" || len(details) != 1 || r.header.Get("Retry-After") != "3" || r.header.Get("x-ms-user-quota-remaining") != "0" {
		t.Fatalf("16th query: %d %v %s", r.status, r.header, r.raw)
	}
	clock = clock.Add(3 * time.Second)
	if r := graph(); r.status != 200 {
		t.Errorf("after the window: %d %s", r.status, r.raw)
	}
}

// The query API's timespan forms (duration, start/end, start/duration) bound each table's time
// column; GET carries query, timespan and workspaces in the URL; a bad timespan is a BadArgumentError.
func TestQueryTimespansAndGET(t *testing.T) {
	e, tok := startQueryEmu(t, 0) // Contoso sign-ins at now-1h, now-2h, now-3h; now = 2026-01-10T12:00Z
	count := func(r resp) float64 {
		t.Helper()
		_, rows := table(t, r)
		return rows[0][0].(float64)
	}
	for span, want := range map[string]float64{
		"PT90M": 1, "P1D": 3,
		"2026-01-10T09:30:00Z/2026-01-10T10:30:00Z": 1,
		"2026-01-10T08:30:00Z/PT2H":                 2,
	} {
		if got := count(query(t, e, tok, fxContoso, map[string]any{"query": "SigninLogs | count", "timespan": span})); got != want {
			t.Errorf("timespan %s: %v rows, want %v", span, got, want)
		}
	}
	r := query(t, e, tok, fxContoso, map[string]any{"query": "SigninLogs | count", "timespan": "yesterday"})
	if inner, _ := r.body["error"].(map[string]any)["innererror"].(map[string]any); r.status != 400 || errCode(r) != "BadArgumentError" ||
		!strings.Contains(inner["message"].(string), "yesterday") {
		t.Errorf("bad timespan: %d %s", r.status, r.raw)
	}
	v := url.Values{"query": {"SigninLogs | count"}, "timespan": {"PT150M"}, "workspaces": {fxSOC}}
	if got := count(do(t, e, tok, http.MethodGet, "/v1/workspaces/"+fxContoso+"/query?"+v.Encode(), nil)); got != 3 {
		t.Errorf("GET with workspaces and timespan: %v rows, want 3 (2 Contoso + 1 Woodgrove)", got)
	}
	if r := query(t, e, tok, fxContoso, map[string]any{"query": " "}); r.status != 400 || errCode(r) != "BadArgumentError" {
		t.Errorf("empty query: %d %s", r.status, r.raw)
	}
}

// Token lifetimes are enforced: an expired token is ARM's ExpiredAuthenticationToken, a token whose
// validity starts later is refused too; a token signed by another emulator's key is invalid.
func TestTokenLifetimeAndSignature(t *testing.T) {
	e := fxEmu(t, Options{})
	now := time.Now()
	sign := func(s *signer, iat, nbf, exp time.Time) string {
		tok, err := s.sign(tokenClaims{Aud: "https://management.azure.com", Iss: "https://sts.windows.net/" + fxWoodgrove + "/",
			Iat: iat.Unix(), Nbf: nbf.Unix(), Exp: exp.Unix(), AppID: fxClient, IdTyp: "app", Oid: "0b000000-0000-4000-8000-00000000a001",
			Sub: "0b000000-0000-4000-8000-00000000a001", Tid: fxWoodgrove, Ver: "1.0"})
		if err != nil {
			t.Fatal(err)
		}
		return tok
	}
	path := "/subscriptions?api-version=2022-12-01"
	if r := do(t, e, sign(e.signer, now, now, now.Add(time.Hour)), http.MethodGet, path, nil); r.status != 200 {
		t.Fatalf("a valid hand-signed token: %d %s", r.status, r.raw)
	}
	r := do(t, e, sign(e.signer, now.Add(-2*time.Hour), now.Add(-2*time.Hour), now.Add(-time.Hour)), http.MethodGet, path, nil)
	if r.status != 401 || errCode(r) != "ExpiredAuthenticationToken" || !strings.Contains(r.header.Get("WWW-Authenticate"), "expired") {
		t.Errorf("expired token: %d %v %s", r.status, r.header.Get("WWW-Authenticate"), r.raw)
	}
	if r := do(t, e, sign(e.signer, now, now.Add(time.Hour), now.Add(2*time.Hour)), http.MethodGet, path, nil); r.status != 401 || errCode(r) != "InvalidAuthenticationToken" {
		t.Errorf("not yet valid token: %d %s", r.status, r.raw)
	}
	other, err := newSigner()
	if err != nil {
		t.Fatal(err)
	}
	if r := do(t, e, sign(other, now, now, now.Add(time.Hour)), http.MethodGet, path, nil); r.status != 401 || errCode(r) != "InvalidAuthenticationToken" {
		t.Errorf("token of another key: %d %s", r.status, r.raw)
	}
}

func TestListenAddressIsLoopback(t *testing.T) {
	for _, addr := range []string{"127.0.0.1:0", "localhost:0", "[::1]:0", "127.0.0.2:0"} {
		if _, err := New(Options{Addr: addr}); err != nil {
			t.Errorf("New(%s): %v", addr, err)
		}
	}
	for _, addr := range []string{":8443", "0.0.0.0:8443", "192.168.1.10:8443", "[::]:0", "example.com:443", "8443"} {
		if _, err := New(Options{Addr: addr}); err == nil {
			t.Errorf("New(%s) accepted a non-loopback address", addr)
		}
	}
}
