package world

import (
	"sort"
	"strconv"
	"time"
)

// storyRuleSeverity is the severity of the shipped rules that detect the stories (internal/content's; the
// seed tests check they agree).
var storyRuleSeverity = map[string]string{RulePasswordSpray: "High", RuleImpossibleTravel: "Medium",
	RuleEncodedPowerShell: "High", RuleEncodedPowerShellMDE: "High", RuleMassDownload: "Medium"}

var severityRank = map[string]int{"Informational": 0, "Low": 1, "Medium": 2, "High": 3}

// Incident is a Microsoft Sentinel incident: one raised by a planted story (Facts.Incidents) or a background
// one (Facts.BackgroundIncidents) raised by a Microsoft security product's alert through a Microsoft incident
// creation rule. The log tables SecurityIncident and SecurityAlert (seed.Logs) and the ARM incident resources
// (with their alerts, entities and comments) are all built from these values, so the incident an analyst
// opens points at the same accounts, addresses, hosts and times as the logs.
//
// A story incident's title, description and severity are those of its first rule in internal/content (the
// rule name is the alert name, as in Sentinel); they are not repeated here. A background incident's are its
// Product alert's.
type Incident struct {
	Workspace string
	Number    int           // incidentNumber: 1-based per workspace, in creation order over all its incidents
	Name      string        // ARM resource name (a GUID)
	Story     Story         // zero for a background incident
	Product   *ProductAlert // what raised a background incident; nil for a story incident
	Alerts    []Alert       // one per detecting rule (or the product's one alert), in creation order
	Status    string        // New, Active or Closed
	Severity  string        // the most severe of its alerts'
	// Description, when set, replaces the product alert's: the product copied attacker text into it.
	Description string
	// Closed incidents: classification and reason as the Sentinel API spells them.
	Classification, ClassificationReason, ClassificationComment string
	Owner                                                       *Analyst // assigned analyst; nil when unassigned
	// CreatedAgo is when the first alert created the incident, ModifiedAgo its last change (a further alert
	// joining it, the assignment, a comment or the closing), both before Now truncated to the hour.
	CreatedAgo, ModifiedAgo time.Duration
	// FirstActivityAgo and LastActivityAgo bound the activity the alerts are about.
	FirstActivityAgo, LastActivityAgo time.Duration
	// Entities are what the alerts point at, in the order the alerts list them.
	Entities []Entity
	Comments []Comment // in creation order; all made at the incident's last change (ModifiedAgo)
	Labels   []string  // labels of type User
	// ClosedBy is the automation rule (its display name) that closed the incident, or "" when an analyst did;
	// AssignedBy the one that assigned the owner on creation. Automation acts AutomationDelay after creation.
	ClosedBy, AssignedBy string
	// Hostile incidents carry attacker-controlled text (HostileSubject in the description, HostileComment
	// as a comment): tools must show it as data, never follow it.
	Hostile bool
}

// Alert is one alert of an incident: a run of a shipped rule that found the story, or a product's alert.
type Alert struct {
	ID   string // SystemAlertId (a GUID)
	Rule string // shipped rule id (world.Rule*); "" for a product alert (see Incident.Product)
	// Ago is when the alert was raised, before Now truncated to the hour.
	Ago time.Duration
}

// Entity kinds as the Sentinel API names them.
const (
	EntityAccount  = "Account"
	EntityHost     = "Host"
	EntityIP       = "Ip"
	EntityFile     = "File"
	EntityFileHash = "FileHash"
	EntityURL      = "Url"
	EntityMailbox  = "Mailbox"
	EntityProcess  = "Process"
)

// Entity is one entity an incident's alerts map.
type Entity struct {
	Kind string
	// Value identifies it: the UPN (Account, Mailbox), host name (Host), address (Ip), file name (File),
	// hash (FileHash), URL (Url) or command line (Process).
	Value string
	// Detail completes it: the directory of a File, the algorithm of a FileHash, the host of a Process.
	Detail string
}

// Comment is a comment on an incident by an analyst or an app (an Analyst without UPN).
type Comment struct {
	ID      string // comment resource name (a GUID)
	Author  *Analyst
	Message string
	Ago     time.Duration // before Now truncated to the hour
}

// Created returns the incident creation time for a data clock now.
func (i Incident) Created(now time.Time) time.Time {
	return now.UTC().Truncate(time.Hour).Add(-i.CreatedAgo)
}

// Modified returns the time of the incident's last change for a data clock now.
func (i Incident) Modified(now time.Time) time.Time {
	return now.UTC().Truncate(time.Hour).Add(-i.ModifiedAgo)
}

// Analyst is a Woodgrove SOC analyst incidents are assigned to (a user of the managing tenant).
type Analyst struct {
	Name, UPN, ObjectID string
}

func analyst(first, last string) *Analyst {
	upn := first + "." + last + "@" + MustTenant(Woodgrove).Mail
	return &Analyst{Name: title(first) + " " + title(last), UPN: upn, ObjectID: GUID("user:" + upn)}
}

func title(s string) string {
	if s == "" {
		return s
	}
	return string(s[0]-'a'+'A') + s[1:]
}

// The SOC analysts of the managing tenant.
var (
	AnalystAmelia = analyst("amelia", "carter")
	AnalystRavi   = analyst("ravi", "sharma")
)

// MailTriagePlaybook is the managing tenant's mail triage playbook (a Logic App's identity), which copies the
// body of reported mail into a comment of the incident.
var MailTriagePlaybook = &Analyst{Name: "soc-mail-triage", ObjectID: GUID("sp:" + Woodgrove + ":soc-mail-triage")}

// IsApp reports whether the author is an app (no user principal name).
func (a *Analyst) IsApp() bool { return a.UPN == "" }

// Detection timing. Scheduled rules run hourly at RuleRunOffset past the hour (the world's rules were all
// created at :07); NRT rules alert NRTDelay after the first matching event.
const (
	RuleRunOffset = 7 * time.Minute
	NRTDelay      = 3 * time.Minute
)

// nrtRules are the shipped near-real-time rules among the story rules.
var nrtRules = map[string]bool{RuleEncodedPowerShellMDE: true}

// firstEventRules fire on any matching event; the other story rules aggregate (counts or distinct values
// per hour) and fire on the first run after the story is complete.
var firstEventRules = map[string]bool{RuleEncodedPowerShell: true, RuleEncodedPowerShellMDE: true}

// alertAgo is when rule first alerts on story s, before Now. Stories start on the hour, so scheduled runs are
// at Start + RuleRunOffset + k hours.
func alertAgo(s Story, rule string) time.Duration {
	if nrtRules[rule] {
		return s.Ago - NRTDelay
	}
	end := time.Duration(0)
	if !firstEventRules[rule] {
		end = s.Duration
		if s.Kind == StoryPasswordSpray {
			end += SpraySuccessAfter
		}
	}
	run := RuleRunOffset
	for run < end {
		run += time.Hour
	}
	return s.Ago - run
}

// SpraySuccessAfter is when, after the last failure of a password spray, the attacker signs in successfully
// with the password that worked.
const SpraySuccessAfter = 3 * time.Minute

// triage is what the SOC did with each story's incident (by workspace and kind).
var triage = map[string]struct {
	status, class, reason, comment string
	owner                          *Analyst
	after                          time.Duration // assignment/closing after creation
}{
	WSContosoProd + "/" + StoryPasswordSpray: {status: "Active", owner: AnalystAmelia, after: 18 * time.Minute,
		comment: "Spray confirmed from one source; the account that signed in has had its password reset and its sessions revoked. Blocking the address at the perimeter."},
	WSLitwareSentinel + "/" + StoryPasswordSpray: {status: "Active", owner: AnalystRavi, after: 25 * time.Minute,
		comment: "Working with Litware IT to reset the affected account and enforce MFA registration."},
	WSNorthwindSentinel + "/" + StoryEncodedPowerShell: {status: "Active", owner: AnalystAmelia,
		after: 12 * time.Minute, comment: "Device isolated through Defender for Endpoint; collecting the investigation package."},
	WSLitwareSentinel + "/" + StoryImpossibleTravel: {status: "Closed", owner: AnalystRavi, after: 2 * time.Hour,
		class: "BenignPositive", reason: "SuspiciousButExpected",
		comment: "The user confirmed both sign-ins: the Sydney address is the egress of the hosted desktop service he uses."},
	WSContosoDev + "/" + StoryMassDownload: {status: "Closed", owner: AnalystAmelia, after: 3 * time.Hour,
		class: "TruePositive", reason: "SuspiciousActivity",
		comment: "Departing employee copied the project library; account disabled, HR and legal informed."},
}

// storyIncidents raises one incident per detected story, with one alert per detecting rule (numbered later, with the
// background incidents of their workspace).
func storyIncidents(stories []Story) []Incident {
	var out []Incident
	for _, s := range stories {
		if !s.Detected() {
			continue
		}
		inc := Incident{Workspace: s.Workspace, Story: s, Status: "New"}
		for _, r := range s.Rules {
			a := Alert{Rule: r, Ago: alertAgo(s, r)}
			a.ID = GUID("alert:" + s.Workspace + "/" + r + "/" + s.Ago.String())
			inc.Alerts = append(inc.Alerts, a)
		}
		sort.SliceStable(inc.Alerts, func(i, j int) bool { return inc.Alerts[i].Ago > inc.Alerts[j].Ago })
		inc.CreatedAgo = inc.Alerts[0].Ago
		inc.ModifiedAgo = inc.Alerts[len(inc.Alerts)-1].Ago
		inc.FirstActivityAgo, inc.LastActivityAgo = s.Ago, s.Ago-s.Duration
		if s.Kind == StoryPasswordSpray {
			inc.LastActivityAgo -= SpraySuccessAfter
		}
		inc.Entities = storyEntities(s)
		for _, a := range inc.Alerts {
			if sev := storyRuleSeverity[a.Rule]; inc.Severity == "" || severityRank[sev] > severityRank[inc.Severity] {
				inc.Severity = sev
			}
		}
		if t, ok := triage[s.Workspace+"/"+s.Kind]; ok {
			inc.Status, inc.Owner = t.status, t.owner
			inc.Classification, inc.ClassificationReason = t.class, t.reason
			if t.status == "Closed" {
				inc.ClassificationComment = t.comment
			}
			inc.ModifiedAgo = min(inc.ModifiedAgo, inc.CreatedAgo-t.after)
			if t.comment != "" {
				inc.Comments = []Comment{{Author: t.owner, Message: t.comment, Ago: inc.ModifiedAgo}}
			}
		}
		out = append(out, inc)
	}
	return out
}

// storyEntities are the entities a story's alerts map (as the rules' entity mappings do): the account, the
// device, and the addresses.
func storyEntities(s Story) []Entity {
	out := []Entity{{Kind: EntityAccount, Value: s.Account}}
	if s.Host != "" {
		out = append(out, Entity{Kind: EntityHost, Value: s.Host})
	}
	ips := s.IPs
	if len(ips) == 0 && s.IP != "" {
		ips = []string{s.IP}
	}
	for _, ip := range ips {
		out = append(out, Entity{Kind: EntityIP, Value: ip})
	}
	return out
}

// number gives the incidents of each workspace their numbers in creation order (ties in a fixed order),
// names, and the ids of their comments.
func number(incs []*Incident) {
	sort.SliceStable(incs, func(i, j int) bool {
		a, b := incs[i], incs[j]
		if a.Workspace != b.Workspace {
			return workspaceOrder(a.Workspace) < workspaceOrder(b.Workspace)
		}
		if a.CreatedAgo != b.CreatedAgo {
			return a.CreatedAgo > b.CreatedAgo
		}
		return a.Alerts[0].ID < b.Alerts[0].ID
	})
	for i, inc := range incs {
		if i > 0 && incs[i-1].Workspace == inc.Workspace {
			inc.Number = incs[i-1].Number + 1
		} else {
			inc.Number = 1
		}
		inc.Name = GUID("incident:" + inc.Workspace + "/" + strconv.Itoa(inc.Number))
		for k := range inc.Comments {
			inc.Comments[k].ID = GUID("comment:" + inc.Name + "/" + strconv.Itoa(k))
		}
	}
}

func workspaceOrder(name string) int {
	for i, s := range wsSpecs {
		if s.name == name {
			return i
		}
	}
	return len(wsSpecs)
}

// IncidentsIn returns the story incidents of a workspace, by number.
func (f Facts) IncidentsIn(workspace string) []Incident {
	var out []Incident
	for _, i := range f.Incidents {
		if i.Workspace == workspace {
			out = append(out, i)
		}
	}
	return out
}

// IncidentOf returns the incident raised by a story.
func (f Facts) IncidentOf(s Story) (Incident, bool) {
	for _, i := range f.Incidents {
		if i.Workspace == s.Workspace && i.Story.Kind == s.Kind && i.Story.Ago == s.Ago {
			return i, true
		}
	}
	return Incident{}, false
}
