package seed

import (
	"strings"
	"time"

	"github.com/sentinel-mcp/sentinel-mcp/internal/content"
	"github.com/sentinel-mcp/sentinel-mcp/internal/emulator/world"
)

// Alerts and incidents as Sentinel shows them, shared by the log tables (SecurityAlert, SecurityIncident) and
// the ARM documents (incidents, their alerts and entities), so both views agree to the field.

// alertView is one alert of an incident.
type alertView struct {
	ID, Name, Description, Severity string
	Product, Provider, Component    string // ProductName, ProviderName, ProductComponentName
	AlertType, VendorOriginalID     string
	Rule                            *content.Rule // the shipped rule; nil for a product alert
	RuleName                        string        // resource name of the analytics rule behind it
	Tactics, Techniques, SubTechs   []string
	At, Start, End                  time.Time
	Compromised                     string
	Tables                          []string // data sources (rule alerts)
}

// alertsOf returns the alerts of an incident, in creation order.
func alertsOf(ws world.Workspace, inc world.Incident, now time.Time) []alertView {
	now = now.UTC().Truncate(time.Hour)
	first, last := now.Add(-inc.FirstActivityAgo), now.Add(-inc.LastActivityAgo)
	out := make([]alertView, 0, len(inc.Alerts))
	for _, a := range inc.Alerts {
		at := now.Add(-a.Ago)
		v := alertView{ID: a.ID, At: at, Start: first, End: last, VendorOriginalID: world.GUID("vendor-alert:" + a.ID)}
		if end := last; end.After(at) { // an alert covers the events up to its run
			v.End = at
		}
		if a.Rule != "" {
			r := ruleByID(a.Rule)
			v.Rule, v.Name, v.Description, v.Severity = r, r.Name, strings.TrimSpace(r.Description), r.Severity
			v.Product, v.Provider, v.Component = "Azure Sentinel", "ASI Scheduled Alerts", "Scheduled Alerts"
			if r.Kind == content.KindNRT {
				v.Component = "NRT Alerts"
			}
			v.RuleName = world.AlertRuleName(ws.Name, r.ID)
			v.AlertType = ws.CustomerID + "_" + v.RuleName
			v.Tactics = r.Tactics
			v.Techniques, v.SubTechs = parentTechniques(r.RelevantTechniques), subTechniques(r.RelevantTechniques)
			v.Tables = inc.Story.Tables
		} else {
			p := inc.Product
			v.Name, v.Description, v.Severity = p.Name, p.Description, p.Severity
			if inc.Description != "" {
				v.Description = inc.Description
			}
			v.Product, v.Provider, v.Component = p.Product, p.Provider, ""
			v.RuleName = world.AlertRuleName(ws.Name, world.ProductRule(p.Product))
			v.AlertType = strings.ReplaceAll(strings.ReplaceAll(p.Name, " ", ""), "'", "")
			v.Tactics, v.Techniques = p.Tactics, p.Techniques
		}
		v.Compromised = compromisedEntity(ws, inc.Entities)
		out = append(out, v)
	}
	return out
}

// compromisedEntity is the entity an alert is about: the device when there is one, else the account.
func compromisedEntity(ws world.Workspace, es []world.Entity) string {
	account := ""
	for _, e := range es {
		switch e.Kind {
		case world.EntityHost:
			return strings.ToLower(e.Value) + "." + dnsDomain(ws)
		case world.EntityAccount:
			if account == "" {
				account = e.Value
			}
		}
	}
	return account
}

// incidentTitle, incidentDescription: a story incident's come from its first rule, a background one's from
// its product alert.
func incidentTitle(inc world.Incident) string {
	if inc.Product != nil {
		return inc.Product.Name
	}
	return ruleByID(inc.Alerts[0].Rule).Name
}

func incidentDescription(inc world.Incident) string {
	switch {
	case inc.Description != "":
		return inc.Description
	case inc.Product != nil:
		return inc.Product.Description
	}
	return strings.TrimSpace(ruleByID(inc.Alerts[0].Rule).Description)
}

// incidentRuleNames are the resource names of the analytics rules behind an incident's first k alerts.
func incidentRuleNames(ws world.Workspace, inc world.Incident, k int) []any {
	out := []any{}
	seen := map[string]bool{}
	for _, a := range inc.Alerts[:k] {
		id := a.Rule
		if id == "" {
			id = world.ProductRule(inc.Product.Product)
		}
		if n := world.AlertRuleName(ws.Name, id); !seen[n] {
			seen[n] = true
			out = append(out, n)
		}
	}
	return out
}

// incidentTactics are the tactics of an incident's alerts, in first-seen order.
func incidentTactics(alerts []alertView) []any {
	out := []any{}
	seen := map[string]bool{}
	for _, a := range alerts {
		for _, t := range a.Tactics {
			if !seen[t] {
				seen[t] = true
				out = append(out, t)
			}
		}
	}
	return out
}

// dnsDomain is the DNS domain of a workspace's machines (Contoso's development estate is its own forest).
func dnsDomain(ws world.Workspace) string {
	t, _ := world.TenantByAlias(ws.TenantAlias)
	if ws.Name == world.WSContosoDev {
		return "dev." + t.Mail
	}
	return t.Mail
}

// alertEntities renders an incident's entities as SecurityAlert's Entities column has them.
func alertEntities(ws world.Workspace, es []world.Entity) []any {
	out := make([]any, 0, len(es))
	hostRef := ""
	for _, e := range es {
		id := itoa(int64(len(out) + 2))
		var m map[string]any
		switch e.Kind {
		case world.EntityAccount:
			local, suffix, _ := strings.Cut(e.Value, "@")
			m = map[string]any{"Type": "account", "Name": local, "UPNSuffix": suffix, "AadUserId": world.UserObjectID(e.Value),
				"DisplayName": world.DisplayNameOf(e.Value)}
		case world.EntityHost:
			m = map[string]any{"Type": "host", "HostName": e.Value, "DnsDomain": dnsDomain(ws), "OSFamily": osFamily(e.Value)}
			hostRef = id
		case world.EntityIP:
			m = map[string]any{"Type": "ip", "Address": e.Value}
		case world.EntityFile:
			m = map[string]any{"Type": "file", "Name": e.Value, "Directory": e.Detail}
		case world.EntityFileHash:
			m = map[string]any{"Type": "filehash", "Algorithm": e.Detail, "Value": e.Value}
		case world.EntityURL:
			m = map[string]any{"Type": "url", "Url": e.Value}
		case world.EntityMailbox:
			m = map[string]any{"Type": "mailbox", "MailboxPrimaryAddress": e.Value, "Upn": e.Value, "DisplayName": world.DisplayNameOf(e.Value)}
		case world.EntityProcess:
			m = map[string]any{"Type": "process", "CommandLine": e.Value, "ProcessId": itoa(int64(4000 + len(e.Value)*37%3000))}
			if hostRef != "" {
				m["Host"] = map[string]any{"$ref": hostRef}
			}
		default:
			continue
		}
		m["$id"] = id
		out = append(out, m)
	}
	return out
}

// osFamily: Windows machines have upper-case names in the world, Linux ones lower-case.
func osFamily(host string) string {
	if strings.ToUpper(host) == host {
		return "Windows"
	}
	return "Linux"
}

// incidentChange is one state of an incident as a SecurityIncident record captures it.
type incidentChange struct {
	at      time.Time
	status  string
	alerts  int // alerts joined so far
	owner   *world.Analyst
	by      string // ModifiedBy
	final   bool   // the incident's current state (classification, comments, bookmarks)
	changed bool   // not the creation record
}

// incidentChanges lists the records Sentinel writes for an incident: its creation by the first alert, each
// further alert joining it, an automation's assignment, and the last change (triage, closing).
func incidentChanges(inc world.Incident, now time.Time) []incidentChange {
	now = now.UTC().Truncate(time.Hour)
	out := []incidentChange{{at: now.Add(-inc.CreatedAgo), status: "New", alerts: 1, by: "Incident created from alert"}}
	for k := 1; k < len(inc.Alerts); k++ {
		out = append(out, incidentChange{at: now.Add(-inc.Alerts[k].Ago), status: "New", alerts: k + 1, by: "Alert added to incident", changed: true})
	}
	n := len(inc.Alerts)
	if inc.AssignedBy != "" {
		out = append(out, incidentChange{at: now.Add(-inc.CreatedAgo + world.AutomationDelay), status: "Active", alerts: n,
			owner: inc.Owner, by: "Automation rule - " + inc.AssignedBy, changed: true})
	}
	last := out[len(out)-1]
	if inc.Status != last.status || inc.Owner != last.owner || len(inc.Comments) > 0 || inc.ClosedBy != "" {
		by := inc.ClosedBy
		if by != "" {
			by = "Automation rule - " + by
		} else if inc.Owner != nil {
			by = inc.Owner.UPN
		}
		out = append(out, incidentChange{at: now.Add(-inc.ModifiedAgo), status: inc.Status, alerts: n, owner: inc.Owner, by: by,
			changed: true})
	}
	out[len(out)-1].final = true
	return out
}
