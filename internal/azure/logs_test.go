package azure

import (
	"encoding/json"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/sentinel-mcp/sentinel-mcp/internal/config"
	"github.com/sentinel-mcp/sentinel-mcp/internal/emulator"
	"github.com/sentinel-mcp/sentinel-mcp/internal/emulator/world"
)

func logsClient(t *testing.T, v *env, tenant string) *Logs {
	t.Helper()
	l, err := v.p.Logs(tenant)
	if err != nil {
		t.Fatal(err)
	}
	return l
}

// The emulator's KQL engine is built separately; until it is there the query API answers 501 and
// that must reach the user as a clear error. Once it answers, the result must decode.
func TestQueryAgainstTheEmulator(t *testing.T) {
	v := newEnv(t, emulator.Options{}, nil)
	l := logsClient(t, v, managing)
	ws := world.MustWorkspace(world.WSContosoProd)
	res, err := l.Query(ctx(t), ws.CustomerID, "SigninLogs | take 3", "P1D", nil, &QueryOptions{Wait: 30 * time.Second})
	switch {
	case IsNotImplemented(err):
		if !strings.Contains(err.Error(), "501 NotImplemented") || !strings.Contains(err.Error(), "cannot run KQL") {
			t.Errorf("501 message: %v", err)
		}
	case err != nil:
		t.Fatal(err)
	default:
		if res.Primary() == nil || len(res.Primary().Columns) == 0 {
			t.Errorf("no result table: %+v", res)
		}
	}
}

func TestQueryErrors(t *testing.T) {
	v := newEnv(t, emulator.Options{}, nil)
	l := logsClient(t, v, managing)
	_, err := l.Query(ctx(t), world.GUID("no-such-workspace"), "print 1", "", nil, nil)
	if !IsNotFound(err) || !strings.Contains(err.Error(), "WorkspaceNotFoundError") {
		t.Errorf("unknown workspace: %v", err)
	}
	_, err = l.Query(ctx(t), world.MustWorkspace(world.WSAdatumSentinel).CustomerID, "print 1", "", nil, nil)
	if !IsForbidden(err) || !strings.Contains(err.Error(), "InsufficientAccessError") {
		t.Errorf("adatum: %v", err)
	}
	_, err = l.Query(ctx(t), world.MustWorkspace(world.WSContosoProd).CustomerID, "print 1", "not-a-timespan", nil, nil)
	if e, ok := AsError(err); !ok || e.Status != 400 || !strings.Contains(err.Error(), "Invalid timespan") {
		t.Errorf("bad timespan: %v", err)
	}
	if _, err := l.Query(ctx(t), "", "print 1", "", nil, nil); err == nil {
		t.Error("empty workspace id accepted")
	}
	if _, err := l.Query(ctx(t), "x", " ", "", nil, nil); err == nil {
		t.Error("empty query accepted")
	}
}

// The query POST only reads: it is retried when throttled, unlike other POSTs.
func TestThrottledQueryIsRetried(t *testing.T) {
	v := newEnv(t, emulator.Options{}, nil)
	l := logsClient(t, v, managing)
	ws := world.MustWorkspace(world.WSFabrikamSentinel)
	f := addFault(t, v.e, emulator.Fault{Route: "query", Method: "POST", Status: 429, RetryAfter: 20 * time.Millisecond, Times: 2})
	_, err := l.Query(ctx(t), ws.CustomerID, "print 1", "", nil, nil)
	if err != nil && !IsNotImplemented(err) {
		t.Fatalf("query after two 429s: %v", err)
	}
	if h := v.e.Faults().Hits(f); h != 2 {
		t.Errorf("hits %d, want 2 (retried twice)", h)
	}
	// a query that exceeded its wait (504) is not run again
	slow := addFault(t, v.e, emulator.Fault{Route: "query", Status: 504})
	_, err = l.Query(ctx(t), ws.CustomerID, "print 1", "", nil, nil)
	if e, ok := AsError(err); !ok || e.Status != 504 || v.e.Faults().Hits(slow) != 1 {
		t.Errorf("504: %v (hits %d)", err, v.e.Faults().Hits(slow))
	}
}

func TestQueryResultDecodingKeepsExactValues(t *testing.T) {
	// the official example response
	raw, err := os.ReadFile(filepath.Join("contract", "testdata", "azure-api-examples", "loganalytics-query", "oms-post-example.json"))
	if err != nil {
		t.Fatal(err)
	}
	var ex struct {
		Responses map[string]struct {
			Body json.RawMessage `json:"body"`
		} `json:"responses"`
	}
	if err := json.Unmarshal(raw, &ex); err != nil {
		t.Fatal(err)
	}
	res, err := decodeQueryResult(&Response{Status: 200, Body: ex.Responses["200"].Body, Header: http.Header{}})
	if err != nil {
		t.Fatal(err)
	}
	tbl := res.Primary()
	if tbl == nil || tbl.Name != "PrimaryResult" || len(tbl.Rows) == 0 || tbl.Columns[2].Type != "datetime" {
		t.Fatalf("example table: %+v", tbl)
	}
	// longs beyond float64 precision, dynamic as JSON text, a partial error
	body := `{"tables":[{"name":"PrimaryResult","columns":[{"name":"n","type":"long"},{"name":"d","type":"dynamic"},{"name":"b","type":"bool"}],
	  "rows":[[9007199254740993,"{\"a\":1}",true],[null,null,null]]}],
	 "error":{"code":"PartialError","message":"There were some errors when processing your query.","details":[{"code":"EngineError","message":"Something went wrong.","innererror":{"code":"-2133196797","message":"Query result set has exceeded the internal record count limit 500000","severity":3}}]}}`
	res, err = decodeQueryResult(&Response{Status: 200, Body: []byte(body), Header: http.Header{}})
	if err != nil {
		t.Fatal(err)
	}
	if n, ok := res.Tables[0].Rows[0][0].(json.Number); !ok || n.String() != "9007199254740993" {
		t.Errorf("long value %#v", res.Tables[0].Rows[0][0])
	}
	if res.Partial == nil || res.Partial.Code != "PartialError" || !strings.Contains(res.Partial.Error(), "record count limit 500000") {
		t.Errorf("partial error: %+v", res.Partial)
	}
	// 204: no data at all
	res, err = decodeQueryResult(&Response{Status: 204, Header: http.Header{}})
	if err != nil || len(res.Tables) != 0 || res.Primary() != nil {
		t.Errorf("204: %+v %v", res, err)
	}
	if _, err := decodeQueryResult(&Response{Status: 200, Body: []byte(`{"tables":[{"columns":[{"name":"a"}],"rows":[[1,2]]}]}`)}); err == nil {
		t.Error("ragged row accepted")
	}
}

func TestQueryErrorBodies(t *testing.T) {
	cases := map[string]string{
		`{"error":{"message":"The request had some invalid properties","code":"BadArgumentError","correlationId":"x","innererror":{"code":"SemanticError","message":"A semantic error occurred.","innererror":{"code":"SEM0100","message":"'where' operator: Failed to resolve table or column expression named 'Foo'"}}}}`: "BadArgumentError: The request had some invalid properties: 'where' operator: Failed to resolve table or column expression named 'Foo' (SEM0100)",
		`{"error":{"code":"InvalidApiVersionParameter","message":"The api-version '2019-01-01' is invalid."}}`:  "InvalidApiVersionParameter: The api-version '2019-01-01' is invalid",
		`{"code":"ResourceNotFound","message":"Gone."}`:                                                         "ResourceNotFound: Gone",
		`{"error":"invalid_client","error_description":"AADSTS7000215: Invalid client secret.\r\nTrace ID: 1"}`: "invalid_client: AADSTS7000215: Invalid client secret",
		`<html><body>Bad gateway</body></html>`:                                                                 "502 Bad Gateway: <html><body>Bad gateway</body></html>",
	}
	for body, want := range cases {
		status := 400
		if strings.HasPrefix(body, "<") {
			status = 502
		}
		e := newResponseError(ServiceLogs, &http.Response{StatusCode: status, Header: http.Header{}}, []byte(body))
		if !strings.Contains(e.Error(), want) {
			t.Errorf("%s\n got %s\nwant %s", body, e.Error(), want)
		}
	}
}

func TestTimespan(t *testing.T) {
	for d, want := range map[time.Duration]string{time.Hour: "PT1H", 90 * time.Minute: "PT1H30M", 7 * 24 * time.Hour: "P7D",
		25 * time.Hour: "P1DT1H", 1500 * time.Millisecond: "PT1.5S", 0: ""} {
		if got := Timespan(d); got != want {
			t.Errorf("Timespan(%s) = %s, want %s", d, got, want)
		}
	}
	from := time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)
	if got := TimespanBetween(from, from.Add(time.Hour)); got != "2025-01-01T00:00:00Z/2025-01-01T01:00:00Z" {
		t.Errorf("interval %s", got)
	}
}

func TestClouds(t *testing.T) {
	for name, wantARM := range map[string]string{"AzurePublic": "https://management.azure.com", "AzureChina": "https://management.chinacloudapi.cn",
		"AzureUSGovernment": "https://management.usgovcloudapi.net"} {
		c, err := resolveCloud(config.Azure{Cloud: name}, nil)
		if err != nil || c.arm != wantARM || c.authority == "" || c.logs == "" || c.logsAudience == "" {
			t.Errorf("%s: %+v %v", name, c, err)
		}
	}
	custom := config.Azure{Cloud: "Custom", Endpoints: config.AzureEndpoints{Login: "https://login.example.com",
		ResourceManager: "https://arm.example.com/", LogAnalytics: "https://logs.example.com/v1"}}
	c, err := resolveCloud(custom, nil)
	if err != nil || c.authority != "https://login.example.com/" || c.arm != "https://arm.example.com" || c.logs != "https://logs.example.com" || !c.disableInstanceDiscovery {
		t.Errorf("custom: %+v %v", c, err)
	}
	over := config.Azure{Cloud: "AzurePublic", Endpoints: config.AzureEndpoints{ResourceManager: "http://arm.example.com"}}
	if _, err := resolveCloud(over, nil); err == nil || !strings.Contains(err.Error(), "plain HTTP") {
		t.Errorf("plain HTTP to a remote host: %v", err)
	}
	loop := config.Azure{Cloud: "AzurePublic", Endpoints: config.AzureEndpoints{ResourceManager: "http://127.0.0.1:9999"}}
	if c, err := resolveCloud(loop, nil); err != nil || !c.allowHTTP {
		t.Errorf("loopback HTTP: %+v %v", c, err)
	}
	if _, err := resolveCloud(config.Azure{Cloud: "Mars"}, nil); err == nil {
		t.Error("unknown cloud accepted")
	}
	emu, err := resolveCloud(config.Azure{}, &Emulator{URL: "https://127.0.0.1:1234/"})
	if err != nil || emu.arm != "https://127.0.0.1:1234" || emu.authority != "https://127.0.0.1:1234/" || emu.armAudience != emulatorARMAudience {
		t.Errorf("emulator: %+v %v", emu, err)
	}
}
