package query

import (
	"fmt"
	"slices"
	"testing"

	"github.com/sentinel-mcp/sentinel-mcp/internal/config"
	"github.com/sentinel-mcp/sentinel-mcp/internal/content"
	"github.com/sentinel-mcp/sentinel-mcp/internal/emulator/world"
	"github.com/sentinel-mcp/sentinel-mcp/internal/toolsets/toolsettest"
)

// huntRows are the merged rows of a hunt run on every workspace, by workspace alias.
type huntRows map[string][]map[string]any

// storyAlias is the alias of the workspace a story was planted in.
func storyAlias(s world.Story) string { return world.MustWorkspace(s.Workspace).Alias() }

// huntChecks say what each shipped hunt that is not tagged with a story kind must find in the
// planted world (the tagged ones are TestShippedHuntsFindThePlantedStories'): the evidence of the
// stories it is about, in the workspaces that hold them, and nothing of them elsewhere. Each returns
// the problems it sees.
var huntChecks = map[string]func(t *testing.T, rows huntRows, f world.Facts) []string{
	// A spray fails against dozens of accounts from one address: the accounts with the most failures
	// name the spray source.
	"Accounts with the most failed sign-ins": func(t *testing.T, rows huntRows, f world.Facts) []string {
		var bad []string
		for _, s := range f.StoriesOf(world.StoryPasswordSpray) {
			for a, rs := range rows {
				n := 0
				for _, r := range rs {
					if slices.Contains(strs(r["IPs"]), s.IP) {
						n++
					}
				}
				switch {
				case a == storyAlias(s) && n < 10:
					bad = append(bad, fmt.Sprintf("%s: %d of the top accounts failed from the spray source %s", a, n, s.IP))
				case a != storyAlias(s) && n > 0:
					bad = append(bad, fmt.Sprintf("%s: the spray source %s of %s shows up", a, s.IP, s.Workspace))
				}
			}
		}
		return bad
	},
	// The spray that succeeded and the second leg of an impossible travel are each a rare country.
	"Successful sign-ins by country": func(t *testing.T, rows huntRows, f world.Facts) []string {
		var bad []string
		stories := append(f.StoriesOf(world.StoryPasswordSpray), f.StoriesOf(world.StoryImpossibleTravel)...)
		for _, s := range stories {
			country := s.Countries[len(s.Countries)-1]
			i := slices.IndexFunc(rows[storyAlias(s)], func(r map[string]any) bool { return r["Country"] == country })
			if i < 0 {
				bad = append(bad, fmt.Sprintf("%s (%s): no successful sign-in from %s", s.Workspace, s.Kind, country))
				continue
			}
			if n := num(t, rows[storyAlias(s)][i]["SignIns"]); n > 5 {
				bad = append(bad, fmt.Sprintf("%s: %d sign-ins from %s is not rare", s.Workspace, n, country))
			}
		}
		return bad
	},
	// The spray sources and the anonymising exit node of Fabrikam's travel story are threat
	// intelligence indicators (Litware's second location is a benign hosted desktop); the sign-ins
	// from them match, with the story's account among those who signed in.
	"Sign-ins and firewall traffic matching threat intelligence IPs": func(t *testing.T, rows huntRows, f world.Facts) []string {
		var bad []string
		want := map[string]bool{}
		stories := f.StoriesOf(world.StoryPasswordSpray)
		for _, s := range f.StoriesOf(world.StoryImpossibleTravel) {
			if s.Workspace == world.WSFabrikamSentinel {
				stories = append(stories, s)
			}
		}
		for _, s := range stories {
			want[storyAlias(s)] = true
			if !slices.ContainsFunc(rows[storyAlias(s)], func(r map[string]any) bool {
				return r["IP"] == s.IP && r["Source"] == "SigninLogs" && slices.Contains(strs(r["Who"]), s.Account)
			}) {
				bad = append(bad, fmt.Sprintf("%s (%s): no match of %s for %s: %v", s.Workspace, s.Kind, s.IP, s.Account, rows[storyAlias(s)]))
			}
		}
		for a, rs := range rows {
			if !want[a] && len(rs) > 0 {
				bad = append(bad, fmt.Sprintf("%s, where no story was planted, matches %v", a, rs))
			}
		}
		return bad
	},
	// UEBA scores the successful spray sign-in and the travel sign-in, where UEBA is on.
	"UEBA activities with a high investigation priority": func(t *testing.T, rows huntRows, f world.Facts) []string {
		var bad []string
		off := map[string]bool{}
		for _, d := range f.Diff(world.DiffUEBADisabled) {
			off[world.MustWorkspace(d.Workspace).Alias()] = true
		}
		for _, s := range append(f.StoriesOf(world.StoryPasswordSpray), f.StoriesOf(world.StoryImpossibleTravel)...) {
			a := storyAlias(s)
			found := slices.ContainsFunc(rows[a], func(r map[string]any) bool {
				return r["UserPrincipalName"] == s.Account && r["SourceIPAddress"] == s.IP
			})
			if found == off[a] {
				bad = append(bad, fmt.Sprintf("%s (%s, UEBA disabled %v): %s from %s found %v", s.Workspace, s.Kind, off[a], s.Account, s.IP, found))
			}
		}
		for a := range off {
			if len(rows[a]) > 0 {
				bad = append(bad, fmt.Sprintf("%s has UEBA disabled, yet %v", a, rows[a]))
			}
		}
		return bad
	},
	// After the encoded PowerShell, the attacker's discovery commands run on the one compromised
	// device, which makes them rare.
	"Processes seen on very few devices": func(t *testing.T, rows huntRows, f world.Facts) []string {
		var bad []string
		recon := []string{"whoami.exe", "net.exe", "nltest.exe"}
		planted := map[string]bool{}
		for _, s := range f.StoriesOf(world.StoryEncodedPowerShell) {
			planted[storyAlias(s)] = true
		}
		for a, rs := range rows {
			for _, exe := range recon {
				found := slices.ContainsFunc(rs, func(r map[string]any) bool { return r["FileName"] == exe && num(t, r["Devices"]) == 1 })
				if found != planted[a] {
					bad = append(bad, fmt.Sprintf("%s (encoded PowerShell planted %v): %s on one device %v", a, planted[a], exe, found))
				}
			}
		}
		return bad
	},
}

// huntSpans are the time ranges hunts need besides the default day. Threat intelligence indicators
// are ingested again every few days, not every day: matching them needs a range that holds their
// last ingestion (the hunt itself bounds nothing, so the range bounds the sign-ins as well).
var huntSpans = map[string]string{
	"Sign-ins and firewall traffic matching threat intelligence IPs": "14d",
}

// noPlantedStory are the shipped hunts the emulator's world has no attack story for: they must run
// everywhere and read data, but nothing planted proves what they find.
var noPlantedStory = map[string]bool{
	"Azure role assignments":                  true,
	"Top denied sources on the firewalls":     true,
	"New or changed inbox rules":              true,
	"Rarely resolved domains":                 true,
	"Legacy VPN sessions by user and country": true,
}

// Every shipped hunt, as a model runs it over every tenant (get_kql_examples, then
// run_kql_query_across_workspaces), finds the planted stories it is about, in the workspaces that
// hold them and nowhere else. A new hunt must come with its check here.
func TestEveryShippedHuntFindsItsStory(t *testing.T) {
	env := startWith(t, toolsettest.Options{Configure: func(c *config.Config) { // a week of logs
		c.Limits.MaxRows, c.Limits.MaxBytes = 5000, 4<<20
	}})
	facts := world.SeededFacts()
	kinds := map[string]bool{}
	for _, s := range facts.Stories {
		kinds[s.Kind] = true
	}
	var ex examplesOut
	env.CallOK("get_kql_examples", map[string]any{}).Decode(&ex)
	if len(ex.Examples) != len(content.Hunts()) || ex.Truncated {
		t.Fatalf("get_kql_examples gave %d of %d hunts", len(ex.Examples), len(content.Hunts()))
	}
	checked := 0
	for _, e := range ex.Examples {
		if slices.ContainsFunc(e.Tags, func(tag string) bool { return kinds[tag] }) {
			continue // TestShippedHuntsFindThePlantedStories
		}
		check, ok := huntChecks[e.Name]
		if !ok && !noPlantedStory[e.Name] {
			t.Errorf("hunt %q has no check: say which planted story it finds (huntChecks) or that none exists (noPlantedStory)", e.Name)
			continue
		}
		args := map[string]any{"workspaces": []string{"all"}, "query": e.Query, "format": "json"}
		if span, ok := huntSpans[e.Name]; ok {
			args["timespan"] = span
		}
		if !ok {
			args["timespan"] = "7d" // the background activity these hunts read is sparse
		}
		res := env.CallOK("run_kql_query_across_workspaces", args)
		var out acrossOut
		res.Decode(&out)
		if out.Failed != 0 || out.Result.Truncated {
			t.Errorf("%s: %d workspaces failed, truncated %v:\n%s", e.Name, out.Failed, out.Result.Truncated, res.Text)
			continue
		}
		rows := huntRows{}
		for _, s := range out.Workspaces {
			rows[s.Workspace] = nil
		}
		for _, r := range jsonRows(t, res.Text) {
			a := str(r[colWorkspace])
			rows[a] = append(rows[a], r)
		}
		if !ok {
			if out.Result.TotalRows == 0 {
				t.Errorf("%s: no rows in any workspace over a week: the hunt reads nothing the data has", e.Name)
			}
			continue
		}
		checked++
		for _, p := range check(t, rows, facts) {
			t.Errorf("%s: %s", e.Name, p)
		}
	}
	if checked != len(huntChecks) {
		t.Errorf("%d of the %d checked hunts are shipped: a check names a hunt that no longer exists", checked, len(huntChecks))
	}
	for name := range noPlantedStory {
		if !slices.ContainsFunc(ex.Examples, func(e example) bool { return e.Name == name }) {
			t.Errorf("noPlantedStory names %q, which is not shipped", name)
		}
	}
}
