// Package snapshot is the content of a Sentinel workspace as data: collected from Azure, normalized so
// that two workspaces compare by content, written to and read from a git-friendly folder, compared
// (drift) and applied to another workspace (restore, deploy) with a plan first.
//
//	snap, err := snapshot.Collect(ctx, provider, ws, snapshot.CollectOptions{})  // every kind
//	res, err := snapshot.WriteDir(root, "contoso/prod", snap, snapshot.WriteOptions{})
//	base, err := snapshot.ReadDir(root, "contoso/prod")
//	drift := snapshot.Compare(base, snap, snapshot.DiffOptions{})
//	plan, err := snapshot.PlanRestore(ctx, provider, base, target, snapshot.PlanOptions{})
//	results := plan.Apply(ctx)
//
// Normalization (normalize.go) removes what differs by nature between workspaces or is owned by the
// server (ids, etags, systemData, timestamps, authors), rewrites the workspace's own identifiers
// inside properties to placeholders (${workspaceResourceId}, ${subscriptionId}, ...) that a restore
// fills in with the target's, and redacts secrets (never exported, listed in Item.Redacted).
package snapshot

import (
	"fmt"
	"sort"
	"strings"
)

// Kind is a kind of workspace content.
type Kind string

// Kinds of content, in the order they are collected, written and restored (tables before the rules
// that query them, watchlists before the rules that look them up).
const (
	KindWorkspace      Kind = "workspace"       // workspace settings: retention, pricing tier (drift only)
	KindSetting        Kind = "setting"         // Sentinel settings: UEBA, entity analytics, anomalies, EyesOn
	KindTable          Kind = "table"           // custom table schemas, and plans/retention that differ from the default
	KindWatchlist      Kind = "watchlist"       // watchlists with their items
	KindSavedSearch    Kind = "saved_search"    // saved searches and functions
	KindAnalyticsRule  Kind = "analytics_rule"  // analytics rules: enabled state, query, schedule, thresholds...
	KindAutomationRule Kind = "automation_rule" // automation rules
	KindWorkbook       Kind = "workbook"        // Sentinel workbooks of the workspace
	KindDCR            Kind = "dcr"             // data collection rules that send to the workspace
	KindDataConnector  Kind = "data_connector"  // data connectors: kind and data type states (drift only)
)

// kindInfo describes a kind: its folder in an export, the label of its items and whether a restore
// writes it (and why not).
type kindInfo struct {
	dir, label string
	noRestore  string // reason a restore skips the kind ("" when it is restored)
}

var kinds = map[Kind]kindInfo{
	KindWorkspace:      {"workspace", "workspace settings", "workspace settings (retention, pricing tier) are changed on the workspace itself, not by a content restore"},
	KindSetting:        {"settings", "Sentinel setting", ""},
	KindTable:          {"tables", "table", ""},
	KindWatchlist:      {"watchlists", "watchlist", ""},
	KindSavedSearch:    {"saved-searches", "saved search", ""},
	KindAnalyticsRule:  {"analytics-rules", "analytics rule", ""},
	KindAutomationRule: {"automation-rules", "automation rule", ""},
	KindWorkbook:       {"workbooks", "workbook", ""},
	KindDCR:            {"data-collection-rules", "data collection rule", ""},
	KindDataConnector:  {"data-connectors", "data connector", "data connectors are connected in the target itself (consent, licences and credentials are not part of an export)"},
}

// AllKinds lists every kind in collection order.
func AllKinds() []Kind {
	return []Kind{KindWorkspace, KindSetting, KindTable, KindWatchlist, KindSavedSearch, KindAnalyticsRule, KindAutomationRule,
		KindWorkbook, KindDCR, KindDataConnector}
}

// KindNames lists the kind names (for argument enums).
func KindNames() []string {
	var out []string
	for _, k := range AllKinds() {
		out = append(out, string(k))
	}
	return out
}

// ParseKind accepts a kind name (case-insensitive, "-" for "_", plural "s" allowed).
func ParseKind(s string) (Kind, bool) {
	n := strings.ToLower(strings.TrimSpace(strings.ReplaceAll(s, "-", "_")))
	for _, k := range AllKinds() {
		if n == string(k) || n == string(k)+"s" {
			return k, true
		}
	}
	switch n {
	case "rule", "rules", "analytics":
		return KindAnalyticsRule, true
	case "automation":
		return KindAutomationRule, true
	case "tables_retention", "retention":
		return KindTable, true
	case "ueba", "sentinel_settings":
		return KindSetting, true
	case "connector", "connectors":
		return KindDataConnector, true
	case "function", "functions":
		return KindSavedSearch, true
	}
	return "", false
}

// Label is the kind's name for people ("analytics rule").
func (k Kind) Label() string {
	if i, ok := kinds[k]; ok {
		return i.label
	}
	return string(k)
}

// Plural is the kind's name for several items ("saved searches").
func (k Kind) Plural() string {
	switch l := k.Label(); {
	case strings.HasSuffix(l, "ch"):
		return l + "es"
	case strings.HasSuffix(l, "s"):
		return l
	default:
		return l + "s"
	}
}

// Restorable reports whether a restore writes items of the kind, and the reason when it does not.
func (k Kind) Restorable() (bool, string) {
	i := kinds[k]
	return i.noRestore == "", i.noRestore
}

func kindOrder(k Kind) int {
	for i, x := range AllKinds() {
		if x == k {
			return i
		}
	}
	return len(kinds)
}

// Item is one piece of content.
type Item struct {
	Kind Kind `json:"kind"`
	// Key identifies the item across workspaces: a rule's template (else its display name), a
	// watchlist's alias, a table's name... (compared case-insensitively).
	Key string `json:"key"`
	// Name is the resource name in the workspace it was read from (GUIDs differ between workspaces).
	Name string `json:"name"`
	// Title is the name people know it by (display name).
	Title string `json:"title"`
	// Doc is the normalized resource document (kind, properties, tags...).
	Doc map[string]any `json:"doc"`
	// Rows are a watchlist's items (their itemsKeyValue), sorted by the search key.
	Rows []map[string]any `json:"rows,omitempty"`
	// Redacted lists the paths of secret values that were removed (never exported).
	Redacted []string `json:"redacted,omitempty"`

	// What the workspace it was read from needs for a write (not part of an export).
	etag  string
	group string // resource group of a Microsoft.Insights resource
	rowID map[string]rowRef
}

// rowRef is a watchlist row's resource name and etag in the workspace it was read from.
type rowRef struct{ name, etag string }

// Properties is Doc's properties object (nil when absent).
func (it *Item) Properties() map[string]any { return obj(it.Doc, "properties") }

// ID is "kind:key", how results and ignore lists name an item.
func (it *Item) ID() string { return string(it.Kind) + ":" + it.Key }

// Source names where a snapshot comes from.
type Source struct {
	Workspace  string `json:"workspace,omitempty"` // alias tenant/workspace
	Tenant     string `json:"tenant,omitempty"`    // tenant display name
	TenantID   string `json:"tenant_id,omitempty"`
	ResourceID string `json:"resource_id,omitempty"`
	Dir        string `json:"dir,omitempty"` // folder it was read from
}

// String is the workspace alias or the folder.
func (s Source) String() string {
	if s.Workspace != "" && s.Dir == "" {
		return s.Workspace
	}
	if s.Workspace != "" {
		return s.Dir + " (export of " + s.Workspace + ")"
	}
	return s.Dir
}

// KindError is a kind that could not be read (its items are unknown, not absent).
type KindError struct {
	Kind  Kind   `json:"kind"`
	Error string `json:"error"`
}

// Snapshot is the content of one workspace (or of an export folder).
type Snapshot struct {
	Source Source  `json:"source"`
	Kinds  []Kind  `json:"kinds"` // the kinds collected (the others were not asked for)
	Items  []*Item `json:"items"`
	// Incomplete lists the kinds that could not be read; comparisons skip them rather than report
	// their items as missing.
	Incomplete []KindError `json:"incomplete,omitempty"`
	// Notes are remarks on the content (redacted secrets, items written in another format...).
	Notes []string `json:"notes,omitempty"`
}

// Has reports whether the snapshot holds kind k completely.
func (s *Snapshot) Has(k Kind) bool {
	for _, e := range s.Incomplete {
		if e.Kind == k {
			return false
		}
	}
	for _, x := range s.Kinds {
		if x == k {
			return true
		}
	}
	return false
}

// Of returns the items of a kind.
func (s *Snapshot) Of(k Kind) []*Item {
	var out []*Item
	for _, it := range s.Items {
		if it.Kind == k {
			out = append(out, it)
		}
	}
	return out
}

// Counts returns the number of items per kind.
func (s *Snapshot) Counts() map[Kind]int {
	out := map[Kind]int{}
	for _, it := range s.Items {
		out[it.Kind]++
	}
	return out
}

func (s *Snapshot) sort() {
	sort.SliceStable(s.Items, func(i, j int) bool {
		a, b := s.Items[i], s.Items[j]
		if a.Kind != b.Kind {
			return kindOrder(a.Kind) < kindOrder(b.Kind)
		}
		ka, kb := strings.ToLower(a.Key), strings.ToLower(b.Key)
		if ka != kb {
			return ka < kb
		}
		return a.Name < b.Name
	})
	sort.SliceStable(s.Kinds, func(i, j int) bool { return kindOrder(s.Kinds[i]) < kindOrder(s.Kinds[j]) })
}

// normKinds returns the kinds asked for (all when none), deduplicated, in collection order.
func normKinds(ks []Kind) []Kind {
	if len(ks) == 0 {
		return AllKinds()
	}
	seen := map[Kind]bool{}
	var out []Kind
	for _, k := range ks {
		if _, ok := kinds[k]; ok && !seen[k] {
			seen[k] = true
			out = append(out, k)
		}
	}
	sort.SliceStable(out, func(i, j int) bool { return kindOrder(out[i]) < kindOrder(out[j]) })
	return out
}

// ParseKinds parses kind names (see ParseKind); an unknown one is an error naming the valid ones.
func ParseKinds(names []string) ([]Kind, error) {
	var out []Kind
	for _, n := range names {
		if strings.TrimSpace(n) == "" {
			continue
		}
		k, ok := ParseKind(n)
		if !ok {
			return nil, fmt.Errorf("%q is not a kind of content: use %s", n, strings.Join(KindNames(), ", "))
		}
		out = append(out, k)
	}
	return normKinds(out), nil
}
