package sentinel

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"

	"github.com/sentinel-mcp/sentinel-mcp/internal/azure"
)

// Data collection rules (DCR), endpoints (DCE) and rule associations (DCRA), Microsoft.Insights
// resources of the workspace's subscription. A DCR belongs to a workspace when one of its
// logAnalytics destinations is the workspace.

// Microsoft.Insights resource types of data collection.
const (
	KindDCR = "dataCollectionRules"
	KindDCE = "dataCollectionEndpoints"
)

// DataCollectionRule is a data collection rule.
type DataCollectionRule struct {
	Raw `json:"-"`
	Envelope
	Location   string            `json:"location"`
	Kind       string            `json:"kind"`
	Tags       map[string]string `json:"tags"`
	Properties DCRProperties     `json:"properties"`
}

// DCRProperties are a rule's properties. DataSources keeps each source kind's JSON as it is
// (windowsEventLogs, syslog, performanceCounters, logFiles, extensions, ...).
type DCRProperties struct {
	Description              string                       `json:"description"`
	ImmutableID              string                       `json:"immutableId"`
	DataCollectionEndpointID string                       `json:"dataCollectionEndpointId"`
	ProvisioningState        string                       `json:"provisioningState"`
	StreamDeclarations       map[string]StreamDeclaration `json:"streamDeclarations"`
	DataSources              map[string]json.RawMessage   `json:"dataSources"`
	Destinations             DCRDestinations              `json:"destinations"`
	DataFlows                []DataFlow                   `json:"dataFlows"`
}

// StreamDeclaration declares the columns of a custom input stream (Custom-*).
type StreamDeclaration struct {
	Columns []StreamColumn `json:"columns"`
}

// StreamColumn is a column of a stream: type string, int, long, real, boolean, datetime or dynamic.
type StreamColumn struct {
	Name string `json:"name"`
	Type string `json:"type"`
}

// StreamColumnTypes are the column types of a stream declaration.
var StreamColumnTypes = []string{"string", "int", "long", "real", "boolean", "datetime", "dynamic"}

// DCRDestinations are a rule's destinations; kinds other than logAnalytics are kept as they are.
type DCRDestinations struct {
	Raw          `json:"-"`
	LogAnalytics []LogAnalyticsDestination `json:"logAnalytics"`
}

// LogAnalyticsDestination is a workspace a rule sends data to.
type LogAnalyticsDestination struct {
	Name                string `json:"name"`
	WorkspaceResourceID string `json:"workspaceResourceId"`
	WorkspaceID         string `json:"workspaceId,omitempty"`
}

// DataFlow routes streams to destinations, optionally through a transformation (KQL over the
// virtual table "source") into an output stream (Custom-<table>_CL or Microsoft-<table>).
type DataFlow struct {
	Raw          `json:"-"`
	Streams      []string `json:"streams"`
	Destinations []string `json:"destinations"`
	TransformKql string   `json:"transformKql"`
	OutputStream string   `json:"outputStream"`
}

// UnmarshalJSON keeps the document (see MarshalKeep).
func (r *DataCollectionRule) UnmarshalJSON(b []byte) error {
	type plain DataCollectionRule
	return UnmarshalKeep(b, (*plain)(r), &r.Raw)
}

// MarshalJSON is the kept document with the modelled fields overlaid.
func (r DataCollectionRule) MarshalJSON() ([]byte, error) {
	type plain DataCollectionRule
	return MarshalKeep(plain(r), r.Raw)
}

// UnmarshalJSON keeps the document (see MarshalKeep).
func (d *DCRDestinations) UnmarshalJSON(b []byte) error {
	type plain DCRDestinations
	return UnmarshalKeep(b, (*plain)(d), &d.Raw)
}

// MarshalJSON is the kept document with the modelled fields overlaid.
func (d DCRDestinations) MarshalJSON() ([]byte, error) {
	type plain DCRDestinations
	return MarshalKeep(plain(d), d.Raw)
}

// UnmarshalJSON keeps the document (see MarshalKeep).
func (f *DataFlow) UnmarshalJSON(b []byte) error {
	type plain DataFlow
	return UnmarshalKeep(b, (*plain)(f), &f.Raw)
}

// MarshalJSON is the kept document with the modelled fields overlaid.
func (f DataFlow) MarshalJSON() ([]byte, error) {
	type plain DataFlow
	return MarshalKeep(plain(f), f.Raw)
}

// ResourceGroup is the rule's resource group (from its id).
func (r *DataCollectionRule) ResourceGroup() string { return resourceGroupOf(r.ID) }

// SendsTo reports whether the rule has the workspace as a logAnalytics destination.
func (r *DataCollectionRule) SendsTo(workspaceResourceID string) bool {
	for _, d := range r.Properties.Destinations.LogAnalytics {
		if strings.EqualFold(strings.TrimSuffix(d.WorkspaceResourceID, "/"), strings.TrimSuffix(workspaceResourceID, "/")) {
			return true
		}
	}
	return false
}

// SourceNames returns the names of the rule's data sources by kind.
func (r *DataCollectionRule) SourceNames() map[string][]string {
	out := map[string][]string{}
	for kind, raw := range r.Properties.DataSources {
		var list []struct {
			Name string `json:"name"`
		}
		if json.Unmarshal(raw, &list) == nil {
			for _, s := range list {
				out[kind] = append(out[kind], s.Name)
			}
		}
	}
	return out
}

func resourceGroupOf(id string) string {
	segs := strings.Split(strings.Trim(id, "/"), "/")
	if len(segs) > 3 && strings.EqualFold(segs[2], "resourceGroups") {
		return segs[3]
	}
	return ""
}

// DataCollectionEndpoint is a data collection endpoint.
type DataCollectionEndpoint struct {
	Raw `json:"-"`
	Envelope
	Location   string            `json:"location"`
	Kind       string            `json:"kind"`
	Tags       map[string]string `json:"tags"`
	Properties DCEProperties     `json:"properties"`
}

// DCEProperties are an endpoint's properties (the endpoints are set by Azure).
type DCEProperties struct {
	Description         string      `json:"description"`
	ImmutableID         string      `json:"immutableId"`
	ProvisioningState   string      `json:"provisioningState"`
	ConfigurationAccess EndpointURL `json:"configurationAccess"`
	LogsIngestion       EndpointURL `json:"logsIngestion"`
	MetricsIngestion    EndpointURL `json:"metricsIngestion"`
	NetworkAcls         struct {
		PublicNetworkAccess string `json:"publicNetworkAccess"`
	} `json:"networkAcls"`
}

// EndpointURL is one endpoint of a DCE.
type EndpointURL struct {
	Endpoint string `json:"endpoint"`
}

// UnmarshalJSON keeps the document (see MarshalKeep).
func (e *DataCollectionEndpoint) UnmarshalJSON(b []byte) error {
	type plain DataCollectionEndpoint
	return UnmarshalKeep(b, (*plain)(e), &e.Raw)
}

// MarshalJSON is the kept document with the modelled fields overlaid.
func (e DataCollectionEndpoint) MarshalJSON() ([]byte, error) {
	type plain DataCollectionEndpoint
	return MarshalKeep(plain(e), e.Raw)
}

// ResourceGroup is the endpoint's resource group (from its id).
func (e *DataCollectionEndpoint) ResourceGroup() string { return resourceGroupOf(e.ID) }

// DCRAssociation links a rule (or an endpoint) to a resource (a VM, an Arc server...).
type DCRAssociation struct {
	Raw `json:"-"`
	Envelope
	Properties struct {
		Description              string `json:"description"`
		DataCollectionRuleID     string `json:"dataCollectionRuleId"`
		DataCollectionEndpointID string `json:"dataCollectionEndpointId"`
		ProvisioningState        string `json:"provisioningState"`
	} `json:"properties"`
}

// UnmarshalJSON keeps the document (see MarshalKeep).
func (a *DCRAssociation) UnmarshalJSON(b []byte) error {
	type plain DCRAssociation
	return UnmarshalKeep(b, (*plain)(a), &a.Raw)
}

// MarshalJSON is the kept document with the modelled fields overlaid.
func (a DCRAssociation) MarshalJSON() ([]byte, error) {
	type plain DCRAssociation
	return MarshalKeep(plain(a), a.Raw)
}

// Resource is the resource the association is on (its id without the association part).
func (a *DCRAssociation) Resource() string {
	if i := strings.Index(strings.ToLower(a.ID), "/providers/microsoft.insights/datacollectionruleassociations/"); i >= 0 {
		return a.ID[:i]
	}
	return a.ID
}

// DataCollectionRules lists the rules of the workspace's subscription, up to max.
func (c *Client) DataCollectionRules(ctx context.Context, max int) ([]DataCollectionRule, bool, error) {
	items, truncated, err := c.ListAll(ctx, c.SubscriptionInsightsPath(KindDCR), Query{}, max)
	if err != nil {
		return nil, false, err
	}
	rules, err := DecodeAll[DataCollectionRule](items)
	return rules, truncated, err
}

// DataCollectionEndpoints lists the endpoints of the workspace's subscription, up to max.
func (c *Client) DataCollectionEndpoints(ctx context.Context, max int) ([]DataCollectionEndpoint, bool, error) {
	items, truncated, err := c.ListAll(ctx, c.SubscriptionInsightsPath(KindDCE), Query{}, max)
	if err != nil {
		return nil, false, err
	}
	eps, err := DecodeAll[DataCollectionEndpoint](items)
	return eps, truncated, err
}

// InsightsRef resolves a reference to a Microsoft.Insights resource of kind: its resource id (in the
// workspace's subscription), "resourceGroup/name", or a name, looked up in the workspace's resource
// group and then in the whole subscription (it must be unique there).
func (c *Client) InsightsRef(ctx context.Context, kind, ref string) (InsightsID, error) {
	ref = strings.TrimSpace(ref)
	if strings.HasPrefix(ref, "/") {
		return c.ParseInsightsID(ref, kind)
	}
	if rg, name, ok := strings.Cut(ref, "/"); ok {
		if err := ValidName(rg); err != nil {
			return InsightsID{}, err
		}
		if err := ValidName(name); err != nil {
			return InsightsID{}, err
		}
		return InsightsID{ResourceGroup: rg, Kind: kind, Name: name}, nil
	}
	if err := ValidName(ref); err != nil {
		return InsightsID{}, err
	}
	path, _ := c.InsightsPath("", kind, ref)
	if _, err := c.arm.GetJSON(ctx, path, nil); err == nil {
		return InsightsID{ResourceGroup: c.ws.ResourceGroup, Kind: kind, Name: ref}, nil
	} else if !azure.IsNotFound(err) {
		return InsightsID{}, err
	}
	items, _, err := c.ListAll(ctx, c.SubscriptionInsightsPath(kind), Query{}, 0)
	if err != nil {
		return InsightsID{}, err
	}
	var found []InsightsID
	for _, raw := range items {
		var e Envelope
		if json.Unmarshal(raw, &e) == nil && strings.EqualFold(e.Name, ref) {
			found = append(found, InsightsID{ResourceGroup: resourceGroupOf(e.ID), Kind: kind, Name: e.Name})
		}
	}
	switch len(found) {
	case 0:
		return InsightsID{}, &azure.Error{Status: http.StatusNotFound, Code: "ResourceNotFound",
			Message: fmt.Sprintf("no %s named %q in the subscription of %s", kind, ref, c.ws.Alias), Service: azure.ServiceARM}
	case 1:
		return found[0], nil
	}
	var rgs []string
	for _, f := range found {
		rgs = append(rgs, f.ResourceGroup+"/"+f.Name)
	}
	return InsightsID{}, fmt.Errorf("%d %s are named %q in the subscription of %s: name one as resourceGroup/name (%s)", len(found), kind, ref, c.ws.Alias, strings.Join(rgs, ", "))
}

// DataCollectionRule reads a rule.
func (c *Client) DataCollectionRule(ctx context.Context, id InsightsID) (*DataCollectionRule, error) {
	var r DataCollectionRule
	if err := c.getInsights(ctx, id, KindDCR, &r, &r.Etag); err != nil {
		return nil, err
	}
	return &r, nil
}

// DataCollectionEndpoint reads an endpoint.
func (c *Client) DataCollectionEndpoint(ctx context.Context, id InsightsID) (*DataCollectionEndpoint, error) {
	var e DataCollectionEndpoint
	if err := c.getInsights(ctx, id, KindDCE, &e, &e.Etag); err != nil {
		return nil, err
	}
	return &e, nil
}

func (c *Client) getInsights(ctx context.Context, id InsightsID, kind string, out any, etag *string) error {
	path, err := c.InsightsPath(id.ResourceGroup, kind, id.Name)
	if err != nil {
		return err
	}
	resp, err := c.arm.GetJSON(ctx, path, out)
	if err != nil {
		return err
	}
	if *etag == "" {
		*etag = resp.ETag()
	}
	return nil
}

// PutDataCollectionRule writes a rule under id. With create it refuses to overwrite an existing
// rule (If-None-Match: *); otherwise it sends r.Etag as If-Match, so a rule changed since it was read
// is a conflict (azure.IsConflict) and nothing is written.
func (c *Client) PutDataCollectionRule(ctx context.Context, id InsightsID, r *DataCollectionRule, create bool) (*DataCollectionRule, error) {
	path, err := c.InsightsPath(id.ResourceGroup, KindDCR, id.Name)
	if err != nil {
		return nil, err
	}
	o := writeOptions(ctx, r.Etag)
	if create {
		o.IfMatch, o.IfNoneMatch = "", "*"
	}
	var out DataCollectionRule
	if err := c.send(ctx, http.MethodPut, path, r, o, &out); err != nil {
		return nil, err
	}
	return &out, nil
}

// CreateDataCollectionEndpoint creates an endpoint without overwriting an existing one.
func (c *Client) CreateDataCollectionEndpoint(ctx context.Context, id InsightsID, e *DataCollectionEndpoint) (*DataCollectionEndpoint, error) {
	path, err := c.InsightsPath(id.ResourceGroup, KindDCE, id.Name)
	if err != nil {
		return nil, err
	}
	o := writeOptions(ctx, "")
	o.IfNoneMatch = "*"
	var out DataCollectionEndpoint
	if err := c.send(ctx, http.MethodPut, path, e, o, &out); err != nil {
		return nil, err
	}
	return &out, nil
}

// DeleteInsights deletes a DCR or DCE, with etag as If-Match when not empty.
func (c *Client) DeleteInsights(ctx context.Context, id InsightsID, kind, etag string) error {
	path, err := c.InsightsPath(id.ResourceGroup, kind, id.Name)
	if err != nil {
		return err
	}
	return c.send(ctx, http.MethodDelete, path, nil, writeOptions(ctx, etag), nil)
}

// Associations lists the associations of a DCR or DCE (the resources it is associated with).
func (c *Client) Associations(ctx context.Context, id InsightsID, kind string, max int) ([]DCRAssociation, bool, error) {
	path, err := c.InsightsPath(id.ResourceGroup, kind, id.Name)
	if err != nil {
		return nil, false, err
	}
	items, truncated, err := c.ListAll(ctx, path+"/associations", Query{}, max)
	if err != nil {
		return nil, false, err
	}
	as, err := DecodeAll[DCRAssociation](items)
	return as, truncated, err
}
