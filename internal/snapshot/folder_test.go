package snapshot

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func sampleSnapshot() *Snapshot {
	s := &Snapshot{Source: Source{Workspace: "contoso/contoso-prod"}, Kinds: []Kind{KindWatchlist, KindAutomationRule}}
	s.Items = []*Item{
		{Kind: KindWatchlist, Key: "VIPUsers", Name: "VIPUsers", Title: "VIP users",
			Doc:  map[string]any{"properties": map[string]any{"displayName": "VIP users", "itemsSearchKey": "User"}},
			Rows: []map[string]any{{"User": "a@contoso.com"}, {"User": "b@contoso.com"}}},
		{Kind: KindAutomationRule, Key: "Close noise", Name: "0000-1", Title: "Close noise",
			Doc: map[string]any{"properties": map[string]any{"displayName": "Close noise", "order": 3}}},
	}
	return s
}

func TestCleanRel(t *testing.T) {
	for in, want := range map[string]string{"": ".", ".": ".", "a": "a", "a/./b/": "a/b", "contoso/contoso-prod": "contoso/contoso-prod", " x ": "x"} {
		if got, err := CleanRel(in); err != nil || got != want {
			t.Errorf("CleanRel(%q) = %q, %v; want %q", in, got, err, want)
		}
	}
	for _, in := range []string{"..", "../x", "a/../../b", "a/..", "/etc", "/", `a\b`, `..\x`, "~/x", "C:/x", "c:x", "a/\x00b",
		strings.Repeat("a/", 9) + "a", strings.Repeat("x", 241)} {
		if got, err := CleanRel(in); err == nil || !errors.Is(err, ErrOutsideRoot) {
			t.Errorf("CleanRel(%q) = %q, %v; want a refusal", in, got, err)
		}
	}
}

func TestWriteDirRefusesToLeaveTheRoot(t *testing.T) {
	root, outside := t.TempDir(), t.TempDir()
	snap := sampleSnapshot()
	for _, rel := range []string{"../escape", "/tmp/x", "a/../../escape"} {
		if _, err := WriteDir(root, rel, snap, WriteOptions{}); !errors.Is(err, ErrOutsideRoot) {
			t.Errorf("WriteDir(%q): %v", rel, err)
		}
	}
	// A symbolic link inside the root, to a folder outside it.
	if err := os.Symlink(outside, filepath.Join(root, "link")); err != nil {
		t.Skip("no symbolic links here:", err)
	}
	for _, rel := range []string{"link", "link/sub"} {
		if _, err := WriteDir(root, rel, snap, WriteOptions{Overwrite: true}); !errors.Is(err, ErrOutsideRoot) {
			t.Errorf("WriteDir through a symlink (%s): %v", rel, err)
		}
	}
	// A kind folder replaced by a link after a first export.
	if _, err := WriteDir(root, "ok", snap, WriteOptions{}); err != nil {
		t.Fatal(err)
	}
	if err := os.RemoveAll(filepath.Join(root, "ok", "watchlists")); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(outside, filepath.Join(root, "ok", "watchlists")); err != nil {
		t.Fatal(err)
	}
	if _, err := WriteDir(root, "ok", snap, WriteOptions{Overwrite: true}); !errors.Is(err, ErrOutsideRoot) {
		t.Errorf("WriteDir into a linked kind folder: %v", err)
	}
	// A file replaced by a link to a file outside.
	target := filepath.Join(outside, "precious.txt")
	if err := os.WriteFile(target, []byte("keep me"), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := WriteDir(root, "ok2", snap, WriteOptions{}); err != nil {
		t.Fatal(err)
	}
	manifest := filepath.Join(root, "ok2", ManifestFile)
	_ = os.Remove(manifest)
	if err := os.Symlink(target, manifest); err != nil {
		t.Fatal(err)
	}
	if _, err := WriteDir(root, "ok2", snap, WriteOptions{Overwrite: true}); !errors.Is(err, ErrOutsideRoot) {
		t.Errorf("WriteDir over a linked manifest: %v", err)
	}
	if b, _ := os.ReadFile(target); string(b) != "keep me" {
		t.Errorf("the file outside the root was changed: %q", b)
	}
	entries, _ := os.ReadDir(outside)
	if len(entries) != 1 {
		t.Errorf("files appeared outside the root: %v", entries)
	}
}

func TestOverwriteSaysSoAndKeepsOtherFiles(t *testing.T) {
	root := t.TempDir()
	snap := sampleSnapshot()
	if _, err := WriteDir(root, "x", snap, WriteOptions{}); err != nil {
		t.Fatal(err)
	}
	_, err := WriteDir(root, "x", snap, WriteOptions{})
	if !errors.Is(err, ErrExists) || !strings.Contains(err.Error(), "export of contoso/contoso-prod (2 items)") || !strings.Contains(err.Error(), "overwrite") {
		t.Fatalf("second write without overwrite: %v", err)
	}
	if err := os.WriteFile(filepath.Join(root, "x", "README.md"), []byte("notes"), 0o600); err != nil {
		t.Fatal(err)
	}
	snap.Items = snap.Items[:1] // the automation rule is gone
	snap.Items[0].Rows = append(snap.Items[0].Rows, map[string]any{"User": "c@contoso.com"})
	res, err := WriteDir(root, "x", snap, WriteOptions{Overwrite: true})
	if err != nil {
		t.Fatal(err)
	}
	if !res.Overwrote || len(res.Removed) != 1 || !strings.HasPrefix(res.Removed[0], "automation-rules/") || len(res.Changed) != 2 {
		t.Errorf("overwrite result: %+v", res)
	}
	if _, err := os.Stat(filepath.Join(root, "x", "README.md")); err != nil {
		t.Errorf("a file that is not part of the export was touched: %v", err)
	}
	// A non-empty folder that is not an export is not written into without overwrite either.
	if err := os.MkdirAll(filepath.Join(root, "notes"), 0o700); err != nil {
		t.Fatal(err)
	}
	_ = os.WriteFile(filepath.Join(root, "notes", "a.txt"), nil, 0o600)
	if _, err := WriteDir(root, "notes", snap, WriteOptions{}); !errors.Is(err, ErrExists) {
		t.Errorf("write into a non-empty folder: %v", err)
	}
}

func TestReadDirOnlyReadsListedContentFiles(t *testing.T) {
	root, outside := t.TempDir(), t.TempDir()
	if _, err := WriteDir(root, "x", sampleSnapshot(), WriteOptions{}); err != nil {
		t.Fatal(err)
	}
	back, err := ReadDir(root, "x")
	if err != nil {
		t.Fatal(err)
	}
	if d := Compare(sampleSnapshot(), back, DiffOptions{}); len(d.Findings) > 0 {
		t.Fatalf("read back differs: %v", d.Lines())
	}
	manifest := filepath.Join(root, "x", ManifestFile)
	orig, _ := os.ReadFile(manifest)
	secret := filepath.Join(outside, "secret.yaml")
	_ = os.WriteFile(secret, []byte("properties: {displayName: stolen}\n"), 0o600)
	rel, _ := filepath.Rel(filepath.Join(root, "x"), secret)
	for _, bad := range []string{"../../etc/passwd", "watchlists/../../../etc/passwd", "/etc/passwd", filepath.ToSlash(rel), "other/x.yaml", "watchlists/x.txt"} {
		m := strings.Replace(string(orig), "file: watchlists/", "file: "+bad+"#", 1)
		m = strings.Replace(m, "file: "+bad+"#vipusers.yaml", "file: '"+bad+"'", 1)
		if err := os.WriteFile(manifest, []byte(m), 0o600); err != nil {
			t.Fatal(err)
		}
		if _, err := ReadDir(root, "x"); err == nil || !strings.Contains(err.Error(), bad) {
			t.Errorf("manifest naming %q: %v", bad, err)
		}
	}
	_ = os.WriteFile(manifest, orig, 0o600)
	// A listed file replaced by a link to a file outside the root.
	wl := filepath.Join(root, "x", "watchlists", "vipusers.yaml")
	_ = os.Remove(wl)
	if err := os.Symlink(secret, wl); err != nil {
		t.Skip("no symbolic links here:", err)
	}
	if _, err := ReadDir(root, "x"); err == nil || !errors.Is(err, ErrOutsideRoot) {
		t.Errorf("a linked content file: %v", err)
	}
	if _, err := ReadDir(root, "../x"); !errors.Is(err, ErrOutsideRoot) {
		t.Errorf("ReadDir(../x): %v", err)
	}
	if _, err := ReadDir(root, "missing"); err == nil || !strings.Contains(err.Error(), "does not exist") {
		t.Errorf("ReadDir(missing): %v", err)
	}
}

func TestFileNamesAreStableAndUnique(t *testing.T) {
	used := map[string]bool{}
	a := fileName(&Item{Kind: KindAnalyticsRule, Key: "tpl-1", Title: "Brute force: Windows!"}, used)
	b := fileName(&Item{Kind: KindAnalyticsRule, Key: "tpl-2", Title: "Brute force: Windows!"}, used)
	c := fileName(&Item{Kind: KindWatchlist, Key: "VIPUsers", Title: "VIP users"}, used)
	d := fileName(&Item{Kind: KindWatchlist, Key: "vipusers", Title: "other"}, used)
	if !strings.HasPrefix(a, "analytics-rules/brute-force-windows-") || a == b || c != "watchlists/vipusers.yaml" || d != "watchlists/vipusers-2.yaml" {
		t.Errorf("file names: %s %s %s %s", a, b, c, d)
	}
	if again := fileName(&Item{Kind: KindAnalyticsRule, Key: "tpl-1", Title: "Brute force: Windows!"}, map[string]bool{}); again != a {
		t.Errorf("not stable: %s vs %s", again, a)
	}
	if s := slug(strings.Repeat("é", 10) + strings.Repeat("x", 100)); len(s) > 60 || s == "" {
		t.Errorf("slug %q", s)
	}
}
