package render

import (
	"encoding/csv"
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"
)

func sample(n int) *Table {
	t := &Table{Columns: []Column{{"TimeGenerated", "datetime"}, {"Account", "string"}, {"Count", "long"}, {"Score", "real"}, {"Props", "dynamic"}, {"Took", "timespan"}}}
	for i := range n {
		t.Rows = append(t.Rows, []any{"2024-05-01T10:00:00.0000000Z", "bob|ops\nsecond line", float64(i), 0.1 + float64(i), `{"ip": "10.0.0.1", "n": [1, 2]}`, "00:05:00"})
	}
	return t
}

func TestTableFormatIsCompactAndEscaped(t *testing.T) {
	res := Render(sample(2), FormatTable, Budget{})
	want := "| TimeGenerated | Account | Count | Score | Props | Took |\n|---|---|---|---|---|---|\n" +
		`| 2024-05-01T10:00:00Z | bob\|ops\nsecond line | 0 | 0.1 | {"ip":"10.0.0.1","n":[1,2]} | 00:05:00 |` + "\n" +
		`| 2024-05-01T10:00:00Z | bob\|ops\nsecond line | 1 | 1.1 | {"ip":"10.0.0.1","n":[1,2]} | 00:05:00 |` + "\n"
	if res.Text != want {
		t.Errorf("table:\n%s\nwant:\n%s", res.Text, want)
	}
	if res.Truncated || res.Rows != 2 || res.TotalRows != 2 || res.Footer() != "" {
		t.Errorf("result = %+v", res)
	}
}

func TestJSONIsLosslessAndEmbedsDynamic(t *testing.T) {
	tb := &Table{Columns: []Column{{"a", "long"}, {"b", "real"}, {"c", "dynamic"}, {"d", ""}, {"e", "datetime"}, {"f", "timespan"}, {"g", ""}},
		Rows: [][]any{{json.Number("9007199254740993"), 1e21, `[1,{"x":"<y>"}]`, nil, time.Date(2024, 5, 1, 10, 0, 0, 123000000, time.FixedZone("x", 3600)), 90 * time.Minute, map[string]any{"k": true}}}}
	res := Render(tb, FormatJSON, Budget{})
	want := `{"columns":[{"name":"a","type":"long"},{"name":"b","type":"real"},{"name":"c","type":"dynamic"},{"name":"d"},{"name":"e","type":"datetime"},{"name":"f","type":"timespan"},{"name":"g"}],"rows":[[9007199254740993,1e+21,[1,{"x":"<y>"}],null,"2024-05-01T09:00:00.123Z","01:30:00",{"k":true}]]}`
	if res.Text != want {
		t.Errorf("json:\n%s\nwant\n%s", res.Text, want)
	}
	var v any
	if err := json.Unmarshal([]byte(res.Text), &v); err != nil {
		t.Errorf("not valid JSON: %v", err)
	}
}

func TestCSV(t *testing.T) {
	res := Render(sample(1), FormatCSV, Budget{})
	recs, err := csv.NewReader(strings.NewReader(res.Text)).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	if len(recs) != 2 || recs[1][1] != "bob|ops\nsecond line" || recs[1][4] != `{"ip":"10.0.0.1","n":[1,2]}` {
		t.Errorf("csv = %q", recs)
	}
}

func TestRowBudget(t *testing.T) {
	// The caller's own limit cut the result: the footer says so and how far it can go.
	res := Render(sample(50), FormatTable, Budget{MaxRows: 200}.Limit(10))
	if !res.Truncated || res.Rows != 10 || res.TotalRows != 50 || res.Reason != "limit" {
		t.Fatalf("result = %+v", res)
	}
	if f := res.Footer(); !strings.Contains(f, "showing 10 of 50 rows") || !strings.Contains(f, "raise limit (up to 200)") {
		t.Errorf("footer = %q", f)
	}
	// The server's budget cut it: a listing is narrowed with filters, a query with KQL.
	res = Render(sample(50), FormatTable, Budget{MaxRows: 20})
	if res.Reason != "rows" || !strings.Contains(res.Footer(), "filters") || strings.Contains(res.Footer(), "summarize") {
		t.Errorf("listing footer = %q", res.Footer())
	}
	q := sample(50)
	q.Advice = KQLAdvice
	if f := Render(q, FormatTable, Budget{MaxRows: 20}).Footer(); !strings.Contains(f, "summarize") {
		t.Errorf("query footer = %q", f)
	}
	if got := (Budget{MaxRows: 5}).Limit(100).MaxRows; got != 5 {
		t.Errorf("a tool limit widened the budget to %d", got)
	}
}

func TestByteBudgetHoldsInEveryFormat(t *testing.T) {
	for _, f := range []Format{FormatTable, FormatCSV, FormatJSON} {
		tb := sample(5000)
		tb.Advice = KQLAdvice
		res := Render(tb, f, Budget{MaxRows: 100000, MaxBytes: 8192})
		if len(res.TextWithFooter()) > 8192 {
			t.Errorf("%s: %d bytes > budget", f, len(res.TextWithFooter()))
		}
		if !res.Truncated || res.Reason != "bytes" || res.Rows == 0 || !strings.Contains(res.Advice, "project") {
			t.Errorf("%s: result = %+v", f, res)
		}
		if f == FormatJSON && !json.Valid([]byte(res.Text)) {
			t.Errorf("truncated JSON is invalid")
		}
	}
}

// Columns empty in every row are left out when the table asks for it, and named; a column with one
// value stays, and the byte budget then holds more rows.
func TestDropEmptyColumns(t *testing.T) {
	tb := &Table{Columns: []Column{{"TimeGenerated", "datetime"}, {"Unused", "string"}, {"Sparse", "string"}, {"Null", "dynamic"}},
		DropEmptyColumns: true}
	for i := range 10 {
		tb.Columns = append(tb.Columns, Column{Name: fmt.Sprintf("c%d", i), Type: "long"})
	}
	for i := range 30 {
		sparse := ""
		if i == 29 {
			sparse = "only here"
		}
		tb.Rows = append(tb.Rows, []any{"2024-05-01T10:00:00Z", "", sparse, nil, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9})
	}
	for _, f := range []Format{FormatTable, FormatCSV, FormatJSON} {
		res := Render(tb, f, Budget{})
		text := res.TextWithFooter()
		if res.EmptyColumns != 2 || res.Truncated || strings.Contains(res.Text, "Unused") || !strings.Contains(res.Text, "Sparse") ||
			!strings.Contains(text, "[2 columns empty in every row are not shown: Unused, Null]") {
			t.Errorf("%s: %+v\n%s", f, res, text)
		}
	}
	// Not asked for, or a narrow table (someone projected these columns): every column stays.
	tb.DropEmptyColumns = false
	if res := Render(tb, FormatCSV, Budget{}); res.EmptyColumns != 0 || !strings.Contains(res.Text, "Unused") {
		t.Errorf("kept columns: %s", res.Text)
	}
	narrow := &Table{Columns: tb.Columns[:4], Rows: [][]any{{"2024-05-01T10:00:00Z", "", "x", nil}}, DropEmptyColumns: true}
	if res := Render(narrow, FormatCSV, Budget{}); res.EmptyColumns != 0 || !strings.Contains(res.Text, "Unused") {
		t.Errorf("narrow table: %s", res.Text)
	}
}

func TestOversizedCellIsCutAndReported(t *testing.T) {
	tb := &Table{Columns: []Column{{"s", "string"}}, Rows: [][]any{{strings.Repeat("é", 10000)}}}
	res := Render(tb, FormatJSON, Budget{MaxBytes: 16384})
	if res.CellsCut != 1 || !res.Truncated || res.Rows != 1 || !json.Valid([]byte(res.Text)) {
		t.Fatalf("result = %+v", res)
	}
	if !strings.Contains(res.Text, "…(+") {
		t.Errorf("cut not marked")
	}
}

func TestTimespanAndFloat(t *testing.T) {
	cases := map[time.Duration]string{
		0: "00:00:00", 90 * time.Second: "00:01:30", 26 * time.Hour: "1.02:00:00",
		1500 * time.Millisecond: "00:00:01.5", -time.Minute: "-00:01:00",
	}
	for d, want := range cases {
		if got := FormatTimespan(d); got != want {
			t.Errorf("FormatTimespan(%v) = %q, want %q", d, got, want)
		}
	}
	for f, want := range map[float64]string{1e6: "1000000", 0.1: "0.1", 1e-7: "1e-07", 123456789012: "123456789012"} {
		if got, _ := formatFloat(f); got != want {
			t.Errorf("formatFloat(%v) = %q, want %q", f, got, want)
		}
	}
	if _, err := ParseFormat("xml"); err == nil {
		t.Error("xml accepted")
	}
}

func TestRowsDroppedUpstreamAreReported(t *testing.T) {
	tb := sample(3)
	tb.Total = 1200
	res := Render(tb, FormatTable, Budget{})
	if !res.Truncated || res.Rows != 3 || res.TotalRows != 1200 || res.Reason != "rows" || !strings.Contains(res.Footer(), "showing 3 of 1200 rows") {
		t.Fatalf("result = %+v", res)
	}
	tb.Total = 2 // below len(Rows): ignored
	if res := Render(tb, FormatTable, Budget{}); res.Truncated || res.TotalRows != 3 {
		t.Fatalf("result = %+v", res)
	}
}

func TestHiddenCharactersAreShownNotLost(t *testing.T) {
	// A right-to-left override disguising an executable, a zero-width space, a tag character, ESC.
	name := "invoice\u202Efdp.exe \u200b\U000E0041\x1b[31m"
	tb := &Table{Columns: []Column{{"File\u200d", "string"}}, Rows: [][]any{{name}}}
	want := `invoice\u{202E}fdp.exe \u{200B}\u{E0041}\u{001B}[31m`
	if res := Render(tb, FormatTable, Budget{}); !strings.Contains(res.Text, "| "+want+" |") || !strings.Contains(res.Text, `File\u{200D}`) {
		t.Errorf("table:\n%s", res.Text)
	}
	if res := Render(tb, FormatCSV, Budget{}); !strings.Contains(res.Text, want) {
		t.Errorf("csv:\n%s", res.Text)
	}
	res := Render(tb, FormatJSON, Budget{})
	var doc struct {
		Columns []Column
		Rows    [][]string
	}
	if err := json.Unmarshal([]byte(res.Text), &doc); err != nil || doc.Rows[0][0] != name || doc.Columns[0].Name != "File\u200d" {
		t.Errorf("json does not decode to the exact value: %v %q", err, doc)
	}
	for _, r := range res.Text {
		if hidden(r) {
			t.Errorf("json text holds %U raw: %s", r, res.Text)
		}
	}
	if !strings.Contains(res.Text, `\u202e`) || !strings.Contains(res.Text, `\udb40\udc41`) {
		t.Errorf("json escapes: %s", res.Text)
	}
	// Ordinary text, accents and emoji without joiners pass unchanged.
	for _, s := range []string{"Zürich ünïcödé 名前 🙂", "tab\there"} {
		if reveal(s) != s || string(revealJSON([]byte(`"`+s+`"`))) != `"`+s+`"` {
			t.Errorf("%q changed", s)
		}
	}
}
