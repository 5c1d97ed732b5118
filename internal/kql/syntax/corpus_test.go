package syntax

import (
	"bufio"
	"encoding/json"
	"fmt"
	"os"
	"regexp"
	"sort"
	"strings"
	"testing"
)

type corpusQuery struct {
	Path  string `json:"path"`
	Kind  string `json:"kind"`
	Query string `json:"query"`
}

type oracleDiag struct {
	Code    string `json:"code"`
	Message string `json:"message"`
	Start   int    `json:"start"`
	End     int    `json:"end"`
}

type oracleVerdict struct {
	Name  string       `json:"name"`
	OK    bool         `json:"ok"`
	Diags []oracleDiag `json:"diags"`
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
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

// loadCorpus returns the corpus queries with the oracle's verdicts.
func loadCorpus(t testing.TB) ([]corpusQuery, []oracleVerdict) {
	qs := readJSONL[corpusQuery](t, "../testdata/sentinel-rules.jsonl")
	vs := readJSONL[oracleVerdict](t, "../testdata/oracle-verdicts.jsonl")
	if len(qs) != len(vs) {
		t.Fatalf("corpus has %d queries but oracle-verdicts.jsonl %d: regenerate it (see ../testdata/README.md)", len(qs), len(vs))
	}
	for i := range qs {
		if qs[i].Path != vs[i].Name {
			t.Fatalf("line %d: corpus %q vs verdict %q: regenerate the verdicts", i+1, qs[i].Path, vs[i].Name)
		}
	}
	return qs, vs
}

func errorsOf(ds []Diagnostic) []Diagnostic {
	var out []Diagnostic
	for _, d := range ds {
		if d.Severity == SeverityError {
			out = append(out, d)
		}
	}
	return out
}

var quotedRE = regexp.MustCompile(`'[^']*'|"[^"]*"`)

// cause groups a diagnostic by its message with the quoted parts removed.
func cause(d Diagnostic) string {
	return d.Code + " " + quotedRE.ReplaceAllString(d.Message, "'…'")
}

func lineAt(src string, off int) string {
	s := strings.LastIndexByte(src[:off], '\n') + 1
	e := strings.IndexByte(src[off:], '\n')
	if e < 0 {
		e = len(src) - off
	}
	return strings.TrimSpace(src[s : off+e])
}

// TestCorpusParse parses the 1,549 real Sentinel queries and requires that
// at least 97% of those Microsoft's parser accepts parse without error.
func TestCorpusParse(t *testing.T) {
	qs, vs := loadCorpus(t)
	var accepted, ours, extra, bothReject, posAgree int
	groups := map[string][]string{}
	for i, q := range qs {
		_, diags := Parse(q.Query)
		errs := errorsOf(diags)
		switch {
		case vs[i].OK && len(errs) == 0:
			accepted++
			ours++
		case vs[i].OK:
			accepted++
			d := errs[0]
			groups[cause(d)] = append(groups[cause(d)], fmt.Sprintf("%s:%d:%d: %s\n\t\t%s", q.Path, d.Line, d.Col, d.Message, clip80(lineAt(q.Query, d.Offset))))
		case len(errs) == 0:
			extra++
			t.Logf("accepted, the oracle rejects: %s (%s)", q.Path, vs[i].Diags[0].Message)
		default:
			bothReject++
			if near(errs[0], vs[i].Diags[0], q.Query) {
				posAgree++
			}
		}
	}
	rate := float64(ours) / float64(accepted)
	t.Logf("corpus: %d queries; oracle accepts %d; we accept %d of those (%.2f%%); we accept %d the oracle rejects; both reject %d (first error in the same place: %d)",
		len(qs), accepted, ours, 100*rate, extra, bothReject, posAgree)
	keys := make([]string, 0, len(groups))
	for k := range groups {
		keys = append(keys, k)
	}
	sort.Slice(keys, func(i, j int) bool { return len(groups[keys[i]]) > len(groups[keys[j]]) })
	for _, k := range keys {
		ex := groups[k]
		t.Logf("%d x %s", len(ex), k)
		for _, e := range ex[:min(len(ex), 3)] {
			t.Logf("\t%s", e)
		}
	}
	if rate < 0.97 {
		t.Errorf("parse rate %.2f%% over the oracle-accepted queries is below 97%%", 100*rate)
	}
}

func clip80(s string) string {
	if len(s) > 80 {
		return s[:77] + "..."
	}
	return s
}

// near reports whether our diagnostic points at the oracle's: within the
// same token. A zero-width position between tokens stands for the start of
// the next token (whitespace and comments belong to the token after them,
// as in Kusto.Language).
func near(d Diagnostic, o oracleDiag, src string) bool {
	at := d.Offset
	if d.End == d.Offset {
		at = nextTokenStart(src, at)
	}
	if o.End > o.Start {
		return at >= o.Start && at < o.End || d.Offset == o.Start
	}
	return at == nextTokenStart(src, o.Start) || d.Offset == o.Start
}

func nextTokenStart(src string, off int) int {
	if off >= len(src) {
		return len(src)
	}
	return off + NewLexer(src[off:]).Next().Pos
}
