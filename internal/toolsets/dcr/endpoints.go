package dcr

import (
	"context"
	"fmt"
	"sort"
	"strings"

	"github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/sentinel-mcp/sentinel-mcp/internal/audit"
	"github.com/sentinel-mcp/sentinel-mcp/internal/azure"
	"github.com/sentinel-mcp/sentinel-mcp/internal/inventory"
	"github.com/sentinel-mcp/sentinel-mcp/internal/render"
	"github.com/sentinel-mcp/sentinel-mcp/internal/sentinel"
	"github.com/sentinel-mcp/sentinel-mcp/internal/toolsets/toolkit"
)

// EndpointInfo describes a data collection endpoint.
type EndpointInfo struct {
	Name                string `json:"name"`
	ResourceGroup       string `json:"resource_group"`
	Location            string `json:"location"`
	LogsIngestion       string `json:"logs_ingestion" jsonschema:"the Logs Ingestion API endpoint"`
	ConfigurationAccess string `json:"configuration_access"`
	PublicNetworkAccess string `json:"public_network_access"`
	ID                  string `json:"id"`
	Etag                string `json:"etag,omitempty"`
}

func endpointInfo(e *sentinel.DataCollectionEndpoint) EndpointInfo {
	return EndpointInfo{Name: e.Name, ResourceGroup: e.ResourceGroup(), Location: e.Location, LogsIngestion: e.Properties.LogsIngestion.Endpoint,
		ConfigurationAccess: e.Properties.ConfigurationAccess.Endpoint, PublicNetworkAccess: e.Properties.NetworkAcls.PublicNetworkAccess, ID: e.ID, Etag: e.Etag}
}

type listEndpointsIn struct {
	toolkit.WorkspaceArg
	Limit  int    `json:"limit,omitempty" jsonschema:"Maximum rows to show."`
	Cursor string `json:"cursor,omitempty" jsonschema:"next_cursor of the previous page (same other arguments)."`
	Format string `json:"format,omitempty" jsonschema:"table (default), csv or json."`
}

func listEndpoints(d *toolkit.Deps) inventory.Tool {
	return inventory.New(Name, mcp.Tool{
		Name:        "list_data_collection_endpoints",
		Description: "List the data collection endpoints of the workspace's subscription with their ingestion URLs.",
		Annotations: inventory.Annotations("List data collection endpoints", inventory.ReadOnly|inventory.Idempotent|inventory.OpenWorld),
	}, func(ctx context.Context, _ *mcp.CallToolRequest, in listEndpointsIn) (*mcp.CallToolResult, listOut, error) {
		filters := in
		filters.Cursor, filters.Limit, filters.Format = "", 0, ""
		pager, err := toolkit.NewPager("list_data_collection_endpoints", filters, in.Cursor)
		if err != nil {
			return nil, listOut{}, err
		}
		c, err := clientFor(ctx, d, in.Workspace)
		if err != nil {
			return nil, listOut{}, err
		}
		eps, _, err := c.DataCollectionEndpoints(ctx, maxListed)
		if err != nil {
			return nil, listOut{}, toolkit.Unavailable("listing the data collection endpoints of subscription "+c.Workspace().SubscriptionID, err, "")
		}
		sort.Slice(eps, func(i, j int) bool {
			if eps[i].Name != eps[j].Name {
				return eps[i].Name < eps[j].Name
			}
			return strings.ToLower(eps[i].ID) < strings.ToLower(eps[j].ID)
		})
		tbl := &render.Table{Columns: []render.Column{{Name: "name"}, {Name: "resource_group"}, {Name: "location"}, {Name: "logs_ingestion"}, {Name: "public_network_access"}}}
		for i := range eps {
			e := endpointInfo(&eps[i])
			tbl.Rows = append(tbl.Rows, []any{e.Name, e.ResourceGroup, e.Location, e.LogsIngestion, e.PublicNetworkAccess})
		}
		out := listOut{Target: targetOf(c.Workspace()), Count: len(eps)}
		if len(eps) == 0 {
			return toolkit.Text("No data collection endpoint in the subscription of " + c.Workspace().Alias + "."), out, nil
		}
		res, rep, next, err := pager.Page(d, tbl, render.Format(in.Format), in.Limit)
		if err != nil {
			return nil, listOut{}, err
		}
		out.Result, out.NextCursor = rep, next
		toolkit.WithHeading(res, toolkit.Count(len(tbl.Rows), "data collection endpoint", "data collection endpoints")+" in the subscription of "+toolkit.WorkspaceName(c.Workspace())+".")
		return res, out, nil
	}, inventory.Enum("format", "table", "csv", "json"), inventory.Range("limit", 1, 1000))
}

type endpointIn struct {
	toolkit.WorkspaceArg
	Endpoint string `json:"endpoint" jsonschema:"Endpoint: name, resourceGroup/name or resource id (in the workspace's subscription)."`
}

func readEndpoint(ctx context.Context, c *sentinel.Client, ref string) (sentinel.InsightsID, *sentinel.DataCollectionEndpoint, error) {
	id, err := c.InsightsRef(ctx, sentinel.KindDCE, ref)
	if err == nil {
		var e *sentinel.DataCollectionEndpoint
		if e, err = c.DataCollectionEndpoint(ctx, id); err == nil {
			return id, e, nil
		}
	}
	if azure.IsNotFound(err) {
		return id, nil, toolkit.NotFound("data collection endpoint", ref, "list_data_collection_endpoints shows the endpoints of the subscription of "+c.Workspace().Alias)
	}
	if _, ok := azure.AsError(err); ok {
		return id, nil, toolkit.Unavailable("reading data collection endpoint "+ref, err, "")
	}
	return id, nil, toolkit.ArgError("endpoint", "%v", err)
}

type endpointOut struct {
	Target
	EndpointInfo
	Rules []string `json:"rules,omitempty" jsonschema:"data collection rules using the endpoint"`
}

// rulesUsing returns the rules of the subscription that use an endpoint.
func rulesUsing(ctx context.Context, c *sentinel.Client, endpointID string) ([]string, error) {
	rules, _, err := c.DataCollectionRules(ctx, maxListed)
	if err != nil {
		return nil, err
	}
	var out []string
	for _, r := range rules {
		if strings.EqualFold(r.Properties.DataCollectionEndpointID, endpointID) {
			out = append(out, r.ResourceGroup()+"/"+r.Name)
		}
	}
	sort.Strings(out)
	return out, nil
}

func getEndpoint(d *toolkit.Deps) inventory.Tool {
	return inventory.New(Name, mcp.Tool{
		Name:        "get_data_collection_endpoint",
		Description: "Show a data collection endpoint: its ingestion and configuration URLs, network access and the rules using it.",
		Annotations: inventory.Annotations("Get a data collection endpoint", inventory.ReadOnly|inventory.Idempotent|inventory.OpenWorld),
	}, func(ctx context.Context, _ *mcp.CallToolRequest, in endpointIn) (*mcp.CallToolResult, endpointOut, error) {
		c, err := clientFor(ctx, d, in.Workspace)
		if err != nil {
			return nil, endpointOut{}, err
		}
		_, e, err := readEndpoint(ctx, c, in.Endpoint)
		if err != nil {
			return nil, endpointOut{}, err
		}
		out := endpointOut{Target: targetOf(c.Workspace()), EndpointInfo: endpointInfo(e)}
		if out.Rules, err = rulesUsing(ctx, c, e.ID); err != nil {
			return nil, endpointOut{}, toolkit.Unavailable("listing the rules using "+e.Name, err, "")
		}
		msg := fmt.Sprintf("Data collection endpoint %s (resource group %s, %s): logs ingestion %s, configuration %s, public network access %s.",
			out.Name, out.ResourceGroup, out.Location, out.LogsIngestion, out.ConfigurationAccess, firstNonEmpty(out.PublicNetworkAccess, "Enabled"))
		if len(out.Rules) > 0 {
			msg += " Used by: " + strings.Join(out.Rules, ", ") + "."
		}
		return toolkit.Text(msg), out, nil
	})
}

type createEndpointIn struct {
	toolkit.WorkspaceArg
	Name                string `json:"name"`
	ResourceGroup       string `json:"resource_group,omitempty" jsonschema:"Default: the workspace's."`
	Location            string `json:"location,omitempty" jsonschema:"Default: the workspace's (a rule's endpoint must be in the rule's region)."`
	Description         string `json:"description,omitempty"`
	PublicNetworkAccess string `json:"public_network_access,omitempty" jsonschema:"Enabled (default) or Disabled (private link only)."`
}

func createEndpoint(d *toolkit.Deps) inventory.Tool {
	return inventory.New(Name, mcp.Tool{
		Name:        "create_data_collection_endpoint",
		Description: "Create a data collection endpoint (for the Logs Ingestion API and custom text logs).",
		Annotations: inventory.Annotations("Create a data collection endpoint", inventory.OpenWorld),
	}, func(ctx context.Context, _ *mcp.CallToolRequest, in createEndpointIn) (*mcp.CallToolResult, endpointOut, error) {
		if !resourceNameRE.MatchString(in.Name) {
			return nil, endpointOut{}, toolkit.ArgError("name", "%q: use 1-64 letters, digits, '.', '_' or '-', starting with a letter or digit", in.Name)
		}
		c, err := clientFor(ctx, d, in.Workspace)
		if err != nil {
			return nil, endpointOut{}, err
		}
		id := sentinel.InsightsID{ResourceGroup: firstNonEmpty(in.ResourceGroup, c.Workspace().ResourceGroup), Kind: sentinel.KindDCE, Name: in.Name}
		e := &sentinel.DataCollectionEndpoint{Location: firstNonEmpty(in.Location, c.Workspace().Location)}
		e.Properties.Description = in.Description
		e.Properties.NetworkAcls.PublicNetworkAccess = firstNonEmpty(in.PublicNetworkAccess, "Enabled")
		created, err := c.CreateDataCollectionEndpoint(ctx, id, e)
		if err != nil {
			if azure.IsConflict(err) {
				return nil, endpointOut{}, fmt.Errorf("a data collection endpoint %s already exists in resource group %s, so nothing was created", in.Name, id.ResourceGroup)
			}
			return nil, endpointOut{}, refused("creating data collection endpoint "+in.Name, err)
		}
		audit.RecordChange(ctx, nil, created)
		out := endpointOut{Target: targetOf(c.Workspace()), EndpointInfo: endpointInfo(created)}
		return toolkit.Text(fmt.Sprintf("Created data collection endpoint %s in resource group %s: logs ingestion %s.", out.Name, out.ResourceGroup, out.LogsIngestion)), out, nil
	}, inventory.Enum("public_network_access", "Enabled", "Disabled"))
}

func deleteEndpoint(d *toolkit.Deps) inventory.Tool {
	return inventory.New(Name, mcp.Tool{
		Name:        "delete_data_collection_endpoint",
		Description: "Delete a data collection endpoint: rules and agents using it stop sending data.",
		Annotations: inventory.Annotations("Delete a data collection endpoint", inventory.Destructive|inventory.Idempotent|inventory.OpenWorld),
	}, func(ctx context.Context, _ *mcp.CallToolRequest, in endpointIn) (*mcp.CallToolResult, endpointOut, error) {
		c, err := clientFor(ctx, d, in.Workspace)
		if err != nil {
			return nil, endpointOut{}, err
		}
		id, e, err := readEndpoint(ctx, c, in.Endpoint)
		if err != nil {
			return nil, endpointOut{}, err
		}
		if err := c.DeleteInsights(ctx, id, sentinel.KindDCE, e.Etag); err != nil {
			return nil, endpointOut{}, refused("deleting "+e.Name, sentinel.ConflictError("data collection endpoint "+e.Name, err, "Call get_data_collection_endpoint"))
		}
		audit.RecordChange(ctx, e, nil)
		return toolkit.Text(fmt.Sprintf("Deleted data collection endpoint %s (resource group %s).", e.Name, id.ResourceGroup)),
			endpointOut{Target: targetOf(c.Workspace()), EndpointInfo: endpointInfo(e)}, nil
	}, inventory.Plan(func(ctx context.Context, in endpointIn) (string, error) {
		c, err := clientFor(ctx, d, in.Workspace)
		if err != nil {
			return "", err
		}
		id, e, err := readEndpoint(ctx, c, in.Endpoint)
		if err != nil {
			return "", err
		}
		rules, err := rulesUsing(ctx, c, e.ID)
		users := "no data collection rule uses it"
		switch {
		case err != nil:
			users = "the rules using it could not be listed"
		case len(rules) > 0:
			users = fmt.Sprintf("%d rule(s) use it and stop receiving data through it: %s", len(rules), strings.Join(rules, ", "))
		}
		as, _, err := c.Associations(ctx, id, sentinel.KindDCE, maxListed)
		assoc := fmt.Sprintf("%d resource(s) are associated with it", len(as))
		if err != nil {
			assoc = "its associations could not be listed"
		}
		return fmt.Sprintf("Deletes data collection endpoint %s (resource group %s, logs ingestion %s): %s; %s. Clients of its ingestion URL get errors.",
			e.Name, id.ResourceGroup, e.Properties.LogsIngestion.Endpoint, users, assoc), nil
	}))
}
