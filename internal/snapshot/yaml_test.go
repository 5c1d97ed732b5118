package snapshot

import (
	"encoding/json"
	"strings"
	"testing"
)

func TestYAMLRoundTripIsExact(t *testing.T) {
	tricky := []string{
		"", " ", "true", "no", "null", "~", "1.0", "0x1F", "1e5", "2024-01-01", "12:30", "-", "- a", "#x", "a: b", "'q'", `"dq"`,
		"line1\nline2", "line1\nline2\n", "line1\n\n\nline2\n\n", "trailing space \nnext", " leading\nspace", "\tindented\nx",
		"crlf\r\nline", "unicode: é ü 🚀\nzwj\u200dhere", "{not: json}", "[a, b]", "*alias", "&anchor", "!tag", "%directive", "@at", "`tick`",
		"SecurityEvent\n| where EventID == 4625 // comment\n| summarize count() by bin(TimeGenerated, 1h)",
		strings.Repeat("long line ", 60),
	}
	for _, s := range tricky {
		doc := map[string]any{"s": s, "list": []any{s}, s + "key": "v"}
		b, err := EncodeYAML(doc)
		if err != nil {
			t.Errorf("%q: %v", s, err)
			continue
		}
		back, err := DecodeYAML(b)
		if err != nil || !Equal(back, doc) {
			t.Errorf("%q does not round-trip: %v\n%s", s, err, b)
		}
	}
	nums := map[string]any{"int": json.Number("42"), "neg": json.Number("-7"), "big": json.Number("9007199254740993"),
		"float": json.Number("0.1"), "exp": json.Number("1e-7"), "zero": json.Number("0"), "b": false, "n": nil,
		"nested": map[string]any{"a": []any{json.Number("1"), "1", true, "true"}}, "empty": map[string]any{}, "none": []any{}}
	b, err := EncodeYAML(nums)
	if err != nil {
		t.Fatal(err)
	}
	back, err := DecodeYAML(b)
	if err != nil || !Equal(back, nums) {
		t.Fatalf("numbers and types: %v\n%s", err, b)
	}
	if m := back.(map[string]any); m["big"] != json.Number("9007199254740993") {
		t.Errorf("a large integer lost digits: %v", m["big"])
	}
	// Multi-line queries are literal blocks: a change to one line is a one-line diff.
	b, _ = EncodeYAML(map[string]any{"query": "A\n| where x\n| take 1"})
	if !strings.Contains(string(b), "query: |-\n  A\n  | where x\n") {
		t.Errorf("query is not a literal block:\n%s", b)
	}
}

func TestDecodeYAMLRefusesWhatAnExportNeverHas(t *testing.T) {
	for _, src := range []string{
		"a: &x 1\nb: *x\n",
		"base: &b {x: 1}\nm:\n  <<: *b\n",
		"a: 1\na: 2\n",
		"? [a]\n: 1\n",
		"a: 1\n---\nb: 2\n",
		"",
		"a: .inf\n",
	} {
		if _, err := DecodeYAML([]byte(src)); err == nil {
			t.Errorf("%q was accepted", src)
		}
	}
	v, err := DecodeYAML([]byte("n: 0x1F\nt: 2024-01-01\nf: +5\n"))
	if err != nil {
		t.Fatal(err)
	}
	m := v.(map[string]any)
	if m["n"] != json.Number("31") || m["t"] != "2024-01-01" || m["f"] != json.Number("5") {
		t.Errorf("hand-written scalars: %#v", m)
	}
}

func TestPlaceholders(t *testing.T) {
	e := Env{ResourceID: "/subscriptions/S1/resourceGroups/rg-a/providers/Microsoft.OperationalInsights/workspaces/ws-a",
		SubscriptionID: "S1", ResourceGroup: "rg-a", CustomerID: "C1", TenantID: "T1", Name: "ws-a", Location: "westeurope"}
	doc := map[string]any{"location": "West Europe", "properties": map[string]any{
		"id":    "/SUBSCRIPTIONS/s1/resourcegroups/RG-A/providers/microsoft.operationalinsights/workspaces/WS-A",
		"dce":   "/subscriptions/S1/resourceGroups/rg-a/providers/Microsoft.Insights/dataCollectionEndpoints/dce",
		"other": "/subscriptions/S1/resourceGroups/rg-b/providers/x/y",
		"q":     `workspace("C1").T | where TenantId == "T1"`, "name": "ws-a", "word": "ws-abc"}}
	got := e.Rewrite(cloneMap(doc))
	p := obj(got, "properties")
	want := map[string]any{"id": PlaceholderWorkspaceResourceID,
		"dce":   "/subscriptions/${subscriptionId}/resourceGroups/${resourceGroup}/providers/Microsoft.Insights/dataCollectionEndpoints/dce",
		"other": "/subscriptions/${subscriptionId}/resourceGroups/rg-b/providers/x/y",
		"q":     `workspace("${workspaceId}").T | where TenantId == "${tenantId}"`, "name": PlaceholderWorkspaceName, "word": "ws-abc"}
	for k, v := range want {
		if p[k] != v {
			t.Errorf("%s: %q, want %q", k, p[k], v)
		}
	}
	if got["location"] != PlaceholderLocation {
		t.Errorf("location %v", got["location"])
	}
	f := Env{ResourceID: "/subscriptions/S2/resourceGroups/rg-z/providers/Microsoft.OperationalInsights/workspaces/ws-z",
		SubscriptionID: "S2", ResourceGroup: "rg-z", CustomerID: "C2", TenantID: "T2", Name: "ws-z", Location: "eastus"}
	r := f.Resolve(got)
	rp := obj(r, "properties")
	if rp["id"] != f.ResourceID || rp["q"] != `workspace("C2").T | where TenantId == "T2"` || rp["name"] != "ws-z" || r["location"] != "eastus" ||
		rp["dce"] != "/subscriptions/S2/resourceGroups/rg-z/providers/Microsoft.Insights/dataCollectionEndpoints/dce" {
		t.Errorf("resolved: %v", r)
	}
	if hasPlaceholder(r) {
		t.Error("placeholders left after resolving")
	}
	if !hasPlaceholder((Env{}).Resolve(got)) {
		t.Error("a target without identifiers should leave the placeholders (and refuse the write)")
	}
}

func TestRedact(t *testing.T) {
	doc := map[string]any{"properties": map[string]any{
		"userName": "reader", "password": "hunter2", "auth": map[string]any{"type": "APIKey", "ApiKey": "k-123"},
		"credentials":    map[string]any{"user": "u", "nested": []any{"a", json.Number("3")}},
		"note":           "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.abc",
		"itemsSearchKey": "Hostname", "empty_secret": "",
		"query":               "externaldata(IP: string) [h@'https://tiacct.blob.core.windows.net/feeds/ips.csv?sv=2022-11-02&ss=b&sig=AbCd%2Bef123456789%3D']\n| take 10",
		"logicAppsResourceId": "https://prod-12.westeurope.logic.azure.com:443/workflows/0a1b/triggers/manual/paths/invoke?api-version=2016-10-01&sp=%2Ftriggers&sv=1.0&sig=Zx9_yW8-vU7tS6rQ5pO4",
		"description":         "Signed URLs end in &sig=... and Functions take ?code=: see the runbook."}}
	paths := redact(doc)
	want := []string{"properties.auth.ApiKey", "properties.credentials.nested[0]", "properties.credentials.nested[1]",
		"properties.credentials.user", "properties.logicAppsResourceId", "properties.note", "properties.password", "properties.query"}
	if strings.Join(paths, ",") != strings.Join(want, ",") {
		t.Errorf("redacted %v, want %v", paths, want)
	}
	p := obj(doc, "properties")
	if p["userName"] != "reader" || p["itemsSearchKey"] != "Hostname" || p["password"] != RedactedValue {
		t.Errorf("after redaction: %v", p)
	}
	if !hasRedacted(doc) {
		t.Error("hasRedacted missed the redaction")
	}
	// A signature is cut out of the text that holds it; the rest stays as it was.
	q, _ := p["query"].(string)
	if strings.Contains(q, "AbCd") || !strings.Contains(q, "ips.csv?sv=2022-11-02&ss=b&sig="+RedactedValue+"']\n| take 10") {
		t.Errorf("query after redaction: %q", q)
	}
	if u, _ := p["logicAppsResourceId"].(string); strings.Contains(u, "Zx9") || !strings.HasSuffix(u, "&sv=1.0&sig="+RedactedValue) {
		t.Errorf("callback URL after redaction: %q", u)
	}
	if !hasRedacted(map[string]any{"q": q}) {
		t.Error("hasRedacted does not see a signature cut out of a query")
	}
}

func TestLineDiff(t *testing.T) {
	a := "SecurityEvent\n| where EventID == 4625\n| summarize count() by Account\n| where count_ > 5"
	b := "SecurityEvent\n| where EventID in (4625, 4771)\n| summarize count() by Account\n| where count_ > 5\n| take 10"
	got := LineDiff(a, b, 12)
	want := "- | where EventID == 4625\n+ | where EventID in (4625, 4771)\n+ | take 10"
	if got != want {
		t.Errorf("diff:\n%s\nwant:\n%s", got, want)
	}
	long := LineDiff(strings.Repeat("a\n", 30), strings.Repeat("b\n", 30), 5)
	if !strings.HasSuffix(long, "... 55 more changed line(s)") {
		t.Errorf("long diff not cut: %s", long)
	}
}
