package seed

import (
	"encoding/json"
	"net/netip"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/sentinel-mcp/sentinel-mcp/internal/emulator/world"
	"github.com/sentinel-mcp/sentinel-mcp/internal/kql/data"
)

func TestPasswordSprayStories(t *testing.T) {
	_, logs := demo()
	for _, s := range world.SeededFacts().StoriesOf(world.StoryPasswordSpray) {
		x := table(t, logs[s.Workspace], "SigninLogs")
		ip, rt, upn, loc, ts, det := x.str("IPAddress"), x.str("ResultType"), x.str("UserPrincipalName"), x.str("Location"),
			x.time("TimeGenerated"), x.dyn("LocationDetails")
		start := storyStart(s)
		failures, users := 0, map[string]bool{}
		var successes []int
		for _, i := range x.rows(func(i int) bool { return ip(i) == s.IP }) {
			if loc(i) != s.Countries[0] || det(i).(map[string]any)["countryOrRegion"] != s.Countries[0] {
				t.Errorf("%s: sign-in from %s located %s / %v, want %s", s.Workspace, s.IP, loc(i), det(i), s.Countries[0])
			}
			switch rt(i) {
			case "50126":
				failures++
				users[upn(i)] = true
				if ts(i).Before(start) || !ts(i).Before(start.Add(s.Duration)) {
					t.Errorf("%s: spray failure at %s outside [%s, +%s)", s.Workspace, ts(i), start, s.Duration)
				}
			case "0":
				successes = append(successes, i)
			default:
				t.Errorf("%s: unexpected result %s from the spray address", s.Workspace, rt(i))
			}
		}
		if failures != s.Count || len(users) != s.Users || !users[s.Account] {
			t.Errorf("%s: %d failures over %d users (account targeted: %v), want %d over %d", s.Workspace, failures,
				len(users), users[s.Account], s.Count, s.Users)
		}
		if len(successes) != 1 || upn(successes[0]) != s.Account || !ts(successes[0]).Equal(start.Add(s.Duration+world.SpraySuccessAfter)) {
			t.Errorf("%s: successes from %s: %v", s.Workspace, s.IP, successes)
		}
		if placeOfIP(s.IP).Code != s.Countries[0] {
			t.Errorf("%s: geo_info_from_ip_address would place %s in %s, the story says %s", s.Workspace, s.IP,
				placeOfIP(s.IP).Code, s.Countries[0])
		}
	}
}

func TestImpossibleTravelStories(t *testing.T) {
	_, logs := demo()
	for _, s := range world.SeededFacts().StoriesOf(world.StoryImpossibleTravel) {
		x := table(t, logs[s.Workspace], "SigninLogs")
		ip, rt, upn, ts, det := x.str("IPAddress"), x.str("ResultType"), x.str("UserPrincipalName"), x.time("TimeGenerated"),
			x.dyn("LocationDetails")
		start := storyStart(s)
		rows := x.rows(func(i int) bool { return upn(i) == s.Account && rt(i) == "0" && hourOf(ts(i)).Equal(start) })
		sort.Slice(rows, func(a, b int) bool { return ts(rows[a]).Before(ts(rows[b])) })
		var ips, countries []string
		for _, i := range rows {
			c := det(i).(map[string]any)["countryOrRegion"].(string)
			if len(ips) == 0 || ips[len(ips)-1] != ip(i) {
				ips, countries = append(ips, ip(i)), append(countries, c)
			}
			if placeOfIP(ip(i)).Code != c {
				t.Errorf("%s: %s located %s, geo stand-in says %s", s.Workspace, ip(i), c, placeOfIP(ip(i)).Code)
			}
		}
		if strings.Join(ips, ",") != strings.Join(s.IPs, ",") || strings.Join(countries, ",") != strings.Join(s.Countries, ",") {
			t.Errorf("%s: %s signed in from %v %v in the story hour, want %v %v", s.Workspace, s.Account, ips, countries, s.IPs, s.Countries)
		}
		if len(rows) > 0 {
			if gap := ts(rows[len(rows)-1]).Sub(ts(rows[0])); gap > time.Hour || gap < s.Duration {
				t.Errorf("%s: the two locations are %v apart", s.Workspace, gap)
			}
		}
	}
}

func TestEncodedPowerShellStories(t *testing.T) {
	_, logs := demo()
	for _, s := range world.SeededFacts().StoriesOf(world.StoryEncodedPowerShell) {
		start := storyStart(s)
		sam, _, _ := strings.Cut(s.Account, "@")
		se := table(t, logs[s.Workspace], "SecurityEvent")
		cmd, comp, acct, id, ts := se.str("CommandLine"), se.str("Computer"), se.str("Account"), se.long("EventID"), se.time("TimeGenerated")
		rows := se.rows(func(i int) bool { return id(i) == 4688 && strings.Contains(cmd(i), " -enc ") })
		if len(rows) != 1 || cmd(rows[0]) != EncodedCommandLine(s.Host) || !ts(rows[0]).Equal(start) ||
			!strings.HasPrefix(strings.ToUpper(comp(rows[0])), s.Host+".") || !strings.HasSuffix(acct(rows[0]), `\`+sam) {
			t.Errorf("%s: encoded PowerShell security events: %d rows", s.Workspace, len(rows))
		}
		dp := table(t, logs[s.Workspace], "DeviceProcessEvents")
		pcmd, dev, upn := dp.str("ProcessCommandLine"), dp.str("DeviceName"), dp.str("AccountUpn")
		rows = dp.rows(func(i int) bool { return strings.Contains(pcmd(i), " -enc ") })
		if len(rows) != 1 || upn(rows[0]) != s.Account || !strings.HasPrefix(strings.ToUpper(dev(rows[0])), s.Host+".") {
			t.Errorf("%s: encoded PowerShell in Defender: %d rows", s.Workspace, len(rows))
		}
		dn := table(t, logs[s.Workspace], "DeviceNetworkEvents")
		rip, url := dn.str("RemoteIP"), dn.str("RemoteUrl")
		if rows := dn.rows(func(i int) bool { return rip(i) == s.IP }); len(rows) != 1 || url(rows[0]) != StageURL(s.Host) {
			t.Errorf("%s: connections to the stage server: %d", s.Workspace, len(rows))
		}
		fw := table(t, logs[s.Workspace], "CommonSecurityLog")
		dst := fw.str("DestinationIP")
		if rows := fw.rows(func(i int) bool { return dst(i) == s.IP }); len(rows) != 1 {
			t.Errorf("%s: firewall records to the stage server: %d", s.Workspace, len(rows))
		}
	}
}

func TestMassDownloadStories(t *testing.T) {
	_, logs := demo()
	for _, s := range world.SeededFacts().StoriesOf(world.StoryMassDownload) {
		x := table(t, logs[s.Workspace], "OfficeActivity")
		user, ip, op, obj, ts := x.str("UserId"), x.str("ClientIP"), x.str("Operation"), x.str("OfficeObjectId"), x.time("TimeGenerated")
		start := storyStart(s)
		files := map[string]bool{}
		for _, i := range x.rows(func(i int) bool { return ip(i) == s.IP }) {
			if user(i) != s.Account || op(i) != "FileDownloaded" || ts(i).Before(start) || !ts(i).Before(start.Add(s.Duration)) {
				t.Errorf("%s: %s %s by %s at %s", s.Workspace, op(i), obj(i), user(i), ts(i))
			}
			files[obj(i)] = true
		}
		if len(files) != s.Count {
			t.Errorf("%s: %d distinct files downloaded from %s, want %d", s.Workspace, len(files), s.IP, s.Count)
		}
	}
}

// TestStoriesStayInTheirWorkspace checks that the attackers' (documentation range) addresses appear in a
// workspace's logs only when one of its stories uses them. Threat intelligence, which lists them for every
// workspace, is the exception.
func TestStoriesStayInTheirWorkspace(t *testing.T) {
	_, logs := demo()
	f := world.SeededFacts()
	for ws, tabs := range logs {
		own := map[string]bool{}
		for _, s := range f.StoriesIn(ws) {
			own[s.IP] = true
			for _, ip := range s.IPs {
				own[ip] = true
			}
		}
		for name, tab := range tabs {
			if name == "ThreatIntelligenceIndicator" {
				continue
			}
			for c, col := range tab.Schema().Columns {
				v := tab.Column(c)
				if col.Type != data.String {
					continue
				}
				check := func(s string) {
					if isDocumentationIP(s) && !own[s] {
						t.Errorf("%s/%s.%s holds %s, which no story of the workspace uses", ws, name, col.Name, s)
					}
				}
				if v.IsDict() {
					for _, s := range v.Dict {
						check(s)
					}
				} else {
					for i := 0; i < v.N; i++ {
						check(v.Strs[i])
					}
				}
			}
		}
	}
}

func TestIncidentsAndAlertsPointAtStories(t *testing.T) {
	_, logs := demo()
	f := world.SeededFacts()
	for _, ws := range world.Workspaces() {
		if !ws.Sentinel {
			continue
		}
		incs := f.AllIncidentsIn(ws.Name)
		al := table(t, logs[ws.Name], "SecurityAlert")
		sysID, ats, ents, start := al.str("SystemAlertId"), al.time("TimeGenerated"), al.str("Entities"), al.time("StartTime")
		alertRow := map[string]int{}
		for i := 0; i < al.n(); i++ {
			alertRow[sysID(i)] = i
		}
		si := table(t, logs[ws.Name], "SecurityIncident")
		name, num, status, cls, alertIDs, owner, ts := si.str("IncidentName"), si.long("IncidentNumber"), si.str("Status"),
			si.str("Classification"), si.dyn("AlertIds"), si.dyn("Owner"), si.time("TimeGenerated")
		latest := map[string]int{}
		for i := 0; i < si.n(); i++ {
			if j, ok := latest[name(i)]; !ok || ts(i).After(ts(j)) {
				latest[name(i)] = i
			}
		}
		if len(latest) != len(incs) || len(alertRow) != countAlerts(incs) {
			t.Errorf("%s: %d incidents and %d alerts in the logs, world has %d and %d", ws.Name, len(latest), len(alertRow),
				len(incs), countAlerts(incs))
		}
		for _, inc := range incs {
			i, ok := latest[inc.Name]
			if !ok {
				t.Errorf("%s: incident %d missing", ws.Name, inc.Number)
				continue
			}
			wantOwner := any(nil)
			if inc.Owner != nil {
				wantOwner = inc.Owner.UPN
			}
			if num(i) != int64(inc.Number) || status(i) != inc.Status || cls(i) != inc.Classification ||
				owner(i).(map[string]any)["userPrincipalName"] != wantOwner || !ts(i).Equal(inc.Modified(testNow)) {
				t.Errorf("%s: incident %d latest record: #%d %s %s %v at %s", ws.Name, inc.Number, num(i), status(i), cls(i), owner(i), ts(i))
			}
			ids := alertIDs(i).([]any)
			if len(ids) != len(inc.Alerts) {
				t.Errorf("%s: incident %d lists %d alerts, want %d", ws.Name, inc.Number, len(ids), len(inc.Alerts))
			}
			for k, a := range inc.Alerts {
				r, ok := alertRow[a.ID]
				if !ok || k >= len(ids) || ids[k] != a.ID {
					t.Errorf("%s: alert %s of incident %d missing", ws.Name, a.ID, inc.Number)
					continue
				}
				if !ats(r).Equal(testNow.Truncate(time.Hour).Add(-a.Ago)) || !start(r).Equal(testNow.Truncate(time.Hour).Add(-inc.FirstActivityAgo)) {
					t.Errorf("%s: alert %s at %s starting %s", ws.Name, a.ID, ats(r), start(r))
				}
				if inc.Story.Kind != "" && !start(r).Equal(storyStart(inc.Story)) {
					t.Errorf("%s: alert %s starts %s, its story %s", ws.Name, a.ID, start(r), storyStart(inc.Story))
				}
				var entities []map[string]any
				if err := json.Unmarshal([]byte(ents(r)), &entities); err != nil {
					t.Fatalf("%s: alert entities: %v", ws.Name, err)
				}
				if s := inc.Story; s.Kind != "" && (!hasEntity(entities, "Name", strings.Split(s.Account, "@")[0]) ||
					(s.IP != "" && !hasEntity(entities, "Address", s.IP)) || (s.Host != "" && !hasEntity(entities, "HostName", s.Host))) {
					t.Errorf("%s: alert %s entities %s do not name the story's account, address and host", ws.Name, a.ID, ents(r))
				}
				if len(entities) != len(inc.Entities) {
					t.Errorf("%s: alert %s has %d entities, the incident %d", ws.Name, a.ID, len(entities), len(inc.Entities))
				}
			}
		}
	}
}

func countAlerts(incs []world.Incident) int {
	n := 0
	for _, i := range incs {
		n += len(i.Alerts)
	}
	return n
}

func hasEntity(es []map[string]any, key, value string) bool {
	for _, e := range es {
		if s, _ := e[key].(string); strings.EqualFold(s, value) {
			return true
		}
	}
	return false
}

// isDocumentationIP reports whether ip is in a documentation range (the planted attackers' space).
func isDocumentationIP(ip string) bool {
	a, err := netip.ParseAddr(ip)
	if err != nil {
		return false
	}
	for _, p := range docRanges {
		if p.Contains(a) {
			return true
		}
	}
	return false
}

var docRanges = []netip.Prefix{netip.MustParsePrefix("192.0.2.0/24"), netip.MustParsePrefix("198.51.100.0/24"),
	netip.MustParsePrefix("203.0.113.0/24")}
