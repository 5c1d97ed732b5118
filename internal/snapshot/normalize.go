package snapshot

import (
	"regexp"
	"strings"

	"github.com/sentinel-mcp/sentinel-mcp/internal/audit"
	"github.com/sentinel-mcp/sentinel-mcp/internal/tenancy"
)

// Placeholders stand for the identifiers of the workspace an item was read from. Collect writes them
// in place of those identifiers (so that the same content in two workspaces compares equal), and a
// restore replaces them with the target workspace's. "${...}" appears neither in KQL nor in workbook
// parameters ({TimeRange}), so a placeholder never collides with content.
const (
	PlaceholderWorkspaceResourceID = "${workspaceResourceId}"
	PlaceholderSubscriptionID      = "${subscriptionId}"
	PlaceholderResourceGroup       = "${resourceGroup}"
	PlaceholderWorkspaceID         = "${workspaceId}" // the customer id (GUID) the query API uses
	PlaceholderTenantID            = "${tenantId}"
	PlaceholderWorkspaceName       = "${workspaceName}"
	PlaceholderLocation            = "${location}"
)

// Env holds the identifiers of a workspace that appear inside its content.
type Env struct {
	ResourceID, SubscriptionID, ResourceGroup, CustomerID, TenantID, Name, Location string
}

// EnvOf returns the identifiers of a resolved workspace.
func EnvOf(ws *tenancy.Workspace) Env {
	return Env{ResourceID: strings.TrimSuffix(ws.ResourceID, "/"), SubscriptionID: ws.SubscriptionID, ResourceGroup: ws.ResourceGroup,
		CustomerID: ws.CustomerID, TenantID: ws.TenantID, Name: ws.Name, Location: ws.Location}
}

// rewrite replaces the workspace's identifiers in s by placeholders. Resource ids compare
// case-insensitively, as ARM does; the workspace name where it stands as a word of its own
// ("la-contoso-prod", "workspace('contoso-prod')"), and only when it is at least 4 characters long
// (a shorter one could be any word).
func (e Env) rewrite(s string) string {
	if s == "" {
		return s
	}
	if e.ResourceID != "" {
		s = replaceFold(s, e.ResourceID, PlaceholderWorkspaceResourceID)
	}
	if e.SubscriptionID != "" && e.ResourceGroup != "" {
		s = replaceFold(s, "/subscriptions/"+e.SubscriptionID+"/resourceGroups/"+e.ResourceGroup+"/",
			"/subscriptions/"+PlaceholderSubscriptionID+"/resourceGroups/"+PlaceholderResourceGroup+"/")
	}
	for _, r := range [][2]string{{e.SubscriptionID, PlaceholderSubscriptionID}, {e.CustomerID, PlaceholderWorkspaceID}, {e.TenantID, PlaceholderTenantID}} {
		if r[0] != "" {
			s = replaceFold(s, r[0], r[1])
		}
	}
	if len(e.Name) >= 4 {
		s = nameToken(s, e.Name)
	}
	return s
}

// resolve replaces placeholders in s by the workspace's identifiers.
func (e Env) resolve(s string) string {
	if !strings.Contains(s, "${") {
		return s
	}
	var pairs []string
	for _, r := range [][2]string{{PlaceholderWorkspaceName, e.Name}, {PlaceholderWorkspaceResourceID, e.ResourceID}, {PlaceholderSubscriptionID, e.SubscriptionID},
		{PlaceholderResourceGroup, e.ResourceGroup}, {PlaceholderWorkspaceID, e.CustomerID}, {PlaceholderTenantID, e.TenantID},
		{PlaceholderLocation, e.Location}} {
		if r[1] != "" { // an identifier the workspace lacks stays a placeholder, and the write is refused
			pairs = append(pairs, r[0], r[1])
		}
	}
	return strings.NewReplacer(pairs...).Replace(s)
}

// replaceFold replaces every occurrence of old in s, compared case-insensitively (ASCII), by repl.
func replaceFold(s, old, repl string) string {
	if len(old) == 0 || len(s) < len(old) {
		return s
	}
	ls, lo := strings.ToLower(s), strings.ToLower(old)
	if len(ls) != len(s) || !strings.Contains(ls, lo) {
		return s // non-ASCII case mapping changed lengths: ids are ASCII, leave such text alone
	}
	var b strings.Builder
	i := 0
	for {
		j := strings.Index(ls[i:], lo)
		if j < 0 {
			break
		}
		b.WriteString(s[i : i+j])
		b.WriteString(repl)
		i += j + len(old)
	}
	b.WriteString(s[i:])
	return b.String()
}

// mapStrings applies f to every string value of a JSON value tree (keys are left alone).
func mapStrings(v any, f func(string) string) any {
	switch x := v.(type) {
	case string:
		return f(x)
	case map[string]any:
		for k, e := range x {
			x[k] = mapStrings(e, f)
		}
		return x
	case []any:
		for i, e := range x {
			x[i] = mapStrings(e, f)
		}
		return x
	}
	return v
}

// Rewrite returns doc with the workspace's identifiers replaced by placeholders.
func (e Env) Rewrite(doc map[string]any) map[string]any {
	doc = mapStrings(doc, e.rewrite).(map[string]any)
	if loc, ok := doc["location"].(string); ok && e.Location != "" && sameLocation(loc, e.Location) {
		doc["location"] = PlaceholderLocation
	}
	return doc
}

// Resolve returns a copy of doc with placeholders replaced by the workspace's identifiers.
func (e Env) Resolve(doc map[string]any) map[string]any {
	return mapStrings(cloneMap(doc), e.resolve).(map[string]any)
}

// sameLocation compares Azure regions as ARM does ("West Europe" is "westeurope").
func sameLocation(a, b string) bool {
	n := func(s string) string { return strings.ToLower(strings.ReplaceAll(s, " ", "")) }
	return n(a) == n(b)
}

// serverOwned are the envelope members every kind drops: they name the resource in one workspace or
// are written by the service.
var serverOwned = []string{"id", "name", "type", "etag", "systemData"}

// baseDoc turns a resource (model or raw JSON) into a document: envelope and the given server-owned
// properties removed, nulls removed (Azure treats an absent and a null property alike).
func baseDoc(v any, dropProps ...string) (map[string]any, error) {
	t, err := Tree(v)
	if err != nil {
		return nil, err
	}
	m, _ := t.(map[string]any)
	if m == nil {
		m = map[string]any{}
	}
	for _, k := range serverOwned {
		delete(m, k)
	}
	if p := obj(m, "properties"); p != nil {
		delete(p, "provisioningState") // every kind's: the state of the last write
		for _, k := range dropProps {
			delete(p, k)
		}
	}
	dropNulls(m)
	return m, nil
}

// dropNulls removes null members of objects, recursively.
func dropNulls(v any) {
	switch x := v.(type) {
	case map[string]any:
		for k, e := range x {
			if e == nil {
				delete(x, k)
				continue
			}
			dropNulls(e)
		}
	case []any:
		for _, e := range x {
			dropNulls(e)
		}
	}
}

// RedactedValue replaces a secret in an export.
const RedactedValue = audit.Redacted

var jwtLike = regexp.MustCompile(`^(?i:bearer\s+)?eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*$`)

// urlSignature matches the signature of a URL that grants access by itself: a storage SAS (sig=) or a
// Logic App / Azure Function callback (sig=, code=), as an externaldata() source in a query or a
// playbook trigger. Only the signature is replaced, so the rest of the text (a query) stays readable.
var urlSignature = regexp.MustCompile(`(?i)([?&](?:sig|code)=)[A-Za-z0-9%+/_.~-]{8,}`)

// redact replaces secret values in doc (members whose key names a secret, as the audit log decides,
// and values that look like bearer tokens) by RedactedValue and returns their paths.
func redact(doc map[string]any) []string {
	var paths []string
	var walk func(v any, path string, secret bool) any
	walk = func(v any, path string, secret bool) any {
		switch x := v.(type) {
		case map[string]any:
			for _, k := range sortedKeys(x) {
				x[k] = walk(x[k], joinPath(path, k), secret || audit.IsSecretKey(k))
			}
			return x
		case []any:
			for i, e := range x {
				x[i] = walk(e, path+"["+itoa(i)+"]", secret)
			}
			return x
		case string:
			if x == "" || x == RedactedValue {
				return x
			}
			if secret || jwtLike.MatchString(x) {
				paths = append(paths, path)
				return RedactedValue
			}
			if urlSignature.MatchString(x) {
				paths = append(paths, path)
				return urlSignature.ReplaceAllString(x, "${1}"+RedactedValue)
			}
			return x
		case bool, nil:
			return x
		}
		if secret { // a number under a secret key
			paths = append(paths, path)
			return RedactedValue
		}
		return v
	}
	walk(doc, "", false)
	return paths
}

// hasRedacted reports whether doc still holds RedactedValue (a restore must not write it).
func hasRedacted(v any) bool {
	switch x := v.(type) {
	case string:
		return strings.Contains(x, RedactedValue)
	case map[string]any:
		for _, e := range x {
			if hasRedacted(e) {
				return true
			}
		}
	case []any:
		for _, e := range x {
			if hasRedacted(e) {
				return true
			}
		}
	}
	return false
}

func joinPath(path, k string) string {
	if path == "" {
		return k
	}
	return path + "." + k
}

func itoa(i int) string {
	const digits = "0123456789"
	if i < 10 {
		return digits[i : i+1]
	}
	return itoa(i/10) + digits[i%10:i%10+1]
}
