package snapshot

import (
	"bytes"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path"
	"sort"
	"strings"
	"unicode"
)

// An export folder:
//
//	manifest.yaml                          what is in the folder: source, kinds, one entry per item
//	analytics-rules/<title>-<hash>.yaml    one file per item, in the folder of its kind
//	watchlists/<alias>.yaml                a watchlist's document and its rows
//	...
//
// File names come from the item's title (or name) and, unless the name is already its identity, a
// short hash of its key, so they are stable across exports and unique. Files are YAML with sorted
// keys; the same content always gives the same bytes, and an export has no timestamps, so a scheduled
// export of unchanged content changes nothing in git.

// ManifestFile is the name of an export's manifest.
const ManifestFile = "manifest.yaml"

// ManifestFormat identifies an export folder.
const ManifestFormat = "sentinel-mcp/workspace-export"

// Manifest describes an export folder.
type Manifest struct {
	Format     string         `json:"format"`
	Version    int            `json:"version"`
	Source     Source         `json:"source"`
	Kinds      []Kind         `json:"kinds"`
	Incomplete []KindError    `json:"incomplete,omitempty"`
	Notes      []string       `json:"notes,omitempty"`
	Items      []ManifestItem `json:"items"`
}

// ManifestItem is one item of an export.
type ManifestItem struct {
	Kind     Kind     `json:"kind"`
	Key      string   `json:"key"`
	Name     string   `json:"name"`
	Title    string   `json:"title"`
	File     string   `json:"file"`
	Format   string   `json:"format"`
	Enabled  *bool    `json:"enabled,omitempty"` // analytics rules in the Azure-Sentinel format
	Redacted []string `json:"redacted,omitempty"`
}

// WriteOptions control WriteDir.
type WriteOptions struct {
	// Overwrite allows writing into a folder that already holds an export (or other files). Files of
	// the previous export that are no longer part of it are removed; other files are never touched.
	Overwrite bool
}

// WriteResult says what WriteDir did.
type WriteResult struct {
	Dir       string   `json:"dir"`
	Items     int      `json:"items"`
	Written   []string `json:"written,omitempty"`   // new files
	Changed   []string `json:"changed,omitempty"`   // files of a previous export that were replaced
	Unchanged int      `json:"unchanged"`           // files already holding the same bytes
	Removed   []string `json:"removed,omitempty"`   // files of a previous export no longer in it
	Overwrote bool     `json:"overwrote,omitempty"` // the folder held an export before
}

// ErrExists is returned by WriteDir when the folder is not empty and Overwrite is not set.
var ErrExists = errors.New("the folder is not empty")

// WriteDir writes snap as an export folder rel under root (rel "." is root itself). The root is
// created if needed; rel must be a plain relative folder without symbolic links (see CleanRel).
func WriteDir(root, rel string, snap *Snapshot, o WriteOptions) (*WriteResult, error) {
	rel, err := CleanRel(rel)
	if err != nil {
		return nil, err
	}
	r, err := openRoot(root, true)
	if err != nil {
		return nil, err
	}
	defer r.Close()
	exists, err := checkRel(r, rel)
	if err != nil {
		return nil, err
	}
	res := &WriteResult{Dir: rel, Items: len(snap.Items)}
	var previous *Manifest
	if exists {
		entries, err := fs.ReadDir(r.FS(), rel)
		if err != nil {
			return nil, err
		}
		if len(entries) > 0 {
			previous, _ = readManifest(r, rel) // an unreadable manifest is replaced like any other file
			if !o.Overwrite {
				what := fmt.Sprintf("it holds %d file(s) or folder(s)", len(entries))
				if previous != nil {
					what = fmt.Sprintf("it holds an export of %s (%d items)", previous.Source, len(previous.Items))
				}
				return nil, fmt.Errorf("folder %q: %s: %w; pass overwrite to replace it (only the files of an export are replaced or removed)", rel, what, ErrExists)
			}
			res.Overwrote = true
		}
	}
	files, err := render(snap)
	if err != nil {
		return nil, err
	}
	if err := r.MkdirAll(rel, 0o700); err != nil {
		return nil, err
	}
	names := sortedKeys(files)
	for _, name := range names {
		dir := path.Dir(path.Join(rel, name))
		if _, err := checkRel(r, dir); err != nil {
			return nil, err
		}
		if err := r.MkdirAll(dir, 0o700); err != nil {
			return nil, err
		}
		state, err := writeFile(r, path.Join(rel, name), files[name])
		if err != nil {
			return nil, err
		}
		switch state {
		case fileNew:
			res.Written = append(res.Written, name)
		case fileChanged:
			res.Changed = append(res.Changed, name)
		default:
			res.Unchanged++
		}
	}
	if previous != nil {
		for _, it := range previous.Items {
			if _, keep := files[it.File]; keep || validFile(it.File) != nil {
				continue
			}
			p := path.Join(rel, it.File)
			if fi, err := r.Lstat(p); err == nil && fi.Mode().IsRegular() {
				if err := r.Remove(p); err != nil {
					return nil, err
				}
				res.Removed = append(res.Removed, it.File)
			}
		}
		sort.Strings(res.Removed)
	}
	return res, nil
}

type fileState int

const (
	fileSame fileState = iota
	fileNew
	fileChanged
)

// writeFile writes data to name atomically (a temporary file renamed over it), unless it already
// holds data. An existing symbolic link or non-regular file at name is refused.
func writeFile(r *os.Root, name string, data []byte) (fileState, error) {
	state := fileNew
	if fi, err := r.Lstat(name); err == nil {
		if !fi.Mode().IsRegular() {
			return 0, fmt.Errorf("%s exists and is not a regular file (a symbolic link?): %w", name, ErrOutsideRoot)
		}
		if old, err := r.ReadFile(name); err == nil && bytes.Equal(old, data) {
			return fileSame, nil
		}
		state = fileChanged
	} else if !errors.Is(err, fs.ErrNotExist) {
		return 0, err
	}
	var rnd [6]byte
	_, _ = rand.Read(rnd[:])
	tmp := path.Join(path.Dir(name), ".tmp-"+hex.EncodeToString(rnd[:]))
	f, err := r.OpenFile(tmp, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return 0, err
	}
	_, werr := f.Write(data)
	if werr == nil {
		werr = f.Sync()
	}
	if cerr := f.Close(); werr == nil {
		werr = cerr
	}
	if werr == nil {
		werr = r.Rename(tmp, name)
	}
	if werr != nil {
		_ = r.Remove(tmp)
		return 0, werr
	}
	return state, nil
}

// render turns a snapshot into the files of an export (by path relative to the folder).
func render(snap *Snapshot) (map[string][]byte, error) {
	man := &Manifest{Format: ManifestFormat, Version: 1, Source: snap.Source, Kinds: snap.Kinds, Incomplete: snap.Incomplete, Notes: snap.Notes}
	man.Source.Dir = ""
	files := map[string][]byte{}
	used := map[string]bool{}
	for _, it := range snap.Items {
		mi := ManifestItem{Kind: it.Kind, Key: it.Key, Name: it.Name, Title: it.Title, Format: FormatResource, Redacted: it.Redacted}
		var data []byte
		if b, ok := sentinelYAML(it); ok {
			data, mi.Format = b, FormatSentinelYAML
			enabled, _ := it.Properties()["enabled"].(bool)
			mi.Enabled = &enabled
		} else {
			doc := cloneMap(it.Doc)
			if it.Kind == KindWatchlist {
				rows := make([]any, len(it.Rows))
				for i, r := range it.Rows {
					rows[i] = r
				}
				doc["rows"] = rows
			}
			b, err := EncodeYAML(doc)
			if err != nil {
				return nil, fmt.Errorf("%s %q: %v", it.Kind.Label(), it.Title, err)
			}
			data = b
		}
		mi.File = fileName(it, used)
		files[mi.File] = data
		man.Items = append(man.Items, mi)
	}
	mt, err := Tree(man)
	if err != nil {
		return nil, err
	}
	// The manifest's own members in a reading order (what, from where, then the list).
	mb, err := encodeYAMLOrdered(mt.(map[string]any), []string{"format", "version", "source", "kinds", "incomplete", "notes", "items"})
	if err != nil {
		return nil, err
	}
	files[ManifestFile] = mb
	return files, nil
}

// nameKeyed kinds have resource names that are their identity (a watchlist alias, a table name), so
// the name alone makes a stable file name.
var nameKeyed = map[Kind]bool{KindWatchlist: true, KindTable: true, KindDCR: true, KindWorkspace: true}

func fileName(it *Item, used map[string]bool) string {
	dir := kinds[it.Kind].dir
	base := slug(firstNonEmpty(it.Title, it.Key, it.Name))
	if nameKeyed[it.Kind] {
		base = slug(firstNonEmpty(it.Key, it.Name))
	}
	if !nameKeyed[it.Kind] || base != strings.ToLower(it.Key) {
		sum := sha256.Sum256([]byte(strings.ToLower(it.Key)))
		base += "-" + hex.EncodeToString(sum[:])[:8]
	}
	name := dir + "/" + base + ".yaml"
	for n := 2; used[strings.ToLower(name)]; n++ { // two keys differing only by case
		name = fmt.Sprintf("%s/%s-%d.yaml", dir, base, n)
	}
	used[strings.ToLower(name)] = true
	return name
}

// slug makes a file name part from a title: lower-case letters, digits, "-" and "_", at most 60
// characters.
func slug(s string) string {
	var b strings.Builder
	dash := false
	for _, r := range strings.ToLower(s) {
		if b.Len() >= 60 {
			break
		}
		switch {
		case r < 0x80 && (unicode.IsLetter(r) || unicode.IsDigit(r)) || r == '_':
			b.WriteRune(r)
			dash = false
		case b.Len() > 0 && !dash:
			b.WriteByte('-')
			dash = true
		}
	}
	out := strings.Trim(b.String(), "-")
	if out == "" {
		out = "item"
	}
	return out
}

// Limits of what ReadDir accepts.
const (
	maxFileBytes  = 32 << 20
	maxReadItems  = 50_000
	maxReadTotal  = 512 << 20
	manifestLimit = 16 << 20
)

func readManifest(r *os.Root, rel string) (*Manifest, error) {
	p := path.Join(rel, ManifestFile)
	fi, err := r.Lstat(p)
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return nil, fmt.Errorf("folder %q has no %s: it is not an export (export_workspace writes one)", rel, ManifestFile)
		}
		return nil, err
	}
	if !fi.Mode().IsRegular() {
		return nil, fmt.Errorf("%s is not a regular file: %w", p, ErrOutsideRoot)
	}
	if fi.Size() > manifestLimit {
		return nil, fmt.Errorf("%s is larger than %d MB", p, manifestLimit>>20)
	}
	b, err := r.ReadFile(p)
	if err != nil {
		return nil, err
	}
	v, err := DecodeYAML(b)
	if err != nil {
		return nil, fmt.Errorf("%s: %v", p, err)
	}
	raw, _ := json.Marshal(v)
	var m Manifest
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&m); err != nil {
		return nil, fmt.Errorf("%s: %v", p, err)
	}
	if m.Format != ManifestFormat {
		return nil, fmt.Errorf("%s: format %q is not %q", p, m.Format, ManifestFormat)
	}
	if m.Version != 1 {
		return nil, fmt.Errorf("%s: version %d is not supported (this build reads version 1)", p, m.Version)
	}
	return &m, nil
}

// ReadDir reads the export folder rel under root into a snapshot. Only the files the manifest lists,
// in the content folders, are read.
func ReadDir(root, rel string) (*Snapshot, error) {
	rel, err := CleanRel(rel)
	if err != nil {
		return nil, err
	}
	r, err := openRoot(root, false)
	if err != nil {
		return nil, err
	}
	defer r.Close()
	exists, err := checkRel(r, rel)
	if err != nil {
		return nil, err
	}
	if !exists {
		return nil, fmt.Errorf("folder %q does not exist (list_exports shows the exports)", rel)
	}
	m, err := readManifest(r, rel)
	if err != nil {
		return nil, err
	}
	if len(m.Items) > maxReadItems {
		return nil, fmt.Errorf("the manifest lists %d items, more than %d", len(m.Items), maxReadItems)
	}
	snap := &Snapshot{Source: m.Source, Kinds: normKinds(m.Kinds), Incomplete: m.Incomplete, Notes: m.Notes}
	snap.Source.Dir = rel
	if len(m.Kinds) == 0 {
		snap.Kinds = nil
	}
	total := int64(0)
	var errs []error
	for _, mi := range m.Items {
		it, n, err := readItem(r, rel, mi)
		total += n
		if err != nil {
			errs = append(errs, err)
			continue
		}
		if total > maxReadTotal {
			return nil, fmt.Errorf("the export is larger than %d MB", maxReadTotal>>20)
		}
		snap.Items = append(snap.Items, it)
	}
	if len(errs) > 0 {
		return nil, fmt.Errorf("folder %q: %d file(s) could not be read: %w", rel, len(errs), errors.Join(errs...))
	}
	snap.sort()
	return snap, nil
}

func readItem(r *os.Root, rel string, mi ManifestItem) (*Item, int64, error) {
	if _, ok := kinds[mi.Kind]; !ok {
		return nil, 0, fmt.Errorf("item %q: unknown kind %q", mi.Title, mi.Kind)
	}
	if err := validFile(mi.File); err != nil {
		return nil, 0, err
	}
	p := path.Join(rel, mi.File)
	if _, err := checkRel(r, path.Dir(p)); err != nil {
		return nil, 0, err
	}
	fi, err := r.Lstat(p)
	if err != nil {
		return nil, 0, fmt.Errorf("%s: %w", mi.File, err)
	}
	if !fi.Mode().IsRegular() {
		return nil, 0, fmt.Errorf("%s is not a regular file: %w", mi.File, ErrOutsideRoot)
	}
	if fi.Size() > maxFileBytes {
		return nil, 0, fmt.Errorf("%s is larger than %d MB", mi.File, maxFileBytes>>20)
	}
	b, err := r.ReadFile(p)
	if err != nil {
		return nil, 0, err
	}
	it := &Item{Kind: mi.Kind, Key: mi.Key, Name: mi.Name, Title: mi.Title, Redacted: mi.Redacted}
	switch mi.Format {
	case FormatSentinelYAML:
		if mi.Kind != KindAnalyticsRule {
			return nil, 0, fmt.Errorf("%s: the %s format is for analytics rules", mi.File, FormatSentinelYAML)
		}
		enabled := true
		if mi.Enabled != nil {
			enabled = *mi.Enabled
		}
		doc, err := ruleDocFromYAML(b, enabled)
		if err != nil {
			return nil, 0, fmt.Errorf("%s: %v", mi.File, err)
		}
		it.Doc = doc
	case FormatResource, "":
		v, err := DecodeYAML(b)
		if err != nil {
			return nil, 0, fmt.Errorf("%s: %v", mi.File, err)
		}
		doc, ok := v.(map[string]any)
		if !ok {
			return nil, 0, fmt.Errorf("%s: not a YAML mapping", mi.File)
		}
		if mi.Kind == KindWatchlist {
			rows, _ := doc["rows"].([]any)
			delete(doc, "rows")
			for i, row := range rows {
				m, ok := row.(map[string]any)
				if !ok {
					return nil, 0, fmt.Errorf("%s: row %d is not a mapping of column to value", mi.File, i+1)
				}
				it.Rows = append(it.Rows, m)
			}
			sortRows(it.Rows, str(obj(doc, "properties"), "itemsSearchKey"))
		}
		dropNulls(doc)
		it.Doc = doc
	default:
		return nil, 0, fmt.Errorf("%s: unknown format %q", mi.File, mi.Format)
	}
	it.identify()
	return it, int64(len(b)), nil
}

// identify sets the key and title of an item read from a file from its document (a hand-edited
// file may have changed them), keeping the manifest's where the document does not say.
func (it *Item) identify() {
	p := it.Properties()
	set := func(key, title string) {
		if strings.TrimSpace(key) != "" {
			it.Key = key
		}
		if strings.TrimSpace(title) != "" {
			it.Title = title
		}
	}
	switch it.Kind {
	case KindAnalyticsRule:
		set(ruleKey(str(p, "alertRuleTemplateName"), str(p, "displayName"), it.Name), str(p, "displayName"))
	case KindAutomationRule:
		set(str(p, "displayName"), str(p, "displayName"))
	case KindSavedSearch:
		if str(p, "displayName") != "" {
			set(savedSearchKey(str(p, "functionAlias"), str(p, "category"), str(p, "displayName")), str(p, "displayName"))
		}
	case KindWorkbook:
		set(str(p, "displayName"), str(p, "displayName"))
	case KindWatchlist:
		set("", str(p, "displayName"))
	}
	if it.Key == "" {
		it.Key = it.Name
	}
	if it.Title == "" {
		it.Title = it.Key
	}
}

// ExportInfo describes an export folder found by ListExports.
type ExportInfo struct {
	Dir    string       `json:"dir"`
	Source Source       `json:"source"`
	Items  int          `json:"items"`
	Counts map[Kind]int `json:"counts"`
	Error  string       `json:"error,omitempty"`
}

// ListExports finds the export folders under root (up to 4 levels deep), sorted by folder.
func ListExports(root string) ([]ExportInfo, error) {
	if _, err := os.Stat(root); errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	r, err := openRoot(root, false)
	if err != nil {
		return nil, err
	}
	defer r.Close()
	var out []ExportInfo
	err = fs.WalkDir(r.FS(), ".", func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return nil // an unreadable folder is skipped, not fatal
		}
		if d.IsDir() && strings.Count(p, "/") >= 4 {
			return fs.SkipDir
		}
		if d.Type()&fs.ModeSymlink != 0 || d.IsDir() || d.Name() != ManifestFile {
			return nil
		}
		dir := path.Dir(p)
		info := ExportInfo{Dir: dir, Counts: map[Kind]int{}}
		if m, err := readManifest(r, dir); err != nil {
			info.Error = err.Error()
		} else {
			info.Source, info.Items = m.Source, len(m.Items)
			for _, it := range m.Items {
				info.Counts[it.Kind]++
			}
		}
		out = append(out, info)
		return fs.SkipDir
	})
	sort.Slice(out, func(i, j int) bool { return out[i].Dir < out[j].Dir })
	return out, err
}
