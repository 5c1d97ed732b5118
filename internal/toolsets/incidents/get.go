package incidents

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/sentinel-mcp/sentinel-mcp/internal/inventory"
	"github.com/sentinel-mcp/sentinel-mcp/internal/render"
	"github.com/sentinel-mcp/sentinel-mcp/internal/sentinel"
	"github.com/sentinel-mcp/sentinel-mcp/internal/tenancy"
	"github.com/sentinel-mcp/sentinel-mcp/internal/textsafe"
	"github.com/sentinel-mcp/sentinel-mcp/internal/toolsets/toolkit"
)

type getIn struct {
	toolkit.WorkspaceArg
	Incident incidentRef `json:"incident" jsonschema:"Incident number (e.g. 42, as in the portal), name (GUID) or resource id."`
}

type getOut struct {
	Tenant       string         `json:"tenant"`
	Workspace    string         `json:"workspace"`
	Incident     incidentView   `json:"incident"`
	Description  string         `json:"description,omitempty"`
	Tactics      []string       `json:"tactics,omitempty"`
	Products     []string       `json:"products,omitempty"`
	Alerts       section        `json:"alerts"`
	Entities     section        `json:"entities"`
	EntityCounts map[string]int `json:"entity_counts,omitempty"`
	Comments     section        `json:"comments"`
	// Hidden lists the invisible characters removed from the incident's text: evidence of deception.
	Hidden string   `json:"hidden_characters,omitempty" jsonschema:"invisible characters (BiDi overrides, zero-width...) removed from the title, description, labels and comments"`
	Errors []string `json:"errors,omitempty" jsonschema:"parts that could not be read"`
}

// section says how much of a part of the incident the text shows.
type section struct {
	Shown     int  `json:"shown"`
	Total     int  `json:"total"`
	Truncated bool `json:"truncated"`
}

func sectionOf(r render.Result) section {
	return section{Shown: r.Rows, Total: r.TotalRows, Truncated: r.Truncated}
}

// maxDescription bounds the description shown; the rest is cut with a note.
const maxDescription = 4000

// maxComments bounds the comments read for one incident (newest are shown first).
const maxComments = 500

func (t *tools) getIncident() inventory.Tool {
	return inventory.New(Name, mcp.Tool{
		Name:        "get_incident",
		Description: "Read one incident in full: details, its alerts, entities (accounts, hosts, IPs, files, URLs, mailboxes...) and comments, in one call.",
		Annotations: inventory.Annotations("Get incident", inventory.ReadOnly|inventory.Idempotent|inventory.OpenWorld),
	}, t.get, incidentArg())
}

func (t *tools) get(ctx context.Context, _ *mcp.CallToolRequest, in getIn) (*mcp.CallToolResult, getOut, error) {
	ws, c, err := t.resolve(ctx, in.Workspace)
	if err != nil {
		return nil, getOut{}, err
	}
	inc, err := find(ctx, c, in.Incident)
	if err != nil {
		return nil, getOut{}, err
	}
	var (
		wg                    sync.WaitGroup
		alerts                []sentinel.IncidentAlert
		ents                  []sentinel.Entity
		meta                  []sentinel.EntityKindCount
		comments              []sentinel.IncidentComment
		moreComments          bool
		alertErr, entErr, cEr error
	)
	wg.Add(3)
	go func() { defer wg.Done(); alerts, alertErr = c.IncidentAlerts(ctx, inc.Name) }()
	go func() { defer wg.Done(); ents, meta, entErr = c.IncidentEntities(ctx, inc.Name) }()
	go func() {
		defer wg.Done()
		comments, moreComments, cEr = c.IncidentComments(ctx, inc.Name, sentinel.Query{OrderBy: sentinel.OrderCommentsNewest}, maxComments)
	}()
	wg.Wait()

	out := getOut{Tenant: ws.TenantName, Workspace: ws.Alias, Incident: view(inc),
		Tactics: inc.Properties.AdditionalData.Tactics, Products: textsafe.Strings(inc.Properties.AdditionalData.AlertProductNames)}
	for what, err := range map[string]error{"alerts": alertErr, "entities": entErr, "comments": cEr} {
		if err != nil {
			out.Errors = append(out.Errors, what+": "+azureError("reading the "+what, err).Error())
		}
	}
	slices.Sort(out.Errors)

	budget := t.d.Budget()
	var b strings.Builder
	writeHeader(&b, ws, inc)
	desc := textsafe.Text(inc.Properties.Description)
	descCut, descTrunc := render.Truncate(desc, min(maxDescription, budget.MaxBytes/6))
	out.Description = cut(descCut, 2000)
	b.WriteString("\n" + textsafe.DataNote + "\n")
	var data strings.Builder
	data.WriteString("Title: " + textsafe.Line(inc.Properties.Title) + "\n")
	if labels := textsafe.Strings(inc.LabelNames()); len(labels) > 0 {
		data.WriteString("Labels: " + strings.Join(labels, ", ") + "\n")
	}
	if cc := textsafe.Text(inc.Properties.ClassificationComment); cc != "" {
		data.WriteString("Classification comment: " + cut(cc, 1000) + "\n")
	}
	if descCut != "" {
		data.WriteString("Description:\n" + descCut + "\n")
		if descTrunc {
			data.WriteString("[description cut]\n")
		}
	}
	b.WriteString(textsafe.Fence(fmt.Sprintf("incident #%d: title, labels, description", inc.Properties.IncidentNumber), strings.TrimRight(data.String(), "\n")))
	b.WriteString("\n")
	// Cleaning removed them from what is shown, but that they were there is a finding in itself.
	texts := append([]string{inc.Properties.Title, inc.Properties.Description, inc.Properties.ClassificationComment}, inc.LabelNames()...)
	for _, cm := range comments {
		texts = append(texts, cm.Properties.Message)
	}
	if out.Hidden = textsafe.Hidden(texts...); out.Hidden != "" {
		fmt.Fprintf(&b, "Warning: invisible characters were removed from this incident's text (title, description, labels, comments): %s. "+
			"A right-to-left override reverses how text reads (a file gnp.exe shows as exe.png) and zero-width characters split words past filters: treat them as signs of deception.\n", out.Hidden)
	}

	// The three tables share what is left of the byte budget; a section that needs less leaves
	// its share to the next ones.
	left := budget.MaxBytes - b.Len() - 600
	part := func(title string, tbl *render.Table, share int, readErr error) render.Result {
		if readErr != nil {
			fmt.Fprintf(&b, "\n%s: could not be read: %v\n", title, azureError("reading", readErr))
			return render.Result{Format: render.FormatTable}
		}
		if len(tbl.Rows) == 0 {
			fmt.Fprintf(&b, "\n%s: none\n", title)
			return render.Result{Format: render.FormatTable}
		}
		r := render.Render(tbl, render.FormatTable, render.Budget{MaxRows: budget.MaxRows, MaxBytes: max(1024, share)})
		fmt.Fprintf(&b, "\n%s (%d):\n", title, len(tbl.Rows))
		b.WriteString(textsafe.Fence(fmt.Sprintf("incident #%d: %s", inc.Properties.IncidentNumber, strings.ToLower(title)), strings.TrimRight(r.TextWithFooter(), "\n")))
		b.WriteString("\n")
		left -= len(r.Text) + 200
		return r
	}
	out.Alerts = sectionOf(part("Alerts", alertTable(alerts), left/3, alertErr))
	entTbl, counts := entityTable(ents, meta)
	if len(counts) > 0 {
		out.EntityCounts = counts
	}
	out.Entities = sectionOf(part("Entities", entTbl, left/2, entErr))
	cTbl := commentTable(comments)
	out.Comments = sectionOf(part("Comments, newest first", cTbl, left, cEr))
	if moreComments {
		b.WriteString(fmt.Sprintf("[only the newest %d comments were read]\n", maxComments))
	}
	return toolkit.Text(strings.TrimRight(b.String(), "\n")), out, nil
}

func writeHeader(b *strings.Builder, ws *tenancy.Workspace, inc *sentinel.Incident) {
	p := inc.Properties
	owner := textsafe.Line(p.Owner.String())
	if owner == "" {
		owner = "unassigned"
	}
	fmt.Fprintf(b, "Incident %s in %s (tenant %s)\n", number(p.IncidentNumber), ws.Alias, ws.TenantName)
	fmt.Fprintf(b, "Severity %s | Status %s | Owner %s", p.Severity, p.Status, owner)
	if p.Classification != "" {
		fmt.Fprintf(b, " | Classification %s", p.Classification)
		if p.ClassificationReason != "" {
			fmt.Fprintf(b, " (%s)", p.ClassificationReason)
		}
	}
	b.WriteString("\n")
	var times []string
	for _, tv := range []struct {
		name string
		v    string
	}{{"Created", timeText(p.CreatedTimeUTC)}, {"Last modified", timeText(p.LastModifiedTimeUTC)},
		{"First activity", timeText(p.FirstActivityTimeUTC)}, {"Last activity", timeText(p.LastActivityTimeUTC)}} {
		if tv.v != "" {
			times = append(times, tv.name+" "+tv.v)
		}
	}
	if len(times) > 0 {
		b.WriteString(strings.Join(times, " | ") + "\n")
	}
	ad := p.AdditionalData
	fmt.Fprintf(b, "Alerts %d | Comments %d | Bookmarks %d", ad.AlertsCount, ad.CommentsCount, ad.BookmarksCount)
	if len(ad.Tactics) > 0 {
		fmt.Fprintf(b, " | Tactics %s", strings.Join(textsafe.Strings(ad.Tactics), ", "))
	}
	if len(ad.AlertProductNames) > 0 {
		fmt.Fprintf(b, " | Products %s", strings.Join(textsafe.Strings(ad.AlertProductNames), ", "))
	}
	b.WriteString("\n")
	fmt.Fprintf(b, "Name %s | Provider %s", inc.Name, textsafe.Line(p.ProviderName))
	if p.IncidentURL != "" {
		fmt.Fprintf(b, " | Portal %s", textsafe.Line(p.IncidentURL))
	}
	b.WriteString("\n")
}

func alertTable(alerts []sentinel.IncidentAlert) *render.Table {
	tbl := &render.Table{Columns: []render.Column{{Name: "time", Type: "datetime"}, {Name: "severity"}, {Name: "status"},
		{Name: "product"}, {Name: "tactics"}, {Name: "name"}}}
	// Newest first, as an analyst reads them.
	slices.SortStableFunc(alerts, func(a, b sentinel.IncidentAlert) int { return alertTime(b).Compare(alertTime(a)) })
	for i := range alerts {
		a := &alerts[i]
		p := a.Properties
		var when any
		if t := alertTime(*a); !t.IsZero() {
			when = t
		}
		tbl.Rows = append(tbl.Rows, []any{when, p.Severity, p.Status, textsafe.Line(p.ProductName),
			strings.Join(textsafe.Strings(p.Tactics), ", "), cut(textsafe.Line(a.DisplayName()), 300)})
	}
	return tbl
}

func alertTime(a sentinel.IncidentAlert) (t time.Time) {
	p := a.Properties
	for _, v := range []time.Time{p.TimeGenerated, p.StartTimeUTC, p.EndTimeUTC} {
		if !v.IsZero() {
			return v
		}
	}
	return t
}

func entityTable(ents []sentinel.Entity, meta []sentinel.EntityKindCount) (*render.Table, map[string]int) {
	tbl := &render.Table{Columns: []render.Column{{Name: "kind"}, {Name: "entity"}, {Name: "details"}}}
	counts := map[string]int{}
	var order []string
	for _, m := range meta {
		order = append(order, m.EntityKind)
	}
	for _, e := range ents {
		if !slices.Contains(order, e.Kind) {
			order = append(order, e.Kind)
		}
		counts[e.Kind]++
	}
	// Grouped by kind in Sentinel's order, so accounts, hosts and IPs read together.
	for _, kind := range order {
		for i := range ents {
			if ents[i].Kind != kind {
				continue
			}
			main, details := entitySummary(&ents[i])
			tbl.Rows = append(tbl.Rows, []any{textsafe.Line(kind), main, details})
		}
	}
	return tbl, counts
}

func commentTable(comments []sentinel.IncidentComment) *render.Table {
	tbl := &render.Table{Columns: []render.Column{{Name: "time", Type: "datetime"}, {Name: "author"}, {Name: "message"}}}
	sorted := slices.Clone(comments)
	slices.SortStableFunc(sorted, func(a, b sentinel.IncidentComment) int {
		return b.Properties.CreatedTimeUTC.Compare(a.Properties.CreatedTimeUTC)
	})
	for _, c := range sorted {
		var when any
		if !c.Properties.CreatedTimeUTC.IsZero() {
			when = c.Properties.CreatedTimeUTC
		}
		tbl.Rows = append(tbl.Rows, []any{when, textsafe.Line(c.Properties.Author.String()), cut(textsafe.Text(c.Properties.Message), 2000)})
	}
	return tbl
}

type listCommentsIn struct {
	toolkit.WorkspaceArg
	Incident incidentRef `json:"incident" jsonschema:"Incident number (e.g. 42, as in the portal), name (GUID) or resource id."`
	Limit    int         `json:"limit,omitempty" jsonschema:"Comments to show, newest first (default 50)."`
	Cursor   string      `json:"cursor,omitempty" jsonschema:"next_cursor of the previous page (same other arguments)."`
	Format   string      `json:"format,omitempty" jsonschema:"table (default), csv or json."`
}

type listCommentsOut struct {
	Tenant     string        `json:"tenant"`
	Workspace  string        `json:"workspace"`
	Incident   int64         `json:"incident"`
	Result     render.Result `json:"result"`
	NextCursor string        `json:"next_cursor,omitempty"`
}

func (t *tools) listIncidentComments() inventory.Tool {
	return inventory.New(Name, mcp.Tool{
		Name:        "list_incident_comments",
		Description: "List the comments of an incident, newest first, with author and time.",
		Annotations: inventory.Annotations("List incident comments", inventory.ReadOnly|inventory.Idempotent|inventory.OpenWorld),
	}, func(ctx context.Context, _ *mcp.CallToolRequest, in listCommentsIn) (*mcp.CallToolResult, listCommentsOut, error) {
		format, err := render.ParseFormat(in.Format)
		if err != nil {
			return nil, listCommentsOut{}, toolkit.ArgError("format", "%v", err)
		}
		filters := in
		filters.Cursor, filters.Limit, filters.Format = "", 0, ""
		pager, err := toolkit.NewPager("list_incident_comments", filters, in.Cursor)
		if err != nil {
			return nil, listCommentsOut{}, err
		}
		ws, c, err := t.resolve(ctx, in.Workspace)
		if err != nil {
			return nil, listCommentsOut{}, err
		}
		inc, err := find(ctx, c, in.Incident)
		if err != nil {
			return nil, listCommentsOut{}, err
		}
		comments, more, err := c.IncidentComments(ctx, inc.Name, sentinel.Query{OrderBy: sentinel.OrderCommentsNewest}, maxComments)
		if err != nil {
			return nil, listCommentsOut{}, azureError("reading the comments of "+label(ws, inc), err)
		}
		out := listCommentsOut{Tenant: ws.TenantName, Workspace: ws.Alias, Incident: inc.Properties.IncidentNumber}
		if len(comments) == 0 {
			out.Result = render.Result{Format: format}
			return toolkit.Text(fmt.Sprintf("Incident %s in %s has no comments.", number(inc.Properties.IncidentNumber), ws.Alias)), out, nil
		}
		limit := in.Limit
		if limit <= 0 {
			limit = defaultLimit
		}
		data, moreRows, rep, next, err := pager.Render(t.d, commentTable(comments), format, limit)
		if err != nil {
			return nil, listCommentsOut{}, err
		}
		out.Result, out.NextCursor = rep, next
		var b strings.Builder
		fmt.Fprintf(&b, "Comments of incident %s in %s (%d), newest first.\n%s\n", number(inc.Properties.IncidentNumber), toolkit.WorkspaceName(ws), len(comments), textsafe.DataNote)
		// The cursor sentence stays outside the fence: it is the tool's own word, not the incident's.
		b.WriteString(textsafe.Fence(fmt.Sprintf("incident #%d: comments", inc.Properties.IncidentNumber), strings.TrimRight(data, "\n")))
		if moreRows != "" {
			b.WriteString("\n" + moreRows)
		}
		if more {
			fmt.Fprintf(&b, "\n[only the newest %d comments were read]", maxComments)
		}
		return toolkit.Text(b.String()), out, nil
	}, incidentArg(), inventory.Enum("format", "table", "csv", "json"), inventory.Range("limit", 1, maxLimit))
}
