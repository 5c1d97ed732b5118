package emulator

import (
	"encoding/json"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/sentinel-mcp/sentinel-mcp/internal/schema"
)

// Microsoft.OperationalInsights tables: list (not pageable), get, and PUT/PATCH/DELETE as long-running
// operations (202 + Azure-AsyncOperation + Location + Retry-After) with Azure's restrictions on plans
// and retention.

const tableType = "Microsoft.OperationalInsights/workspaces/tables"

func init() {
	addType(workspacePrefix+"tables/*", &rtype{armType: tableType, get: true, etag: etagNone, list: listTables})
	addRoute(workspacePrefix+"tables/*", "GET", func(c *call) { c.e.getTable(c) })
	addRoute(workspacePrefix+"tables/*", "PUT,PATCH", func(c *call) { c.e.putTable(c) })
	addRoute(workspacePrefix+"tables/*", "DELETE", func(c *call) { c.e.deleteTable(c) })
	addRoute(workspacePrefix+"tables/*/cancelsearch", "POST", func(c *call) { c.w.WriteHeader(http.StatusOK) })
}

var columnTypes = map[string]string{"string": "string", "int": "int", "long": "long", "real": "real", "boolean": "boolean",
	"bool": "boolean", "datetime": "dateTime", "guid": "guid", "dynamic": "dynamic"}

// Microsoft tables that support the Basic plan (a representative subset of Azure's list).
var basicCapableTables = map[string]bool{"containerlogv2": true, "apptraces": true, "appdependencies": true,
	"storagebloblogs": true, "aadnoninteractiveusersigninlogs": true, "aadserviceprincipalsigninlogs": true,
	"commonsecuritylog": true, "syslog": true, "securityevent": false}

// Microsoft tables exist in every workspace without anyone creating them: the Log Management ones in
// all, the others (Sentinel, Defender) once Sentinel is onboarded. The emulator serves those it knows
// (internal/schema) from their schema until one is changed, when it is stored like any table.

// builtInTable is the document of a Microsoft table the store does not hold (name case-insensitive).
func (e *Emulator) builtInTable(st *store, wsID, name string) (doc, bool) {
	t, ok := schema.LookupFold(name)
	if !ok || t.IsCustom() {
		return nil, false
	}
	ws, ok := st.get(wsID)
	if !ok {
		return nil, false
	}
	if !slices.Contains(t.Solutions, "LogManagement") && !st.exists(str(ws["id"])+"/providers/Microsoft.SecurityInsights/onboardingStates/default") {
		return nil, false
	}
	b, err := json.Marshal(t.ARMResource(str(ws["id"]), schema.Retention{WorkspaceRetention: e.workspaceRetention(wsID)}))
	if err != nil {
		return nil, false
	}
	d, err := decodeDoc(b)
	if err != nil {
		return nil, false
	}
	d["systemData"] = seededSystemData
	return d, true
}

// tableAt returns the stored table at id, or the built-in Microsoft table of that name.
func (e *Emulator) tableAt(st *store, id string) (doc, bool) {
	if d, ok := st.get(id); ok {
		return d, true
	}
	return e.builtInTable(st, workspaceOf(id), lastSeg(id))
}

func (e *Emulator) getTable(c *call) {
	id := c.resourceID()
	_, st, _ := e.state()
	d, ok := e.tableAt(st, id)
	if !ok {
		if perr := e.requireParent(collectionPathOf(id)); perr != nil {
			c.fail(perr)
			return
		}
		c.fail(notFound(id))
		return
	}
	c.ok(http.StatusOK, d)
}

// listTables adds the built-in tables the store does not hold to a workspace's stored ones.
func listTables(c *call, items []doc) ([]doc, *apiError) {
	_, st, _ := c.e.state()
	wsID := workspaceOf(c.resourceID())
	have := map[string]bool{}
	for _, d := range items {
		have[strings.ToLower(str(d["name"]))] = true
	}
	for _, t := range schema.All() {
		if have[strings.ToLower(t.Name)] {
			continue
		}
		if d, ok := c.e.builtInTable(st, wsID, t.Name); ok {
			items = append(items, d)
		}
	}
	return items, nil
}

func tableErr(format string, args ...any) *apiError {
	return badRequest("InvalidParameter", format, args...)
}

func (e *Emulator) workspaceRetention(wsID string) int {
	_, st, _ := e.state()
	if ws, ok := st.get(wsID); ok {
		if n, err := numberOf(props(ws)["retentionInDays"]); err == nil && n > 0 {
			return int(n)
		}
	}
	return 30
}

func (e *Emulator) putTable(c *call) {
	body, aerr := c.readBody()
	if aerr != nil {
		c.fail(aerr)
		return
	}
	id := c.resourceID()
	wsID := workspaceOf(id)
	if perr := e.requireParent(collectionPathOf(id)); perr != nil {
		c.fail(perr)
		return
	}
	e.writeMu.Lock()
	defer e.writeMu.Unlock()
	_, st, _ := e.state()
	old, exists := e.tableAt(st, id)
	if c.r.Method == http.MethodPatch && !exists {
		c.fail(notFound(id))
		return
	}
	name := lastSeg(id)
	in, _ := body["properties"].(map[string]any)
	if in == nil {
		in = map[string]any{}
	}
	var d doc
	if exists {
		d = cloneDoc(old)
		name = str(old["name"])
	} else {
		if err := validateNewTableName(name, in); err != nil {
			c.fail(err)
			return
		}
		d = doc{"id": id, "name": name, "type": tableType, "properties": map[string]any{
			"plan": "Analytics", "retentionInDays": -1, "totalRetentionInDays": -1,
			"schema": map[string]any{"name": name, "tableType": newTableType(name), "tableSubType": "DataCollectionRuleBased",
				"columns": []any{}, "standardColumns": []any{map[string]any{"name": "TenantId", "type": "guid", "isDefaultDisplay": false, "isHidden": true}},
				"solutions": []any{"LogManagement"}},
		}}
	}
	p := ensureProps(d)
	oldPlan := str(p["plan"])
	if err := e.applyTableUpdate(c, wsID, d, in, exists); err != nil {
		c.fail(err)
		return
	}
	now := e.now().Format(time.RFC3339)
	if newPlan := str(p["plan"]); newPlan != oldPlan || !exists {
		p["lastPlanModifiedDate"] = now
	}
	d["systemData"] = c.systemData(old)
	final := cloneDoc(d)
	ensureProps(final)["provisioningState"] = "Succeeded"
	p["provisioningState"] = "Updating"
	if !exists {
		p["provisioningState"] = "InProgress"
	}
	canon := str(d["id"])
	st.put(canon, d)
	sub := parseARM(c.segs, c.lsegs).subID
	var op *lroOp
	op = e.startOp(sub, canon, func() *apiError {
		st.put(canon, final)
		e.ops.mu.Lock()
		op.result = final
		e.ops.mu.Unlock()
		return nil
	})
	e.changed()
	loc := e.workspaceLocation(wsID)
	c.asyncHeaders(op, "/subscriptions/"+sub+"/providers/Microsoft.OperationalInsights/locations/"+loc+"/operationStatuses/"+op.id, canon+"/operationResults/"+op.id)
	c.w.WriteHeader(http.StatusAccepted)
}

func newTableType(name string) string {
	switch {
	case strings.HasSuffix(name, "_SRCH"):
		return "SearchResults"
	case strings.HasSuffix(name, "_RST"):
		return "RestoredLogs"
	}
	return "CustomLog"
}

func validateNewTableName(name string, in map[string]any) *apiError {
	switch {
	case strings.HasSuffix(name, "_CL"):
		sch, _ := in["schema"].(map[string]any)
		cols, _ := sch["columns"].([]any)
		hasTime := false
		for _, x := range cols {
			m, _ := x.(map[string]any)
			if str(m["name"]) == "TimeGenerated" && strings.EqualFold(str(m["type"]), "datetime") {
				hasTime = true
			}
		}
		if !hasTime {
			return tableErr("Table '%s' schema must contain a column 'TimeGenerated' of type 'dateTime'.", name)
		}
	case strings.HasSuffix(name, "_SRCH"):
		if in["searchResults"] == nil {
			return tableErr("Table '%s' is a search results table: 'properties.searchResults' is required.", name)
		}
	case strings.HasSuffix(name, "_RST"):
		if in["restoredLogs"] == nil {
			return tableErr("Table '%s' is a restored logs table: 'properties.restoredLogs' is required.", name)
		}
	default:
		return tableErr("Table '%s' does not exist. Custom table names must end with '_CL' (search results '_SRCH', restored logs '_RST').", name)
	}
	return nil
}

// applyTableUpdate merges the writable properties of in into the table document d.
func (e *Emulator) applyTableUpdate(c *call, wsID string, d doc, in map[string]any, exists bool) *apiError {
	p := ensureProps(d)
	name := str(d["name"])
	sch, _ := p["schema"].(map[string]any)
	tableKind := str(sch["tableType"])
	sub := str(sch["tableSubType"])
	oldPlan := str(p["plan"])
	if v, ok := in["plan"]; ok {
		plan := str(v)
		switch plan {
		case "Analytics", "Basic", "Auxiliary":
		default:
			return tableErr("The plan '%s' is not valid. Valid plans: Analytics, Basic, Auxiliary.", plan)
		}
		if exists && plan != oldPlan && (plan == "Auxiliary" || oldPlan == "Auxiliary") {
			return tableErr("The plan of table '%s' cannot be changed from '%s' to '%s': the Auxiliary plan can only be set when a table is created.", name, oldPlan, plan)
		}
		if plan == "Basic" && oldPlan != "Basic" {
			if tableKind == "Microsoft" && !basicCapableTables[strings.ToLower(name)] {
				return tableErr("Table '%s' does not support the Basic plan.", name)
			}
			if tableKind == "CustomLog" && sub == "Classic" {
				return tableErr("Table '%s' is a classic custom table; migrate it to a DCR-based table before changing its plan to Basic.", name)
			}
		}
		if plan == "Auxiliary" && tableKind != "CustomLog" {
			return tableErr("Only DCR-based custom tables can use the Auxiliary plan.")
		}
		p["plan"] = plan
	}
	plan := str(p["plan"])
	wsRet := e.workspaceRetention(wsID)
	// A retention that follows its default (the workspace's, the interactive one) keeps following it
	// unless this request sets it, as Azure does.
	for k, flag := range map[string]string{"retentionInDays": "retentionInDaysAsDefault", "totalRetentionInDays": "totalRetentionInDaysAsDefault"} {
		if _, set := in[k]; !set && p[flag] == true {
			p[k] = -1
		}
	}
	if v, ok := in["retentionInDays"]; ok && v != nil {
		n, err := numberOf(v)
		if err != nil {
			return tableErr("retentionInDays must be a number.")
		}
		if plan != "Analytics" && int(n) != -1 && int(n) != 30 {
			return tableErr("retentionInDays cannot be set for table '%s' with the %s plan: its interactive retention is fixed at 30 days.", name, plan)
		}
		if plan == "Analytics" && int(n) != -1 && (n < 4 || n > 730) {
			return tableErr("retentionInDays %d is out of range for table '%s': it must be between 4 and 730, or -1 for the workspace default.", int(n), name)
		}
		p["retentionInDays"] = int(n)
	}
	if v, ok := in["totalRetentionInDays"]; ok && v != nil {
		n, err := numberOf(v)
		if err != nil {
			return tableErr("totalRetentionInDays must be a number.")
		}
		if int(n) != -1 && (n < 4 || n > 4383) {
			return tableErr("totalRetentionInDays %d is out of range for table '%s': it must be between 4 and 4383, or -1 to match retentionInDays.", int(n), name)
		}
		p["totalRetentionInDays"] = int(n)
	}
	if sIn, ok := in["schema"].(map[string]any); ok {
		if cols, ok := sIn["columns"].([]any); ok {
			norm := make([]any, 0, len(cols))
			for _, x := range cols {
				m, _ := x.(map[string]any)
				t, ok := columnTypes[strings.ToLower(str(m["type"]))]
				if !ok || str(m["name"]) == "" {
					return tableErr("Column '%s' has an invalid type '%s'. Valid types: string, int, long, real, boolean, dateTime, guid, dynamic.", str(m["name"]), str(m["type"]))
				}
				col := cloneDoc(m)
				col["type"] = t
				col["isDefaultDisplay"] = false
				col["isHidden"] = false
				norm = append(norm, col)
			}
			sch["columns"] = norm
		}
		for _, k := range []string{"description", "displayName", "categories", "labels"} {
			if v, ok := sIn[k]; ok {
				sch[k] = v
			}
		}
	}
	for _, k := range []string{"searchResults", "restoredLogs"} {
		if v, ok := in[k]; ok {
			p[k] = v
		}
	}
	if p["searchResults"] != nil {
		p["resultStatistics"] = map[string]any{"progress": 100, "ingestedRecords": 0, "scannedGb": 0}
	}
	// Effective retention values, as Azure reports them.
	ret, _ := numberOf(p["retentionInDays"])
	retDefault := int(ret) == -1 || plan != "Analytics"
	effRet := int(ret)
	if plan != "Analytics" {
		effRet = 30
	} else if retDefault {
		effRet = wsRet
	}
	tot, err := numberOf(p["totalRetentionInDays"])
	totDefault := err != nil || int(tot) == -1
	effTot := int(tot)
	if totDefault {
		effTot = effRet
	}
	if effTot < effRet {
		return tableErr("totalRetentionInDays (%d) must be greater than or equal to retentionInDays (%d) for table '%s'.", effTot, effRet, name)
	}
	p["retentionInDays"], p["totalRetentionInDays"] = effRet, effTot
	p["retentionInDaysAsDefault"] = retDefault
	p["totalRetentionInDaysAsDefault"] = totDefault
	p["archiveRetentionInDays"] = effTot - effRet
	return nil
}

func (e *Emulator) workspaceLocation(wsID string) string {
	_, st, _ := e.state()
	if ws, ok := st.get(wsID); ok && str(ws["location"]) != "" {
		return strings.ToLower(strings.ReplaceAll(str(ws["location"]), " ", ""))
	}
	return "westeurope"
}

func (e *Emulator) deleteTable(c *call) {
	id := c.resourceID()
	e.writeMu.Lock()
	defer e.writeMu.Unlock()
	_, st, _ := e.state()
	cur, ok := e.tableAt(st, id)
	if !ok {
		if perr := e.requireParent(collectionPathOf(id)); perr != nil {
			c.fail(perr)
			return
		}
		c.w.WriteHeader(http.StatusNoContent)
		return
	}
	sch, _ := props(cur)["schema"].(map[string]any)
	if str(sch["tableType"]) == "Microsoft" {
		c.fail(tableErr("Table '%s' is a Microsoft table and cannot be deleted. To stop paying for it, stop the data collection or lower its retention.", str(cur["name"])))
		return
	}
	canon := str(cur["id"])
	deleting := cloneDoc(cur)
	ensureProps(deleting)["provisioningState"] = "Deleting"
	st.put(canon, deleting)
	sub := parseARM(c.segs, c.lsegs).subID
	op := e.startOp(sub, canon, func() *apiError {
		st.delete(canon)
		return nil
	})
	e.changed()
	loc := e.workspaceLocation(workspaceOf(canon))
	c.asyncHeaders(op, "/subscriptions/"+sub+"/providers/Microsoft.OperationalInsights/locations/"+loc+"/operationStatuses/"+op.id, canon+"/operationResults/"+op.id)
	c.w.WriteHeader(http.StatusAccepted)
}
