package emulator

import (
	"encoding/base64"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"
)

var (
	routeTable []route
	typeTable  []*rtype
)

func (e *Emulator) routes() []route  { return routeTable }
func (e *Emulator) rtypes() []*rtype { return typeTable }

func addRoute(pattern, methods string, h func(c *call)) {
	routeTable = append(routeTable, route{pattern: segs(pattern), methods: methods, handle: h})
}

// addScopedRoute adds a GET route that also serves callers delegated only scopes below the path
// (see call.belowScopes): the handler shows them only what lies in those scopes.
func addScopedRoute(pattern string, h func(c *call)) {
	routeTable = append(routeTable, route{pattern: segs(pattern), methods: "GET", handle: h, scoped: true})
}

func addType(pattern string, t *rtype) *rtype {
	t.pattern = segs(pattern)
	typeTable = append(typeTable, t)
	return t
}

// requestID is the id of the addressed resource: the request path in the casing the client sent.
func (c *call) resourceID() string { return "/" + strings.Join(c.segs, "/") }

func (e *Emulator) serveItem(c *call, t *rtype) {
	id := c.resourceID()
	switch c.r.Method {
	case http.MethodGet:
		if !t.get {
			methodNotAllowed(c)
			return
		}
		e.getResource(c, t, id)
	case http.MethodPut:
		if !t.put {
			methodNotAllowed(c)
			return
		}
		e.putResource(c, t, id)
	case http.MethodPatch:
		if !t.patch {
			methodNotAllowed(c)
			return
		}
		e.patchResource(c, t, id)
	case http.MethodDelete:
		if !t.del {
			methodNotAllowed(c)
			return
		}
		e.deleteResource(c, t, id)
	default:
		methodNotAllowed(c)
	}
}

func (e *Emulator) serveCollection(c *call, t *rtype) {
	if c.r.Method != http.MethodGet {
		methodNotAllowed(c)
		return
	}
	parent := c.resourceID()
	if perr := e.requireParent(parent); perr != nil {
		c.fail(perr)
		return
	}
	_, st, _ := e.state()
	items := c.inBelowScopes(st.list(parent))
	if t.list != nil {
		var err *apiError
		if items, err = t.list(c, items); err != nil {
			c.fail(err)
			return
		}
	}
	views := make([]doc, len(items))
	for i, d := range items {
		views[i] = t.render(c, d, true)
	}
	if t.paged {
		c.page(views, -1)
		return
	}
	c.ok(http.StatusOK, doc{"value": views})
}

// requireParent answers 404 when the resource a collection or an item hangs under does not exist
// (a Sentinel collection needs its workspace; comments need their incident).
func (e *Emulator) requireParent(collectionPath string) *apiError {
	// The parent resource is the collection path minus its type segment, and after a "providers/<ns>"
	// pair (an extension) the resource the extension sits on.
	parent := strings.Split(strings.Trim(collectionPath, "/"), "/")
	parent = parent[:len(parent)-1]
	if n := len(parent); n >= 2 && strings.EqualFold(parent[n-2], "providers") {
		parent = parent[:n-2]
	}
	if len(parent) <= 4 { // subscription or resource group: checked by serveARM
		return nil
	}
	pid := "/" + strings.Join(parent, "/")
	if strings.HasSuffix(strings.ToLower(pid), "/providers/microsoft.securityinsights/threatintelligence/main") {
		pid = workspaceOf(pid) // "threatIntelligence/main" is a fixed path, not a resource
	}
	if !modeledProvider(pid) {
		return nil // extension resources on resources the emulator does not model (VMs, ...)
	}
	_, st, _ := e.state()
	if !st.exists(pid) {
		return notFound(pid)
	}
	return nil
}

func (t *rtype) render(c *call, d doc, inList bool) doc {
	if t.view != nil {
		return t.view(c, d, inList)
	}
	return d
}

func (e *Emulator) getResource(c *call, t *rtype, id string) {
	_, st, _ := e.state()
	d, ok := st.get(id)
	if !ok {
		if perr := e.requireParent(collectionPathOf(id)); perr != nil {
			c.fail(perr)
			return
		}
		c.fail(notFound(id))
		return
	}
	if et := str(d["etag"]); et != "" {
		c.w.Header().Set("ETag", et)
	}
	c.ok(http.StatusOK, t.render(c, d, false))
}

func collectionPathOf(id string) string {
	i := strings.LastIndex(id, "/")
	if i <= 0 {
		return id
	}
	return id[:i]
}

// checkPreconditions applies ARM/Sentinel optimistic concurrency: If-Match header or the etag in the
// body must equal the stored etag; If-None-Match: * refuses to overwrite.
func checkPreconditions(c *call, id string, cur doc, bodyEtag string) *apiError {
	name := lastSeg(id)
	ifMatch := c.r.Header.Get("If-Match")
	ifNone := c.r.Header.Get("If-None-Match")
	if ifNone == "*" && cur != nil {
		return errf(http.StatusPreconditionFailed, "PreconditionFailed", "The resource '%s' already exists and the request specified 'If-None-Match: *'.", name)
	}
	conflict := errf(http.StatusConflict, "Conflict", "Newer version of resource '%s' exists. Data was not saved", name)
	if ifMatch != "" && ifMatch != "*" {
		if cur == nil {
			return errf(http.StatusPreconditionFailed, "PreconditionFailed", "The resource '%s' does not exist and the request specified 'If-Match'.", name)
		}
		if !etagEqual(ifMatch, str(cur["etag"])) {
			return conflict
		}
	}
	if ifMatch == "*" && cur == nil {
		return errf(http.StatusPreconditionFailed, "PreconditionFailed", "The resource '%s' does not exist and the request specified 'If-Match: *'.", name)
	}
	if bodyEtag != "" && cur != nil && !etagEqual(bodyEtag, str(cur["etag"])) {
		return conflict
	}
	return nil
}

// etagEqual compares etags ignoring quoting, which clients handle inconsistently.
func etagEqual(a, b string) bool {
	norm := func(s string) string { return strings.Trim(strings.TrimPrefix(strings.TrimSpace(s), "W/"), "\"") }
	return norm(a) == norm(b)
}

func (e *Emulator) newEtag(st *store, style etagStyle) string {
	switch style {
	case etagNone:
		return ""
	case etagWeak:
		return "W/\"datetime'" + url.QueryEscape(e.now().Format("2006-01-02T15:04:05.0000000Z")) + "'\""
	}
	st.mu.Lock()
	defer st.mu.Unlock()
	return st.nextEtagLocked()
}

// systemData builds ARM's systemData for a write by the caller.
func (c *call) systemData(old doc) map[string]any {
	now := c.e.now().Format(time.RFC3339Nano)
	by := c.user.AppID
	sd := map[string]any{"createdBy": by, "createdByType": "Application", "createdAt": now,
		"lastModifiedBy": by, "lastModifiedByType": "Application", "lastModifiedAt": now}
	if old != nil {
		if o, ok := old["systemData"].(map[string]any); ok {
			for _, k := range []string{"createdBy", "createdByType", "createdAt"} {
				if v, ok := o[k]; ok {
					sd[k] = v
				}
			}
		}
	}
	return sd
}

// prepareDoc turns a request body into the stored document: identity fields, etag, systemData, and the
// type-specific build.
func (e *Emulator) prepareDoc(c *call, t *rtype, id string, old, body doc) (doc, *apiError) {
	_, st, _ := e.state()
	d := cloneDoc(body)
	delete(d, "etag")
	delete(d, "systemData")
	if canon, ok := st.canonicalID(id); ok {
		id = canon
	}
	d["id"] = id
	d["name"] = lastSeg(id)
	d["type"] = t.armType
	if t.tracked {
		if _, ok := d["tags"].(map[string]any); !ok {
			d["tags"] = map[string]any{}
		}
		if str(d["location"]) == "" {
			if old != nil {
				d["location"] = old["location"]
			} else {
				return nil, badRequest("LocationRequired", "The location property is required for this definition.")
			}
		}
	}
	if _, ok := d["properties"]; !ok {
		d["properties"] = map[string]any{}
	} else if _, ok := d["properties"].(map[string]any); !ok {
		return nil, badRequest("InvalidRequestContent", "The request content was invalid and could not be deserialized: 'properties' must be an object.")
	}
	if t.build != nil {
		if err := t.build(c, id, old, d); err != nil {
			return nil, err
		}
	}
	if et := e.newEtag(st, t.etag); et != "" {
		d["etag"] = et
	}
	if _, ok := d["systemData"]; !ok {
		d["systemData"] = c.systemData(old)
	}
	return d, nil
}

func (e *Emulator) putResource(c *call, t *rtype, id string) {
	body, err := c.readBody()
	if err != nil {
		c.fail(err)
		return
	}
	if perr := e.requireParent(collectionPathOf(id)); perr != nil {
		c.fail(perr)
		return
	}
	e.writeMu.Lock()
	defer e.writeMu.Unlock()
	_, st, _ := e.state()
	old, _ := st.get(id)
	c.bodyEtag = str(body["etag"])
	if err := checkPreconditions(c, id, old, c.bodyEtag); err != nil {
		c.fail(err)
		return
	}
	d, err := e.prepareDoc(c, t, id, old, body)
	if err != nil {
		c.fail(err)
		return
	}
	created := st.put(str(d["id"]), d)
	if t.after != nil {
		t.after(c, str(d["id"]), old, d)
	}
	e.changed()
	status := http.StatusOK
	if created && !t.put200 {
		status = http.StatusCreated
	}
	if et := str(d["etag"]); et != "" {
		c.w.Header().Set("ETag", et)
	}
	c.ok(status, t.render(c, d, false))
}

func (e *Emulator) patchResource(c *call, t *rtype, id string) {
	body, err := c.readBody()
	if err != nil {
		c.fail(err)
		return
	}
	e.writeMu.Lock()
	defer e.writeMu.Unlock()
	_, st, _ := e.state()
	old, ok := st.get(id)
	if !ok {
		c.fail(notFound(id))
		return
	}
	if err := checkPreconditions(c, id, old, str(body["etag"])); err != nil {
		c.fail(err)
		return
	}
	merged := mergePatch(cloneDoc(old), body).(map[string]any)
	d, err := e.prepareDoc(c, t, id, old, merged)
	if err != nil {
		c.fail(err)
		return
	}
	st.put(str(d["id"]), d)
	if t.after != nil {
		t.after(c, str(d["id"]), old, d)
	}
	e.changed()
	c.ok(http.StatusOK, t.render(c, d, false))
}

// mergePatch applies an RFC 7386 JSON merge patch.
func mergePatch(target, patch any) any {
	pm, ok := patch.(map[string]any)
	if !ok {
		return patch
	}
	tm, ok := target.(map[string]any)
	if !ok {
		tm = map[string]any{}
	}
	for k, v := range pm {
		if k == "etag" {
			continue
		}
		if v == nil {
			delete(tm, k)
			continue
		}
		tm[k] = mergePatch(tm[k], v)
	}
	return tm
}

func (e *Emulator) deleteResource(c *call, t *rtype, id string) {
	e.writeMu.Lock()
	defer e.writeMu.Unlock()
	_, st, _ := e.state()
	cur, ok := st.get(id)
	if !ok {
		c.w.WriteHeader(http.StatusNoContent)
		return
	}
	if err := checkPreconditions(c, id, cur, ""); err != nil {
		c.fail(err)
		return
	}
	if t.beforeDelete != nil {
		if err := t.beforeDelete(c, id, cur); err != nil {
			c.fail(err)
			return
		}
	}
	if t.deleteAsync != "" {
		sub := parseARM(c.segs, c.lsegs).subID
		canon := str(cur["id"])
		op := e.startOp(sub, canon, func() *apiError {
			st.delete(canon)
			return nil
		})
		c.asyncHeaders(op, canon+"/"+t.deleteAsync+"/"+op.id, "")
		c.w.WriteHeader(http.StatusAccepted)
		return
	}
	st.delete(id)
	e.changed()
	status := http.StatusOK
	if t.deleteStatus != nil {
		status = t.deleteStatus(c)
	}
	c.w.WriteHeader(status)
}

// page answers a pageable list: {"value": [...], "nextLink": "<same URL with $skipToken>"}. size < 0
// uses the configured page size (or $top when the API treats it as the page size).
func (c *call) page(items []doc, size int) {
	if size <= 0 {
		size = c.e.opts.PageSize
	}
	off, err := decodeSkipToken(c.q("$skipToken"))
	if err != nil {
		c.fail(err)
		return
	}
	if off > len(items) {
		off = len(items)
	}
	end := off + size
	if end > len(items) {
		end = len(items)
	}
	body := doc{"value": items[off:end]}
	if end < len(items) {
		body["nextLink"] = c.nextLink(end)
	}
	c.ok(http.StatusOK, body)
}

func (c *call) nextLink(offset int) string {
	q := url.Values{}
	for k, v := range c.query {
		if strings.EqualFold(k, "$skipToken") {
			continue
		}
		q[k] = v
	}
	q.Set("$skipToken", encodeSkipToken(offset))
	return c.baseURL() + c.r.URL.EscapedPath() + "?" + q.Encode()
}

func encodeSkipToken(off int) string {
	return base64.RawURLEncoding.EncodeToString([]byte("emu:" + strconv.Itoa(off)))
}

func decodeSkipToken(s string) (int, *apiError) {
	if s == "" {
		return 0, nil
	}
	b, err := base64.RawURLEncoding.DecodeString(s)
	if err == nil && strings.HasPrefix(string(b), "emu:") {
		if n, err := strconv.Atoi(strings.TrimPrefix(string(b), "emu:")); err == nil && n >= 0 {
			return n, nil
		}
	}
	return 0, badRequest("InvalidSkipToken", "The provided $skipToken '%s' is invalid.", s)
}

// modeledProvider reports whether the resource id belongs to a provider the emulator stores.
func modeledProvider(id string) bool {
	sg := strings.Split(strings.Trim(id, "/"), "/")
	ix := parseARM(sg, segs(id))
	if ix.nsIndex < 0 {
		return true
	}
	switch strings.ToLower(ix.ns) {
	case "microsoft.operationalinsights", "microsoft.securityinsights", "microsoft.insights",
		"microsoft.managedservices", "microsoft.operationsmanagement", "microsoft.resources":
		return true
	}
	return false
}

// inBelowScopes keeps, for a caller delegated scopes below the path, the documents in those scopes.
func (c *call) inBelowScopes(items []doc) []doc {
	if c.belowScopes == nil {
		return items
	}
	return filterScopes(items, c.belowScopes)
}

// filterScopes keeps the documents whose id lies in one of the scopes.
func filterScopes(items []doc, scopes []string) []doc {
	var out []doc
	for _, d := range items {
		if inScopes(str(d["id"]), scopes) {
			out = append(out, d)
		}
	}
	return out
}
