package emulator

import (
	"net/http"
	"strings"
)

// Microsoft.ManagedServices (Azure Lighthouse): registration definitions and assignments on a
// subscription or resource-group scope. PUTs (and assignment DELETE) are long-running; the delegation
// takes effect when the operation succeeds.

func init() {
	for _, scope := range []string{"subscriptions/*/", "subscriptions/*/resourcegroups/*/"} {
		addType(scope+"providers/microsoft.managedservices/registrationdefinitions/*", &rtype{
			armType: "Microsoft.ManagedServices/registrationDefinitions", paged: true, get: true, del: true, etag: etagNone,
			list: filterManagedBy,
		})
		addRoute(scope+"providers/microsoft.managedservices/registrationdefinitions/*", "PUT", func(c *call) { c.e.putLighthouse(c, true) })
		addType(scope+"providers/microsoft.managedservices/registrationassignments/*", &rtype{
			armType: "Microsoft.ManagedServices/registrationAssignments", paged: true, get: true, etag: etagNone,
			list: filterAssignments, view: viewAssignment,
		})
		addRoute(scope+"providers/microsoft.managedservices/registrationassignments/*", "PUT", func(c *call) { c.e.putLighthouse(c, false) })
		addRoute(scope+"providers/microsoft.managedservices/registrationassignments/*", "DELETE", func(c *call) { c.e.deleteAssignment(c) })
	}
}

func viewNoSystemData(_ *call, d doc, _ bool) doc {
	if _, ok := d["systemData"]; !ok {
		return d
	}
	v := make(doc, len(d))
	for k, x := range d {
		if k != "systemData" {
			v[k] = x
		}
	}
	return v
}

// odataEqValue extracts the value of "<field> eq '<value>'" from a $filter.
func odataEqValue(filter, field string) (string, bool) {
	l := strings.ToLower(filter)
	i := strings.Index(l, strings.ToLower(field))
	if i < 0 {
		return "", false
	}
	rest := strings.TrimSpace(filter[i+len(field):])
	if !strings.HasPrefix(strings.ToLower(rest), "eq") {
		return "", false
	}
	rest = strings.TrimSpace(rest[2:])
	rest = strings.Trim(rest, "'\" )")
	if j := strings.IndexAny(rest, "' "); j >= 0 {
		rest = rest[:j]
	}
	return rest, true
}

func filterManagedBy(c *call, items []doc) ([]doc, *apiError) {
	f := c.q("$filter")
	if f == "" {
		return items, nil
	}
	v, ok := odataEqValue(f, "managedByTenantId")
	if !ok {
		return nil, badRequest("InvalidFilter", "The $filter '%s' is not supported. Supported: managedByTenantId eq '<guid>'.", f)
	}
	var out []doc
	for _, d := range items {
		if strings.EqualFold(str(props(d)["managedByTenantId"]), v) {
			out = append(out, d)
		}
	}
	return out, nil
}

func filterAssignments(c *call, items []doc) ([]doc, *apiError) {
	f := c.q("$filter")
	if f == "" {
		return items, nil
	}
	v, ok := odataEqValue(f, "managedByTenantId")
	if !ok {
		return nil, badRequest("InvalidFilter", "The $filter '%s' is not supported. Supported: managedByTenantId eq '<guid>'.", f)
	}
	_, st, _ := c.e.state()
	var out []doc
	for _, d := range items {
		def, ok := st.get(str(props(d)["registrationDefinitionId"]))
		if ok && strings.EqualFold(str(props(def)["managedByTenantId"]), v) {
			out = append(out, d)
		}
	}
	return out, nil
}

// viewAssignment embeds the definition when $expandRegistrationDefinition=true.
func viewAssignment(c *call, d doc, _ bool) doc {
	d = viewNoSystemData(c, d, false)
	if !strings.EqualFold(c.q("$expandRegistrationDefinition"), "true") {
		return d
	}
	_, st, _ := c.e.state()
	def, ok := st.get(str(props(d)["registrationDefinitionId"]))
	if !ok {
		return d
	}
	v := cloneDoc(d)
	// The embedded definition keeps its systemData, as Azure's expanded assignments do.
	ensureProps(v)["registrationDefinition"] = cloneDoc(def)
	return v
}

func (e *Emulator) putLighthouse(c *call, definition bool) {
	body, aerr := c.readBody()
	if aerr != nil {
		c.fail(aerr)
		return
	}
	w, st, _ := e.state()
	id := c.resourceID()
	sub := parseARM(c.segs, c.lsegs).subID
	p, _ := body["properties"].(map[string]any)
	if p == nil {
		c.fail(badRequest("InvalidRequestContent", "The request content was invalid: 'properties' is required."))
		return
	}
	var t *rtype
	if definition {
		t = &rtype{armType: "Microsoft.ManagedServices/registrationDefinitions", etag: etagNone}
		mbt := str(p["managedByTenantId"])
		if mbt == "" {
			c.fail(badRequest("InvalidRequestContent", "The property 'managedByTenantId' is required."))
			return
		}
		if auths, _ := p["authorizations"].([]any); len(auths) == 0 {
			c.fail(badRequest("InvalidRequestContent", "At least one authorization is required in 'authorizations'."))
			return
		}
		subRec, _ := st.subscription(sub)
		p["manageeTenantId"] = subRec.TenantID
		p["manageeTenantName"] = w.tenantName(subRec.TenantID)
		p["managedByTenantName"] = w.tenantName(mbt)
	} else {
		t = &rtype{armType: "Microsoft.ManagedServices/registrationAssignments", etag: etagNone}
		defID := str(p["registrationDefinitionId"])
		if defID == "" || !st.exists(defID) {
			c.fail(badRequest("RegistrationDefinitionNotFound", "The registration definition '%s' could not be found.", defID))
			return
		}
		delete(p, "registrationDefinition")
	}
	e.writeMu.Lock()
	defer e.writeMu.Unlock()
	old, _ := st.get(id)
	d, aerr := e.prepareDoc(c, t, id, old, body)
	if aerr != nil {
		c.fail(aerr)
		return
	}
	final := cloneDoc(d)
	ensureProps(final)["provisioningState"] = "Succeeded"
	ensureProps(d)["provisioningState"] = "Accepted"
	canon := str(d["id"])
	created := st.put(canon, d)
	op := e.startOp(sub, canon, func() *apiError {
		st.put(canon, final)
		return nil
	})
	e.changed()
	status := http.StatusOK
	if created {
		status = http.StatusCreated
	}
	c.asyncHeaders(op, "/subscriptions/"+sub+"/providers/Microsoft.ManagedServices/operationStatuses/"+op.id, "")
	c.ok(status, d)
}

func (e *Emulator) deleteAssignment(c *call) {
	_, st, _ := e.state()
	id := c.resourceID()
	e.writeMu.Lock()
	defer e.writeMu.Unlock()
	cur, ok := st.get(id)
	if !ok {
		c.w.WriteHeader(http.StatusNoContent)
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
	c.asyncHeaders(op, "/subscriptions/"+sub+"/providers/Microsoft.ManagedServices/operationStatuses/"+op.id, "")
	c.w.WriteHeader(http.StatusAccepted)
}
