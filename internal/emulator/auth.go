package emulator

import (
	"crypto/subtle"
	"encoding/base64"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"time"
)

// Token lifetime as Entra issues for client credentials.
const tokenLifetime = time.Hour

// Resources the token endpoint issues tokens for, keyed by the scope's resource (without "/.default").
// The value is the audience put into the token.
var tokenResources = map[string]string{
	"https://management.azure.com":         "https://management.azure.com",
	"https://management.azure.com/":        "https://management.azure.com/",
	"https://management.core.windows.net":  "https://management.core.windows.net",
	"https://management.core.windows.net/": "https://management.core.windows.net/",
	"https://api.loganalytics.io":          "https://api.loganalytics.io",
	"https://api.loganalytics.azure.com":   "https://api.loganalytics.azure.com",
}

func isARMAudience(aud string) bool {
	switch strings.TrimSuffix(strings.ToLower(aud), "/") {
	case "https://management.azure.com", "https://management.core.windows.net":
		return true
	}
	return false
}

func isLogsAudience(aud string) bool {
	switch strings.TrimSuffix(strings.ToLower(aud), "/") {
	case "https://api.loganalytics.io", "https://api.loganalytics.azure.com":
		return true
	}
	return false
}

// writeLoginError renders Entra's OAuth error body (AADSTS codes).
func writeLoginError(w http.ResponseWriter, e *apiError, correlationID string) {
	applyErrHeaders(w, e)
	if e.Status == http.StatusTooManyRequests || e.Status >= 500 {
		// Throttling and outages on the token endpoint: Entra answers with the same OAuth shape.
		if e.Code == "" {
			e.Code = "temporarily_unavailable"
		}
	}
	code := 0
	fmt.Sscanf(strings.TrimPrefix(e.Message, "AADSTS"), "%d", &code)
	body := map[string]any{
		"error":             loginErrorName(e.Code),
		"error_description": e.Message + "\r\nTrace ID: " + newGUID() + "\r\nCorrelation ID: " + correlationID + "\r\nTimestamp: " + time.Now().UTC().Format("2006-01-02 15:04:05Z"),
		"error_codes":       []int{code},
		"timestamp":         time.Now().UTC().Format("2006-01-02 15:04:05Z"),
		"trace_id":          newGUID(),
		"correlation_id":    correlationID,
	}
	writeJSON(w, e.Status, body)
}

func loginErrorName(code string) string {
	switch code {
	case "TooManyRequests":
		return "temporarily_unavailable"
	case "InternalServerError", "ServiceUnavailable":
		return "temporarily_unavailable"
	}
	return code
}

func aadErr(status int, oauthCode string, aadsts int, format string, args ...any) *apiError {
	return &apiError{Status: status, Code: oauthCode, Message: fmt.Sprintf("AADSTS%d: ", aadsts) + fmt.Sprintf(format, args...)}
}

func (e *Emulator) serveLogin(c *call) {
	w, _, _ := e.state()
	ls := c.lsegs
	switch {
	case len(ls) >= 3 && ls[0] == "common" && ls[1] == "discovery" && ls[2] == "instance":
		e.instanceDiscovery(c)
	case len(ls) == 4 && ls[1] == "v2.0" && ls[2] == ".well-known" && ls[3] == "openid-configuration",
		len(ls) == 3 && ls[1] == ".well-known" && ls[2] == "openid-configuration":
		t, ok := w.tenant(c.segs[0])
		if !ok && ls[0] != "common" && ls[0] != "organizations" {
			c.fail(aadErr(http.StatusBadRequest, "invalid_tenant", 90002, "Tenant '%s' not found. Check to make sure you have the correct tenant ID and are signing into the correct cloud. Check with your subscription administrator, this may happen if there are no active subscriptions for the tenant.", c.segs[0]))
			return
		}
		tid := c.segs[0]
		if ok {
			tid = t.ID
		}
		e.openIDConfiguration(c, tid)
	case len(ls) == 4 && ls[1] == "oauth2" && ls[2] == "v2.0" && ls[3] == "token":
		if c.r.Method != http.MethodPost {
			c.fail(aadErr(http.StatusMethodNotAllowed, "invalid_request", 900561, "The endpoint only accepts POST, OPTIONS requests. Received a %s request.", c.r.Method))
			return
		}
		e.issueToken(c, c.segs[0])
	case len(ls) == 4 && ls[1] == "discovery" && ls[2] == "v2.0" && ls[3] == "keys":
		c.ok(http.StatusOK, map[string]any{"keys": []any{e.signer.jwk()}})
	default:
		c.fail(aadErr(http.StatusNotFound, "invalid_request", 90010, "The endpoint '%s' does not exist on this emulator.", c.r.URL.Path))
	}
}

func (e *Emulator) instanceDiscovery(c *call) {
	host := c.r.Host
	tenant := "common"
	if ae := c.q("authorization_endpoint"); ae != "" {
		if u, err := url.Parse(ae); err == nil {
			if parts := strings.Split(strings.Trim(u.Path, "/"), "/"); len(parts) > 0 && parts[0] != "" {
				tenant = parts[0]
			}
		}
	}
	c.ok(http.StatusOK, map[string]any{
		"tenant_discovery_endpoint": c.baseURL() + "/" + tenant + "/v2.0/.well-known/openid-configuration",
		"api-version":               "1.1",
		"metadata":                  []any{map[string]any{"preferred_network": host, "preferred_cache": host, "aliases": []string{host}}},
	})
}

func (e *Emulator) openIDConfiguration(c *call, tid string) {
	base := c.baseURL() + "/" + tid
	c.ok(http.StatusOK, map[string]any{
		"token_endpoint":                        base + "/oauth2/v2.0/token",
		"token_endpoint_auth_methods_supported": []string{"client_secret_post", "private_key_jwt", "client_secret_basic"},
		"jwks_uri":                              base + "/discovery/v2.0/keys",
		"response_modes_supported":              []string{"query", "fragment", "form_post"},
		"subject_types_supported":               []string{"pairwise"},
		"id_token_signing_alg_values_supported": []string{"ES256"},
		"response_types_supported":              []string{"code", "id_token", "code id_token", "id_token token"},
		"scopes_supported":                      []string{"openid", "profile", "email", "offline_access"},
		"issuer":                                base + "/v2.0",
		"request_uri_parameter_supported":       false,
		"userinfo_endpoint":                     base + "/openid/userinfo",
		"authorization_endpoint":                base + "/oauth2/v2.0/authorize",
		"device_authorization_endpoint":         base + "/oauth2/v2.0/devicecode",
		"http_logout_supported":                 true,
		"frontchannel_logout_supported":         true,
		"end_session_endpoint":                  base + "/oauth2/v2.0/logout",
		"claims_supported":                      []string{"sub", "iss", "aud", "exp", "iat", "nbf", "tid", "oid", "appid"},
		"tenant_region_scope":                   "EU",
		"cloud_instance_name":                   "emulator",
		"cloud_graph_host_name":                 c.r.Host,
		"msgraph_host":                          c.r.Host,
	})
}

// issueToken implements the client-credentials grant with a client secret (form or HTTP Basic) or a
// client assertion signed by a certificate registered for the app.
func (e *Emulator) issueToken(c *call, tenantRef string) {
	w, _, _ := e.state()
	if err := c.r.ParseForm(); err != nil {
		c.fail(aadErr(http.StatusBadRequest, "invalid_request", 900144, "The request body must contain the following parameter: 'grant_type'."))
		return
	}
	f := c.r.PostForm
	t, ok := w.tenant(tenantRef)
	if !ok {
		c.fail(aadErr(http.StatusBadRequest, "invalid_request", 90002, "Tenant '%s' not found. Check to make sure you have the correct tenant ID and are signing into the correct cloud. Check with your subscription administrator, this may happen if there are no active subscriptions for the tenant.", tenantRef))
		return
	}
	grant := f.Get("grant_type")
	if grant == "" {
		c.fail(aadErr(http.StatusBadRequest, "invalid_request", 900144, "The request body must contain the following parameter: 'grant_type'."))
		return
	}
	if grant != "client_credentials" {
		c.fail(aadErr(http.StatusBadRequest, "unsupported_grant_type", 70003, "The app requested an unsupported grant type '%s'. The emulator supports client_credentials only.", grant))
		return
	}
	clientID, secret := f.Get("client_id"), f.Get("client_secret")
	if u, p, ok := c.r.BasicAuth(); ok {
		clientID, secret = unescapeBasic(u), unescapeBasic(p)
	}
	if clientID == "" {
		c.fail(aadErr(http.StatusBadRequest, "invalid_request", 900144, "The request body must contain the following parameter: 'client_id'."))
		return
	}
	scope := strings.Fields(f.Get("scope"))
	var resource string
	for _, s := range scope {
		switch strings.ToLower(s) {
		case "openid", "profile", "offline_access", "email":
			continue
		}
		if resource != "" {
			c.fail(aadErr(http.StatusBadRequest, "invalid_scope", 70011, "The provided request must include a 'scope' input parameter. The provided value for the input parameter 'scope' is not valid. The scope %s is not valid.", f.Get("scope")))
			return
		}
		resource = s
	}
	if resource == "" {
		c.fail(aadErr(http.StatusBadRequest, "invalid_request", 900144, "The request body must contain the following parameter: 'scope'."))
		return
	}
	if !strings.HasSuffix(resource, "/.default") {
		c.fail(aadErr(http.StatusBadRequest, "invalid_scope", 1002012, "The provided value for scope %s is not valid. Client credential flows must have a scope value with /.default suffixed to the resource identifier (application ID URI).", resource))
		return
	}
	res := strings.TrimSuffix(resource, "/.default")
	aud, known := tokenResources[strings.ToLower(res)]
	if !known {
		c.fail(aadErr(http.StatusBadRequest, "invalid_resource", 500011, "The resource principal named %s was not found in the tenant named %s. This can happen if the application has not been installed by the administrator of the tenant or consented to by any user in the tenant. You might have sent your authentication request to the wrong tenant.", res, t.Name))
		return
	}
	app, ok := w.app(t.ID, clientID)
	if !ok {
		c.fail(aadErr(http.StatusBadRequest, "unauthorized_client", 700016, "Application with identifier '%s' was not found in the directory '%s'. This can happen if the application has not been installed by the administrator of the tenant or consented to by any user in the tenant. You may have sent your authentication request to the wrong tenant.", clientID, t.Name))
		return
	}
	if apiErr := e.authenticateClient(c, app, secret, f); apiErr != nil {
		c.fail(apiErr)
		return
	}
	now := time.Now()
	tok, err := e.signer.sign(tokenClaims{
		Aud: aud, Iss: "https://sts.windows.net/" + t.ID + "/", Iat: now.Unix(), Nbf: now.Add(-5 * time.Minute).Unix(),
		Exp: now.Add(tokenLifetime).Unix(), AppID: app.ClientID, IdTyp: "app", Oid: app.ObjectID, Sub: app.ObjectID,
		Tid: t.ID, Ver: "1.0", Name: app.DisplayName,
	})
	if err != nil {
		c.fail(errf(http.StatusInternalServerError, "server_error", "AADSTS90033: A transient error has occurred. Please try again."))
		return
	}
	secs := int(tokenLifetime / time.Second)
	c.ok(http.StatusOK, map[string]any{"token_type": "Bearer", "expires_in": secs, "ext_expires_in": secs, "access_token": tok})
}

func unescapeBasic(s string) string {
	if u, err := url.QueryUnescape(s); err == nil {
		return u
	}
	return s
}

func (e *Emulator) authenticateClient(c *call, app *appRec, secret string, f url.Values) *apiError {
	assertion := f.Get("client_assertion")
	switch {
	case secret != "":
		if subtle.ConstantTimeCompare([]byte(secret), []byte(app.Secret)) != 1 || app.Secret == "" {
			return aadErr(http.StatusUnauthorized, "invalid_client", 7000215, "Invalid client secret provided. Ensure the secret being sent in the request is the client secret value, not the client secret ID, for a secret added to app '%s'.", app.ClientID)
		}
		return nil
	case assertion != "":
		if f.Get("client_assertion_type") != "urn:ietf:params:oauth:client-assertion-type:jwt-bearer" {
			return aadErr(http.StatusBadRequest, "invalid_request", 90027, "The client_assertion_type '%s' is not supported.", f.Get("client_assertion_type"))
		}
		a, err := parseClientAssertion(assertion)
		if err != nil {
			return aadErr(http.StatusBadRequest, "invalid_client", 50027, "JWT token is invalid or malformed.")
		}
		if !strings.EqualFold(a.Iss, app.ClientID) || !strings.EqualFold(a.Sub, app.ClientID) {
			return aadErr(http.StatusUnauthorized, "invalid_client", 700023, "Client assertion audience claim does not match Realm issuer or the issuer/subject is not the client id '%s'.", app.ClientID)
		}
		nbf, exp := a.times()
		now := time.Now()
		if exp.IsZero() || now.After(exp.Add(5*time.Minute)) || (!nbf.IsZero() && now.Add(5*time.Minute).Before(nbf)) {
			return aadErr(http.StatusUnauthorized, "invalid_client", 700024, "Client assertion is not within its valid time range. Current time: %s, assertion valid from %s, expiry time of assertion %s.", now.UTC().Format(time.RFC3339), nbf.UTC().Format(time.RFC3339), exp.UTC().Format(time.RFC3339))
		}
		for _, cert := range e.certificates(app) {
			if a.verifiedBy(cert) {
				return nil
			}
		}
		return aadErr(http.StatusUnauthorized, "invalid_client", 700027, "The certificate with identifier used to sign the client assertion is not registered on application. [Reason - The key was not found., Thumbprint of key used by client: '%s']", a.x5tS256+a.x5t)
	default:
		return aadErr(http.StatusUnauthorized, "invalid_client", 7000218, "The request body must contain the following parameter: 'client_assertion' or 'client_secret'.")
	}
}

// authenticate validates the bearer token of an ARM or query API request. It returns nil and answers
// the request itself when the token is missing or invalid.
func (e *Emulator) authenticate(c *call) *principal {
	authz := c.r.Header.Get("Authorization")
	realm := c.baseURL() + "/"
	challenge := func(desc string) http.Header {
		return http.Header{"WWW-Authenticate": {fmt.Sprintf(`Bearer authorization_uri="%s", error="invalid_token", error_description="%s"`, realm, desc)}}
	}
	fail := func(code, msg, desc string) *principal {
		err := errf(http.StatusUnauthorized, code, "%s", msg)
		err.Header = challenge(desc)
		if c.surface == surfaceQuery && code == "AuthenticationFailed" {
			err.Code, err.Message = "AuthorizationRequiredError", "Valid authentication was not provided"
		}
		c.fail(err)
		return nil
	}
	if authz == "" {
		return fail("AuthenticationFailed", "Authentication failed. The 'Authorization' header is missing.", "The authentication failed because of missing 'Authorization' header.")
	}
	scheme, tok, ok := strings.Cut(authz, " ")
	if !ok || !strings.EqualFold(scheme, "Bearer") || strings.TrimSpace(tok) == "" {
		return fail("AuthenticationFailed", "Authentication failed. The 'Authorization' header is provided in an invalid format.", "The authentication failed because of an invalid 'Authorization' header.")
	}
	claims, err := e.signer.verify(strings.TrimSpace(tok))
	if err != nil {
		return fail("InvalidAuthenticationToken", "The access token is invalid.", "The access token is invalid: "+err.Error()+".")
	}
	now := time.Now()
	if exp := time.Unix(claims.Exp, 0); now.After(exp) {
		return fail("ExpiredAuthenticationToken",
			fmt.Sprintf("The access token expiry UTC time '%s' is earlier than current UTC time '%s'.", exp.UTC().Format("1/2/2006 3:04:05 PM"), now.UTC().Format("1/2/2006 3:04:05 PM")),
			"The access token has expired.")
	}
	if nbf := time.Unix(claims.Nbf, 0); claims.Nbf != 0 && now.Add(5*time.Minute).Before(nbf) {
		return fail("InvalidAuthenticationToken", "The access token is not yet valid.", "The access token is not yet valid.")
	}
	switch c.surface {
	case surfaceARM:
		if !isARMAudience(claims.Aud) {
			return fail("InvalidAuthenticationTokenAudience",
				fmt.Sprintf("The access token has been obtained for wrong audience or resource '%s'. It should exactly match with one of the allowed audiences 'https://management.core.windows.net/','https://management.core.windows.net','https://management.azure.com/','https://management.azure.com'.", claims.Aud),
				"The access token has been obtained for wrong audience or resource.")
		}
	case surfaceQuery:
		if !isLogsAudience(claims.Aud) {
			c.fail(&apiError{Status: http.StatusForbidden, Code: "InvalidAuthenticationTokenAudience",
				Message: "The provided authentication is not valid for this resource",
				Inner:   map[string]any{"code": "InvalidAuthenticationTokenAudience", "message": fmt.Sprintf("The audience '%s' of the access token is not valid for the Log Analytics query API; request a token for 'https://api.loganalytics.io/.default'.", claims.Aud)}})
			return nil
		}
	}
	return &principal{TenantID: claims.Tid, ObjectID: claims.Oid, AppID: claims.AppID, Name: claims.Name, Audience: claims.Aud}
}

func (s *signer) jwk() map[string]any {
	return map[string]any{
		"kty": "EC", "use": "sig", "crv": "P-256", "kid": s.kid, "alg": "ES256",
		"x": base64.RawURLEncoding.EncodeToString(s.key.PublicKey.X.FillBytes(make([]byte, 32))),
		"y": base64.RawURLEncoding.EncodeToString(s.key.PublicKey.Y.FillBytes(make([]byte, 32))),
	}
}
