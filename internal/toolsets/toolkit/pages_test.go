package toolkit

import (
	"fmt"
	"strings"
	"testing"

	"github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/sentinel-mcp/sentinel-mcp/internal/render"
)

type pageFilters struct {
	Workspace string
	Search    string
}

func pageTable(n int) *render.Table {
	t := &render.Table{Columns: []render.Column{{Name: "n", Type: "long"}}}
	for i := range n {
		t.Rows = append(t.Rows, []any{i})
	}
	return t
}

// The pages of a listing cover it once, in order; a cursor belongs to one tool and one set of
// filters; a listing that shrank below the cursor says so.
func TestPagerCoversTheListingOnce(t *testing.T) {
	var d *Deps // the default budget
	f := pageFilters{Workspace: "contoso/contoso-prod"}
	var got []string
	cursor := ""
	for page := 0; page < 10; page++ {
		p, err := NewPager("list_things", f, cursor)
		if err != nil {
			t.Fatal(err)
		}
		res, rep, next, err := p.Page(d, pageTable(10), render.FormatCSV, 4)
		if err != nil {
			t.Fatal(err)
		}
		text := res.Content[0].(*mcp.TextContent).Text
		for _, l := range strings.Split(text, "\n")[1:] {
			if l != "" && !strings.HasPrefix(l, "[") && !strings.HasPrefix(l, "More rows") {
				got = append(got, l)
			}
		}
		if next != "" && !strings.Contains(text, fmt.Sprintf("cursor %q", next)) {
			t.Errorf("page %d does not give its cursor:\n%s", page, text)
		}
		if page == 1 && (!strings.Contains(text, "[rows 5 to 8 of 10]") || !strings.Contains(text, "showing 4 of 10 rows") || rep.TotalRows != 10) {
			t.Errorf("page 2 does not say which rows it shows:\n%s", text)
		}
		if rep.Rows > 4 {
			t.Errorf("page %d: %d rows for limit 4", page, rep.Rows)
		}
		if cursor = next; cursor == "" {
			break
		}
	}
	if strings.Join(got, ",") != "0,1,2,3,4,5,6,7,8,9" {
		t.Errorf("pages gave %v", got)
	}

	first, _ := NewPager("list_things", f, "")
	_, _, next, _ := first.Page(d, pageTable(10), render.FormatCSV, 8)
	for _, c := range []struct {
		tool    string
		filters any
		cursor  string
		want    string
	}{
		{"list_things", pageFilters{Workspace: "contoso/contoso-prod", Search: "x"}, next, "other arguments"},
		{"list_other_things", f, next, "is not a next_cursor returned by list_other_things"},
		{"list_things", f, "garbage!", "is not a next_cursor"},
		{"list_things", f, next[:len(next)-2], "is not a next_cursor"},
	} {
		if _, err := NewPager(c.tool, c.filters, c.cursor); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s %+v %q: %v, want %q", c.tool, c.filters, c.cursor, err, c.want)
		}
	}
	p, err := NewPager("list_things", f, next)
	if err != nil {
		t.Fatal(err)
	}
	if _, _, _, err := p.Page(d, pageTable(5), render.FormatCSV, 8); err == nil || !strings.Contains(err.Error(), "past the end of the listing (5 rows now") {
		t.Errorf("a shrunk listing: %v", err)
	}
}
