package sentinel

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/sentinel-mcp/sentinel-mcp/internal/azure"
)

// Workbooks (Microsoft.Insights/workbooks) of the workspace: shared workbooks of its subscription
// whose sourceId is the workspace. Sentinel's own workbooks have category "sentinel"; Azure Monitor
// ones "workbook". The content (serializedData) is a Notebook/1.0 JSON document as a string.

// Workbook categories.
const (
	WorkbookCategorySentinel = "sentinel"
	WorkbookCategoryWorkbook = "workbook"
)

// Workbook is a shared workbook.
type Workbook struct {
	Raw `json:"-"`
	Envelope
	Location   string             `json:"location"`
	Kind       string             `json:"kind"`
	Tags       map[string]string  `json:"tags"`
	Properties WorkbookProperties `json:"properties"`
}

// WorkbookProperties are a workbook's properties; UserID, TimeModified and Revision are set by Azure.
type WorkbookProperties struct {
	DisplayName    string    `json:"displayName"`
	SerializedData string    `json:"serializedData"`
	Version        string    `json:"version"`
	Category       string    `json:"category"`
	Description    string    `json:"description"`
	SourceID       string    `json:"sourceId"`
	Tags           []string  `json:"tags"`
	UserID         string    `json:"userId"`
	Revision       string    `json:"revision"`
	TimeModified   time.Time `json:"timeModified,omitzero"`
}

// UnmarshalJSON keeps the document (see MarshalKeep).
func (w *Workbook) UnmarshalJSON(b []byte) error {
	type plain Workbook
	return UnmarshalKeep(b, (*plain)(w), &w.Raw)
}

// MarshalJSON is the kept document with the modelled fields overlaid.
func (w Workbook) MarshalJSON() ([]byte, error) {
	type plain Workbook
	return MarshalKeep(plain(w), w.Raw)
}

// ResourceGroup is the workbook's resource group (from its id).
func (w *Workbook) ResourceGroup() string {
	segs := strings.Split(strings.Trim(w.ID, "/"), "/")
	if len(segs) > 3 && strings.EqualFold(segs[2], "resourceGroups") {
		return segs[3]
	}
	return ""
}

// Workbooks lists the workspace subscription's workbooks of a category whose source is the
// workspace, up to max; with content, serializedData is included.
func (c *Client) Workbooks(ctx context.Context, category string, content bool, max int) ([]Workbook, bool, error) {
	q := url.Values{"category": {category}, "sourceId": {c.ws.ResourceID}}
	if content {
		q.Set("canFetchContent", "true")
	}
	res, err := c.arm.List(ctx, c.SubscriptionInsightsPath("workbooks"), &azure.ListOptions{Query: q, MaxItems: max})
	if err != nil {
		return nil, false, err
	}
	wbs, err := DecodeAll[Workbook](res.Items)
	if err != nil {
		return nil, false, err
	}
	// The sourceId filter is case-insensitive in Azure; filter again in case a service ignores it.
	out := wbs[:0]
	for _, w := range wbs {
		if w.Properties.SourceID == "" || strings.EqualFold(strings.TrimSuffix(w.Properties.SourceID, "/"), strings.TrimSuffix(c.ws.ResourceID, "/")) {
			out = append(out, w)
		}
	}
	return out, res.Truncated, nil
}

// Workbook reads a workbook (with its content) by name (a GUID) in a resource group of the
// workspace's subscription ("" is the workspace's).
func (c *Client) Workbook(ctx context.Context, resourceGroup, name string) (*Workbook, error) {
	path, err := c.InsightsPath(resourceGroup, "workbooks", name)
	if err != nil {
		return nil, err
	}
	var w Workbook
	resp, err := c.getQuery(ctx, path, url.Values{"canFetchContent": {"true"}}, &w)
	if err != nil {
		return nil, err
	}
	if w.Etag == "" {
		w.Etag = resp.ETag()
	}
	return &w, nil
}

// CreateWorkbook creates w (w.Name is a new GUID when empty) in the workspace's resource group,
// without overwriting an existing workbook.
func (c *Client) CreateWorkbook(ctx context.Context, w *Workbook) (*Workbook, error) {
	if w.Name == "" {
		w.Name = NewName()
	}
	path, err := c.InsightsPath("", "workbooks", w.Name)
	if err != nil {
		return nil, err
	}
	if w.Location == "" {
		w.Location = c.ws.Location
	}
	if w.Kind == "" {
		w.Kind = "shared"
	}
	if w.Properties.SourceID == "" {
		w.Properties.SourceID = c.ws.ResourceID
	}
	if w.Properties.Version == "" {
		w.Properties.Version = "Notebook/1.0"
	}
	o := writeOptions(ctx, "")
	o.IfNoneMatch = "*"
	var out Workbook
	if err := c.send(ctx, http.MethodPut, path+"?sourceId="+url.QueryEscape(w.Properties.SourceID), w, o, &out); err != nil {
		return nil, err
	}
	return &out, nil
}

// DeleteWorkbook deletes a workbook, with etag as If-Match when not empty.
func (c *Client) DeleteWorkbook(ctx context.Context, resourceGroup, name, etag string) error {
	path, err := c.InsightsPath(resourceGroup, "workbooks", name)
	if err != nil {
		return err
	}
	return c.send(ctx, http.MethodDelete, path, nil, writeOptions(ctx, etag), nil)
}
