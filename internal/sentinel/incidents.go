package sentinel

import (
	"context"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/sentinel-mcp/sentinel-mcp/internal/azure"
)

// Incident enums (Microsoft.SecurityInsights, stable api-versions).
const (
	SeverityHigh          = "High"
	SeverityMedium        = "Medium"
	SeverityLow           = "Low"
	SeverityInformational = "Informational"

	StatusNew    = "New"
	StatusActive = "Active"
	StatusClosed = "Closed"

	ClassificationUndetermined   = "Undetermined"
	ClassificationTruePositive   = "TruePositive"
	ClassificationBenignPositive = "BenignPositive"
	ClassificationFalsePositive  = "FalsePositive"

	ReasonSuspiciousActivity    = "SuspiciousActivity"    // TruePositive
	ReasonSuspiciousButExpected = "SuspiciousButExpected" // BenignPositive
	ReasonIncorrectAlertLogic   = "IncorrectAlertLogic"   // FalsePositive
	ReasonInaccurateData        = "InaccurateData"        // FalsePositive

	LabelTypeUser         = "User"
	LabelTypeAutoAssigned = "AutoAssigned"
)

// Severities are the incident severities, most severe first.
var Severities = []string{SeverityHigh, SeverityMedium, SeverityLow, SeverityInformational}

// Statuses are the incident statuses.
var Statuses = []string{StatusNew, StatusActive, StatusClosed}

// Classifications are the verdicts an incident is closed with.
var Classifications = []string{ClassificationTruePositive, ClassificationBenignPositive, ClassificationFalsePositive, ClassificationUndetermined}

// ClassificationReasons lists the reasons Azure accepts for each classification (none for
// Undetermined).
var ClassificationReasons = map[string][]string{
	ClassificationTruePositive:   {ReasonSuspiciousActivity},
	ClassificationBenignPositive: {ReasonSuspiciousButExpected},
	ClassificationFalsePositive:  {ReasonIncorrectAlertLogic, ReasonInaccurateData},
	ClassificationUndetermined:   {},
}

// SeverityRank orders severities: 0 for High ... 3 for Informational, 4 for anything else.
func SeverityRank(s string) int {
	for i, v := range Severities {
		if strings.EqualFold(v, s) {
			return i
		}
	}
	return len(Severities)
}

// Incident is a Sentinel incident.
type Incident struct {
	Raw `json:"-"`
	Envelope
	Properties IncidentProperties `json:"properties"`
}

// IncidentProperties are an incident's properties. Number, URL, times, related rules and
// AdditionalData are computed by Sentinel (sent back unchanged on a write, ignored by Azure).
type IncidentProperties struct {
	Title                 string          `json:"title"`
	Description           string          `json:"description"`
	Severity              string          `json:"severity"`
	Status                string          `json:"status"`
	Classification        string          `json:"classification"`
	ClassificationReason  string          `json:"classificationReason"`
	ClassificationComment string          `json:"classificationComment"`
	Owner                 IncidentOwner   `json:"owner"`
	Labels                []IncidentLabel `json:"labels"`
	FirstActivityTimeUTC  time.Time       `json:"firstActivityTimeUtc,omitzero"`
	LastActivityTimeUTC   time.Time       `json:"lastActivityTimeUtc,omitzero"`
	ProviderName          string          `json:"providerName"`
	ProviderIncidentID    string          `json:"providerIncidentId"`

	IncidentNumber         int64                  `json:"incidentNumber"`
	IncidentURL            string                 `json:"incidentUrl"`
	CreatedTimeUTC         time.Time              `json:"createdTimeUtc,omitzero"`
	LastModifiedTimeUTC    time.Time              `json:"lastModifiedTimeUtc,omitzero"`
	RelatedAnalyticRuleIDs []string               `json:"relatedAnalyticRuleIds"`
	AdditionalData         IncidentAdditionalData `json:"additionalData"`
}

// IncidentOwner is who the incident is assigned to (all empty: unassigned).
type IncidentOwner struct {
	ObjectID          string `json:"objectId"`
	Email             string `json:"email"`
	UserPrincipalName string `json:"userPrincipalName"`
	AssignedTo        string `json:"assignedTo"`
	OwnerType         string `json:"ownerType"`
}

// Assigned reports whether the incident has an owner.
func (o IncidentOwner) Assigned() bool {
	return o.ObjectID != "" || o.Email != "" || o.UserPrincipalName != "" || o.AssignedTo != ""
}

// String is the owner's most readable name ("" when unassigned).
func (o IncidentOwner) String() string {
	for _, s := range []string{o.UserPrincipalName, o.Email, o.AssignedTo, o.ObjectID} {
		if s != "" {
			return s
		}
	}
	return ""
}

// Matches reports whether ref (UPN, e-mail, object id, display name, or one word of the name) names
// this owner, case-insensitively.
func (o IncidentOwner) Matches(ref string) bool {
	ref = strings.TrimSpace(ref)
	if ref == "" {
		return false
	}
	for _, s := range []string{o.UserPrincipalName, o.Email, o.AssignedTo, o.ObjectID} {
		if s != "" && strings.EqualFold(s, ref) {
			return true
		}
	}
	// A single word (a first or last name, "ravi") matches a word of the display name or of the
	// UPN's local part (ravi.sharma@...): how an analyst names a colleague.
	if strings.ContainsAny(ref, " @") {
		return false
	}
	words := strings.Fields(o.AssignedTo)
	for _, u := range []string{o.UserPrincipalName, o.Email} {
		if local, _, ok := strings.Cut(u, "@"); ok {
			words = append(words, strings.FieldsFunc(local, func(r rune) bool { return r == '.' || r == '_' || r == '-' })...)
		}
	}
	for _, w := range words {
		if strings.EqualFold(w, ref) {
			return true
		}
	}
	return false
}

// IncidentLabel is a tag on an incident.
type IncidentLabel struct {
	LabelName string `json:"labelName"`
	LabelType string `json:"labelType"`
}

// IncidentAdditionalData are the counts and summaries Sentinel computes.
type IncidentAdditionalData struct {
	AlertsCount         int      `json:"alertsCount"`
	BookmarksCount      int      `json:"bookmarksCount"`
	CommentsCount       int      `json:"commentsCount"`
	AlertProductNames   []string `json:"alertProductNames"`
	Tactics             []string `json:"tactics"`
	Techniques          []string `json:"techniques"`
	ProviderIncidentURL string   `json:"providerIncidentUrl"`
}

// UnmarshalJSON keeps the document (see MarshalKeep).
func (i *Incident) UnmarshalJSON(b []byte) error {
	type plain Incident
	return UnmarshalKeep(b, (*plain)(i), &i.Raw)
}

// MarshalJSON is the kept document with the modelled fields overlaid.
func (i Incident) MarshalJSON() ([]byte, error) {
	type plain Incident
	return MarshalKeep(plain(i), i.Raw)
}

// LabelNames returns the names of the incident's labels.
func (i *Incident) LabelNames() []string {
	out := make([]string, 0, len(i.Properties.Labels))
	for _, l := range i.Properties.Labels {
		out = append(out, l.LabelName)
	}
	return out
}

// Incident reads an incident by name (its GUID). A missing incident is an *azure.Error with
// IsNotFound.
func (c *Client) Incident(ctx context.Context, name string) (*Incident, error) {
	path, err := c.ResourcePath("incidents", name)
	if err != nil {
		return nil, err
	}
	var inc Incident
	if err := c.Get(ctx, path, &inc); err != nil {
		return nil, err
	}
	return &inc, nil
}

// ErrIncidentNotFound is returned (wrapped) by IncidentByNumber when no incident has the number.
var ErrIncidentNotFound = fmt.Errorf("incident not found")

// IncidentByNumber finds an incident by its number (as shown in the portal), with a server-side
// $filter on properties/incidentNumber.
func (c *Client) IncidentByNumber(ctx context.Context, n int64) (*Incident, error) {
	page, err := c.Page(ctx, c.Path("incidents"), Query{Filter: "properties/incidentNumber eq " + strconv.FormatInt(n, 10), Top: 5})
	if err != nil {
		return nil, err
	}
	incs, err := DecodeAll[Incident](page.Items)
	if err != nil {
		return nil, err
	}
	for i := range incs {
		if incs[i].Properties.IncidentNumber == n {
			return &incs[i], nil
		}
	}
	return nil, fmt.Errorf("%w: no incident number %d in %s", ErrIncidentNotFound, n, c.ws.Alias)
}

// FindIncident resolves a reference to an incident: its number ("42" or "#42"), its name (GUID), or
// its full resource id, which must be of this workspace.
func (c *Client) FindIncident(ctx context.Context, ref string) (*Incident, error) {
	ref = strings.TrimSpace(ref)
	if n, err := strconv.ParseInt(strings.TrimPrefix(ref, "#"), 10, 64); err == nil && n > 0 {
		return c.IncidentByNumber(ctx, n)
	}
	name := ref
	if strings.Contains(ref, "/") {
		prefix := strings.ToLower(c.Path("incidents") + "/")
		if !strings.HasPrefix(strings.ToLower(ref), prefix) {
			return nil, fmt.Errorf("incident id %q is not an incident of workspace %s: pass the incident number, its name, or an id of this workspace", ref, c.ws.Alias)
		}
		name = ref[len(prefix):]
	}
	inc, err := c.Incident(ctx, name)
	if azure.IsNotFound(err) {
		return nil, fmt.Errorf("%w: no incident named %q in %s", ErrIncidentNotFound, name, c.ws.Alias)
	}
	return inc, err
}

// Incidents reads one page of the incident list (see Query for the OData parameters).
func (c *Client) Incidents(ctx context.Context, q Query) ([]Incident, *Page, error) {
	page, err := c.Page(ctx, c.Path("incidents"), q)
	if err != nil {
		return nil, nil, err
	}
	incs, err := DecodeAll[Incident](page.Items)
	return incs, page, err
}

// incidentReadOnly are the properties Sentinel computes; a write leaves them out (the kept document
// still has them for export).
var incidentReadOnly = []string{"incidentNumber", "incidentUrl", "createdTimeUtc", "lastModifiedTimeUtc", "relatedAnalyticRuleIds", "additionalData"}

// PutIncident writes an incident (create or replace) with If-Match set to its etag (when it has
// one), and returns the incident as Sentinel stored it. A concurrent change makes it fail with a
// conflict (azure.IsConflict) and changes nothing.
func (c *Client) PutIncident(ctx context.Context, inc *Incident) (*Incident, error) {
	name := inc.Name
	if name == "" {
		name = NewName()
	}
	path, err := c.ResourcePath("incidents", name)
	if err != nil {
		return nil, err
	}
	body, err := json.Marshal(inc)
	if err == nil {
		body, err = WithoutProperties(body, incidentReadOnly...)
	}
	if err != nil {
		return nil, fmt.Errorf("sentinel: encoding incident %s: %v", name, err)
	}
	var out Incident
	if err := c.Put(ctx, path, json.RawMessage(body), inc.Etag, &out); err != nil {
		return nil, err
	}
	return &out, nil
}

// DeleteIncident deletes an incident (and its comments and relations).
func (c *Client) DeleteIncident(ctx context.Context, name, etag string) error {
	path, err := c.ResourcePath("incidents", name)
	if err != nil {
		return err
	}
	return c.Delete(ctx, path, etag)
}

// IncidentFilter builds the $filter of the incident list from the filters Sentinel evaluates
// server-side. Empty fields do not filter.
type IncidentFilter struct {
	Statuses        []string
	Severities      []string
	Classifications []string
	CreatedAfter    time.Time // createdTimeUtc >= CreatedAfter
	CreatedBefore   time.Time // createdTimeUtc < CreatedBefore
}

// OData renders the filter ("" when it does not filter).
func (f IncidentFilter) OData() string {
	var parts []string
	anyOf := func(prop string, values []string) {
		if len(values) == 0 {
			return
		}
		terms := make([]string, len(values))
		for i, v := range values {
			terms[i] = "properties/" + prop + " eq " + ODataString(v)
		}
		if len(terms) == 1 {
			parts = append(parts, terms[0])
			return
		}
		parts = append(parts, "("+strings.Join(terms, " or ")+")")
	}
	anyOf("status", f.Statuses)
	anyOf("severity", f.Severities)
	anyOf("classification", f.Classifications)
	if !f.CreatedAfter.IsZero() {
		parts = append(parts, "properties/createdTimeUtc ge "+f.CreatedAfter.UTC().Format(time.RFC3339))
	}
	if !f.CreatedBefore.IsZero() {
		parts = append(parts, "properties/createdTimeUtc lt "+f.CreatedBefore.UTC().Format(time.RFC3339))
	}
	return strings.Join(parts, " and ")
}

// Incident list orders (OData $orderby).
const (
	OrderCreatedDesc      = "properties/createdTimeUtc desc"
	OrderLastModifiedDesc = "properties/lastModifiedTimeUtc desc"
)

// json.Marshaler and Unmarshaler are implemented by the models.
var (
	_ json.Marshaler   = Incident{}
	_ json.Unmarshaler = (*Incident)(nil)
)
