package emulator

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"
)

// Microsoft.ResourceGraph: POST /providers/Microsoft.ResourceGraph/resources over the resources the
// caller can see (own and Lighthouse-delegated subscriptions), with $top/$skip/$skipToken paging and
// the per-user quota headers (15 queries per 5 seconds).

func init() {
	addRoute("providers/microsoft.resourcegraph/resources", "POST", func(c *call) { c.e.graphQuery(c) })
}

const (
	graphQuota       = 15
	graphQuotaWindow = 5 * time.Second
)

type graphQuotaState struct {
	mu    sync.Mutex
	users map[string][]time.Time
	now   func() time.Time // wall clock; tests freeze it
}

func newGraphQuota() *graphQuotaState {
	return &graphQuotaState{users: map[string][]time.Time{}, now: time.Now}
}

// take records a query for user and returns the remaining quota and, when exhausted, the wait.
func (g *graphQuotaState) take(user string) (int, time.Duration) {
	now := g.now()
	g.mu.Lock()
	defer g.mu.Unlock()
	var keep []time.Time
	for _, t := range g.users[user] {
		if now.Sub(t) < graphQuotaWindow {
			keep = append(keep, t)
		}
	}
	if len(keep) >= graphQuota {
		g.users[user] = keep
		return 0, graphQuotaWindow - now.Sub(keep[0])
	}
	keep = append(keep, now)
	g.users[user] = keep
	return graphQuota - len(keep), 0
}

func fmtResets(d time.Duration) string {
	s := int(d.Round(time.Second) / time.Second)
	return fmt.Sprintf("%02d:%02d:%02d", s/3600, s/60%60, s%60)
}

func (e *Emulator) graphQuery(c *call) {
	remaining, wait := e.graphQuota.take(c.user.TenantID + "/" + c.user.ObjectID)
	c.w.Header().Set("x-ms-user-quota-remaining", strconv.Itoa(remaining))
	c.w.Header().Set("x-ms-user-quota-resets-after", fmtResets(graphQuotaWindow))
	if wait > 0 {
		c.w.Header().Set("x-ms-user-quota-resets-after", fmtResets(wait))
		err := errf(http.StatusTooManyRequests, "RateLimiting", "Please provide below info when asking for support: timestamp = %s, correlationId = %s.", time.Now().UTC().Format(time.RFC3339), c.correlationID)
		err.Details = []map[string]any{{"code": "RateLimiting", "message": "Client application has been throttled and should not attempt to repeat the request until an amount of time has elapsed. Please see https://aka.ms/resourcegraph-throttling for help."}}
		err.RetryAfter = wait
		c.fail(err)
		return
	}
	body, aerr := c.readBody()
	if aerr != nil {
		c.fail(aerr)
		return
	}
	q := str(body["query"])
	if strings.TrimSpace(q) == "" {
		c.fail(graphBadRequest("The query is empty."))
		return
	}
	var subsFilter map[string]bool
	if subs, ok := body["subscriptions"].([]any); ok && len(subs) > 0 {
		subsFilter = map[string]bool{}
		for _, s := range subs {
			subsFilter[strings.ToLower(str(s))] = true
		}
	}
	opts, _ := body["options"].(map[string]any)
	top, skip := 100, 0
	format := "objectArray"
	skipToken := ""
	if opts != nil {
		if v, err := numberOf(opts["$top"]); err == nil {
			top = int(v)
		}
		if v, err := numberOf(opts["$skip"]); err == nil {
			skip = int(v)
		}
		if f := str(opts["resultFormat"]); f != "" {
			format = f
		}
		skipToken = str(opts["$skipToken"])
	}
	if top < 1 || top > 1000 {
		c.fail(graphBadRequest(fmt.Sprintf("The $top value %d is out of range; it must be between 1 and 1000.", top)))
		return
	}
	if skipToken != "" {
		off, err := decodeGraphToken(skipToken)
		if err != nil {
			c.fail(graphBadRequest("The $skipToken is invalid."))
			return
		}
		skip = off
	}
	tables := e.graphTables(c.user, subsFilter)
	res, err := runGraphQuery(q, func(name string) (*gTable, error) {
		t, ok := tables[name]
		if !ok {
			return nil, gErrf("Table '%s' could not be found. Supported tables: resources, resourcecontainers.", name)
		}
		return t, nil
	})
	if err != nil {
		c.fail(graphBadRequest(err.Error()))
		return
	}
	total := len(res.rows)
	if skip > total {
		skip = total
	}
	end := skip + top
	if end > total {
		end = total
	}
	page := res.rows[skip:end]
	out := doc{"totalRecords": total, "count": len(page), "resultTruncated": "false", "facets": []any{}}
	if end < total {
		out["$skipToken"] = encodeGraphToken(end)
	}
	if strings.EqualFold(format, "table") {
		cols := make([]any, len(res.cols))
		for i, n := range res.cols {
			cols[i] = map[string]any{"name": n, "type": graphColumnType(res.rows, n)}
		}
		rows := make([]any, len(page))
		for i, r := range page {
			row := make([]any, len(res.cols))
			for j, n := range res.cols {
				row[j] = r[n]
			}
			rows[i] = row
		}
		out["data"] = map[string]any{"columns": cols, "rows": rows}
	} else {
		data := make([]any, len(page))
		for i, r := range page {
			m := make(map[string]any, len(res.cols))
			for _, n := range res.cols {
				m[n] = r[n]
			}
			data[i] = m
		}
		out["data"] = data
	}
	c.ok(http.StatusOK, out)
}

func graphBadRequest(msg string) *apiError {
	err := badRequest("BadRequest", "Please provide below info when asking for support: timestamp = %s.", time.Now().UTC().Format(time.RFC3339))
	err.Details = []map[string]any{{"code": "InvalidQuery", "message": "Query is invalid. Please refer to the documentation for the Azure Resource Graph service and fix the error before retrying."},
		{"code": "ParserFailure", "message": msg}}
	return err
}

func encodeGraphToken(off int) string {
	return base64.StdEncoding.EncodeToString([]byte(`{"$skip":` + strconv.Itoa(off) + `,"emulator":true}`))
}

func decodeGraphToken(s string) (int, error) {
	b, err := base64.StdEncoding.DecodeString(s)
	if err != nil {
		return 0, err
	}
	var v struct {
		Skip int `json:"$skip"`
	}
	if err := json.Unmarshal(b, &v); err != nil || v.Skip < 0 {
		return 0, fmt.Errorf("bad token")
	}
	return v.Skip, nil
}

func graphColumnType(rows []gRow, col string) string {
	for _, r := range rows {
		switch r[col].(type) {
		case nil:
			continue
		case string:
			return "string"
		case bool:
			return "boolean"
		case int64, json.Number, float64:
			return "integer"
		default:
			return "object"
		}
	}
	return "string"
}

// graphTables builds the "resources" and "resourcecontainers" tables visible to p.
func (e *Emulator) graphTables(p *principal, subsFilter map[string]bool) map[string]*gTable {
	_, st, _ := e.state()
	res := &gTable{cols: []string{"id", "name", "type", "tenantId", "kind", "location", "resourceGroup", "subscriptionId",
		"managedBy", "sku", "plan", "properties", "tags", "identity", "zones", "extendedLocation"}}
	cont := &gTable{cols: res.cols}
	for _, s := range st.subscriptions() {
		if !e.subscriptionVisible(p, s) || (subsFilter != nil && !subsFilter[strings.ToLower(s.ID)]) {
			continue
		}
		sd := e.subscriptionDoc(s)
		cont.rows = append(cont.rows, gRow{"id": sd["id"], "name": s.DisplayName, "type": "microsoft.resources/subscriptions",
			"tenantId": s.TenantID, "kind": "", "location": "", "resourceGroup": "", "subscriptionId": s.ID, "managedBy": "",
			"sku": nil, "plan": nil, "tags": sd["tags"], "identity": nil, "zones": nil, "extendedLocation": nil,
			"properties": map[string]any{"state": sd["state"], "managedByTenants": sd["managedByTenants"], "subscriptionPolicies": sd["subscriptionPolicies"]}})
		for _, d := range st.scan("/subscriptions/"+s.ID+"/", "") {
			id := str(d["id"])
			sg := strings.Split(strings.Trim(id, "/"), "/")
			if strings.EqualFold(str(d["type"]), "Microsoft.Resources/resourceGroups") {
				cont.rows = append(cont.rows, graphRow(d, s, sg[3], "microsoft.resources/subscriptions/resourcegroups"))
				continue
			}
			// Resource Graph's "resources" table holds top-level resources in resource groups.
			if len(sg) != 8 || !strings.EqualFold(sg[2], "resourceGroups") || !strings.EqualFold(sg[4], "providers") {
				continue
			}
			if !e.canRead(p, s, id) {
				continue
			}
			res.rows = append(res.rows, graphRow(d, s, sg[3], strings.ToLower(str(d["type"]))))
		}
	}
	return map[string]*gTable{"resources": res, "resourcecontainers": cont}
}

func (e *Emulator) canRead(p *principal, s *subscription, id string) bool {
	return e.authorize(p, s.ID, id, providerAction(id, "read")) == nil
}

func graphRow(d doc, s *subscription, rg, typ string) gRow {
	r := gRow{"id": d["id"], "name": d["name"], "type": typ, "tenantId": s.TenantID, "kind": str(d["kind"]),
		"location": strings.ToLower(strings.ReplaceAll(str(d["location"]), " ", "")), "resourceGroup": strings.ToLower(rg),
		"subscriptionId": s.ID, "managedBy": str(d["managedBy"]), "sku": d["sku"], "plan": d["plan"],
		"properties": d["properties"], "tags": d["tags"], "identity": d["identity"], "zones": d["zones"], "extendedLocation": d["extendedLocation"]}
	if r["tags"] == nil {
		r["tags"] = map[string]any{}
	}
	if r["sku"] == nil {
		if ps := props(d); ps != nil && ps["sku"] != nil {
			r["sku"] = ps["sku"]
		}
	}
	return r
}
