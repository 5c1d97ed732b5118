package watchlists

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/sentinel-mcp/sentinel-mcp/internal/audit"
	"github.com/sentinel-mcp/sentinel-mcp/internal/azure"
	"github.com/sentinel-mcp/sentinel-mcp/internal/inventory"
	"github.com/sentinel-mcp/sentinel-mcp/internal/render"
	"github.com/sentinel-mcp/sentinel-mcp/internal/sentinel"
	"github.com/sentinel-mcp/sentinel-mcp/internal/toolsets/toolkit"
)

// maxItemsPerCall bounds the items one call adds or deletes (each is one request).
const maxItemsPerCall = 200

type listItemsIn struct {
	toolkit.WorkspaceArg
	Watchlist string `json:"watchlist" jsonschema:"Watchlist alias."`
	Cursor    string `json:"cursor,omitempty" jsonschema:"The next_cursor of a previous call, to read the following items."`
	Limit     int    `json:"limit,omitempty" jsonschema:"Items per answer (default 100)."`
	Format    string `json:"format,omitempty" jsonschema:"table (default), csv or json."`
}

type listItemsOut struct {
	Target
	Watchlist  string        `json:"watchlist"`
	Items      int           `json:"items"`
	NextCursor string        `json:"next_cursor,omitempty" jsonschema:"pass as cursor to read the next items; absent at the end"`
	Result     render.Result `json:"result"`
}

func listItems(d *toolkit.Deps) inventory.Tool {
	return inventory.New(Name, mcp.Tool{
		Name:        "list_watchlist_items",
		Description: "List the items of a watchlist (item id, values, last update), page by page.",
		Annotations: inventory.Annotations("List watchlist items", inventory.ReadOnly|inventory.Idempotent|inventory.OpenWorld),
	}, func(ctx context.Context, _ *mcp.CallToolRequest, in listItemsIn) (*mcp.CallToolResult, listItemsOut, error) {
		c, err := clientFor(ctx, d, in.Workspace)
		if err != nil {
			return nil, listItemsOut{}, err
		}
		w, err := c.Watchlist(ctx, in.Watchlist)
		if err != nil {
			return nil, listItemsOut{}, watchlistErr(in.Watchlist, c.Workspace(), err)
		}
		limit := in.Limit
		if limit <= 0 {
			limit = 100
		}
		at, err := parseItemsCursor(in.Cursor)
		if err != nil {
			return nil, listItemsOut{}, err
		}
		// Azure's pages do not end where the limit does: the cursor is the page the answer stopped
		// in and how many of its items were shown, so no item is skipped or shown twice.
		var items []sentinel.WatchlistItem
		next := ""
		for {
			page, p, err := c.WatchlistItems(ctx, w.Name, sentinel.Query{NextLink: at.Link})
			if err != nil {
				if in.Cursor != "" && at.Link != "" && len(items) == 0 {
					return nil, listItemsOut{}, toolkit.ArgError("cursor", "%v: pass the next_cursor of a previous list_watchlist_items call for this watchlist", err)
				}
				return nil, listItemsOut{}, toolkit.Unavailable("reading the items of watchlist "+w.Name, err, "")
			}
			rest := page[min(at.Skip, len(page)):]
			if need := limit - len(items); len(rest) > need {
				items = append(items, rest[:need]...)
				next = itemsCursor{Link: at.Link, Skip: at.Skip + need}.encode()
				break
			}
			items = append(items, rest...)
			if p.NextLink == "" {
				break
			}
			at = itemsCursor{Link: p.NextLink}
			if len(items) == limit {
				next = at.encode()
				break
			}
		}
		tbl := itemsTable(columnsOf(w.Properties.ItemsSearchKey, items), items, true)
		res, rep := d.Table(tbl, render.Format(in.Format), 0)
		toolkit.WithHeading(res, toolkit.Count(len(items), "item", "items")+" of watchlist "+w.Name+" in "+toolkit.WorkspaceName(c.Workspace())+".")
		out := listItemsOut{Target: targetOf(c.Workspace()), Watchlist: w.Name, Items: len(items), Result: rep}
		switch {
		case rep.Truncated && next != "":
			appendText(res, "The answer was cut: call again with a smaller limit to page through every item.")
		case next != "":
			out.NextCursor = next
			// The cursor goes in the text too: not every client shows the model the structured output.
			appendText(res, fmt.Sprintf("More items follow: call list_watchlist_items again with the same watchlist and cursor %q.", next))
		}
		if len(items) == 0 {
			res = toolkit.Text("Watchlist " + w.Name + " has no items. add_watchlist_items adds some.")
		}
		return res, out, nil
	}, inventory.Enum("format", "table", "csv", "json"), inventory.Range("limit", 1, 1000), inventory.MaxLength("cursor", 4000))
}

// itemsCursor is where list_watchlist_items resumes: a page (its link; "" the first) and the items of
// it already shown.
type itemsCursor struct {
	Link string `json:"l,omitempty"`
	Skip int    `json:"s,omitempty"`
}

func (c itemsCursor) encode() string {
	b, _ := json.Marshal(c)
	return base64.RawURLEncoding.EncodeToString(b)
}

func parseItemsCursor(s string) (itemsCursor, error) {
	var c itemsCursor
	s = strings.TrimSpace(s)
	if s == "" {
		return c, nil
	}
	b, err := base64.RawURLEncoding.DecodeString(s)
	if err != nil || json.Unmarshal(b, &c) != nil || c.Skip < 0 {
		return c, toolkit.ArgError("cursor", "is not a cursor of list_watchlist_items: pass its next_cursor unchanged, or leave cursor out to start from the first item")
	}
	return c, nil
}

// stringValues converts the values of an item to the strings Sentinel stores.
func stringValues(arg string, m map[string]any) (map[string]string, error) {
	out := make(map[string]string, len(m))
	for k, v := range m {
		switch x := v.(type) {
		case string:
			out[k] = x
		case nil:
			out[k] = ""
		case bool:
			out[k] = strconv.FormatBool(x)
		case float64:
			out[k] = strconv.FormatFloat(x, 'f', -1, 64)
		case json.Number:
			out[k] = x.String()
		default:
			return nil, toolkit.ArgError(arg, "the value of %q is not text, a number or a boolean", k)
		}
	}
	return out, nil
}

// itemIndex is the items of a watchlist by search key value.
type itemIndex struct {
	w       *sentinel.Watchlist
	items   []sentinel.WatchlistItem
	byKey   map[string]int
	columns []string
}

func loadIndex(ctx context.Context, c *sentinel.Client, alias string) (*itemIndex, error) {
	w, items, capped, err := readWatchlist(ctx, c, alias)
	if err != nil {
		return nil, err
	}
	if capped {
		return nil, fmt.Errorf("watchlist %s has more than %d items: this server changes items of smaller watchlists only", alias, maxItemsRead)
	}
	ix := &itemIndex{w: w, items: items, byKey: map[string]int{}, columns: columnsOf(w.Properties.ItemsSearchKey, items)}
	for i, it := range items {
		ix.byKey[fmt.Sprint(it.Properties.ItemsKeyValue[w.Properties.ItemsSearchKey])] = i
	}
	return ix, nil
}

func (ix *itemIndex) key() string { return ix.w.Properties.ItemsSearchKey }

// checkColumns refuses columns the watchlist does not have (when it has items to know them by).
func (ix *itemIndex) checkColumns(arg string, values map[string]string) error {
	if len(ix.items) == 0 {
		return nil
	}
	known := map[string]bool{}
	for _, c := range ix.columns {
		known[c] = true
	}
	var unknown []string
	for k := range values {
		if !known[k] {
			unknown = append(unknown, k)
		}
	}
	if len(unknown) > 0 {
		sort.Strings(unknown)
		return toolkit.ArgError(arg, "watchlist %s has no column %s (columns: %s)", ix.w.Name, strings.Join(unknown, ", "), strings.Join(ix.columns, ", "))
	}
	return nil
}

type addItemsIn struct {
	toolkit.WorkspaceArg
	Watchlist string           `json:"watchlist" jsonschema:"Watchlist alias."`
	Items     []map[string]any `json:"items" jsonschema:"Items to add: objects of column name to value; each needs the search key column."`
}

type changedItem struct {
	ItemID string            `json:"item_id"`
	Key    string            `json:"key"`
	Values map[string]string `json:"values,omitempty"`
	Etag   string            `json:"etag,omitempty"`
}

type itemsOut struct {
	Target
	Watchlist string        `json:"watchlist"`
	Changed   []changedItem `json:"changed"`
	Failed    []string      `json:"failed,omitempty" jsonschema:"items not changed, with the reason"`
}

func addItems(d *toolkit.Deps) inventory.Tool {
	return inventory.New(Name, mcp.Tool{
		Name:        "add_watchlist_items",
		Description: "Add items to a watchlist; refuses a search key value already present (use update_watchlist_item).",
		Annotations: inventory.Annotations("Add watchlist items", inventory.OpenWorld),
	}, func(ctx context.Context, req *mcp.CallToolRequest, in addItemsIn) (*mcp.CallToolResult, itemsOut, error) {
		if len(in.Items) == 0 || len(in.Items) > maxItemsPerCall {
			return nil, itemsOut{}, toolkit.ArgError("items", "give 1 to %d items (got %d)", maxItemsPerCall, len(in.Items))
		}
		c, err := clientFor(ctx, d, in.Workspace)
		if err != nil {
			return nil, itemsOut{}, err
		}
		ix, err := loadIndex(ctx, c, in.Watchlist)
		if err != nil {
			return nil, itemsOut{}, err
		}
		// Check every item before writing any.
		rows := make([]map[string]string, len(in.Items))
		seen := map[string]int{}
		for i, it := range in.Items {
			arg := fmt.Sprintf("items[%d]", i)
			vals, err := stringValues(arg, it)
			if err != nil {
				return nil, itemsOut{}, err
			}
			if err := ix.checkColumns(arg, vals); err != nil {
				return nil, itemsOut{}, err
			}
			k := strings.TrimSpace(vals[ix.key()])
			switch {
			case k == "":
				return nil, itemsOut{}, toolkit.ArgError(arg, "has no value for the search key column %q", ix.key())
			case seen[k] > 0:
				return nil, itemsOut{}, toolkit.ArgError(arg, "repeats the search key value %q of items[%d]", k, seen[k]-1)
			}
			if _, dup := ix.byKey[k]; dup {
				return nil, itemsOut{}, toolkit.ArgError(arg, "watchlist %s already has an item with %s %q: use update_watchlist_item to change it", ix.w.Name, ix.key(), k)
			}
			seen[k] = i + 1
			for _, col := range ix.columns { // every item has every column, as an upload gives them
				if _, ok := vals[col]; !ok && len(ix.items) > 0 {
					vals[col] = ""
				}
			}
			rows[i] = vals
		}
		prog := toolkit.NewProgress(req)
		out := itemsOut{Target: targetOf(c.Workspace()), Watchlist: ix.w.Name, Changed: []changedItem{}}
		for i, vals := range rows {
			if err := ctx.Err(); err != nil {
				out.Failed = append(out.Failed, fmt.Sprintf("%s: not added: %v", vals[ix.key()], err))
				continue
			}
			it, err := c.PutWatchlistItem(ctx, ix.w.Name, "", anyMap(vals), "")
			if err != nil {
				out.Failed = append(out.Failed, fmt.Sprintf("%s: %v", vals[ix.key()], err))
				continue
			}
			audit.RecordChange(ctx, nil, it)
			out.Changed = append(out.Changed, changedItem{ItemID: it.Name, Key: vals[ix.key()], Etag: it.Etag})
			prog.Step(ctx, i+1, len(rows), "added "+vals[ix.key()])
		}
		msg := fmt.Sprintf("Added %d of %d item(s) to watchlist %s in %s.", len(out.Changed), len(rows), ix.w.Name, c.Workspace().Alias)
		res := toolkit.Text(msg)
		appendText(res, out.Failed...)
		if len(out.Changed) == 0 {
			res.IsError = true
		}
		return res, out, nil
	})
}

type updateItemIn struct {
	toolkit.WorkspaceArg
	Watchlist string         `json:"watchlist" jsonschema:"Watchlist alias."`
	Item      string         `json:"item,omitempty" jsonschema:"Item id (from list_watchlist_items)."`
	Key       string         `json:"key,omitempty" jsonschema:"Or the item's search key value."`
	Values    map[string]any `json:"values" jsonschema:"Columns to change and their new values; others stay."`
	Etag      string         `json:"etag,omitempty" jsonschema:"The etag read earlier: the update is refused if the item changed since."`
}

func updateItem(d *toolkit.Deps) inventory.Tool {
	return inventory.New(Name, mcp.Tool{
		Name:        "update_watchlist_item",
		Description: "Change values of one watchlist item, found by item id or search key value.",
		Annotations: inventory.Annotations("Update a watchlist item", inventory.Idempotent|inventory.OpenWorld),
	}, func(ctx context.Context, _ *mcp.CallToolRequest, in updateItemIn) (*mcp.CallToolResult, itemsOut, error) {
		if (in.Item == "") == (in.Key == "") {
			return nil, itemsOut{}, toolkit.ArgError("item", "give either item (the item id) or key (its search key value)")
		}
		if len(in.Values) == 0 {
			return nil, itemsOut{}, toolkit.ArgError("values", "give at least one column and its new value")
		}
		vals, err := stringValues("values", in.Values)
		if err != nil {
			return nil, itemsOut{}, err
		}
		c, err := clientFor(ctx, d, in.Workspace)
		if err != nil {
			return nil, itemsOut{}, err
		}
		ix, err := loadIndex(ctx, c, in.Watchlist)
		if err != nil {
			return nil, itemsOut{}, err
		}
		if err := ix.checkColumns("values", vals); err != nil {
			return nil, itemsOut{}, err
		}
		it, err := ix.find(in.Item, in.Key)
		if err != nil {
			return nil, itemsOut{}, err
		}
		merged := map[string]any{}
		for k, v := range it.Properties.ItemsKeyValue {
			merged[k] = v
		}
		for k, v := range vals {
			merged[k] = v
		}
		if nk := strings.TrimSpace(fmt.Sprint(merged[ix.key()])); nk == "" {
			return nil, itemsOut{}, toolkit.ArgError("values", "the search key column %q cannot be empty", ix.key())
		} else if j, dup := ix.byKey[nk]; dup && ix.items[j].Name != it.Name {
			return nil, itemsOut{}, toolkit.ArgError("values", "another item already has %s %q", ix.key(), nk)
		}
		etag := it.Etag
		if in.Etag != "" {
			etag = in.Etag
		}
		after, err := c.PutWatchlistItem(ctx, ix.w.Name, it.Name, merged, etag)
		if err != nil {
			if azure.IsConflict(err) {
				return nil, itemsOut{}, sentinel.ConflictError("watchlist item "+it.Name, err, "Read it again with list_watchlist_items")
			}
			return nil, itemsOut{}, toolkit.Unavailable("updating watchlist item "+it.Name, err, "")
		}
		audit.RecordChange(ctx, it, after)
		key := fmt.Sprint(after.Properties.ItemsKeyValue[ix.key()])
		out := itemsOut{Target: targetOf(c.Workspace()), Watchlist: ix.w.Name, Changed: []changedItem{{ItemID: after.Name, Key: key, Values: vals, Etag: after.Etag}}}
		return toolkit.Text(fmt.Sprintf("Updated item %s (%s %s) of watchlist %s in %s.", after.Name, ix.key(), key, ix.w.Name, c.Workspace().Alias)), out, nil
	})
}

func (ix *itemIndex) find(id, key string) (*sentinel.WatchlistItem, error) {
	if id != "" {
		for i := range ix.items {
			if strings.EqualFold(ix.items[i].Name, id) {
				return &ix.items[i], nil
			}
		}
		return nil, toolkit.NotFound("watchlist item", id, "list_watchlist_items shows the item ids of "+ix.w.Name)
	}
	if i, ok := ix.byKey[strings.TrimSpace(key)]; ok {
		return &ix.items[i], nil
	}
	return nil, toolkit.NotFound("watchlist item with "+ix.key(), key, "list_watchlist_items shows the items of "+ix.w.Name)
}

type deleteItemsIn struct {
	toolkit.WorkspaceArg
	Watchlist string   `json:"watchlist" jsonschema:"Watchlist alias."`
	Items     []string `json:"items,omitempty" jsonschema:"Item ids to delete."`
	Keys      []string `json:"keys,omitempty" jsonschema:"Or search key values of the items to delete."`
}

func (ix *itemIndex) selectItems(in deleteItemsIn) ([]*sentinel.WatchlistItem, error) {
	n := len(in.Items) + len(in.Keys)
	if n == 0 || n > maxItemsPerCall {
		return nil, toolkit.ArgError("items", "name 1 to %d items by id (items) or search key value (keys)", maxItemsPerCall)
	}
	var out []*sentinel.WatchlistItem
	seen := map[string]bool{}
	for _, id := range in.Items {
		it, err := ix.find(id, "")
		if err != nil {
			return nil, err
		}
		if !seen[it.Name] {
			seen[it.Name] = true
			out = append(out, it)
		}
	}
	for _, k := range in.Keys {
		it, err := ix.find("", k)
		if err != nil {
			return nil, err
		}
		if !seen[it.Name] {
			seen[it.Name] = true
			out = append(out, it)
		}
	}
	return out, nil
}

func deleteItems(d *toolkit.Deps) inventory.Tool {
	return inventory.New(Name, mcp.Tool{
		Name:        "delete_watchlist_items",
		Description: "Delete items of a watchlist by item id or search key value.",
		Annotations: inventory.Annotations("Delete watchlist items", inventory.Destructive|inventory.Idempotent|inventory.OpenWorld),
	}, func(ctx context.Context, req *mcp.CallToolRequest, in deleteItemsIn) (*mcp.CallToolResult, itemsOut, error) {
		c, err := clientFor(ctx, d, in.Workspace)
		if err != nil {
			return nil, itemsOut{}, err
		}
		ix, err := loadIndex(ctx, c, in.Watchlist)
		if err != nil {
			return nil, itemsOut{}, err
		}
		sel, err := ix.selectItems(in)
		if err != nil {
			return nil, itemsOut{}, err
		}
		prog := toolkit.NewProgress(req)
		out := itemsOut{Target: targetOf(c.Workspace()), Watchlist: ix.w.Name, Changed: []changedItem{}}
		for i, it := range sel {
			key := fmt.Sprint(it.Properties.ItemsKeyValue[ix.key()])
			if err := c.DeleteWatchlistItem(ctx, ix.w.Name, it.Name, it.Etag); err != nil {
				out.Failed = append(out.Failed, fmt.Sprintf("%s: %v", key, sentinel.ConflictError("item "+it.Name, err, "Read it again with list_watchlist_items")))
				continue
			}
			audit.RecordChange(ctx, it, nil)
			out.Changed = append(out.Changed, changedItem{ItemID: it.Name, Key: key})
			prog.Step(ctx, i+1, len(sel), "deleted "+key)
		}
		res := toolkit.Text(fmt.Sprintf("Deleted %d of %d item(s) of watchlist %s in %s.", len(out.Changed), len(sel), ix.w.Name, c.Workspace().Alias))
		appendText(res, out.Failed...)
		if len(out.Changed) == 0 {
			res.IsError = true
		}
		return res, out, nil
	}, inventory.Plan(func(ctx context.Context, in deleteItemsIn) (string, error) {
		c, err := clientFor(ctx, d, in.Workspace)
		if err != nil {
			return "", err
		}
		ix, err := loadIndex(ctx, c, in.Watchlist)
		if err != nil {
			return "", err
		}
		sel, err := ix.selectItems(in)
		if err != nil {
			return "", err
		}
		var b strings.Builder
		fmt.Fprintf(&b, "Deletes %d of the %d item(s) of watchlist %s in %s:", len(sel), len(ix.items), ix.w.Name, c.Workspace().Alias)
		for i, it := range sel {
			if i == 20 {
				fmt.Fprintf(&b, "\n... and %d more", len(sel)-20)
				break
			}
			vals, _ := json.Marshal(it.Properties.ItemsKeyValue)
			fmt.Fprintf(&b, "\n- %s %s", it.Name, vals)
		}
		return b.String(), nil
	}))
}

func anyMap(m map[string]string) map[string]any {
	out := make(map[string]any, len(m))
	for k, v := range m {
		out[k] = v
	}
	return out
}

func nilTime(t time.Time) any {
	if t.IsZero() {
		return nil
	}
	return t
}
