package sentinel

import (
	"context"
	"net/http"
	"time"
)

// Watchlist limits of Sentinel (documented for uploads through the API).
const (
	// MaxWatchlistUploadBytes is the largest rawContent a watchlist can be created with (3.8 MB); larger
	// lists go through Azure Storage (sourceType AzureStorage).
	MaxWatchlistUploadBytes = 3_800_000
	// WatchlistContentTypeCSV is the only content type of a local upload.
	WatchlistContentTypeCSV = "text/csv"
)

// Watchlist is a Sentinel watchlist (its items are separate resources).
type Watchlist struct {
	Raw `json:"-"`
	Envelope
	Properties WatchlistProperties `json:"properties"`
}

// WatchlistProperties are a watchlist's properties. RawContent and NumberOfLinesToSkip are write-only
// (the upload); WatchlistID, created/updated, TenantID and UploadStatus are set by Sentinel.
type WatchlistProperties struct {
	WatchlistID         string    `json:"watchlistId"`
	WatchlistAlias      string    `json:"watchlistAlias"`
	DisplayName         string    `json:"displayName"`
	Description         string    `json:"description"`
	Provider            string    `json:"provider"`
	Source              string    `json:"source"`
	SourceType          string    `json:"sourceType"`
	ItemsSearchKey      string    `json:"itemsSearchKey"`
	Labels              []string  `json:"labels"`
	DefaultDuration     string    `json:"defaultDuration"`
	ContentType         string    `json:"contentType"`
	NumberOfLinesToSkip int       `json:"numberOfLinesToSkip"`
	RawContent          string    `json:"rawContent"`
	UploadStatus        string    `json:"uploadStatus"`
	WatchlistType       string    `json:"watchlistType"`
	TenantID            string    `json:"tenantId"`
	IsDeleted           bool      `json:"isDeleted"`
	Created             time.Time `json:"created,omitzero"`
	Updated             time.Time `json:"updated,omitzero"`
	CreatedBy           UserInfo  `json:"createdBy"`
	UpdatedBy           UserInfo  `json:"updatedBy"`
}

// UnmarshalJSON keeps the document (see MarshalKeep).
func (w *Watchlist) UnmarshalJSON(b []byte) error {
	type plain Watchlist
	return UnmarshalKeep(b, (*plain)(w), &w.Raw)
}

// MarshalJSON is the kept document with the modelled fields overlaid.
func (w Watchlist) MarshalJSON() ([]byte, error) {
	type plain Watchlist
	return MarshalKeep(plain(w), w.Raw)
}

// WatchlistItem is one row of a watchlist: its values by column name.
type WatchlistItem struct {
	Raw `json:"-"`
	Envelope
	Properties WatchlistItemProperties `json:"properties"`
}

// WatchlistItemProperties are an item's properties; ItemsKeyValue holds the row.
type WatchlistItemProperties struct {
	WatchlistItemID   string         `json:"watchlistItemId"`
	WatchlistItemType string         `json:"watchlistItemType"`
	ItemsKeyValue     map[string]any `json:"itemsKeyValue"`
	EntityMapping     map[string]any `json:"entityMapping"`
	TenantID          string         `json:"tenantId"`
	IsDeleted         bool           `json:"isDeleted"`
	Created           time.Time      `json:"created,omitzero"`
	Updated           time.Time      `json:"updated,omitzero"`
	CreatedBy         UserInfo       `json:"createdBy"`
	UpdatedBy         UserInfo       `json:"updatedBy"`
}

// UnmarshalJSON keeps the document (see MarshalKeep).
func (i *WatchlistItem) UnmarshalJSON(b []byte) error {
	type plain WatchlistItem
	return UnmarshalKeep(b, (*plain)(i), &i.Raw)
}

// MarshalJSON is the kept document with the modelled fields overlaid.
func (i WatchlistItem) MarshalJSON() ([]byte, error) {
	type plain WatchlistItem
	return MarshalKeep(plain(i), i.Raw)
}

// Watchlists reads one page of the workspace's watchlists.
func (c *Client) Watchlists(ctx context.Context, q Query) ([]Watchlist, *Page, error) {
	page, err := c.Page(ctx, c.Path("watchlists"), q)
	if err != nil {
		return nil, nil, err
	}
	ws, err := DecodeAll[Watchlist](page.Items)
	return ws, page, err
}

// AllWatchlists reads every watchlist, up to max (<= 0: the ARM client's cap).
func (c *Client) AllWatchlists(ctx context.Context, max int) ([]Watchlist, bool, error) {
	items, truncated, err := c.ListAll(ctx, c.Path("watchlists"), Query{}, max)
	if err != nil {
		return nil, false, err
	}
	ws, err := DecodeAll[Watchlist](items)
	return ws, truncated, err
}

// Watchlist reads a watchlist by alias. A missing one is an *azure.Error with IsNotFound.
func (c *Client) Watchlist(ctx context.Context, alias string) (*Watchlist, error) {
	path, err := c.ResourcePath("watchlists", alias)
	if err != nil {
		return nil, err
	}
	var w Watchlist
	resp, err := c.arm.GetJSON(ctx, path, &w)
	if err != nil {
		return nil, err
	}
	if w.Etag == "" {
		w.Etag = resp.ETag()
	}
	return &w, nil
}

// CreateWatchlist creates the watchlist w.Name (its alias) with its upload (RawContent, a CSV text
// with a header line); an existing watchlist of that alias is not overwritten (If-None-Match: *, a
// conflict).
func (c *Client) CreateWatchlist(ctx context.Context, w *Watchlist) (*Watchlist, error) {
	path, err := c.ResourcePath("watchlists", w.Name)
	if err != nil {
		return nil, err
	}
	var out Watchlist
	o := writeOptions(ctx, "")
	o.IfNoneMatch = "*"
	if err := c.send(ctx, http.MethodPut, path, w, o, &out); err != nil {
		return nil, err
	}
	return &out, nil
}

// DeleteWatchlist deletes a watchlist and its items, with etag as If-Match when not empty. Sentinel
// answers 202 and deletes asynchronously: the deletion is followed to its end.
func (c *Client) DeleteWatchlist(ctx context.Context, alias, etag string) error {
	path, err := c.ResourcePath("watchlists", alias)
	if err != nil {
		return err
	}
	return c.send(ctx, http.MethodDelete, path, nil, writeOptions(ctx, etag), nil)
}

// WatchlistItems reads one page of a watchlist's items.
func (c *Client) WatchlistItems(ctx context.Context, alias string, q Query) ([]WatchlistItem, *Page, error) {
	path, err := c.ResourcePath("watchlists", alias, "watchlistItems")
	if err != nil {
		return nil, nil, err
	}
	page, err := c.Page(ctx, path, q)
	if err != nil {
		return nil, nil, err
	}
	items, err := DecodeAll[WatchlistItem](page.Items)
	return items, page, err
}

// AllWatchlistItems reads every item of a watchlist, up to max (<= 0: the ARM client's cap).
func (c *Client) AllWatchlistItems(ctx context.Context, alias string, max int) ([]WatchlistItem, bool, error) {
	path, err := c.ResourcePath("watchlists", alias, "watchlistItems")
	if err != nil {
		return nil, false, err
	}
	raw, truncated, err := c.ListAll(ctx, path, Query{}, max)
	if err != nil {
		return nil, false, err
	}
	items, err := DecodeAll[WatchlistItem](raw)
	return items, truncated, err
}

// WatchlistItem reads one item by id.
func (c *Client) WatchlistItem(ctx context.Context, alias, id string) (*WatchlistItem, error) {
	path, err := c.ResourcePath("watchlists", alias, "watchlistItems", id)
	if err != nil {
		return nil, err
	}
	var it WatchlistItem
	resp, err := c.arm.GetJSON(ctx, path, &it)
	if err != nil {
		return nil, err
	}
	if it.Etag == "" {
		it.Etag = resp.ETag()
	}
	return &it, nil
}

// PutWatchlistItem writes an item's values (a new item when id is ""), sending etag (the etag of the
// item read) in the body and as If-Match, so a concurrent change is a conflict (azure.IsConflict)
// and nothing is written. It returns the item as stored.
func (c *Client) PutWatchlistItem(ctx context.Context, alias, id string, values map[string]any, etag string) (*WatchlistItem, error) {
	create := id == ""
	if create {
		id = NewName()
	}
	path, err := c.ResourcePath("watchlists", alias, "watchlistItems", id)
	if err != nil {
		return nil, err
	}
	body := map[string]any{"properties": map[string]any{"itemsKeyValue": values}}
	o := writeOptions(ctx, etag)
	if etag != "" {
		body["etag"] = etag
	}
	if create {
		o.IfNoneMatch = "*"
	}
	var out WatchlistItem
	resp, err := c.arm.Put(ctx, path, body, o)
	if err != nil {
		return nil, err
	}
	if err := resp.Decode(&out); err != nil {
		return nil, err
	}
	if out.Etag == "" {
		out.Etag = resp.ETag()
	}
	return &out, nil
}

// DeleteWatchlistItem deletes one item, with etag as If-Match when not empty.
func (c *Client) DeleteWatchlistItem(ctx context.Context, alias, id, etag string) error {
	path, err := c.ResourcePath("watchlists", alias, "watchlistItems", id)
	if err != nil {
		return err
	}
	return c.send(ctx, http.MethodDelete, path, nil, writeOptions(ctx, etag), nil)
}
