package incidents

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strings"

	"github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/sentinel-mcp/sentinel-mcp/internal/audit"
	"github.com/sentinel-mcp/sentinel-mcp/internal/azure"
	"github.com/sentinel-mcp/sentinel-mcp/internal/config"
	"github.com/sentinel-mcp/sentinel-mcp/internal/inventory"
	"github.com/sentinel-mcp/sentinel-mcp/internal/sentinel"
	"github.com/sentinel-mcp/sentinel-mcp/internal/textsafe"
	"github.com/sentinel-mcp/sentinel-mcp/internal/toolsets/toolkit"
)

// Writes read the incident, apply the change to what was read, and PUT it with the etag read
// (If-Match): if anyone changed the incident in between, Sentinel refuses the write and nothing is
// changed. A change that would leave the incident as it is sends nothing.

type writeOut struct {
	Tenant    string       `json:"tenant"`
	Workspace string       `json:"workspace"`
	Incident  incidentView `json:"incident"`
	Changed   bool         `json:"changed" jsonschema:"false when the incident already was as asked (nothing was sent)"`
	Changes   []string     `json:"changes,omitempty" jsonschema:"what changed, field: before -> after"`
}

// modify applies change to the incident ref names and writes it with its etag.
func (t *tools) modify(ctx context.Context, wsRef string, ref incidentRef, verb string, change func(inc *sentinel.Incident) error) (*mcp.CallToolResult, writeOut, error) {
	ws, c, err := t.resolve(ctx, wsRef)
	if err != nil {
		return nil, writeOut{}, err
	}
	before, err := find(ctx, c, ref)
	if err != nil {
		return nil, writeOut{}, err
	}
	next, err := clone(before)
	if err != nil {
		return nil, writeOut{}, err
	}
	if err := change(next); err != nil {
		return nil, writeOut{}, err
	}
	out := writeOut{Tenant: ws.TenantName, Workspace: ws.Alias}
	changes := diff(before, next)
	if len(changes) == 0 {
		out.Incident = view(before)
		return toolkit.Text(fmt.Sprintf("Nothing to change: %s is already as asked.", label(ws, before))), out, nil
	}
	after, err := c.PutIncident(ctx, next)
	if err != nil {
		if azure.IsConflict(err) {
			return nil, writeOut{}, sentinel.ConflictError(upperFirst(label(ws, before)), err, "Read it again with get_incident, check what changed")
		}
		return nil, writeOut{}, azureError(verb+" "+label(ws, before), err)
	}
	audit.RecordChange(ctx, before, after)
	out.Incident, out.Changed, out.Changes = view(after), true, diff(before, after)
	if len(out.Changes) == 0 {
		out.Changes = changes
	}
	return toolkit.Text(fmt.Sprintf("%s %s: %s.", upperFirst(verb), label(ws, after), strings.Join(out.Changes, "; "))), out, nil
}

func upperFirst(s string) string {
	if s == "" {
		return s
	}
	return strings.ToUpper(s[:1]) + s[1:]
}

// clone copies an incident through its lossless JSON, so the copy keeps the document too.
func clone(inc *sentinel.Incident) (*sentinel.Incident, error) {
	b, err := json.Marshal(inc)
	if err != nil {
		return nil, err
	}
	var out sentinel.Incident
	if err := json.Unmarshal(b, &out); err != nil {
		return nil, err
	}
	return &out, nil
}

// diff lists the changed fields an analyst cares about, in a stable order.
func diff(a, b *sentinel.Incident) []string {
	pa, pb := a.Properties, b.Properties
	var out []string
	add := func(field, x, y string) {
		if x != y {
			out = append(out, fmt.Sprintf("%s: %s -> %s", field, orNone(x), orNone(y)))
		}
	}
	add("status", pa.Status, pb.Status)
	add("severity", pa.Severity, pb.Severity)
	add("owner", textsafe.Line(pa.Owner.String()), textsafe.Line(pb.Owner.String()))
	add("classification", pa.Classification, pb.Classification)
	add("classification reason", pa.ClassificationReason, pb.ClassificationReason)
	switch {
	case pa.ClassificationComment == pb.ClassificationComment:
	case pa.ClassificationComment == "":
		out = append(out, "classification comment added")
	case pb.ClassificationComment == "":
		out = append(out, "classification comment cleared")
	default:
		out = append(out, "classification comment changed")
	}
	add("labels", strings.Join(textsafe.Strings(a.LabelNames()), ", "), strings.Join(textsafe.Strings(b.LabelNames()), ", "))
	if pa.Title != pb.Title {
		out = append(out, "title changed")
	}
	if len(out) == 0 {
		// Something not shown above (an unmodelled field) differs: still a change.
		ja, _ := json.Marshal(a)
		jb, _ := json.Marshal(b)
		if !bytes.Equal(ja, jb) {
			out = append(out, "other fields changed")
		}
	}
	return out
}

func orNone(s string) string {
	if s == "" {
		return "(none)"
	}
	return s
}

// reopen moves a closed incident back to an open status, clearing the verdict as Sentinel does.
func reopen(p *sentinel.IncidentProperties, status string) {
	p.Status = status
	if status != sentinel.StatusClosed {
		p.Classification, p.ClassificationReason, p.ClassificationComment = "", "", ""
	}
}

// owner parses an owner reference: an object id, a UPN or e-mail address, or unassigned.
func parseOwner(arg, s string) (sentinel.IncidentOwner, error) {
	s = strings.TrimSpace(s)
	switch {
	case s == "":
		return sentinel.IncidentOwner{}, toolkit.ArgError(arg, "is empty: pass a UPN or e-mail (alice@contoso.com), an Entra object id, or unassigned")
	case strings.EqualFold(s, "unassigned") || strings.EqualFold(s, "none"):
		return sentinel.IncidentOwner{}, nil
	case config.IsGUID(s):
		return sentinel.IncidentOwner{ObjectID: strings.ToLower(s), OwnerType: "User"}, nil
	case strings.Count(s, "@") == 1 && !strings.ContainsAny(s, " \t\r\n<>\"'") && textsafe.Safe(s):
		local, domain, _ := strings.Cut(s, "@")
		if local != "" && strings.Contains(domain, ".") {
			return sentinel.IncidentOwner{Email: s, UserPrincipalName: s, AssignedTo: s, OwnerType: "User"}, nil
		}
	}
	return sentinel.IncidentOwner{}, toolkit.ArgError(arg, "%q is not a UPN, e-mail address or Entra object id (GUID); use unassigned to remove the owner", s)
}

type updateIn struct {
	toolkit.WorkspaceArg
	Incident     incidentRef `json:"incident" jsonschema:"Incident number (e.g. 42, as in the portal), name (GUID) or resource id."`
	Status       string      `json:"status,omitempty" jsonschema:"New or Active (Active on a closed incident reopens it). To close, use close_incident."`
	Severity     string      `json:"severity,omitempty" jsonschema:"New severity."`
	Owner        string      `json:"owner,omitempty" jsonschema:"New owner: UPN or e-mail, Entra object id, or unassigned."`
	AddLabels    []string    `json:"add_labels,omitempty" jsonschema:"Labels to add."`
	RemoveLabels []string    `json:"remove_labels,omitempty" jsonschema:"Labels to remove."`
	Title        string      `json:"title,omitempty" jsonschema:"New title."`
}

func (t *tools) updateIncident() inventory.Tool {
	return inventory.New(Name, mcp.Tool{
		Name:        "update_incident",
		Description: "Change an incident's status (New, Active; reopens a closed one), severity, owner, labels or title. Fails without changing anything if the incident changed meanwhile.",
		Annotations: inventory.Annotations("Update incident", inventory.Idempotent|inventory.OpenWorld),
	}, func(ctx context.Context, _ *mcp.CallToolRequest, in updateIn) (*mcp.CallToolResult, writeOut, error) {
		var owner *sentinel.IncidentOwner
		if in.Owner != "" {
			o, err := parseOwner("owner", in.Owner)
			if err != nil {
				return nil, writeOut{}, err
			}
			owner = &o
		}
		add, err := labelArgs("add_labels", in.AddLabels)
		if err != nil {
			return nil, writeOut{}, err
		}
		remove, err := labelArgs("remove_labels", in.RemoveLabels)
		if err != nil {
			return nil, writeOut{}, err
		}
		for _, l := range add {
			if slices.ContainsFunc(remove, func(r string) bool { return strings.EqualFold(r, l) }) {
				return nil, writeOut{}, toolkit.ArgError("remove_labels", "%q is also in add_labels", l)
			}
		}
		title := strings.TrimSpace(in.Title)
		if in.Title != "" && (title == "" || !textsafe.Safe(title)) {
			return nil, writeOut{}, toolkit.ArgError("title", "must be one line of visible text")
		}
		if in.Status == "" && in.Severity == "" && owner == nil && len(add) == 0 && len(remove) == 0 && title == "" {
			return nil, writeOut{}, fmt.Errorf("nothing to update: give at least one of status, severity, owner, add_labels, remove_labels or title")
		}
		return t.modify(ctx, in.Workspace, in.Incident, "updated", func(inc *sentinel.Incident) error {
			p := &inc.Properties
			if in.Status != "" && in.Status != p.Status {
				reopen(p, in.Status)
			}
			if in.Severity != "" {
				p.Severity = in.Severity
			}
			if owner != nil {
				p.Owner = *owner
			}
			p.Labels = editLabels(p.Labels, add, remove)
			if title != "" {
				p.Title = title
			}
			return nil
		})
	}, incidentArg(),
		inventory.Enum("status", "New", "Active"),
		inventory.Enum("severity", "High", "Medium", "Low", "Informational"),
		inventory.MaxLength("title", 256), inventory.MaxLength("owner", 320))
}

func labelArgs(arg string, labels []string) ([]string, error) {
	var out []string
	for _, l := range labels {
		l = strings.TrimSpace(l)
		if l == "" || !textsafe.Safe(l) || len(l) > 256 {
			return nil, toolkit.ArgError(arg, "%q is not a label: one line of visible text, at most 256 bytes", l)
		}
		out = append(out, l)
	}
	return dedupe(out), nil
}

// editLabels adds and removes labels by name (case-insensitive), keeping the others and their order.
func editLabels(labels []sentinel.IncidentLabel, add, remove []string) []sentinel.IncidentLabel {
	if len(add) == 0 && len(remove) == 0 {
		return labels
	}
	out := []sentinel.IncidentLabel{}
	for _, l := range labels {
		if !slices.ContainsFunc(remove, func(r string) bool { return strings.EqualFold(r, l.LabelName) }) {
			out = append(out, l)
		}
	}
	for _, a := range add {
		if !slices.ContainsFunc(out, func(l sentinel.IncidentLabel) bool { return strings.EqualFold(l.LabelName, a) }) {
			out = append(out, sentinel.IncidentLabel{LabelName: a, LabelType: sentinel.LabelTypeUser})
		}
	}
	return out
}

type assignIn struct {
	toolkit.WorkspaceArg
	Incident incidentRef `json:"incident" jsonschema:"Incident number (e.g. 42, as in the portal), name (GUID) or resource id."`
	Owner    string      `json:"owner" jsonschema:"UPN or e-mail (alice@contoso.com), Entra object id, or unassigned to remove the owner."`
}

func (t *tools) assignIncident() inventory.Tool {
	return inventory.New(Name, mcp.Tool{
		Name:        "assign_incident",
		Description: "Assign an incident to an owner (UPN, e-mail or Entra object id), or unassign it.",
		Annotations: inventory.Annotations("Assign incident", inventory.Idempotent|inventory.OpenWorld),
	}, func(ctx context.Context, _ *mcp.CallToolRequest, in assignIn) (*mcp.CallToolResult, writeOut, error) {
		owner, err := parseOwner("owner", in.Owner)
		if err != nil {
			return nil, writeOut{}, err
		}
		verb := "assigned"
		if !owner.Assigned() {
			verb = "unassigned"
		}
		return t.modify(ctx, in.Workspace, in.Incident, verb, func(inc *sentinel.Incident) error {
			inc.Properties.Owner = owner
			return nil
		})
	}, incidentArg(), inventory.MaxLength("owner", 320))
}

type closeIn struct {
	toolkit.WorkspaceArg
	Incident             incidentRef `json:"incident" jsonschema:"Incident number (e.g. 42, as in the portal), name (GUID) or resource id."`
	Classification       string      `json:"classification" jsonschema:"Verdict: TruePositive, BenignPositive, FalsePositive or Undetermined."`
	ClassificationReason string      `json:"classification_reason,omitempty" jsonschema:"FalsePositive: IncorrectAlertLogic or InaccurateData (required). Default SuspiciousActivity for TruePositive, SuspiciousButExpected for BenignPositive; none for Undetermined."`
	Comment              string      `json:"comment,omitempty" jsonschema:"Closing comment (the classification comment)."`
}

// validateClassification applies Azure's rules for closing: a known classification, and a reason
// that belongs to it (none for Undetermined).
func validateClassification(cl, reason string) error {
	reasons, ok := sentinel.ClassificationReasons[cl]
	if !ok {
		return toolkit.ArgError("classification", "%q: use TruePositive, BenignPositive, FalsePositive or Undetermined", cl)
	}
	switch {
	case len(reasons) == 0 && reason != "":
		return toolkit.ArgError("classification_reason", "Undetermined takes no reason: leave classification_reason out")
	case len(reasons) > 0 && reason == "":
		return toolkit.ArgError("classification_reason", "is required to close as %s: use %s", cl, strings.Join(reasons, " or "))
	case len(reasons) > 0 && !slices.Contains(reasons, reason):
		return toolkit.ArgError("classification_reason", "%q does not go with %s: use %s", reason, cl, strings.Join(reasons, " or "))
	}
	return nil
}

func (t *tools) closeIncident() inventory.Tool {
	return inventory.New(Name, mcp.Tool{
		Name:        "close_incident",
		Description: "Close an incident with a verdict: classification, its reason, and an optional comment. Reopen with update_incident (status Active).",
		Annotations: inventory.Annotations("Close incident", inventory.Idempotent|inventory.OpenWorld),
	}, func(ctx context.Context, _ *mcp.CallToolRequest, in closeIn) (*mcp.CallToolResult, writeOut, error) {
		// A verdict with a single possible reason does not make the caller spell it out.
		if reasons := sentinel.ClassificationReasons[in.Classification]; in.ClassificationReason == "" && len(reasons) == 1 {
			in.ClassificationReason = reasons[0]
		}
		if err := validateClassification(in.Classification, in.ClassificationReason); err != nil {
			return nil, writeOut{}, err
		}
		comment := textsafe.Text(in.Comment)
		return t.modify(ctx, in.Workspace, in.Incident, "closed", func(inc *sentinel.Incident) error {
			p := &inc.Properties
			p.Status, p.Classification, p.ClassificationReason = sentinel.StatusClosed, in.Classification, in.ClassificationReason
			if comment != "" {
				p.ClassificationComment = comment
			}
			return nil
		})
	}, incidentArg(),
		inventory.Enum("classification", "TruePositive", "BenignPositive", "FalsePositive", "Undetermined"),
		inventory.Enum("classification_reason", "SuspiciousActivity", "SuspiciousButExpected", "IncorrectAlertLogic", "InaccurateData"),
		inventory.MaxLength("comment", 4000))
}

type commentIn struct {
	toolkit.WorkspaceArg
	Incident incidentRef `json:"incident" jsonschema:"Incident number (e.g. 42, as in the portal), name (GUID) or resource id."`
	Message  string      `json:"message" jsonschema:"Comment text (Markdown as in the portal)."`
}

type commentOut struct {
	Tenant    string `json:"tenant"`
	Workspace string `json:"workspace"`
	Incident  int64  `json:"incident"`
	Comment   string `json:"comment" jsonschema:"name of the new comment"`
	Created   string `json:"created,omitempty"`
}

func (t *tools) addIncidentComment() inventory.Tool {
	return inventory.New(Name, mcp.Tool{
		Name:        "add_incident_comment",
		Description: "Add a comment to an incident (findings, evidence, next steps).",
		Annotations: inventory.Annotations("Comment on incident", inventory.OpenWorld),
	}, func(ctx context.Context, _ *mcp.CallToolRequest, in commentIn) (*mcp.CallToolResult, commentOut, error) {
		msg := textsafe.Text(in.Message)
		if msg == "" {
			return nil, commentOut{}, toolkit.ArgError("message", "is empty")
		}
		if len(msg) > sentinel.MaxCommentLength {
			return nil, commentOut{}, toolkit.ArgError("message", "is %d characters; Sentinel accepts at most %d", len(msg), sentinel.MaxCommentLength)
		}
		ws, c, err := t.resolve(ctx, in.Workspace)
		if err != nil {
			return nil, commentOut{}, err
		}
		inc, err := find(ctx, c, in.Incident)
		if err != nil {
			return nil, commentOut{}, err
		}
		cm, err := c.AddIncidentComment(ctx, inc.Name, msg)
		if err != nil {
			return nil, commentOut{}, azureError("commenting on "+label(ws, inc), err)
		}
		audit.RecordChange(ctx, nil, cm)
		out := commentOut{Tenant: ws.TenantName, Workspace: ws.Alias, Incident: inc.Properties.IncidentNumber, Comment: cm.Name,
			Created: timeText(cm.Properties.CreatedTimeUTC)}
		return toolkit.Text(fmt.Sprintf("Comment added to %s (%d characters).", label(ws, inc), len(msg))), out, nil
	}, incidentArg(), inventory.MaxLength("message", sentinel.MaxCommentLength))
}
