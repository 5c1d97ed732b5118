package snapshot

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"sort"
	"strings"
	"sync"

	"github.com/sentinel-mcp/sentinel-mcp/internal/azure"
	"github.com/sentinel-mcp/sentinel-mcp/internal/sentinel"
	"github.com/sentinel-mcp/sentinel-mcp/internal/tenancy"
)

// CollectOptions select what Collect reads.
type CollectOptions struct {
	Kinds []Kind // default: every kind
	// MaxWatchlistRows caps the rows read per watchlist (default 100,000); a longer watchlist makes the
	// watchlist kind incomplete rather than silently cut.
	MaxWatchlistRows int
	// Progress, when set, is told each kind that was read ("analytics rules: 12").
	Progress func(msg string)
}

// DefaultMaxWatchlistRows is CollectOptions.MaxWatchlistRows' default.
const DefaultMaxWatchlistRows = 100_000

// collectConcurrency is how many kinds of one workspace are read at once: enough to hide latency,
// few enough not to trip a tenant's throttling when many workspaces are read together.
const collectConcurrency = 3

// Collect reads the content of a workspace. A kind that cannot be read (a missing permission, a
// failure) is recorded in Snapshot.Incomplete and the others are still read; only when nothing at all
// could be read is it an error.
func Collect(ctx context.Context, p *azure.Provider, ws *tenancy.Workspace, o CollectOptions) (*Snapshot, error) {
	c, err := sentinel.New(p, ws)
	if err != nil {
		return nil, err
	}
	if o.MaxWatchlistRows <= 0 {
		o.MaxWatchlistRows = DefaultMaxWatchlistRows
	}
	r := &reader{c: c, ws: ws, env: EnvOf(ws), o: o}
	snap := &Snapshot{Source: Source{Workspace: ws.Alias, Tenant: ws.TenantName, TenantID: ws.TenantID, ResourceID: ws.ResourceID},
		Kinds: normKinds(o.Kinds)}
	var (
		mu   sync.Mutex
		wg   sync.WaitGroup
		sem  = make(chan struct{}, collectConcurrency)
		errs []error
	)
	for _, k := range snap.Kinds {
		wg.Add(1)
		go func() {
			defer wg.Done()
			select {
			case sem <- struct{}{}:
			case <-ctx.Done():
				mu.Lock()
				snap.Incomplete = append(snap.Incomplete, KindError{Kind: k, Error: ctx.Err().Error()})
				errs = append(errs, ctx.Err())
				mu.Unlock()
				return
			}
			defer func() { <-sem }()
			items, notes, err := r.read(ctx, k)
			mu.Lock()
			defer mu.Unlock()
			snap.Notes = append(snap.Notes, notes...)
			if err != nil {
				snap.Incomplete = append(snap.Incomplete, KindError{Kind: k, Error: err.Error()})
				errs = append(errs, err)
				return
			}
			snap.Items = append(snap.Items, items...)
			if o.Progress != nil {
				o.Progress(fmt.Sprintf("%s: %s read (%d)", ws.Alias, k.Plural(), len(items)))
			}
		}()
	}
	wg.Wait()
	if len(errs) == len(snap.Kinds) && len(errs) > 0 {
		return nil, fmt.Errorf("could not read any content of %s: %w", ws.Alias, errs[0])
	}
	r.linkRules(ctx, snap)
	sort.Slice(snap.Incomplete, func(i, j int) bool { return kindOrder(snap.Incomplete[i].Kind) < kindOrder(snap.Incomplete[j].Kind) })
	sort.Strings(snap.Notes)
	snap.sort()
	return snap, nil
}

type reader struct {
	c   *sentinel.Client
	ws  *tenancy.Workspace
	env Env
	o   CollectOptions
}

func (r *reader) read(ctx context.Context, k Kind) ([]*Item, []string, error) {
	var (
		items []*Item
		err   error
	)
	switch k {
	case KindWorkspace:
		items, err = r.workspace(ctx)
	case KindSetting:
		items, err = r.settings(ctx)
	case KindTable:
		items, err = r.tables(ctx)
	case KindWatchlist:
		items, err = r.watchlists(ctx)
	case KindSavedSearch:
		items, err = r.savedSearches(ctx)
	case KindAnalyticsRule:
		items, err = r.analyticsRules(ctx)
	case KindAutomationRule:
		items, err = r.automationRules(ctx)
	case KindWorkbook:
		items, err = r.workbooks(ctx)
	case KindDCR:
		items, err = r.dcrs(ctx)
	case KindDataConnector:
		items, err = r.connectors(ctx)
	default:
		return nil, nil, fmt.Errorf("unknown kind %q", k)
	}
	if err != nil {
		return nil, nil, fmt.Errorf("reading %s of %s: %w", k.Plural(), r.ws.Alias, err)
	}
	var notes []string
	for _, it := range items {
		it.Doc = r.env.Rewrite(it.Doc)
		if paths := redact(it.Doc); len(paths) > 0 {
			it.Redacted = paths
			notes = append(notes, fmt.Sprintf("%s %q: secret values not exported (%s)", k.Label(), it.Title, strings.Join(paths, ", ")))
		}
	}
	return items, notes, nil
}

func (r *reader) workspace(ctx context.Context) ([]*Item, error) {
	var w struct {
		Properties struct {
			RetentionInDays int `json:"retentionInDays"`
			SKU             struct {
				Name string `json:"name"`
			} `json:"sku"`
			WorkspaceCapping struct {
				DailyQuotaGb *float64 `json:"dailyQuotaGb"`
			} `json:"workspaceCapping"`
		} `json:"properties"`
	}
	if err := r.c.Get(ctx, r.ws.ResourceID, &w); err != nil {
		return nil, err
	}
	props := map[string]any{"retentionInDays": w.Properties.RetentionInDays, "sku": w.Properties.SKU.Name}
	if q := w.Properties.WorkspaceCapping.DailyQuotaGb; q != nil {
		props["dailyQuotaGb"] = *q
	}
	doc, err := baseDoc(map[string]any{"properties": props})
	if err != nil {
		return nil, err
	}
	return []*Item{{Kind: KindWorkspace, Key: "settings", Name: r.ws.Name, Title: "workspace settings", Doc: doc}}, nil
}

// settingNames are the Sentinel settings (Microsoft.SecurityInsights/settings); they are read by name,
// an absent one being off.
var settingNames = []string{"Anomalies", "EntityAnalytics", "EyesOn", "Ueba"}

func (r *reader) settings(ctx context.Context) ([]*Item, error) {
	var out []*Item
	for _, name := range settingNames {
		var raw json.RawMessage
		if err := r.c.Get(ctx, r.c.Path("settings", name), &raw); err != nil {
			if azure.IsNotFound(err) {
				continue
			}
			return nil, fmt.Errorf("setting %s: %w", name, err)
		}
		var env sentinel.Envelope
		_ = json.Unmarshal(raw, &env)
		doc, err := baseDoc(raw)
		if err != nil {
			return nil, err
		}
		out = append(out, &Item{Kind: KindSetting, Key: name, Name: firstNonEmpty(env.Name, name), Title: name, Doc: doc, etag: env.Etag})
	}
	return out, nil
}

func (r *reader) tables(ctx context.Context) ([]*Item, error) {
	tables, err := r.c.Tables(ctx)
	if err != nil {
		return nil, err
	}
	var out []*Item
	for _, t := range tables {
		it, ok, err := tableItem(&t)
		if err != nil {
			return nil, err
		}
		if ok {
			out = append(out, it)
		}
	}
	return out, nil
}

// tableItem is a custom table's schema and settings, or a Microsoft table's settings when they are
// not the defaults (every workspace has hundreds of Microsoft tables; only their deviations are
// content). Search results and restored logs tables are transient and left out.
func tableItem(t *sentinel.Table) (*Item, bool, error) {
	p := t.Properties
	custom := t.Kind() == "custom"
	if !custom && !t.IsMicrosoft() {
		return nil, false, nil
	}
	ret, total := p.RetentionInDays, p.TotalRetentionInDays
	if p.RetentionInDaysAsDefault {
		ret = -1
	}
	if p.TotalRetentionInDaysAsDefault {
		total = -1
	}
	plan := p.Plan
	if plan == "" {
		plan = sentinel.PlanAnalytics
	}
	if !custom && plan == sentinel.PlanAnalytics && ret == -1 && total == -1 {
		return nil, false, nil
	}
	props := map[string]any{"plan": plan, "retentionInDays": ret, "totalRetentionInDays": total}
	if plan != sentinel.PlanAnalytics {
		props["retentionInDays"] = -1 // fixed by the plan, not a setting
	}
	if custom {
		schema := map[string]any{}
		cols := make([]any, 0, len(p.Schema.Columns))
		for _, c := range p.Schema.Columns {
			col := map[string]any{"name": c.Name, "type": c.Type}
			for k, v := range map[string]string{"description": c.Description, "displayName": c.DisplayName, "dataTypeHint": c.DataTypeHint} {
				if v != "" {
					col[k] = v
				}
			}
			if c.IsHidden {
				col["isHidden"] = true
			}
			cols = append(cols, col)
		}
		schema["columns"] = cols
		for k, v := range map[string]string{"description": p.Schema.Description, "displayName": p.Schema.DisplayName} {
			if v != "" {
				schema[k] = v
			}
		}
		props["schema"] = schema
	}
	doc, err := baseDoc(map[string]any{"properties": props})
	if err != nil {
		return nil, false, err
	}
	return &Item{Kind: KindTable, Key: t.Name, Name: t.Name, Title: t.Name, Doc: doc}, true, nil
}

// watchlistServerOwned are the watchlist properties Sentinel sets (or only accepts in an upload).
var watchlistServerOwned = []string{"watchlistId", "watchlistAlias", "created", "updated", "createdBy", "updatedBy", "tenantId",
	"uploadStatus", "isDeleted", "rawContent", "numberOfLinesToSkip"}

func (r *reader) watchlists(ctx context.Context) ([]*Item, error) {
	wls, truncated, err := r.c.AllWatchlists(ctx, 0)
	if err != nil {
		return nil, err
	}
	if truncated {
		return nil, errors.New("the workspace has more watchlists than can be listed at once")
	}
	var out []*Item
	for _, w := range wls {
		doc, err := baseDoc(w, watchlistServerOwned...)
		if err != nil {
			return nil, err
		}
		it := &Item{Kind: KindWatchlist, Key: w.Name, Name: w.Name, Title: w.Properties.DisplayName, Doc: doc, etag: w.Etag,
			rowID: map[string]rowRef{}}
		if it.Title == "" {
			it.Title = w.Name
		}
		rows, truncated, err := r.c.AllWatchlistItems(ctx, w.Name, r.o.MaxWatchlistRows)
		if err != nil {
			return nil, fmt.Errorf("items of watchlist %s: %w", w.Name, err)
		}
		if truncated {
			return nil, fmt.Errorf("watchlist %s has more than %d items (the limit of one read)", w.Name, r.o.MaxWatchlistRows)
		}
		key := w.Properties.ItemsSearchKey
		for _, row := range rows {
			if row.Properties.IsDeleted {
				continue
			}
			kv, err := Tree(row.Properties.ItemsKeyValue)
			if err != nil {
				return nil, err
			}
			m, _ := kv.(map[string]any)
			if m == nil {
				m = map[string]any{}
			}
			it.Rows = append(it.Rows, m)
			if k := rowKey(m, key); k != "" {
				if _, dup := it.rowID[k]; !dup {
					it.rowID[k] = rowRef{name: row.Name, etag: row.Etag}
				}
			}
		}
		sortRows(it.Rows, key)
		out = append(out, it)
	}
	return out, nil
}

// rowKey is a watchlist row's search key value ("" when absent).
func rowKey(row map[string]any, key string) string {
	v, ok := row[key]
	if !ok {
		for k, x := range row { // Sentinel matches the search key column case-insensitively
			if strings.EqualFold(k, key) {
				v, ok = x, true
				break
			}
		}
	}
	if !ok || v == nil {
		return ""
	}
	if s, ok := v.(string); ok {
		return s
	}
	return compact(v)
}

func sortRows(rows []map[string]any, key string) {
	sort.SliceStable(rows, func(i, j int) bool {
		a, b := rowKey(rows[i], key), rowKey(rows[j], key)
		if a != b {
			return a < b
		}
		return compact(rows[i]) < compact(rows[j])
	})
}

func (r *reader) savedSearches(ctx context.Context) ([]*Item, error) {
	ss, err := r.c.SavedSearches(ctx)
	if err != nil {
		return nil, err
	}
	var out []*Item
	for _, s := range ss {
		doc, err := baseDoc(s)
		if err != nil {
			return nil, err
		}
		out = append(out, &Item{Kind: KindSavedSearch, Key: savedSearchKey(s.Properties.FunctionAlias, s.Properties.Category, s.Properties.DisplayName),
			Name: s.Name, Title: s.Properties.DisplayName, Doc: doc, etag: s.Etag})
	}
	return out, nil
}

// savedSearchKey identifies a saved search across workspaces: its function alias (what queries call),
// else its category and display name (what the portal shows).
func savedSearchKey(alias, category, displayName string) string {
	if alias != "" {
		return alias
	}
	return category + "/" + displayName
}

func (r *reader) analyticsRules(ctx context.Context) ([]*Item, error) {
	rules, err := r.c.AlertRules(ctx)
	if err != nil {
		return nil, err
	}
	var out []*Item
	for _, ar := range rules {
		doc, err := baseDoc(map[string]any{"kind": ar.Kind, "properties": ar.Properties}, sentinel.AlertRuleReadOnly...)
		if err != nil {
			return nil, err
		}
		out = append(out, &Item{Kind: KindAnalyticsRule, Key: ruleKey(ar.TemplateName(), ar.DisplayName(), ar.Name), Name: ar.Name,
			Title: firstNonEmpty(ar.DisplayName(), ar.Name), Doc: doc, etag: ar.Etag})
	}
	return out, nil
}

// ruleKey identifies an analytics rule across workspaces: the template it was created from (the same
// content rule deployed in two workspaces has two resource names), else its display name.
func ruleKey(template, displayName, name string) string {
	if template != "" {
		return template
	}
	return firstNonEmpty(displayName, name)
}

func (r *reader) automationRules(ctx context.Context) ([]*Item, error) {
	rules, err := r.c.AutomationRules(ctx)
	if err != nil {
		return nil, err
	}
	var out []*Item
	for _, ar := range rules {
		doc, err := baseDoc(map[string]any{"properties": ar.Properties}, sentinel.AutomationRuleReadOnly...)
		if err != nil {
			return nil, err
		}
		out = append(out, &Item{Kind: KindAutomationRule, Key: firstNonEmpty(ar.DisplayName(), ar.Name), Name: ar.Name,
			Title: firstNonEmpty(ar.DisplayName(), ar.Name), Doc: doc, etag: ar.Etag})
	}
	return out, nil
}

// workbookServerOwned are the workbook properties Azure sets.
var workbookServerOwned = []string{"userId", "revision", "timeModified"}

func (r *reader) workbooks(ctx context.Context) ([]*Item, error) {
	wbs, truncated, err := r.c.Workbooks(ctx, sentinel.WorkbookCategorySentinel, true, 0)
	if err != nil {
		return nil, err
	}
	if truncated {
		return nil, errors.New("the subscription has more workbooks than can be listed at once")
	}
	var out []*Item
	for _, w := range wbs {
		doc, err := baseDoc(w, workbookServerOwned...)
		if err != nil {
			return nil, err
		}
		title := firstNonEmpty(w.Properties.DisplayName, w.Name)
		out = append(out, &Item{Kind: KindWorkbook, Key: title, Name: w.Name, Title: title, Doc: doc, etag: w.Etag, group: w.ResourceGroup()})
	}
	return out, nil
}

// dcrServerOwned are the data collection rule properties Azure sets.
var dcrServerOwned = []string{"immutableId", "provisioningState", "endpoints", "metadata"}

func (r *reader) dcrs(ctx context.Context) ([]*Item, error) {
	rules, truncated, err := r.c.DataCollectionRules(ctx, 0)
	if err != nil {
		return nil, err
	}
	if truncated {
		return nil, errors.New("the subscription has more data collection rules than can be listed at once")
	}
	var out []*Item
	for _, d := range rules {
		if !d.SendsTo(r.ws.ResourceID) {
			continue
		}
		doc, err := baseDoc(d, dcrServerOwned...)
		if err != nil {
			return nil, err
		}
		out = append(out, &Item{Kind: KindDCR, Key: nameToken(d.Name, r.ws.Name), Name: d.Name, Title: d.Name, Doc: doc, etag: d.Etag, group: d.ResourceGroup()})
	}
	return out, nil
}

func (r *reader) connectors(ctx context.Context) ([]*Item, error) {
	cs, truncated, err := r.c.DataConnectors(ctx, 0)
	if err != nil {
		return nil, err
	}
	if truncated {
		return nil, errors.New("the workspace has more data connectors than can be listed at once")
	}
	sort.SliceStable(cs, func(i, j int) bool { return cs[i].Name < cs[j].Name })
	seen := map[string]int{}
	var out []*Item
	for _, d := range cs {
		doc, err := baseDoc(d)
		if err != nil {
			return nil, err
		}
		// One connector per kind is the rule; a second of a kind (several AWS accounts) gets a number.
		key := d.Kind
		if n := seen[strings.ToLower(d.Kind)]; n > 0 {
			key = fmt.Sprintf("%s#%d", d.Kind, n+1)
		}
		seen[strings.ToLower(d.Kind)]++
		out = append(out, &Item{Kind: KindDataConnector, Key: key, Name: d.Name, Title: key, Doc: doc, etag: d.Etag})
	}
	return out, nil
}

func firstNonEmpty(ss ...string) string {
	for _, s := range ss {
		if strings.TrimSpace(s) != "" {
			return s
		}
	}
	return ""
}
