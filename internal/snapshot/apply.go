package snapshot

import (
	"bytes"
	"context"
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"sort"
	"strings"

	"github.com/sentinel-mcp/sentinel-mcp/internal/audit"
	"github.com/sentinel-mcp/sentinel-mcp/internal/azure"
	"github.com/sentinel-mcp/sentinel-mcp/internal/sentinel"
)

// Outcomes of an applied plan item.
const (
	StatusDone      = "done"
	StatusFailed    = "failed"
	StatusUnchanged = "unchanged"
	StatusSkipped   = "skipped"
)

// ItemResult is what applying one plan item did.
type ItemResult struct {
	Kind   Kind   `json:"kind"`
	Title  string `json:"title"`
	Name   string `json:"name,omitempty"`
	Action Action `json:"action"`
	Status string `json:"status"`
	Error  string `json:"error,omitempty"`
	Reason string `json:"reason,omitempty"`
}

// Apply carries out the plan, item by item in kind order (tables and watchlists before the rules
// that use them). A failed item does not stop the others; every write sends the etag read when the
// plan was made, so an item changed since then is refused (a conflict) rather than overwritten. Each
// change is reported to the audit log (audit.RecordChange). progress, when set, is told each item.
func (p *Plan) Apply(ctx context.Context, progress func(done, total int, msg string)) []ItemResult {
	out := make([]ItemResult, 0, len(p.Items))
	for i, it := range p.Items {
		r := ItemResult{Kind: it.Kind, Title: it.Title, Name: it.Name, Action: it.Action, Reason: it.Reason}
		switch it.Action {
		case ActUnchanged:
			r.Status = StatusUnchanged
		case ActSkip:
			r.Status = StatusSkipped
		default:
			if err := ctx.Err(); err != nil {
				r.Status, r.Error = StatusFailed, "not attempted: "+err.Error()
				break
			}
			name, err := p.apply(ctx, &p.Items[i])
			if name != "" {
				r.Name = name
			}
			if err != nil {
				r.Status, r.Error = StatusFailed, err.Error()
			} else {
				r.Status = StatusDone
			}
		}
		out = append(out, r)
		if progress != nil && it.Action != ActUnchanged && it.Action != ActSkip {
			progress(i+1, len(p.Items), fmt.Sprintf("%s: %s %s %q: %s", p.Target, it.Action, it.Kind.Label(), it.Title, r.Status))
		}
	}
	return out
}

// record reports a change for the audit log.
func (p *Plan) record(ctx context.Context, it *PlanItem, name string, after map[string]any) {
	var before any
	if it.cur != nil && it.Action == ActUpdate {
		before = map[string]any{"workspace": p.Target, "kind": it.Kind, "name": it.cur.Name, "doc": it.cur.Doc}
	}
	audit.RecordChange(ctx, before, map[string]any{"workspace": p.Target, "kind": it.Kind, "name": name, "doc": after})
}

func (p *Plan) apply(ctx context.Context, it *PlanItem) (string, error) {
	doc := p.resolveRules(p.env.Resolve(it.src.Doc))
	if hasPlaceholder(doc) {
		return "", errors.New("the item holds a placeholder that the target cannot fill (an unknown ${...})")
	}
	create := it.Action == ActCreate
	name := it.Name
	if name == "" {
		name = sentinel.NewName()
	}
	etag := ""
	if !create && it.cur != nil {
		etag = it.cur.etag
	}
	what := fmt.Sprintf("%s %q in %s", it.Kind.Label(), it.Title, p.Target)
	var err error
	switch it.Kind {
	case KindAnalyticsRule:
		props, _ := doc["properties"].(map[string]any)
		r := &sentinel.AlertRule{Name: name, Kind: str(doc, "kind"), Properties: props, Etag: etag}
		_, err = p.c.PutAlertRule(ctx, r, create)
	case KindAutomationRule:
		props, _ := doc["properties"].(map[string]any)
		_, err = p.c.PutAutomationRule(ctx, &sentinel.AutomationRule{Name: name, Properties: props, Etag: etag}, create)
	case KindSavedSearch:
		err = p.putSavedSearch(ctx, name, doc, etag, create)
	case KindSetting:
		err = p.putSetting(ctx, name, doc, etag, create)
	case KindWatchlist:
		err = p.putWatchlist(ctx, it, name, doc, etag, create)
	case KindWorkbook:
		name, err = p.putWorkbook(ctx, it, name, doc, etag, create)
	case KindTable:
		err = p.putTable(ctx, it, name, doc, create)
	case KindDCR:
		err = p.putDCR(ctx, it, name, doc, etag, create)
	default:
		err = fmt.Errorf("%s are not restored", it.Kind.Plural())
	}
	if err != nil {
		if create && azure.IsConflict(err) {
			return name, fmt.Errorf("%s: one named %s was created in the meantime, so nothing was overwritten; plan again", what, name)
		}
		return name, fmt.Errorf("writing %s: %w", what, sentinel.ConflictError(what, err, "Plan the restore again"))
	}
	p.record(ctx, it, name, doc)
	return name, nil
}

// hasPlaceholder reports a placeholder left after Resolve (an identifier the target has none of).
func hasPlaceholder(v any) bool {
	found := false
	mapStrings(clone(v), func(s string) string {
		for _, ph := range placeholders {
			if strings.Contains(s, ph) {
				found = true
			}
		}
		return s
	})
	return found
}

var placeholders = []string{"${analyticsRule:", PlaceholderWorkspaceResourceID, PlaceholderSubscriptionID, PlaceholderResourceGroup,
	PlaceholderWorkspaceID, PlaceholderTenantID, PlaceholderWorkspaceName, PlaceholderLocation}

func (p *Plan) putSetting(ctx context.Context, name string, doc map[string]any, etag string, create bool) error {
	path, err := p.c.ResourcePath("settings", name)
	if err != nil {
		return err
	}
	body := map[string]any{"kind": firstNonEmpty(str(doc, "kind"), name), "properties": doc["properties"]}
	o := &azure.WriteOptions{IfMatch: etag}
	if create {
		o.IfNoneMatch = "*"
	} else if etag != "" {
		body["etag"] = etag
	}
	_, err = p.c.ARM().Put(ctx, path, body, o)
	return err
}

func (p *Plan) putSavedSearch(ctx context.Context, name string, doc map[string]any, etag string, create bool) error {
	path, err := p.c.WorkspaceChildPath("savedSearches", name)
	if err != nil {
		return err
	}
	body := map[string]any{"properties": doc["properties"]}
	o := &azure.WriteOptions{IfMatch: etag}
	if create {
		o.IfNoneMatch = "*"
	} else if etag != "" {
		body["etag"] = etag
	}
	_, err = p.c.ARM().Put(ctx, path, body, o)
	return err
}

// putWatchlist creates a watchlist with its rows as one CSV upload (the rows past the upload limit are
// added one by one), or updates its properties and then adds, changes and removes rows so they equal
// the source's.
func (p *Plan) putWatchlist(ctx context.Context, it *PlanItem, alias string, doc map[string]any, etag string, create bool) error {
	path, err := p.c.ResourcePath("watchlists", alias)
	if err != nil {
		return err
	}
	props := cloneMap(obj(doc, "properties"))
	if props == nil {
		props = map[string]any{}
	}
	key := str(props, "itemsSearchKey")
	if create {
		csvText, rest, err := watchlistCSV(it.src.Rows, key, sentinel.MaxWatchlistUploadBytes-64<<10)
		if err != nil {
			return err
		}
		props["rawContent"], props["contentType"], props["numberOfLinesToSkip"] = csvText, sentinel.WatchlistContentTypeCSV, 0
		if _, err := p.c.ARM().Put(ctx, path, map[string]any{"properties": props}, &azure.WriteOptions{IfNoneMatch: "*"}); err != nil {
			return err
		}
		for _, row := range rest {
			if _, err := p.c.PutWatchlistItem(ctx, alias, "", row, ""); err != nil {
				return fmt.Errorf("the watchlist was created, adding its rows failed: %w", err)
			}
		}
		return nil
	}
	if len(it.Fields) > 0 {
		body := map[string]any{"properties": props}
		if etag != "" {
			body["etag"] = etag
		}
		if _, err := p.c.ARM().Put(ctx, path, body, &azure.WriteOptions{IfMatch: etag}); err != nil {
			return err
		}
	}
	if it.Rows == nil {
		return nil
	}
	want := map[string]map[string]any{}
	for _, r := range it.src.Rows {
		want[rowKey(r, key)] = r
	}
	for _, k := range append(append([]string(nil), it.Rows.Missing...), it.Rows.Changed...) {
		ref := it.cur.rowID[k]
		if _, err := p.c.PutWatchlistItem(ctx, alias, ref.name, want[k], ref.etag); err != nil {
			return fmt.Errorf("row %q: %w", k, err)
		}
	}
	for _, k := range it.Rows.Extra {
		ref, ok := it.cur.rowID[k]
		if !ok {
			continue
		}
		if err := p.c.DeleteWatchlistItem(ctx, alias, ref.name, ref.etag); err != nil && !azure.IsNotFound(err) {
			return fmt.Errorf("removing row %q: %w", k, err)
		}
	}
	return nil
}

// watchlistCSV renders rows as a CSV upload (the search key column first, then the others sorted) of
// at most limit bytes; the rows that do not fit are returned.
func watchlistCSV(rows []map[string]any, key string, limit int) (string, []map[string]any, error) {
	cols := map[string]bool{}
	for _, r := range rows {
		for c := range r {
			cols[c] = true
		}
	}
	delete(cols, key)
	header := append([]string{key}, sortedKeys(cols)...)
	var buf bytes.Buffer
	w := csv.NewWriter(&buf)
	if err := w.Write(header); err != nil {
		return "", nil, err
	}
	for i, r := range rows {
		rec := make([]string, len(header))
		for j, c := range header {
			switch v := r[c].(type) {
			case nil:
			case string:
				rec[j] = v
			default:
				rec[j] = compact(v)
			}
		}
		mark := buf.Len()
		if err := w.Write(rec); err != nil {
			return "", nil, err
		}
		w.Flush()
		if buf.Len() > limit {
			buf.Truncate(mark)
			return buf.String(), rows[i:], nil
		}
	}
	w.Flush()
	return buf.String(), nil, w.Error()
}

func (p *Plan) putWorkbook(ctx context.Context, it *PlanItem, name string, doc map[string]any, etag string, create bool) (string, error) {
	raw, err := json.Marshal(doc)
	if err != nil {
		return name, err
	}
	var wb sentinel.Workbook
	if err := json.Unmarshal(raw, &wb); err != nil {
		return name, err
	}
	if create {
		// Workbooks are resources of the resource group, which other workspaces may share: a name
		// taken there (by the source's own workbook) gets a new one.
		for attempt := 0; ; attempt++ {
			wb.Name = name
			if _, err := p.c.CreateWorkbook(ctx, &wb); err == nil || !azure.IsConflict(err) || attempt > 0 {
				return name, err
			}
			name = sentinel.NewName()
		}
	}
	path, err := p.c.InsightsPath(it.cur.group, "workbooks", it.cur.Name)
	if err != nil {
		return name, err
	}
	wb.Name, wb.Etag = it.cur.Name, etag
	_, err = p.c.ARM().Put(ctx, path+"?sourceId="+url.QueryEscape(p.ws.ResourceID), wb, &azure.WriteOptions{IfMatch: etag})
	return it.cur.Name, err
}

func (p *Plan) putTable(ctx context.Context, it *PlanItem, name string, doc map[string]any, create bool) error {
	props := obj(doc, "properties")
	u := sentinel.TableUpdate{}
	intOf := func(v any) (int, bool) {
		f, ok := number(v)
		return int(f), ok
	}
	curProps := map[string]any{}
	if it.cur != nil {
		curProps = it.cur.Properties()
	}
	set := func(k string) bool { return create || !Equal(props[k], curProps[k]) }
	if s, ok := props["plan"].(string); ok && set("plan") {
		u.Plan = &s
	}
	if n, ok := intOf(props["retentionInDays"]); ok && (set("retentionInDays") || u.Plan != nil) {
		if props["plan"] == nil || props["plan"] == sentinel.PlanAnalytics {
			u.RetentionInDays = &n
		}
	}
	if n, ok := intOf(props["totalRetentionInDays"]); ok && (set("totalRetentionInDays") || u.RetentionInDays != nil) {
		u.TotalRetentionInDays = &n
	}
	if schema := obj(props, "schema"); schema != nil && (create || !Equal(schema, obj(curProps, "schema"))) {
		raw, _ := json.Marshal(schema["columns"])
		if err := json.Unmarshal(raw, &u.Columns); err != nil {
			return fmt.Errorf("the table's columns: %v", err)
		}
		if u.Columns == nil {
			u.Columns = []sentinel.TableColumn{}
		}
		if d, ok := schema["description"].(string); ok {
			u.Description = &d
		}
	}
	if create {
		_, err := p.c.CreateTable(ctx, name, u)
		return err
	}
	_, err := p.c.UpdateTable(ctx, name, u)
	if azure.IsNotFound(err) {
		return fmt.Errorf("table %s does not exist in %s (a Microsoft table appears once its solution or connector is installed)", name, p.Target)
	}
	return err
}

func (p *Plan) putDCR(ctx context.Context, it *PlanItem, name string, doc map[string]any, etag string, create bool) error {
	raw, err := json.Marshal(doc)
	if err != nil {
		return err
	}
	var r sentinel.DataCollectionRule
	if err := json.Unmarshal(raw, &r); err != nil {
		return err
	}
	if r.Location == "" {
		r.Location = p.ws.Location
	}
	group := p.ws.ResourceGroup
	if !create && it.cur != nil {
		group, name = it.cur.group, it.cur.Name
	}
	r.Name, r.Etag = name, etag
	_, err = p.c.PutDataCollectionRule(ctx, sentinel.InsightsID{ResourceGroup: group, Kind: sentinel.KindDCR, Name: name}, &r, create)
	return err
}

// SortResults orders results: failures first, then writes, then the rest, each in plan order.
func SortResults(rs []ItemResult) {
	rank := func(r ItemResult) int {
		switch r.Status {
		case StatusFailed:
			return 0
		case StatusDone:
			return 1
		case StatusSkipped:
			return 2
		}
		return 3
	}
	sort.SliceStable(rs, func(i, j int) bool { return rank(rs[i]) < rank(rs[j]) })
}
