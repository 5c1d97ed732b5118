package kql

import (
	"context"
	"strings"
	"testing"

	"github.com/sentinel-mcp/sentinel-mcp/internal/schema"
)

// TestForkFacet checks the operators that end a query with several tables.
func TestForkFacet(t *testing.T) {
	src := testSource(t)
	cases := []struct {
		query string
		want  []string
	}{
		{`SigninLogs | where Location != "GB" | fork (count) (where Location == "US" | project UserPrincipalName) (summarize n = count() by Location)`, []string{
			"Count:long\n[4]",
			"UserPrincipalName:string\n[\"alice@contoso.com\"]\n[\"carol@fabrikam.com\"]",
			"Location:string n:long\n[\"US\",2]\n[\"DE\",2]",
		}},
		{`SigninLogs | facet by Location, ResultType with (take 2 | project UserPrincipalName)`, []string{
			"UserPrincipalName:string\n[\"alice@contoso.com\"]\n[\"bob@contoso.com\"]",
			"Location:string count_Location:long\n[\"US\",2]\n[\"GB\",1]\n[\"DE\",2]",
			"ResultType:string count_ResultType:long\n[\"0\",2]\n[\"50126\",3]",
		}},
		{`print 1; SigninLogs | facet by Location`, []string{
			"print_0:long\n[1]",
			"Location:string count_Location:long\n[\"US\",2]\n[\"GB\",1]\n[\"DE\",2]",
		}},
	}
	for _, c := range cases {
		res, err := Execute(context.Background(), src, c.query, Options{Now: testNow})
		if err != nil {
			t.Errorf("%s: %v", c.query, err)
			continue
		}
		var got []string
		for _, tb := range res.Tables {
			got = append(got, render(tb))
		}
		if strings.Join(got, "\n--\n") != strings.Join(c.want, "\n--\n") {
			t.Errorf("%s\n got:\n%s\nwant:\n%s", c.query, strings.Join(got, "\n--\n"), strings.Join(c.want, "\n--\n"))
		}
		if res.Tables[0].Name != "PrimaryResult" || len(res.Tables) > 1 && res.Tables[1].Name != "Table_1" {
			t.Errorf("%s: table names %s, %s", c.query, res.Tables[0].Name, res.Tables[1].Name)
		}
	}
	for _, q := range []string{`SigninLogs | fork (count) | count`, `let x = SigninLogs | facet by Location; x`, `SigninLogs | join (SigninLogs | fork (take 1)) on Location`} {
		_, err := Execute(context.Background(), src, q, Options{Now: testNow})
		if err == nil || !strings.Contains(err.Error(), "must be the last operator of the query") {
			t.Errorf("%s: %v", q, err)
		}
		found := false
		for _, d := range Validate(q, schema.DefaultCatalog()) {
			found = found || d.Severity == "error" && strings.Contains(d.Message, "must be the last operator")
		}
		if !found {
			t.Errorf("Validate(%s) misses the misplaced operator", q)
		}
	}
}
