package emulator

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// The Log Analytics query API (/v1): workspace queries (POST and GET), resource-centric queries,
// cross-workspace queries (workspaces[]), timespan, Prefer (wait, include-statistics, include-render),
// the metadata endpoint, and the service's error bodies.

const (
	queryMaxRows     = 500_000
	queryMaxBytes    = 64 << 20
	queryDefaultWait = 180 * time.Second
	queryMaxWait     = 600 * time.Second
	maxWorkspaces    = 100
)

// queryRequest is one parsed query.
type queryRequest struct {
	primary    doc   // the workspace the URL addresses (nil for resource-centric queries on non-workspaces)
	workspaces []doc // primary plus the workspaces[] of the body, deduplicated, all readable by the caller
	query      string
	from, to   time.Time
	hasSpan    bool
	wait       time.Duration
	stats      bool
	render     bool
	resourceID string // resource-centric: rows are those of this resource
}

func (e *Emulator) serveQuery(c *call) {
	e.completeDueOps()
	if c.user = e.authenticate(c); c.user == nil {
		return
	}
	ls := c.lsegs
	switch {
	case len(ls) == 4 && ls[1] == "workspaces" && (ls[3] == "query" || ls[3] == "metadata"):
		ws, err := e.queryWorkspace(c, c.segs[2])
		if err != nil {
			c.fail(err)
			return
		}
		if ls[3] == "metadata" {
			e.serveMetadata(c, ws)
			return
		}
		e.runQuery(c, ws, "")
	case len(ls) >= 3 && ls[len(ls)-1] == "query" && ls[1] == "subscriptions":
		e.resourceQuery(c)
	case len(ls) == 2 && ls[1] == "$batch":
		c.fail(errf(http.StatusNotImplemented, "NotImplemented", "The $batch endpoint is deprecated and not served by the emulator; send one POST /v1/workspaces/{id}/query per query."))
	default:
		c.fail(errf(http.StatusNotFound, "PathNotFoundError", "The requested path does not exist"))
	}
}

// queryWorkspace resolves a workspace reference and checks the caller may read it.
func (e *Emulator) queryWorkspace(c *call, ref string) (doc, *apiError) {
	ws, ok := e.findWorkspace(ref)
	if !ok {
		return nil, errf(http.StatusNotFound, "WorkspaceNotFoundError", "Workspace '%s' could not be found. Use the workspace id (customerId GUID), name or Azure resource id.", ref)
	}
	if !e.canQuery(c.user, ws) {
		return nil, errf(http.StatusForbidden, "InsufficientAccessError", "The provided credentials have insufficient access to perform the requested operation")
	}
	return ws, nil
}

func (e *Emulator) canQuery(p *principal, ws doc) bool {
	id := str(ws["id"])
	sub := parseARM(strings.Split(strings.Trim(id, "/"), "/"), segs(id)).subID
	return e.authorize(p, sub, id, "Microsoft.OperationalInsights/workspaces/query/read") == nil
}

// parseQueryRequest reads the query, timespan and extra workspaces from the body (POST) or the URL
// (GET), and the Prefer header.
func (e *Emulator) parseQueryRequest(c *call, primary doc) (*queryRequest, *apiError) {
	qr := &queryRequest{primary: primary, wait: queryDefaultWait}
	var extra []string
	timespan := ""
	switch c.r.Method {
	case http.MethodGet:
		qr.query = c.q("query")
		timespan = c.q("timespan")
		if w := c.q("workspaces"); w != "" {
			extra = strings.Split(w, ",")
		}
	case http.MethodPost:
		b, err := io.ReadAll(io.LimitReader(c.r.Body, 8<<20))
		if err != nil {
			return nil, badArgument("The request body could not be read.")
		}
		var body struct {
			Query      string   `json:"query"`
			Timespan   string   `json:"timespan"`
			Workspaces []string `json:"workspaces"`
		}
		if err := json.Unmarshal(b, &body); err != nil {
			return nil, badArgument("The request body is not valid JSON: " + err.Error())
		}
		qr.query, timespan, extra = body.Query, body.Timespan, body.Workspaces
	default:
		return nil, errf(http.StatusMethodNotAllowed, "MethodNotAllowed", "The requested method '%s' is not allowed; use GET or POST.", c.r.Method)
	}
	if strings.TrimSpace(qr.query) == "" {
		return nil, badArgument("The 'query' parameter is required.")
	}
	if timespan != "" {
		from, to, err := parseTimespan(timespan, e.now())
		if err != nil {
			return nil, badArgument("Invalid timespan '" + timespan + "': " + err.Error())
		}
		qr.from, qr.to, qr.hasSpan = from, to, true
	}
	seen := map[string]bool{}
	add := func(ws doc) {
		k := strings.ToLower(str(ws["id"]))
		if !seen[k] {
			seen[k] = true
			qr.workspaces = append(qr.workspaces, ws)
		}
	}
	if primary != nil {
		add(primary)
	}
	if len(extra)+len(qr.workspaces) > maxWorkspaces {
		return nil, badArgument("A query can reference at most 100 workspaces.")
	}
	for _, ref := range extra {
		ws, err := e.queryWorkspace(c, strings.TrimSpace(ref))
		if err != nil {
			return nil, err
		}
		add(ws)
	}
	for _, pref := range strings.Split(c.r.Header.Get("Prefer"), ",") {
		k, v, _ := strings.Cut(strings.TrimSpace(pref), "=")
		switch strings.ToLower(k) {
		case "wait":
			if n, err := strconv.Atoi(v); err == nil && n > 0 {
				qr.wait = min(time.Duration(n)*time.Second, queryMaxWait)
			}
		case "include-statistics":
			qr.stats = strings.EqualFold(v, "true")
		case "include-render":
			qr.render = strings.EqualFold(v, "true")
		}
	}
	return qr, nil
}

func badArgument(msg string) *apiError {
	return &apiError{Status: http.StatusBadRequest, Code: "BadArgumentError", Message: "The request had some invalid properties",
		Inner: map[string]any{"code": "QueryValidationError", "message": msg}}
}

// resourceQuery serves POST /v1/{resourceId}/query: the rows about one resource, from every workspace
// of the resource's subscription the caller can read (a workspace id addresses the workspace itself).
func (e *Emulator) resourceQuery(c *call) {
	rid := "/" + strings.Join(c.segs[1:len(c.segs)-1], "/")
	if ws, ok := e.findWorkspace(rid); ok {
		if !e.canQuery(c.user, ws) {
			c.fail(errf(http.StatusForbidden, "InsufficientAccessError", "The provided credentials have insufficient access to perform the requested operation"))
			return
		}
		e.runQuery(c, ws, "")
		return
	}
	sub := parseARM(strings.Split(strings.Trim(rid, "/"), "/"), segs(rid)).subID
	if err := e.authorize(c.user, sub, rid, "Microsoft.Insights/logs/read"); err != nil {
		c.fail(errf(http.StatusForbidden, "InsufficientAccessError", "The provided credentials have insufficient access to perform the requested operation"))
		return
	}
	e.runQuery(c, nil, rid)
}

func (e *Emulator) runQuery(c *call, primary doc, resourceID string) {
	qr, aerr := e.parseQueryRequest(c, primary)
	if aerr != nil {
		c.fail(aerr)
		return
	}
	qr.resourceID = resourceID
	if resourceID != "" {
		_, st, _ := e.state()
		sub := parseARM(strings.Split(strings.Trim(resourceID, "/"), "/"), segs(resourceID)).subID
		for _, ws := range st.scan("/subscriptions/"+sub+"/", workspaceType) {
			if e.canQuery(c.user, ws) {
				qr.workspaces = append(qr.workspaces, ws)
			}
		}
	}
	ctx, cancel := context.WithTimeout(c.r.Context(), qr.wait)
	defer cancel()
	start := time.Now()
	res, err := e.execute(ctx, c, qr)
	if err != nil {
		if errors.Is(err, context.DeadlineExceeded) || errors.Is(ctx.Err(), context.DeadlineExceeded) {
			c.fail(errf(http.StatusGatewayTimeout, "GatewayTimeout", "The query has exceeded the allowed wait time of %s (Prefer: wait=%d).", qr.wait, int(qr.wait/time.Second)))
			return
		}
		var ae *apiError
		if errors.As(err, &ae) {
			c.fail(ae)
			return
		}
		c.fail(errf(http.StatusInternalServerError, "InternalServerError", "The query failed: %v", err))
		return
	}
	if res == nil { // the workspaces hold no data at all
		c.w.WriteHeader(http.StatusNoContent)
		return
	}
	body := doc{"tables": res.tables}
	if res.partial != nil {
		body["error"] = res.partial
	}
	if qr.stats {
		body["statistics"] = map[string]any{"query": map[string]any{
			"executionTime": time.Since(start).Seconds(),
			"resourceUsage": map[string]any{"cache": map[string]any{"memory": map[string]any{"hits": 0, "misses": 0, "total": 0}},
				"cpu": map[string]any{"totalCpu": time.Since(start).String()}},
			"inputDatasetStatistics": map[string]any{"extents": map[string]any{"total": len(qr.workspaces), "scanned": len(qr.workspaces)},
				"rows": map[string]any{"total": res.scannedRows, "scanned": res.scannedRows}},
			"datasetStatistics": res.datasetStats(),
		}}
	}
	if qr.render && res.render != nil {
		body["render"] = res.render
	}
	c.ok(http.StatusOK, body)
}

// queryResult is the rendered answer of a query.
type queryResult struct {
	tables      []any          // [{"name","columns":[{"name","type"}],"rows":[[...]]}]
	partial     map[string]any // PartialError body when the result was truncated
	render      map[string]any
	scannedRows int
}

func (r *queryResult) datasetStats() []any {
	out := []any{}
	for _, t := range r.tables {
		m, _ := t.(map[string]any)
		rows, _ := m["rows"].([][]any)
		out = append(out, map[string]any{"tableRowCount": len(rows), "tableSize": 0})
	}
	return out
}

// partialError is the PartialError body returned with a truncated result.
func partialError(detail string) map[string]any {
	return map[string]any{"code": "PartialError", "message": "There were some errors when processing your query.",
		"details": []any{map[string]any{"code": "EngineError", "message": "Something went wrong processing your query on the server.",
			"innererror": map[string]any{"code": "-2133196797", "message": detail, "severity": 3, "severityName": "Warning"}}}}
}
