package rules_test

import (
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/sentinel-mcp/sentinel-mcp/internal/content"
	"github.com/sentinel-mcp/sentinel-mcp/internal/emulator/world"
	"github.com/sentinel-mcp/sentinel-mcp/internal/toolsets/toolsettest"
)

// The listings page with a cursor: the rules of two workspaces, and every template, in pages.
func TestListsPageWithACursor(t *testing.T) {
	env := start(t, envOptions{readOnly: true, pageSize: 10})
	checkPaging(t, env, "list_analytics_rules", map[string]any{"workspaces": []string{alias(world.WSContosoProd), alias(world.WSNorthwindSentinel)}},
		12, map[string]any{"severity": "High"})
	seedTemplates(t, env, world.WSLitwareSentinel, content.Rules()...)
	checkPaging(t, env, "list_rule_templates", map[string]any{"workspace": alias(world.WSLitwareSentinel)}, 5, map[string]any{"not_in_use": true})
}

// pagedRows calls a listing tool page by page, limit rows at a time, and returns the table rows of
// every page in order. Each page but the last gives its cursor in the text too.
func pagedRows(t *testing.T, env *toolsettest.Env, tool string, args map[string]any, limit int) []string {
	t.Helper()
	var all []string
	cursor := ""
	for page := 0; ; page++ {
		a := map[string]any{"limit": limit}
		for k, v := range args {
			a[k] = v
		}
		if cursor != "" {
			a["cursor"] = cursor
		}
		res := env.CallOK(tool, a)
		var out struct {
			NextCursor string `json:"next_cursor"`
		}
		res.Decode(&out)
		rows := tableRows(res.Text)
		if len(rows) > limit || (out.NextCursor != "" && len(rows) == 0) {
			t.Fatalf("%s page %d: %d rows for limit %d\n%s", tool, page, len(rows), limit, res.Text)
		}
		all = append(all, rows...)
		if out.NextCursor == "" {
			return all
		}
		if !strings.Contains(res.Text, fmt.Sprintf("cursor %q", out.NextCursor)) {
			t.Errorf("%s page %d does not give its cursor in the text:\n%s", tool, page, res.Text)
		}
		if page > 200 {
			t.Fatalf("%s: paging does not end", tool)
		}
		cursor = out.NextCursor
	}
}

// tableRows returns the data rows of the Markdown tables in a text.
func tableRows(text string) []string {
	lines := strings.Split(text, "\n")
	var rows []string
	for i, l := range lines {
		header := i+1 < len(lines) && strings.HasPrefix(lines[i+1], "|---")
		if strings.HasPrefix(l, "| ") && !header {
			rows = append(rows, l)
		}
	}
	return rows
}

// checkPaging pages a listing in small and in large pages: the same rows in the same order, none
// twice, over several pages; and a cursor is refused with other filters or when damaged.
func checkPaging(t *testing.T, env *toolsettest.Env, tool string, args map[string]any, small int, otherFilters map[string]any) {
	t.Helper()
	whole := pagedRows(t, env, tool, args, 1000)
	paged := pagedRows(t, env, tool, args, small)
	if len(whole) <= 2*small {
		t.Fatalf("%s: %d rows, too few to cross pages of %d", tool, len(whole), small)
	}
	if !slices.Equal(paged, whole) {
		t.Errorf("%s: pages of %d give %d rows, one page %d:\n%s\n---\n%s", tool, small, len(paged), len(whole), strings.Join(paged, "\n"), strings.Join(whole, "\n"))
	}
	seen := map[string]bool{}
	for _, r := range paged {
		if seen[r] {
			t.Errorf("%s: row listed twice: %s", tool, r)
		}
		seen[r] = true
	}
	first := map[string]any{"limit": small}
	for k, v := range args {
		first[k] = v
	}
	var out struct {
		NextCursor string `json:"next_cursor"`
	}
	env.CallOK(tool, first).Decode(&out)
	other := map[string]any{"cursor": out.NextCursor}
	for k, v := range first {
		other[k] = v
	}
	for k, v := range otherFilters {
		other[k] = v
	}
	if msg := env.CallError(tool, other); !strings.Contains(msg, "other arguments") {
		t.Errorf("%s: a cursor with other filters: %s", tool, msg)
	}
	other = map[string]any{"cursor": out.NextCursor + "x"}
	for k, v := range first {
		other[k] = v
	}
	if msg := env.CallError(tool, other); !strings.Contains(msg, `"cursor"`) {
		t.Errorf("%s: a damaged cursor: %s", tool, msg)
	}
}
