package emulator

import (
	"net/http"
	"strings"
	"testing"
	"time"
)

// TestFaultStatusCodes checks that an injected status answers with the code
// Azure's service on that surface uses for it.
func TestFaultStatusCodes(t *testing.T) {
	e := startEmu(t, Options{Now: func() time.Time { return fxNow }, fixture: fixtureWorld})
	sub := "/subscriptions/5b000000-0000-4000-8000-00000000a001"
	arm := sub + "/resourceGroups/rg/providers/Microsoft.SecurityInsights/incidents/x?api-version=2025-09-01"
	cases := []struct {
		route, method, path string
		status              int
		code, msg           string
	}{
		{"arm", "GET", arm, 403, "AuthorizationFailed", "does not have authorization to perform action 'Microsoft.SecurityInsights/incidents/read'"},
		{"arm", "PUT", arm, 403, "AuthorizationFailed", "'Microsoft.SecurityInsights/incidents/write'"},
		{"arm", "GET", arm, 404, "ResourceNotFound", "was not found"},
		{"arm", "PUT", arm, 409, "Conflict", "conflict"},
		{"arm", "PUT", arm, 412, "PreconditionFailed", "conditional header"},
		{"arm", "GET", arm, 429, "TooManyRequests", "throttled"},
		{"arm", "GET", arm, 500, "InternalServerError", "internal server error"},
		{"arm", "GET", arm, 503, "ServiceUnavailable", "temporarily unavailable"},
		{"arm", "GET", arm, 400, "BadRequest", "invalid"},
		{"arm", "GET", arm, 401, "AuthenticationFailed", "Authentication failed"},
		{"arm", "GET", arm, 405, "MethodNotAllowed", "Method Not Allowed"},
		{"arm", "GET", arm, 501, "NotImplemented", "Not Implemented"},
		{"query", "POST", "/v1/workspaces/" + fxSOC + "/query", 403, "InsufficientAccessError", "insufficient access"},
		{"query", "POST", "/v1/workspaces/" + fxSOC + "/query", 404, "WorkspaceNotFoundError", fxSOC},
		{"query", "POST", "/v1/workspaces/" + fxSOC + "/query", 401, "AuthorizationRequiredError", "Valid authentication"},
		{"query", "POST", "/v1/workspaces/" + fxSOC + "/query", 429, "ThrottledError", "throttled"},
		{"query", "POST", "/v1/workspaces/" + fxSOC + "/query", 503, "ServiceUnavailableError", "unavailable"},
		{"login", "POST", "/" + fxWoodgrove + "/oauth2/v2.0/token", 401, "invalid_client", "AADSTS7000215"},
		{"login", "POST", "/" + fxWoodgrove + "/oauth2/v2.0/token", 404, "invalid_tenant", "AADSTS90002"},
		{"login", "POST", "/" + fxWoodgrove + "/oauth2/v2.0/token", 503, "temporarily_unavailable", "AADSTS90033"},
	}
	for _, c := range cases {
		id, err := e.Faults().Add(Fault{Route: c.route, Status: c.status})
		if err != nil {
			t.Fatal(err)
		}
		var body any
		if c.method != "GET" {
			body = map[string]any{}
		}
		r := do(t, e, "", c.method, c.path, body)
		e.Faults().Remove(id)
		code := errCode(r)
		if code == "" {
			code, _ = r.body["error"].(string) // OAuth errors: {"error": ..., "error_description": ...}
		}
		if r.status != c.status || code != c.code || !strings.Contains(strings.ToLower(r.raw), strings.ToLower(c.msg)) {
			t.Errorf("%s %s fault %d: got %d %q %s; want code %s and %q", c.route, c.method, c.status, r.status, code, r.raw, c.code, c.msg)
		}
		if c.status == http.StatusTooManyRequests && r.header.Get("Retry-After") == "" {
			t.Errorf("%s fault 429 without Retry-After", c.route)
		}
	}
}
