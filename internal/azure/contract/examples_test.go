package contract

import (
	"io/fs"
	"path/filepath"
	"sort"
	"strings"
	"testing"
)

// scenarios maps an example file (relative to the examples folder) to the replay that exercises it.
var scenarios = map[string]func(t *testing.T, h *harness, ex *example){}

// TestExamples replays every official example through the SDK clients against a fresh emulator.
func TestExamples(t *testing.T) {
	names := make([]string, 0, len(scenarios))
	for n := range scenarios {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		t.Run(strings.TrimSuffix(n, ".json"), func(t *testing.T) {
			h := newHarness(t, emulatorOptions())
			scenarios[n](t, h, loadExample(t, n))
		})
	}
}

// TestEveryExampleHasAScenario fails when an example in the shared folder is not replayed, so new
// fixtures cannot be silently ignored. The examples of upstream-malformed/ (invalid JSON upstream) are
// replayed too, after loadExample repairs them.
func TestEveryExampleHasAScenario(t *testing.T) {
	n := 0
	err := filepath.WalkDir(examplesDir, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() || !strings.HasSuffix(path, ".json") {
			return nil
		}
		rel, _ := filepath.Rel(examplesDir, path)
		rel = filepath.ToSlash(rel)
		n++
		if _, ok := scenarios[rel]; !ok {
			t.Errorf("example %s has no contract scenario", rel)
		}
		return nil
	})
	if err != nil {
		t.Fatalf("walk examples: %v", err)
	}
	if n < 80 {
		t.Fatalf("found %d examples in %s; expected the shared set (87)", n, examplesDir)
	}
}
