package emulator

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/sentinel-mcp/sentinel-mcp/internal/kql"
	"github.com/sentinel-mcp/sentinel-mcp/internal/kql/data"
	"github.com/sentinel-mcp/sentinel-mcp/internal/schema"
)

// queryMaxMemory bounds what one query may hold, so that one query cannot
// take the emulator down.
const queryMaxMemory = 512 << 20

// execute runs a query on the KQL engine over the workspaces of the request.
func (e *Emulator) execute(ctx context.Context, c *call, qr *queryRequest) (*queryResult, error) {
	src := &wsSource{e: e, c: c, workspaces: qr.workspaces, resourceID: qr.resourceID}
	maxRows := queryMaxRows
	if e.opts.queryMaxRows > 0 {
		maxRows = e.opts.queryMaxRows
	}
	opts := kql.Options{Now: e.now(), MaxRows: maxRows, MaxMemory: queryMaxMemory, Timeout: qr.wait,
		HiddenColumns: hiddenColumns()}
	if qr.hasSpan {
		opts.From, opts.To = qr.from, qr.to
	}
	res, err := kql.Execute(ctx, src, qr.query, opts)
	if err != nil {
		var ke *kql.Error
		if !errors.As(err, &ke) {
			return nil, err
		}
		return nil, queryError(ke, qr.wait)
	}
	out := &queryResult{scannedRows: src.scanned()}
	for _, t := range res.Tables {
		cols := make([]any, len(t.Columns))
		for i, col := range t.Columns {
			cols[i] = map[string]any{"name": col.Name, "type": col.Type}
		}
		rows := t.Rows
		if rows == nil {
			rows = [][]any{}
		}
		out.tables = append(out.tables, map[string]any{"name": t.Name, "columns": cols, "rows": rows})
	}
	if res.Truncated {
		out.partial = partialError(fmt.Sprintf("Query result set has exceeded the internal record count limit %d (E_QUERY_RESULT_SET_TOO_LARGE; see https://aka.ms/kustoquerylimits)", maxRows))
	}
	if res.Render != nil {
		props := map[string]any{}
		for k, v := range res.Render.Props {
			props[k] = v
		}
		out.render = map[string]any{"visualization": res.Render.Visualization, "title": props["title"], "accumulate": false,
			"isQuerySorted": false, "kind": props["kind"], "legend": props["legend"], "series": props["series"],
			"yMin": "NaN", "yMax": "NaN", "xAxis": props["xaxis"], "xColumn": props["xcolumn"], "xTitle": props["xtitle"],
			"yAxis": props["yaxis"], "yColumns": props["ycolumns"], "ySplit": props["ysplit"], "yTitle": props["ytitle"],
			"anomalyColumns": props["anomalycolumns"]}
	}
	return out, nil
}

// queryError renders an engine error the way the query API does: a
// BadArgumentError whose innererror is SyntaxError or SemanticError and,
// innermost, the Kusto code and message (with line, pos and token for
// syntax errors).
func queryError(ke *kql.Error, wait time.Duration) *apiError {
	switch ke.Code {
	case kql.CodeSyntax:
		pos := max(ke.Col-1, 0) // Azure's pos is the 0-based column
		token := ke.Token
		msg := fmt.Sprintf("Query could not be parsed at '%s' on line [%d,%d]", token, ke.Line, pos)
		if ke.Line == 0 {
			msg = "Query could not be parsed: " + ke.Message
		}
		inner := map[string]any{"code": "SYN0002", "message": msg, "line": ke.Line, "pos": pos, "token": token}
		return &apiError{Status: http.StatusBadRequest, Code: "BadArgumentError", Message: "The request had some invalid properties",
			Inner: map[string]any{"code": "SyntaxError", "message": "A recognition error occurred in the query.", "innererror": inner}}
	case kql.CodeSemantic, kql.CodeNotSupported:
		code := ke.SubCode
		switch code {
		case "", "SEM0101": // Kusto reports every failed name resolution as SEM0100
			code = "SEM0100"
		}
		if ke.Code == kql.CodeNotSupported {
			code = "SEM0002"
		}
		msg := ke.Message
		if ke.Hint != "" && !strings.Contains(msg, ke.Hint) {
			msg += " (" + ke.Hint + ")"
		}
		inner := map[string]any{"code": code, "message": msg}
		if ke.Line > 0 { // where the offending name is, as syntax errors say it (0-based pos)
			inner["line"], inner["pos"] = ke.Line, max(ke.Col-1, 0)
		}
		return &apiError{Status: http.StatusBadRequest, Code: "BadArgumentError", Message: "The request had some invalid properties",
			Inner: map[string]any{"code": "SemanticError", "message": "A semantic error occurred.", "innererror": inner}}
	case kql.CodeTimeout:
		return errf(http.StatusGatewayTimeout, "GatewayTimeout", "The query has exceeded the allowed wait time of %s (Prefer: wait=%d).", wait, int(wait/time.Second))
	case kql.CodeCanceled:
		return errf(499, "RequestCanceled", "The query was canceled.")
	case kql.CodeLimitExceeded:
		return &apiError{Status: http.StatusBadRequest, Code: "BadArgumentError", Message: "The request had some invalid properties",
			Inner: map[string]any{"code": "LimitsExceeded", "message": ke.Message}}
	}
	return errf(http.StatusInternalServerError, "InternalServerError", "The query failed: %s", ke.Message)
}

var hiddenColumns = sync.OnceValue(func() []string {
	seen := map[string]bool{}
	var out []string
	for _, t := range schema.All() {
		for _, c := range t.Columns {
			if c.Hidden && !seen[c.Name] {
				seen[c.Name] = true
				out = append(out, c.Name)
			}
		}
	}
	return out
})

// wsSource is the engine's view of the workspaces a query reads: a bare
// table name is the union of that table over them (cross-workspace queries
// list several); workspace("x") narrows to one. Resource-centric queries
// see only the rows of their resource.
type wsSource struct {
	e          *Emulator
	c          *call
	workspaces []doc
	resourceID string

	mu      sync.Mutex
	tables  map[string]*data.Table
	missing map[string]bool
	rows    int
}

func (s *wsSource) scanned() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.rows
}

// Table returns a table of the source (nil, false when no workspace has it).
func (s *wsSource) Table(name string) (*data.Table, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if t, ok := s.tables[name]; ok {
		return t, true
	}
	if s.missing[name] {
		return nil, false
	}
	var parts []*data.Table
	for _, ws := range s.workspaces {
		if t, ok := s.e.workspaceTable(ws, name); ok {
			parts = append(parts, t)
		}
	}
	if len(parts) == 0 {
		if s.missing == nil {
			s.missing = map[string]bool{}
		}
		s.missing[name] = true
		return nil, false
	}
	t := concatTables(parts)
	if s.resourceID != "" {
		t = rowsOfResource(t, s.resourceID)
	}
	if s.tables == nil {
		s.tables = map[string]*data.Table{}
	}
	s.tables[name] = t
	s.rows += t.Len()
	return t, true
}

// TableNames lists the tables of every workspace of the source.
func (s *wsSource) TableNames() []string {
	set := map[string]bool{}
	for _, ws := range s.workspaces {
		for _, n := range s.e.workspaceTableNames(ws) {
			set[n] = true
		}
	}
	out := make([]string, 0, len(set))
	for n := range set {
		out = append(out, n)
	}
	sort.Strings(out)
	return out
}

// Workspace resolves workspace("ref") among the workspaces the caller may
// read.
func (s *wsSource) Workspace(ref string) (kql.DataSource, bool) {
	ws, ok := s.e.findWorkspace(ref)
	if !ok || !s.e.canQuery(s.c.user, ws) {
		return nil, false
	}
	return &wsSource{e: s.e, c: s.c, workspaces: []doc{ws}}, true
}

// Function returns a workspace function: a saved search with a function
// alias, in one of the source's workspaces.
func (s *wsSource) Function(name string) (string, []kql.FuncParam, bool) {
	_, st, _ := s.e.state()
	for _, ws := range s.workspaces {
		for _, ss := range st.list(str(ws["id"]) + "/savedSearches") {
			p := props(ss)
			if str(p["functionAlias"]) != name {
				continue
			}
			return str(p["query"]), parseFunctionParams(str(p["functionParameters"])), true
		}
	}
	return "", nil, false
}

// TableFunction implements Sentinel's _GetWatchlist('alias'): the items of
// the watchlist, one column per CSV column, plus _DTItemId,
// LastUpdatedTimeUTC, SearchKey and the whole item as WatchlistItem.
func (s *wsSource) TableFunction(name string, args []data.Value) (*data.Table, bool, error) {
	if name != "_GetWatchlist" {
		return nil, false, nil
	}
	if len(args) != 1 {
		return nil, true, fmt.Errorf("_GetWatchlist() expects the watchlist alias")
	}
	alias := args[0].String()
	_, st, _ := s.e.state()
	var items []doc
	var searchKey string
	found := false
	for _, ws := range s.workspaces {
		base := str(ws["id"]) + "/providers/Microsoft.SecurityInsights/watchlists/" + alias
		wl, ok := st.get(base)
		if !ok {
			continue
		}
		found = true
		searchKey = str(props(wl)["itemsSearchKey"])
		items = append(items, st.list(base+"/watchlistItems")...)
	}
	if !found {
		return nil, true, fmt.Errorf("_GetWatchlist(): watchlist '%s' does not exist in the workspace", alias)
	}
	var names []string
	seen := map[string]bool{}
	for _, it := range items {
		kv, _ := props(it)["itemsKeyValue"].(map[string]any)
		keys := make([]string, 0, len(kv))
		for k := range kv {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			if !seen[k] {
				seen[k] = true
				names = append(names, k)
			}
		}
	}
	cols := []data.Column{{Name: "_DTItemId", Type: data.String}, {Name: "LastUpdatedTimeUTC", Type: data.DateTime},
		{Name: "SearchKey", Type: data.String}, {Name: "WatchlistItem", Type: data.Dynamic}}
	for _, n := range names {
		cols = append(cols, data.Column{Name: n, Type: data.String})
	}
	b := data.NewTableBuilder("_GetWatchlist", cols, len(items))
	row := make([]any, len(cols))
	for _, it := range items {
		p := props(it)
		kv, _ := p["itemsKeyValue"].(map[string]any)
		updated, _ := time.Parse(time.RFC3339Nano, str(p["updated"]))
		row[0], row[2], row[3] = str(p["watchlistItemId"]), str(kv[searchKey]), kv
		row[1] = nil
		if !updated.IsZero() {
			row[1] = updated
		}
		for i, n := range names {
			row[4+i] = str(kv[n])
		}
		if err := b.Append(row...); err != nil {
			return nil, true, err
		}
	}
	return b.Build(), true, nil
}

// parseFunctionParams reads a saved search's functionParameters
// ("a:string, b:int = 5, T:(*)").
func parseFunctionParams(s string) []kql.FuncParam {
	var out []kql.FuncParam
	depth, start := 0, 0
	var parts []string
	for i, r := range s {
		switch r {
		case '(':
			depth++
		case ')':
			depth--
		case ',':
			if depth == 0 {
				parts = append(parts, s[start:i])
				start = i + 1
			}
		}
	}
	parts = append(parts, s[start:])
	for _, p := range parts {
		p = strings.TrimSpace(p)
		if p == "" {
			continue
		}
		def := ""
		if i := strings.Index(p, "="); i >= 0 {
			p, def = strings.TrimSpace(p[:i]), strings.TrimSpace(p[i+1:])
		}
		name, typ, _ := strings.Cut(p, ":")
		fp := kql.FuncParam{Name: strings.TrimSpace(name), Default: def}
		if t, ok := data.ParseType(typ); ok {
			fp.Type = t
		} else if !strings.HasPrefix(strings.TrimSpace(typ), "(") {
			fp.Type = data.Dynamic
		}
		out = append(out, fp)
	}
	return out
}

// workspaceTable returns a table of one workspace: generated logs, else
// the known schema (or the workspace's custom table) with no rows.
func (e *Emulator) workspaceTable(ws doc, name string) (*data.Table, bool) {
	if t, ok := e.workspaceLogs(str(ws["id"]))[name]; ok {
		return t, true
	}
	if t, ok := schema.Lookup(name); ok {
		return data.EmptyTable(t.Schema()), true
	}
	_, st, _ := e.state()
	if d, ok := st.get(str(ws["id"]) + "/tables/" + name); ok {
		if t := customSchemaFromARM(d); t != nil {
			return data.EmptyTable(t.Schema()), true
		}
	}
	return nil, false
}

// workspaceTableNames lists the tables a workspace has.
func (e *Emulator) workspaceTableNames(ws doc) []string {
	set := map[string]bool{}
	for n := range e.workspaceLogs(str(ws["id"])) {
		set[n] = true
	}
	for _, n := range schema.Names() {
		set[n] = true
	}
	_, st, _ := e.state()
	for _, d := range st.list(str(ws["id"]) + "/tables") {
		set[str(d["name"])] = true
	}
	out := make([]string, 0, len(set))
	for n := range set {
		out = append(out, n)
	}
	return out
}

// concatTables appends the same table of several workspaces; columns are
// those of the first, matched by name.
func concatTables(parts []*data.Table) *data.Table {
	if len(parts) == 1 {
		return parts[0]
	}
	s := parts[0].Schema()
	n := 0
	for _, p := range parts {
		n += p.Len()
	}
	cols := make([]*data.Vector, len(s.Columns))
	for i, col := range s.Columns {
		vs := make([]*data.Vector, 0, len(parts))
		for _, p := range parts {
			if v, ok := p.ColumnByName(col.Name); ok && v.Type == col.Type {
				vs = append(vs, v)
			} else {
				vs = append(vs, data.ConstVector(data.NullValue(col.Type), p.Len()))
			}
		}
		cols[i] = data.Concat(col.Type, vs)
	}
	t, err := data.NewTable(s, cols)
	if err != nil {
		return parts[0]
	}
	return t
}

// rowsOfResource keeps the rows whose _ResourceId is the resource.
func rowsOfResource(t *data.Table, resourceID string) *data.Table {
	v, ok := t.ColumnByName("_ResourceId")
	if !ok {
		return data.EmptyTable(t.Schema())
	}
	var keep []int32
	for i := 0; i < v.N; i++ {
		if strings.EqualFold(strings.TrimSuffix(v.Str(i), "/"), strings.TrimSuffix(resourceID, "/")) {
			keep = append(keep, int32(i))
		}
	}
	cols := make([]*data.Vector, t.NumColumns())
	for i := range cols {
		cols[i] = t.Column(i).Gather(keep)
	}
	out, err := data.NewTable(t.Schema(), cols)
	if err != nil {
		return data.EmptyTable(t.Schema())
	}
	return out
}
