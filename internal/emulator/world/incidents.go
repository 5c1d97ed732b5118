package world

import (
	"sort"
	"strconv"
	"time"
)

// Incident is a Microsoft Sentinel incident raised by a planted story. The log tables SecurityIncident and
// SecurityAlert (seed.Logs) and the ARM incident resources are all built from these values, so the
// incident an analyst opens points at the same accounts, addresses, hosts and times as the logs.
//
// Titles, descriptions and severities are those of the incident's first rule in internal/content (the rule
// name is the alert name, as in Sentinel); they are not repeated here.
type Incident struct {
	Workspace string
	Number    int    // incidentNumber: 1-based per workspace, in creation order
	Name      string // ARM resource name (a GUID)
	Story     Story
	Alerts    []Alert // one per detecting rule, in creation order
	Status    string  // New, Active or Closed
	// Closed incidents: classification and reason as the Sentinel API spells them.
	Classification, ClassificationReason, ClassificationComment string
	Owner                                                       *Analyst // assigned analyst; nil when unassigned
	// CreatedAgo is when the first alert created the incident, ModifiedAgo its last change (a further alert
	// joining it, the assignment or the closing), both before Now truncated to the hour.
	CreatedAgo, ModifiedAgo time.Duration
}

// Alert is one alert of an incident: a run of a shipped rule that found the story.
type Alert struct {
	ID   string // SystemAlertId (a GUID)
	Rule string // shipped rule id (world.Rule*)
	// Ago is when the alert was raised, before Now truncated to the hour.
	Ago time.Duration
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
	WSContosoProd + "/" + StoryPasswordSpray:     {status: "Active", owner: AnalystAmelia, after: 18 * time.Minute},
	WSLitwareSentinel + "/" + StoryPasswordSpray: {status: "Active", owner: AnalystRavi, after: 25 * time.Minute},
	WSNorthwindSentinel + "/" + StoryEncodedPowerShell: {status: "Active", owner: AnalystAmelia,
		after: 12 * time.Minute},
	WSLitwareSentinel + "/" + StoryImpossibleTravel: {status: "Closed", owner: AnalystRavi, after: 2 * time.Hour,
		class: "BenignPositive", reason: "SuspiciousButExpected",
		comment: "The user confirmed both sign-ins: the Sydney address is the egress of the hosted desktop service he uses."},
	WSContosoDev + "/" + StoryMassDownload: {status: "Closed", owner: AnalystAmelia, after: 3 * time.Hour,
		class: "TruePositive", reason: "SuspiciousActivity",
		comment: "Departing employee copied the project library; account disabled, HR and legal informed."},
}

// storyIncidents raises one incident per story, with one alert per detecting rule, numbered per workspace
// in creation order.
func storyIncidents(stories []Story) []Incident {
	var out []Incident
	for _, s := range stories {
		inc := Incident{Workspace: s.Workspace, Story: s, Status: "New"}
		for _, r := range s.Rules {
			a := Alert{Rule: r, Ago: alertAgo(s, r)}
			a.ID = GUID("alert:" + s.Workspace + "/" + r + "/" + s.Ago.String())
			inc.Alerts = append(inc.Alerts, a)
		}
		sort.SliceStable(inc.Alerts, func(i, j int) bool { return inc.Alerts[i].Ago > inc.Alerts[j].Ago })
		inc.CreatedAgo = inc.Alerts[0].Ago
		inc.ModifiedAgo = inc.Alerts[len(inc.Alerts)-1].Ago
		if t, ok := triage[s.Workspace+"/"+s.Kind]; ok {
			inc.Status, inc.Owner = t.status, t.owner
			inc.Classification, inc.ClassificationReason, inc.ClassificationComment = t.class, t.reason, t.comment
			inc.ModifiedAgo = min(inc.ModifiedAgo, inc.CreatedAgo-t.after)
		}
		out = append(out, inc)
	}
	sort.SliceStable(out, func(i, j int) bool {
		if out[i].Workspace != out[j].Workspace {
			return workspaceOrder(out[i].Workspace) < workspaceOrder(out[j].Workspace)
		}
		return out[i].CreatedAgo > out[j].CreatedAgo
	})
	for i := range out {
		if i > 0 && out[i-1].Workspace == out[i].Workspace {
			out[i].Number = out[i-1].Number + 1
		} else {
			out[i].Number = 1
		}
		out[i].Name = GUID("incident:" + out[i].Workspace + "/" + strconv.Itoa(out[i].Number))
	}
	return out
}

func workspaceOrder(name string) int {
	for i, s := range wsSpecs {
		if s.name == name {
			return i
		}
	}
	return len(wsSpecs)
}

// IncidentsIn returns the incidents of a workspace, by number.
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
