package seed

import "github.com/sentinel-mcp/sentinel-mcp/internal/emulator/world"

// sentinelContent defers the content of a Sentinel workspace, one group per collection, so that a run that
// lists incidents does not pay for the tables' schemas.
func (b *builder) sentinelContent(ws world.Workspace) {
	base := sentinelBase(ws)
	b.deferred(ws, base+"/incidents", []string{incidentType, commentType, entityType}, func(c *builder) { c.incidents(ws) })
	b.deferred(ws, base+"/alertRules", []string{alertRuleType}, func(c *builder) { c.alertRules(ws) })
	b.deferred(ws, base+"/alertRuleTemplates", []string{templateType}, func(c *builder) { c.alertRuleTemplates(ws) })
	b.deferred(ws, base+"/metadata", []string{metadataType}, func(c *builder) { c.contentMetadata(ws) })
	b.deferred(ws, base+"/automationRules", []string{automationRuleType}, func(c *builder) { c.automationRules(ws) })
	b.deferred(ws, base+"/watchlists", []string{watchlistType, watchlistItemType}, func(c *builder) { c.watchlists(ws) })
	b.deferred(ws, base+"/dataConnectors", []string{dataConnectorType}, func(c *builder) { c.dataConnectors(ws) })
	b.deferred(ws, base+"/settings", []string{settingType}, func(c *builder) { c.settings(ws) })
	b.deferred(ws, base+"/bookmarks", []string{bookmarkType}, func(c *builder) { c.bookmarks(ws) })
}
