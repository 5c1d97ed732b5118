package schema

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/sentinel-mcp/sentinel-mcp/internal/kql/data"
)

// The tables the emulator generates data for: each must exist with its real key columns.
var emulated = map[string][]string{
	"SigninLogs":                      {"TimeGenerated:datetime", "UserPrincipalName:string", "ResultType:string", "IPAddress:string", "LocationDetails:dynamic", "Status:dynamic"},
	"AADNonInteractiveUserSignInLogs": {"TimeGenerated:datetime", "LocationDetails:string"},
	"AuditLogs":                       {"OperationName:string", "InitiatedBy:dynamic", "TargetResources:dynamic"},
	"SecurityEvent":                   {"EventID:int", "CommandLine:string", "LogonType:int", "Account:string"},
	"SecurityAlert":                   {"AlertName:string", "ConfidenceScore:real", "Entities:string"},
	"SecurityIncident":                {"IncidentNumber:int", "Owner:dynamic", "AlertIds:dynamic"},
	"CommonSecurityLog":               {"DestinationPort:int", "SentBytes:long", "DeviceVendor:string"},
	"Syslog":                          {"SyslogMessage:string", "ProcessID:int"},
	"Heartbeat":                       {"Computer:string", "ComputerPrivateIPs:dynamic"},
	"Usage":                           {"DataType:string", "Quantity:real", "IsBillable:bool"},
	"SentinelHealth":                  {"Status:string", "ExtendedProperties:dynamic"},
	"AzureActivity":                   {"OperationNameValue:string", "Properties_d:dynamic"},
	"OfficeActivity":                  {"Operation:string", "UserId:string", "ClientIP:string"},
	"DeviceProcessEvents":             {"Timestamp:datetime", "ProcessCommandLine:string", "InitiatingProcessId:long"},
	"DeviceNetworkEvents":             {"RemotePort:int", "RemoteUrl:string"},
	"DeviceLogonEvents":               {"LogonType:string", "IsLocalAdmin:bool"},
	"DeviceFileEvents":                {"FileSize:long", "SHA256:string"},
	"IdentityLogonEvents":             {"AccountUpn:string", "DestinationPort:string"},
	"EmailEvents":                     {"ThreatTypes:string", "AttachmentCount:int"},
	"BehaviorAnalytics":               {"InvestigationPriority:int", "ActivityInsights:dynamic"},
	"ThreatIntelligenceIndicator":     {"NetworkIP:string", "ExpirationDateTime:datetime", "Active:bool"},
	"Watchlist":                       {"WatchlistAlias:string", "WatchlistItem:dynamic", "_DTItemType:string"},
	"AzureDiagnostics":                {"ResourceProvider:string", "msg_s:string"},
	"W3CIISLog":                       {"csUriStem:string", "scStatus:string", "TimeTaken:long"},
	"DnsEvents":                       {"Name:string", "ResultCode:int"},
	"LegacyVPN_CL":                    {"UserName:string", "BytesSent:long"},
}

func TestEmulatedTablesHaveRealColumns(t *testing.T) {
	for name, cols := range emulated {
		tb, ok := Lookup(name)
		if !ok {
			t.Errorf("table %s missing", name)
			continue
		}
		for _, spec := range cols {
			cn, ct, _ := strings.Cut(spec, ":")
			c, ok := tb.Column(cn)
			if !ok {
				t.Errorf("%s.%s missing", name, cn)
				continue
			}
			if c.Type.String() != ct {
				t.Errorf("%s.%s is %s, want %s", name, cn, c.Type, ct)
			}
		}
		for _, std := range []string{"TenantId", "Type", "TimeGenerated", "_ResourceId", "_BilledSize"} {
			if _, ok := tb.Column(std); !ok {
				t.Errorf("%s lacks standard column %s", name, std)
			}
		}
		if tb.Description == "" || len(tb.Solutions) == 0 {
			t.Errorf("%s lacks description or solutions", name)
		}
	}
}

func TestAllTablesWellFormed(t *testing.T) {
	all := All()
	if len(all) < len(emulated) {
		t.Fatalf("only %d tables", len(all))
	}
	for i, tb := range all {
		if i > 0 && all[i-1].Name >= tb.Name {
			t.Errorf("All() not sorted at %s", tb.Name)
		}
		s := tb.Schema()
		if s.TimeColumnIndex() < 0 {
			t.Errorf("%s: no datetime time column %q", tb.Name, tb.TimeColumn)
		}
		hidden := false
		for _, c := range tb.Columns {
			if c.Type == data.Invalid {
				t.Errorf("%s.%s has no type", tb.Name, c.Name)
			}
			if c.Hidden {
				hidden = true
			} else if hidden {
				t.Errorf("%s: visible column %s after hidden ones", tb.Name, c.Name)
			}
		}
		if strings.HasSuffix(tb.Name, "_CL") != tb.IsCustom() {
			t.Errorf("%s: custom=%v", tb.Name, tb.IsCustom())
		}
	}
	if _, ok := Lookup("signinlogs"); ok {
		t.Error("Lookup must be case-sensitive")
	}
	if tb, ok := LookupFold("signinlogs"); !ok || tb.Name != "SigninLogs" {
		t.Error("LookupFold failed")
	}
}

func TestCatalog(t *testing.T) {
	custom, err := NewCustomTable("Extra_CL", "x", []Column{{Name: "TimeGenerated", Type: data.DateTime}, {Name: "Msg", Type: data.String}})
	if err != nil {
		t.Fatal(err)
	}
	c := NewCatalog(custom.Schema())
	if s, ok := c.Table("Extra_CL"); !ok || s.Index("Msg") < 0 || s.Index("TenantId") < 0 {
		t.Fatalf("custom table not in catalog: %v", s)
	}
	if s, ok := c.Table("SecurityEvent"); !ok || s.Index("EventID") < 0 {
		t.Fatal("SecurityEvent not in catalog")
	}
	if _, ok := c.Table("NoSuchTable"); ok {
		t.Fatal("unknown table resolved")
	}
	if got := c.Suggest("SigninLog"); got != "SigninLogs" {
		t.Errorf("Suggest(SigninLog) = %q", got)
	}
	if got := c.Suggest("securityevent"); got != "SecurityEvent" {
		t.Errorf("Suggest(securityevent) = %q", got)
	}
	if got := c.Suggest("Zzzzzzzz"); got != "" {
		t.Errorf("Suggest(Zzzzzzzz) = %q", got)
	}
	for _, bad := range [][]Column{{{Name: "Msg", Type: data.String}}, {{Name: "TimeGenerated", Type: data.DateTime}, {Name: "_x", Type: data.String}}} {
		if _, err := NewCustomTable("Bad_CL", "", bad); err == nil {
			t.Errorf("NewCustomTable accepted %v", bad)
		}
	}
	if _, err := NewCustomTable("NoSuffix", "", []Column{{Name: "TimeGenerated", Type: data.DateTime}}); err == nil {
		t.Error("NewCustomTable accepted a name without _CL")
	}
}

func TestRenderShapes(t *testing.T) {
	tb, _ := Lookup("SigninLogs")
	ws := "/subscriptions/s/resourceGroups/r/providers/Microsoft.OperationalInsights/workspaces/w"
	res := tb.ARMResource(ws, Retention{RetentionInDays: -1, TotalRetentionInDays: -1, WorkspaceRetention: 30})
	raw, _ := json.Marshal(res)
	var got struct {
		ID         string
		Properties struct {
			Plan                     string
			RetentionInDays          int
			RetentionInDaysAsDefault bool
			Schema                   struct {
				TableType       string
				Columns         []any
				StandardColumns []struct{ Name, Type string }
			}
		}
	}
	if err := json.Unmarshal(raw, &got); err != nil {
		t.Fatal(err)
	}
	if got.ID != ws+"/tables/SigninLogs" || got.Properties.Plan != "Analytics" || got.Properties.RetentionInDays != 30 ||
		!got.Properties.RetentionInDaysAsDefault || got.Properties.Schema.TableType != "Microsoft" || len(got.Properties.Schema.Columns) != 0 {
		t.Errorf("ARM resource = %s", raw)
	}
	types := map[string]string{}
	for _, c := range got.Properties.Schema.StandardColumns {
		types[c.Name] = c.Type
	}
	if types["TimeGenerated"] != "dateTime" || types["IsInteractive"] != "boolean" || types["_ResourceId"] != "" {
		t.Errorf("ARM column types: %v", types)
	}
	md := Metadata([]*Table{tb}, MetadataWorkspace{ID: "g", Name: "w"})
	raw, _ = json.Marshal(md)
	if !strings.Contains(string(raw), `"timespanColumn":"TimeGenerated"`) || strings.Contains(string(raw), "_BilledSize") {
		t.Errorf("metadata: %.300s", raw)
	}
}
