// Package dcr is the toolset for data collection in Azure Monitor: data collection rules (DCR) that
// send data to a workspace, their endpoints (DCE) and associations, the transformation KQL of a
// rule's data flows (checked by the KQL engine before it is written), adding a data source, and
// test_dcr_ingestion, a dry run of a sample record through a rule's stream declaration and
// transformation.
package dcr

import (
	"context"
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
const Name = "dcr"

// Tools returns the toolset's tools. It only builds values: d's clients may be nil.
func Tools(d *toolkit.Deps) []inventory.Tool {
	return []inventory.Tool{listRules(d), getRule(d), createRule(d), deleteRule(d), updateTransformation(d), addDataSource(d),
		listAssociations(d), testIngestion(d), listEndpoints(d), getEndpoint(d), createEndpoint(d), deleteEndpoint(d)}
}

// maxListed caps the rules and endpoints read from a subscription.
const maxListed = 2000

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

const descRule = "Rule: name, resourceGroup/name or resource id (in the workspace's subscription)."

// readRule resolves and reads a DCR of the workspace's subscription.
func readRule(ctx context.Context, c *sentinel.Client, ref string) (sentinel.InsightsID, *sentinel.DataCollectionRule, error) {
	id, err := c.InsightsRef(ctx, sentinel.KindDCR, ref)
	if err == nil {
		var r *sentinel.DataCollectionRule
		if r, err = c.DataCollectionRule(ctx, id); err == nil {
			return id, r, nil
		}
	}
	if azure.IsNotFound(err) {
		return id, nil, toolkit.NotFound("data collection rule", ref, "list_data_collection_rules shows the rules of "+c.Workspace().Alias+" (all=true: of its subscription)")
	}
	if _, ok := azure.AsError(err); ok {
		return id, nil, toolkit.Unavailable("reading data collection rule "+ref, err, "")
	}
	return id, nil, toolkit.ArgError("rule", "%v", err)
}

// RuleInfo summarizes a rule.
type RuleInfo struct {
	Name          string   `json:"name"`
	ResourceGroup string   `json:"resource_group"`
	Kind          string   `json:"kind,omitempty"`
	Location      string   `json:"location"`
	Streams       []string `json:"streams" jsonschema:"declared custom streams"`
	Sources       []string `json:"sources,omitempty" jsonschema:"data sources as kind:name"`
	Flows         int      `json:"flows"`
	Transforms    int      `json:"transforms" jsonschema:"data flows with a transformation"`
	Endpoint      string   `json:"endpoint,omitempty" jsonschema:"data collection endpoint id"`
	ToWorkspace   bool     `json:"to_workspace" jsonschema:"sends data to the workspace"`
	ImmutableID   string   `json:"immutable_id,omitempty"`
}

func infoOf(r *sentinel.DataCollectionRule, wsID string) RuleInfo {
	p := r.Properties
	ri := RuleInfo{Name: r.Name, ResourceGroup: r.ResourceGroup(), Kind: r.Kind, Location: r.Location, Flows: len(p.DataFlows),
		Endpoint: p.DataCollectionEndpointID, ToWorkspace: r.SendsTo(wsID), ImmutableID: p.ImmutableID, Streams: []string{}}
	for s := range p.StreamDeclarations {
		ri.Streams = append(ri.Streams, s)
	}
	sort.Strings(ri.Streams)
	for kind, names := range r.SourceNames() {
		for _, n := range names {
			ri.Sources = append(ri.Sources, kind+":"+n)
		}
	}
	sort.Strings(ri.Sources)
	for _, f := range p.DataFlows {
		if strings.TrimSpace(f.TransformKql) != "" && strings.TrimSpace(f.TransformKql) != "source" {
			ri.Transforms++
		}
	}
	return ri
}

type listIn struct {
	toolkit.WorkspaceArg
	All    bool   `json:"all,omitempty" jsonschema:"Every rule of the workspace's subscription, not only those sending to the workspace."`
	Limit  int    `json:"limit,omitempty" jsonschema:"Maximum rows to show."`
	Cursor string `json:"cursor,omitempty" jsonschema:"next_cursor of the previous page (same other arguments)."`
	Format string `json:"format,omitempty" jsonschema:"table (default), csv or json."`
}

type listOut struct {
	Target
	Count      int           `json:"count"`
	Result     render.Result `json:"result"`
	NextCursor string        `json:"next_cursor,omitempty"`
}

func listRules(d *toolkit.Deps) inventory.Tool {
	return inventory.New(Name, mcp.Tool{
		Name:        "list_data_collection_rules",
		Description: "List the data collection rules sending data to a workspace: streams, sources, flows, transformations, endpoint.",
		Annotations: inventory.Annotations("List data collection rules", inventory.ReadOnly|inventory.Idempotent|inventory.OpenWorld),
	}, func(ctx context.Context, _ *mcp.CallToolRequest, in listIn) (*mcp.CallToolResult, listOut, error) {
		filters := in
		filters.Cursor, filters.Limit, filters.Format = "", 0, ""
		pager, err := toolkit.NewPager("list_data_collection_rules", filters, in.Cursor)
		if err != nil {
			return nil, listOut{}, err
		}
		c, err := clientFor(ctx, d, in.Workspace)
		if err != nil {
			return nil, listOut{}, err
		}
		rules, truncated, err := c.DataCollectionRules(ctx, maxListed)
		if err != nil {
			return nil, listOut{}, toolkit.Unavailable("listing the data collection rules of subscription "+c.Workspace().SubscriptionID, err, "")
		}
		// A total order (names repeat across resource groups): pages split the same way every time.
		sort.Slice(rules, func(i, j int) bool {
			if rules[i].Name != rules[j].Name {
				return rules[i].Name < rules[j].Name
			}
			return strings.ToLower(rules[i].ID) < strings.ToLower(rules[j].ID)
		})
		tbl := &render.Table{Columns: []render.Column{{Name: "name"}, {Name: "resource_group"}, {Name: "kind"}, {Name: "streams"},
			{Name: "sources"}, {Name: "flows", Type: "long"}, {Name: "transforms", Type: "long"}, {Name: "to_workspace", Type: "bool"}}}
		for i := range rules {
			ri := infoOf(&rules[i], c.Workspace().ResourceID)
			if !in.All && !ri.ToWorkspace {
				continue
			}
			tbl.Rows = append(tbl.Rows, []any{ri.Name, ri.ResourceGroup, ri.Kind, strings.Join(ri.Streams, ", "), strings.Join(ri.Sources, ", "),
				ri.Flows, ri.Transforms, ri.ToWorkspace})
		}
		out := listOut{Target: targetOf(c.Workspace()), Count: len(tbl.Rows)}
		if out.Count == 0 {
			msg := "No data collection rule sends data to " + c.Workspace().Alias + "."
			if !in.All {
				msg += " all=true lists every rule of its subscription."
			}
			return toolkit.Text(msg), out, nil
		}
		res, rep, next, err := pager.Page(d, tbl, render.Format(in.Format), in.Limit)
		if err != nil {
			return nil, listOut{}, err
		}
		out.Result, out.NextCursor = rep, next
		scope := " sending to "
		if in.All {
			scope = " in the subscription of "
		}
		toolkit.WithHeading(res, toolkit.Count(len(tbl.Rows), "data collection rule", "data collection rules")+scope+toolkit.WorkspaceName(c.Workspace())+".")
		if truncated {
			res.Content = append(res.Content, &mcp.TextContent{Text: fmt.Sprintf("Only the first %d rules of the subscription were read.", maxListed)})
		}
		return res, out, nil
	}, inventory.Enum("format", "table", "csv", "json"), inventory.Range("limit", 1, 1000))
}

type ruleIn struct {
	toolkit.WorkspaceArg
	Rule string `json:"rule" jsonschema:"Rule: name, resourceGroup/name or resource id (in the workspace's subscription)."`
}

// Flow is a data flow of a rule.
type Flow struct {
	Index        int      `json:"index"`
	Streams      []string `json:"streams"`
	Destinations []string `json:"destinations"`
	OutputStream string   `json:"output_stream,omitempty"`
	TransformKql string   `json:"transform_kql,omitempty"`
}

// Stream is a declared stream.
type Stream struct {
	Name    string   `json:"name"`
	Columns []string `json:"columns" jsonschema:"name:type"`
}

type getOut struct {
	Target
	RuleInfo
	Description  string   `json:"description,omitempty"`
	Declarations []Stream `json:"declarations"`
	DataFlows    []Flow   `json:"data_flows"`
	Destinations []string `json:"destinations" jsonschema:"logAnalytics destinations as name -> workspace resource id"`
	Etag         string   `json:"etag,omitempty"`
}

func getRule(d *toolkit.Deps) inventory.Tool {
	return inventory.New(Name, mcp.Tool{
		Name:        "get_data_collection_rule",
		Description: "Show a data collection rule: stream declarations, data sources, destinations and data flows with their transformation KQL.",
		Annotations: inventory.Annotations("Get a data collection rule", inventory.ReadOnly|inventory.Idempotent|inventory.OpenWorld),
	}, func(ctx context.Context, _ *mcp.CallToolRequest, in ruleIn) (*mcp.CallToolResult, getOut, error) {
		c, err := clientFor(ctx, d, in.Workspace)
		if err != nil {
			return nil, getOut{}, err
		}
		_, r, err := readRule(ctx, c, in.Rule)
		if err != nil {
			return nil, getOut{}, err
		}
		out := getOut{Target: targetOf(c.Workspace()), RuleInfo: infoOf(r, c.Workspace().ResourceID), Description: r.Properties.Description,
			Etag: r.Etag, Declarations: []Stream{}, DataFlows: []Flow{}, Destinations: []string{}}
		for _, s := range out.Streams {
			st := Stream{Name: s}
			for _, col := range r.Properties.StreamDeclarations[s].Columns {
				st.Columns = append(st.Columns, col.Name+":"+col.Type)
			}
			out.Declarations = append(out.Declarations, st)
		}
		for _, la := range r.Properties.Destinations.LogAnalytics {
			out.Destinations = append(out.Destinations, la.Name+" -> "+la.WorkspaceResourceID)
		}
		var b strings.Builder
		fmt.Fprintf(&b, "Data collection rule %s (resource group %s, %s", r.Name, out.ResourceGroup, out.Location)
		if out.Kind != "" {
			b.WriteString(", kind " + out.Kind)
		}
		b.WriteString(")")
		if out.Endpoint != "" {
			b.WriteString(", endpoint " + out.Endpoint)
		}
		for _, st := range out.Declarations {
			fmt.Fprintf(&b, "\nStream %s: %s", st.Name, strings.Join(st.Columns, ", "))
		}
		if len(out.Sources) > 0 {
			b.WriteString("\nSources: " + strings.Join(out.Sources, ", "))
		}
		b.WriteString("\nDestinations: " + strings.Join(out.Destinations, "; "))
		for i, f := range r.Properties.DataFlows {
			fl := Flow{Index: i, Streams: f.Streams, Destinations: f.Destinations, OutputStream: f.OutputStream, TransformKql: f.TransformKql}
			out.DataFlows = append(out.DataFlows, fl)
			fmt.Fprintf(&b, "\nFlow %d: %s -> %s", i, strings.Join(f.Streams, ", "), strings.Join(f.Destinations, ", "))
			if f.OutputStream != "" {
				b.WriteString(" as " + f.OutputStream)
			}
			if f.TransformKql != "" {
				b.WriteString("\n  transformKql: " + f.TransformKql)
			}
		}
		text, _ := render.Truncate(b.String(), d.Budget().Limit(0).MaxBytes)
		return toolkit.Text(text), out, nil
	})
}

type assocIn struct {
	toolkit.WorkspaceArg
	Rule   string `json:"rule" jsonschema:"Rule: name, resourceGroup/name or resource id (in the workspace's subscription)."`
	Limit  int    `json:"limit,omitempty" jsonschema:"Maximum rows to show."`
	Cursor string `json:"cursor,omitempty" jsonschema:"next_cursor of the previous page (same other arguments)."`
	Format string `json:"format,omitempty" jsonschema:"table (default), csv or json."`
}

type assocOut struct {
	Target
	Rule       string        `json:"rule"`
	Count      int           `json:"count"`
	Truncated  bool          `json:"truncated,omitempty"`
	Result     render.Result `json:"result"`
	NextCursor string        `json:"next_cursor,omitempty"`
}

func listAssociations(d *toolkit.Deps) inventory.Tool {
	return inventory.New(Name, mcp.Tool{
		Name:        "list_dcr_associations",
		Description: "List the resources (VMs, Arc servers...) associated with a data collection rule.",
		Annotations: inventory.Annotations("List DCR associations", inventory.ReadOnly|inventory.Idempotent|inventory.OpenWorld),
	}, func(ctx context.Context, _ *mcp.CallToolRequest, in assocIn) (*mcp.CallToolResult, assocOut, error) {
		filters := in
		filters.Cursor, filters.Limit, filters.Format = "", 0, ""
		pager, err := toolkit.NewPager("list_dcr_associations", filters, in.Cursor)
		if err != nil {
			return nil, assocOut{}, err
		}
		c, err := clientFor(ctx, d, in.Workspace)
		if err != nil {
			return nil, assocOut{}, err
		}
		id, r, err := readRule(ctx, c, in.Rule)
		if err != nil {
			return nil, assocOut{}, err
		}
		as, truncated, err := c.Associations(ctx, id, sentinel.KindDCR, maxListed)
		if err != nil {
			return nil, assocOut{}, toolkit.Unavailable("listing the associations of "+r.Name, err, "")
		}
		// A total order, so that pages split the same way every time.
		sort.Slice(as, func(i, j int) bool { return strings.ToLower(as[i].ID) < strings.ToLower(as[j].ID) })
		tbl := &render.Table{Columns: []render.Column{{Name: "association"}, {Name: "resource"}, {Name: "description"}}}
		for _, a := range as {
			tbl.Rows = append(tbl.Rows, []any{a.Name, a.Resource(), a.Properties.Description})
		}
		out := assocOut{Target: targetOf(c.Workspace()), Rule: r.Name, Count: len(as), Truncated: truncated}
		if len(as) == 0 {
			return toolkit.Text("No resource is associated with " + r.Name + "."), out, nil
		}
		res, rep, next, err := pager.Page(d, tbl, render.Format(in.Format), in.Limit)
		if err != nil {
			return nil, assocOut{}, err
		}
		out.Result, out.NextCursor = rep, next
		toolkit.WithHeading(res, toolkit.Count(len(tbl.Rows), "resource", "resources")+" associated with data collection rule "+r.Name+" of "+toolkit.WorkspaceName(c.Workspace())+".")
		return res, out, nil
	}, inventory.Enum("format", "table", "csv", "json"), inventory.Range("limit", 1, 1000))
}
