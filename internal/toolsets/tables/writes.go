package tables

import (
	"context"
	"fmt"
	"regexp"
	"strings"

	"github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/sentinel-mcp/sentinel-mcp/internal/audit"
	"github.com/sentinel-mcp/sentinel-mcp/internal/azure"
	"github.com/sentinel-mcp/sentinel-mcp/internal/inventory"
	"github.com/sentinel-mcp/sentinel-mcp/internal/sentinel"
	"github.com/sentinel-mcp/sentinel-mcp/internal/toolsets/toolkit"
)

var customNameRE = regexp.MustCompile(`^[A-Za-z][A-Za-z0-9_]*_CL$`)

// maxTableName is the longest table name Log Analytics accepts.
const maxTableName = 63

type columnIn struct {
	Name        string `json:"name"`
	Type        string `json:"type" jsonschema:"string, int, long, real, boolean, dateTime, guid or dynamic."`
	Description string `json:"description,omitempty"`
}

type createIn struct {
	toolkit.WorkspaceArg
	Table              string     `json:"table" jsonschema:"Table name, ending in _CL (e.g. FirewallAudit_CL)."`
	Columns            []columnIn `json:"columns" jsonschema:"Columns; TimeGenerated (dateTime) is added when missing."`
	Description        string     `json:"description,omitempty"`
	Plan               string     `json:"plan,omitempty" jsonschema:"Analytics (default), Basic or Auxiliary (only at creation)."`
	RetentionDays      int        `json:"retention_days,omitempty" jsonschema:"Interactive retention, 4-730 days (Analytics only; default: the workspace's)."`
	TotalRetentionDays int        `json:"total_retention_days,omitempty" jsonschema:"Total retention, 4-4383 days (default: the interactive retention)."`
}

type writeOut struct {
	Target
	TableInfo
	Notes []string `json:"notes,omitempty"`
}

func createCustomTable(d *toolkit.Deps) inventory.Tool {
	return inventory.New(Name, mcp.Tool{
		Name:        "create_custom_table",
		Description: "Create a custom log table (name ending in _CL) with typed columns, plan and retention, e.g. as the destination of a DCR.",
		Annotations: inventory.Annotations("Create a custom table", inventory.OpenWorld),
	}, func(ctx context.Context, req *mcp.CallToolRequest, in createIn) (*mcp.CallToolResult, writeOut, error) {
		cols, notes, err := checkColumns(in.Columns)
		if err != nil {
			return nil, writeOut{}, err
		}
		if err := checkCustomName(in.Table); err != nil {
			return nil, writeOut{}, err
		}
		plan := in.Plan
		if plan == "" {
			plan = sentinel.PlanAnalytics
		}
		u := sentinel.TableUpdate{Plan: &plan, Columns: cols}
		if in.Description != "" {
			u.Description = &in.Description
		}
		if in.RetentionDays != 0 {
			u.RetentionInDays = &in.RetentionDays
		}
		if in.TotalRetentionDays != 0 {
			u.TotalRetentionInDays = &in.TotalRetentionDays
		}
		if err := checkRetention(plan, u.RetentionInDays, u.TotalRetentionInDays, -1); err != nil {
			return nil, writeOut{}, err
		}
		c, err := clientFor(ctx, d, in.Workspace)
		if err != nil {
			return nil, writeOut{}, err
		}
		if _, err := c.Table(ctx, in.Table); err == nil {
			return nil, writeOut{}, fmt.Errorf("table %s already exists in %s, so nothing was created: get_table shows it", in.Table, c.Workspace().Alias)
		} else if !azure.IsNotFound(err) {
			return nil, writeOut{}, toolkit.Unavailable("checking table "+in.Table, err, "")
		}
		prog := toolkit.NewProgress(req)
		prog.Notify(ctx, "creating table "+in.Table+" in "+c.Workspace().Alias)
		t, err := c.CreateTable(sentinel.WithProgress(ctx, prog.Azure(ctx, "creating table "+in.Table)), in.Table, u)
		if err != nil {
			return nil, writeOut{}, refused("creating table "+in.Table+" in "+c.Workspace().Alias, err)
		}
		audit.RecordChange(ctx, nil, t)
		out := writeOut{Target: targetOf(c.Workspace()), TableInfo: infoOf(t), Notes: notes}
		res := toolkit.Text(fmt.Sprintf("Created table %s in %s with %d columns: plan %s, retention %d days interactive, %d days total.",
			t.Name, c.Workspace().Alias, len(cols), out.Plan, out.RetentionDays, out.TotalRetentionDays))
		addNotes(res, notes)
		return res, out, nil
	}, inventory.Enum("plan", sentinel.PlanAnalytics, sentinel.PlanBasic, sentinel.PlanAuxiliary))
}

func checkCustomName(name string) error {
	switch {
	case !strings.HasSuffix(name, "_CL"):
		return toolkit.ArgError("table", "custom table names end in _CL (with that case): use %s_CL", strings.TrimSuffix(strings.TrimSuffix(name, "_cl"), "_Cl"))
	case !customNameRE.MatchString(name):
		return toolkit.ArgError("table", "%q is not a table name: a letter first, then letters, digits or underscores, ending in _CL", name)
	case len(name) > maxTableName:
		return toolkit.ArgError("table", "%q is longer than %d characters", name, maxTableName)
	}
	return nil
}

// checkColumns validates the declared columns (names, types, duplicates) and adds TimeGenerated.
func checkColumns(in []columnIn) ([]sentinel.TableColumn, []string, error) {
	var notes []string
	if len(in) == 0 {
		return nil, nil, toolkit.ArgError("columns", "declare at least one column (name and type)")
	}
	if len(in) > sentinel.MaxCustomColumns {
		return nil, nil, toolkit.ArgError("columns", "%d columns; a table has at most %d", len(in), sentinel.MaxCustomColumns)
	}
	seen := map[string]bool{}
	hasTime := false
	var cols []sentinel.TableColumn
	for i, c := range in {
		arg := fmt.Sprintf("columns[%d]", i)
		if err := sentinel.ValidColumnName(c.Name); err != nil {
			return nil, nil, toolkit.ArgError(arg, "%v", err)
		}
		t := sentinel.CanonicalColumnType(c.Type)
		if t == "" {
			return nil, nil, toolkit.ArgError(arg, "column %s: %q is not a column type (use %s)", c.Name, c.Type, strings.Join(sentinel.ColumnTypes, ", "))
		}
		if seen[strings.ToLower(c.Name)] {
			return nil, nil, toolkit.ArgError(arg, "column %s is declared twice (column names are case-insensitive)", c.Name)
		}
		seen[strings.ToLower(c.Name)] = true
		if c.Name == "TimeGenerated" {
			if t != "dateTime" {
				return nil, nil, toolkit.ArgError(arg, "TimeGenerated must be of type dateTime, not %s", c.Type)
			}
			hasTime = true
		}
		cols = append(cols, sentinel.TableColumn{Name: c.Name, Type: t, Description: c.Description})
	}
	if !hasTime {
		if seen["timegenerated"] {
			return nil, nil, toolkit.ArgError("columns", "spell the time column TimeGenerated (with that case)")
		}
		cols = append([]sentinel.TableColumn{{Name: "TimeGenerated", Type: "dateTime", Description: "Time the record was generated."}}, cols...)
		notes = append(notes, "Added the TimeGenerated (dateTime) column every Log Analytics table needs.")
	}
	return cols, notes, nil
}

// checkRetention checks retention values against the plan before Azure is asked. current is the
// table's effective interactive retention (-1 when creating), for the total >= interactive rule.
func checkRetention(plan string, ret, total *int, current int) error {
	if ret != nil {
		n := *ret
		switch {
		case plan != sentinel.PlanAnalytics && n != -1 && n != sentinel.FixedRetentionDays:
			return toolkit.ArgError("retention_days", "the %s plan has a fixed interactive retention of %d days; set total_retention_days instead", plan, sentinel.FixedRetentionDays)
		case n != -1 && (n < sentinel.MinRetentionDays || n > sentinel.MaxRetentionDays):
			return toolkit.ArgError("retention_days", "%d is out of range: use %d to %d days, or -1 for the workspace default", n, sentinel.MinRetentionDays, sentinel.MaxRetentionDays)
		}
		if n > 0 {
			current = n
		}
	}
	if total != nil {
		n := *total
		switch {
		case n != -1 && (n < sentinel.MinTotalRetentionDays || n > sentinel.MaxTotalRetentionDays):
			return toolkit.ArgError("total_retention_days", "%d is out of range: use %d to %d days (12 years), or -1 to match the interactive retention", n, sentinel.MinTotalRetentionDays, sentinel.MaxTotalRetentionDays)
		case n != -1 && current > 0 && n < current:
			return toolkit.ArgError("total_retention_days", "%d days is shorter than the interactive retention (%d days): the total includes the interactive period", n, current)
		}
	}
	return nil
}

// refused wraps Azure's answer to a table write: a refusal (400) keeps Azure's reason.
func refused(what string, err error) error {
	if e, ok := azure.AsError(err); ok && e.Status == 400 {
		return fmt.Errorf("Azure refused %s: %s. Nothing was changed", what, strings.TrimRight(strings.TrimSpace(e.Message), "."))
	}
	return toolkit.Unavailable(what, err, "get_table shows the table's current state")
}

func addNotes(res *mcp.CallToolResult, notes []string) {
	if len(notes) > 0 {
		res.Content = append(res.Content, &mcp.TextContent{Text: strings.Join(notes, "\n")})
	}
}

type deleteIn struct {
	toolkit.WorkspaceArg
	Table string `json:"table" jsonschema:"Custom (_CL), restored (_RST) or search results (_SRCH) table."`
}

type deleteOut struct {
	Target
	Deleted string `json:"deleted"`
}

// deletable refuses what Azure refuses: Microsoft tables are part of the workspace.
func deletable(t *sentinel.Table, ws string) error {
	if t.IsMicrosoft() {
		return fmt.Errorf("%s is a Microsoft table of %s and cannot be deleted (only custom, restored and search results tables can). To stop paying for it, stop the data collection that fills it, or lower its retention with set_table_retention", t.Name, ws)
	}
	return nil
}

func deleteCustomTable(d *toolkit.Deps) inventory.Tool {
	return inventory.New(Name, mcp.Tool{
		Name:        "delete_custom_table",
		Description: "Delete a custom, restored or search results table and all its data. Microsoft tables cannot be deleted.",
		Annotations: inventory.Annotations("Delete a custom table", inventory.Destructive|inventory.Idempotent|inventory.OpenWorld),
	}, func(ctx context.Context, req *mcp.CallToolRequest, in deleteIn) (*mcp.CallToolResult, deleteOut, error) {
		c, err := clientFor(ctx, d, in.Workspace)
		if err != nil {
			return nil, deleteOut{}, err
		}
		t, err := readTable(ctx, c, in.Table)
		if err != nil {
			return nil, deleteOut{}, err
		}
		if err := deletable(t, c.Workspace().Alias); err != nil {
			return nil, deleteOut{}, err
		}
		prog := toolkit.NewProgress(req)
		prog.Notify(ctx, "deleting table "+t.Name+" of "+c.Workspace().Alias)
		if err := c.DeleteTable(sentinel.WithProgress(ctx, prog.Azure(ctx, "deleting table "+t.Name)), t.Name); err != nil {
			return nil, deleteOut{}, refused("deleting table "+t.Name, err)
		}
		audit.RecordChange(ctx, t, nil)
		return toolkit.Text(fmt.Sprintf("Deleted table %s and its data from %s.", t.Name, c.Workspace().Alias)),
			deleteOut{Target: targetOf(c.Workspace()), Deleted: t.Name}, nil
	}, inventory.Plan(func(ctx context.Context, in deleteIn) (string, error) {
		c, err := clientFor(ctx, d, in.Workspace)
		if err != nil {
			return "", err
		}
		t, err := readTable(ctx, c, in.Table)
		if err != nil {
			return "", err
		}
		if err := deletable(t, c.Workspace().Alias); err != nil {
			return "", err // refused at once: nothing to confirm
		}
		ti := infoOf(t)
		return fmt.Sprintf("Deletes %s table %s of %s (plan %s, %d columns) with all its data (up to %d days of records). Queries, rules and DCRs that use it will fail or drop data. This cannot be undone.",
			ti.Type, t.Name, c.Workspace().Alias, ti.Plan, len(t.AllColumns()), ti.TotalRetentionDays), nil
	}))
}

type planIn struct {
	toolkit.WorkspaceArg
	Table string `json:"table" jsonschema:"Table name."`
	Plan  string `json:"plan" jsonschema:"Analytics (full KQL, alerts) or Basic (cheaper ingestion, limited queries, 30-day interactive retention)."`
}

func setTablePlan(d *toolkit.Deps) inventory.Tool {
	return inventory.New(Name, mcp.Tool{
		Name:        "set_table_plan",
		Description: "Switch a table between the Analytics and Basic plans where Azure allows it (Auxiliary is set at creation only).",
		Annotations: inventory.Annotations("Set a table's plan", inventory.Idempotent|inventory.OpenWorld),
	}, func(ctx context.Context, req *mcp.CallToolRequest, in planIn) (*mcp.CallToolResult, writeOut, error) {
		c, err := clientFor(ctx, d, in.Workspace)
		if err != nil {
			return nil, writeOut{}, err
		}
		t, err := readTable(ctx, c, in.Table)
		if err != nil {
			return nil, writeOut{}, err
		}
		cur := t.Properties.Plan
		switch {
		case strings.EqualFold(cur, in.Plan):
			return toolkit.Text(fmt.Sprintf("%s is already on the %s plan: nothing to change.", t.Name, cur)), writeOut{Target: targetOf(c.Workspace()), TableInfo: infoOf(t)}, nil
		case in.Plan == sentinel.PlanAuxiliary || cur == sentinel.PlanAuxiliary:
			return nil, writeOut{}, fmt.Errorf("the plan of %s cannot be changed from %s to %s: Azure sets the Auxiliary plan only when a table is created (create a new _CL table with plan Auxiliary)", t.Name, cur, in.Plan)
		case t.Kind() == "restored" || t.Kind() == "search results":
			return nil, writeOut{}, fmt.Errorf("%s is a %s table: its plan cannot be changed", t.Name, t.Kind())
		}
		prog := toolkit.NewProgress(req)
		prog.Notify(ctx, fmt.Sprintf("switching %s from %s to %s", t.Name, cur, in.Plan))
		plan := in.Plan
		after, err := c.UpdateTable(sentinel.WithProgress(ctx, prog.Azure(ctx, "setting the plan of "+t.Name)), t.Name, sentinel.TableUpdate{Plan: &plan})
		if err != nil {
			return nil, writeOut{}, refused("switching "+t.Name+" to the "+in.Plan+" plan", err)
		}
		audit.RecordChange(ctx, t, after)
		out := writeOut{Target: targetOf(c.Workspace()), TableInfo: infoOf(after)}
		if plan == sentinel.PlanBasic {
			out.Notes = append(out.Notes, "Basic tables keep 30 days interactively, support a subset of KQL and cannot drive scheduled analytics rules.")
			if users := rulesReading(ctx, c, after.Name); len(users) > 0 {
				out.Notes = append(out.Notes, fmt.Sprintf("Warning: %d enabled analytics rule(s) of %s query %s and stop detecting on the Basic plan: %s. Switch back with plan Analytics, or point them at another table.",
					len(users), c.Workspace().Alias, after.Name, strings.Join(users, ", ")))
			}
		}
		res := toolkit.Text(fmt.Sprintf("%s in %s is now on the %s plan (was %s): retention %d days interactive, %d days total.",
			after.Name, c.Workspace().Alias, out.Plan, cur, out.RetentionDays, out.TotalRetentionDays))
		addNotes(res, out.Notes)
		return res, out, nil
	}, inventory.Enum("plan", sentinel.PlanAnalytics, sentinel.PlanBasic, sentinel.PlanAuxiliary))
}

// rulesReading names the enabled analytics rules whose query reads table (a best effort: a failure
// to list the rules leaves the warning out, not the change).
func rulesReading(ctx context.Context, c *sentinel.Client, table string) []string {
	rules, err := c.AlertRules(ctx)
	if err != nil {
		return nil
	}
	word := regexp.MustCompile(`(^|[^A-Za-z0-9_])` + regexp.QuoteMeta(table) + `($|[^A-Za-z0-9_])`)
	var out []string
	for _, r := range rules {
		if r.Enabled() && r.HasQuery() && word.MatchString(r.Query()) {
			out = append(out, fmt.Sprintf("%q", r.DisplayName()))
		}
	}
	return out
}

type retentionIn struct {
	toolkit.WorkspaceArg
	Table              string `json:"table" jsonschema:"Table name."`
	RetentionDays      int    `json:"retention_days,omitempty" jsonschema:"Interactive retention: 4-730 days, -1 for the workspace default (Analytics plan only)."`
	TotalRetentionDays int    `json:"total_retention_days,omitempty" jsonschema:"Total retention (interactive plus long-term): 4-4383 days, -1 to match the interactive retention."`
}

// retentionChange is the before/after of a retention change and what it does to data.
type retentionChange struct {
	t                    *sentinel.Table
	u                    sentinel.TableUpdate
	oldRet, oldTotal     int
	newRet, newTotal     int
	loses, movesLongTerm bool
}

func planRetention(c *sentinel.Client, t *sentinel.Table, in retentionIn) (*retentionChange, error) {
	if in.RetentionDays == 0 && in.TotalRetentionDays == 0 {
		return nil, toolkit.ArgError("retention_days", "give retention_days, total_retention_days or both")
	}
	rc := &retentionChange{t: t, oldRet: t.Properties.RetentionInDays, oldTotal: t.Properties.TotalRetentionInDays}
	if in.RetentionDays != 0 {
		rc.u.RetentionInDays = &in.RetentionDays
	}
	if in.TotalRetentionDays != 0 {
		rc.u.TotalRetentionInDays = &in.TotalRetentionDays
	}
	plan := t.Properties.Plan
	if plan == "" {
		plan = sentinel.PlanAnalytics
	}
	rc.newRet = rc.oldRet
	if rc.u.RetentionInDays != nil {
		rc.newRet = *rc.u.RetentionInDays
		if rc.newRet == -1 {
			rc.newRet = c.Workspace().RetentionDays
		}
	}
	if err := checkRetention(plan, rc.u.RetentionInDays, rc.u.TotalRetentionInDays, rc.newRet); err != nil {
		return nil, err
	}
	rc.newTotal = rc.oldTotal
	switch {
	case rc.u.TotalRetentionInDays != nil && *rc.u.TotalRetentionInDays == -1:
		rc.newTotal = rc.newRet
	case rc.u.TotalRetentionInDays != nil:
		rc.newTotal = *rc.u.TotalRetentionInDays
	case t.Properties.TotalRetentionInDaysAsDefault:
		rc.newTotal = rc.newRet
	}
	if rc.newTotal < rc.newRet {
		return nil, toolkit.ArgError("total_retention_days", "the total retention (%d days) would be shorter than the interactive retention (%d days): raise total_retention_days too", rc.newTotal, rc.newRet)
	}
	rc.loses = rc.newTotal < rc.oldTotal
	rc.movesLongTerm = rc.newRet < rc.oldRet && !rc.loses
	return rc, nil
}

func (rc *retentionChange) describe(ws string) string {
	s := fmt.Sprintf("Changes the retention of %s in %s: interactive %d -> %d days, total %d -> %d days.", rc.t.Name, ws, rc.oldRet, rc.newRet, rc.oldTotal, rc.newTotal)
	switch {
	case rc.loses:
		s += fmt.Sprintf(" Records older than %d days will be DELETED (Log Analytics purges them; this cannot be undone).", rc.newTotal)
	case rc.movesLongTerm:
		s += fmt.Sprintf(" Records older than %d days move to long-term retention: kept, but only reachable with search jobs or restores.", rc.newRet)
	default:
		s += " No data is removed."
	}
	return s
}

func setTableRetention(d *toolkit.Deps) inventory.Tool {
	return inventory.New(Name, mcp.Tool{
		Name:        "set_table_retention",
		Description: "Set a table's interactive and total retention. Shortening the total retention deletes older data.",
		Annotations: inventory.Annotations("Set a table's retention", inventory.Destructive|inventory.Idempotent|inventory.OpenWorld),
	}, func(ctx context.Context, req *mcp.CallToolRequest, in retentionIn) (*mcp.CallToolResult, writeOut, error) {
		c, err := clientFor(ctx, d, in.Workspace)
		if err != nil {
			return nil, writeOut{}, err
		}
		t, err := readTable(ctx, c, in.Table)
		if err != nil {
			return nil, writeOut{}, err
		}
		rc, err := planRetention(c, t, in)
		if err != nil {
			return nil, writeOut{}, err
		}
		prog := toolkit.NewProgress(req)
		prog.Notify(ctx, "setting the retention of "+t.Name)
		after, err := c.UpdateTable(sentinel.WithProgress(ctx, prog.Azure(ctx, "setting the retention of "+t.Name)), t.Name, rc.u)
		if err != nil {
			return nil, writeOut{}, refused("setting the retention of "+t.Name, err)
		}
		audit.RecordChange(ctx, t, after)
		out := writeOut{Target: targetOf(c.Workspace()), TableInfo: infoOf(after)}
		return toolkit.Text(fmt.Sprintf("%s in %s now keeps data %d days interactively and %d days in total (was %d and %d).",
			after.Name, c.Workspace().Alias, out.RetentionDays, out.TotalRetentionDays, rc.oldRet, rc.oldTotal)), out, nil
	}, inventory.Range("retention_days", -1, sentinel.MaxRetentionDays), inventory.Range("total_retention_days", -1, sentinel.MaxTotalRetentionDays),
		inventory.Plan(func(ctx context.Context, in retentionIn) (string, error) {
			c, err := clientFor(ctx, d, in.Workspace)
			if err != nil {
				return "", err
			}
			t, err := readTable(ctx, c, in.Table)
			if err != nil {
				return "", err
			}
			rc, err := planRetention(c, t, in)
			if err != nil {
				return "", err
			}
			return rc.describe(c.Workspace().Alias), nil
		}))
}
