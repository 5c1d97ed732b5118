package snapshot

import (
	"fmt"
	"path"
	"sort"
	"strings"
)

// Change is how an item of a workspace differs from the baseline.
type Change string

// Changes.
const (
	Missing Change = "missing" // in the baseline, not in the workspace
	Extra   Change = "extra"   // in the workspace, not in the baseline
	Changed Change = "changed" // in both, with different content
)

// Finding is one difference between a workspace and its baseline.
type Finding struct {
	Kind   Kind        `json:"kind"`
	Key    string      `json:"key"`
	Title  string      `json:"title"`
	Change Change      `json:"change"`
	Fields []FieldDiff `json:"fields,omitempty"`
	Rows   *RowsDiff   `json:"rows,omitempty"`
}

// FieldDiff is one changed field of an item. Values are compact JSON ("" when absent); multi-line
// text (queries) also gets a short line diff.
type FieldDiff struct {
	Path     string `json:"path"`
	Baseline string `json:"baseline"`
	Target   string `json:"target"`
	Diff     string `json:"diff,omitempty"`
}

// RowsDiff lists the rows of a watchlist that differ, by search key value.
type RowsDiff struct {
	Missing []string `json:"missing,omitempty"`
	Extra   []string `json:"extra,omitempty"`
	Changed []string `json:"changed,omitempty"`
}

func (r *RowsDiff) empty() bool { return len(r.Missing)+len(r.Extra)+len(r.Changed) == 0 }

// Drift is the comparison of a workspace with a baseline.
type Drift struct {
	Baseline Source    `json:"baseline"`
	Target   Source    `json:"target"`
	Findings []Finding `json:"findings"`
	// NotCompared are the kinds that could not be compared (unreadable on either side, or not in the
	// baseline export): their differences are unknown.
	NotCompared []KindError `json:"not_compared,omitempty"`
	Ignored     int         `json:"ignored,omitempty"` // findings (or fields) left out by the ignore list
}

// DiffOptions control Compare.
type DiffOptions struct {
	Ignore *Ignore
	Kinds  []Kind // compare only these kinds (default: every kind both sides hold)
}

// Ignore is a parsed ignore list.
type Ignore struct {
	kinds  map[Kind]bool
	items  []ignoreItem
	fields []string
}

type ignoreItem struct {
	kind    Kind
	pattern string
}

// ParseIgnore parses ignore entries: a kind ("data_connector") ignores the kind, "kind:pattern"
// ignores its items whose title or key matches the glob pattern ("analytics_rule:Test*"), and
// "field:pattern" ignores fields whose path matches ("field:description", "field:incidentConfiguration"
// with its sub-fields, "field:*.lastModified*"), of every kind or, as "kind.field:pattern", of one kind.
func ParseIgnore(entries []string) (*Ignore, error) {
	ig := &Ignore{kinds: map[Kind]bool{}}
	for _, e := range entries {
		e = strings.TrimSpace(e)
		if e == "" {
			continue
		}
		head, pattern, hasPattern := strings.Cut(e, ":")
		if !hasPattern {
			k, ok := ParseKind(e)
			if !ok {
				return nil, fmt.Errorf("ignore entry %q: not a kind (%s), kind:name-pattern or field:path-pattern", e, strings.Join(KindNames(), ", "))
			}
			ig.kinds[k] = true
			continue
		}
		pattern = strings.TrimSpace(pattern)
		if _, err := path.Match(strings.ToLower(pattern), ""); err != nil || pattern == "" {
			return nil, fmt.Errorf("ignore entry %q: %q is not a valid pattern (use * and ? as wildcards)", e, pattern)
		}
		if kindPart, ok := strings.CutSuffix(strings.ToLower(head), ".field"); ok || strings.EqualFold(head, "field") {
			if ok {
				k, known := ParseKind(kindPart)
				if !known {
					return nil, fmt.Errorf("ignore entry %q: %q is not a kind", e, kindPart)
				}
				ig.fields = append(ig.fields, string(k)+"/"+strings.ToLower(pattern))
			} else {
				ig.fields = append(ig.fields, "*/"+strings.ToLower(pattern))
			}
			continue
		}
		k, ok := ParseKind(head)
		if !ok {
			return nil, fmt.Errorf("ignore entry %q: %q is not a kind or \"field\"", e, head)
		}
		ig.items = append(ig.items, ignoreItem{kind: k, pattern: strings.ToLower(pattern)})
	}
	return ig, nil
}

func (ig *Ignore) kind(k Kind) bool { return ig != nil && ig.kinds[k] }

func (ig *Ignore) item(k Kind, key, title string) bool {
	if ig == nil {
		return false
	}
	for _, i := range ig.items {
		if i.kind != k {
			continue
		}
		for _, s := range []string{key, title} {
			if ok, _ := path.Match(i.pattern, strings.ToLower(s)); ok {
				return true
			}
		}
	}
	return false
}

func (ig *Ignore) field(k Kind, p string) bool {
	if ig == nil {
		return false
	}
	p = strings.ToLower(p)
	for _, f := range ig.fields {
		kind, pattern, _ := strings.Cut(f, "/")
		if kind != "*" && kind != string(k) {
			continue
		}
		if ok, _ := path.Match(pattern, p); ok || strings.HasPrefix(p, pattern+".") || strings.HasPrefix(p, pattern+"[") {
			return true
		}
	}
	return false
}

// Compare compares target with base, kind by kind, matching items by key and then by title.
func Compare(base, target *Snapshot, o DiffOptions) *Drift {
	d := &Drift{Baseline: base.Source, Target: target.Source}
	want := map[Kind]bool{}
	for _, k := range normKinds(o.Kinds) {
		want[k] = true
	}
	for _, k := range AllKinds() {
		if !want[k] || o.Ignore.kind(k) {
			continue
		}
		inBase, inTarget := contains(base.Kinds, k), contains(target.Kinds, k)
		if !inBase && !inTarget {
			continue
		}
		if why := notComparable(base, target, k); why != "" {
			d.NotCompared = append(d.NotCompared, KindError{Kind: k, Error: why})
			continue
		}
		d.compareKind(k, base.Of(k), target.Of(k), o.Ignore)
	}
	return d
}

func notComparable(base, target *Snapshot, k Kind) string {
	for _, s := range []struct {
		snap *Snapshot
		role string
	}{{base, "baseline"}, {target, "workspace"}} {
		for _, e := range s.snap.Incomplete {
			if e.Kind == k {
				return fmt.Sprintf("the %s's %s could not be read: %s", s.role, k.Plural(), e.Error)
			}
		}
		if !contains(s.snap.Kinds, k) {
			return fmt.Sprintf("the %s (%s) does not hold %s", s.role, s.snap.Source, k.Plural())
		}
	}
	return ""
}

func contains(ks []Kind, k Kind) bool {
	for _, x := range ks {
		if x == k {
			return true
		}
	}
	return false
}

// Pair is a baseline item and the matching item of a workspace (either may be nil).
type Pair struct{ Base, Target *Item }

// Match pairs items of one kind by key (case-insensitive), then the rest by title when it is unique
// on both sides. The pairs are in the order of the baseline items, then the extra ones.
func Match(base, target []*Item) []Pair {
	var out []Pair
	used := make([]bool, len(target))
	byKey := map[string][]int{}
	for i, t := range target {
		byKey[strings.ToLower(t.Key)] = append(byKey[strings.ToLower(t.Key)], i)
	}
	var unmatched []int
	for bi, b := range base {
		found := -1
		for _, i := range byKey[strings.ToLower(b.Key)] {
			if !used[i] {
				found = i
				break
			}
		}
		if found < 0 {
			unmatched = append(unmatched, bi)
			out = append(out, Pair{Base: b})
			continue
		}
		used[found] = true
		out = append(out, Pair{Base: b, Target: target[found]})
	}
	titles := func(items []*Item, skip func(int) bool) map[string][]int {
		m := map[string][]int{}
		for i, it := range items {
			if !skip(i) {
				t := strings.ToLower(strings.TrimSpace(it.Title))
				m[t] = append(m[t], i)
			}
		}
		return m
	}
	tt := titles(target, func(i int) bool { return used[i] })
	bt := titles(base, func(i int) bool { return !containsInt(unmatched, i) })
	for pi := range out {
		if out[pi].Target != nil {
			continue
		}
		t := strings.ToLower(strings.TrimSpace(out[pi].Base.Title))
		if len(tt[t]) == 1 && len(bt[t]) == 1 && !used[tt[t][0]] {
			used[tt[t][0]] = true
			out[pi].Target = target[tt[t][0]]
		}
	}
	for i, t := range target {
		if !used[i] {
			out = append(out, Pair{Target: t})
		}
	}
	return out
}

func containsInt(s []int, v int) bool {
	for _, x := range s {
		if x == v {
			return true
		}
	}
	return false
}

func (d *Drift) compareKind(k Kind, base, target []*Item, ig *Ignore) {
	for _, p := range Match(base, target) {
		ref := p.Base
		if ref == nil {
			ref = p.Target
		}
		if ig.item(k, ref.Key, ref.Title) || (p.Target != nil && ig.item(k, p.Target.Key, p.Target.Title)) {
			d.Ignored++
			continue
		}
		b, t := p.Base, p.Target
		if k == KindTable && (b == nil) != (t == nil) {
			// A Microsoft table is listed only when its settings differ from the defaults: compare the
			// other side's default settings rather than call the table missing.
			if one := firstItem(b, t); one.Properties()["schema"] == nil {
				def := &Item{Kind: KindTable, Key: one.Key, Name: one.Name, Title: one.Title,
					Doc: map[string]any{"properties": map[string]any{"plan": "Analytics", "retentionInDays": -1, "totalRetentionInDays": -1}}}
				if b == nil {
					b = def
				} else {
					t = def
				}
			}
		}
		switch {
		case t == nil:
			d.Findings = append(d.Findings, Finding{Kind: k, Key: b.Key, Title: b.Title, Change: Missing})
		case b == nil:
			d.Findings = append(d.Findings, Finding{Kind: k, Key: t.Key, Title: t.Title, Change: Extra})
		default:
			f := Finding{Kind: k, Key: b.Key, Title: b.Title, Change: Changed}
			all := fieldDiffs("", b.Doc, t.Doc, nil)
			for _, fd := range all {
				if ig.field(k, fd.Path) {
					d.Ignored++
					continue
				}
				f.Fields = append(f.Fields, fd)
			}
			if k == KindWatchlist {
				if rd := rowsDiff(b, t); !rd.empty() {
					f.Rows = rd
				}
			}
			if len(f.Fields) > 0 || f.Rows != nil {
				d.Findings = append(d.Findings, f)
			}
		}
	}
}

func firstItem(a, b *Item) *Item {
	if a != nil {
		return a
	}
	return b
}

// displayPath is a field path as shown: without the "properties." every resource has.
func displayPath(p string) string { return strings.TrimPrefix(p, "properties.") }

// fieldDiffs lists the differing leaves of two documents; arrays compare as whole values.
func fieldDiffs(prefix string, a, b any, out []FieldDiff) []FieldDiff {
	am, aok := a.(map[string]any)
	bm, bok := b.(map[string]any)
	if aok && bok {
		keys := map[string]bool{}
		for k := range am {
			keys[k] = true
		}
		for k := range bm {
			keys[k] = true
		}
		for _, k := range sortedKeys(keys) {
			out = fieldDiffs(joinPath(prefix, k), am[k], bm[k], out)
		}
		return out
	}
	if Equal(a, b) {
		return out
	}
	fd := FieldDiff{Path: displayPath(prefix), Baseline: shown(a), Target: shown(b)}
	as, _ := a.(string)
	bs, _ := b.(string)
	if strings.Contains(as, "\n") || strings.Contains(bs, "\n") {
		fd.Diff = LineDiff(as, bs, 12)
		fd.Baseline, fd.Target = cut(fd.Baseline, 120), cut(fd.Target, 120)
	}
	return append(out, fd)
}

// shown renders a value for a diff: strings as they are, other values as compact JSON, "" when absent.
func shown(v any) string {
	switch x := v.(type) {
	case nil:
		return ""
	case string:
		return x
	}
	return compact(v)
}

func cut(s string, n int) string {
	if len(s) <= n {
		return s
	}
	i := n
	for i > 0 && s[i]&0xc0 == 0x80 { // do not split a UTF-8 sequence
		i--
	}
	return s[:i] + "…"
}

func rowsDiff(b, t *Item) *RowsDiff {
	key := str(b.Properties(), "itemsSearchKey")
	index := func(rows []map[string]any) (map[string]map[string]any, []string) {
		m := map[string]map[string]any{}
		var order []string
		for _, r := range rows {
			k := rowKey(r, key)
			if _, dup := m[k]; !dup {
				order = append(order, k)
			}
			m[k] = r
		}
		return m, order
	}
	bm, border := index(b.Rows)
	tm, torder := index(t.Rows)
	rd := &RowsDiff{}
	for _, k := range border {
		tr, ok := tm[k]
		switch {
		case !ok:
			rd.Missing = append(rd.Missing, k)
		case !Equal(map[string]any(bm[k]), map[string]any(tr)):
			rd.Changed = append(rd.Changed, k)
		}
	}
	for _, k := range torder {
		if _, ok := bm[k]; !ok {
			rd.Extra = append(rd.Extra, k)
		}
	}
	sort.Strings(rd.Missing)
	sort.Strings(rd.Extra)
	sort.Strings(rd.Changed)
	return rd
}

// LineDiff renders the changed lines between two texts ("- old", "+ new"), at most max lines, with a
// count of the rest.
func LineDiff(a, b string, max int) string {
	al, bl := strings.Split(a, "\n"), strings.Split(b, "\n")
	if len(al)*len(bl) > 4_000_000 { // too long for the table: say so rather than compute it
		return fmt.Sprintf("(texts of %d and %d lines differ)", len(al), len(bl))
	}
	// Longest common subsequence table, from the end.
	lcs := make([][]int32, len(al)+1)
	for i := range lcs {
		lcs[i] = make([]int32, len(bl)+1)
	}
	for i := len(al) - 1; i >= 0; i-- {
		for j := len(bl) - 1; j >= 0; j-- {
			if al[i] == bl[j] {
				lcs[i][j] = lcs[i+1][j+1] + 1
			} else {
				lcs[i][j] = max32(lcs[i+1][j], lcs[i][j+1])
			}
		}
	}
	var lines []string
	i, j := 0, 0
	for i < len(al) || j < len(bl) {
		switch {
		case i < len(al) && j < len(bl) && al[i] == bl[j]:
			i++
			j++
		case i < len(al) && (j == len(bl) || lcs[i+1][j] >= lcs[i][j+1]):
			lines = append(lines, "- "+cut(al[i], 160))
			i++
		default:
			lines = append(lines, "+ "+cut(bl[j], 160))
			j++
		}
	}
	if len(lines) > max {
		rest := len(lines) - max
		lines = append(lines[:max], fmt.Sprintf("... %d more changed line(s)", rest))
	}
	return strings.Join(lines, "\n")
}

func max32(a, b int32) int32 {
	if a > b {
		return a
	}
	return b
}
