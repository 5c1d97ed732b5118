// Package all lists every toolset of sentinel-mcp. A new toolset is one line in the registry below:
// its metadata and its Tools function.
//
// Tools functions must be cheap and side-effect free: they only build tool values (no Azure call, no
// I/O), because `sentinel-mcp tools` and the start-up path call them, and Deps may hold nil clients
// there.
package all

import (
	"github.com/sentinel-mcp/sentinel-mcp/internal/inventory"
	"github.com/sentinel-mcp/sentinel-mcp/internal/toolsets/automation"
	"github.com/sentinel-mcp/sentinel-mcp/internal/toolsets/backup"
	"github.com/sentinel-mcp/sentinel-mcp/internal/toolsets/compliance"
	"github.com/sentinel-mcp/sentinel-mcp/internal/toolsets/connectors"
	"github.com/sentinel-mcp/sentinel-mcp/internal/toolsets/dcr"
	"github.com/sentinel-mcp/sentinel-mcp/internal/toolsets/drift"
	"github.com/sentinel-mcp/sentinel-mcp/internal/toolsets/health"
	"github.com/sentinel-mcp/sentinel-mcp/internal/toolsets/incidents"
	"github.com/sentinel-mcp/sentinel-mcp/internal/toolsets/query"
	"github.com/sentinel-mcp/sentinel-mcp/internal/toolsets/rules"
	"github.com/sentinel-mcp/sentinel-mcp/internal/toolsets/savedsearches"
	"github.com/sentinel-mcp/sentinel-mcp/internal/toolsets/tables"
	"github.com/sentinel-mcp/sentinel-mcp/internal/toolsets/tenancy"
	"github.com/sentinel-mcp/sentinel-mcp/internal/toolsets/toolkit"
	"github.com/sentinel-mcp/sentinel-mcp/internal/toolsets/watchlists"
	"github.com/sentinel-mcp/sentinel-mcp/internal/toolsets/workbooks"
)

type entry struct {
	toolset inventory.Toolset
	tools   func(*toolkit.Deps) []inventory.Tool
}

// registry is every toolset, in the order tools are listed. Keep descriptions to one short line:
// they are part of the server instructions. Default toolsets must keep the default tool list under
// 20 KB (TestDefaultToolListSize).
var registry = []entry{
	{inventory.Toolset{Name: "tenancy", Description: "Tenants and Sentinel workspaces you may address, and their discovery.", Default: true}, tenancy.Tools},
	{inventory.Toolset{Name: "query", Description: "KQL on one or many workspaces, table schemas, offline validation, shipped hunts.", Default: true}, query.Tools},
	{inventory.Toolset{Name: "incidents", Description: "Incident triage across tenants: list, read, assign, update, comment, close.", Default: true}, incidents.Tools},
	{inventory.Toolset{Name: "rules", Description: "Analytics rules and templates, MITRE ATT&CK coverage, YAML/ARM export and import.", Default: true}, rules.Tools},
	{inventory.Toolset{Name: "automation", Description: "Automation rules: conditions on incidents and alerts, property changes, playbooks, tasks."}, automation.Tools},
	{inventory.Toolset{Name: watchlists.Name, Description: "Watchlists and their items: list, create from CSV, edit, delete."}, watchlists.Tools},
	{inventory.Toolset{Name: workbooks.Name, Description: "Workbooks: list, export as JSON, import (also across workspaces), delete."}, workbooks.Tools},
	{inventory.Toolset{Name: tables.Name, Description: "Log Analytics tables: plans, retention, schemas, custom tables."}, tables.Tools},
	{inventory.Toolset{Name: savedsearches.Name, Description: "Saved searches and KQL functions (parsers)."}, savedsearches.Tools},
	{inventory.Toolset{Name: dcr.Name, Description: "Data collection rules and endpoints, transformations, ingestion dry runs."}, dcr.Tools},
	{inventory.Toolset{Name: connectors.Name, Description: "Data connectors and the freshness of their data."}, connectors.Tools},
	{inventory.Toolset{Name: health.Name, Description: "Workspace health across tenants: silent connectors, failing rules, ingestion anomalies, untriaged incidents.", Default: true}, health.Tools},
	{inventory.Toolset{Name: compliance.Name, Description: "Compliance against a policy (retention, rules, connectors, MITRE, UEBA) and SOC reports for customers."}, compliance.Tools},
	{inventory.Toolset{Name: "drift", Description: "Configuration drift of workspaces against a baseline workspace or export."}, drift.Tools},
	{inventory.Toolset{Name: "backup", Description: "Export a workspace's content to a git-friendly folder, restore it, deploy content to many tenants."}, backup.Tools},
}

// Toolsets returns the metadata of every toolset.
func Toolsets() []inventory.Toolset {
	out := make([]inventory.Toolset, len(registry))
	for i, e := range registry {
		out[i] = e.toolset
	}
	return out
}

// Tools returns every tool of every toolset, built with d.
func Tools(d *toolkit.Deps) []inventory.Tool {
	var out []inventory.Tool
	for _, e := range registry {
		out = append(out, e.tools(d)...)
	}
	return out
}

// Builder returns an inventory builder over every toolset, which builds a toolset's tools only when
// the filter needs them (start-up builds the enabled toolsets only).
func Builder(d *toolkit.Deps) *inventory.Builder {
	sources := make([]inventory.ToolsetSource, len(registry))
	for i, e := range registry {
		sources[i] = inventory.ToolsetSource{Toolset: e.toolset, Tools: func() []inventory.Tool { return e.tools(d) }}
	}
	return inventory.NewLazyBuilder(sources)
}
