package snapshot

import (
	"fmt"
	"strings"
)

// Text renders the plan for people (the confirmation text of a restore): the counts, then each item
// that would be written or skipped, then the items of the target that are kept. At most maxLines
// item lines are listed (<= 0: 60); the rest are counted.
func (p *Plan) Text(maxLines int) string {
	if maxLines <= 0 {
		maxLines = 60
	}
	c := p.Counts()
	var b strings.Builder
	fmt.Fprintf(&b, "Restore from %s into %s: %d to create, %d to update (overwritten), %d unchanged, %d skipped.",
		p.Source, p.Target, c[ActCreate], c[ActUpdate], c[ActUnchanged], c[ActSkip])
	n, more := 0, 0
	line := func(s string) {
		if n >= maxLines {
			more++
			return
		}
		n++
		b.WriteString("\n- " + s)
	}
	for _, a := range []Action{ActCreate, ActUpdate, ActSkip} {
		for _, it := range p.Items {
			if it.Action != a {
				continue
			}
			s := fmt.Sprintf("%s %s %q", a, it.Kind.Label(), it.Title)
			switch {
			case a == ActUpdate:
				var parts []string
				if len(it.Fields) > 0 {
					parts = append(parts, "fields "+strings.Join(limitList(it.Fields, 8), ", "))
				}
				if it.Rows != nil {
					parts = append(parts, fmt.Sprintf("rows: %d to add, %d to change, %d to remove", len(it.Rows.Missing), len(it.Rows.Changed), len(it.Rows.Extra)))
				}
				s += ": " + strings.Join(parts, "; ")
			case a == ActSkip:
				s += ": " + it.Reason
			case a == ActCreate && it.Kind == KindWatchlist:
				s += fmt.Sprintf(" with %d rows", len(it.src.Rows))
			}
			line(s)
		}
	}
	if more > 0 {
		fmt.Fprintf(&b, "\n- ... and %d more", more)
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
		out = append(out, fmt.Sprintf("not compared: %ss (%s)", e.Kind.Label(), e.Error))
	}
	return out
}

// Lines renders one finding: a headline, then its changed fields.
func (f Finding) Lines() []string {
	head := fmt.Sprintf("%s %q", f.Kind.Label(), f.Title)
	if f.Kind == KindWorkspace {
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
