package sentinel

import (
	"context"
	"encoding/json"
	"sort"
	"strings"
)

// Data connectors of the workspace (Microsoft.SecurityInsights/dataConnectors), polymorphic on kind;
// most kinds have data types (alerts, exchange, logs, indicators...) each Enabled or Disabled.

// DataConnector is a Sentinel data connector.
type DataConnector struct {
	Raw `json:"-"`
	Envelope
	Kind       string                  `json:"kind"`
	Properties DataConnectorProperties `json:"properties"`
}

// DataConnectorProperties are the properties most kinds share.
type DataConnectorProperties struct {
	TenantID       string                       `json:"tenantId"`
	SubscriptionID string                       `json:"subscriptionId"`
	DataTypes      map[string]ConnectorDataType `json:"dataTypes"`
}

// ConnectorDataType is the state of one data type of a connector.
type ConnectorDataType struct {
	State string `json:"state"`
}

// UnmarshalJSON keeps the document (see MarshalKeep). Kinds whose dataTypes are not objects of
// states (API-based connectors) decode with no data types.
func (d *DataConnector) UnmarshalJSON(b []byte) error {
	type plain DataConnector
	if err := UnmarshalKeep(b, (*plain)(d), &d.Raw); err != nil {
		var loose struct {
			Envelope
			Kind string `json:"kind"`
		}
		if json.Unmarshal(b, &loose) != nil {
			return err
		}
		*d = DataConnector{Envelope: loose.Envelope, Kind: loose.Kind}
		d.Raw.raw = append(json.RawMessage(nil), b...)
	}
	return nil
}

// MarshalJSON is the kept document with the modelled fields overlaid.
func (d DataConnector) MarshalJSON() ([]byte, error) {
	type plain DataConnector
	return MarshalKeep(plain(d), d.Raw)
}

// State summarizes the data types: Enabled (all), Disabled (none), Partial, or "" when the kind has
// no data types.
func (d *DataConnector) State() string {
	on, off := 0, 0
	for _, t := range d.Properties.DataTypes {
		if strings.EqualFold(t.State, "Enabled") {
			on++
		} else {
			off++
		}
	}
	switch {
	case on+off == 0:
		return ""
	case off == 0:
		return "Enabled"
	case on == 0:
		return "Disabled"
	}
	return "Partial"
}

// DataTypeNames returns the connector's data types, sorted, with their state ("exchange=Enabled").
func (d *DataConnector) DataTypeNames() []string {
	out := make([]string, 0, len(d.Properties.DataTypes))
	for name, t := range d.Properties.DataTypes {
		out = append(out, name+"="+t.State)
	}
	sort.Strings(out)
	return out
}

// DataConnectors reads every connector of the workspace, up to max (<= 0: the ARM client's cap).
func (c *Client) DataConnectors(ctx context.Context, max int) ([]DataConnector, bool, error) {
	items, truncated, err := c.ListAll(ctx, c.Path("dataConnectors"), Query{}, max)
	if err != nil {
		return nil, false, err
	}
	cs, err := DecodeAll[DataConnector](items)
	return cs, truncated, err
}

// ConnectorTable is a table a connector writes to, with an optional condition selecting its records
// (for shared tables such as SecurityAlert): Column == Value.
type ConnectorTable struct {
	Table    string
	DataType string // the connector data type that feeds it ("" for all)
	Column   string
	Value    string
}

// Where selects the connector's records of the table (as a KQL condition on constant names built by
// this package; "" when the whole table is the connector's).
func (t ConnectorTable) Where() (column, value string) { return t.Column, t.Value }

// connectorTables maps connector kinds to the tables they fill (Microsoft's connector reference).
var connectorTables = map[string][]ConnectorTable{
	"AzureActiveDirectory": {{Table: "SigninLogs"}, {Table: "AuditLogs"},
		{Table: "SecurityAlert", DataType: "alerts", Column: "ProductName", Value: "Azure Active Directory Identity Protection"}},
	"AzureSecurityCenter": {{Table: "SecurityAlert", DataType: "alerts", Column: "ProductName", Value: "Azure Security Center"}},
	"MicrosoftCloudAppSecurity": {{Table: "SecurityAlert", DataType: "alerts", Column: "ProductName", Value: "Microsoft Cloud App Security"},
		{Table: "McasShadowItReporting", DataType: "discoveryLogs"}},
	"AzureAdvancedThreatProtection": {{Table: "SecurityAlert", DataType: "alerts", Column: "ProductName", Value: "Azure Advanced Threat Protection"}},
	"MicrosoftDefenderAdvancedThreatProtection": {{Table: "SecurityAlert", DataType: "alerts", Column: "ProductName",
		Value: "Microsoft Defender Advanced Threat Protection"}},
	"OfficeATP": {{Table: "SecurityAlert", DataType: "alerts", Column: "ProductName", Value: "Office 365 Advanced Threat Protection"}},
	"Office365": {{Table: "OfficeActivity"}},
	"MicrosoftThreatProtection": {{Table: "SecurityIncident", DataType: "incidents", Column: "ProviderName", Value: "Microsoft XDR"},
		{Table: "DeviceProcessEvents"}, {Table: "DeviceNetworkEvents"}, {Table: "DeviceLogonEvents"}, {Table: "DeviceFileEvents"},
		{Table: "EmailEvents"}, {Table: "IdentityLogonEvents"}},
	"ThreatIntelligence":                    {{Table: "ThreatIntelligenceIndicator", DataType: "indicators"}},
	"ThreatIntelligenceTaxii":               {{Table: "ThreatIntelligenceIndicator", DataType: "taxiiClient"}},
	"AmazonWebServicesCloudTrail":           {{Table: "AWSCloudTrail", DataType: "logs"}},
	"AmazonWebServicesS3":                   {{Table: "AWSCloudTrail"}},
	"Dynamics365":                           {{Table: "Dynamics365Activity", DataType: "dynamics365CdsActivities"}},
	"OfficeIRM":                             {{Table: "SecurityAlert", DataType: "alerts", Column: "ProductName", Value: "Microsoft 365 Insider Risk Management"}},
	"Office365Project":                      {{Table: "ProjectActivity", DataType: "logs"}},
	"OfficePowerBI":                         {{Table: "PowerBIActivity", DataType: "logs"}},
	"IOT":                                   {{Table: "SecurityAlert", DataType: "alerts", Column: "ProductName", Value: "Azure Security Center for IoT"}},
	"MicrosoftPurviewInformationProtection": {{Table: "MicrosoftPurviewInformationProtection", DataType: "logs"}},
}

// ConnectorTables returns the tables a connector kind writes to (nil for a kind this package does not
// know: API-based and codeless connectors write to tables they declare themselves).
func ConnectorTables(kind string) []ConnectorTable {
	for k, ts := range connectorTables {
		if strings.EqualFold(k, kind) {
			return append([]ConnectorTable(nil), ts...)
		}
	}
	return nil
}
