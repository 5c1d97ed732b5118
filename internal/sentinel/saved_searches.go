package sentinel

import (
	"context"
	"net/http"
	"strings"
)

// Saved searches of the workspace (Microsoft.OperationalInsights/workspaces/savedSearches): saved
// queries, and functions (a saved search with a function alias, callable by that name in KQL, with
// optional parameters "name:type=default, ..."). Sentinel's hunting queries are saved searches of
// category "Hunting Queries".

// SavedSearch is a saved search or function.
type SavedSearch struct {
	Raw `json:"-"`
	Envelope
	Properties SavedSearchProperties `json:"properties"`
}

// SavedSearchProperties are a saved search's properties.
type SavedSearchProperties struct {
	Category           string           `json:"category"`
	DisplayName        string           `json:"displayName"`
	Query              string           `json:"query"`
	FunctionAlias      string           `json:"functionAlias"`
	FunctionParameters string           `json:"functionParameters"`
	Version            int              `json:"version"`
	Tags               []SavedSearchTag `json:"tags"`
}

// SavedSearchTag is a name/value tag of a saved search.
type SavedSearchTag struct {
	Name  string `json:"name"`
	Value string `json:"value"`
}

// UnmarshalJSON keeps the document (see MarshalKeep).
func (s *SavedSearch) UnmarshalJSON(b []byte) error {
	type plain SavedSearch
	return UnmarshalKeep(b, (*plain)(s), &s.Raw)
}

// MarshalJSON is the kept document with the modelled fields overlaid.
func (s SavedSearch) MarshalJSON() ([]byte, error) {
	type plain SavedSearch
	return MarshalKeep(plain(s), s.Raw)
}

// IsFunction reports a saved search callable as a function.
func (s *SavedSearch) IsFunction() bool { return s.Properties.FunctionAlias != "" }

// Tag returns the value of a tag ("" when absent).
func (s *SavedSearch) Tag(name string) string {
	for _, t := range s.Properties.Tags {
		if strings.EqualFold(t.Name, name) {
			return t.Value
		}
	}
	return ""
}

// SavedSearches reads every saved search of the workspace (the API does not page them).
func (c *Client) SavedSearches(ctx context.Context) ([]SavedSearch, error) {
	path, _ := c.WorkspaceChildPath("savedSearches", "")
	items, _, err := c.ListAll(ctx, path, Query{}, 0)
	if err != nil {
		return nil, err
	}
	return DecodeAll[SavedSearch](items)
}

// SavedSearch reads one saved search by id (its resource name). A missing one is an *azure.Error
// with IsNotFound.
func (c *Client) SavedSearch(ctx context.Context, id string) (*SavedSearch, error) {
	path, err := c.WorkspaceChildPath("savedSearches", id)
	if err != nil {
		return nil, err
	}
	var s SavedSearch
	resp, err := c.arm.GetJSON(ctx, path, &s)
	if err != nil {
		return nil, err
	}
	if s.Etag == "" {
		s.Etag = resp.ETag()
	}
	return &s, nil
}

// CreateSavedSearch writes a new saved search under s.Name (a new GUID when empty) without
// overwriting an existing one (If-None-Match: *).
func (c *Client) CreateSavedSearch(ctx context.Context, s *SavedSearch) (*SavedSearch, error) {
	if s.Name == "" {
		s.Name = NewName()
	}
	path, err := c.WorkspaceChildPath("savedSearches", s.Name)
	if err != nil {
		return nil, err
	}
	o := writeOptions(ctx, "")
	o.IfNoneMatch = "*"
	var out SavedSearch
	if err := c.send(ctx, http.MethodPut, path, s, o, &out); err != nil {
		return nil, err
	}
	return &out, nil
}

// DeleteSavedSearch deletes a saved search. The API takes no etag for a delete.
func (c *Client) DeleteSavedSearch(ctx context.Context, id string) error {
	path, err := c.WorkspaceChildPath("savedSearches", id)
	if err != nil {
		return err
	}
	return c.send(ctx, http.MethodDelete, path, nil, writeOptions(ctx, ""), nil)
}
