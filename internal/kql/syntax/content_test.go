package syntax_test

import (
	"bufio"
	"encoding/json"
	"os"
	"testing"

	"github.com/sentinel-mcp/sentinel-mcp/internal/content"
	"github.com/sentinel-mcp/sentinel-mcp/internal/kql/syntax"
)

// TestContentQueriesParse requires every query of the shipped rules and
// hunts to parse, and reports the ones Microsoft's parser has no recorded
// verdict for (../testdata/content-verdicts.jsonl; regenerate it with
// ../testdata/oracle.go when content changes).
func TestContentQueriesParse(t *testing.T) {
	verdicts := map[string]bool{}
	f, err := os.Open("../testdata/content-verdicts.jsonl")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 1<<20), 1<<24)
	for sc.Scan() {
		var v struct {
			Name string `json:"name"`
			OK   bool   `json:"ok"`
		}
		if err := json.Unmarshal(sc.Bytes(), &v); err != nil {
			t.Fatal(err)
		}
		verdicts[v.Name] = v.OK
	}
	type q struct{ name, query string }
	var qs []q
	for _, r := range content.Rules() {
		qs = append(qs, q{"rules/" + r.ID, r.Query})
	}
	for _, h := range content.Hunts() {
		qs = append(qs, q{"hunts/" + h.ID, h.Query})
	}
	if len(qs) == 0 {
		t.Fatal("no shipped queries")
	}
	for _, x := range qs {
		ok, known := verdicts[x.name]
		if !known {
			t.Logf("%s: no oracle verdict recorded; it must parse anyway", x.name)
		} else if !ok {
			t.Logf("%s: Microsoft's parser rejects it", x.name)
			continue
		}
		if _, diags := syntax.Parse(x.query); len(diags) > 0 {
			t.Errorf("%s: %v", x.name, diags)
		}
	}
}
