package contract

import (
	"context"
	"encoding/json"
	"strings"
	"testing"

	oi "github.com/Azure/azure-sdk-for-go/sdk/resourcemanager/operationalinsights/armoperationalinsights/v2"
)

func init() {
	o := "operationalinsights/"
	wsAllow := []string{"properties.replication", "properties.failover"} // present only when workspace replication is configured

	scenarios[o+"WorkspacesGet.json"] = func(t *testing.T, h *harness, ex *example) {
		c, _ := oi.NewWorkspacesClient(h.sub, h.cred, h.opts)
		got, resp, wire := capture(h, func(ctx context.Context) (oi.WorkspacesClientGetResponse, error) {
			return c.Get(ctx, h.rg, h.ws, nil)
		})
		expectStatus(t, ex, resp)
		checkBoth(t, ex, ex.body("200"), got, wire, wsAllow...)
	}
	scenarios[o+"WorkspacesListByResourceGroup.json"] = func(t *testing.T, h *harness, ex *example) {
		c, _ := oi.NewWorkspacesClient(h.sub, h.cred, h.opts)
		got, wire := firstPage(h, c.NewListByResourceGroupPager(h.rg, nil))
		if len(got.Value) != 2 {
			t.Errorf("resource group %s: %d workspaces, want 2 (contoso-prod, contoso-dev)", h.rg, len(got.Value))
		}
		checkBoth(t, ex, ex.body("200"), got, wire, "value[].properties.replication", "value[].properties.failover")
	}
	scenarios[o+"WorkspacesSubscriptionList.json"] = func(t *testing.T, h *harness, ex *example) {
		c, _ := oi.NewWorkspacesClient(h.sub, h.cred, h.opts)
		got, wire := firstPage(h, c.NewListPager(nil))
		if strings.Contains(string(wire), "nextLink") {
			t.Error("workspace lists are not pageable: nextLink must be absent")
		}
		checkBoth(t, ex, ex.body("200"), got, wire, "value[].properties.replication", "value[].properties.failover")
	}

	// Saved searches.
	putSearch := func(h *harness, name string, raw json.RawMessage) (oi.SavedSearchesClientCreateOrUpdateResponse, []byte) {
		c, _ := oi.NewSavedSearchesClient(h.sub, h.cred, h.opts)
		got, _, wire := capture(h, func(ctx context.Context) (oi.SavedSearchesClientCreateOrUpdateResponse, error) {
			return c.CreateOrUpdate(ctx, h.rg, h.ws, name, decodeInto[oi.SavedSearch](h.t, withoutEtag(h.t, raw)), nil)
		})
		return got, wire
	}
	scenarios[o+"WorkspacesSavedSearchesCreateOrUpdate.json"] = func(t *testing.T, h *harness, ex *example) {
		got, wire := putSearch(h, ex.str("savedSearchId"), ex.param("parameters"))
		checkBoth(t, ex, ex.body("200"), got, wire)
		if got.Etag == nil || !strings.HasPrefix(*got.Etag, "W/\"datetime'") {
			t.Errorf("saved search etag %v, want a weak datetime etag", got.Etag)
		}
	}
	scenarios[o+"WorkspacesSavedSearchesGet.json"] = func(t *testing.T, h *harness, ex *example) {
		putSearch(h, ex.str("savedSearchId"), ex.body("200"))
		c, _ := oi.NewSavedSearchesClient(h.sub, h.cred, h.opts)
		got, resp, wire := capture(h, func(ctx context.Context) (oi.SavedSearchesClientGetResponse, error) {
			return c.Get(ctx, h.rg, h.ws, ex.str("savedSearchId"), nil)
		})
		expectStatus(t, ex, resp)
		checkBoth(t, ex, ex.body("200"), got, wire)
	}
	// Quirk: the example is a bare array with PascalCase property names (an old payload); the spec and
	// the service answer {"value":[...]} with camelCase. Compare each element, case-insensitively.
	scenarios[o+"SavedSearchesListByWorkspace.json"] = func(t *testing.T, h *harness, ex *example) {
		var arr []map[string]any
		must(t, json.Unmarshal(ex.body("200"), &arr))
		for i, it := range arr {
			p := lowerKeys(it["properties"]).(map[string]any)
			b, _ := json.Marshal(map[string]any{"properties": p})
			putSearch(h, "search-"+string(rune('a'+i)), b)
		}
		c, _ := oi.NewSavedSearchesClient(h.sub, h.cred, h.opts)
		got, resp, wire := capture(h, func(ctx context.Context) (oi.SavedSearchesClientListByWorkspaceResponse, error) {
			return c.ListByWorkspace(ctx, h.rg, h.ws, nil)
		})
		expectStatus(t, ex, resp)
		var list struct {
			Value []json.RawMessage `json:"value"`
		}
		must(t, json.Unmarshal(wire, &list))
		byName := map[string]json.RawMessage{}
		for _, v := range list.Value {
			byName[nameOf(t, v)] = v
		}
		for i, it := range arr {
			elem, _ := json.Marshal(lowerKeys(it))
			v, ok := byName["search-"+string(rune('a'+i))]
			if !ok {
				t.Fatalf("saved search %d is not listed", i)
			}
			checkWire(t, ex.name+" (wire, element)", elem, lowerJSON(t, v))
		}
		// The workspace's own saved searches (hunting queries, functions) are listed too.
		if len(got.Value) != len(list.Value) || len(got.Value) < len(arr) {
			t.Errorf("SDK decoded %d saved searches of the %d listed", len(got.Value), len(list.Value))
		}
	}
	scenarios[o+"WorkspacesDeleteSavedSearches.json"] = func(t *testing.T, h *harness, ex *example) {
		putSearch(h, ex.str("savedSearchId"), loadExample(t, o+"WorkspacesSavedSearchesCreateOrUpdate.json").param("parameters"))
		c, _ := oi.NewSavedSearchesClient(h.sub, h.cred, h.opts)
		_, resp, _ := capture(h, func(ctx context.Context) (oi.SavedSearchesClientDeleteResponse, error) {
			return c.Delete(ctx, h.rg, h.ws, ex.str("savedSearchId"), nil)
		})
		expectStatus(t, ex, resp)
	}

	// Tables. Microsoft tables exist in every workspace; the examples' ones are stored as Azure would
	// have them before the calls.
	seedTables := func(h *harness, body json.RawMessage) {
		for _, it := range h.listItems(body) {
			must(h.t, h.e.SeedResource(h.wsID+"/tables/"+nameOf(h.t, it), it))
		}
	}
	scenarios[o+"TablesList.json"] = func(t *testing.T, h *harness, ex *example) {
		seedTables(h, ex.body("200"))
		c, _ := oi.NewTablesClient(h.sub, h.cred, h.opts)
		got, wire := firstPage(h, c.NewListByWorkspacePager(h.rg, h.ws, nil))
		if strings.Contains(string(wire), "nextLink") {
			t.Error("table lists are not pageable: nextLink must be absent")
		}
		checkBoth(t, ex, ex.body("200"), got, wire)
	}
	scenarios[o+"TablesUpsert.json"] = func(t *testing.T, h *harness, ex *example) {
		seedTables(h, loadExample(t, o+"TablesList.json").body("200"))
		c, _ := oi.NewTablesClient(h.sub, h.cred, h.opts)
		got, _, wire := capture(h, func(ctx context.Context) (oi.TablesClientCreateOrUpdateResponse, error) {
			p, err := c.BeginCreateOrUpdate(ctx, h.rg, h.ws, ex.str("tableName"), decodeInto[oi.Table](t, ex.param("parameters")), nil)
			if err != nil {
				return oi.TablesClientCreateOrUpdateResponse{}, err
			}
			if p.Done() {
				t.Error("table upsert completed without a long-running operation")
			}
			return p.PollUntilDone(ctx, pollFast)
		})
		checkBoth(t, ex, ex.body("200"), got, wire)
		if r := got.Properties.RetentionInDays; r == nil || *r != 45 {
			t.Errorf("retentionInDays = %v, want 45", r)
		}
		if a := got.Properties.ArchiveRetentionInDays; a == nil || *a != 25 {
			t.Errorf("archiveRetentionInDays = %v, want 25 (70-45)", a)
		}
	}
	scenarios[o+"TablesGet.json"] = func(t *testing.T, h *harness, ex *example) {
		var tbl struct {
			Properties struct {
				SearchResults json.RawMessage `json:"searchResults"`
			} `json:"properties"`
		}
		must(t, json.Unmarshal(ex.body("200"), &tbl))
		req, _ := json.Marshal(map[string]any{"properties": map[string]any{"searchResults": json.RawMessage(tbl.Properties.SearchResults)}})
		c, _ := oi.NewTablesClient(h.sub, h.cred, h.opts)
		p, err := c.BeginCreateOrUpdate(h.ctx(), h.rg, h.ws, ex.str("tableName"), decodeInto[oi.Table](t, req), nil)
		must(t, err)
		_, err = p.PollUntilDone(h.ctx(), pollFast)
		must(t, err)
		got, resp, wire := capture(h, func(ctx context.Context) (oi.TablesClientGetResponse, error) {
			return c.Get(ctx, h.rg, h.ws, ex.str("tableName"), nil)
		})
		expectStatus(t, ex, resp)
		checkBoth(t, ex, ex.body("200"), got, wire)
	}
	scenarios[o+"TablesDelete.json"] = func(t *testing.T, h *harness, ex *example) {
		create, _ := json.Marshal(map[string]any{"properties": map[string]any{"schema": map[string]any{"name": ex.str("tableName"),
			"columns": []any{map[string]any{"name": "TimeGenerated", "type": "datetime"}, map[string]any{"name": "Message", "type": "string"}}}}})
		c, _ := oi.NewTablesClient(h.sub, h.cred, h.opts)
		p, err := c.BeginCreateOrUpdate(h.ctx(), h.rg, h.ws, ex.str("tableName"), decodeInto[oi.Table](t, create), nil)
		must(t, err)
		_, err = p.PollUntilDone(h.ctx(), pollFast)
		must(t, err)
		var first int
		_, _, _ = capture(h, func(ctx context.Context) (oi.TablesClientDeleteResponse, error) {
			dp, err := c.BeginDelete(ctx, h.rg, h.ws, ex.str("tableName"), nil)
			if err != nil {
				return oi.TablesClientDeleteResponse{}, err
			}
			first = 200
			if !dp.Done() {
				first = 202
			}
			return dp.PollUntilDone(ctx, pollFast)
		})
		if first != 202 {
			t.Error("table delete did not start an asynchronous operation (202)")
		}
		if _, err := c.Get(h.ctx(), h.rg, h.ws, ex.str("tableName"), nil); err == nil {
			t.Error("table still exists after the delete operation completed")
		}
	}
	scenarios[o+"OperationStatusesGet.json"] = func(t *testing.T, h *harness, ex *example) {
		seedTables(h, loadExample(t, o+"TablesList.json").body("200"))
		c, _ := oi.NewTablesClient(h.sub, h.cred, h.opts)
		body, _ := json.Marshal(map[string]any{"properties": map[string]any{"retentionInDays": 60}})
		var raw *httpResponse
		p, err := c.BeginUpdate(withCapture(h, &raw), h.rg, h.ws, "AzureNetworkFlow", decodeInto[oi.Table](t, body), nil)
		must(t, err)
		_, err = p.PollUntilDone(h.ctx(), pollFast)
		must(t, err)
		loc, opID := operationFromHeader(t, raw.Header.Get("Azure-AsyncOperation"))
		ops, _ := oi.NewOperationStatusesClient(h.sub, h.cred, h.opts)
		got, resp, wire := capture(h, func(ctx context.Context) (oi.OperationStatusesClientGetResponse, error) {
			return ops.Get(ctx, loc, opID, nil)
		})
		expectStatus(t, ex, resp)
		checkBoth(t, ex, ex.body("200"), got, wire)
		if got.Status == nil || *got.Status != "Succeeded" {
			t.Errorf("operation status %v, want Succeeded", got.Status)
		}
	}
}

// lowerKeys lower-cases the first letter of every object key (PascalCase -> camelCase).
func lowerKeys(v any) any {
	switch t := v.(type) {
	case map[string]any:
		out := map[string]any{}
		for k, x := range t {
			if k != "" {
				k = strings.ToLower(k[:1]) + k[1:]
			}
			out[k] = lowerKeys(x)
		}
		return out
	case []any:
		for i, x := range t {
			t[i] = lowerKeys(x)
		}
	}
	return v
}

func lowerJSON(t *testing.T, raw []byte) []byte {
	var v any
	must(t, json.Unmarshal(raw, &v))
	b, _ := json.Marshal(lowerKeys(v))
	return b
}
