package watchlists_test

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/sentinel-mcp/sentinel-mcp/internal/config"
	"github.com/sentinel-mcp/sentinel-mcp/internal/emulator"
	"github.com/sentinel-mcp/sentinel-mcp/internal/emulator/world"
	"github.com/sentinel-mcp/sentinel-mcp/internal/inventory"
	"github.com/sentinel-mcp/sentinel-mcp/internal/toolsets/toolsettest"
	"github.com/sentinel-mcp/sentinel-mcp/internal/toolsets/watchlists"
)

var toolset = toolsettest.Toolset{Toolset: inventory.Toolset{Name: watchlists.Name, Description: "Watchlists."}, Tools: watchlists.Tools}

var (
	contoso  = world.MustWorkspace(world.WSContosoProd).Alias()
	fabrikam = world.MustWorkspace(world.WSFabrikamSentinel).Alias()
)

func start(t *testing.T, o toolsettest.Options) *toolsettest.Env {
	o.Toolsets = append(o.Toolsets, toolset)
	o.Configure = func(c *config.Config) { c.Limits.TenantRate = 0 } // these tests call quickly on one tenant
	return toolsettest.Start(t, o)
}

// confirmed calls a destructive tool, checks it answered with a plan (containing want), and calls it
// again with the confirmation token.
func confirmed(t *testing.T, env *toolsettest.Env, name string, args map[string]any, want string) *toolsettest.Result {
	t.Helper()
	var p inventory.Pending
	env.CallOK(name, args).Decode(&p)
	if !p.ConfirmationRequired || p.ConfirmToken == "" {
		t.Fatalf("%s ran without confirmation: %+v", name, p)
	}
	if !strings.Contains(p.Plan, want) {
		t.Errorf("%s plan %q does not mention %q", name, p.Plan, want)
	}
	args[inventory.ConfirmTokenArg] = p.ConfirmToken
	defer delete(args, inventory.ConfirmTokenArg)
	return env.CallOK(name, args)
}

// writes counts the write requests sent to the emulator since the request number from.
func writes(env *toolsettest.Env, from int) []string {
	var out []string
	for _, r := range env.Requests()[from:] {
		m, path, _ := strings.Cut(r, " ")
		if m == "PUT" || m == "PATCH" || m == "DELETE" {
			out = append(out, m+" "+path)
		}
	}
	return out
}

const vipCSV = "UserPrincipalName,Department,Risk\n" +
	"adele.vance@contoso.com,Finance,High\n" +
	"\"megan.bowen@contoso.com\",\"Sales, EMEA\",Medium\n" +
	"pradeep.gupta@contoso.com,IT,Low\n"

type info struct {
	Tenant, Workspace, Alias string
	DisplayName              string `json:"display_name"`
	SearchKey                string `json:"search_key"`
	Columns                  []string
	Items                    int
	Etag                     string
}

type itemsOut struct {
	Workspace, Watchlist string
	Changed              []struct {
		ItemID string `json:"item_id"`
		Key    string
		Etag   string
	}
	Failed []string
}

// countWatchlists is the number of watchlists of workspaces (the seeded world may have some).
func countWatchlists(env *toolsettest.Env, wss ...string) int {
	var list struct{ Count int }
	env.CallOK("list_watchlists", map[string]any{"workspaces": wss}).Decode(&list)
	return list.Count
}

func TestWatchlistLifecycle(t *testing.T) {
	env := start(t, toolsettest.Options{Writes: true})
	before := countWatchlists(env, contoso, fabrikam)
	var created struct {
		info
		Warnings []string
	}
	env.CallOK("create_watchlist", map[string]any{"workspace": contoso, "alias": "VIPs", "display_name": "VIP users",
		"search_key": "UserPrincipalName", "csv": vipCSV, "labels": []string{"identity"}}).Decode(&created)
	if created.Items != 3 || created.Alias != "VIPs" || created.Workspace != contoso || !slices.Equal(created.Columns, []string{"UserPrincipalName", "Department", "Risk"}) {
		t.Fatalf("created %+v", created)
	}
	// The same alias again is refused, without overwriting.
	if msg := env.CallError("create_watchlist", map[string]any{"workspace": contoso, "alias": "VIPs", "search_key": "UserPrincipalName", "csv": vipCSV}); !strings.Contains(msg, "already exists") {
		t.Errorf("second create: %s", msg)
	}

	// list across two workspaces, one of them without the watchlist.
	var list struct {
		Count    int
		Failures []any
	}
	res := env.CallOK("list_watchlists", map[string]any{"workspaces": []string{contoso, fabrikam}})
	res.Decode(&list)
	if list.Count != before+1 || len(list.Failures) != 0 || !strings.Contains(res.Text, "| "+contoso+" | VIPs | VIP users | UserPrincipalName |") {
		t.Errorf("list: %+v\n%s", list, res.Text)
	}

	var got struct {
		info
		Sample struct{ Rows int }
	}
	res = env.CallOK("get_watchlist", map[string]any{"workspace": contoso, "watchlist": "VIPs", "sample": 2})
	res.Decode(&got)
	if got.Items != 3 || got.SearchKey != "UserPrincipalName" || got.Sample.Rows != 2 || !slices.Equal(got.Columns, []string{"UserPrincipalName", "Department", "Risk"}) {
		t.Errorf("get: %+v", got)
	}
	if !strings.Contains(res.Text, "Sales, EMEA") && !strings.Contains(res.Text, "adele.vance") {
		t.Errorf("get text: %s", res.Text)
	}

	// add: a duplicate key, an unknown column and an item without the key are refused before any write.
	n := env.RequestCount()
	for _, bad := range []struct {
		item map[string]any
		want string
	}{
		{map[string]any{"UserPrincipalName": "adele.vance@contoso.com"}, "already has an item"},
		{map[string]any{"UserPrincipalName": "x@contoso.com", "Dept": "IT"}, "no column Dept"},
		{map[string]any{"Department": "IT"}, "no value for the search key"},
	} {
		msg := env.CallError("add_watchlist_items", map[string]any{"workspace": contoso, "watchlist": "VIPs", "items": []any{bad.item}})
		if !strings.Contains(msg, bad.want) {
			t.Errorf("add %v: %s, want %q", bad.item, msg, bad.want)
		}
	}
	if w := writes(env, n); len(w) != 0 {
		t.Errorf("refused adds wrote: %v", w)
	}
	var added itemsOut
	env.CallOK("add_watchlist_items", map[string]any{"workspace": contoso, "watchlist": "VIPs", "items": []any{
		map[string]any{"UserPrincipalName": "isaiah.langer@contoso.com", "Department": "Legal", "Risk": "High"},
		map[string]any{"UserPrincipalName": "alex.wilber@contoso.com", "Risk": 3},
	}}).Decode(&added)
	if len(added.Changed) != 2 || len(added.Failed) != 0 {
		t.Fatalf("added %+v", added)
	}

	// update by key: only the given column changes.
	var upd itemsOut
	env.CallOK("update_watchlist_item", map[string]any{"workspace": contoso, "watchlist": "VIPs", "key": "alex.wilber@contoso.com",
		"values": map[string]any{"Department": "HR"}}).Decode(&upd)
	res = env.CallOK("list_watchlist_items", map[string]any{"workspace": contoso, "watchlist": "VIPs", "format": "csv"})
	if !strings.Contains(res.Text, "alex.wilber@contoso.com,HR,3") || !strings.Contains(res.Text, `"Sales, EMEA"`) {
		t.Errorf("items after update:\n%s", res.Text)
	}

	// delete two items by key, then the watchlist; both confirmed with a plan.
	var del itemsOut
	confirmed(t, env, "delete_watchlist_items", map[string]any{"workspace": contoso, "watchlist": "VIPs",
		"keys": []string{"adele.vance@contoso.com", "isaiah.langer@contoso.com"}}, "Deletes 2 of the 5 item(s)").Decode(&del)
	if len(del.Changed) != 2 {
		t.Errorf("deleted %+v", del)
	}
	confirmed(t, env, "delete_watchlist", map[string]any{"workspace": contoso, "watchlist": "VIPs"}, "with its 3 item(s)")
	if msg := env.CallError("get_watchlist", map[string]any{"workspace": contoso, "watchlist": "VIPs"}); !strings.Contains(msg, "not found") {
		t.Errorf("get after delete: %s", msg)
	}

	// The audit log has every change: 1 create, 2 adds, 1 update, 2 item deletes, 1 watchlist delete.
	changes := 0
	for _, r := range env.AuditRecords() {
		changes += len(r.Changes)
	}
	if changes != 7 {
		t.Errorf("audit changes: %d, want 7", changes)
	}
}

func TestCreateWatchlistRefusesBadCSV(t *testing.T) {
	env := start(t, toolsettest.Options{Writes: true})
	n := env.RequestCount()
	for _, c := range []struct {
		name, csv, key, want string
	}{
		{"empty", "  \n", "Ip", "the CSV is empty"},
		{"no rows", "Ip,Name\n", "Ip", "no rows"},
		{"missing key column", "Ip,Name\n10.0.0.1,gw\n", "Address", `search key "Address" is not a column`},
		{"key case", "Ip,Name\n10.0.0.1,gw\n", "ip", `did you mean "Ip"`},
		{"ragged row", "Ip,Name\n10.0.0.1,gw\n10.0.0.2\n", "Ip", "line 3 has 1 fields; the header has 2"},
		{"empty key", "Ip,Name\n,gw\n", "Ip", "line 2 has no value in the search key column"},
		{"duplicate column", "Ip,Name,ip\n1,2,3\n", "Ip", `"ip" appears twice`},
		{"bad quoting", "Ip,Name\n\"10.0.0.1,gw\n", "Ip", "line 2"},
		{"too large", "Ip\n" + strings.Repeat("10.0.0.1\n", 430_000), "Ip", "at most"},
	} {
		msg := env.CallError("create_watchlist", map[string]any{"workspace": contoso, "alias": "Bad", "search_key": c.key, "csv": c.csv})
		if !strings.Contains(msg, c.want) || len(msg) > 2000 {
			t.Errorf("%s: %.2000s\nwant %q", c.name, msg, c.want)
		}
	}
	if msg := env.CallError("create_watchlist", map[string]any{"workspace": contoso, "alias": "bad alias", "search_key": "Ip", "csv": "Ip\n1\n"}); !strings.Contains(msg, "not a watchlist alias") {
		t.Errorf("alias: %s", msg)
	}
	if w := writes(env, n); len(w) != 0 {
		t.Errorf("bad CSVs wrote: %v", w)
	}
	// Duplicate search key values are accepted with a warning.
	var out struct{ Warnings []string }
	env.CallOK("create_watchlist", map[string]any{"workspace": contoso, "alias": "Dups", "search_key": "Ip", "csv": "Ip,Name\n1,a\n1,b\n"}).Decode(&out)
	if len(out.Warnings) != 1 || !strings.Contains(out.Warnings[0], "line 3 repeats") {
		t.Errorf("warnings %v", out.Warnings)
	}
}

func TestUpdateItemConflict(t *testing.T) {
	env := start(t, toolsettest.Options{Writes: true})
	env.CallOK("create_watchlist", map[string]any{"workspace": contoso, "alias": "Assets", "search_key": "Host", "csv": "Host,Owner\nsrv1,alice\nsrv2,bob\n"})
	var first itemsOut
	env.CallOK("update_watchlist_item", map[string]any{"workspace": contoso, "watchlist": "Assets", "key": "srv1", "values": map[string]any{"Owner": "carol"}}).Decode(&first)
	stale := first.Changed[0].Etag
	// Someone changes the item after we read its etag...
	env.CallOK("update_watchlist_item", map[string]any{"workspace": contoso, "watchlist": "Assets", "key": "srv1", "values": map[string]any{"Owner": "dave"}})
	// ... so our update with the etag we read is refused and changes nothing.
	msg := env.CallError("update_watchlist_item", map[string]any{"workspace": contoso, "watchlist": "Assets", "item": first.Changed[0].ItemID,
		"values": map[string]any{"Owner": "erin"}, "etag": stale})
	if !strings.Contains(msg, "changed by someone else") || !strings.Contains(msg, "nothing was changed") {
		t.Errorf("conflict: %s", msg)
	}
	res := env.CallOK("list_watchlist_items", map[string]any{"workspace": contoso, "watchlist": "Assets", "format": "csv"})
	if !strings.Contains(res.Text, "srv1,dave") {
		t.Errorf("after conflict:\n%s", res.Text)
	}
}

func TestListItemsPages(t *testing.T) {
	env := start(t, toolsettest.Options{Writes: true, Emulator: emulator.Options{PageSize: 2}})
	before := countWatchlists(env, contoso)
	var rows []string
	for i := range 5 {
		rows = append(rows, fmt.Sprintf("host%d,owner%d", i, i))
	}
	env.CallOK("create_watchlist", map[string]any{"workspace": contoso, "alias": "Hosts", "search_key": "Host", "csv": "Host,Owner\n" + strings.Join(rows, "\n")})
	seen := map[string]bool{}
	cursor := ""
	for page := 0; ; page++ {
		// Pages of 3 over Azure pages of 2: an answer ends inside an Azure page and the next resumes there.
		args := map[string]any{"workspace": contoso, "watchlist": "Hosts", "limit": 3, "format": "json"}
		if cursor != "" {
			args["cursor"] = cursor
		}
		var out struct {
			Items      int
			NextCursor string `json:"next_cursor"`
		}
		res := env.CallOK("list_watchlist_items", args)
		res.Decode(&out)
		var body struct{ Rows [][]any }
		if err := json.Unmarshal([]byte(res.Content[1].(*mcp.TextContent).Text), &body); err != nil {
			t.Fatalf("page %d: %v\n%s", page, err, res.Text)
		}
		// The heading says what and where; the text carries the cursor (not every client shows the
		// model the structured output).
		if !strings.Contains(res.Text, fmt.Sprintf(" of watchlist Hosts in %s (tenant ", contoso)) ||
			(out.NextCursor != "" && !strings.Contains(res.Text, fmt.Sprintf("cursor %q", out.NextCursor))) {
			t.Errorf("page %d:\n%s", page, res.Text)
		}
		if len(body.Rows) > 3 || (out.NextCursor != "" && len(body.Rows) != 3) {
			t.Errorf("page %d has %d items for limit 3", page, len(body.Rows))
		}
		for _, r := range body.Rows {
			if seen[fmt.Sprint(r[1])] {
				t.Errorf("page %d repeats %v", page, r[1])
			}
			seen[fmt.Sprint(r[1])] = true
		}
		if out.NextCursor == "" {
			break
		}
		if page > 5 {
			t.Fatal("paging does not end")
		}
		cursor = out.NextCursor
	}
	if len(seen) != 5 {
		t.Errorf("paged through %d items, want 5: %v", len(seen), seen)
	}
	// Watchlist lists follow every page.
	for _, a := range []string{"A1", "A2"} {
		env.CallOK("create_watchlist", map[string]any{"workspace": contoso, "alias": a, "search_key": "K", "csv": "K\nv\n"})
	}
	if n := countWatchlists(env, contoso); n != before+3 {
		t.Errorf("listed %d watchlists over pages of 2, want %d", n, before+3)
	}
	// A cursor of another collection, or not a cursor at all, is refused.
	foreign, _ := json.Marshal(map[string]any{"l": "https://management.azure.com/subscriptions/x/providers/Microsoft.Insights/workbooks?$skipToken=abc"})
	for _, c := range []string{base64.RawURLEncoding.EncodeToString(foreign), "https://management.azure.com/subscriptions/x", "%%%"} {
		msg := env.CallError("list_watchlist_items", map[string]any{"workspace": contoso, "watchlist": "Hosts", "cursor": c})
		if !strings.Contains(msg, `argument "cursor"`) {
			t.Errorf("bad cursor %q: %s", c, msg)
		}
	}
}

func TestReadOnlyHidesWrites(t *testing.T) {
	env := start(t, toolsettest.Options{})
	want := []string{"get_watchlist", "list_watchlist_items", "list_watchlists"}
	if got := env.ToolNames(); !slices.Equal(got, want) {
		t.Errorf("read-only tools %v, want %v", got, want)
	}
	env = start(t, toolsettest.Options{Writes: true})
	if got := env.ToolNames(); len(got) != 8 {
		t.Errorf("tools with writes: %v", got)
	}
}
