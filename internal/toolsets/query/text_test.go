package query

import (
	"encoding/json"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/sentinel-mcp/sentinel-mcp/internal/azure"
	"github.com/sentinel-mcp/sentinel-mcp/internal/kql"
	"github.com/sentinel-mcp/sentinel-mcp/internal/tenancy"
)

func TestControlCommandsAreFound(t *testing.T) {
	refused := map[string]int{ // query -> line of the command
		".drop table SigninLogs":                            1,
		"   .set-or-append T <| print 1":                    1,
		"// a comment\n\t.create table X (a:string)":        2,
		"SigninLogs | take 1; .drop table SigninLogs":       1,
		"let x = 1;\n// then\n.show tables":                 3,
		"\ufeff.show database":                              1,
		"SigninLogs | where A == 'x;'\n;\n  .alter-merge T": 3,
		"print 1;;.purge table T records":                   1,
	}
	for q, line := range refused {
		cmd, l, ok := controlCommand(q)
		if !ok || l != line || !strings.HasPrefix(cmd, ".") {
			t.Errorf("%q: command %q line %d ok %v, want line %d", q, cmd, l, ok, line)
		}
		if err := checkQuery("query", q); err == nil || !strings.Contains(err.Error(), "control commands are not allowed") {
			t.Errorf("%q: checkQuery = %v", q, err)
		}
	}
	allowed := []string{
		`SigninLogs | where UserPrincipalName == ".drop table x"`,
		`SigninLogs | where A == "a;.drop" or B == 'b; .set x'`,
		"SigninLogs // ; .drop table x\n| take 1",
		`print @"a"";.drop"`,
		`print @'it''s; .drop'`,
		"print x = ```\n;.drop table x\n```",
		`print h"secret;.drop"`,
		"SigninLogs | extend x = 0.5 | take 1",
		`print "escaped \";.drop"`,
		"let t = datatable(s:string)[';.x'];\nt",
	}
	for _, q := range allowed {
		if cmd, _, ok := controlCommand(q); ok {
			t.Errorf("%q: seen as command %q", q, cmd)
		}
		if err := checkQuery("query", q); err != nil {
			t.Errorf("%q: %v", q, err)
		}
	}
}

func TestQueryLimits(t *testing.T) {
	long := "SigninLogs | where A in (" + strings.Repeat(`"x",`, MaxQueryBytes/4) + `"y")`
	if err := checkQuery("query", long); err == nil || !strings.Contains(err.Error(), "65536") {
		t.Errorf("long query: %v", err)
	}
	for q, want := range map[string]string{"": "empty", "  \n ": "empty", "T | where a == '\xff'": "UTF-8", "T\x00": "NUL"} {
		if err := checkQuery("query", q); err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%q: %v, want %q", q, err, want)
		}
	}
}

func TestTimespans(t *testing.T) {
	now := time.Date(2025, 5, 2, 10, 30, 0, 0, time.UTC)
	ok := map[string]string{"": "P1D", "24h": "P1D", "7d": "P7D", "30m": "PT30M", "90s": "PT1M30S", "PT24H": "P1D",
		"P7D": "P7D", "p1dt12h": "P1DT12H", "2w": "P14D", "P2W": "P14D", " 1 h ": "PT1H", "36h": "P1DT12H"}
	for in, want := range ok {
		tr, err := TimeArgs{Timespan: in}.resolve(now, defaultSpan)
		if err != nil || tr.ISO != want {
			t.Errorf("%q: %q, %v; want %q", in, tr.ISO, err, want)
		}
	}
	for _, in := range []string{"yesterday", "0h", "-1d", "P", "PT", "1y", "99999999d", "24 hours ago"} {
		if _, err := (TimeArgs{Timespan: in}).resolve(now, defaultSpan); err == nil || !strings.Contains(err.Error(), "timespan") {
			t.Errorf("%q accepted (%v)", in, err)
		}
	}
	tr, err := TimeArgs{Start: "2025-05-01T08:00:00Z"}.resolve(now, defaultSpan)
	if err != nil || tr.ISO != azure.TimespanBetween(time.Date(2025, 5, 1, 8, 0, 0, 0, time.UTC), now) {
		t.Errorf("start only: %+v %v", tr, err)
	}
	tr, err = TimeArgs{Start: "2025-05-01", End: "2025-05-01T12:00:00+02:00"}.resolve(now, defaultSpan)
	if err != nil || tr.ISO != "2025-05-01T00:00:00Z/2025-05-01T10:00:00Z" {
		t.Errorf("start/end: %+v %v", tr, err)
	}
	bad := []TimeArgs{{End: "2025-05-01T00:00:00Z"}, {Start: "May 1st"}, {Start: "2025-05-02T00:00:00Z", End: "2025-05-01T00:00:00Z"},
		{Start: "2025-05-01T00:00:00Z", Timespan: "1d"}}
	for _, a := range bad {
		if _, err := a.resolve(now, defaultSpan); err == nil {
			t.Errorf("%+v accepted", a)
		}
	}
}

func TestInsertFilterGoesBeforeTrailingSortAndTake(t *testing.T) {
	cases := map[string]string{
		"T\n| summarize n = count() by U\n| sort by n desc\n| take 25": "T\n| summarize n = count() by U\n| where U == \"x\"\n| sort by n desc\n| take 25",
		"T | where a == 1":                                                 "T | where a == 1\n| where U == \"x\"",
		"let x = T | take 5;\nx | top 3 by n":                              "let x = T | take 5;\nx | where U == \"x\"\n| top 3 by n",
		"T | where s == '| take 1' | project U\n":                          "T | where s == '| take 1' | project U\n| where U == \"x\"\n",
		"union (T | take 1), (S | take 2)\n| project-away z\n| order by U": "union (T | take 1), (S | take 2)\n| project-away z\n| where U == \"x\"\n| order by U",
		"T | top-nested 3 of U by count()":                                 "T | top-nested 3 of U by count()\n| where U == \"x\"",
	}
	for q, want := range cases {
		if got := insertFilter(q, `U == "x"`); got != want {
			t.Errorf("insertFilter(%q)\n got %q\nwant %q", q, got, want)
		}
	}
}

func TestExcerptPointsAtTheColumn(t *testing.T) {
	q := "SigninLogs\n| where UserPrincipalNme == 'x'"
	ex, caret, ok := excerpt(q, 2, 9)
	if !ok || ex != "| where UserPrincipalNme == 'x'" || caret != "        ^" {
		t.Errorf("excerpt = %q %q %v", ex, caret, ok)
	}
	long := strings.Repeat("a", 200) + "ö" + strings.Repeat("b", 200)
	ex, caret, _ = excerpt(long, 1, 201)
	if i := strings.Index(ex, "ö"); len([]rune(ex[:i])) != len(caret)-1 || !strings.HasPrefix(ex, "…") || !strings.HasSuffix(ex, "…") {
		t.Errorf("long line excerpt %q / %q", ex, caret)
	}
	ds := offlineCheck(q)
	if len(ds) != 1 || ds[0].Severity != kql.SeverityError || ds[0].Line != 2 || !strings.Contains(ds[0].Message+ds[0].Hint, "did you mean 'UserPrincipalName'") {
		t.Fatalf("diagnostics = %+v", ds)
	}
	if d := ds[0].describe(q); !strings.Contains(d, "line 2, column 9") || !strings.Contains(d, "UserPrincipalName") || !strings.Contains(d, "\n            ^") {
		t.Errorf("describe = %q", d)
	}
}

func TestMergeUnionsColumnsAndSharesRowsFairly(t *testing.T) {
	a := &tenancy.Workspace{Alias: "contoso/a", TenantName: "Contoso"}
	b := &tenancy.Workspace{Alias: "fabrikam/b", TenantName: "Fabrikam"}
	rows := func(n int, vals ...any) [][]any {
		var out [][]any
		for range n {
			out = append(out, vals)
		}
		return out
	}
	parts := []part{
		{ws: a, cols: []azure.Column{{Name: "User", Type: "string"}, {Name: "N", Type: "long"}, {Name: "Workspace", Type: "string"}}, rows: rows(10, "u", json.Number("1"), "x"), total: 25},
		{ws: b, cols: []azure.Column{{Name: "N", Type: "string"}, {Name: "Extra", Type: "bool"}}, rows: rows(2, "one", true), total: 2},
		{cols: []azure.Column{{Name: "User", Type: "string"}}, rows: rows(1, "v"), total: 1},
	}
	m := mergeParts(parts, 6)
	var names []string
	for _, c := range m.table.Columns {
		names = append(names, c.Name+":"+c.Type)
	}
	// N is long in one workspace and string in the other: one column per type, as Kusto's union
	// names them; the data's own Workspace column does not collide with the attribution column.
	want := []string{"TenantName:string", "Workspace:string", "User:string", "N_long:long", "Workspace1:string", "N_string:string", "Extra:bool"}
	if !slices.Equal(names, want) {
		t.Errorf("columns %v\nwant    %v", names, want)
	}
	if !slices.Equal(m.kept, []int{3, 2, 1}) || m.table.Total != 28 || len(m.table.Rows) != 6 {
		t.Errorf("kept %v, total %d, rows %d", m.kept, m.table.Total, len(m.table.Rows))
	}
	if r := m.table.Rows[3]; r[0] != "Fabrikam" || r[1] != "fabrikam/b" || r[3] != nil || r[5] != "one" || r[6] != true {
		t.Errorf("fabrikam row %v", r)
	}
	if r := m.table.Rows[5]; r[0] != "" || r[1] != "" || r[2] != "v" {
		t.Errorf("unattributed row %v", r)
	}
	if got := quotas([]part{{rows: rows(100)}, {rows: rows(1)}, {rows: rows(100)}}, 10); !slices.Equal(got, []int{5, 1, 4}) {
		t.Errorf("quotas = %v", got)
	}
	if got := shownPerPart([]int{3, 2, 1}, 4); !slices.Equal(got, []int{3, 1, 0}) {
		t.Errorf("shown = %v", got)
	}
}

func TestTheQuerysOwnLookbackWidensTheDefaultRange(t *testing.T) {
	now := time.Now()
	for q, want := range map[string]string{
		"SigninLogs | where TimeGenerated > ago(7d)":                                         "P7D",
		"SigninLogs | where TimeGenerated > ago( 36h ) | join (T | where x > ago(90d)) on a": "P90D",
		"SigninLogs | where TimeGenerated > ago(1h)":                                         "P1D",
		`SigninLogs | where Note == "ago(30d)" // ago(60d)`:                                  "P1D",
		"SigninLogs | take 1": "P1D",
	} {
		tr, err := TimeArgs{}.forQuery(now, q)
		if err != nil || tr.ISO != want {
			t.Errorf("%q: %q %v, want %q", q, tr.ISO, err, want)
		}
	}
	if tr, _ := (TimeArgs{Timespan: "2h"}).forQuery(now, "T | where TimeGenerated > ago(7d)"); tr.ISO != "PT2H" {
		t.Errorf("an explicit timespan was widened: %s", tr.ISO)
	}
}
