package snapshot

import (
	"fmt"
	"strings"
)

// Text renders the plan for people (the confirmation text of a restore): the counts; the creations,
// by kind; each update with the fields (and watchlist rows) it changes; the skipped items, by kind
// and reason; then the items of the target that are kept. At most maxLines update lines are listed
// (<= 0: 60); the rest are counted.
func (p *Plan) Text(maxLines int) string {
	if maxLines <= 0 {
		maxLines = 60
	}
	c := p.Counts()
	var b strings.Builder
	fmt.Fprintf(&b, "Restore from %s into %s: %d to create, %d to update (overwritten), %d unchanged, %d skipped.",
		p.Source, p.Target, c[ActCreate], c[ActUpdate], c[ActUnchanged], c[ActSkip])
	type group struct {
		action Action
		kind   Kind
		reason string
		titles []string
	}
	var groups []*group
	find := func(a Action, k Kind, reason string) *group {
		for _, g := range groups {
			if g.action == a && g.kind == k && g.reason == reason {
				return g
			}
		}
		g := &group{action: a, kind: k, reason: reason}
		groups = append(groups, g)
		return g
	}
	updates, more := 0, 0
	for _, it := range p.Items {
		switch it.Action {
		case ActCreate:
			title := fmt.Sprintf("%q", it.Title)
			if it.Kind == KindDCR && it.Name != "" {
				title = fmt.Sprintf("%q", it.Name) // named after the target
			}
			if it.Kind == KindWatchlist {
				title += fmt.Sprintf(" (%d rows)", len(it.src.Rows))
			}
			g := find(ActCreate, it.Kind, "")
			g.titles = append(g.titles, title)
		case ActSkip:
			g := find(ActSkip, it.Kind, it.Reason)
			g.titles = append(g.titles, fmt.Sprintf("%q", it.Title))
		case ActUpdate:
			if updates >= maxLines {
				more++
				continue
			}
			updates++
			var parts []string
			if len(it.Fields) > 0 {
				parts = append(parts, "fields "+strings.Join(limitList(it.Fields, 8), ", "))
			}
			if it.Rows != nil {
				parts = append(parts, fmt.Sprintf("rows: %d to add, %d to change, %d to remove", len(it.Rows.Missing), len(it.Rows.Changed), len(it.Rows.Extra)))
			}
			fmt.Fprintf(&b, "\n- update %s %q: %s", it.Kind.Label(), it.Title, strings.Join(parts, "; "))
		}
	}
	if more > 0 {
		fmt.Fprintf(&b, "\n- ... and %d more updates", more)
	}
	for _, a := range []Action{ActCreate, ActSkip} {
		for _, g := range groups {
			if g.action != a {
				continue
			}
			what := g.kind.Plural()
			if len(g.titles) == 1 {
				what = g.kind.Label()
			}
			fmt.Fprintf(&b, "\n- %s %d %s: %s", a, len(g.titles), what, strings.Join(limitList(g.titles, 12), ", "))
			if g.reason != "" {
				b.WriteString(" (" + g.reason + ")")
			}
		}
	}
	if len(p.Kept) > 0 {
		fmt.Fprintf(&b, "\nKept as they are (in %s, not in the source): %s.", p.Target, strings.Join(limitList(p.Kept, 10), ", "))
	}
	for _, note := range p.Notes {
		b.WriteString("\nNote: " + note)
	}
	return b.String()
}

func limitList(ss []string, n int) []string {
	if len(ss) <= n {
		return ss
	}
	return append(append([]string(nil), ss[:n]...), fmt.Sprintf("and %d more", len(ss)-n))
}

// ResultsText summarizes applied results: counts, then failures and writes (at most maxLines lines).
func ResultsText(target string, rs []ItemResult, maxLines int) string {
	if maxLines <= 0 {
		maxLines = 60
	}
	counts := map[string]int{}
	for _, r := range rs {
		counts[r.Status]++
	}
	var b strings.Builder
	fmt.Fprintf(&b, "%s: %d written, %d failed, %d unchanged, %d skipped.", target, counts[StatusDone], counts[StatusFailed], counts[StatusUnchanged], counts[StatusSkipped])
	n := 0
	for _, r := range rs {
		if r.Status != StatusFailed && r.Status != StatusDone {
			continue
		}
		if n >= maxLines {
			fmt.Fprintf(&b, "\n- ... and %d more", counts[StatusDone]+counts[StatusFailed]-n)
			break
		}
		n++
		if r.Status == StatusFailed {
			fmt.Fprintf(&b, "\n- FAILED %s %s %q: %s", r.Action, r.Kind.Label(), r.Title, r.Error)
		} else {
			fmt.Fprintf(&b, "\n- %sd %s %q", r.Action, r.Kind.Label(), r.Title)
		}
	}
	return b.String()
}

// Lines renders the findings for people, one line each (field diffs and short query diffs indented
// below their item).
func (d *Drift) Lines() []string {
	var out []string
	for _, f := range d.Findings {
		out = append(out, f.Lines()...)
	}
	for _, e := range d.NotCompared {
		out = append(out, fmt.Sprintf("not compared: %s (%s)", e.Kind.Plural(), e.Error))
	}
	return out
}

// Lines renders one finding: a headline, then its changed fields.
func (f Finding) Lines() []string {
	head := fmt.Sprintf("%s %q", f.Kind.Label(), f.Title)
	if f.Kind == KindWorkspace {
		if f.Key == NotOnboardedKey {
			return []string{"not onboarded to Microsoft Sentinel: no content to compare"}
		}
		head = "workspace settings"
	}
	switch f.Change {
	case Missing:
		return []string{head + ": missing (in the baseline, not here)"}
	case Extra:
		return []string{head + ": extra (not in the baseline)"}
	}
	out := []string{head + ": changed"}
	for _, fd := range f.Fields {
		if fd.Diff != "" {
			out = append(out, "    "+fd.Path+":")
			for _, l := range strings.Split(fd.Diff, "\n") {
				out = append(out, "      "+l)
			}
			continue
		}
		out = append(out, fmt.Sprintf("    %s: %s -> %s", fd.Path, orAbsent(cut(fd.Baseline, 200)), orAbsent(cut(fd.Target, 200))))
	}
	if r := f.Rows; r != nil {
		for _, x := range []struct {
			label string
			keys  []string
		}{{"rows missing", r.Missing}, {"rows extra", r.Extra}, {"rows changed", r.Changed}} {
			if len(x.keys) > 0 {
				out = append(out, fmt.Sprintf("    %s: %s", x.label, strings.Join(limitList(x.keys, 20), ", ")))
			}
		}
	}
	return out
}

func orAbsent(s string) string {
	if s == "" {
		return "(absent)"
	}
	return s
}
