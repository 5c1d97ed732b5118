package seed

import (
	"strings"
	"time"

	"github.com/sentinel-mcp/sentinel-mcp/internal/emulator/world"
)

// Deferred is a collection of one workspace's resources that is built only when first needed: the contents
// of the Sentinel workspaces (thousands of documents over the world) would make start-up slow, and most runs
// touch a few collections of a few workspaces. Build is deterministic (from Facts and Options.Now, never from
// Options.Seed), cheap to call again, and returns parents before children.
//
// Every resource of a group has an id starting with Prefix (case-insensitive; it ends with "/") and one of
// Types as its type; nothing else the world builds has an id under Prefix (groups may share a prefix). A
// group's resources are below its workspace, except for a TopLevel group's: the top-level resources of the
// workspace's resource group (workbooks, data collection rules) and their extensions, which Resource Graph
// lists. A consumer that stores the world lazily must build a group before it answers anything about an id
// under Prefix (a get, a list of a collection under it, a write), before a subscription-wide listing of one
// of its Types, and, for a TopLevel group, before a Resource Graph query of the subscription.
type Deferred struct {
	Workspace string // workspace name
	Prefix    string
	Types     []string
	TopLevel  bool
	Build     func() []Resource
}

// deferred adds a group of a workspace's resources, built by fill.
func (b *builder) deferred(ws world.Workspace, prefix string, types []string, fill func(c *builder)) {
	b.deferredGroup(ws, prefix, types, false, fill)
}

func (b *builder) deferredGroup(ws world.Workspace, prefix string, types []string, topLevel bool, fill func(c *builder)) {
	w, now := b.w, b.now
	b.w.Deferred = append(b.w.Deferred, Deferred{Workspace: ws.Name, Prefix: prefix + "/", Types: types, TopLevel: topLevel,
		Build: func() []Resource {
			var out []Resource
			fill(&builder{w: w, now: now, out: &out})
			return out
		}})
}

// etag derives a stable etag in Sentinel's format ("0300bf09-0000-0000-0000-5c37296e0000", quoted) for a
// seeded resource.
func etag(id string) string {
	g := strings.ReplaceAll(world.GUID("etag:"+strings.ToLower(id)), "-", "")
	return "\"" + g[:8] + "-0000-0d00-0000-" + g[20:32] + "\""
}

// systemData is ARM's record of who created and last changed a resource.
func systemData(created time.Time, createdBy, createdByType string, modified time.Time, modifiedBy, modifiedByType string) map[string]any {
	return map[string]any{"createdAt": ts(created), "createdBy": createdBy, "createdByType": createdByType,
		"lastModifiedAt": ts(modified), "lastModifiedBy": modifiedBy, "lastModifiedByType": modifiedByType}
}

// analystSystemData is the systemData of a resource an analyst (or app) created and last changed.
func analystSystemData(by *world.Analyst, created, modified time.Time) map[string]any {
	name, typ := by.UPN, "User"
	if by.IsApp() {
		name, typ = by.ObjectID, "Application"
	}
	return systemData(created, name, typ, modified, name, typ)
}

// userInfo is Sentinel's record of a person behind a change (createdBy/updatedBy, comment authors).
func userInfo(a *world.Analyst) map[string]any {
	m := map[string]any{"objectId": a.ObjectID, "name": a.Name, "email": nilIfEmpty(a.UPN)}
	return m
}
