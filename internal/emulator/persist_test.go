package emulator

import (
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/sentinel-mcp/sentinel-mcp/internal/emulator/world"
)

// persistOptions run the fixture world (small, fast to save) with persistence in dir.
func persistOptions(dir string) Options {
	return Options{Now: func() time.Time { return fxNow }, fixture: fixtureWorld, DataDir: dir}
}

const fxSocWorkspace = "/subscriptions/5b000000-0000-4000-8000-00000000a001/resourceGroups/soc-rg/providers/Microsoft.OperationalInsights/workspaces/soc-central"

// persistedIncident is the path of the n-th incident a persistence test writes in soc-central.
func persistedIncident(n int) string {
	return fxSocWorkspace + "/providers/Microsoft.SecurityInsights/incidents/" + world.GUID("persisted-"+strconv.Itoa(n)) + "?api-version=2025-06-01"
}

func fxToken(t *testing.T, e *Emulator) string {
	t.Helper()
	return token(t, e, fxWoodgrove, fxClient, "woodgrove-secret", armScope)
}

func putPersisted(t *testing.T, e *Emulator, tok string, n int) {
	t.Helper()
	r := do(t, e, tok, "PUT", persistedIncident(n), map[string]any{"properties": map[string]any{
		"title": "persisted " + strconv.Itoa(n), "severity": "Low", "status": "New"}})
	if r.status != 201 && r.status != 200 {
		t.Fatalf("incident %d: %d %s", n, r.status, r.raw)
	}
}

// Writes reach the data directory without an explicit Flush (debounced, and on Close), and a restarted
// emulator serves them, numbering and tagging new resources after them.
func TestStateSurvivesRestart(t *testing.T) {
	dir := t.TempDir()
	opts := persistOptions(dir)
	e := startEmu(t, opts)
	tok := fxToken(t, e)
	putPersisted(t, e, tok, 1)
	first := do(t, e, tok, "GET", persistedIncident(1), nil)
	deadline := time.Now().Add(5 * time.Second)
	for { // the debounced save writes the file by itself
		if _, err := os.Stat(filepath.Join(dir, stateFile)); err == nil {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("no state file 5s after a write")
		}
		time.Sleep(20 * time.Millisecond)
	}
	putPersisted(t, e, tok, 2) // saved by Close
	if err := e.Close(); err != nil {
		t.Fatal(err)
	}

	e2 := startEmu(t, opts)
	tok = fxToken(t, e2)
	again := do(t, e2, tok, "GET", persistedIncident(1), nil)
	if again.status != 200 || again.body["etag"] != first.body["etag"] || again.raw != first.raw {
		t.Errorf("incident 1 after a restart: %d %s\nwas %s", again.status, again.raw, first.raw)
	}
	if r := do(t, e2, tok, "GET", persistedIncident(2), nil); r.status != 200 {
		t.Errorf("incident written just before Close: %d %s", r.status, r.raw)
	}
	putPersisted(t, e2, tok, 3)
	n := func(i int) float64 {
		r := do(t, e2, tok, "GET", persistedIncident(i), nil)
		return r.body["properties"].(map[string]any)["incidentNumber"].(float64)
	}
	third := do(t, e2, tok, "GET", persistedIncident(3), nil)
	if n(3) != n(2)+1 || third.body["etag"] == again.body["etag"] {
		t.Errorf("after a restart: incident numbers %v, %v; etags %v, %v", n(2), n(3), again.body["etag"], third.body["etag"])
	}
}

// A damaged state file is refused at start with a message naming the file and the defect, and left
// as it is; nothing is silently replaced by the seeded world.
func TestDamagedStateIsRefused(t *testing.T) {
	dir := t.TempDir()
	opts := persistOptions(dir)
	e := startEmu(t, opts)
	putPersisted(t, e, fxToken(t, e), 1)
	if err := e.Flush(); err != nil {
		t.Fatal(err)
	}
	_ = e.Close()
	path := filepath.Join(dir, stateFile)
	good, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	nl := strings.IndexByte(string(good), '\n')
	flipped := append([]byte(nil), good...)
	flipped[nl+len(flipped[nl:])/2] ^= 0x20
	cases := map[string]struct {
		data []byte
		seed int64
		want string
	}{
		"truncated payload": {good[:len(good)-17], 1, "partial write"},
		"flipped byte":      {flipped, 1, "checksum does not match"},
		"header only":       {good[:nl], 1, "header line is missing or truncated"},
		"not a state file":  {[]byte("{\"hello\":1}\n{}"), 1, "bad header"},
		"empty":             {nil, 1, "header line is missing"},
		"another seed":      {good, 2, "written with seed 1"},
		"other tenants":     {good, -1, "written with 0 extra tenants but the emulator runs with 3"},
	}
	for name, c := range cases {
		if err := os.WriteFile(path, c.data, 0o644); err != nil {
			t.Fatal(err)
		}
		o := opts
		o.Seed = c.seed
		if c.seed < 0 {
			o.Seed, o.ExtraTenants = 1, 3
		}
		e, err := New(o)
		if err != nil {
			t.Fatal(err)
		}
		err = e.Start()
		_ = e.Close()
		if err == nil || !strings.Contains(err.Error(), path) || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: Start = %v, want an error naming %s and %q", name, err, path, c.want)
		}
		if now, _ := os.ReadFile(path); string(now) != string(c.data) {
			t.Errorf("%s: the refused file was changed", name)
		}
	}
}
