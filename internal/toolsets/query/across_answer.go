package query

import (
	"fmt"
	"strings"

	"github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/sentinel-mcp/sentinel-mcp/internal/render"
	"github.com/sentinel-mcp/sentinel-mcp/internal/toolsets/toolkit"
)

// maxStatusLines bounds the per-workspace lines of the text answer; the structured output always
// has every workspace.
const maxStatusLines = 30

// answer merges the workspaces' rows into one budgeted table and reports every workspace's status.
func (x *execution) answer(runs []wsRun, mode, reason string, tr timeRange, f render.Format, limit int) (*mcp.CallToolResult, acrossOut, error) {
	out := acrossOut{Mode: mode, TimeRange: tr.Desc, Workspaces: []wsStatus{}}
	var parts []part
	for _, r := range runs {
		if r.err == nil {
			parts = append(parts, r.part)
		}
	}
	// The status block is sized before rendering (every workspace at its longest) so that the
	// header, rows and statuses together stay within the byte budget.
	worst := x.statuses(runs, nil)
	b := x.d.Budget().Limit(limit)
	header := fmt.Sprintf("Query on %s, %s; mode %s (%s; %s):", plural(len(worst), "workspace", "workspaces"), tr.Desc, mode, reason, plural(x.reqs, "request", "requests"))
	b.MaxBytes = max(1024, b.MaxBytes-len(header)-len(statusText(worst))-fenceOverhead-300)

	rows := b.MaxRows
	var m merged
	var r, first render.Result
	for i := range 4 {
		m = mergeParts(parts, rows)
		queryTable(m.table)
		r = render.Render(m.table, f, b)
		if i == 0 {
			first = r
		}
		// A byte cut keeps the first workspaces' rows: share the rows that fit fairly instead.
		if r.Reason != "bytes" || r.Rows == 0 {
			break
		}
		rows = r.Rows
	}
	if first.Reason == "bytes" && r.Truncated {
		r.Reason, r.Advice = first.Reason, first.Advice
	}
	shown := shownPerPart(m.kept, r.Rows)
	out.Workspaces = x.statuses(runs, shown)
	for _, s := range out.Workspaces {
		if s.Status == "error" {
			out.Failed++
		}
	}
	unattributed := 0
	for _, run := range runs {
		if run.ws == nil {
			unattributed += run.part.total
		}
	}
	out.Result = r

	header += fmt.Sprintf(" %d ok, %d failed; %s.", len(out.Workspaces)-out.Failed, out.Failed, rowsWord(r.TotalRows))
	notes := []string{statusText(out.Workspaces)}
	if unattributed > 0 {
		notes = append(notes, fmt.Sprintf("%s name no workspace (the result has no TenantId column): keep TenantId in project or summarize ... by, or use mode fanout.", rowsWord(unattributed)))
	}
	return toolkit.Text(dataText(header, fmt.Sprintf("query result of %s", plural(len(out.Workspaces), "workspace", "workspaces")), r, notes)), out, nil
}

// statuses builds the per-workspace statuses; shown (rows displayed per successful part, in
// order) is nil for the sizing pass.
func (x *execution) statuses(runs []wsRun, shown []int) []wsStatus {
	var out []wsStatus
	k := 0
	for _, r := range runs {
		if r.err == nil {
			k++
		}
		if r.ws == nil {
			continue
		}
		s := wsStatus{Workspace: r.ws.Alias, Status: "ok"}
		switch {
		case r.err != nil:
			s.Status, s.Error = "error", shortError(r.err)
		case r.partial != nil:
			s.Status, s.Error, s.Truncated = "partial", shortError(r.partial), true
		}
		if r.err == nil {
			s.Rows = r.part.total
			if shown == nil {
				s.Truncated = s.Rows > 0
			} else if shown[k-1] < s.Rows {
				s.Truncated = true
			}
		}
		out = append(out, s)
	}
	return out
}

// statusText lists the workspaces' outcomes, problems first when there are too many to list.
func statusText(sts []wsStatus) string {
	var b strings.Builder
	b.WriteString("Workspaces:")
	line := func(s wsStatus) {
		fmt.Fprintf(&b, "\n- %s: %s", s.Workspace, s.Status)
		if s.Status != "error" {
			fmt.Fprintf(&b, ", %s", rowsWord(s.Rows))
			if s.Truncated && s.Status == "ok" {
				b.WriteString(" (not all shown)")
			}
		}
		if s.Error != "" {
			b.WriteString(": " + s.Error)
		}
	}
	if len(sts) <= maxStatusLines {
		// The workspaces that answered nothing share one line: the others are what was asked for.
		var empty []string
		for _, s := range sts {
			if s.Status == "ok" && s.Rows == 0 {
				empty = append(empty, s.Workspace)
				continue
			}
			line(s)
		}
		if len(empty) > 0 {
			fmt.Fprintf(&b, "\n- ok without rows: %s", strings.Join(empty, ", "))
		}
		return b.String()
	}
	n, quiet, empty := 0, 0, 0
	for _, s := range sts {
		if s.Status != "ok" || (s.Rows > 0 && n < maxStatusLines) {
			line(s)
			n++
			continue
		}
		if s.Rows == 0 {
			empty++
		} else {
			quiet++
		}
	}
	fmt.Fprintf(&b, "\n- and %d more ok with rows, %d ok without rows (see the structured output)", quiet, empty)
	return b.String()
}
