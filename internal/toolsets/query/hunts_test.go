package query

import (
	"fmt"
	"slices"
	"strings"
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
// planted world (a tagged one must show the facts of its kind's stories, see storyRows): the evidence
// of the stories it is about, in the workspaces that hold them, and nothing of them elsewhere. Each
// returns the problems it sees.
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
	// from them match, with the story's account among those who signed in. So does the encoded
	// PowerShell's connection out to the campaign's server (a firewall destination), and the probing of
	// Litware's firewall by its spray source. The hunt's own range holds the indicators, which the
	// feed re-sends every two days: it runs with the default period.
	"Sign-ins and firewall traffic matching threat intelligence IPs": func(t *testing.T, rows huntRows, f world.Facts) []string {
		var bad []string
		want := map[string]bool{}
		for _, s := range f.StoriesOf(world.StoryEncodedPowerShell) {
			want[storyAlias(s)] = true
			sam := strings.ToLower(`\` + strings.Split(s.Account, "@")[0])
			if !slices.ContainsFunc(rows[storyAlias(s)], func(r map[string]any) bool {
				return r["IP"] == world.PowerShellStageIP && r["Source"] == "CommonSecurityLog" && r["Column"] == "DestinationIP" &&
					slices.ContainsFunc(strs(r["Who"]), func(w string) bool { return strings.HasSuffix(strings.ToLower(w), sam) })
			}) {
				bad = append(bad, fmt.Sprintf("%s: no connection of %s to the C2 address %s: %v", s.Workspace, s.Host, world.PowerShellStageIP, rows[storyAlias(s)]))
			}
		}
		for _, s := range f.StoriesOf(world.StoryFirewallProbe) {
			want[storyAlias(s)] = true
			if !slices.ContainsFunc(rows[storyAlias(s)], func(r map[string]any) bool {
				return r["IP"] == s.IP && r["Source"] == "CommonSecurityLog" && r["Column"] == "SourceIP" && num(t, r["Events"]) == int64(s.Count)
			}) {
				bad = append(bad, fmt.Sprintf("%s: the %d probes from %s do not match: %v", s.Workspace, s.Count, s.IP, rows[storyAlias(s)]))
			}
		}
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

// taggedCheck is the check of a hunt tagged with a story kind: every story of the kind shows in the
// rows of its workspace, with its planted facts (storyRows), and in no other workspace's.
func taggedCheck(kind string) func(t *testing.T, rows huntRows, f world.Facts) []string {
	return func(t *testing.T, rows huntRows, f world.Facts) []string {
		var bad []string
		for _, s := range f.StoriesOf(kind) {
			for a, rs := range rows {
				found := len(storyRows(t, kind, rs, []world.Story{s})) > 0
				if found != (a == storyAlias(s)) {
					bad = append(bad, fmt.Sprintf("%s: the %s story of %s found %v: %v", a, kind, s.Workspace, found, rs))
				}
			}
		}
		return bad
	}
}

// Every shipped hunt, as a model runs it over every tenant (get_kql_examples, then
// run_kql_query_across_workspaces) with the default period, finds the planted stories it is about,
// in the workspaces that hold them and nowhere else. A new hunt must come with its check here, or
// with the tag of the story kind it finds.
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
	checked, tagged := 0, map[string]bool{}
	for _, e := range ex.Examples {
		var checks []func(t *testing.T, rows huntRows, f world.Facts) []string
		for _, tag := range e.Tags {
			if kinds[tag] {
				checks = append(checks, taggedCheck(tag))
				tagged[tag] = true
			}
		}
		if check, ok := huntChecks[e.Name]; ok {
			checks = append(checks, check)
			checked++
		}
		if len(checks) == 0 {
			t.Errorf("hunt %q has no check: tag it with the story kind it finds, or say what it finds (huntChecks)", e.Name)
			continue
		}
		args := map[string]any{"workspaces": []string{"all"}, "query": e.Query, "format": "json"}
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
		for _, check := range checks {
			for _, p := range check(t, rows, facts) {
				t.Errorf("%s: %s", e.Name, p)
			}
		}
	}
	if checked != len(huntChecks) {
		t.Errorf("%d of the %d checked hunts are shipped: a check names a hunt that no longer exists", checked, len(huntChecks))
	}
	if len(tagged) != len(kinds) {
		t.Errorf("the hunts are tagged with %d of the %d story kinds", len(tagged), len(kinds))
	}
}
