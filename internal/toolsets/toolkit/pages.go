package toolkit

import (
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"strings"

	"github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/sentinel-mcp/sentinel-mcp/internal/render"
)

// Paging of listings that are read whole (every Azure page) and then filtered and ordered here: the
// answer shows the rows from the cursor's offset that fit the budget, and its next_cursor resumes
// right after the last row shown. The cursor names the tool and a digest of the call's filters,
// so it cannot be replayed with other ones; limit and format may change between pages. Every page
// reads the listing again: rows added or removed meanwhile can shift it by as many rows.

// Pager pages one call of a listing tool. Build it with NewPager before reading anything, so a
// bad cursor is refused without an Azure call.
type Pager struct {
	tool, digest string
	offset       int
}

type pageCursor struct {
	Tool   string `json:"t"`
	Digest string `json:"h"`
	Offset int    `json:"o"`
}

// NewPager checks the call's cursor ("" for the first page). filters is the call's arguments
// without cursor, limit and format: the same filters give the same digest.
func NewPager(tool string, filters any, cursor string) (*Pager, error) {
	b, err := json.Marshal(filters)
	if err != nil {
		return nil, err
	}
	h := sha256.Sum256(append([]byte(tool+"\x00"), b...))
	p := &Pager{tool: tool, digest: hex.EncodeToString(h[:8])}
	cursor = strings.TrimSpace(cursor)
	if cursor == "" {
		return p, nil
	}
	bad := ArgError("cursor", "is not a next_cursor returned by %s: call %s again without cursor to start from the first page", tool, tool)
	raw, err := base64.RawURLEncoding.DecodeString(cursor)
	if err != nil {
		return nil, bad
	}
	var c pageCursor
	if json.Unmarshal(raw, &c) != nil || c.Tool != tool || c.Offset < 1 {
		return nil, bad
	}
	if c.Digest != p.digest {
		return nil, ArgError("cursor", "was returned by a %s call with other arguments: repeat exactly the arguments of that call (only limit and format may change), or drop cursor to start again", tool)
	}
	p.offset = c.Offset
	return p, nil
}

// Offset is the number of rows the previous pages showed.
func (p *Pager) Offset() int { return p.offset }

// Page renders the rows of t from the cursor's offset within the budget (narrowed by limit). next
// is the cursor of the following page, "" on the last one; the text ends with how to get it.
func (p *Pager) Page(d *Deps, t *render.Table, format render.Format, limit int) (res *mcp.CallToolResult, rep render.Result, next string, err error) {
	body, more, rep, next, err := p.Render(d, t, format, limit)
	if err != nil {
		return nil, rep, "", err
	}
	if more != "" {
		body += "\n" + more
	}
	return Text(body), rep, next, nil
}

// Render is Page with the rendered rows (and their notes) apart from the sentence that gives the
// next cursor ("" on the last page), for a tool that fences the rows as untrusted data.
func (p *Pager) Render(d *Deps, t *render.Table, format render.Format, limit int) (body, more string, rep render.Result, next string, err error) {
	total := len(t.Rows)
	if p.offset > total {
		return "", "", render.Result{}, "", ArgError("cursor", "points past the end of the listing (%d rows now; it shrank since the previous page): call %s again without cursor", total, p.tool)
	}
	page := *t
	page.Rows = t.Rows[p.offset:]
	if page.Advice == nil {
		page.Advice = pageAdvice
	}
	// Room for what surrounds the table within the result budget: the tool's heading and notes,
	// and the cursor line, which must never be what the budget cuts.
	b := d.Budget().Limit(limit)
	b.MaxBytes = max(1024, b.MaxBytes-pageOverhead)
	rep = render.Render(&page, format, b)
	rep.TotalRows = total // of the whole listing, not of the rows from the cursor on
	body = rep.TextWithFooter()
	if p.offset > 0 && rep.Rows > 0 {
		body += fmt.Sprintf("\n[rows %d to %d of %d]", p.offset+1, p.offset+rep.Rows, total)
	}
	if end := p.offset + rep.Rows; end < total && rep.Rows > 0 {
		next = p.encode(end)
		more = fmt.Sprintf("More rows (%d not shown yet): call %s again with the same arguments and cursor %q.", total-end, p.tool, next)
	}
	return body, more, rep, next, nil
}

// pageAdvice is the advice of a cut page: the cursor gets the others.
func pageAdvice(r render.Result) string {
	if r.Reason == "rows" || r.Reason == "bytes" {
		return "The cursor below gives the next rows; the tool's filters narrow the listing."
	}
	return "Some values were too long to show in full: read the object with its own get tool."
}

// pageOverhead is the part of the byte budget kept for the text around a page's table.
const pageOverhead = 1024

func (p *Pager) encode(offset int) string {
	b, _ := json.Marshal(pageCursor{Tool: p.tool, Digest: p.digest, Offset: offset})
	return base64.RawURLEncoding.EncodeToString(b)
}
