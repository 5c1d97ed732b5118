package sentinel

import (
	"context"
	"fmt"
	"net/http"
	"strings"
)

// Log Analytics tables of the workspace (Microsoft.OperationalInsights/workspaces/tables). Writes
// (create, plan, retention, delete) are long-running operations: they are followed to their end,
// reporting polls to the context's progress reporter (WithProgress).

// Table plans.
const (
	PlanAnalytics = "Analytics"
	PlanBasic     = "Basic"
	PlanAuxiliary = "Auxiliary"
)

// Table types as ARM reports them (properties.schema.tableType).
const (
	TableTypeMicrosoft     = "Microsoft"
	TableTypeCustomLog     = "CustomLog"
	TableTypeRestoredLogs  = "RestoredLogs"
	TableTypeSearchResults = "SearchResults"
)

// Retention ranges Azure accepts, in days. -1 means "the default" (the workspace's retention for the
// interactive period, the interactive retention for the total).
const (
	MinRetentionDays      = 4
	MaxRetentionDays      = 730
	MinTotalRetentionDays = 4
	MaxTotalRetentionDays = 4383
	// FixedRetentionDays is the interactive retention of Basic and Auxiliary tables.
	FixedRetentionDays = 30
	// MaxCustomColumns is the number of columns a custom table may have.
	MaxCustomColumns = 500
)

// ColumnTypes are the column types of a table schema.
var ColumnTypes = []string{"string", "int", "long", "real", "boolean", "dateTime", "guid", "dynamic"}

// CanonicalColumnType returns the ARM spelling of a column type (case-insensitive; bool and datetime
// accepted), or "" when it is not a column type.
func CanonicalColumnType(t string) string {
	switch strings.ToLower(strings.TrimSpace(t)) {
	case "bool":
		return "boolean"
	case "double":
		return "real"
	}
	for _, v := range ColumnTypes {
		if strings.EqualFold(v, strings.TrimSpace(t)) {
			return v
		}
	}
	return ""
}

// Table is a Log Analytics table of a workspace.
type Table struct {
	Raw `json:"-"`
	Envelope
	Properties TableProperties `json:"properties"`
}

// TableProperties are a table's plan, retention and schema. The retention values are effective ones
// (the *AsDefault flags say whether they follow the default).
type TableProperties struct {
	Plan                          string      `json:"plan"`
	RetentionInDays               int         `json:"retentionInDays"`
	TotalRetentionInDays          int         `json:"totalRetentionInDays"`
	ArchiveRetentionInDays        int         `json:"archiveRetentionInDays"`
	RetentionInDaysAsDefault      bool        `json:"retentionInDaysAsDefault"`
	TotalRetentionInDaysAsDefault bool        `json:"totalRetentionInDaysAsDefault"`
	ProvisioningState             string      `json:"provisioningState"`
	LastPlanModifiedDate          string      `json:"lastPlanModifiedDate"`
	Schema                        TableSchema `json:"schema"`
}

// TableSchema is a table's schema: Columns are a custom table's own columns; StandardColumns the ones
// Log Analytics defines (all columns of a Microsoft table).
type TableSchema struct {
	Name            string        `json:"name"`
	DisplayName     string        `json:"displayName"`
	Description     string        `json:"description"`
	TableType       string        `json:"tableType"`
	TableSubType    string        `json:"tableSubType"`
	Columns         []TableColumn `json:"columns"`
	StandardColumns []TableColumn `json:"standardColumns"`
	Solutions       []string      `json:"solutions"`
	Categories      []string      `json:"categories"`
	Labels          []string      `json:"labels"`
}

// TableColumn is one column of a table schema.
type TableColumn struct {
	Name             string `json:"name"`
	Type             string `json:"type"`
	DataTypeHint     string `json:"dataTypeHint,omitempty"`
	DisplayName      string `json:"displayName,omitempty"`
	Description      string `json:"description,omitempty"`
	IsHidden         bool   `json:"isHidden,omitempty"`
	IsDefaultDisplay bool   `json:"isDefaultDisplay,omitempty"`
}

// UnmarshalJSON keeps the document (see MarshalKeep).
func (t *Table) UnmarshalJSON(b []byte) error {
	type plain Table
	return UnmarshalKeep(b, (*plain)(t), &t.Raw)
}

// MarshalJSON is the kept document with the modelled fields overlaid.
func (t Table) MarshalJSON() ([]byte, error) {
	type plain Table
	return MarshalKeep(plain(t), t.Raw)
}

// Kind is the table's type in words: Microsoft, custom, restored or search results.
func (t *Table) Kind() string {
	switch t.Properties.Schema.TableType {
	case TableTypeMicrosoft:
		return "Microsoft"
	case TableTypeCustomLog:
		return "custom"
	case TableTypeRestoredLogs:
		return "restored"
	case TableTypeSearchResults:
		return "search results"
	case "":
		if strings.HasSuffix(t.Name, "_CL") {
			return "custom"
		}
		return "Microsoft"
	}
	return t.Properties.Schema.TableType
}

// IsMicrosoft reports a built-in table (which cannot be deleted).
func (t *Table) IsMicrosoft() bool { return t.Kind() == "Microsoft" }

// AllColumns returns the table's columns: its standard columns, then its own.
func (t *Table) AllColumns() []TableColumn {
	out := make([]TableColumn, 0, len(t.Properties.Schema.StandardColumns)+len(t.Properties.Schema.Columns))
	out = append(out, t.Properties.Schema.StandardColumns...)
	return append(out, t.Properties.Schema.Columns...)
}

// Tables reads every table of the workspace (the API does not page them).
func (c *Client) Tables(ctx context.Context) ([]Table, error) {
	path, _ := c.WorkspaceChildPath("tables", "")
	items, _, err := c.ListAll(ctx, path, Query{}, 0)
	if err != nil {
		return nil, err
	}
	return DecodeAll[Table](items)
}

// Table reads one table by name. A missing one is an *azure.Error with IsNotFound.
func (c *Client) Table(ctx context.Context, name string) (*Table, error) {
	path, err := c.WorkspaceChildPath("tables", name)
	if err != nil {
		return nil, err
	}
	var t Table
	if err := c.Get(ctx, path, &t); err != nil {
		return nil, err
	}
	return &t, nil
}

// TableUpdate is a change of a table: nil fields are left as they are.
type TableUpdate struct {
	Plan                 *string
	RetentionInDays      *int
	TotalRetentionInDays *int
	// Columns replaces a custom table's own columns (create, or adding columns).
	Columns     []TableColumn
	Description *string
}

func (u TableUpdate) body(name string) map[string]any {
	p := map[string]any{}
	if u.Plan != nil {
		p["plan"] = *u.Plan
	}
	if u.RetentionInDays != nil {
		p["retentionInDays"] = *u.RetentionInDays
	}
	if u.TotalRetentionInDays != nil {
		p["totalRetentionInDays"] = *u.TotalRetentionInDays
	}
	if u.Columns != nil || u.Description != nil {
		s := map[string]any{"name": name}
		if u.Columns != nil {
			s["columns"] = u.Columns
		}
		if u.Description != nil {
			s["description"] = *u.Description
		}
		p["schema"] = s
	}
	return map[string]any{"properties": p}
}

// CreateTable creates a table (a custom table: the name ends in _CL) and waits for the operation.
func (c *Client) CreateTable(ctx context.Context, name string, u TableUpdate) (*Table, error) {
	path, err := c.WorkspaceChildPath("tables", name)
	if err != nil {
		return nil, err
	}
	var out Table
	if err := c.send(ctx, http.MethodPut, path, u.body(name), writeOptions(ctx, ""), &out); err != nil {
		return nil, err
	}
	return c.settled(ctx, name, &out)
}

// UpdateTable changes a table's plan, retention or columns (PATCH) and waits for the operation.
func (c *Client) UpdateTable(ctx context.Context, name string, u TableUpdate) (*Table, error) {
	path, err := c.WorkspaceChildPath("tables", name)
	if err != nil {
		return nil, err
	}
	var out Table
	if err := c.send(ctx, http.MethodPatch, path, u.body(name), writeOptions(ctx, ""), &out); err != nil {
		return nil, err
	}
	return c.settled(ctx, name, &out)
}

// settled returns the table read after its operation, re-reading it when the final answer carried
// no body (a 204 or an operation result without the resource).
func (c *Client) settled(ctx context.Context, name string, t *Table) (*Table, error) {
	if t.Name != "" {
		return t, nil
	}
	return c.Table(ctx, name)
}

// DeleteTable deletes a table and its data, waiting for the operation. Azure refuses to delete a
// Microsoft table.
func (c *Client) DeleteTable(ctx context.Context, name string) error {
	path, err := c.WorkspaceChildPath("tables", name)
	if err != nil {
		return err
	}
	return c.send(ctx, http.MethodDelete, path, nil, writeOptions(ctx, ""), nil)
}

// ValidColumnName checks a custom column name as Log Analytics does: a letter first, then letters,
// digits or underscores, at most 45 characters, and not a reserved standard column.
func ValidColumnName(name string) error {
	if name == "" {
		return fmt.Errorf("a column name is empty")
	}
	if len(name) > 45 {
		return fmt.Errorf("column name %q is longer than 45 characters", name)
	}
	for i, r := range name {
		letter := r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z'
		if i == 0 && !letter {
			return fmt.Errorf("column name %q must start with a letter", name)
		}
		if !letter && !(r >= '0' && r <= '9') && r != '_' {
			return fmt.Errorf("column name %q may only contain letters, digits and underscores", name)
		}
	}
	for _, r := range reservedColumns {
		if strings.EqualFold(r, name) {
			return fmt.Errorf("column name %q is reserved by Log Analytics", name)
		}
	}
	return nil
}

// reservedColumns are standard columns a custom table cannot declare.
// (Names starting with an underscore are refused by the first-letter rule.)
var reservedColumns = []string{"TenantId", "Type", "id", "MG", "ManagementGroupName"}
