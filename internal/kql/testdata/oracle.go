//go:build ignore

// oracle.go records the verdicts of Microsoft's KQL parser (Kusto.Language,
// through /work/shared/tools/kql-check.js) for the query sets the syntax
// tests compare against, so that the tests run without node:
//
//	corpus:  sentinel-rules.jsonl          -> oracle-verdicts.jsonl
//	content: internal/content query fields -> content-verdicts.jsonl
//	errors:  ../syntax/testdata/errors.jsonl (name, query) -> ../syntax/testdata/errors-oracle.jsonl
//	types:   types.jsonl (name, query)     -> types-oracle.jsonl (semantic: result columns, errors)
//
// Run from the repository root:
//
//	NODE_PATH=/path/to/kql/node_modules go run ./internal/kql/testdata/oracle.go [-check kql-check.js]
//
// where the npm package @kusto/language-service-next is installed under
// NODE_PATH (see /work/shared/tools/README.md). Offsets are converted from
// the oracle's UTF-16 code units to byte offsets in the UTF-8 query.
package main

import (
	"bufio"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"log"
	"os"
	"os/exec"
	"sort"
	"unicode/utf16"
	"unicode/utf8"

	"github.com/sentinel-mcp/sentinel-mcp/internal/content"
)

type diag struct {
	Code     string `json:"code"`
	Severity string `json:"severity"`
	Message  string `json:"message"`
	Start    int    `json:"start"`
	End      int    `json:"end"`
	Line     int    `json:"line"`
	Column   int    `json:"column"`
}

type result struct {
	ID                any      `json:"id"`
	OK                bool     `json:"ok"`
	Error             string   `json:"error"`
	SyntaxDiagnostics []diag   `json:"syntaxDiagnostics"`
	Diagnostics       []diag   `json:"diagnostics"`
	ResultColumns     []column `json:"resultColumns"`
}

type column struct {
	Name string `json:"name"`
	Type string `json:"type"`
}

// typeVerdict is the oracle's semantic verdict on a query of types.jsonl:
// whether it binds without errors, its result columns, its error messages.
type typeVerdict struct {
	Name    string   `json:"name"`
	OK      bool     `json:"ok"`
	Columns []column `json:"columns,omitempty"`
	Errors  []string `json:"errors,omitempty"`
}

// typeTables are the schemas of the engine tests' tables (fixtures_test.go),
// in column order, for the semantic checks of types.jsonl.
const typeTables = `{"SigninLogs":{"TimeGenerated":"datetime","UserPrincipalName":"string","IPAddress":"string","ResultType":"string","Location":"string","DurationMs":"long","LocationDetails":"dynamic","_ResourceId":"string"},` +
	`"SecurityEvent":{"TimeGenerated":"datetime","Computer":"string","EventID":"int","Account":"string","CommandLine":"string"}}`

type verdict struct {
	Name  string `json:"name"`
	OK    bool   `json:"ok"`
	Diags []diag `json:"diags,omitempty"`
}

type oracle struct {
	in  io.WriteCloser
	out *bufio.Scanner
}

func start(check string) *oracle {
	cmd := exec.Command("node", check, "--serve", "--syntax-only")
	cmd.Stderr = os.Stderr
	in, err := cmd.StdinPipe()
	if err != nil {
		log.Fatal(err)
	}
	out, err := cmd.StdoutPipe()
	if err != nil {
		log.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		log.Fatal(err)
	}
	sc := bufio.NewScanner(out)
	sc.Buffer(make([]byte, 1<<20), 1<<26)
	return &oracle{in: in, out: sc}
}

// byteOffset converts a UTF-16 offset in s to a byte offset.
func byteOffset(s string, u16 int) int {
	n := 0
	for i, r := range s {
		if n >= u16 {
			return i
		}
		n += len(utf16.Encode([]rune{r}))
	}
	return len(s)
}

func (o *oracle) check(name, q string) verdict {
	req, _ := json.Marshal(map[string]any{"id": name, "query": q, "syntaxOnly": true})
	if _, err := o.in.Write(append(req, '\n')); err != nil {
		log.Fatal(err)
	}
	if !o.out.Scan() {
		log.Fatalf("oracle stopped: %v", o.out.Err())
	}
	var r result
	if err := json.Unmarshal(o.out.Bytes(), &r); err != nil {
		log.Fatal(err)
	}
	if r.Error != "" {
		log.Fatalf("%s: oracle error: %s", name, r.Error)
	}
	v := verdict{Name: name, OK: r.OK}
	for _, d := range r.SyntaxDiagnostics {
		d.Start, d.End = byteOffset(q, d.Start), byteOffset(q, d.End)
		if !utf8.ValidString(q) {
			log.Fatalf("%s: invalid UTF-8", name)
		}
		v.Diags = append(v.Diags, d)
	}
	return v
}

func (o *oracle) types(name, q string) typeVerdict {
	req, _ := json.Marshal(map[string]any{"id": name, "query": q, "syntaxOnly": false, "tables": json.RawMessage(typeTables)})
	if _, err := o.in.Write(append(req, '\n')); err != nil {
		log.Fatal(err)
	}
	if !o.out.Scan() {
		log.Fatalf("oracle stopped: %v", o.out.Err())
	}
	var r result
	if err := json.Unmarshal(o.out.Bytes(), &r); err != nil {
		log.Fatal(err)
	}
	if r.Error != "" {
		log.Fatalf("%s: oracle error: %s", name, r.Error)
	}
	v := typeVerdict{Name: name, OK: r.OK, Columns: r.ResultColumns}
	for _, d := range r.Diagnostics {
		if d.Severity == "Error" {
			v.Errors = append(v.Errors, d.Message)
		}
	}
	return v
}

func writeTypes(path string, vs []typeVerdict) {
	var b []byte
	ok := 0
	for _, v := range vs {
		line, err := json.Marshal(v)
		if err != nil {
			log.Fatal(err)
		}
		b = append(append(b, line...), '\n')
		if v.OK {
			ok++
		}
	}
	if err := os.WriteFile(path, b, 0o644); err != nil {
		log.Fatal(err)
	}
	fmt.Printf("%s: %d queries, %d without errors\n", path, len(vs), ok)
}

func write(path string, vs []verdict) {
	f, err := os.Create(path)
	if err != nil {
		log.Fatal(err)
	}
	w := bufio.NewWriter(f)
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	for _, v := range vs {
		if err := enc.Encode(v); err != nil {
			log.Fatal(err)
		}
	}
	if err := w.Flush(); err != nil {
		log.Fatal(err)
	}
	if err := f.Close(); err != nil {
		log.Fatal(err)
	}
	ok := 0
	for _, v := range vs {
		if v.OK {
			ok++
		}
	}
	fmt.Printf("%s: %d queries, %d accepted\n", path, len(vs), ok)
}

func readJSONL(path string, fn func(m map[string]string)) {
	f, err := os.Open(path)
	if err != nil {
		log.Fatal(err)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 1<<20), 1<<26)
	for sc.Scan() {
		var m map[string]string
		if err := json.Unmarshal(sc.Bytes(), &m); err != nil {
			log.Fatalf("%s: %v", path, err)
		}
		fn(m)
	}
}

func main() {
	check := flag.String("check", "/work/shared/tools/kql-check.js", "path of kql-check.js")
	dir := flag.String("dir", "internal/kql", "the internal/kql directory")
	flag.Parse()
	o := start(*check)

	var corpus []verdict
	readJSONL(*dir+"/testdata/sentinel-rules.jsonl", func(m map[string]string) {
		corpus = append(corpus, o.check(m["path"], m["query"]))
	})
	write(*dir+"/testdata/oracle-verdicts.jsonl", corpus)

	var cont []verdict
	for _, r := range content.Rules() {
		cont = append(cont, o.check("rules/"+r.ID, r.Query))
	}
	for _, h := range content.Hunts() {
		cont = append(cont, o.check("hunts/"+h.ID, h.Query))
	}
	sort.Slice(cont, func(i, j int) bool { return cont[i].Name < cont[j].Name })
	write(*dir+"/testdata/content-verdicts.jsonl", cont)

	if _, err := os.Stat(*dir + "/syntax/testdata/errors.jsonl"); err == nil {
		var errs []verdict
		readJSONL(*dir+"/syntax/testdata/errors.jsonl", func(m map[string]string) {
			errs = append(errs, o.check(m["name"], m["query"]))
		})
		write(*dir+"/syntax/testdata/errors-oracle.jsonl", errs)
	}

	var types []typeVerdict
	readJSONL(*dir+"/testdata/types.jsonl", func(m map[string]string) {
		types = append(types, o.types(m["name"], m["query"]))
	})
	writeTypes(*dir+"/testdata/types-oracle.jsonl", types)
}
