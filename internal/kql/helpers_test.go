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
	qs := []string{os.Getenv("KQL")}
	if f := os.Getenv("KQLFILE"); f != "" {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		qs = strings.Split(string(b), "\n----\n")
	}
	if qs[0] == "" {
		t.Skip("set KQL to a query or KQLFILE to a file of queries separated by ----")
	}
	var dump []map[string]string
	defer func() {
		if f := os.Getenv("KQLOUT"); f != "" {
			b, _ := json.MarshalIndent(dump, "", " ")
			_ = os.WriteFile(f, b, 0o644)
		}
	}()
	for _, q := range qs {
		out, err := runQuery(t, testSource(t), q)
		rec := map[string]string{"q": strings.TrimSpace(q), "out": out}
		if err != nil {
			rec["err"] = err.Error()
		}
		dump = append(dump, rec)
		if err != nil {
			t.Logf("\n%s\n=> ERROR %v", q, err)
			continue
		}
		t.Logf("\n%s\n=> %s", q, out)
	}
}
