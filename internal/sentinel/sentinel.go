// Package sentinel is typed access to the Microsoft Sentinel (Microsoft.SecurityInsights) resources
// of one workspace, on internal/azure's generic ARM client. It is shared by every toolset that reads
// or changes Sentinel resources, and by export/restore.
//
// The base (this file and model.go) is small on purpose; each resource gets its own file
// (incidents.go, incident_comments.go, incident_alerts.go, alert_rules.go, watchlists.go, ...):
//
//	c, err := sentinel.New(provider, ws)                    // ws is a resolved *tenancy.Workspace
//	inc, err := c.IncidentByNumber(ctx, 42)
//	inc.Properties.Status = sentinel.StatusActive
//	inc, err = c.PutIncident(ctx, inc)                       // If-Match: the etag read (no lost update)
//
// Conventions for a resource file:
//
//   - Paths come from Client.Path("incidents", id, "comments", commentID): the workspace's
//     Microsoft.SecurityInsights scope plus validated, escaped segments. Never concatenate a user value
//     into a path.
//   - The api-version is the ARM client's: the one configured in azure.api_versions for the provider
//     or resource type, else the built-in default with fallback (internal/azure).
//   - A model embeds Raw and Envelope and declares its modelled fields without omitempty (timestamps
//     with omitzero); its MarshalJSON/UnmarshalJSON call MarshalKeep/UnmarshalKeep, so that the JSON
//     of a model is the document Azure returned with the modelled fields overlaid: properties this
//     package does not model survive a read-modify-write and an export/restore unchanged.
//   - Writes send the etag read (WriteOptions.IfMatch and the body's etag). A stale etag is a
//     conflict: azure.IsConflict(err), and ConflictError says what to do.
//   - Lists use Client.Page (one page, resumable with Page.SkipToken or Page.NextLink, for tools that
//     page with a cursor) or Client.ListAll (every page up to a cap).
//   - Errors are *azure.Error values (azure.IsNotFound, IsConflict, IsForbidden...) or errors that
//     name the resource and say what to try.
package sentinel

import (
	"context"
	"crypto/rand"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/sentinel-mcp/sentinel-mcp/internal/azure"
	"github.com/sentinel-mcp/sentinel-mcp/internal/tenancy"
)

// ProviderPath is the resource provider segment under a workspace.
const ProviderPath = "/providers/Microsoft.SecurityInsights"

// Client reads and writes the Sentinel resources of one workspace. It is cheap to create (no network
// call) and safe for concurrent use.
type Client struct {
	arm *azure.ARM
	ws  *tenancy.Workspace
}

// New returns the client of a workspace, authenticated with the credential that reaches it
// (ws.CredTenantID: the managing tenant for Lighthouse, the tenant itself when direct).
func New(p *azure.Provider, ws *tenancy.Workspace) (*Client, error) {
	if p == nil {
		return nil, errors.New("sentinel: no Azure provider configured")
	}
	if ws == nil || ws.ResourceID == "" {
		return nil, errors.New("sentinel: no workspace")
	}
	arm, err := p.ARM(ws.CredTenantID)
	if err != nil {
		return nil, err
	}
	return &Client{arm: arm, ws: ws}, nil
}

// Workspace is the workspace the client addresses.
func (c *Client) Workspace() *tenancy.Workspace { return c.ws }

// ARM is the underlying Resource Manager client (for calls this package does not wrap yet).
func (c *Client) ARM() *azure.ARM { return c.arm }

// Path returns the ARM path of a Sentinel resource or collection of the workspace:
// Path("incidents", id) is {workspace}/providers/Microsoft.SecurityInsights/incidents/{id}. Segments
// are escaped; it panics on a segment ValidName refuses, so validate user input with ValidName first
// (or use ResourcePath).
func (c *Client) Path(segments ...string) string {
	p, err := c.ResourcePath(segments...)
	if err != nil {
		panic("sentinel: " + err.Error())
	}
	return p
}

// ResourcePath is Path that returns an error for an invalid segment instead of panicking.
func (c *Client) ResourcePath(segments ...string) (string, error) {
	var b strings.Builder
	b.WriteString(strings.TrimSuffix(c.ws.ResourceID, "/"))
	b.WriteString(ProviderPath)
	for _, s := range segments {
		if err := ValidName(s); err != nil {
			return "", err
		}
		b.WriteByte('/')
		b.WriteString(url.PathEscape(s))
	}
	return b.String(), nil
}

// ValidName checks a resource name used as a path segment: not empty, at most 260 characters, no
// path separators, dot segments or control characters (a name never addresses another resource).
func ValidName(s string) error {
	switch {
	case s == "":
		return errors.New("a resource name is empty")
	case len(s) > 260:
		return fmt.Errorf("resource name %.40q... is longer than 260 characters", s)
	case s == "." || s == "..":
		return fmt.Errorf("%q is not a resource name", s)
	case strings.ContainsAny(s, "/\\?#%"):
		return fmt.Errorf("resource name %q contains one of / \\ ? # %%", s)
	}
	for _, r := range s {
		if r < 0x20 || r == 0x7f {
			return fmt.Errorf("resource name %q contains a control character", s)
		}
	}
	return nil
}

// NewName returns a new random resource name (a lower-case GUID), as Sentinel expects for
// client-named resources such as incidents and comments.
func NewName() string {
	var u [16]byte
	_, _ = rand.Read(u[:])
	u[6] = (u[6] & 0x0f) | 0x40
	u[8] = (u[8] & 0x3f) | 0x80
	return fmt.Sprintf("%x-%x-%x-%x-%x", u[0:4], u[4:6], u[6:8], u[8:10], u[10:])
}

// Get reads the resource at path into v (a model, or any JSON target).
func (c *Client) Get(ctx context.Context, path string, v any) error {
	_, err := c.arm.GetJSON(ctx, path, v)
	return err
}

// Put creates or replaces the resource at path with body, sending etag as If-Match (and leaving the
// body's own etag as it is); an empty etag writes unconditionally. The answer is decoded into out
// (which may be nil).
func (c *Client) Put(ctx context.Context, path string, body any, etag string, out any) error {
	resp, err := c.arm.Put(ctx, path, body, &azure.WriteOptions{IfMatch: etag})
	if err != nil {
		return err
	}
	return resp.Decode(out)
}

// Delete deletes the resource at path, with etag as If-Match when not empty.
func (c *Client) Delete(ctx context.Context, path, etag string) error {
	_, err := c.arm.Delete(ctx, path, &azure.WriteOptions{IfMatch: etag})
	return err
}

// Post calls an action at path; readOnly marks actions that only read (incident alerts and
// entities), so the retry policy may repeat them.
func (c *Client) Post(ctx context.Context, path string, body any, readOnly bool, out any) error {
	if body == nil {
		body = json.RawMessage("{}")
	}
	resp, err := c.arm.Post(ctx, path, body, &azure.WriteOptions{ReadOnly: readOnly})
	if err != nil {
		return err
	}
	return resp.Decode(out)
}

// Query holds the OData parameters of a list request. Only set what the API documents for the
// collection; Sentinel lists accept $filter, $orderby and $top (at most 1000) on incidents and
// comments.
type Query struct {
	Filter  string
	OrderBy string
	Top     int
	// SkipToken resumes a listing at the page a previous Page.SkipToken named; NextLink resumes it
	// from a full nextLink instead (used when the service's link carries no $skipToken). Either must
	// come from a page of the same collection and query.
	SkipToken string
	NextLink  string
}

func (q Query) values() url.Values {
	v := url.Values{}
	if q.Filter != "" {
		v.Set("$filter", q.Filter)
	}
	if q.OrderBy != "" {
		v.Set("$orderby", q.OrderBy)
	}
	if q.Top > 0 {
		v.Set("$top", strconv.Itoa(q.Top))
	}
	if q.SkipToken != "" {
		v.Set("$skipToken", q.SkipToken)
	}
	return v
}

// Page is one page of a collection.
type Page struct {
	Items []json.RawMessage
	// NextLink is the link to the next page as Azure sent it ("" on the last page); SkipToken is its
	// $skipToken, when it has one: resuming with Query.SkipToken set to it (and the same query) reads
	// the next page.
	NextLink  string
	SkipToken string
}

// More reports whether another page follows.
func (p *Page) More() bool { return p.NextLink != "" }

// Page reads one page of the collection at path (a Path of this workspace). A NextLink in q must
// address that same collection: a link elsewhere (a tampered cursor) is refused without a request.
func (c *Client) Page(ctx context.Context, path string, q Query) (*Page, error) {
	req := azure.Request{Method: http.MethodGet, Path: path, Query: q.values()}
	if q.NextLink != "" {
		if err := sameCollection(path, q.NextLink); err != nil {
			return nil, err
		}
		req = azure.Request{Method: http.MethodGet, Path: q.NextLink}
	}
	resp, err := c.arm.Do(ctx, req)
	if err != nil {
		return nil, err
	}
	var body struct {
		Value    []json.RawMessage `json:"value"`
		NextLink string            `json:"nextLink"`
	}
	if err := resp.Decode(&body); err != nil {
		return nil, err
	}
	p := &Page{Items: body.Value, NextLink: body.NextLink}
	if p.NextLink != "" {
		if err := sameCollection(path, p.NextLink); err != nil {
			return nil, fmt.Errorf("sentinel: Azure's nextLink for %s: %w", lastSegments(path), err)
		}
		if u, err := url.Parse(p.NextLink); err == nil {
			p.SkipToken = u.Query().Get("$skipToken")
		}
	}
	return p, nil
}

// sameCollection checks that link addresses the collection at path.
func sameCollection(path, link string) error {
	u, err := url.Parse(link)
	if err != nil {
		return fmt.Errorf("the continuation link is not a URL")
	}
	got, _ := url.PathUnescape(u.Path)
	want, _ := url.PathUnescape(path)
	if !strings.EqualFold(strings.TrimSuffix(got, "/"), strings.TrimSuffix(want, "/")) {
		return fmt.Errorf("the continuation link addresses another collection")
	}
	return nil
}

func lastSegments(path string) string {
	if i := strings.Index(path, ProviderPath); i >= 0 {
		return strings.TrimPrefix(path[i+len(ProviderPath):], "/")
	}
	return path
}

// ListAll reads every page of the collection at path, up to max items (<= 0: the ARM client's
// default cap of 10,000). truncated reports that the cap stopped the listing.
func (c *Client) ListAll(ctx context.Context, path string, q Query, max int) (items []json.RawMessage, truncated bool, err error) {
	res, err := c.arm.List(ctx, path, &azure.ListOptions{Query: q.values(), MaxItems: max})
	if res != nil {
		items, truncated = res.Items, res.Truncated
	}
	return items, truncated, err
}

// DecodeAll decodes raw list items into models.
func DecodeAll[T any](items []json.RawMessage) ([]T, error) {
	out := make([]T, len(items))
	for i, raw := range items {
		if err := json.Unmarshal(raw, &out[i]); err != nil {
			return nil, fmt.Errorf("sentinel: decoding item %d: %v", i, err)
		}
	}
	return out, nil
}

// ODataString returns s as an OData string literal ('...' with quotes doubled), the only way a user
// value may enter a $filter.
func ODataString(s string) string { return "'" + strings.ReplaceAll(s, "'", "''") + "'" }
