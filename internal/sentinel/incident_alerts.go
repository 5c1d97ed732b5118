package sentinel

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"time"
)

// IncidentAlert is a security alert of an incident (kind SecurityAlert), as POST
// {incident}/alerts returns it.
type IncidentAlert struct {
	Raw `json:"-"`
	Envelope
	Kind       string          `json:"kind"`
	Properties AlertProperties `json:"properties"`
}

// AlertProperties are the fields of an alert the product shows; the rest stays in Raw.
type AlertProperties struct {
	SystemAlertID     string          `json:"systemAlertId"`
	AlertDisplayName  string          `json:"alertDisplayName"`
	AlertType         string          `json:"alertType"`
	Description       string          `json:"description"`
	Severity          string          `json:"severity"`
	Status            string          `json:"status"`
	ProductName       string          `json:"productName"`
	ProductComponent  string          `json:"productComponentName"`
	VendorName        string          `json:"vendorName"`
	ProviderAlertID   string          `json:"providerAlertId"`
	Tactics           []string        `json:"tactics"`
	Techniques        []string        `json:"techniques"`
	ConfidenceLevel   string          `json:"confidenceLevel"`
	CompromisedEntity string          `json:"compromisedEntity"`
	RemediationSteps  []string        `json:"remediationSteps"`
	AlertLink         string          `json:"alertLink"`
	FriendlyName      string          `json:"friendlyName"`
	StartTimeUTC      time.Time       `json:"startTimeUtc,omitzero"`
	EndTimeUTC        time.Time       `json:"endTimeUtc,omitzero"`
	TimeGenerated     time.Time       `json:"timeGenerated,omitzero"`
	AdditionalData    json.RawMessage `json:"additionalData,omitempty"`
}

// UnmarshalJSON keeps the document (see MarshalKeep).
func (a *IncidentAlert) UnmarshalJSON(b []byte) error {
	type plain IncidentAlert
	return UnmarshalKeep(b, (*plain)(a), &a.Raw)
}

// MarshalJSON is the kept document with the modelled fields overlaid.
func (a IncidentAlert) MarshalJSON() ([]byte, error) {
	type plain IncidentAlert
	return MarshalKeep(plain(a), a.Raw)
}

// DisplayName is the alert's display name (or its friendly name).
func (a *IncidentAlert) DisplayName() string {
	if a.Properties.AlertDisplayName != "" {
		return a.Properties.AlertDisplayName
	}
	return a.Properties.FriendlyName
}

// IncidentAlerts returns the alerts of an incident (by name). The API is a POST that only reads and
// is not paged.
func (c *Client) IncidentAlerts(ctx context.Context, incident string) ([]IncidentAlert, error) {
	path, err := c.ResourcePath("incidents", incident, "alerts")
	if err != nil {
		return nil, err
	}
	var body struct {
		Value []IncidentAlert `json:"value"`
	}
	if err := c.Post(ctx, path, nil, true, &body); err != nil {
		return nil, err
	}
	return body.Value, nil
}

// Entity is an entity related to an incident (an account, host, IP, file, URL, mailbox...). Its
// properties depend on Kind; Field reads them.
type Entity struct {
	Raw `json:"-"`
	Envelope
	Kind       string         `json:"kind"`
	Properties map[string]any `json:"properties"`
}

// UnmarshalJSON keeps the document (see MarshalKeep).
func (e *Entity) UnmarshalJSON(b []byte) error {
	type plain Entity
	return UnmarshalKeep(b, (*plain)(e), &e.Raw)
}

// MarshalJSON is the kept document with the modelled fields overlaid.
func (e Entity) MarshalJSON() ([]byte, error) {
	type plain Entity
	return MarshalKeep(plain(e), e.Raw)
}

// Field returns a property as text: a string as is, a number or bool formatted, a nested value by
// a dotted path ("location.countryName"); "" when absent.
func (e *Entity) Field(path string) string {
	var v any = e.Properties
	for _, part := range strings.Split(path, ".") {
		m, ok := v.(map[string]any)
		if !ok {
			return ""
		}
		v = m[part]
	}
	switch x := v.(type) {
	case nil:
		return ""
	case string:
		return x
	case float64, bool, int, int64:
		return fmt.Sprint(x)
	}
	b, _ := json.Marshal(v)
	return string(b)
}

// EntityKindCount is how many entities of a kind an incident has.
type EntityKindCount struct {
	EntityKind string `json:"entityKind"`
	Count      int    `json:"count"`
}

// IncidentEntities returns the entities of an incident (by name) and the count per kind.
func (c *Client) IncidentEntities(ctx context.Context, incident string) ([]Entity, []EntityKindCount, error) {
	path, err := c.ResourcePath("incidents", incident, "entities")
	if err != nil {
		return nil, nil, err
	}
	var body struct {
		Entities []Entity          `json:"entities"`
		MetaData []EntityKindCount `json:"metaData"`
	}
	if err := c.Post(ctx, path, nil, true, &body); err != nil {
		return nil, nil, err
	}
	return body.Entities, body.MetaData, nil
}
