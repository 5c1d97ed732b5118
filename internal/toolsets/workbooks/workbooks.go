// Package workbooks is the toolset for a workspace's workbooks (Microsoft.Insights shared workbooks
// whose source is the workspace; Sentinel's have category "sentinel"): list, show a summary, export
// the content as JSON, import one (from exported JSON, a gallery template, an ARM template, or
// another workspace), and delete.
package workbooks

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"sort"
	"strings"

	"github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/sentinel-mcp/sentinel-mcp/internal/azure"
	"github.com/sentinel-mcp/sentinel-mcp/internal/inventory"
	"github.com/sentinel-mcp/sentinel-mcp/internal/render"
	"github.com/sentinel-mcp/sentinel-mcp/internal/sentinel"
	"github.com/sentinel-mcp/sentinel-mcp/internal/tenancy"
	"github.com/sentinel-mcp/sentinel-mcp/internal/toolsets/toolkit"
)

// Name is the toolset's name.
const Name = "workbooks"

// Tools returns the toolset's tools. It only builds values: d's clients may be nil.
func Tools(d *toolkit.Deps) []inventory.Tool {
	return []inventory.Tool{listWorkbooks(d), getWorkbook(d), exportWorkbook(d), importWorkbook(d), deleteWorkbook(d)}
}

var errNoAzure = errors.New("no Azure access is configured: configure azure.credential (see README, Configuration) or run with --emulator")

func clientFor(ctx context.Context, d *toolkit.Deps, ref string) (*sentinel.Client, error) {
	if d == nil || d.Registry == nil || d.Azure == nil {
		return nil, errNoAzure
	}
	ws, err := d.Registry.Resolve(ctx, ref)
	if err != nil {
		return nil, err
	}
	return sentinel.New(d.Azure, ws)
}

// Target names the workspace a result is about.
type Target struct {
	Tenant    string `json:"tenant"`
	Workspace string `json:"workspace"`
}

func targetOf(ws *tenancy.Workspace) Target {
	return Target{Tenant: ws.TenantName, Workspace: ws.Alias}
}

var categories = []any{sentinel.WorkbookCategorySentinel, sentinel.WorkbookCategoryWorkbook}

// maxWorkbooks caps a listing.
const maxWorkbooks = 1000

type listIn struct {
	toolkit.WorkspaceArg
	Category string `json:"category,omitempty" jsonschema:"sentinel (default: Sentinel workbooks) or workbook (Azure Monitor)."`
	Limit    int    `json:"limit,omitempty" jsonschema:"Maximum rows to show."`
	Cursor   string `json:"cursor,omitempty" jsonschema:"next_cursor of the previous page (same other arguments)."`
	Format   string `json:"format,omitempty" jsonschema:"table (default), csv or json."`
}

type listOut struct {
	Target
	Count      int           `json:"count"`
	Result     render.Result `json:"result"`
	NextCursor string        `json:"next_cursor,omitempty"`
}

func listWorkbooks(d *toolkit.Deps) inventory.Tool {
	return inventory.New(Name, mcp.Tool{
		Name:        "list_workbooks",
		Description: "List the workbooks of a workspace (id, name, resource group, last change).",
		Annotations: inventory.Annotations("List workbooks", inventory.ReadOnly|inventory.Idempotent|inventory.OpenWorld),
	}, func(ctx context.Context, _ *mcp.CallToolRequest, in listIn) (*mcp.CallToolResult, listOut, error) {
		filters := in
		filters.Cursor, filters.Limit, filters.Format = "", 0, ""
		pager, err := toolkit.NewPager("list_workbooks", filters, in.Cursor)
		if err != nil {
			return nil, listOut{}, err
		}
		c, err := clientFor(ctx, d, in.Workspace)
		if err != nil {
			return nil, listOut{}, err
		}
		wbs, truncated, err := c.Workbooks(ctx, in.Category, false, maxWorkbooks)
		if err != nil {
			return nil, listOut{}, toolkit.Unavailable("listing the workbooks of "+c.Workspace().Alias, err, "")
		}
		// A total order, so that pages split the same way every time.
		sort.Slice(wbs, func(i, j int) bool {
			if wbs[i].Properties.DisplayName != wbs[j].Properties.DisplayName {
				return wbs[i].Properties.DisplayName < wbs[j].Properties.DisplayName
			}
			return wbs[i].ID < wbs[j].ID
		})
		tbl := &render.Table{Columns: []render.Column{{Name: "id"}, {Name: "display_name"}, {Name: "resource_group"}, {Name: "modified", Type: "datetime"}}}
		for _, w := range wbs {
			var mod any
			if !w.Properties.TimeModified.IsZero() {
				mod = w.Properties.TimeModified
			}
			tbl.Rows = append(tbl.Rows, []any{w.Name, w.Properties.DisplayName, w.ResourceGroup(), mod})
		}
		out := listOut{Target: targetOf(c.Workspace()), Count: len(wbs)}
		if len(wbs) == 0 {
			return toolkit.Text(fmt.Sprintf("No %s workbooks in %s. import_workbook adds one.", in.Category, c.Workspace().Alias)), out, nil
		}
		res, rep, next, err := pager.Page(d, tbl, render.Format(in.Format), in.Limit)
		if err != nil {
			return nil, listOut{}, err
		}
		out.Result, out.NextCursor = rep, next
		toolkit.WithHeading(res, toolkit.Count(len(tbl.Rows), in.Category+" workbook", in.Category+" workbooks")+" in "+toolkit.WorkspaceName(c.Workspace())+".")
		if truncated {
			res.Content = append(res.Content, &mcp.TextContent{Text: fmt.Sprintf("Only the first %d workbooks were read.", maxWorkbooks)})
		}
		return res, out, nil
	}, inventory.Enum("category", categories...), inventory.Default("category", sentinel.WorkbookCategorySentinel),
		inventory.Enum("format", "table", "csv", "json"), inventory.Range("limit", 1, 1000))
}

// findWorkbook resolves a workbook of the workspace by id (GUID), resource id, or display name.
func findWorkbook(ctx context.Context, c *sentinel.Client, ref string) (*sentinel.Workbook, error) {
	ref = strings.TrimSpace(ref)
	if strings.HasPrefix(ref, "/") {
		id, err := c.ParseInsightsID(ref, "workbooks")
		if err != nil {
			return nil, toolkit.ArgError("workbook", "%v", err)
		}
		return readWorkbook(ctx, c, id.ResourceGroup, id.Name)
	}
	var matches []sentinel.Workbook
	for _, cat := range []string{sentinel.WorkbookCategorySentinel, sentinel.WorkbookCategoryWorkbook} {
		wbs, _, err := c.Workbooks(ctx, cat, false, maxWorkbooks)
		if err != nil {
			return nil, toolkit.Unavailable("listing the workbooks of "+c.Workspace().Alias, err, "")
		}
		for _, w := range wbs {
			if strings.EqualFold(w.Name, ref) {
				return readWorkbook(ctx, c, w.ResourceGroup(), w.Name)
			}
			if strings.EqualFold(w.Properties.DisplayName, ref) {
				matches = append(matches, w)
			}
		}
	}
	switch len(matches) {
	case 0:
		return nil, toolkit.NotFound("workbook", ref, "list_workbooks shows the workbooks of "+c.Workspace().Alias)
	case 1:
		return readWorkbook(ctx, c, matches[0].ResourceGroup(), matches[0].Name)
	}
	ids := make([]string, len(matches))
	for i, m := range matches {
		ids[i] = m.Name
	}
	return nil, fmt.Errorf("%d workbooks of %s are named %q: pass one of their ids (%s)", len(matches), c.Workspace().Alias, ref, strings.Join(ids, ", "))
}

func readWorkbook(ctx context.Context, c *sentinel.Client, rg, name string) (*sentinel.Workbook, error) {
	w, err := c.Workbook(ctx, rg, name)
	if azure.IsNotFound(err) {
		return nil, toolkit.NotFound("workbook", name, "list_workbooks shows the workbooks of "+c.Workspace().Alias)
	}
	if err != nil {
		return nil, toolkit.Unavailable("reading workbook "+name, err, "")
	}
	return w, nil
}

// Summary describes a workbook's content.
type Summary struct {
	Items      int      `json:"items" jsonschema:"steps, groups included"`
	Queries    int      `json:"queries"`
	Parameters int      `json:"parameters"`
	Tables     []string `json:"tables,omitempty" jsonschema:"tables its queries start from"`
	Bytes      int      `json:"bytes"`
}

// summarize walks the Notebook/1.0 content: items of type 3 are queries, type 9 parameters, type 12
// groups (with nested items).
func summarize(serialized string) Summary {
	s := Summary{Bytes: len(serialized)}
	var doc map[string]any
	if json.Unmarshal([]byte(serialized), &doc) != nil {
		return s
	}
	tables := map[string]bool{}
	var walk func(items []any)
	walk = func(items []any) {
		for _, x := range items {
			it, _ := x.(map[string]any)
			if it == nil {
				continue
			}
			s.Items++
			content, _ := it["content"].(map[string]any)
			switch fmt.Sprint(it["type"]) {
			case "3":
				s.Queries++
				if q, ok := content["query"].(string); ok {
					if t := firstTable(q); t != "" {
						tables[t] = true
					}
				}
			case "9":
				s.Parameters++
			}
			if sub, ok := content["items"].([]any); ok {
				walk(sub)
			}
		}
	}
	items, _ := doc["items"].([]any)
	walk(items)
	for t := range tables {
		s.Tables = append(s.Tables, t)
	}
	sort.Strings(s.Tables)
	return s
}

// firstTable is the name a query starts with (a table or function), when it is a plain name.
func firstTable(q string) string {
	q = strings.TrimSpace(q)
	end := strings.IndexFunc(q, func(r rune) bool {
		return !(r == '_' || r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9')
	})
	if end < 0 {
		end = len(q)
	}
	name := q[:end]
	switch strings.ToLower(name) {
	case "", "let", "union", "print", "datatable", "range", "search", "find", "set":
		return ""
	}
	return name
}

type getIn struct {
	toolkit.WorkspaceArg
	Workbook string `json:"workbook" jsonschema:"Workbook id (GUID), resource id or display name."`
}

// Info describes a workbook.
type Info struct {
	ID            string   `json:"id"`
	DisplayName   string   `json:"display_name"`
	Category      string   `json:"category"`
	Description   string   `json:"description,omitempty"`
	ResourceGroup string   `json:"resource_group"`
	Tags          []string `json:"tags,omitempty"`
	Modified      string   `json:"modified,omitempty"`
	Revision      string   `json:"revision,omitempty"`
	Summary       Summary  `json:"summary"`
}

func infoOf(w *sentinel.Workbook) Info {
	i := Info{ID: w.Name, DisplayName: w.Properties.DisplayName, Category: w.Properties.Category, Description: w.Properties.Description,
		ResourceGroup: w.ResourceGroup(), Tags: w.Properties.Tags, Revision: w.Properties.Revision, Summary: summarize(w.Properties.SerializedData)}
	if !w.Properties.TimeModified.IsZero() {
		i.Modified = render.FormatTime(w.Properties.TimeModified)
	}
	return i
}

type getOut struct {
	Target
	Info
}

func getWorkbook(d *toolkit.Deps) inventory.Tool {
	return inventory.New(Name, mcp.Tool{
		Name:        "get_workbook",
		Description: "Show a workbook: name, category, steps, queries and the tables they read.",
		Annotations: inventory.Annotations("Get a workbook", inventory.ReadOnly|inventory.Idempotent|inventory.OpenWorld),
	}, func(ctx context.Context, _ *mcp.CallToolRequest, in getIn) (*mcp.CallToolResult, getOut, error) {
		c, err := clientFor(ctx, d, in.Workspace)
		if err != nil {
			return nil, getOut{}, err
		}
		w, err := findWorkbook(ctx, c, in.Workbook)
		if err != nil {
			return nil, getOut{}, err
		}
		out := getOut{Target: targetOf(c.Workspace()), Info: infoOf(w)}
		s := out.Summary
		msg := fmt.Sprintf("Workbook %q (id %s, %s, resource group %s) in %s: %d steps, %d queries, %d parameter steps, %d bytes of content.",
			out.DisplayName, out.ID, out.Category, out.ResourceGroup, c.Workspace().Alias, s.Items, s.Queries, s.Parameters, s.Bytes)
		if len(s.Tables) > 0 {
			msg += " Queries read: " + strings.Join(s.Tables, ", ") + "."
		}
		return toolkit.Text(msg), out, nil
	})
}
