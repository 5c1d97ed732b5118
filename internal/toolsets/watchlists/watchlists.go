// Package watchlists is the toolset for Sentinel watchlists: reference lists (VIP users, high-value
// assets, trusted ranges...) that analytics rules and hunts join with _GetWatchlist('alias'). It
// lists them across workspaces, shows one with its columns and a sample, creates one from CSV text,
// deletes one, and reads, adds, updates and deletes items.
package watchlists

import (
	"context"
	"fmt"
	"regexp"
	"sort"
	"strings"

	"github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/sentinel-mcp/sentinel-mcp/internal/audit"
	"github.com/sentinel-mcp/sentinel-mcp/internal/azure"
	"github.com/sentinel-mcp/sentinel-mcp/internal/inventory"
	"github.com/sentinel-mcp/sentinel-mcp/internal/render"
	"github.com/sentinel-mcp/sentinel-mcp/internal/sentinel"
	"github.com/sentinel-mcp/sentinel-mcp/internal/tenancy"
	"github.com/sentinel-mcp/sentinel-mcp/internal/tenancy/fanout"
	"github.com/sentinel-mcp/sentinel-mcp/internal/toolsets/toolkit"
)

// Name is the toolset's name.
const Name = "watchlists"

// Tools returns the toolset's tools. It only builds values: d's clients may be nil.
func Tools(d *toolkit.Deps) []inventory.Tool {
	return []inventory.Tool{listWatchlists(d), getWatchlist(d), createWatchlist(d), deleteWatchlist(d),
		listItems(d), addItems(d), updateItem(d), deleteItems(d)}
}

// maxItemsRead caps the items read to count, sample or check a watchlist.
const maxItemsRead = 10_000

type listIn struct {
	toolkit.TargetsArg
	Limit  int    `json:"limit,omitempty" jsonschema:"Maximum rows to show."`
	Cursor string `json:"cursor,omitempty" jsonschema:"next_cursor of the previous page (same other arguments)."`
	Format string `json:"format,omitempty" jsonschema:"table (default), csv or json."`
}

type listOut struct {
	Count      int           `json:"count"`
	Failures   []Failure     `json:"failures,omitempty"`
	Result     render.Result `json:"result"`
	NextCursor string        `json:"next_cursor,omitempty"`
}

func listWatchlists(d *toolkit.Deps) inventory.Tool {
	return inventory.New(Name, mcp.Tool{
		Name:        "list_watchlists",
		Description: "List watchlists (alias, name, search key, source, last update) of one or more workspaces.",
		Annotations: inventory.Annotations("List watchlists", inventory.ReadOnly|inventory.Idempotent|inventory.OpenWorld),
	}, func(ctx context.Context, req *mcp.CallToolRequest, in listIn) (*mcp.CallToolResult, listOut, error) {
		if d == nil || d.Registry == nil || d.Azure == nil {
			return nil, listOut{}, errNoAzure
		}
		filters := in
		filters.Cursor, filters.Limit, filters.Format = "", 0, ""
		pager, err := toolkit.NewPager("list_watchlists", filters, in.Cursor)
		if err != nil {
			return nil, listOut{}, err
		}
		wss, err := d.Registry.Select(ctx, in.Selector())
		if err != nil {
			return nil, listOut{}, err
		}
		fo := d.Registry.FanOut()
		prog := toolkit.NewProgress(req)
		outs := fanout.Run(ctx, wss, fanout.Options{Concurrency: fo.Concurrency, PerTargetTimeout: fo.PerWorkspaceTimeout,
			Progress: func(done, total int, last string) { prog.Step(ctx, done, total, "listed "+last) }},
			func(ctx context.Context, ws *tenancy.Workspace) ([]sentinel.Watchlist, error) {
				c, err := sentinel.New(d.Azure, ws)
				if err != nil {
					return nil, err
				}
				wls, _, err := c.AllWatchlists(ctx, 0)
				return wls, err
			})
		if err := toolkit.AllFailed("listing watchlists", outs); err != nil {
			return nil, listOut{}, err
		}
		tbl := &render.Table{Columns: []render.Column{{Name: "workspace"}, {Name: "alias"}, {Name: "display_name"},
			{Name: "search_key"}, {Name: "source"}, {Name: "labels"}, {Name: "updated", Type: "datetime"}}}
		out := listOut{}
		for _, o := range outs {
			if o.Err != nil {
				out.Failures = append(out.Failures, Failure{Workspace: o.Target.Alias, Error: o.Err.Error()})
				continue
			}
			for _, w := range o.Value {
				p := w.Properties
				tbl.Rows = append(tbl.Rows, []any{o.Target.Alias, w.Name, p.DisplayName, p.ItemsSearchKey, p.Source,
					strings.Join(p.Labels, ", "), nilTime(p.Updated)})
			}
		}
		out.Count = len(tbl.Rows)
		res, rep, next, err := pager.Page(d, tbl, render.Format(in.Format), in.Limit)
		if err != nil {
			return nil, listOut{}, err
		}
		out.Result, out.NextCursor = rep, next
		toolkit.WithHeading(res, toolkit.Count(out.Count, "watchlist", "watchlists")+" in "+toolkit.Scope(wss)+".")
		for _, f := range out.Failures {
			appendText(res, fmt.Sprintf("%s failed: %s", f.Workspace, f.Error))
		}
		if out.Count == 0 && len(out.Failures) == 0 {
			res = toolkit.Text("No watchlists. create_watchlist creates one from CSV text.")
		}
		return res, out, nil
	}, inventory.Enum("format", "table", "csv", "json"), inventory.Range("limit", 1, 1000))
}

type getIn struct {
	toolkit.WorkspaceArg
	Watchlist string `json:"watchlist" jsonschema:"Watchlist alias (as in _GetWatchlist('alias'))."`
	Sample    int    `json:"sample,omitempty" jsonschema:"Items to show (default 10, 0 for none)."`
}

// WatchlistInfo describes a watchlist.
type WatchlistInfo struct {
	Target
	Alias       string   `json:"alias"`
	DisplayName string   `json:"display_name"`
	Description string   `json:"description,omitempty"`
	SearchKey   string   `json:"search_key"`
	Provider    string   `json:"provider,omitempty"`
	Source      string   `json:"source,omitempty"`
	Labels      []string `json:"labels,omitempty"`
	Columns     []string `json:"columns"`
	Items       int      `json:"items"`
	ItemsCapped bool     `json:"items_capped,omitempty" jsonschema:"true when the watchlist has more items than were counted"`
	Updated     string   `json:"updated,omitempty"`
	UpdatedBy   string   `json:"updated_by,omitempty"`
	Etag        string   `json:"etag,omitempty"`
}

type getOut struct {
	WatchlistInfo
	Sample *render.Result `json:"sample,omitempty"`
}

func getWatchlist(d *toolkit.Deps) inventory.Tool {
	return inventory.New(Name, mcp.Tool{
		Name:        "get_watchlist",
		Description: "Show a watchlist: search key, columns, item count and a sample of items.",
		Annotations: inventory.Annotations("Get a watchlist", inventory.ReadOnly|inventory.Idempotent|inventory.OpenWorld),
	}, func(ctx context.Context, _ *mcp.CallToolRequest, in getIn) (*mcp.CallToolResult, getOut, error) {
		c, err := clientFor(ctx, d, in.Workspace)
		if err != nil {
			return nil, getOut{}, err
		}
		w, items, capped, err := readWatchlist(ctx, c, in.Watchlist)
		if err != nil {
			return nil, getOut{}, err
		}
		out := getOut{WatchlistInfo: info(c.Workspace(), w, items, capped)}
		var b strings.Builder
		fmt.Fprintf(&b, "Watchlist %s (%q) in %s: search key %s, %d item(s)", w.Name, w.Properties.DisplayName, c.Workspace().Alias,
			w.Properties.ItemsSearchKey, out.Items)
		if capped {
			b.WriteString(" or more")
		}
		fmt.Fprintf(&b, ", columns: %s. Use in KQL as _GetWatchlist('%s').", strings.Join(out.Columns, ", "), w.Name)
		res := toolkit.Text(b.String())
		if n := in.Sample; n > 0 && len(items) > 0 {
			tbl := itemsTable(out.Columns, items, false)
			rr, rep := d.Table(tbl, render.FormatTable, n)
			res.Content = append(res.Content, rr.Content...)
			out.Sample = &rep
		}
		return res, out, nil
	}, inventory.Default("sample", 10), inventory.Range("sample", 0, 200))
}

// readWatchlist reads a watchlist and its items (up to maxItemsRead).
func readWatchlist(ctx context.Context, c *sentinel.Client, alias string) (*sentinel.Watchlist, []sentinel.WatchlistItem, bool, error) {
	w, err := c.Watchlist(ctx, alias)
	if err != nil {
		return nil, nil, false, watchlistErr(alias, c.Workspace(), err)
	}
	items, capped, err := c.AllWatchlistItems(ctx, alias, maxItemsRead)
	if err != nil {
		return nil, nil, false, toolkit.Unavailable("reading the items of watchlist "+alias, err, "")
	}
	return w, items, capped, nil
}

func info(ws *tenancy.Workspace, w *sentinel.Watchlist, items []sentinel.WatchlistItem, capped bool) WatchlistInfo {
	p := w.Properties
	wi := WatchlistInfo{Target: targetOf(ws), Alias: w.Name, DisplayName: p.DisplayName, Description: p.Description,
		SearchKey: p.ItemsSearchKey, Provider: p.Provider, Source: p.Source, Labels: p.Labels,
		Columns: columnsOf(p.ItemsSearchKey, items), Items: len(items), ItemsCapped: capped, UpdatedBy: p.UpdatedBy.String(), Etag: w.Etag}
	if !p.Updated.IsZero() {
		wi.Updated = render.FormatTime(p.Updated)
	}
	return wi
}

// columnsOf returns the columns of a watchlist, search key first, from its items (Sentinel does not
// keep the header of the upload).
func columnsOf(searchKey string, items []sentinel.WatchlistItem) []string {
	set := map[string]bool{}
	for _, it := range items {
		for k := range it.Properties.ItemsKeyValue {
			set[k] = true
		}
	}
	delete(set, searchKey)
	cols := make([]string, 0, len(set)+1)
	for k := range set {
		cols = append(cols, k)
	}
	sort.Strings(cols)
	return append([]string{searchKey}, cols...)
}

func itemsTable(cols []string, items []sentinel.WatchlistItem, withMeta bool) *render.Table {
	tbl := &render.Table{}
	if withMeta {
		tbl.Columns = append(tbl.Columns, render.Column{Name: "item_id"})
	}
	for _, c := range cols {
		tbl.Columns = append(tbl.Columns, render.Column{Name: c})
	}
	if withMeta {
		tbl.Columns = append(tbl.Columns, render.Column{Name: "updated", Type: "datetime"})
	}
	for _, it := range items {
		row := make([]any, 0, len(tbl.Columns))
		if withMeta {
			row = append(row, it.Name)
		}
		for _, c := range cols {
			row = append(row, it.Properties.ItemsKeyValue[c])
		}
		if withMeta {
			row = append(row, nilTime(it.Properties.Updated))
		}
		tbl.Rows = append(tbl.Rows, row)
	}
	return tbl
}

type createIn struct {
	toolkit.WorkspaceArg
	Alias       string   `json:"alias" jsonschema:"Alias: letters, digits, _ or -; what _GetWatchlist('alias') takes."`
	DisplayName string   `json:"display_name,omitempty" jsonschema:"Display name (default: the alias)."`
	Description string   `json:"description,omitempty"`
	SearchKey   string   `json:"search_key" jsonschema:"The column that identifies an item (joined on in queries)."`
	CSV         string   `json:"csv" jsonschema:"CSV text: a header line with the column names, then one line per item."`
	Labels      []string `json:"labels,omitempty"`
	Provider    string   `json:"provider,omitempty" jsonschema:"Who provides the list (default Microsoft)."`
}

type createOut struct {
	WatchlistInfo
	UploadStatus string   `json:"upload_status,omitempty"`
	Warnings     []string `json:"warnings,omitempty"`
}

var aliasRE = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9_-]{0,99}$`)

func createWatchlist(d *toolkit.Deps) inventory.Tool {
	return inventory.New(Name, mcp.Tool{
		Name:        "create_watchlist",
		Description: "Create a watchlist from CSV text (header line, then one line per item) with a search key column. Refuses an existing alias.",
		Annotations: inventory.Annotations("Create a watchlist", inventory.OpenWorld),
	}, func(ctx context.Context, req *mcp.CallToolRequest, in createIn) (*mcp.CallToolResult, createOut, error) {
		if !aliasRE.MatchString(in.Alias) {
			return nil, createOut{}, toolkit.ArgError("alias", "%q is not a watchlist alias: use 1-100 letters, digits, _ or -, starting with a letter or digit", in.Alias)
		}
		if strings.TrimSpace(in.SearchKey) == "" {
			return nil, createOut{}, toolkit.ArgError("search_key", "name the column that identifies an item (one of the CSV header's columns)")
		}
		content, err := parseCSV(in.CSV, in.SearchKey)
		if err != nil {
			return nil, createOut{}, toolkit.ArgError("csv", "%v", err)
		}
		c, err := clientFor(ctx, d, in.Workspace)
		if err != nil {
			return nil, createOut{}, err
		}
		w := &sentinel.Watchlist{Envelope: sentinel.Envelope{Name: in.Alias}, Properties: sentinel.WatchlistProperties{
			DisplayName: firstNonEmpty(in.DisplayName, in.Alias), Description: in.Description, Provider: firstNonEmpty(in.Provider, "Microsoft"),
			Source: "sentinel-mcp.csv", SourceType: "Local", ItemsSearchKey: in.SearchKey, Labels: in.Labels,
			ContentType: sentinel.WatchlistContentTypeCSV, RawContent: encodeCSV(content.Header, content.Rows)}}
		prog := toolkit.NewProgress(req)
		created, err := c.CreateWatchlist(sentinel.WithProgress(ctx, prog.Azure(ctx, "creating watchlist "+in.Alias)), w)
		if err != nil {
			if azure.IsConflict(err) {
				return nil, createOut{}, fmt.Errorf("watchlist %q already exists in %s, so nothing was created: pick another alias, or add_watchlist_items / delete_watchlist", in.Alias, c.Workspace().Alias)
			}
			return nil, createOut{}, toolkit.Unavailable("creating watchlist "+in.Alias+" in "+c.Workspace().Alias, err, "")
		}
		audit.RecordChange(ctx, nil, created)
		out := createOut{WatchlistInfo: info(c.Workspace(), created, nil, false), UploadStatus: created.Properties.UploadStatus, Warnings: content.Warnings}
		out.Columns, out.Items = content.Header, len(content.Rows)
		res := toolkit.Text(fmt.Sprintf("Created watchlist %s (%q) in %s with %d item(s), search key %s. Use it in KQL as _GetWatchlist('%s').",
			created.Name, created.Properties.DisplayName, c.Workspace().Alias, len(content.Rows), in.SearchKey, created.Name))
		appendText(res, content.Warnings...)
		return res, out, nil
	}, inventory.MaxLength("description", 1000))
}

type deleteIn struct {
	toolkit.WorkspaceArg
	Watchlist string `json:"watchlist" jsonschema:"Watchlist alias."`
}

type deleteOut struct {
	Target
	Deleted string `json:"deleted"`
	Items   int    `json:"items"`
}

func deleteWatchlist(d *toolkit.Deps) inventory.Tool {
	return inventory.New(Name, mcp.Tool{
		Name:        "delete_watchlist",
		Description: "Delete a watchlist and all its items. Rules and hunts using _GetWatchlist on it stop matching.",
		Annotations: inventory.Annotations("Delete a watchlist", inventory.Destructive|inventory.Idempotent|inventory.OpenWorld),
	}, func(ctx context.Context, req *mcp.CallToolRequest, in deleteIn) (*mcp.CallToolResult, deleteOut, error) {
		c, err := clientFor(ctx, d, in.Workspace)
		if err != nil {
			return nil, deleteOut{}, err
		}
		w, items, _, err := readWatchlist(ctx, c, in.Watchlist)
		if err != nil {
			return nil, deleteOut{}, err
		}
		prog := toolkit.NewProgress(req)
		if err := c.DeleteWatchlist(sentinel.WithProgress(ctx, prog.Azure(ctx, "deleting watchlist "+w.Name)), w.Name, w.Etag); err != nil {
			return nil, deleteOut{}, toolkit.Unavailable("deleting watchlist "+w.Name, sentinel.ConflictError("watchlist "+w.Name, err, "Call get_watchlist"), "")
		}
		audit.RecordChange(ctx, map[string]any{"watchlist": w, "items": items}, nil)
		out := deleteOut{Target: targetOf(c.Workspace()), Deleted: w.Name, Items: len(items)}
		return toolkit.Text(fmt.Sprintf("Deleted watchlist %s (%q) and its %d item(s) from %s.", w.Name, w.Properties.DisplayName, len(items), c.Workspace().Alias)), out, nil
	}, inventory.Plan(func(ctx context.Context, in deleteIn) (string, error) {
		c, err := clientFor(ctx, d, in.Workspace)
		if err != nil {
			return "", err
		}
		w, items, capped, err := readWatchlist(ctx, c, in.Watchlist)
		if err != nil {
			return "", err
		}
		n := fmt.Sprint(len(items))
		if capped {
			n += " or more"
		}
		return fmt.Sprintf("Deletes watchlist %s (%q, search key %s) with its %s item(s) from %s. Analytics rules, hunts and workbooks using _GetWatchlist('%s') will find no rows. The items are not recoverable except from the audit log.",
			w.Name, w.Properties.DisplayName, w.Properties.ItemsSearchKey, n, c.Workspace().Alias, w.Name), nil
	}))
}

func firstNonEmpty(vs ...string) string {
	for _, v := range vs {
		if strings.TrimSpace(v) != "" {
			return v
		}
	}
	return ""
}
