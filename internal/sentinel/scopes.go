package sentinel

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/sentinel-mcp/sentinel-mcp/internal/azure"
)

// The workspace's resources outside Microsoft.SecurityInsights: its own children
// (Microsoft.OperationalInsights tables and saved searches) and the Microsoft.Insights resources of
// its subscription (workbooks, data collection rules and endpoints). Their paths are built here, from
// the resolved workspace and validated names, never from a user's path; a resource id given by a
// user must be in the workspace's subscription (so a reference cannot reach a subscription the
// allow-list did not resolve), see InsightsRef.

// InsightsProvider is the Microsoft.Insights provider segment.
const InsightsProvider = "/providers/Microsoft.Insights"

type progressKey struct{}

// WithProgress returns a context in which the long-running writes of this package (tables, watchlist
// deletes, any write Azure answers with 201/202 and a status URL) report every poll to fn.
func WithProgress(ctx context.Context, fn func(azure.Progress)) context.Context {
	if fn == nil {
		return ctx
	}
	return context.WithValue(ctx, progressKey{}, fn)
}

func progressOf(ctx context.Context) func(azure.Progress) {
	fn, _ := ctx.Value(progressKey{}).(func(azure.Progress))
	return fn
}

// WorkspaceChildPath returns the path of a child resource of the workspace itself, e.g.
// WorkspaceChildPath("tables", "SecurityEvent"); an empty name gives the collection.
func (c *Client) WorkspaceChildPath(kind, name string) (string, error) {
	p := strings.TrimSuffix(c.ws.ResourceID, "/") + "/" + kind
	if name == "" {
		return p, nil
	}
	if err := ValidName(name); err != nil {
		return "", err
	}
	return p + "/" + url.PathEscape(name), nil
}

// SubscriptionInsightsPath is the subscription-wide collection of a Microsoft.Insights type
// ("workbooks", "dataCollectionRules") in the workspace's subscription.
func (c *Client) SubscriptionInsightsPath(kind string) string {
	return "/subscriptions/" + c.ws.SubscriptionID + InsightsProvider + "/" + kind
}

// InsightsPath is the path of a Microsoft.Insights resource in a resource group of the workspace's
// subscription ("" is the workspace's own resource group).
func (c *Client) InsightsPath(resourceGroup, kind, name string) (string, error) {
	if resourceGroup == "" {
		resourceGroup = c.ws.ResourceGroup
	}
	if err := ValidName(resourceGroup); err != nil {
		return "", err
	}
	if err := ValidName(name); err != nil {
		return "", err
	}
	return "/subscriptions/" + c.ws.SubscriptionID + "/resourceGroups/" + url.PathEscape(resourceGroup) +
		InsightsProvider + "/" + kind + "/" + url.PathEscape(name), nil
}

// InsightsID is a parsed Microsoft.Insights resource id.
type InsightsID struct {
	ResourceGroup, Kind, Name string
}

// ParseInsightsID parses /subscriptions/{s}/resourceGroups/{rg}/providers/Microsoft.Insights/{kind}/{name}
// and checks that it is a resource of kind in the workspace's subscription.
func (c *Client) ParseInsightsID(id, kind string) (InsightsID, error) {
	segs := strings.Split(strings.Trim(id, "/"), "/")
	if len(segs) != 8 || !strings.EqualFold(segs[0], "subscriptions") || !strings.EqualFold(segs[2], "resourceGroups") ||
		!strings.EqualFold(segs[4], "providers") || !strings.EqualFold(segs[5], "Microsoft.Insights") || !strings.EqualFold(segs[6], kind) {
		return InsightsID{}, fmt.Errorf("%q is not a %s resource id (/subscriptions/{id}/resourceGroups/{rg}/providers/Microsoft.Insights/%s/{name})", id, kind, kind)
	}
	if !strings.EqualFold(segs[1], c.ws.SubscriptionID) {
		return InsightsID{}, fmt.Errorf("%s %q is not in the subscription of workspace %s (%s): address resources of the workspace's own subscription", kind, segs[7], c.ws.Alias, c.ws.SubscriptionID)
	}
	for _, s := range []string{segs[3], segs[7]} {
		u, err := url.PathUnescape(s)
		if err != nil {
			return InsightsID{}, fmt.Errorf("%q is not a valid resource id", id)
		}
		if err := ValidName(u); err != nil {
			return InsightsID{}, err
		}
	}
	rg, _ := url.PathUnescape(segs[3])
	name, _ := url.PathUnescape(segs[7])
	return InsightsID{ResourceGroup: rg, Kind: segs[6], Name: name}, nil
}

// writeOptions are the options of a write by this package: the etag as If-Match when known, and the
// progress reporter of the context.
// The wait for a long-running operation ends a little before the context's deadline, so the caller
// can still say that the operation is running rather than being cut off.
func writeOptions(ctx context.Context, etag string) *azure.WriteOptions {
	o := &azure.WriteOptions{IfMatch: etag, Progress: progressOf(ctx)}
	if dl, ok := ctx.Deadline(); ok {
		left := time.Until(dl)
		o.MaxWait = max(left-min(2*time.Second, left/5), time.Millisecond)
	}
	return o
}

// send writes body to path with method (PUT, PATCH), polling a long-running answer to its end, and
// decodes the final resource into out (which may be nil).
func (c *Client) send(ctx context.Context, method, path string, body any, o *azure.WriteOptions, out any) error {
	if o.Progress == nil {
		o.Progress = progressOf(ctx)
	}
	var (
		resp *azure.Response
		err  error
	)
	switch method {
	case http.MethodPut:
		resp, err = c.arm.Put(ctx, path, body, o)
	case http.MethodPatch:
		resp, err = c.arm.Patch(ctx, path, body, o)
	case http.MethodDelete:
		resp, err = c.arm.Delete(ctx, path, o)
	default:
		return fmt.Errorf("sentinel: unsupported write method %s", method)
	}
	if err != nil {
		return err
	}
	return resp.Decode(out)
}

// getQuery GETs path with extra query parameters and decodes the body into out.
func (c *Client) getQuery(ctx context.Context, path string, q url.Values, out any) (*azure.Response, error) {
	resp, err := c.arm.Do(ctx, azure.Request{Method: http.MethodGet, Path: path, Query: q})
	if err != nil {
		return nil, err
	}
	return resp, resp.Decode(out)
}

// UserInfo is the principal Sentinel records behind a change (an app has no e-mail).
type UserInfo struct {
	ObjectID string `json:"objectId"`
	Email    string `json:"email"`
	Name     string `json:"name"`
}

// String is the principal's most readable name.
func (u UserInfo) String() string {
	for _, s := range []string{u.Email, u.Name, u.ObjectID} {
		if s != "" {
			return s
		}
	}
	return ""
}
