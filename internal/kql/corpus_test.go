package kql

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/sentinel-mcp/sentinel-mcp/internal/kql/data"
	"github.com/sentinel-mcp/sentinel-mcp/internal/schema"
)

type corpusQuery struct {
	Path  string `json:"path"`
	Kind  string `json:"kind"`
	Query string `json:"query"`
}

type oracleVerdict struct {
	Name string `json:"name"`
	OK   bool   `json:"ok"`
}

func readJSONL[T any](t testing.TB, path string) []T {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var out []T
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 1<<20), 1<<26)
	for sc.Scan() {
		var v T
		if err := json.Unmarshal(sc.Bytes(), &v); err != nil {
			t.Fatalf("%s: %v", path, err)
		}
		out = append(out, v)
	}
	return out
}

// schemaSource serves every table of internal/schema, empty or with rows
// from gen.
func schemaSource(t testing.TB, gen func(*schema.Table) *data.Table) *memSource {
	m := &memSource{tables: map[string]*data.Table{}, workspaces: map[string]*memSource{}}
	for _, st := range schema.All() {
		if gen != nil {
			m.tables[st.Name] = gen(st)
		} else {
			m.tables[st.Name] = data.EmptyTable(st.Schema())
		}
	}
	m.workspaces["*"] = m
	return m
}

type corpusOutcome struct {
	ok, invalid  int
	notEmulated  map[string][]string // cause -> queries
	schemaGaps   map[string][]string
	engineErrors map[string][]string
	total        int
}

func runCorpus(t *testing.T, src *memSource, qs []corpusQuery, vs []oracleVerdict) *corpusOutcome {
	out := &corpusOutcome{notEmulated: map[string][]string{}, schemaGaps: map[string][]string{}, engineErrors: map[string][]string{}}
	known := map[string]bool{}
	for _, n := range schema.Names() {
		known[n] = true
	}
	for i, q := range qs {
		out.total++
		if vs != nil && !vs[i].OK {
			out.invalid++
			continue
		}
		_, err := Execute(context.Background(), src, q.Query, Options{Now: testNow, Timeout: 20 * time.Second, HiddenColumns: []string{"_ResourceId", "_SubscriptionId", "_BilledSize", "_IsBillable", "_ItemId"}})
		if err == nil {
			out.ok++
			continue
		}
		var e *Error
		if !errors.As(err, &e) {
			out.engineErrors[err.Error()] = append(out.engineErrors[err.Error()], q.Path)
			continue
		}
		switch {
		case e.SubCode == "SEM0100" && !known[e.Name]:
			cause := "table " + e.Name
			if isParserLike(e.Name) {
				cause = "function " + e.Name
			}
			out.notEmulated[cause] = append(out.notEmulated[cause], q.Path)
		case e.SubCode == "SEM0102" && isParserLike(e.Name):
			out.notEmulated["function "+e.Name] = append(out.notEmulated["function "+e.Name], q.Path)
		case e.SubCode == "SEM0101" && strings.Contains(e.Message, "Failed to resolve scalar expression"):
			out.schemaGaps[e.Name] = append(out.schemaGaps[e.Name], q.Path)
		default:
			key := e.Code + " " + e.SubCode + ": " + e.Message
			out.engineErrors[key] = append(out.engineErrors[key], fmt.Sprintf("%s (%d:%d)", q.Path, e.Line, e.Col))
		}
	}
	return out
}

func isParserLike(name string) bool {
	return strings.HasPrefix(name, "_") || strings.HasPrefix(name, "im") || strings.HasPrefix(name, "ASim") || strings.HasPrefix(name, "vim")
}

func report(t *testing.T, title string, m map[string][]string, limit int) int {
	type kv struct {
		k string
		v []string
	}
	var list []kv
	n := 0
	for k, v := range m {
		list = append(list, kv{k, v})
		n += len(v)
	}
	sort.Slice(list, func(i, j int) bool {
		return len(list[i].v) > len(list[j].v) || len(list[i].v) == len(list[j].v) && list[i].k < list[j].k
	})
	t.Logf("%s: %d queries, %d causes", title, n, len(list))
	for i, e := range list {
		if i >= limit {
			break
		}
		t.Logf("  %4d  %s  (e.g. %s)", len(e.v), e.k, e.v[0])
	}
	return n
}

func TestCorpusExecutes(t *testing.T) {
	if testing.Short() {
		t.Skip("corpus run")
	}
	qs := readJSONL[corpusQuery](t, "testdata/sentinel-rules.jsonl")
	vs := readJSONL[oracleVerdict](t, "testdata/oracle-verdicts.jsonl")
	out := runCorpus(t, schemaSource(t, nil), qs, vs)
	notEm := report(t, "not emulated (tables/functions of solutions we do not have)", out.notEmulated, 40)
	gaps := report(t, "schema gaps (columns our schemas lack)", out.schemaGaps, 40)
	eng := report(t, "engine errors", out.engineErrors, 80)
	valid := out.total - out.invalid
	runnable := valid - notEm - gaps
	rate := float64(out.ok) / float64(max(runnable, 1))
	t.Logf("corpus: %d queries, %d invalid per Microsoft's parser, %d not emulated, %d schema gaps; ran %d of %d runnable (%.1f%%), %d engine errors",
		out.total, out.invalid, notEm, gaps, out.ok, runnable, 100*rate, eng)
	if rate < 0.90 {
		t.Errorf("execution rate %.1f%% is below the 90%% target", 100*rate)
	}
}

// TestCorpusValidates measures Validate on the corpus: queries Microsoft's
// parser accepts must not get errors, except the real mistakes of the
// corpus (unknown columns of tables we describe are reported separately).
func TestCorpusValidates(t *testing.T) {
	if testing.Short() {
		t.Skip("corpus run")
	}
	qs := readJSONL[corpusQuery](t, "testdata/sentinel-rules.jsonl")
	vs := readJSONL[oracleVerdict](t, "testdata/oracle-verdicts.jsonl")
	cat := schema.DefaultCatalog()
	clean, warned := 0, 0
	errs := map[string][]string{}
	cols := map[string][]string{}
	valid := 0
	for i, q := range qs {
		if !vs[i].OK {
			continue
		}
		valid++
		hasErr, hasWarn := false, false
		for _, d := range Validate(q.Query, cat) {
			switch {
			case d.Severity == SeverityWarning:
				hasWarn = true
			case d.Code == "SEM0101":
				cols[d.Message] = append(cols[d.Message], fmt.Sprintf("%s (%d:%d)", q.Path, d.Line, d.Col))
				hasErr = true
			default:
				errs[d.Code+": "+d.Message] = append(errs[d.Code+": "+d.Message], fmt.Sprintf("%s (%d:%d)", q.Path, d.Line, d.Col))
				hasErr = true
			}
		}
		if !hasErr {
			clean++
			if hasWarn {
				warned++
			}
		}
	}
	nCols := report(t, "unknown columns (schema gaps or mistakes in the corpus)", cols, 30)
	nErr := report(t, "other errors", errs, 60)
	t.Logf("validate: %d valid queries, %d without errors (%d of them with warnings: tables or parsers not in the catalog), %d unknown-column findings, %d other findings",
		valid, clean, warned, nCols, nErr)
	// The other findings are the corpus's own mistakes (array_len(), a
	// datetime divided by a timespan) and plugins the engine does not run
	// (basket, autocluster); more means Validate rejects valid KQL.
	if nErr > 6 {
		t.Errorf("%d findings besides unknown columns on queries Microsoft's parser accepts; at most 6 are expected", nErr)
	}
}

// genTable fills a schema with n rows of varied values, so that the corpus
// run exercises operators on data (joins that match, JSON that parses,
// arrays that expand) and not only on empty tables.
func genTable(st *schema.Table, n int) *data.Table {
	s := st.Schema()
	b := data.NewTableBuilderSchema(s, n)
	strs := []string{"alice@contoso.com", "10.0.0.1", `{"a":1,"name":"x","list":[1,2,3]}`, "", "4624", "Success",
		"bob@contoso.com", "203.0.113.7", `[{"name":"n","value":"v"}]`, "powershell.exe -enc SQBFAFgA", "0", "50126"}
	row := make([]data.Value, len(s.Columns))
	for i := 0; i < n; i++ {
		for j, c := range s.Columns {
			k := i*7 + j*3
			switch c.Type {
			case data.DateTime:
				row[j] = data.TimeValue(testNow.Add(-time.Duration(i) * 7 * time.Minute))
			case data.String:
				row[j] = data.StringValue(strs[k%len(strs)])
			case data.Long:
				row[j] = data.LongValue(int64(k % 50))
			case data.Int:
				row[j] = data.IntValue(int64(4624 + k%3))
			case data.Real, data.Decimal:
				row[j] = data.Value{Type: c.Type, F: float64(k%40) * 1.5}
			case data.Bool:
				row[j] = data.BoolValue(k%2 == 0)
			case data.TimeSpan:
				row[j] = data.DurationValue(time.Duration(k%90) * time.Minute)
			case data.Guid:
				var u data.UUID
				u[0], u[15] = byte(k), byte(i)
				row[j] = data.GuidValue(u)
			case data.Dynamic:
				switch k % 4 {
				case 0:
					row[j] = data.DynamicValue(map[string]any{"a": int64(i), "name": "x", "list": []any{int64(1), int64(2)}})
				case 1:
					row[j] = data.DynamicValue([]any{map[string]any{"name": "n", "value": "v", "displayName": "d"}})
				case 2:
					row[j] = data.DynamicValue([]any{"a", "b"})
				default:
					row[j] = data.NullValue(data.Dynamic)
				}
			default:
				row[j] = data.NullValue(c.Type)
			}
		}
		_ = b.AppendValues(row)
	}
	return b.Build()
}

// TestCorpusExecutesOnData runs the corpus over generated rows.
func TestCorpusExecutesOnData(t *testing.T) {
	if testing.Short() {
		t.Skip("corpus run")
	}
	qs := readJSONL[corpusQuery](t, "testdata/sentinel-rules.jsonl")
	vs := readJSONL[oracleVerdict](t, "testdata/oracle-verdicts.jsonl")
	out := runCorpus(t, schemaSource(t, func(st *schema.Table) *data.Table { return genTable(st, 60) }), qs, vs)
	notEm := len(flatten(out.notEmulated))
	gaps := len(flatten(out.schemaGaps))
	eng := report(t, "engine errors on generated data", out.engineErrors, 60)
	runnable := out.total - out.invalid - notEm - gaps
	rate := float64(out.ok) / float64(max(runnable, 1))
	t.Logf("corpus on generated data: ran %d of %d runnable (%.1f%%), %d engine errors", out.ok, runnable, 100*rate, eng)
	if rate < 0.90 {
		t.Errorf("execution rate %.1f%% is below the 90%% target", 100*rate)
	}
}

func flatten(m map[string][]string) []string {
	var out []string
	for _, v := range m {
		out = append(out, v...)
	}
	return out
}
