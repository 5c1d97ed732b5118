package query

import (
	"context"
	"encoding/json"
	"strings"
	"testing"

	"github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/sentinel-mcp/sentinel-mcp/internal/config"
	"github.com/sentinel-mcp/sentinel-mcp/internal/emulator"
	"github.com/sentinel-mcp/sentinel-mcp/internal/emulator/world"
	"github.com/sentinel-mcp/sentinel-mcp/internal/inventory"
	"github.com/sentinel-mcp/sentinel-mcp/internal/textsafe"
	"github.com/sentinel-mcp/sentinel-mcp/internal/toolsets/toolsettest"
)

// start runs the query toolset over an emulator with two days of logs (every planted story is
// within the last day; fewer days keep log generation, which runs per test, quick).
func start(t testing.TB, configure func(*config.Config)) *toolsettest.Env {
	t.Helper()
	return startWith(t, toolsettest.Options{Emulator: emulator.Options{Days: 2}, Configure: configure})
}

func startWith(t testing.TB, o toolsettest.Options) *toolsettest.Env {
	t.Helper()
	o.Toolsets = []toolsettest.Toolset{{Toolset: inventory.Toolset{Name: Name, Default: true}, Tools: Tools}}
	return toolsettest.Start(t, o)
}

// alias is the product alias of a world workspace ("contoso/contoso-prod").
func alias(t testing.TB, name string) string {
	t.Helper()
	w, ok := world.WorkspaceByName(name)
	if !ok {
		t.Fatalf("no world workspace %q", name)
	}
	return w.Alias()
}

// jsonRows decodes the rows of a format=json answer (the JSON document after the header line) as
// maps by column name.
func jsonRows(t testing.TB, text string) []map[string]any {
	t.Helper()
	i := strings.Index(text, `{"columns":`)
	if i < 0 {
		t.Fatalf("no JSON in %q", text)
	}
	body := text[i:]
	dec := json.NewDecoder(strings.NewReader(body))
	dec.UseNumber()
	var doc struct {
		Columns []struct{ Name string } `json:"columns"`
		Rows    [][]any                 `json:"rows"`
	}
	if err := dec.Decode(&doc); err != nil {
		t.Fatalf("JSON answer: %v\n%s", err, text)
	}
	var out []map[string]any
	for _, r := range doc.Rows {
		m := map[string]any{}
		for i, c := range doc.Columns {
			m[c.Name] = r[i]
		}
		out = append(out, m)
	}
	return out
}

// queryRequests counts the Log Analytics query requests sent so far.
func queryRequests(env *toolsettest.Env) int {
	n := 0
	for _, r := range env.Requests() {
		if strings.Contains(r, "/v1/") {
			n++
		}
	}
	return n
}

func str(v any) string {
	switch x := v.(type) {
	case string:
		return x
	case json.Number:
		return x.String()
	case nil:
		return ""
	}
	b, _ := json.Marshal(v)
	return string(b)
}

func num(t testing.TB, v any) int64 {
	t.Helper()
	n, ok := v.(json.Number)
	if !ok {
		t.Fatalf("%v (%T) is not a number", v, v)
	}
	i, err := n.Int64()
	if err != nil {
		t.Fatal(err)
	}
	return i
}

// strs is a dynamic array value as strings.
func strs(v any) []string {
	var out []string
	if a, ok := v.([]any); ok {
		for _, x := range a {
			out = append(out, str(x))
		}
	}
	return out
}

// toolsettestStartNoDirect starts without the direct tenant: every workspace is reached with the
// managing tenant's credential.
func toolsettestStartNoDirect(t testing.TB, configure func(*config.Config)) *toolsettest.Env {
	t.Helper()
	return startWith(t, toolsettest.Options{Emulator: emulator.Options{Days: 2}, Configure: configure, NoDirectTenant: true})
}

// connect opens another client session on env's server, with client options (progress handler).
func connect(t testing.TB, env *toolsettest.Env, opts *mcp.ClientOptions) *mcp.ClientSession {
	t.Helper()
	st, ct := mcp.NewInMemoryTransports()
	ss, err := env.Server.MCP().Connect(context.Background(), st, nil)
	if err != nil {
		t.Fatal(err)
	}
	cs, err := mcp.NewClient(&mcp.Implementation{Name: "query-test", Version: "1"}, opts).Connect(context.Background(), ct, nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = cs.Close(); _ = ss.Close() })
	return cs
}

// fenced returns the rows of a query answer: the text inside its untrusted-data fence, which must
// be there and be preceded by the data note.
func fenced(t testing.TB, text string) string {
	t.Helper()
	i := strings.Index(text, "\n<untrusted-data source=\"query result of ")
	if i < 0 || !strings.Contains(text[:i], textsafe.DataNote) {
		t.Fatalf("rows are not fenced as data:\n%s", text)
	}
	start := strings.Index(text[i+1:], "\n") + i + 2
	end := strings.Index(text, "\n</untrusted-data id=")
	if end < start {
		t.Fatalf("unterminated fence:\n%s", text)
	}
	return text[start:end]
}
