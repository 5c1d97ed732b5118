package contract

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"strings"
	"testing"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/cloud"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/policy"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/runtime"
	"github.com/Azure/azure-sdk-for-go/sdk/monitor/query/azlogs"

	"github.com/sentinel-mcp/sentinel-mcp/internal/emulator"
	"github.com/sentinel-mcp/sentinel-mcp/internal/emulator/world"
)

const logsAudience = "https://api.loganalytics.io"

func (h *harness) logsClient() *azlogs.Client {
	h.t.Helper()
	c, err := azlogs.NewClient(h.cred, &azlogs.ClientOptions{ClientOptions: azcore.ClientOptions{
		Cloud: cloud.Configuration{ActiveDirectoryAuthorityHost: h.e.URL() + "/", Services: map[cloud.ServiceName]cloud.ServiceConfiguration{
			azlogs.ServiceName: {Endpoint: h.e.URL(), Audience: logsAudience}}},
		Transport: h.e.HTTPClient(),
		Retry:     policy.RetryOptions{MaxRetries: 3, RetryDelay: 10 * 1e6},
	}})
	must(h.t, err)
	return c
}

// rawLogs sends a request to the query API through an azcore pipeline with a Log Analytics token.
func (h *harness) rawLogs(method, path string) (int, []byte) {
	h.t.Helper()
	auth := runtime.NewBearerTokenPolicy(h.cred, []string{logsAudience + "/.default"}, nil)
	c, err := azcore.NewClient("contract", "v0.0.0", runtime.PipelineOptions{PerRetry: []policy.Policy{auth}},
		&policy.ClientOptions{Transport: h.e.HTTPClient()})
	must(h.t, err)
	req, err := runtime.NewRequest(h.ctx(), method, h.e.URL()+path)
	must(h.t, err)
	resp, err := c.Pipeline().Do(req)
	must(h.t, err)
	b, _ := runtime.Payload(resp)
	return resp.StatusCode, b
}

// checkQueryResult compares a query response with an example's: tables with name, typed columns
// and rows.
func checkQueryResult(t *testing.T, ex *example, res azlogs.QueryResults, wire []byte) {
	t.Helper()
	checkWire(t, ex.name+" (wire)", ex.body("200"), wire, "tables[].rows[]")
	if len(res.Tables) == 0 || len(res.Tables[0].Columns) == 0 {
		t.Fatalf("%s: no table or columns in the result", ex.name)
	}
	for _, c := range res.Tables[0].Columns {
		if c.Name == nil || c.Type == nil {
			t.Errorf("column without name or type: %+v", c)
		}
	}
}

func init() {
	q := "loganalytics-query/"
	queryOf := func(t *testing.T, ex *example) azlogs.QueryBody {
		var b struct {
			Query    string   `json:"query"`
			Timespan string   `json:"timespan"`
			Extra    []string `json:"workspaces"`
		}
		must(t, json.Unmarshal(ex.param("body"), &b))
		body := azlogs.QueryBody{Query: &b.Query}
		if b.Timespan != "" {
			ts := azlogs.TimeInterval(b.Timespan)
			body.Timespan = &ts
		}
		return body
	}
	for _, f := range []string{"oms-post-example.json", "oms-post-cross-workspace-example.json"} {
		scenarios[q+f] = func(t *testing.T, h *harness, ex *example) {
			body := queryOf(t, ex)
			if strings.Contains(f, "cross") {
				body.AdditionalWorkspaces = []string{world.MustWorkspace(world.WSContosoDev).CustomerID}
			}
			ws := world.MustWorkspace(world.WSContosoProd)
			var raw *http.Response
			res, err := h.logsClient().QueryWorkspace(runtime.WithCaptureResponse(h.ctx(), &raw), ws.CustomerID, body, nil)
			must(t, err)
			wire, _ := runtime.Payload(raw)
			checkQueryResult(t, ex, res.QueryResults, wire)
		}
	}
	scenarios[q+"la-post-resource-centric-example.json"] = func(t *testing.T, h *harness, ex *example) {
		ws := world.MustWorkspace(world.WSContosoProd)
		var raw *http.Response
		// The example reads a storage account's StorageBlobLogs; the emulator's workspaces have no
		// storage diagnostics, so the replay asks the same question of AzureActivity (which also
		// has OperationName): the answer has the example's shape.
		body := queryOf(t, ex)
		q := strings.ReplaceAll(*body.Query, "StorageBlobLogs", "AzureActivity")
		body.Query = &q
		res, err := h.logsClient().QueryResource(runtime.WithCaptureResponse(h.ctx(), &raw), ws.ResourceID, body, nil)
		must(t, err)
		wire, _ := runtime.Payload(raw)
		checkQueryResult(t, ex, res.QueryResults, wire)
	}
	// The example is the old Application Insights metadata call; the replay asks the workspace
	// metadata endpoint, which answers the same document shape.
	scenarios[q+"metadata-get.json"] = func(t *testing.T, h *harness, ex *example) {
		ws := world.MustWorkspace(world.WSContosoProd)
		sl, _ := json.Marshal(map[string]any{"type": "Microsoft.OperationalInsights/workspaces/tables",
			"properties": map[string]any{"plan": "Analytics", "schema": map[string]any{"name": "SigninLogs", "tableType": "Microsoft"}}})
		must(t, h.e.SeedResource(ws.ResourceID+"/tables/SigninLogs", sl))
		status, wire := h.rawLogs(http.MethodGet, "/v1/workspaces/"+ws.CustomerID+"/metadata")
		if status != 200 {
			t.Fatalf("metadata: %d %s", status, wire)
		}
		// The example is an Application Insights app: its tables carry App Insights-only labels.
		checkWire(t, ex.name+" (wire)", ex.body("200"), wire, "tables[].labels", "tables[].related.resourceTypes",
			"tables[].columns[].isPreferredFacet", "tables[].related.workspaces", "solutions[].related.workspaces",
			"workspaces[].related.resourceTypes", "resourceTypes", "functions[]", "categories[].related.functions",
			"solutions[].related.functions", "tables[].related.functions", "workspaces[].related.functions",
			"categories[].related.resourceTypes", "categories[].related.solutions", "solutions[].related.categories",
			"tables[].tags", "tables[].properties", "tables[].hasData", "solutions[].description", "workspaces[].related.categories", "categories[].description")
		var m struct {
			Tables []struct {
				Name    string
				Columns []struct{ Name, Type string }
			} `json:"tables"`
		}
		must(t, json.Unmarshal(wire, &m))
		found := false
		for _, tb := range m.Tables {
			if tb.Name == "SigninLogs" {
				found = len(tb.Columns) > 10
			}
		}
		if !found {
			t.Errorf("metadata lacks the workspace's SigninLogs table with its columns: %+v", m.Tables)
		}
	}
	_ = context.Background
}

// TestQueryErrorsThroughSDK checks that the Azure SDK surfaces the emulator's query errors as Azure's:
// a 400 ResponseError with code BadArgumentError whose body nests SyntaxError/SemanticError and the
// Kusto code.
func TestQueryErrorsThroughSDK(t *testing.T) {
	h := newHarness(t, emulator.Options{})
	ws := world.MustWorkspace(world.WSContosoProd)
	cases := []struct{ query, inner, innermost, text string }{
		{"SigninLogs | where", "SyntaxError", "SYN0002", "Query could not be parsed at"},
		{"NotARealTable | take 10", "SemanticError", "SEM0100", "'take' operator: Failed to resolve table or column expression named 'NotARealTable'"},
		{"SigninLogs | extend x = strlenn(UserPrincipalName)", "SemanticError", "SEM0102", "did you mean 'strlen'"},
	}
	for _, c := range cases {
		q := c.query
		_, err := h.logsClient().QueryWorkspace(h.ctx(), ws.CustomerID, azlogs.QueryBody{Query: &q}, nil)
		var re *azcore.ResponseError
		if !errors.As(err, &re) {
			t.Fatalf("%q: want a ResponseError, got %v", c.query, err)
		}
		if re.StatusCode != http.StatusBadRequest || re.ErrorCode != "BadArgumentError" {
			t.Errorf("%q: %d %s", c.query, re.StatusCode, re.ErrorCode)
		}
		msg := err.Error()
		for _, want := range []string{`"code": "` + c.inner + `"`, `"code": "` + c.innermost + `"`, c.text} {
			if !strings.Contains(msg, want) {
				t.Errorf("%q: the error lacks %s:\n%s", c.query, want, msg)
			}
		}
	}
}
