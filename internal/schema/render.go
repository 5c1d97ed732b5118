package schema

import (
	"sort"

	"github.com/sentinel-mcp/sentinel-mcp/internal/kql/data"
)

// ARMColumnType is the type name the ARM tables API uses for a column type (string, int, long, real,
// boolean, dateTime, guid, dynamic). ARM has no timespan or decimal: they are reported as string and real.
func ARMColumnType(t data.Type) string {
	switch t {
	case data.Bool:
		return "boolean"
	case data.Int:
		return "int"
	case data.Long:
		return "long"
	case data.Real, data.Decimal:
		return "real"
	case data.DateTime:
		return "dateTime"
	case data.Guid:
		return "guid"
	case data.Dynamic:
		return "dynamic"
	}
	return "string"
}

// ParseARMColumnType parses an ARM column type (case-insensitive; also accepts the KQL names).
func ParseARMColumnType(s string) (data.Type, bool) { return data.ParseType(s) }

func armColumn(c Column) map[string]any {
	m := map[string]any{"name": c.Name, "type": ARMColumnType(c.Type), "isHidden": false, "isDefaultDisplay": false}
	if c.Description != "" {
		m["description"] = c.Description
	}
	return m
}

// ARMSchema renders properties.schema of an ARM table resource. Microsoft tables list their columns as
// standardColumns (read-only) and no custom columns; custom tables list their declared columns in columns and
// TenantId in standardColumns.
func (t *Table) ARMSchema() map[string]any {
	cols, std := []any{}, []any{}
	for _, c := range t.VisibleColumns() {
		switch {
		case t.IsCustom() && (c.Name == "TenantId" || c.Name == "Type"):
			if c.Name == "TenantId" {
				std = append(std, armColumn(c))
			}
		case t.IsCustom():
			cols = append(cols, armColumn(c))
		default:
			std = append(std, armColumn(c))
		}
	}
	subType := "Any"
	if t.IsCustom() {
		subType = "DataCollectionRuleBased"
	}
	return map[string]any{
		"name":            t.Name,
		"tableType":       t.TableType,
		"tableSubType":    subType,
		"description":     t.Description,
		"columns":         cols,
		"standardColumns": std,
		"solutions":       stringsAny(t.Solutions),
		"categories":      stringsAny(t.Categories),
	}
}

// Retention of a table in a workspace, for ARMResource. Days of -1 mean "the workspace default".
type Retention struct {
	Plan                 string // Analytics (default), Basic or Auxiliary
	RetentionInDays      int    // -1 = workspace default
	TotalRetentionInDays int    // -1 = same as retention
	WorkspaceRetention   int    // the workspace's retentionInDays
}

// ARMResource renders the ARM tables resource (GET .../workspaces/{ws}/tables/{name}) of the table in a
// workspace, with effective retention values and the *AsDefault flags the service reports.
func (t *Table) ARMResource(workspaceResourceID string, r Retention) map[string]any {
	plan := r.Plan
	if plan == "" {
		plan = "Analytics"
	}
	ret, retDefault := r.RetentionInDays, false
	if ret <= 0 {
		ret, retDefault = r.WorkspaceRetention, true
	}
	total, totalDefault := r.TotalRetentionInDays, false
	if total <= 0 {
		total, totalDefault = ret, true
	}
	return map[string]any{
		"id":   workspaceResourceID + "/tables/" + t.Name,
		"name": t.Name,
		"type": "Microsoft.OperationalInsights/workspaces/tables",
		"properties": map[string]any{
			"plan":                          plan,
			"retentionInDays":               ret,
			"totalRetentionInDays":          total,
			"archiveRetentionInDays":        total - ret,
			"retentionInDaysAsDefault":      retDefault,
			"totalRetentionInDaysAsDefault": totalDefault,
			"provisioningState":             "Succeeded",
			"schema":                        t.ARMSchema(),
		},
	}
}

// MetadataTable renders a table in the query API metadata shape (GET /v1/workspaces/{id}/metadata).
func (t *Table) MetadataTable(workspaceID string) map[string]any {
	cols := []any{}
	for _, c := range t.VisibleColumns() {
		m := map[string]any{"name": c.Name, "type": c.Type.String()}
		if c.Description != "" {
			m["description"] = c.Description
		}
		if c.Type == data.String && c.Name != "TenantId" {
			m["isPreferredFacet"] = true
		}
		cols = append(cols, m)
	}
	related := map[string]any{"categories": stringsAny(t.Categories), "solutions": stringsAny(t.Solutions)}
	if workspaceID != "" {
		related["workspaces"] = []any{workspaceID}
	}
	return map[string]any{"id": t.Name, "name": t.Name, "description": t.Description,
		"timespanColumn": t.TimeColumn, "columns": cols, "related": related}
}

// MetadataWorkspace identifies the workspace a metadata response is about.
type MetadataWorkspace struct {
	ID, ResourceID, Name, Region string
}

// Metadata renders the whole query API metadata response for a workspace holding tables: tables, solutions,
// categories and the workspace, cross-referenced by id like the service does.
func Metadata(tables []*Table, ws MetadataWorkspace) map[string]any {
	sols, cats := map[string][]string{}, map[string][]string{}
	var names []string
	outTables := make([]any, 0, len(tables))
	for _, t := range tables {
		outTables = append(outTables, t.MetadataTable(ws.ID))
		names = append(names, t.Name)
		for _, s := range t.Solutions {
			sols[s] = append(sols[s], t.Name)
		}
		for _, c := range t.Categories {
			cats[c] = append(cats[c], t.Name)
		}
	}
	outSols := []any{}
	for _, s := range sortedKeys(sols) {
		outSols = append(outSols, map[string]any{"id": s, "name": s, "related": map[string]any{
			"tables": stringsAny(sols[s]), "workspaces": []any{ws.ID}}})
	}
	outCats := []any{}
	for _, c := range sortedKeys(cats) {
		outCats = append(outCats, map[string]any{"id": c, "displayName": c, "related": map[string]any{
			"tables": stringsAny(cats[c])}})
	}
	return map[string]any{
		"tables":     outTables,
		"solutions":  outSols,
		"categories": outCats,
		"functions":  []any{},
		"workspaces": []any{map[string]any{"id": ws.ID, "resourceId": ws.ResourceID, "name": ws.Name, "region": ws.Region,
			"related": map[string]any{"tables": stringsAny(names), "solutions": stringsAny(sortedKeys(sols))}}},
	}
}

func stringsAny(s []string) []any {
	out := make([]any, len(s))
	for i, v := range s {
		out[i] = v
	}
	return out
}

func sortedKeys(m map[string][]string) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}
