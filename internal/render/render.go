// Package render shapes tabular results so they fit an LLM's context: a row and byte budget per call,
// compact text table / CSV / JSON output, and an explicit truncation report (truncated, total rows,
// advice on narrowing) when the budget cuts a result.
//
// Values are rendered compactly and losslessly: numbers in their shortest exact form, datetimes in
// RFC 3339 (UTC, no trailing zero fraction), timespans as Kusto timespans, dynamic values as compact
// JSON (embedded as JSON, not as an escaped string, in JSON mode). Only a single cell larger than the
// per-cell cap is cut, and that is reported too.
package render

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"strings"
	"unicode/utf8"
)

// Format is an output format.
type Format string

// Formats.
const (
	FormatTable Format = "table" // compact Markdown table: the most readable for a model, little overhead
	FormatCSV   Format = "csv"
	FormatJSON  Format = "json" // {"columns":[{"name","type"}],"rows":[[...]]}
)

// ParseFormat accepts "", "table", "csv" or "json" (case-insensitive); "" means table.
func ParseFormat(s string) (Format, error) {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "", "table", "text":
		return FormatTable, nil
	case "csv":
		return FormatCSV, nil
	case "json":
		return FormatJSON, nil
	}
	return "", fmt.Errorf("unknown format %q: use table, csv or json", s)
}

// Column is a column name and its Kusto type (string, long, real, datetime, timespan, bool, guid,
// dynamic...); an empty type is rendered by the value's Go type.
type Column struct {
	Name string `json:"name"`
	Type string `json:"type,omitempty"`
}

// Table is a rectangular result. Rows hold JSON-ready values as the Log Analytics wire format has
// them (numbers, strings, bools, nil; dynamic values as JSON text or decoded maps/slices), or Go
// values (time.Time, time.Duration, json.Number, json.RawMessage, integers).
type Table struct {
	Columns []Column
	Rows    [][]any
	// Total is the row count of the full result when Rows holds only part of it (the source, or the
	// caller, already dropped rows); 0 means len(Rows). A Total above len(Rows) is reported as a
	// truncation by rows.
	Total int
	// Advice, when set, says how to narrow this result when it is cut (KQLAdvice for query results);
	// the default speaks of filters and limit, which is right for listings.
	Advice func(Result) string
	// DropEmptyColumns leaves out, from a table of more than a dozen columns, the columns that are
	// empty (null or "") in every row, naming them in a note: a raw `union *` or SigninLogs row has
	// dozens of them, and they crowd out the rows. Narrow tables (the columns someone projected) are
	// kept whole.
	DropEmptyColumns bool
}

// Budget bounds one rendered result.
type Budget struct {
	MaxRows  int // rows kept at most; <= 0 means DefaultMaxRows
	MaxBytes int // bytes of rendered text at most; <= 0 means DefaultMaxBytes
	// ceiling is the configured MaxRows when the caller's own limit lowered it (see Limit), so a cut
	// can say the limit was reached rather than that the request is too broad.
	ceiling int
}

// Defaults used when a Budget field is zero (the server passes the configured limits instead).
const (
	DefaultMaxRows  = 200
	DefaultMaxBytes = 32 << 10
)

// Limit returns the budget with MaxRows lowered to requested when 0 < requested < MaxRows: a tool's
// own "limit" argument can narrow the budget but never widen it.
func (b Budget) Limit(requested int) Budget {
	b = b.normalized()
	if requested > 0 && requested < b.MaxRows {
		b.ceiling, b.MaxRows = b.MaxRows, requested
	}
	return b
}

func (b Budget) normalized() Budget {
	if b.MaxRows <= 0 {
		b.MaxRows = DefaultMaxRows
	}
	if b.MaxBytes <= 0 {
		b.MaxBytes = DefaultMaxBytes
	}
	return b
}

// Result is a rendered table and what the budget did to it. Its JSON form is meant to be embedded in
// tools' structured output.
type Result struct {
	Format    Format `json:"format"`
	Text      string `json:"-"`                      // the rendered rows
	Rows      int    `json:"rows"`                   // rows rendered
	TotalRows int    `json:"total_rows"`             // rows in the full result
	Truncated bool   `json:"truncated"`              // rows were dropped or cells cut
	CellsCut  int    `json:"cells_cut,omitempty"`    // cells longer than the per-cell cap that were cut
	Advice    string `json:"advice,omitempty"`       // how to narrow the request, when truncated
	Reason    string `json:"truncated_by,omitempty"` // "rows", "bytes" or "limit" (the caller's own limit)
	// EmptyColumns counts the columns left out because every row is empty in them
	// (Table.DropEmptyColumns); the text names them.
	EmptyColumns int    `json:"empty_columns_omitted,omitempty"`
	emptyNote    string // the note naming them
	ceiling      int    // Budget.ceiling, for the advice
}

// Footer is a one-line human/LLM-readable truncation note, preceded by the note on empty columns
// left out ("" when there is neither).
func (r Result) Footer() string {
	if !r.Truncated {
		return r.emptyNote
	}
	msg := fmt.Sprintf("[truncated: showing %d of %d rows", r.Rows, r.TotalRows)
	if r.CellsCut > 0 {
		msg += fmt.Sprintf("; %d oversized cells cut", r.CellsCut)
	}
	msg += ". " + r.Advice + "]"
	if r.emptyNote != "" {
		msg = r.emptyNote + "\n" + msg
	}
	return msg
}

// TextWithFooter is Text followed by the footer line when truncated.
func (r Result) TextWithFooter() string {
	if f := r.Footer(); f != "" {
		if r.Text == "" || strings.HasSuffix(r.Text, "\n") {
			return r.Text + f
		}
		return r.Text + "\n" + f
	}
	return r.Text
}

// Render renders t in format f within budget b.
func Render(t *Table, f Format, b Budget) Result {
	b = b.normalized()
	if f == "" {
		f = FormatTable
	}
	cellCap := max(256, min(4096, b.MaxBytes/4))
	res := Result{Format: f, TotalRows: max(len(t.Rows), t.Total), ceiling: b.ceiling}
	if t.DropEmptyColumns {
		var dropped []string
		t, dropped = dropEmpty(t)
		res.EmptyColumns, res.emptyNote = len(dropped), emptyNote(dropped)
	}
	r := &renderer{cols: t.Columns, cellCap: cellCap}
	var enc rowEncoder
	switch f {
	case FormatCSV:
		enc = &csvEncoder{}
	case FormatJSON:
		enc = &jsonEncoder{}
	default:
		enc = &tableEncoder{}
	}
	var out bytes.Buffer
	out.Write(enc.header(t.Columns))
	// Reserve room for the closing bytes and the footer so the whole answer stays within budget.
	limit := b.MaxBytes - len(enc.trailer()) - 200 - len(res.emptyNote)
	for i, row := range t.Rows {
		if i >= b.MaxRows {
			res.Reason = "rows"
			if b.ceiling > 0 {
				res.Reason = "limit"
			}
			break
		}
		line := enc.row(r.cells(row), res.Rows == 0)
		if out.Len()+len(line) > limit {
			res.Reason = "bytes"
			break
		}
		out.Write(line)
		res.Rows++
	}
	out.Write(enc.trailer())
	res.Text = out.String()
	res.CellsCut = r.cut
	res.Truncated = res.Rows < res.TotalRows || r.cut > 0
	if res.Truncated && res.Reason == "" && res.Rows < res.TotalRows {
		res.Reason = "rows" // dropped before rendering
	}
	if res.Truncated {
		switch {
		case res.Reason == "limit":
			res.Advice = fmt.Sprintf("The limit of %d rows was reached: raise limit (up to %d) or narrow the request to see the others.", b.MaxRows, b.ceiling)
		case t.Advice != nil:
			res.Advice = t.Advice(res)
		default:
			res.Advice = listAdvice(res)
		}
	}
	return res
}

// listAdvice is the advice for a cut listing.
func listAdvice(r Result) string {
	switch r.Reason {
	case "rows":
		return "Narrow the request with the tool's filters (or a shorter time range) to see the others."
	case "bytes":
		return "The result is too large to show in full: narrow the request with the tool's filters, or ask for fewer rows (limit)."
	}
	return "Some values were too long to show in full: read the object with its own get tool."
}

// KQLAdvice is the advice for a cut query result (Table.Advice of the query tools).
func KQLAdvice(r Result) string {
	switch r.Reason {
	case "rows":
		return "Narrow the request: a shorter time range, more filters, or aggregate (summarize ... by ...) instead of listing rows."
	case "bytes":
		return "The result is too large: select fewer columns (project), shorten long fields, or aggregate (summarize) instead of listing rows."
	}
	return "Some values were too long to show in full: project the fields you need or extract parts of them (parse_json, substring)."
}

// minColumnsToDrop: tables with at most this many columns keep their empty ones.
const minColumnsToDrop = 12

// maxEmptyNames bounds the empty columns the note names.
const maxEmptyNames = 40

// dropEmpty returns t without the columns empty in every row, and their names.
func dropEmpty(t *Table) (*Table, []string) {
	if len(t.Rows) == 0 || len(t.Columns) <= minColumnsToDrop {
		return t, nil
	}
	var keep []int
	var dropped []string
	for i, c := range t.Columns {
		empty := true
		for _, row := range t.Rows {
			if i < len(row) && !emptyValue(row[i]) {
				empty = false
				break
			}
		}
		if empty {
			dropped = append(dropped, c.Name)
		} else {
			keep = append(keep, i)
		}
	}
	if len(dropped) == 0 || len(keep) == 0 {
		return t, nil
	}
	out := *t
	out.Columns = make([]Column, len(keep))
	for j, i := range keep {
		out.Columns[j] = t.Columns[i]
	}
	out.Rows = make([][]any, len(t.Rows))
	for r, row := range t.Rows {
		nr := make([]any, len(keep))
		for j, i := range keep {
			if i < len(row) {
				nr[j] = row[i]
			}
		}
		out.Rows[r] = nr
	}
	return &out, dropped
}

func emptyValue(v any) bool {
	switch x := v.(type) {
	case nil:
		return true
	case string:
		return x == ""
	}
	return false
}

func emptyNote(names []string) string {
	if len(names) == 0 {
		return ""
	}
	shown := names
	more := ""
	if len(names) > maxEmptyNames {
		shown, more = names[:maxEmptyNames], fmt.Sprintf(" and %d more", len(names)-maxEmptyNames)
	}
	for i, n := range shown {
		shown[i] = reveal(n)
	}
	if len(names) == 1 {
		return fmt.Sprintf("[1 column empty in every row is not shown: %s]", shown[0])
	}
	return fmt.Sprintf("[%d columns empty in every row are not shown: %s%s]", len(names), strings.Join(shown, ", "), more)
}

// renderer converts values to cell text.
type renderer struct {
	cols    []Column
	cellCap int
	cut     int
}

type cell struct {
	text string
	json []byte // the value as JSON (JSON format)
}

func (r *renderer) cells(row []any) []cell {
	out := make([]cell, len(row))
	for i, v := range row {
		typ := ""
		if i < len(r.cols) {
			typ = r.cols[i].Type
		}
		text, js := formatValue(v, typ)
		text, js = reveal(text), revealJSON(js)
		if len(text) > r.cellCap {
			text = cutString(text, r.cellCap)
			js, _ = json.Marshal(text)
			r.cut++
		}
		out[i] = cell{text: text, json: js}
	}
	return out
}

// cutString cuts s to at most n bytes on a rune boundary and marks the cut.
func cutString(s string, n int) string {
	if len(s) <= n {
		return s
	}
	cut := n
	for cut > 0 && !utf8.RuneStart(s[cut]) {
		cut--
	}
	return fmt.Sprintf("%s…(+%d bytes)", s[:cut], len(s)-cut)
}

// Truncate cuts free text (descriptions, comments) to maxBytes on a rune boundary, reporting whether
// it did.
func Truncate(s string, maxBytes int) (string, bool) {
	if len(s) <= maxBytes {
		return s, false
	}
	return cutString(s, maxBytes), true
}

type rowEncoder interface {
	header(cols []Column) []byte
	row(cells []cell, first bool) []byte
	trailer() []byte
}

type tableEncoder struct{}

var tableEscaper = strings.NewReplacer("|", `\|`, "\n", `\n`, "\r", `\r`)

func (tableEncoder) header(cols []Column) []byte {
	var b bytes.Buffer
	b.WriteByte('|')
	for _, c := range cols {
		b.WriteString(" " + tableEscaper.Replace(reveal(c.Name)) + " |")
	}
	b.WriteString("\n|")
	for range cols {
		b.WriteString("---|")
	}
	b.WriteByte('\n')
	return b.Bytes()
}

func (tableEncoder) row(cells []cell, _ bool) []byte {
	var b bytes.Buffer
	b.WriteByte('|')
	for _, c := range cells {
		b.WriteString(" " + tableEscaper.Replace(c.text) + " |")
	}
	b.WriteByte('\n')
	return b.Bytes()
}

func (tableEncoder) trailer() []byte { return nil }

type csvEncoder struct{}

func (csvEncoder) header(cols []Column) []byte {
	names := make([]string, len(cols))
	for i, c := range cols {
		names[i] = reveal(c.Name)
	}
	return csvLine(names)
}

func (csvEncoder) row(cells []cell, _ bool) []byte {
	rec := make([]string, len(cells))
	for i, c := range cells {
		rec[i] = c.text
	}
	return csvLine(rec)
}

func (csvEncoder) trailer() []byte { return nil }

func csvLine(rec []string) []byte {
	var b bytes.Buffer
	w := csv.NewWriter(&b)
	_ = w.Write(rec)
	w.Flush()
	return b.Bytes()
}

type jsonEncoder struct{}

func (jsonEncoder) header(cols []Column) []byte {
	if cols == nil {
		cols = []Column{}
	}
	b, _ := json.Marshal(cols)
	return append(append([]byte(`{"columns":`), revealJSON(b)...), []byte(`,"rows":[`)...)
}

func (jsonEncoder) row(cells []cell, first bool) []byte {
	var b bytes.Buffer
	if !first {
		b.WriteByte(',')
	}
	b.WriteByte('[')
	for i, c := range cells {
		if i > 0 {
			b.WriteByte(',')
		}
		b.Write(c.json)
	}
	b.WriteByte(']')
	return b.Bytes()
}

func (jsonEncoder) trailer() []byte { return []byte("]}") }
