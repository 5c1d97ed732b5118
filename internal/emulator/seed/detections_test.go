package seed

import (
	"fmt"
	"regexp"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/sentinel-mcp/sentinel-mcp/internal/content"
	"github.com/sentinel-mcp/sentinel-mcp/internal/emulator/world"
	"github.com/sentinel-mcp/sentinel-mcp/internal/kql/data"
)

// The shipped rules' logic, transcribed to Go from internal/content/rules (their where-clauses,
// thresholds and bins), each evaluated over its query period ending at Now. Until the KQL engine runs the
// rules themselves, this is what checks that the stories satisfy the rules and the background does not.
// Each detection returns the keys of what it found.
type detection struct {
	rule   string // file name in internal/content/rules
	tables []string
	find   func(d *detCtx) []string
}

type detCtx struct {
	t     *testing.T
	logs  map[string]*data.Table
	now   time.Time
	since time.Time // Now - the rule's query period
}

// each calls fn for every row of a table in the rule's window.
func (d *detCtx) each(name string, fn func(x tbl, i int)) {
	tab, ok := d.logs[name]
	if !ok {
		return
	}
	x := tbl{d.t, tab}
	ts := x.time("TimeGenerated")
	for i := 0; i < x.n(); i++ {
		if at := ts(i); !at.Before(d.since) && at.Before(d.now) {
			fn(x, i)
		}
	}
}

func has(s, term string) bool { return strings.Contains(strings.ToLower(s), strings.ToLower(term)) }

func keys(m map[string]bool) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// countBy groups rows by key, counting rows and distinct values.
type group struct {
	n        int
	distinct map[string]bool
}

func bump(m map[string]*group, key, distinct string) {
	g, ok := m[key]
	if !ok {
		g = &group{distinct: map[string]bool{}}
		m[key] = g
	}
	g.n++
	g.distinct[distinct] = true
}

var encodedRE = regexp.MustCompile(`(?i) -(enc|encodedcommand|e) `)

var detections = []detection{
	{"password-spray.yaml", []string{"SigninLogs"}, func(d *detCtx) []string {
		g := map[string]*group{}
		d.each("SigninLogs", func(x tbl, i int) {
			if x.str("ResultType")(i) == "50126" {
				bump(g, x.str("IPAddress")(i)+"@"+hourOf(x.time("TimeGenerated")(i)).Format(time.RFC3339), x.str("UserPrincipalName")(i))
			}
		})
		out := map[string]bool{}
		for k, v := range g {
			if v.n >= 20 && len(v.distinct) >= 10 {
				out[k] = true
			}
		}
		return keys(out)
	}},
	{"impossible-travel.yaml", []string{"SigninLogs"}, func(d *detCtx) []string {
		g := map[string]*group{}
		d.each("SigninLogs", func(x tbl, i int) {
			if x.str("ResultType")(i) != "0" {
				return
			}
			if c, _ := x.dyn("LocationDetails")(i).(map[string]any)["countryOrRegion"].(string); c != "" {
				bump(g, x.str("UserPrincipalName")(i)+"@"+hourOf(x.time("TimeGenerated")(i)).Format(time.RFC3339), c)
			}
		})
		out := map[string]bool{}
		for k, v := range g {
			if len(v.distinct) > 1 {
				out[k] = true
			}
		}
		return keys(out)
	}},
	{"encoded-powershell-securityevent.yaml", []string{"SecurityEvent"}, func(d *detCtx) []string {
		out := map[string]bool{}
		d.each("SecurityEvent", func(x tbl, i int) {
			p := strings.ToLower(x.str("NewProcessName")(i))
			if x.long("EventID")(i) == 4688 && (strings.HasSuffix(p, `\powershell.exe`) || strings.HasSuffix(p, `\pwsh.exe`)) &&
				encodedRE.MatchString(x.str("CommandLine")(i)) {
				out[strings.ToLower(x.str("Computer")(i))] = true
			}
		})
		return keys(out)
	}},
	{"encoded-powershell-mde.yaml", []string{"DeviceProcessEvents"}, func(d *detCtx) []string {
		out := map[string]bool{}
		d.each("DeviceProcessEvents", func(x tbl, i int) {
			f := strings.ToLower(x.str("FileName")(i))
			if (f == "powershell.exe" || f == "pwsh.exe") && encodedRE.MatchString(x.str("ProcessCommandLine")(i)) {
				out[strings.ToLower(x.str("DeviceName")(i))] = true
			}
		})
		return keys(out)
	}},
	{"mass-download.yaml", []string{"OfficeActivity"}, func(d *detCtx) []string {
		g := map[string]*group{}
		d.each("OfficeActivity", func(x tbl, i int) {
			w, op := x.str("OfficeWorkload")(i), x.str("Operation")(i)
			if (w == "SharePoint" || w == "OneDrive") && (op == "FileDownloaded" || op == "FileSyncDownloadedFull") {
				bump(g, x.str("UserId")(i)+"@"+hourOf(x.time("TimeGenerated")(i)).Format(time.RFC3339), x.str("OfficeObjectId")(i))
			}
		})
		out := map[string]bool{}
		for k, v := range g {
			if len(v.distinct) > 100 {
				out[k] = true
			}
		}
		return keys(out)
	}},
	{"brute-force-windows.yaml", nil, thresholdRule("SecurityEvent", 30, func(x tbl, i int) (string, bool) {
		return x.str("Computer")(i) + "/" + x.str("IpAddress")(i), x.long("EventID")(i) == 4625
	})},
	{"mfa-denied-repeatedly.yaml", nil, thresholdRule("SigninLogs", 5, func(x tbl, i int) (string, bool) {
		r := x.str("ResultType")(i)
		return x.str("UserPrincipalName")(i), r == "500121" || r == "50074"
	})},
	{"ssh-brute-force.yaml", nil, thresholdRule("Syslog", 25, func(x tbl, i int) (string, bool) {
		fac, msg := x.str("Facility")(i), x.str("SyslogMessage")(i)
		m := regexp.MustCompile(`from (\d+\.\d+\.\d+\.\d+)`).FindStringSubmatch(msg)
		src := ""
		if m != nil {
			src = m[1]
		}
		return x.str("Computer")(i) + "/" + src, (fac == "auth" || fac == "authpriv") && x.str("ProcessName")(i) == "sshd" && has(msg, "Failed password")
	})},
	{"firewall-port-scan.yaml", nil, func(d *detCtx) []string {
		g := map[string]*group{}
		d.each("CommonSecurityLog", func(x tbl, i int) {
			switch strings.ToLower(x.str("DeviceAction")(i)) {
			case "deny", "drop", "reset-both", "blocked":
				bump(g, x.str("SourceIP")(i)+"@"+x.time("TimeGenerated")(i).Truncate(10*time.Minute).String(), fmt.Sprint(x.long("DestinationPort")(i)))
			}
		})
		out := map[string]bool{}
		for k, v := range g {
			if len(v.distinct) >= 50 {
				out[k] = true
			}
		}
		return keys(out)
	}},
	{"conditional-access-change.yaml", nil, anyRow("AuditLogs", func(x tbl, i int) bool {
		return has(x.str("OperationName")(i), "conditional access policy")
	})},
	{"global-admin-assigned.yaml", nil, anyRow("AuditLogs", func(x tbl, i int) bool {
		return x.str("OperationName")(i) == "Add member to role" && has(fmt.Sprint(x.dyn("TargetResources")(i)), "Global Administrator")
	})},
	{"privileged-group-change.yaml", nil, anyRow("SecurityEvent", func(x tbl, i int) bool {
		id, g := x.long("EventID")(i), strings.ToLower(x.str("TargetUserName")(i))
		return (id == 4728 || id == 4732 || id == 4756) &&
			(g == "domain admins" || g == "enterprise admins" || g == "schema admins" || g == "administrators")
	})},
	{"security-log-cleared.yaml", nil, anyRow("SecurityEvent", func(x tbl, i int) bool { return x.long("EventID")(i) == 1102 })},
	{"dns-mining-pool.yaml", nil, anyRow("DnsEvents", func(x tbl, i int) bool {
		n := x.str("Name")(i)
		return x.str("SubType")(i) == "LookupQuery" && (has(n, "pool.minexmr.com") || has(n, "xmrpool.eu") || has(n, "nanopool.org") || has(n, "2miners.com"))
	})},
	{"iis-webshell-access.yaml", nil, anyRow("W3CIISLog", func(x tbl, i int) bool {
		s, q := x.str("csUriStem")(i), x.str("csUriQuery")(i)
		return (has(s, "/uploads/") || has(s, "/temp/") || has(s, "/aspnet_client/")) && strings.HasSuffix(strings.ToLower(s), ".aspx") &&
			(has(q, "cmd=") || has(q, "exec=") || has(q, "command="))
	})},
	{"inbox-forwarding-rule.yaml", nil, anyRow("OfficeActivity", func(x tbl, i int) bool {
		op, p := x.str("Operation")(i), x.str("Parameters")(i)
		return x.str("OfficeWorkload")(i) == "Exchange" && (op == "New-InboxRule" || op == "Set-InboxRule" || op == "Set-Mailbox") &&
			(has(p, "ForwardTo") || has(p, "RedirectTo") || has(p, "ForwardingSmtpAddress"))
	})},
	{"phishing-delivered.yaml", nil, anyRow("EmailEvents", func(x tbl, i int) bool {
		return has(x.str("ThreatTypes")(i), "Phish") && x.str("DeliveryAction")(i) == "Delivered"
	})},
	{"azure-owner-role-assignment.yaml", nil, anyRow("AzureActivity", func(x tbl, i int) bool {
		s := x.str("ActivityStatusValue")(i)
		return strings.EqualFold(x.str("OperationNameValue")(i), "Microsoft.Authorization/roleAssignments/write") && (s == "Success" || s == "Succeeded")
	})},
	{"ti-ip-signin-match.yaml", nil, func(d *detCtx) []string {
		active := map[string]bool{}
		d.each("ThreatIntelligenceIndicator", func(x tbl, i int) {
			if x.col("Active").Bools[i] && x.time("ExpirationDateTime")(i).After(d.now) && x.str("NetworkIP")(i) != "" {
				active[x.str("NetworkIP")(i)] = true
			}
		})
		out := map[string]bool{}
		recent := &detCtx{d.t, d.logs, d.now, d.now.Add(-time.Hour)}
		recent.each("SigninLogs", func(x tbl, i int) {
			if active[x.str("IPAddress")(i)] {
				out[x.str("IPAddress")(i)] = true
			}
		})
		return keys(out)
	}},
	{"vpn-foreign-country.yaml", nil, func(d *detCtx) []string {
		known := map[string]map[string]bool{}
		day := d.now.Add(-24 * time.Hour)
		var starts [][3]string
		d.each(world.CustomTable, func(x tbl, i int) {
			u, c := x.str("UserName")(i), x.str("Country")(i)
			if x.time("TimeGenerated")(i).Before(day) {
				if known[u] == nil {
					known[u] = map[string]bool{}
				}
				known[u][c] = true
			} else if x.str("EventType")(i) == "SessionStart" {
				starts = append(starts, [3]string{u, c})
			}
		})
		out := map[string]bool{}
		for _, s := range starts {
			if !known[s[0]][s[1]] {
				out[s[0]+"/"+s[1]] = true
			}
		}
		return keys(out)
	}},
}

func thresholdRule(table string, min int, key func(x tbl, i int) (string, bool)) func(d *detCtx) []string {
	return func(d *detCtx) []string {
		n := map[string]int{}
		d.each(table, func(x tbl, i int) {
			if k, ok := key(x, i); ok {
				n[k]++
			}
		})
		out := map[string]bool{}
		for k, v := range n {
			if v >= min {
				out[k] = true
			}
		}
		return keys(out)
	}
}

func anyRow(table string, match func(x tbl, i int) bool) func(d *detCtx) []string {
	return func(d *detCtx) []string {
		out := map[string]bool{}
		d.each(table, func(x tbl, i int) {
			if match(x, i) {
				out[fmt.Sprintf("%s row %d", table, i)] = true
			}
		})
		return keys(out)
	}
}

// expected is what a rule must find in a workspace: its stories, keyed as the detection keys them.
func expected(rule *content.Rule, ws string, f world.Facts, now time.Time) []string {
	out := map[string]bool{}
	for _, s := range f.StoriesIn(ws) {
		found := false
		for _, r := range s.Rules {
			found = found || r == rule.ID
		}
		if !found {
			continue
		}
		hour := s.Start(now).Format(time.RFC3339)
		switch s.Kind {
		case world.StoryPasswordSpray:
			out[s.IP+"@"+hour] = true
		case world.StoryImpossibleTravel, world.StoryMassDownload:
			out[s.Account+"@"+hour] = true
		case world.StoryEncodedPowerShell:
			out[strings.ToLower(s.Host)+"."+strings.Split(s.Account, "@")[1]] = true
		}
	}
	return keys(out)
}

func runDetections(t *testing.T, w *World, logs map[string]map[string]*data.Table) {
	t.Helper()
	byFile := map[string]*content.Rule{}
	for _, r := range content.Rules() {
		byFile[r.Name] = r
	}
	files := map[string]bool{}
	for _, d := range detections {
		files[d.rule] = true
	}
	if len(files) != len(content.Rules()) {
		t.Fatalf("%d detections for %d shipped rules", len(files), len(content.Rules()))
	}
	now := w.Options.Now
	for _, det := range detections {
		rule := ruleFromFile(t, det.rule)
		period := rule.QueryPeriod
		if period == "" { // NRT rules look at what was ingested since their last run; use a day
			period = "1d"
		}
		p, err := content.ParseDuration(period)
		if err != nil {
			t.Fatal(err)
		}
		for _, ws := range w.Workspaces {
			got := det.find(&detCtx{t: t, logs: logs[ws.Name], now: now, since: now.Add(-p)})
			if want := expected(rule, ws.Name, w.Facts, now); strings.Join(got, " ") != strings.Join(want, " ") {
				t.Errorf("%s in %s found %v, want %v", det.rule, ws.Name, got, want)
			}
		}
	}
}

func ruleFromFile(t *testing.T, file string) *content.Rule {
	t.Helper()
	for _, r := range content.Rules() {
		if strings.TrimSuffix(file, ".yaml") == ruleSlug(r) {
			return r
		}
	}
	t.Fatalf("no shipped rule %s", file)
	return nil
}

// ruleSlug is the file name a rule id was derived from (ids are world.GUID("rule:<slug>")).
func ruleSlug(r *content.Rule) string {
	for _, d := range detections {
		slug := strings.TrimSuffix(d.rule, ".yaml")
		if world.GUID("rule:"+slug) == r.ID {
			return slug
		}
	}
	return ""
}

func TestShippedRulesFindOnlyTheStories(t *testing.T) {
	w, logs := demo()
	runDetections(t, w, logs)
}

func TestShippedRulesFindOnlyTheStoriesAtOtherSeedsAndScales(t *testing.T) {
	if testing.Short() {
		t.Skip("generates two more worlds")
	}
	for _, o := range []Options{{Seed: 2, Now: testNow.Add(5 * time.Hour), ExtraTenants: 2}, {Seed: 3, Now: testNow, Scale: 3}} {
		w := Build(o)
		runDetections(t, w, allLogs(w))
	}
}
