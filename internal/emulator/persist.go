package emulator

import (
	"bufio"
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"sort"
	"sync"
	"time"
)

// Persistence: the ARM state (not the generated logs, which the seed recreates) is written to
// DataDir/state.json after writes, debounced. The file is a one-line header carrying the payload's
// length and SHA-256, then the payload; it is written to a temp file, fsynced and renamed, so a crash
// leaves either the old or the new file. A file whose checksum does not match is refused at start.

const (
	stateFile    = "state.json"
	stateFormat  = "sentinel-mcp-emulator-state"
	stateVersion = 1
	saveDebounce = 200 * time.Millisecond
	tempPattern  = ".state-*.tmp" // saves are written here, then renamed over stateFile
)

type stateHeader struct {
	Format  string    `json:"format"`
	Version int       `json:"version"`
	SavedAt time.Time `json:"savedAt"`
	Seed    int64     `json:"seed"`
	// ExtraTenants changes the world's tenants and resources, so a state is only valid with the same number.
	ExtraTenants int    `json:"extraTenants,omitempty"`
	Length       int    `json:"length"`
	SHA256       string `json:"sha256"`
}

type statePayload struct {
	Subscriptions []*subscription  `json:"subscriptions"`
	Resources     []stateResource  `json:"resources"`
	Counters      map[string]int64 `json:"counters"`
	EtagSeq       uint64           `json:"etagSeq"`
}

type stateResource struct {
	ID  string          `json:"id"`
	Doc json.RawMessage `json:"doc"`
}

type persister struct {
	dir   string
	log   *slog.Logger
	mu    sync.Mutex
	timer *time.Timer
	dirty bool
	save  func() error // set by the emulator
	err   error
}

func newPersister(dir string, log *slog.Logger) *persister { return &persister{dir: dir, log: log} }

func (p *persister) path() string { return filepath.Join(p.dir, stateFile) }

// changed schedules a debounced save after a write.
func (e *Emulator) changed() {
	p := e.persist
	if p == nil {
		return
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	p.dirty = true
	if p.timer == nil {
		p.timer = time.AfterFunc(saveDebounce, func() {
			p.mu.Lock()
			p.timer = nil
			p.dirty = false
			p.mu.Unlock()
			if err := e.saveState(); err != nil {
				p.mu.Lock()
				p.err = err
				p.mu.Unlock()
				e.log.Error("emulator: saving state failed", "err", err)
			}
		})
	}
}

// close flushes a pending save and reports the last save error.
func (p *persister) close() error {
	p.mu.Lock()
	pending := p.dirty
	if p.timer != nil {
		p.timer.Stop()
		p.timer = nil
	}
	p.dirty = false
	p.mu.Unlock()
	if pending && p.save != nil {
		if err := p.save(); err != nil {
			return err
		}
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.err
}

// Flush writes the state now (standalone emulator on shutdown, tests).
func (e *Emulator) Flush() error {
	if e.persist == nil {
		return nil
	}
	return e.saveState()
}

func (e *Emulator) snapshot() ([]byte, error) {
	_, st, err := e.state()
	if err != nil {
		return nil, err
	}
	// Writers change documents (and the ones they store) under writeMu, outside the store's own lock:
	// the snapshot holds it too, or a document could change while it is being encoded.
	e.writeMu.Lock()
	defer e.writeMu.Unlock()
	st.ensure("/", accessAll) // the state file holds the whole world: it is loaded without the seed's deferred groups
	st.mu.RLock()
	pl := statePayload{Counters: map[string]int64{}, EtagSeq: st.etagSeq}
	for _, k := range st.subOrder {
		pl.Subscriptions = append(pl.Subscriptions, st.subs[k])
	}
	es := make([]*entry, 0, len(st.byID))
	for _, en := range st.byID {
		es = append(es, en)
	}
	for k, v := range st.counters {
		pl.Counters[k] = v
	}
	st.mu.RUnlock()
	sort.Slice(es, func(i, j int) bool { return es[i].seq < es[j].seq })
	for _, en := range es {
		b, err := json.Marshal(en.doc)
		if err != nil {
			return nil, fmt.Errorf("emulator: encode %s: %w", en.id, err)
		}
		pl.Resources = append(pl.Resources, stateResource{ID: en.id, Doc: b})
	}
	return json.Marshal(pl)
}

var saveMu sync.Mutex

func (e *Emulator) saveState() error {
	payload, err := e.snapshot()
	if err != nil {
		return err
	}
	sum := sha256.Sum256(payload)
	hdr, _ := json.Marshal(stateHeader{Format: stateFormat, Version: stateVersion, SavedAt: time.Now().UTC(),
		Seed: e.opts.Seed, ExtraTenants: e.opts.ExtraTenants, Length: len(payload), SHA256: hex.EncodeToString(sum[:])})
	saveMu.Lock()
	defer saveMu.Unlock()
	return writeFileAtomic(e.persist.path(), append(append(hdr, '\n'), payload...))
}

// crashHook, set by tests only, runs halfway through the writing of a state file: a test process
// kills itself there to show that a crash in the middle of a save leaves the previous state loadable.
var crashHook func()

func writeFileAtomic(path string, data []byte) error {
	dir := filepath.Dir(path)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fmt.Errorf("emulator: create data dir: %w", err)
	}
	f, err := os.CreateTemp(dir, tempPattern)
	if err != nil {
		return fmt.Errorf("emulator: create temp state file: %w", err)
	}
	tmp := f.Name()
	cleanup := func() { _ = os.Remove(tmp) }
	half := len(data) / 2
	_, err = f.Write(data[:half])
	if err == nil && crashHook != nil {
		crashHook()
	}
	if err == nil {
		_, err = f.Write(data[half:])
	}
	if err != nil {
		_ = f.Close()
		cleanup()
		return fmt.Errorf("emulator: write state: %w", err)
	}
	if err := f.Sync(); err != nil {
		_ = f.Close()
		cleanup()
		return fmt.Errorf("emulator: fsync state: %w", err)
	}
	if err := f.Close(); err != nil {
		cleanup()
		return fmt.Errorf("emulator: close state: %w", err)
	}
	if err := os.Rename(tmp, path); err != nil {
		cleanup()
		return fmt.Errorf("emulator: replace state file: %w", err)
	}
	if d, err := os.Open(dir); err == nil {
		_ = d.Sync()
		_ = d.Close()
	}
	return nil
}

// loadPersisted reads DataDir/state.json if present. Any defect is an error naming the file.
func (e *Emulator) loadPersisted() error {
	p := e.persist
	p.save = e.saveState
	// A crash during a save leaves at most a temp file beside the intact state file: remove it.
	if stale, _ := filepath.Glob(filepath.Join(p.dir, tempPattern)); len(stale) > 0 {
		for _, s := range stale {
			_ = os.Remove(s)
		}
	}
	f, err := os.Open(p.path())
	if errors.Is(err, os.ErrNotExist) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("emulator: open state file: %w", err)
	}
	defer f.Close()
	st, err := readState(f, e.opts.Seed, e.opts.ExtraTenants)
	if err != nil {
		return fmt.Errorf("emulator: refusing to load %s: %w; move or delete the file to start from the seeded world", p.path(), err)
	}
	e.writeMu.Lock()
	e.store = st
	e.writeMu.Unlock()
	return nil
}

func readState(r io.Reader, seed int64, extraTenants int) (*store, error) {
	br := bufio.NewReader(r)
	line, err := br.ReadBytes('\n')
	if err != nil {
		return nil, errors.New("the header line is missing or truncated")
	}
	var h stateHeader
	if err := json.Unmarshal(bytes.TrimSpace(line), &h); err != nil || h.Format != stateFormat {
		return nil, errors.New("it is not an emulator state file (bad header)")
	}
	if h.Version != stateVersion {
		return nil, fmt.Errorf("unsupported state version %d (this build reads %d)", h.Version, stateVersion)
	}
	if h.Seed != seed {
		return nil, fmt.Errorf("it was written with seed %d but the emulator runs with seed %d", h.Seed, seed)
	}
	if h.ExtraTenants != extraTenants {
		return nil, fmt.Errorf("it was written with %d extra tenants but the emulator runs with %d", h.ExtraTenants, extraTenants)
	}
	payload, err := io.ReadAll(br)
	if err != nil {
		return nil, fmt.Errorf("read payload: %w", err)
	}
	if len(payload) != h.Length {
		return nil, fmt.Errorf("the payload is %d bytes but the header says %d (partial write)", len(payload), h.Length)
	}
	sum := sha256.Sum256(payload)
	if hex.EncodeToString(sum[:]) != h.SHA256 {
		return nil, errors.New("the checksum does not match (corrupt file)")
	}
	var pl statePayload
	if err := json.Unmarshal(payload, &pl); err != nil {
		return nil, fmt.Errorf("decode payload: %w", err)
	}
	st := newStore()
	for _, s := range pl.Subscriptions {
		st.addSubscription(s)
	}
	st.mu.Lock()
	defer st.mu.Unlock()
	for _, r := range pl.Resources {
		d, err := decodeDoc(r.Doc)
		if err != nil {
			return nil, fmt.Errorf("decode resource %s: %w", r.ID, err)
		}
		st.putLocked(r.ID, d)
	}
	for k, v := range pl.Counters {
		st.counters[k] = v
	}
	st.etagSeq = pl.EtagSeq
	return st, nil
}
