package contract

import (
	"context"
	"encoding/json"
	"strconv"
	"testing"

	si "github.com/Azure/azure-sdk-for-go/sdk/resourcemanager/securityinsights/armsecurityinsights/v2"
)

func init() {
	s := "securityinsights/"
	// Metadata.
	putMeta := func(h *harness, name string, raw json.RawMessage) (si.MetadataClientCreateResponse, []byte) {
		c, _ := si.NewMetadataClient(h.sub, h.cred, h.opts)
		got, _, wire := capture(h, func(ctx context.Context) (si.MetadataClientCreateResponse, error) {
			return c.Create(ctx, h.rg, h.ws, name, decodeInto[si.MetadataModel](h.t, withoutEtag(h.t, raw)), nil)
		})
		return got, wire
	}
	scenarios[s+"metadata/PutMetadataMinimal.json"] = func(t *testing.T, h *harness, ex *example) {
		got, wire := putMeta(h, ex.str("metadataName"), ex.param("metadata"))
		checkBoth(t, ex, ex.body("201", "200"), got, wire)
	}
	scenarios[s+"metadata/GetAllMetadata.json"] = func(t *testing.T, h *harness, ex *example) {
		for _, it := range h.listItems(ex.body("200")) {
			putMeta(h, nameOf(t, it), it)
		}
		c, _ := si.NewMetadataClient(h.sub, h.cred, h.opts)
		got, wire := firstPage(h, c.NewListPager(h.rg, h.ws, nil))
		checkBoth(t, ex, ex.body("200"), got, wire)
	}
	scenarios[s+"metadata/GetAllMetadataOData.json"] = func(t *testing.T, h *harness, ex *example) {
		// The example's response is one page of a larger set: store it plus enough items for $skip=2.
		items := h.listItems(ex.body("200"))
		for i := 0; i < 4; i++ {
			for _, it := range items {
				putMeta(h, nameOf(t, it)+"-"+strconv.Itoa(i), it)
			}
		}
		skip, _ := strconv.Atoi(ex.str("ODataSkip"))
		top, _ := strconv.Atoi(ex.str("ODataTop"))
		c, _ := si.NewMetadataClient(h.sub, h.cred, h.opts)
		got, wire := firstPage(h, c.NewListPager(h.rg, h.ws, &si.MetadataClientListOptions{
			Filter: ptr(ex.str("ODataFilter")), Orderby: ptr(ex.str("ODataOrderBy")), Skip: ptr(int32(skip)), Top: ptr(int32(top))}))
		if len(got.Value) != top {
			t.Errorf("$top=%d returned %d items", top, len(got.Value))
		}
		for i, m := range got.Value {
			if m.Properties == nil || m.Properties.Kind == nil || *m.Properties.Kind != "AnalyticsRule" {
				t.Errorf("$filter kind eq 'AnalyticsRule' let through %+v", m.Properties)
			}
			if i > 0 && *got.Value[i-1].Properties.ParentID < *m.Properties.ParentID {
				t.Errorf("$orderby %s not applied: %s before %s", ex.str("ODataOrderBy"), *got.Value[i-1].Properties.ParentID, *m.Properties.ParentID)
			}
		}
		checkBoth(t, ex, ex.body("200"), got, wire)
	}
	scenarios[s+"metadata/DeleteMetadata.json"] = func(t *testing.T, h *harness, ex *example) {
		putMeta(h, ex.str("metadataName"), loadExample(t, s+"metadata/PutMetadataMinimal.json").param("metadata"))
		c, _ := si.NewMetadataClient(h.sub, h.cred, h.opts)
		_, resp, _ := capture(h, func(ctx context.Context) (si.MetadataClientDeleteResponse, error) {
			return c.Delete(ctx, h.rg, h.ws, ex.str("metadataName"), nil)
		})
		expectStatus(t, ex, resp)
	}

	// Watchlists: create/update is a long-running operation in this SDK version (200/201 complete at once).
	putWatchlist := func(h *harness, alias string, raw json.RawMessage) (si.WatchlistsClientCreateOrUpdateResponse, []byte, int) {
		c, _ := si.NewWatchlistsClient(h.sub, h.cred, h.opts)
		got, resp, wire := capture(h, func(ctx context.Context) (si.WatchlistsClientCreateOrUpdateResponse, error) {
			p, err := c.BeginCreateOrUpdate(ctx, h.rg, h.ws, alias, decodeInto[si.Watchlist](h.t, withoutEtag(h.t, raw)), nil)
			if err != nil {
				return si.WatchlistsClientCreateOrUpdateResponse{}, err
			}
			return p.PollUntilDone(ctx, pollFast)
		})
		return got, wire, resp.StatusCode
	}
	wlAllow := []string{"properties.createdBy.email", "properties.updatedBy.email"}
	wlListAllow := []string{"value[].properties.createdBy.email", "value[].properties.updatedBy.email"}
	createWL := func(t *testing.T, h *harness, alias string) {
		putWatchlist(h, alias, loadExample(t, s+"watchlists/CreateWatchlistAndWatchlistItems.json").param("watchlist"))
	}
	scenarios[s+"watchlists/CreateWatchlistAndWatchlistItems.json"] = func(t *testing.T, h *harness, ex *example) {
		got, wire, _ := putWatchlist(h, ex.str("watchlistAlias"), ex.param("watchlist"))
		checkBoth(t, ex, ex.body("201", "200"), got, wire, wlAllow...)
		items, _ := si.NewWatchlistItemsClient(h.sub, h.cred, h.opts)
		page, err := items.NewListPager(h.rg, h.ws, ex.str("watchlistAlias"), nil).NextPage(h.ctx())
		must(t, err)
		if len(page.Value) != 1 || page.Value[0].Properties.ItemsKeyValue.(map[string]any)["header1"] != "value1" {
			t.Errorf("rawContent did not create the item header1=value1: %+v", page.Value)
		}
	}
	scenarios[s+"watchlists/GetWatchlistByAlias.json"] = func(t *testing.T, h *harness, ex *example) {
		putWatchlist(h, ex.str("watchlistAlias"), ex.body("200"))
		c, _ := si.NewWatchlistsClient(h.sub, h.cred, h.opts)
		got, resp, wire := capture(h, func(ctx context.Context) (si.WatchlistsClientGetResponse, error) {
			return c.Get(ctx, h.rg, h.ws, ex.str("watchlistAlias"), nil)
		})
		expectStatus(t, ex, resp)
		checkBoth(t, ex, ex.body("200"), got, wire, wlAllow...)
	}
	scenarios[s+"watchlists/GetWatchlists.json"] = func(t *testing.T, h *harness, ex *example) {
		for _, it := range h.listItems(ex.body("200")) {
			putWatchlist(h, nameOf(t, it), it)
		}
		c, _ := si.NewWatchlistsClient(h.sub, h.cred, h.opts)
		got, wire := firstPage(h, c.NewListPager(h.rg, h.ws, nil))
		checkBoth(t, ex, ex.body("200"), got, wire, wlListAllow...)
	}
	scenarios[s+"watchlists/DeleteWatchlist.json"] = func(t *testing.T, h *harness, ex *example) {
		createWL(t, h, ex.str("watchlistAlias"))
		c, _ := si.NewWatchlistsClient(h.sub, h.cred, h.opts)
		var first int
		capture(h, func(ctx context.Context) (si.WatchlistsClientDeleteResponse, error) {
			p, err := c.BeginDelete(ctx, h.rg, h.ws, ex.str("watchlistAlias"), nil)
			if err != nil {
				return si.WatchlistsClientDeleteResponse{}, err
			}
			if p.Done() {
				first = 204
			} else {
				first = 202
			}
			return p.PollUntilDone(ctx, pollFast)
		})
		if first != 202 {
			t.Errorf("watchlist delete did not start an asynchronous operation")
		}
		if _, err := c.Get(h.ctx(), h.rg, h.ws, ex.str("watchlistAlias"), nil); err == nil {
			t.Error("watchlist still exists after the delete operation completed")
		}
	}
	putItem := func(h *harness, alias, id string, raw json.RawMessage) (si.WatchlistItemsClientCreateOrUpdateResponse, []byte) {
		c, _ := si.NewWatchlistItemsClient(h.sub, h.cred, h.opts)
		got, _, wire := capture(h, func(ctx context.Context) (si.WatchlistItemsClientCreateOrUpdateResponse, error) {
			return c.CreateOrUpdate(ctx, h.rg, h.ws, alias, id, decodeInto[si.WatchlistItem](h.t, withoutEtag(h.t, raw)), nil)
		})
		return got, wire
	}
	scenarios[s+"watchlists/CreateWatchlistItem.json"] = func(t *testing.T, h *harness, ex *example) {
		createWL(t, h, ex.str("watchlistAlias"))
		got, wire := putItem(h, ex.str("watchlistAlias"), ex.str("watchlistItemId"), ex.param("watchlistItem"))
		checkBoth(t, ex, ex.body("201", "200"), got, wire, wlAllow...)
	}
	scenarios[s+"watchlists/GetWatchlistItemById.json"] = func(t *testing.T, h *harness, ex *example) {
		createWL(t, h, ex.str("watchlistAlias"))
		putItem(h, ex.str("watchlistAlias"), ex.str("watchlistItemId"), ex.body("200"))
		c, _ := si.NewWatchlistItemsClient(h.sub, h.cred, h.opts)
		got, resp, wire := capture(h, func(ctx context.Context) (si.WatchlistItemsClientGetResponse, error) {
			return c.Get(ctx, h.rg, h.ws, ex.str("watchlistAlias"), ex.str("watchlistItemId"), nil)
		})
		expectStatus(t, ex, resp)
		checkBoth(t, ex, ex.body("200"), got, wire, wlAllow...)
	}
	scenarios[s+"watchlists/GetWatchlistItems.json"] = func(t *testing.T, h *harness, ex *example) {
		createWL(t, h, ex.str("watchlistAlias"))
		for _, it := range h.listItems(ex.body("200")) {
			putItem(h, ex.str("watchlistAlias"), nameOf(t, it), it)
		}
		c, _ := si.NewWatchlistItemsClient(h.sub, h.cred, h.opts)
		got, wire := firstPage(h, c.NewListPager(h.rg, h.ws, ex.str("watchlistAlias"), nil))
		checkBoth(t, ex, ex.body("200"), got, wire, wlListAllow...)
	}
	scenarios[s+"watchlists/DeleteWatchlistItem.json"] = func(t *testing.T, h *harness, ex *example) {
		createWL(t, h, ex.str("watchlistAlias"))
		putItem(h, ex.str("watchlistAlias"), ex.str("watchlistItemId"), loadExample(t, s+"watchlists/CreateWatchlistItem.json").param("watchlistItem"))
		c, _ := si.NewWatchlistItemsClient(h.sub, h.cred, h.opts)
		_, resp, _ := capture(h, func(ctx context.Context) (si.WatchlistItemsClientDeleteResponse, error) {
			return c.Delete(ctx, h.rg, h.ws, ex.str("watchlistAlias"), ex.str("watchlistItemId"), nil)
		})
		expectStatus(t, ex, resp)
	}

	// Threat intelligence indicators.
	createTI := func(h *harness, raw json.RawMessage) (si.ThreatIntelligenceIndicatorClientCreateIndicatorResponse, []byte) {
		c, _ := si.NewThreatIntelligenceIndicatorClient(h.sub, h.cred, h.opts)
		model := decodeInto[si.ThreatIntelligenceIndicatorModel](h.t, withoutEtag(h.t, raw))
		got, _, wire := capture(h, func(ctx context.Context) (si.ThreatIntelligenceIndicatorClientCreateIndicatorResponse, error) {
			return c.CreateIndicator(ctx, h.rg, h.ws, model, nil)
		})
		return got, wire
	}
	putTI := func(h *harness, name string, raw json.RawMessage) {
		c, _ := si.NewThreatIntelligenceIndicatorClient(h.sub, h.cred, h.opts)
		model := decodeInto[si.ThreatIntelligenceIndicatorModel](h.t, withoutEtag(h.t, raw))
		capture(h, func(ctx context.Context) (si.ThreatIntelligenceIndicatorClientCreateResponse, error) {
			return c.Create(ctx, h.rg, h.ws, name, model, nil)
		})
	}
	scenarios[s+"threatintelligence/CreateThreatIntelligence.json"] = func(t *testing.T, h *harness, ex *example) {
		got, wire := createTI(h, ex.param("ThreatIntelligenceProperties"))
		checkBoth(t, ex, ex.body("201", "200"), got, wire)
	}
	scenarios[s+"threatintelligence/GetThreatIntelligence.json"] = func(t *testing.T, h *harness, ex *example) {
		for _, it := range h.listItems(ex.body("200")) {
			putTI(h, nameOf(t, it), it)
		}
		c, _ := si.NewThreatIntelligenceIndicatorsClient(h.sub, h.cred, h.opts)
		got, wire := firstPage(h, c.NewListPager(h.rg, h.ws, nil))
		checkBoth(t, ex, ex.body("200"), got, wire, "value[].properties.parsedPattern")
	}
	scenarios[s+"threatintelligence/QueryThreatIntelligence.json"] = func(t *testing.T, h *harness, ex *example) {
		for _, it := range h.listItems(ex.body("200")) {
			putTI(h, nameOf(t, it), it)
		}
		c, _ := si.NewThreatIntelligenceIndicatorClient(h.sub, h.cred, h.opts)
		crit := decodeInto[si.ThreatIntelligenceFilteringCriteria](t, ex.param("ThreatIntelligenceFilteringCriteria"))
		got, wire := firstPage(h, c.NewQueryIndicatorsPager(h.rg, h.ws, crit, nil))
		if len(got.Value) == 0 {
			t.Error("the example's criteria match none of the example's indicators")
		}
		// parsedPattern is derived by the service from the STIX pattern; the emulator does not parse STIX.
		checkBoth(t, ex, ex.body("200"), got, wire, "value[].properties.parsedPattern")
	}
	scenarios[s+"threatintelligence/DeleteThreatIntelligence.json"] = func(t *testing.T, h *harness, ex *example) {
		putTI(h, ex.str("name"), loadExample(t, s+"threatintelligence/CreateThreatIntelligence.json").param("ThreatIntelligenceProperties"))
		c, _ := si.NewThreatIntelligenceIndicatorClient(h.sub, h.cred, h.opts)
		_, resp, _ := capture(h, func(ctx context.Context) (si.ThreatIntelligenceIndicatorClientDeleteResponse, error) {
			return c.Delete(ctx, h.rg, h.ws, ex.str("name"), nil)
		})
		expectStatus(t, ex, resp)
	}
}
