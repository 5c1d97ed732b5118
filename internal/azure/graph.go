package azure

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
)

// GraphQuery is an Azure Resource Graph query.
type GraphQuery struct {
	Query string
	// Subscriptions limits the query; empty queries every subscription the identity sees (own and
	// Lighthouse-delegated).
	Subscriptions    []string
	ManagementGroups []string
	PageSize         int // rows per request, 1-1000 (default 1000)
	MaxRows          int // rows collected at most (default 10,000)
}

// GraphResult holds the rows of a Resource Graph query, one JSON object per row.
type GraphResult struct {
	Rows         []json.RawMessage
	TotalRecords int
	Truncated    bool // MaxRows cut the result
}

const (
	graphPath           = "/providers/Microsoft.ResourceGraph/resources"
	defaultGraphMaxRows = 10_000
)

// ResourceGraph runs q, following $skipToken pages. The POST only reads, so it is retried like a GET
// (Resource Graph throttles at about 15 queries per 5 seconds per user and answers 429 with
// Retry-After).
func (a *ARM) ResourceGraph(ctx context.Context, q GraphQuery) (*GraphResult, error) {
	top := q.PageSize
	if top <= 0 || top > 1000 {
		top = 1000
	}
	maxRows := q.MaxRows
	if maxRows <= 0 {
		maxRows = defaultGraphMaxRows
	}
	res := &GraphResult{}
	skipToken := ""
	for {
		opts := map[string]any{"$top": min(top, maxRows-len(res.Rows)), "resultFormat": "objectArray"}
		if skipToken != "" {
			opts["$skipToken"] = skipToken
		}
		body := map[string]any{"query": q.Query, "options": opts}
		if len(q.Subscriptions) > 0 {
			body["subscriptions"] = q.Subscriptions
		}
		if len(q.ManagementGroups) > 0 {
			body["managementGroups"] = q.ManagementGroups
		}
		resp, err := a.Do(ctx, Request{Method: http.MethodPost, Path: graphPath, Body: body, ReadOnly: true})
		if err != nil {
			return res, err
		}
		var page struct {
			TotalRecords int               `json:"totalRecords"`
			Data         json.RawMessage   `json:"data"`
			SkipToken    string            `json:"$skipToken"`
			Rows         []json.RawMessage `json:"-"`
		}
		if err := json.Unmarshal(resp.Body, &page); err != nil {
			return res, fmt.Errorf("azure: Resource Graph answer is not the expected JSON: %v", err)
		}
		if len(page.Data) > 0 && page.Data[0] == '[' {
			if err := json.Unmarshal(page.Data, &page.Rows); err != nil {
				return res, fmt.Errorf("azure: Resource Graph rows: %v", err)
			}
		}
		res.TotalRecords = page.TotalRecords
		res.Rows = append(res.Rows, page.Rows...)
		if page.SkipToken == "" || len(page.Rows) == 0 {
			return res, nil
		}
		if len(res.Rows) >= maxRows {
			res.Truncated = true
			return res, nil
		}
		skipToken = page.SkipToken
	}
}
