package all

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/sentinel-mcp/sentinel-mcp/internal/config"
	"github.com/sentinel-mcp/sentinel-mcp/internal/inventory"
	"github.com/sentinel-mcp/sentinel-mcp/internal/toolsets/toolkit"
)

// These tests run over the real inventory: every tool of every registered toolset.

func deps() *toolkit.Deps { return &toolkit.Deps{Config: config.Default()} }

func TestEveryToolFollowsTheInventoryRules(t *testing.T) {
	tools := Tools(deps())
	// Validate checks: verb_noun snake_case unique names, all four annotations present in the
	// definition clients receive, read-only never destructive, description, title, handler.
	if err := inventory.Validate(tools); err != nil {
		t.Fatal(err)
	}
	// Schemas are resolved lazily at run time: resolve every one here so a broken schema fails CI,
	// not a user's first call.
	for i := range tools {
		if err := tools[i].CheckSchemas(); err != nil {
			t.Error(err)
		}
	}
	names := map[string]bool{}
	for _, ts := range Toolsets() {
		if names[ts.Name] {
			t.Errorf("toolset %q registered twice", ts.Name)
		}
		names[ts.Name] = true
		if ts.Description == "" || len(ts.Description) > 120 {
			t.Errorf("toolset %q: description must be one short line (%d chars)", ts.Name, len(ts.Description))
		}
	}
	for i := range tools {
		tl := &tools[i]
		if !names[tl.Toolset] {
			t.Errorf("tool %q: toolset %q is not registered in all.go", tl.Name(), tl.Toolset)
		}
		if len(tl.Def.Description) > 500 {
			t.Errorf("tool %q: description is %d characters; keep it under 500 (the tool list is part of every prompt)", tl.Name(), len(tl.Def.Description))
		}
	}
}

// maxDefaultListBytes is the budget of the default tools/list answer (ARCHITECTURE.md).
const maxDefaultListBytes = 20 << 10

func TestDefaultToolListSize(t *testing.T) {
	b := Builder(deps())
	def, err := b.Build(inventory.Filter{Toolsets: []string{"default"}})
	if err != nil {
		t.Fatal(err)
	}
	all, err := b.Build(inventory.Filter{Toolsets: []string{"all"}, EnableWrites: true})
	if err != nil {
		t.Fatal(err)
	}
	size := def.ListSize()
	t.Logf("tools/list: default toolsets %d tools, %d bytes (~%d tokens); all toolsets with writes %d tools, %d bytes",
		len(def.Tools), size, size/4, len(all.Tools), all.ListSize())
	if size > maxDefaultListBytes {
		t.Errorf("the default tool list is %d bytes, over the %d-byte budget: shorten descriptions or move tools out of the default toolsets", size, maxDefaultListBytes)
	}
}

// Schema snapshots: one file per tool under testdata/tools/. A missing snapshot fails (new tools are
// reviewed), a stale one fails with a diff. Refresh with UPDATE_SNAPSHOTS=1 go test ./internal/toolsets/all.

type snapshot struct {
	Name         string `json:"name"`
	Toolset      string `json:"toolset"`
	Mode         string `json:"mode"`
	Title        string `json:"title,omitempty"`
	Description  string `json:"description"`
	Annotations  any    `json:"annotations"`
	InputSchema  any    `json:"inputSchema"`
	OutputSchema any    `json:"outputSchema,omitempty"`
}

func TestSchemaSnapshots(t *testing.T) {
	dir := filepath.Join("testdata", "tools")
	update := os.Getenv("UPDATE_SNAPSHOTS") == "1"
	tools := Tools(deps())
	want := map[string]bool{}
	for i := range tools {
		tl := &tools[i]
		name := tl.Name() + ".json"
		want[name] = true
		got := snapshotOf(t, tl)
		path := filepath.Join(dir, name)
		old, err := os.ReadFile(path)
		switch {
		case update:
			if err := os.MkdirAll(dir, 0o755); err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(old, got) {
				if err := os.WriteFile(path, got, 0o644); err != nil {
					t.Fatal(err)
				}
				t.Logf("updated %s", path)
			}
		case os.IsNotExist(err):
			t.Errorf("no schema snapshot for tool %s: review the tool, then run UPDATE_SNAPSHOTS=1 go test ./internal/toolsets/all", tl.Name())
		case err != nil:
			t.Fatal(err)
		case !bytes.Equal(old, got):
			t.Errorf("schema snapshot of %s is stale (if the change is intended, run UPDATE_SNAPSHOTS=1 go test ./internal/toolsets/all):\n%s", tl.Name(), lineDiff(string(old), string(got)))
		}
	}
	entries, _ := os.ReadDir(dir)
	for _, e := range entries {
		if want[e.Name()] {
			continue
		}
		if update {
			os.Remove(filepath.Join(dir, e.Name()))
			t.Logf("removed %s", e.Name())
		} else {
			t.Errorf("snapshot %s has no tool any more: run UPDATE_SNAPSHOTS=1 go test ./internal/toolsets/all", e.Name())
		}
	}
}

func snapshotOf(t *testing.T, tl *inventory.Tool) []byte {
	s := snapshot{Name: tl.Name(), Toolset: tl.Toolset, Mode: tl.Mode(), Title: tl.Def.Title, Description: tl.Def.Description,
		Annotations: tl.Def.Annotations, InputSchema: tl.Def.InputSchema, OutputSchema: tl.Def.OutputSchema}
	// Round-trip through a generic value so the file shows exactly what a client receives.
	raw, err := json.Marshal(s)
	if err != nil {
		t.Fatalf("%s: %v", tl.Name(), err)
	}
	var v any
	_ = json.Unmarshal(raw, &v)
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	_ = enc.Encode(v)
	return b.Bytes()
}

// lineDiff is a small line diff (longest common subsequence) with two lines of context, enough to
// read a schema change.
func lineDiff(a, b string) string {
	x, y := strings.Split(a, "\n"), strings.Split(b, "\n")
	n, m := len(x), len(y)
	lcs := make([][]int, n+1)
	for i := range lcs {
		lcs[i] = make([]int, m+1)
	}
	for i := n - 1; i >= 0; i-- {
		for j := m - 1; j >= 0; j-- {
			if x[i] == y[j] {
				lcs[i][j] = lcs[i+1][j+1] + 1
			} else {
				lcs[i][j] = max(lcs[i+1][j], lcs[i][j+1])
			}
		}
	}
	type line struct {
		op   byte
		text string
	}
	var ops []line
	i, j := 0, 0
	for i < n || j < m {
		switch {
		case i < n && j < m && x[i] == y[j]:
			ops = append(ops, line{' ', x[i]})
			i, j = i+1, j+1
		case i < n && (j == m || lcs[i+1][j] >= lcs[i][j+1]):
			ops = append(ops, line{'-', x[i]})
			i++
		default:
			ops = append(ops, line{'+', y[j]})
			j++
		}
	}
	var out strings.Builder
	for k, l := range ops {
		near := false
		for d := -2; d <= 2; d++ {
			if k+d >= 0 && k+d < len(ops) && ops[k+d].op != ' ' {
				near = true
			}
		}
		if near {
			fmt.Fprintf(&out, "%c %s\n", l.op, l.text)
		}
	}
	return out.String()
}

func TestLineDiff(t *testing.T) {
	d := lineDiff("a\nb\nc\nd\ne\nf\ng", "a\nb\nc\nX\ne\nf\ng")
	if !strings.Contains(d, "- d\n+ X\n") || strings.Contains(d, "a\n") && !strings.Contains(d, "  b") {
		t.Errorf("diff:\n%s", d)
	}
	if !slices.Contains(strings.Split(d, "\n"), "  c") {
		t.Errorf("no context in diff:\n%s", d)
	}
}
