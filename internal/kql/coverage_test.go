package kql

import (
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"testing"

	"github.com/sentinel-mcp/sentinel-mcp/internal/kql/eval"
)

// TestEveryFunctionTested requires each scalar function the engine
// registers to be called by some test query with a checked result: in
// this package's tests (semanticCases, acceptanceCases, testdata/types.jsonl)
// or in eval's TestScalarFunctions table.
func TestEveryFunctionTested(t *testing.T) {
	var text []byte
	for _, pattern := range []string{"*_test.go", "testdata/types.jsonl", "eval/*_test.go"} {
		files, err := filepath.Glob(pattern)
		if err != nil {
			t.Fatal(err)
		}
		for _, f := range files {
			if f == "coverage_test.go" {
				continue
			}
			b, err := os.ReadFile(f)
			if err != nil {
				t.Fatal(err)
			}
			text = append(append(text, b...), '\n')
		}
	}
	used := map[string]bool{}
	for _, m := range regexp.MustCompile(`\b([a-z_][a-z0-9_]*)\(`).FindAllSubmatch(text, -1) {
		used[string(m[1])] = true
	}
	for _, m := range regexp.MustCompile(`\{"([a-z_][a-z0-9_]*)", \[\]data\.Value`).FindAllSubmatch(text, -1) {
		used[string(m[1])] = true
	}
	var missing []string
	names := eval.FunctionNames()
	for _, n := range names {
		if !used[n] {
			missing = append(missing, n)
		}
	}
	sort.Strings(missing)
	t.Logf("%d scalar functions, %d called by tests", len(names), len(names)-len(missing))
	if len(missing) > 0 {
		t.Errorf("%d functions no test calls: %v", len(missing), missing)
	}
}
