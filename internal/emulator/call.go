package emulator

import (
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"strings"
)

// call is one request being served.
type call struct {
	e             *Emulator
	w             http.ResponseWriter
	r             *http.Request
	surface       surface
	requestID     string
	correlationID string

	segs  []string   // path segments, original casing, unescaped
	lsegs []string   // lower-cased
	query url.Values // keys as sent
	// tenantID is the tenant that owns the addressed resource (login: the tenant in the path); faults and
	// access checks key on it. Empty when the request addresses no tenant.
	tenantID string
	user     *principal
	// belowScopes is set when the caller reads a path above the scopes delegated to it (a resource-group
	// delegation reading its subscription or a list): only scope-filtered handlers serve such a request.
	belowScopes []string

	bodyEtag     string           // etag sent in a PUT/PATCH body
	pendingItems []map[string]any // watchlist items parsed from rawContent, created after the PUT
}

// principal is the authenticated caller.
type principal struct {
	TenantID string
	ObjectID string
	AppID    string
	Name     string
	Audience string
}

func (c *call) parse() *apiError {
	p := c.r.URL.Path
	for _, s := range strings.Split(strings.Trim(p, "/"), "/") {
		if s == "" {
			continue
		}
		c.segs = append(c.segs, s)
		c.lsegs = append(c.lsegs, strings.ToLower(s))
	}
	c.query = c.r.URL.Query()
	c.tenantID = c.e.targetTenant(c)
	return nil
}

// q returns a query parameter by case-insensitive name, as ARM treats them.
func (c *call) q(name string) string {
	if v, ok := c.query[name]; ok && len(v) > 0 {
		return v[0]
	}
	for k, v := range c.query {
		if strings.EqualFold(k, name) && len(v) > 0 {
			return v[0]
		}
	}
	return ""
}

func (c *call) hasQ(name string) bool {
	for k := range c.query {
		if strings.EqualFold(k, name) {
			return true
		}
	}
	return false
}

// baseURL is scheme://host as the client addressed us, used in nextLink and polling URLs.
func (c *call) baseURL() string {
	scheme := "http"
	if c.r.TLS != nil {
		scheme = "https"
	}
	return scheme + "://" + c.r.Host
}

func (c *call) fail(err *apiError) {
	switch c.surface {
	case surfaceQuery:
		writeQueryError(c.w, err, c.correlationID)
	case surfaceLogin:
		writeLoginError(c.w, err, c.correlationID)
	default:
		writeARMError(c.w, err)
	}
}

func (c *call) ok(status int, v any) { writeJSON(c.w, status, v) }

// readBody decodes a JSON object body. An empty body yields an empty document.
func (c *call) readBody() (doc, *apiError) {
	b, err := io.ReadAll(io.LimitReader(c.r.Body, 64<<20))
	if err != nil {
		return nil, badRequest("InvalidRequestContent", "The request content could not be read: %v", err)
	}
	if len(strings.TrimSpace(string(b))) == 0 {
		return doc{}, nil
	}
	d, err := decodeDoc(b)
	if err != nil {
		return nil, badRequest("InvalidRequestContent", "The request content was invalid and could not be deserialized: '%s'.", jsonErrMessage(err))
	}
	return d, nil
}

func jsonErrMessage(err error) string {
	if se, ok := err.(*json.SyntaxError); ok {
		return se.Error() + " at offset " + itoa(int(se.Offset))
	}
	return err.Error()
}
