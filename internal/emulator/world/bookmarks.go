package world

import (
	"strconv"
	"time"
)

// Bookmark is a hunting bookmark an analyst saved, possibly linked to an incident.
type Bookmark struct {
	Workspace   string
	Name        string // resource name (a GUID)
	DisplayName string
	Query       string
	Notes       string
	Labels      []string
	Author      *Analyst
	Ago         time.Duration // when it was saved (and linked), before Now truncated to the hour
	EventAgo    time.Duration // the time of the bookmarked record
	Incident    string        // name of the incident it is linked to; "" when not linked
}

// seededBookmarks saves the analysts' bookmarks: the evidence of two story incidents (linked to them when
// they were triaged) and a hunting find of the SOC's own workspace.
func seededBookmarks(f Facts) []Bookmark {
	var out []Bookmark
	for _, s := range f.StoriesOf(StoryPasswordSpray) {
		inc, ok := f.IncidentOf(s)
		if !ok || inc.Owner == nil {
			continue
		}
		out = append(out, Bookmark{Workspace: s.Workspace, DisplayName: "Successful sign-in from the spray source",
			Query:  "SigninLogs\n| where IPAddress == \"" + s.IP + "\" and ResultType == \"0\"",
			Notes:  "The one account that signed in from the spraying address: " + s.Account + ".",
			Labels: []string{"password-spray"}, Author: inc.Owner, Ago: inc.ModifiedAgo,
			EventAgo: s.Ago - s.Duration - SpraySuccessAfter, Incident: inc.Name})
	}
	out = append(out, Bookmark{Workspace: WSSocCentral, DisplayName: "Rare process on an analyst workstation",
		Query: "DeviceProcessEvents\n| where FileName =~ \"procdump64.exe\"", Notes: "Sysinternals tool used by the IR team; keep an eye on it.",
		Labels: []string{"hunting"}, Author: AnalystRavi, Ago: 30 * time.Hour, EventAgo: 31 * time.Hour})
	for i := range out {
		out[i].Name = GUID("bookmark:" + out[i].Workspace + "/" + strconv.Itoa(i))
	}
	return out
}

// BookmarksIn returns the bookmarks of a workspace.
func (f Facts) BookmarksIn(workspace string) []Bookmark {
	var out []Bookmark
	for _, b := range f.Bookmarks {
		if b.Workspace == workspace {
			out = append(out, b)
		}
	}
	return out
}

// BookmarksOf returns the bookmarks linked to an incident.
func (f Facts) BookmarksOf(inc Incident) []Bookmark {
	var out []Bookmark
	for _, b := range f.Bookmarks {
		if b.Workspace == inc.Workspace && b.Incident == inc.Name {
			out = append(out, b)
		}
	}
	return out
}
