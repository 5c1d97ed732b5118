package kql

import (
	"context"
	"encoding/json"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/sentinel-mcp/sentinel-mcp/internal/kql/data"
)

var testNow = time.Date(2025, 3, 4, 12, 30, 0, 0, time.UTC)

// memSource is a DataSource over in-memory tables; workspaces are other
// memSources.
type memSource struct {
	tables     map[string]*data.Table
	workspaces map[string]*memSource
	functions  map[string]string
}

func (m *memSource) Table(n string) (*data.Table, bool) { t, ok := m.tables[n]; return t, ok }
func (m *memSource) TableNames() []string {
	var out []string
	for n := range m.tables {
		out = append(out, n)
	}
	return out
}
func (m *memSource) Workspace(ref string) (DataSource, bool) {
	w, ok := m.workspaces[ref]
	if !ok {
		return nil, false
	}
	return w, true
}
func (m *memSource) Function(name string) (string, []FuncParam, bool) {
	b, ok := m.functions[name]
	return b, nil, ok
}

func mustTable(t testing.TB, name string, cols []data.Column, rows ...[]any) *data.Table {
	t.Helper()
	b := data.NewTableBuilder(name, cols, len(rows))
	for _, r := range rows {
		if err := b.Append(r...); err != nil {
			t.Fatal(err)
		}
	}
	return b.Build()
}

// render formats a result table compactly: "a:long b:string" then one JSON
// array per row.
func render(rt ResultTable) string {
	var sb strings.Builder
	for i, c := range rt.Columns {
		if i > 0 {
			sb.WriteByte(' ')
		}
		sb.WriteString(c.Name + ":" + c.Type)
	}
	for _, r := range rt.Rows {
		b, _ := json.Marshal(r)
		sb.WriteString("\n" + string(b))
	}
	return sb.String()
}

func runQuery(t testing.TB, src DataSource, q string) (string, error) {
	t.Helper()
	res, err := Execute(context.Background(), src, q, Options{Now: testNow})
	if err != nil {
		return "", err
	}
	if len(res.Tables) == 0 {
		return "", nil
	}
	return render(res.Tables[0]), nil
}

// TestScratch runs the query in $KQL against the test tables (a tool for
// development; skipped otherwise).
func TestScratch(t *testing.T) {
	q := os.Getenv("KQL")
	if q == "" {
		t.Skip("set KQL to a query")
	}
	out, err := runQuery(t, testSource(t), q)
	if err != nil {
		t.Fatalf("%v", err)
	}
	t.Logf("\n%s", out)
}
