package contract

import (
	"context"
	"encoding/json"
	"testing"
	"time"

	si "github.com/Azure/azure-sdk-for-go/sdk/resourcemanager/securityinsights/armsecurityinsights/v2"
)

func (h *harness) putIncident(name string, raw json.RawMessage) (si.IncidentsClientCreateOrUpdateResponse, []byte) {
	c, err := si.NewIncidentsClient(h.sub, h.cred, h.opts)
	must(h.t, err)
	got, _, wire := capture(h, func(ctx context.Context) (si.IncidentsClientCreateOrUpdateResponse, error) {
		return c.CreateOrUpdate(ctx, h.rg, h.ws, name, decodeInto[si.Incident](h.t, withoutEtag(h.t, raw)), nil)
	})
	return got, wire
}

func init() {
	s := "securityinsights/"
	// An app has no e-mail or UPN: the author/createdBy of what the emulator's app writes lacks them.
	incidentAllow := []string{"properties.owner.email", "properties.owner.userPrincipalName", "properties.owner.assignedTo"}
	scenarios[s+"incidents/CreateIncident.json"] = func(t *testing.T, h *harness, ex *example) {
		got, wire := h.putIncident(ex.str("incidentId"), ex.param("incident"))
		checkBoth(t, ex, ex.body("201", "200"), got, wire, incidentAllow...)
		if got.Properties.IncidentNumber == nil || *got.Properties.IncidentNumber < 1 {
			t.Errorf("incidentNumber not assigned: %v", got.Properties.IncidentNumber)
		}
	}
	scenarios[s+"incidents/GetIncidentById.json"] = func(t *testing.T, h *harness, ex *example) {
		body := h.rewriteIDs(ex.body("200"))
		h.putIncident(ex.str("incidentId"), body)
		c, _ := si.NewIncidentsClient(h.sub, h.cred, h.opts)
		got, resp, wire := capture(h, func(ctx context.Context) (si.IncidentsClientGetResponse, error) {
			return c.Get(ctx, h.rg, h.ws, ex.str("incidentId"), nil)
		})
		expectStatus(t, ex, resp)
		// relatedAnalyticRuleIds and the additionalData counters are computed by the service.
		checkBoth(t, ex, body, got, wire, "properties.relatedAnalyticRuleIds", "properties.additionalData.providerIncidentUrl")
	}
	scenarios[s+"incidents/GetIncidents.json"] = func(t *testing.T, h *harness, ex *example) {
		// An older incident first, so that $top=1 leaves a next page and the example's is the newest.
		h.putIncident("0c5a39c4-52a1-4a47-9a6e-2d5d0c2b3e11", loadExample(t, s+"incidents/CreateIncident.json").param("incident"))
		time.Sleep(time.Millisecond)
		for _, it := range h.listItems(ex.body("200")) {
			h.putIncident(nameOf(t, it), it)
		}
		c, _ := si.NewIncidentsClient(h.sub, h.cred, h.opts)
		var top int32
		must(t, json.Unmarshal(ex.param("$top"), &top))
		got, wire := firstPage(h, c.NewListPager(h.rg, h.ws, &si.IncidentsClientListOptions{Orderby: ptr(ex.str("$orderby")), Top: &top}))
		if len(got.Value) != int(top) {
			t.Errorf("$top=%d returned %d incidents", top, len(got.Value))
		}
		if got.NextLink == nil {
			t.Error("a $top page of a longer list must carry a nextLink")
		}
		checkBoth(t, ex, ex.body("200"), got, wire, "value[].properties.relatedAnalyticRuleIds")
	}
	scenarios[s+"incidents/DeleteIncident.json"] = func(t *testing.T, h *harness, ex *example) {
		create := loadExample(t, s+"incidents/CreateIncident.json")
		h.putIncident(ex.str("incidentId"), create.param("incident"))
		c, _ := si.NewIncidentsClient(h.sub, h.cred, h.opts)
		_, resp, _ := capture(h, func(ctx context.Context) (si.IncidentsClientDeleteResponse, error) {
			return c.Delete(ctx, h.rg, h.ws, ex.str("incidentId"), nil)
		})
		expectStatus(t, ex, resp)
	}
	// Alerts and entities are created by Sentinel, not through the API: store the example's documents
	// where the seeded world keeps them ({incident}/alerts/{id}, {incident}/entities/{id}).
	scenarios[s+"incidents/GetAllIncidentAlerts.json"] = func(t *testing.T, h *harness, ex *example) {
		create := loadExample(t, s+"incidents/CreateIncident.json")
		inc := ex.str("incidentId")
		h.putIncident(inc, create.param("incident"))
		for _, it := range h.listItems(ex.body("200")) {
			must(t, h.e.SeedResource(h.wsID+"/providers/Microsoft.SecurityInsights/incidents/"+inc+"/alerts/"+nameOf(t, it), it))
		}
		c, _ := si.NewIncidentsClient(h.sub, h.cred, h.opts)
		got, resp, wire := capture(h, func(ctx context.Context) (si.IncidentsClientListAlertsResponse, error) {
			return c.ListAlerts(ctx, h.rg, h.ws, inc, nil)
		})
		expectStatus(t, ex, resp)
		checkBoth(t, ex, ex.body("200"), got, wire)
		g, _ := c.Get(h.ctx(), h.rg, h.ws, inc, nil)
		if n := g.Properties.AdditionalData.AlertsCount; n == nil || int(*n) != len(got.Value) {
			t.Errorf("additionalData.alertsCount = %v, want %d", n, len(got.Value))
		}
	}
	scenarios[s+"incidents/GetAllIncidentEntities.json"] = func(t *testing.T, h *harness, ex *example) {
		create := loadExample(t, s+"incidents/CreateIncident.json")
		inc := ex.str("incidentId")
		h.putIncident(inc, create.param("incident"))
		var body struct {
			Entities []json.RawMessage `json:"entities"`
		}
		must(t, json.Unmarshal(h.rewriteIDs(ex.body("200")), &body))
		for _, it := range body.Entities {
			must(t, h.e.SeedResource(h.wsID+"/providers/Microsoft.SecurityInsights/incidents/"+inc+"/entities/"+nameOf(t, it), it))
		}
		c, _ := si.NewIncidentsClient(h.sub, h.cred, h.opts)
		got, resp, wire := capture(h, func(ctx context.Context) (si.IncidentsClientListEntitiesResponse, error) {
			return c.ListEntities(ctx, h.rg, h.ws, inc, nil)
		})
		expectStatus(t, ex, resp)
		checkBoth(t, ex, ex.body("200"), got, wire)
	}

	// Comments.
	putComment := func(h *harness, inc, name string, raw json.RawMessage) (si.IncidentCommentsClientCreateOrUpdateResponse, []byte) {
		c, _ := si.NewIncidentCommentsClient(h.sub, h.cred, h.opts)
		got, _, wire := capture(h, func(ctx context.Context) (si.IncidentCommentsClientCreateOrUpdateResponse, error) {
			return c.CreateOrUpdate(ctx, h.rg, h.ws, inc, name, decodeInto[si.IncidentComment](h.t, withoutEtag(h.t, raw)), nil)
		})
		return got, wire
	}
	withIncident := func(t *testing.T, h *harness, inc string) {
		create := loadExample(t, s+"incidents/CreateIncident.json")
		h.putIncident(inc, create.param("incident"))
	}
	commentAllow := []string{"properties.author.email", "properties.author.userPrincipalName"}
	scenarios[s+"incidents/comments/CreateIncidentComment.json"] = func(t *testing.T, h *harness, ex *example) {
		withIncident(t, h, ex.str("incidentId"))
		got, wire := putComment(h, ex.str("incidentId"), ex.str("incidentCommentId"), ex.param("incidentComment"))
		checkBoth(t, ex, ex.body("201", "200"), got, wire, commentAllow...)
	}
	scenarios[s+"incidents/comments/GetIncidentCommentById.json"] = func(t *testing.T, h *harness, ex *example) {
		withIncident(t, h, ex.str("incidentId"))
		putComment(h, ex.str("incidentId"), ex.str("incidentCommentId"), ex.body("200"))
		c, _ := si.NewIncidentCommentsClient(h.sub, h.cred, h.opts)
		got, resp, wire := capture(h, func(ctx context.Context) (si.IncidentCommentsClientGetResponse, error) {
			return c.Get(ctx, h.rg, h.ws, ex.str("incidentId"), ex.str("incidentCommentId"), nil)
		})
		expectStatus(t, ex, resp)
		checkBoth(t, ex, ex.body("200"), got, wire, commentAllow...)
	}
	scenarios[s+"incidents/comments/GetAllIncidentComments.json"] = func(t *testing.T, h *harness, ex *example) {
		withIncident(t, h, ex.str("incidentId"))
		for _, it := range h.listItems(ex.body("200")) {
			putComment(h, ex.str("incidentId"), nameOf(t, it), it)
		}
		c, _ := si.NewIncidentCommentsClient(h.sub, h.cred, h.opts)
		got, wire := firstPage(h, c.NewListPager(h.rg, h.ws, ex.str("incidentId"), nil))
		checkBoth(t, ex, ex.body("200"), got, wire, "value[].properties.author.email", "value[].properties.author.userPrincipalName")
		inc, _ := si.NewIncidentsClient(h.sub, h.cred, h.opts)
		g, _ := inc.Get(h.ctx(), h.rg, h.ws, ex.str("incidentId"), nil)
		if n := g.Properties.AdditionalData.CommentsCount; n == nil || int(*n) != len(got.Value) {
			t.Errorf("additionalData.commentsCount = %v, want %d", n, len(got.Value))
		}
	}
	scenarios[s+"incidents/comments/DeleteIncidentComment.json"] = func(t *testing.T, h *harness, ex *example) {
		withIncident(t, h, ex.str("incidentId"))
		create := loadExample(t, s+"incidents/comments/CreateIncidentComment.json")
		putComment(h, ex.str("incidentId"), ex.str("incidentCommentId"), create.param("incidentComment"))
		c, _ := si.NewIncidentCommentsClient(h.sub, h.cred, h.opts)
		_, resp, _ := capture(h, func(ctx context.Context) (si.IncidentCommentsClientDeleteResponse, error) {
			return c.Delete(ctx, h.rg, h.ws, ex.str("incidentId"), ex.str("incidentCommentId"), nil)
		})
		expectStatus(t, ex, resp)
	}
}
