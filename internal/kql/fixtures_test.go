package kql

import (
	"testing"
	"time"

	"github.com/sentinel-mcp/sentinel-mcp/internal/kql/data"
)

// testSource holds small tables shaped like Sentinel's.
func testSource(t testing.TB) *memSource {
	t0 := time.Date(2025, 3, 4, 10, 0, 0, 0, time.UTC)
	signins := mustTable(t, "SigninLogs", []data.Column{
		{Name: "TimeGenerated", Type: data.DateTime}, {Name: "UserPrincipalName", Type: data.String},
		{Name: "IPAddress", Type: data.String}, {Name: "ResultType", Type: data.String},
		{Name: "Location", Type: data.String}, {Name: "DurationMs", Type: data.Long},
		{Name: "LocationDetails", Type: data.Dynamic}, {Name: "_ResourceId", Type: data.String},
	},
		[]any{t0, "alice@contoso.com", "10.0.0.1", "0", "US", int64(120), `{"city":"Redmond","countryOrRegion":"US"}`, "/r/1"},
		[]any{t0.Add(5 * time.Minute), "bob@contoso.com", "10.0.0.2", "50126", "GB", int64(80), `{"city":"London","countryOrRegion":"GB"}`, "/r/1"},
		[]any{t0.Add(10 * time.Minute), "alice@contoso.com", "203.0.113.7", "50126", "DE", nil, `{"city":"Berlin","countryOrRegion":"DE"}`, "/r/2"},
		[]any{t0.Add(65 * time.Minute), "alice@contoso.com", "203.0.113.7", "50126", "DE", int64(300), nil, "/r/2"},
		[]any{t0.Add(70 * time.Minute), "carol@fabrikam.com", "10.0.0.3", "0", "US", int64(50), `{"city":"Seattle","countryOrRegion":"US"}`, "/r/3"},
	)
	events := mustTable(t, "SecurityEvent", []data.Column{
		{Name: "TimeGenerated", Type: data.DateTime}, {Name: "Computer", Type: data.String},
		{Name: "EventID", Type: data.Int}, {Name: "Account", Type: data.String}, {Name: "CommandLine", Type: data.String},
	},
		[]any{t0, "WS01", 4624, `CONTOSO\alice`, ""},
		[]any{t0.Add(time.Minute), "WS01", 4688, `CONTOSO\alice`, "powershell.exe -enc SQBFAFgA"},
		[]any{t0.Add(2 * time.Minute), "WS02", 4625, `CONTOSO\bob`, ""},
		[]any{t0.Add(3 * time.Minute), "WS02", 4625, `CONTOSO\bob`, ""},
		[]any{t0.Add(4 * time.Minute), "DC01", 4688, `CONTOSO\admin`, "cmd.exe /c whoami"},
	)
	other := &memSource{tables: map[string]*data.Table{"SigninLogs": mustTable(t, "SigninLogs", signins.Schema().Columns,
		[]any{t0, "dave@northwind.com", "10.9.9.9", "0", "FR", int64(10), nil, "/r/9"})}}
	return &memSource{
		tables:     map[string]*data.Table{"SigninLogs": signins, "SecurityEvent": events},
		workspaces: map[string]*memSource{"other": other},
		functions:  map[string]string{"FailedSignins": `SigninLogs | where ResultType != "0"`},
	}
}
