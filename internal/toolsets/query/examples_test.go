package query

import (
	"slices"
	"strings"
	"testing"

	"github.com/sentinel-mcp/sentinel-mcp/internal/config"
	"github.com/sentinel-mcp/sentinel-mcp/internal/content"
	"github.com/sentinel-mcp/sentinel-mcp/internal/emulator/world"
	"github.com/sentinel-mcp/sentinel-mcp/internal/kql"
	"github.com/sentinel-mcp/sentinel-mcp/internal/kql/syntax"
	"github.com/sentinel-mcp/sentinel-mcp/internal/schema"
)

// The shipped hunts, run as a model would (get_kql_examples, then run_kql_query), find every attack
// story planted in the emulator's logs, in the workspace that holds it, with its accounts and IPs,
// and find none of them where they were not planted.
func TestShippedHuntsFindThePlantedStories(t *testing.T) {
	env := start(t, func(c *config.Config) { c.Limits.Rate, c.Limits.TenantRate = 0, 0 }) // a call per hunt and workspace
	facts := world.SeededFacts()
	kinds := map[string]bool{}
	for _, s := range facts.Stories {
		kinds[s.Kind] = true
	}
	for kind := range kinds {
		var ex examplesOut
		env.CallOK("get_kql_examples", map[string]any{"tag": kind}).Decode(&ex)
		if len(ex.Examples) == 0 {
			t.Fatalf("no shipped hunt for %s", kind)
		}
		for _, w := range world.Workspaces() {
			if !w.Sentinel || w.TenantAlias == world.Adatum {
				continue
			}
			planted := map[string]world.Story{}
			for _, s := range facts.StoriesIn(w.Name) {
				if s.Kind == kind {
					planted[s.Kind] = s
				}
			}
			for _, e := range ex.Examples {
				res := env.CallOK("run_kql_query", map[string]any{"workspace": w.Alias(), "query": e.Query, "format": "json"})
				rows := jsonRows(t, res.Text)
				s, ok := planted[kind]
				found := storyRows(t, kind, rows, facts.StoriesOf(kind))
				switch {
				case ok && !slices.Contains(found, s.Workspace):
					t.Errorf("%s in %s: hunt %q did not find %s (%s); rows %v", kind, w.Name, e.Name, s.Account, s.IP, rows)
				case !ok && len(found) > 0:
					t.Errorf("%s: hunt %q finds %v in %s, where no such story was planted", kind, e.Name, found, w.Name)
				}
			}
		}
	}
}

// storyRows returns the workspaces of the stories whose planted facts a hunt's rows show.
func storyRows(t *testing.T, kind string, rows []map[string]any, stories []world.Story) []string {
	var out []string
	for _, s := range stories {
		for _, r := range rows {
			match := false
			switch kind {
			case world.StoryPasswordSpray:
				match = r["IPAddress"] == s.IP && num(t, r["DistinctUsers"]) == int64(s.Users) && num(t, r["Failures"]) == int64(s.Count) &&
					slices.Contains(strs(r["SucceededFor"]), s.Account)
			case world.StoryImpossibleTravel:
				match = r["UserPrincipalName"] == s.Account && slices.Equal(sorted(strs(r["IPs"])), sorted(s.IPs)) &&
					slices.Equal(sorted(strs(r["Countries"])), sorted(s.Countries))
			case world.StoryEncodedPowerShell:
				match = strings.EqualFold(str(r["Account"]), accountName(s.Account)) && strings.HasPrefix(strings.ToUpper(str(r["Host"])), s.Host) &&
					strings.Contains(str(r["CommandLine"]), "-enc ")
			case world.StoryMassDownload:
				match = r["UserId"] == s.Account && num(t, r["PeakFilesPerHour"]) == int64(s.Count)
			case world.StoryInboxForwarding:
				match = r["UserId"] == s.Account && r["ClientIP"] == s.IP && r["Operation"] == "UpdateInboxRules" &&
					strings.Contains(str(r["OperationProperties"]), "ForwardToRecipientsAction: "+s.Target)
			case world.StoryRoleAssignment:
				match = r["Caller"] == s.Account && r["OperationNameValue"] == "Microsoft.Authorization/roleAssignments/write" &&
					r["ActivityStatusValue"] == "Failure" && num(t, r["Operations"]) == int64(s.Count) &&
					slices.Equal(strs(r["CallerIPs"]), []string{s.IP})
			case world.StoryDNSBeacon:
				match = r["Name"] == s.Target && num(t, r["Clients"]) == 1 && num(t, r["Lookups"]) == int64(s.Count) &&
					slices.Equal(strs(r["ResolvedTo"]), []string{s.IP})
			case world.StoryFirewallProbe:
				match = r["SourceIP"] == s.IP && num(t, r["Denied"]) == int64(s.Count) && num(t, r["Ports"]) == int64(s.Ports) &&
					num(t, r["Targets"]) == 1
			case world.StoryVPNForeignLogin:
				match = r["UserName"] == s.Account && r["Country"] == s.Countries[0] && slices.Contains(strs(r["SourceIPs"]), s.IP)
			default:
				t.Fatalf("no check for story kind %s", kind)
			}
			if match {
				out = append(out, s.Workspace)
				break
			}
		}
	}
	return out
}

func sorted(s []string) []string { s = slices.Clone(s); slices.Sort(s); return s }

func TestExamplesNarrowToAnEntity(t *testing.T) {
	env := start(t, nil)
	facts := world.SeededFacts()
	spray := facts.StoriesOf(world.StoryPasswordSpray)
	for _, s := range spray {
		var ex examplesOut
		res := env.CallOK("get_kql_examples", map[string]any{"tag": world.StoryPasswordSpray, "ip": s.IP})
		res.Decode(&ex)
		if len(ex.Examples) != 1 || !strings.Contains(ex.Examples[0].Query, `| where (IPAddress == "`+s.IP+`")`+"\n| sort by") {
			t.Fatalf("narrowed hunt: %+v", ex)
		}
		for _, other := range spray {
			var out runOut
			env.CallOK("run_kql_query", map[string]any{"workspace": alias(t, other.Workspace), "query": ex.Examples[0].Query}).Decode(&out)
			if want := map[bool]int{true: 1, false: 0}[other.Workspace == s.Workspace]; out.Result.TotalRows != want {
				t.Errorf("spray hunt narrowed to %s on %s: %d rows, want %d", s.IP, other.Workspace, out.Result.TotalRows, want)
			}
		}
	}
	// Account and host narrowing against the encoded PowerShell story (names as logged differ:
	// UPN vs account name, bare host vs FQDN).
	ps := facts.StoriesOf(world.StoryEncodedPowerShell)[0]
	var ex examplesOut
	env.CallOK("get_kql_examples", map[string]any{"tag": world.StoryEncodedPowerShell, "account": ps.Account, "host": ps.Host}).Decode(&ex)
	var out runOut
	env.CallOK("run_kql_query", map[string]any{"workspace": alias(t, ps.Workspace), "query": ex.Examples[0].Query}).Decode(&out)
	if out.Result.TotalRows != 2 { // SecurityEvent 4688 and DeviceProcessEvents
		t.Errorf("encoded PowerShell narrowed to %s on %s: %d rows\n%s", ps.Account, ps.Host, out.Result.TotalRows, ex.Examples[0].Query)
	}
	// Hunts without a column for the entity are left out, and say so.
	var all examplesOut
	res := env.CallOK("get_kql_examples", map[string]any{"host": "CONTOSO-WKS-017"})
	res.Decode(&all)
	if all.Count != 1 || len(all.Skipped) != len(content.Hunts())-1 || !strings.Contains(res.Text, "Left out (no column for the requested entity)") {
		t.Errorf("host filter: %d examples, %d skipped", all.Count, len(all.Skipped))
	}
	if msg := env.CallError("get_kql_examples", map[string]any{"ip": "10.0.0.999"}); !strings.Contains(msg, "not an IP address") {
		t.Errorf("bad ip: %s", msg)
	}
}

// Values from the user only ever enter a query as string literals: whatever they contain, the
// narrowed query parses, holds the value verbatim in one literal, and runs.
func TestNarrowingQuotesHostileValues(t *testing.T) {
	env := start(t, nil)
	hostile := []string{
		`x" | take 1; .drop table SigninLogs //`,
		"a\nb\r\n| union SecurityEvent",
		`back\slash\\ and \" and \'`,
		`it's "quoted" ; print 'pwned'`,
		"名前@例え.jp",
		"tab\there",
		"```; .show tables ```",
		`@"verbatim"`,
	}
	for _, v := range hostile {
		var ex examplesOut
		env.CallOK("get_kql_examples", map[string]any{"tag": world.StoryMassDownload, "account": v}).Decode(&ex)
		if len(ex.Examples) != 1 {
			t.Fatalf("%q: %+v", v, ex)
		}
		q := ex.Examples[0].Query
		if err := checkQuery("query", q); err != nil {
			t.Errorf("%q: the narrowed query is refused: %v", v, err)
		}
		script, diags := kql.Parse(q)
		if len(diags) > 0 {
			t.Errorf("%q: narrowed query does not parse: %v\n%s", v, diags, q)
			continue
		}
		if n := len(statements(q)); n != 1 {
			t.Errorf("%q: %d statements", v, n)
		}
		found := false
		syntax.Walk(script, func(n syntax.Node) bool {
			if l, ok := n.(*syntax.Literal); ok && l.Kind == syntax.LitString && (l.Str == v || l.Str == v+"@") {
				found = true
			}
			return true
		})
		if !found {
			t.Errorf("%q is not one literal of the query:\n%s", v, q)
		}
		for _, d := range kql.Validate(q, schema.DefaultCatalog()) {
			if d.Severity == kql.SeverityError {
				t.Errorf("%q: %s", v, d)
			}
		}
		var out runOut
		env.CallOK("run_kql_query", map[string]any{"workspace": alias(t, world.WSLitwareSentinel), "query": q}).Decode(&out)
		if out.Result.TotalRows != 0 {
			t.Errorf("%q matched %d rows", v, out.Result.TotalRows)
		}
	}
}

func TestExamplesFilters(t *testing.T) {
	env := start(t, nil)
	var ex examplesOut
	res := env.CallOK("get_kql_examples", map[string]any{"table": "SigninLogs", "tactic": "credentialaccess"})
	res.Decode(&ex)
	if ex.Count == 0 {
		t.Fatal("no SigninLogs credential access hunt")
	}
	for _, e := range ex.Examples {
		h := huntNamed(t, e.Name)
		if !slices.Contains(h.Tables(), "SigninLogs") || !slices.Contains(h.Tactics, "CredentialAccess") || e.Query != strings.TrimSpace(h.Query) {
			t.Errorf("%s does not match the filters or its query changed", e.Name)
		}
		if !strings.Contains(res.Text, "```kql\n"+e.Query+"\n```") {
			t.Errorf("%s: query not in the text", e.Name)
		}
	}
	env.CallOK("get_kql_examples", map[string]any{}).Decode(&ex)
	if ex.Count != len(content.Hunts()) || ex.Truncated {
		t.Errorf("all hunts: %d of %d, truncated %v", ex.Count, len(content.Hunts()), ex.Truncated)
	}
	res = env.CallOK("get_kql_examples", map[string]any{"tag": "ransomware"})
	if !strings.Contains(res.Text, "No shipped hunt matches") || !strings.Contains(res.Text, "password-spray") || !strings.Contains(res.Text, "SigninLogs") {
		t.Errorf("no match: %s", res.Text)
	}
}

func huntNamed(t *testing.T, name string) *content.Hunt {
	for _, h := range content.Hunts() {
		if h.Name == name {
			return h
		}
	}
	t.Fatalf("no hunt %q", name)
	return nil
}

// Every entity mapping of a shipped hunt names a column of the hunt's result, so narrowing it
// is a valid query.
func TestHuntEntityMappingsNameResultColumns(t *testing.T) {
	mapped := 0
	for _, h := range content.Hunts() {
		for _, m := range h.EntityMappings {
			if !slices.Contains([]string{entAccount, entIP, entHost}, m.EntityType) {
				t.Errorf("%s: entity type %s is not one get_kql_examples narrows", h.Name, m.EntityType)
			}
			for _, f := range m.FieldMappings {
				q := insertFilter(strings.TrimSpace(h.Query), f.ColumnName+` == "x"`)
				for _, d := range kql.Validate(q, schema.DefaultCatalog()) {
					if d.Severity == kql.SeverityError {
						t.Errorf("%s: %s mapping to %s: %s", h.Name, m.EntityType, f.ColumnName, d)
					}
				}
				mapped++
			}
		}
	}
	if mapped < 10 {
		t.Errorf("only %d entity mappings", mapped)
	}
}
