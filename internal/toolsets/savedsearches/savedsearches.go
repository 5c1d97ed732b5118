// Package savedsearches is the toolset for a workspace's saved searches and functions (a saved search
// with a function alias is callable by that name in KQL, e.g. parsers): list, show, create with the
// query checked by the KQL engine first, and delete.
package savedsearches

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"strings"

	"github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/sentinel-mcp/sentinel-mcp/internal/audit"
	"github.com/sentinel-mcp/sentinel-mcp/internal/azure"
	"github.com/sentinel-mcp/sentinel-mcp/internal/inventory"
	"github.com/sentinel-mcp/sentinel-mcp/internal/render"
	"github.com/sentinel-mcp/sentinel-mcp/internal/schema"
	"github.com/sentinel-mcp/sentinel-mcp/internal/sentinel"
	"github.com/sentinel-mcp/sentinel-mcp/internal/tenancy"
	"github.com/sentinel-mcp/sentinel-mcp/internal/toolsets/toolkit"
)

// Name is the toolset's name.
const Name = "savedsearches"

// Tools returns the toolset's tools. It only builds values: d's clients may be nil.
func Tools(d *toolkit.Deps) []inventory.Tool {
	return []inventory.Tool{listSavedSearches(d), getSavedSearch(d), createSavedSearch(d), deleteSavedSearch(d)}
}

// maxQueryBytes bounds a saved query (Log Analytics' own limit is far larger; a saved search this
// big is a mistake).
const maxQueryBytes = 64 << 10

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

// Search describes a saved search.
type Search struct {
	ID            string `json:"id"`
	DisplayName   string `json:"display_name"`
	Category      string `json:"category"`
	FunctionAlias string `json:"function_alias,omitempty"`
	Parameters    string `json:"parameters,omitempty"`
	Query         string `json:"query,omitempty"`
	Etag          string `json:"etag,omitempty"`
}

func searchOf(s *sentinel.SavedSearch, withQuery bool) Search {
	out := Search{ID: s.Name, DisplayName: s.Properties.DisplayName, Category: s.Properties.Category,
		FunctionAlias: s.Properties.FunctionAlias, Parameters: s.Properties.FunctionParameters, Etag: s.Etag}
	if withQuery {
		out.Query = s.Properties.Query
	}
	return out
}

type listIn struct {
	toolkit.WorkspaceArg
	Category  string `json:"category,omitempty" jsonschema:"Only this category (e.g. Hunting Queries)."`
	Functions bool   `json:"functions,omitempty" jsonschema:"Only functions (saved searches with a function alias)."`
	Name      string `json:"name,omitempty" jsonschema:"Only those whose display name or alias contains this text."`
	Limit     int    `json:"limit,omitempty" jsonschema:"Maximum rows to show."`
	Cursor    string `json:"cursor,omitempty" jsonschema:"next_cursor of the previous page (same other arguments)."`
	Format    string `json:"format,omitempty" jsonschema:"table (default), csv or json."`
}

type listOut struct {
	Target
	Count      int           `json:"count"`
	Result     render.Result `json:"result"`
	NextCursor string        `json:"next_cursor,omitempty"`
}

func listSavedSearches(d *toolkit.Deps) inventory.Tool {
	return inventory.New(Name, mcp.Tool{
		Name:        "list_saved_searches",
		Description: "List a workspace's saved searches and functions (id, name, category, function alias and parameters).",
		Annotations: inventory.Annotations("List saved searches", inventory.ReadOnly|inventory.Idempotent|inventory.OpenWorld),
	}, func(ctx context.Context, _ *mcp.CallToolRequest, in listIn) (*mcp.CallToolResult, listOut, error) {
		filters := in
		filters.Cursor, filters.Limit, filters.Format = "", 0, ""
		pager, err := toolkit.NewPager("list_saved_searches", filters, in.Cursor)
		if err != nil {
			return nil, listOut{}, err
		}
		c, err := clientFor(ctx, d, in.Workspace)
		if err != nil {
			return nil, listOut{}, err
		}
		ss, err := c.SavedSearches(ctx)
		if err != nil {
			return nil, listOut{}, toolkit.Unavailable("listing the saved searches of "+c.Workspace().Alias, err, "")
		}
		sort.Slice(ss, func(i, j int) bool {
			if ss[i].Properties.Category != ss[j].Properties.Category {
				return ss[i].Properties.Category < ss[j].Properties.Category
			}
			if ss[i].Properties.DisplayName != ss[j].Properties.DisplayName {
				return ss[i].Properties.DisplayName < ss[j].Properties.DisplayName
			}
			return ss[i].Name < ss[j].Name // a total order: pages split the same way every time
		})
		tbl := &render.Table{Columns: []render.Column{{Name: "id"}, {Name: "display_name"}, {Name: "category"}, {Name: "function_alias"}, {Name: "parameters"}}}
		needle := strings.ToLower(in.Name)
		for i := range ss {
			s := &ss[i]
			p := s.Properties
			if in.Category != "" && !strings.EqualFold(p.Category, in.Category) || in.Functions && !s.IsFunction() ||
				needle != "" && !strings.Contains(strings.ToLower(p.DisplayName+" "+p.FunctionAlias), needle) {
				continue
			}
			tbl.Rows = append(tbl.Rows, []any{s.Name, p.DisplayName, p.Category, p.FunctionAlias, p.FunctionParameters})
		}
		out := listOut{Target: targetOf(c.Workspace()), Count: len(tbl.Rows)}
		if out.Count == 0 {
			return toolkit.Text("No saved search of " + c.Workspace().Alias + " matches."), out, nil
		}
		res, rep, next, err := pager.Page(d, tbl, render.Format(in.Format), in.Limit)
		if err != nil {
			return nil, listOut{}, err
		}
		out.Result, out.NextCursor = rep, next
		toolkit.WithHeading(res, toolkit.Count(len(tbl.Rows), "saved search", "saved searches")+" in "+toolkit.WorkspaceName(c.Workspace())+".")
		return res, out, nil
	}, inventory.Enum("format", "table", "csv", "json"), inventory.Range("limit", 1, 1000))
}

// find resolves a saved search by id, function alias or display name (which must be unique).
func find(ss []sentinel.SavedSearch, ref string) (*sentinel.SavedSearch, error) {
	ref = strings.TrimSpace(ref)
	var byName []*sentinel.SavedSearch
	for i := range ss {
		s := &ss[i]
		if strings.EqualFold(s.Name, ref) || s.Properties.FunctionAlias != "" && s.Properties.FunctionAlias == ref {
			return s, nil
		}
		if strings.EqualFold(s.Properties.DisplayName, ref) {
			byName = append(byName, s)
		}
	}
	switch len(byName) {
	case 1:
		return byName[0], nil
	case 0:
		return nil, toolkit.NotFound("saved search", ref, "list_saved_searches shows the ids, names and function aliases")
	}
	ids := make([]string, len(byName))
	for i, s := range byName {
		ids[i] = s.Name
	}
	return nil, fmt.Errorf("%d saved searches are named %q: pass one of their ids (%s)", len(byName), ref, strings.Join(ids, ", "))
}

func readSearch(ctx context.Context, c *sentinel.Client, ref string) (*sentinel.SavedSearch, error) {
	ss, err := c.SavedSearches(ctx)
	if err != nil {
		return nil, toolkit.Unavailable("listing the saved searches of "+c.Workspace().Alias, err, "")
	}
	s, err := find(ss, ref)
	if err != nil {
		return nil, err
	}
	// The list may not carry the etag of each item: read the item itself.
	full, err := c.SavedSearch(ctx, s.Name)
	if err != nil {
		return nil, toolkit.Unavailable("reading saved search "+s.Name, err, "")
	}
	return full, nil
}

type getIn struct {
	toolkit.WorkspaceArg
	SavedSearch string `json:"saved_search" jsonschema:"Id, function alias or display name."`
}

type getOut struct {
	Target
	Search
	Tags map[string]string `json:"tags,omitempty"`
}

func getSavedSearch(d *toolkit.Deps) inventory.Tool {
	return inventory.New(Name, mcp.Tool{
		Name:        "get_saved_search",
		Description: "Show a saved search or function with its query, parameters and tags.",
		Annotations: inventory.Annotations("Get a saved search", inventory.ReadOnly|inventory.Idempotent|inventory.OpenWorld),
	}, func(ctx context.Context, _ *mcp.CallToolRequest, in getIn) (*mcp.CallToolResult, getOut, error) {
		c, err := clientFor(ctx, d, in.Workspace)
		if err != nil {
			return nil, getOut{}, err
		}
		s, err := readSearch(ctx, c, in.SavedSearch)
		if err != nil {
			return nil, getOut{}, err
		}
		out := getOut{Target: targetOf(c.Workspace()), Search: searchOf(s, true)}
		for _, t := range s.Properties.Tags {
			if out.Tags == nil {
				out.Tags = map[string]string{}
			}
			out.Tags[t.Name] = t.Value
		}
		var b strings.Builder
		fmt.Fprintf(&b, "%s (%s, id %s) in %s", s.Properties.DisplayName, s.Properties.Category, s.Name, c.Workspace().Alias)
		if s.IsFunction() {
			fmt.Fprintf(&b, "; function %s(%s)", s.Properties.FunctionAlias, s.Properties.FunctionParameters)
		}
		text, _ := render.Truncate(s.Properties.Query, d.Budget().Limit(0).MaxBytes)
		b.WriteString(":\n" + text)
		return toolkit.Text(b.String()), out, nil
	})
}

type createIn struct {
	toolkit.WorkspaceArg
	DisplayName   string            `json:"display_name"`
	Category      string            `json:"category" jsonschema:"Category, e.g. Hunting Queries, Parsers, or your own."`
	Query         string            `json:"query" jsonschema:"KQL; checked before saving."`
	FunctionAlias string            `json:"function_alias,omitempty" jsonschema:"Save as a function callable by this name in KQL."`
	Parameters    string            `json:"parameters,omitempty" jsonschema:"Function parameters, e.g. \"user:string, lookback:timespan=1d\" or \"T:(Account:string)\"."`
	Tags          map[string]string `json:"tags,omitempty" jsonschema:"Tags (e.g. tactics, description for hunting queries)."`
	ID            string            `json:"id,omitempty" jsonschema:"Resource name (default: a new GUID)."`
}

type createOut struct {
	Target
	Search
	Warnings []string `json:"warnings,omitempty"`
}

func createSavedSearch(d *toolkit.Deps) inventory.Tool {
	return inventory.New(Name, mcp.Tool{
		Name:        "create_saved_search",
		Description: "Save a KQL query, or a function with an alias and parameters, after checking the query. Refuses a taken id or alias.",
		Annotations: inventory.Annotations("Create a saved search", inventory.OpenWorld),
	}, func(ctx context.Context, _ *mcp.CallToolRequest, in createIn) (*mcp.CallToolResult, createOut, error) {
		if strings.TrimSpace(in.Query) == "" {
			return nil, createOut{}, toolkit.ArgError("query", "the query is empty")
		}
		if len(in.Query) > maxQueryBytes {
			return nil, createOut{}, toolkit.ArgError("query", "the query is %d bytes; at most %d are accepted", len(in.Query), maxQueryBytes)
		}
		if strings.TrimSpace(in.DisplayName) == "" || strings.TrimSpace(in.Category) == "" {
			return nil, createOut{}, toolkit.ArgError("display_name", "display_name and category are required")
		}
		var params []param
		if in.Parameters != "" {
			if in.FunctionAlias == "" {
				return nil, createOut{}, toolkit.ArgError("parameters", "only a function has parameters: set function_alias too")
			}
			ps, err := parseParams(in.Parameters)
			if err != nil {
				return nil, createOut{}, toolkit.ArgError("parameters", "%v", err)
			}
			params = ps
		}
		if a := in.FunctionAlias; a != "" {
			if !identRE.MatchString(a) {
				return nil, createOut{}, toolkit.ArgError("function_alias", "%q is not a KQL name: letters, digits and _, not starting with a digit", a)
			}
			if _, isTable := schema.Lookup(a); isTable {
				return nil, createOut{}, toolkit.ArgError("function_alias", "%s is the name of a table: a function of that name would hide it", a)
			}
		}
		if in.ID != "" {
			if err := sentinel.ValidName(in.ID); err != nil {
				return nil, createOut{}, toolkit.ArgError("id", "%v", err)
			}
		}
		c, err := clientFor(ctx, d, in.Workspace)
		if err != nil {
			return nil, createOut{}, err
		}
		ss, err := c.SavedSearches(ctx)
		if err != nil {
			return nil, createOut{}, toolkit.Unavailable("listing the saved searches of "+c.Workspace().Alias, err, "")
		}
		for i := range ss {
			s := &ss[i]
			switch {
			case in.ID != "" && strings.EqualFold(s.Name, in.ID):
				return nil, createOut{}, toolkit.ArgError("id", "saved search %s already exists (%q): pick another id or delete it first", s.Name, s.Properties.DisplayName)
			case in.FunctionAlias != "" && strings.EqualFold(s.Properties.FunctionAlias, in.FunctionAlias):
				return nil, createOut{}, toolkit.ArgError("function_alias", "function %s already exists in %s (saved search %s, %q)", s.Properties.FunctionAlias, c.Workspace().Alias, s.Name, s.Properties.DisplayName)
			}
		}
		ts, err := c.Tables(ctx)
		if err != nil {
			ts = nil // the known schemas still check the query; workspace tables are only warned about
		}
		errs, warns := checkQuery(in.Query, params, newCatalog(ts, ss))
		if len(errs) > 0 {
			return nil, createOut{}, fmt.Errorf("the query does not pass the KQL check, so nothing was saved: %s", strings.Join(errs, "; "))
		}
		s := &sentinel.SavedSearch{Envelope: sentinel.Envelope{Name: in.ID}, Properties: sentinel.SavedSearchProperties{
			Category: in.Category, DisplayName: in.DisplayName, Query: in.Query, FunctionAlias: in.FunctionAlias,
			FunctionParameters: in.Parameters, Version: 2}}
		keys := make([]string, 0, len(in.Tags))
		for k := range in.Tags {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			s.Properties.Tags = append(s.Properties.Tags, sentinel.SavedSearchTag{Name: k, Value: in.Tags[k]})
		}
		created, err := c.CreateSavedSearch(ctx, s)
		if err != nil {
			if azure.IsConflict(err) {
				return nil, createOut{}, fmt.Errorf("saved search %s was created by someone else meanwhile, so nothing was written: list_saved_searches shows it", s.Name)
			}
			return nil, createOut{}, toolkit.Unavailable("saving "+in.DisplayName+" in "+c.Workspace().Alias, err, "")
		}
		audit.RecordChange(ctx, nil, created)
		out := createOut{Target: targetOf(c.Workspace()), Search: searchOf(created, false), Warnings: warns}
		msg := fmt.Sprintf("Saved %q (id %s) in %s.", created.Properties.DisplayName, created.Name, c.Workspace().Alias)
		if created.IsFunction() {
			msg += fmt.Sprintf(" Call it in KQL as %s(...).", created.Properties.FunctionAlias)
		}
		res := toolkit.Text(msg)
		if len(warns) > 0 {
			res.Content = append(res.Content, &mcp.TextContent{Text: "KQL warnings: " + strings.Join(warns, "; ")})
		}
		return res, out, nil
	}, inventory.MaxLength("display_name", 256), inventory.MaxLength("parameters", 2000))
}

type deleteIn struct {
	toolkit.WorkspaceArg
	SavedSearch string `json:"saved_search" jsonschema:"Id, function alias or display name."`
}

type deleteOut struct {
	Target
	Deleted Search `json:"deleted"`
}

func deleteSavedSearch(d *toolkit.Deps) inventory.Tool {
	return inventory.New(Name, mcp.Tool{
		Name:        "delete_saved_search",
		Description: "Delete a saved search or function. Queries and rules calling the function then fail.",
		Annotations: inventory.Annotations("Delete a saved search", inventory.Destructive|inventory.Idempotent|inventory.OpenWorld),
	}, func(ctx context.Context, _ *mcp.CallToolRequest, in deleteIn) (*mcp.CallToolResult, deleteOut, error) {
		c, err := clientFor(ctx, d, in.Workspace)
		if err != nil {
			return nil, deleteOut{}, err
		}
		s, err := readSearch(ctx, c, in.SavedSearch)
		if err != nil {
			return nil, deleteOut{}, err
		}
		if err := c.DeleteSavedSearch(ctx, s.Name); err != nil {
			return nil, deleteOut{}, toolkit.Unavailable("deleting saved search "+s.Name, err, "")
		}
		audit.RecordChange(ctx, s, nil)
		return toolkit.Text(fmt.Sprintf("Deleted %q (id %s) from %s.", s.Properties.DisplayName, s.Name, c.Workspace().Alias)),
			deleteOut{Target: targetOf(c.Workspace()), Deleted: searchOf(s, true)}, nil
	}, inventory.Plan(func(ctx context.Context, in deleteIn) (string, error) {
		c, err := clientFor(ctx, d, in.Workspace)
		if err != nil {
			return "", err
		}
		s, err := readSearch(ctx, c, in.SavedSearch)
		if err != nil {
			return "", err
		}
		msg := fmt.Sprintf("Deletes saved search %q (id %s, category %s) from %s.", s.Properties.DisplayName, s.Name, s.Properties.Category, c.Workspace().Alias)
		if s.IsFunction() {
			msg += fmt.Sprintf(" It is the function %s: analytics rules, hunts, workbooks and other functions that call it will fail.", s.Properties.FunctionAlias)
		}
		return msg, nil
	}))
}
