package emulator

import (
	"encoding/json"
	"fmt"
	"path"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
)

// doc is an ARM resource as a GET returns it. Stored docs are never mutated in place: a write replaces
// the whole document, so readers can encode a doc they got without holding the lock.
type doc = map[string]any

type entry struct {
	id  string // canonical casing, as created
	seq uint64 // creation order; lists answer in this order
	doc doc
}

// store is the generic ARM resource store: documents keyed by lower-cased id, with an index of
// collections (the parent path of each id) for list operations.
type store struct {
	mu       sync.RWMutex
	byID     map[string]*entry
	children map[string][]string // lower(collection path) -> lower ids, creation order
	seq      uint64
	etagSeq  uint64
	counters map[string]int64 // incident numbers per workspace, ...
	subs     map[string]*subscription
	subOrder []string
	version  uint64 // bumped on every write; invalidates derived caches (Lighthouse grants)

	// Deferred seeded documents (the workspaces' contents), added on first access (see ensure).
	pendMu  sync.Mutex
	pending []*pendingGroup
	npend   atomic.Int32
	// seeded prepares a seeded document before it is stored (default etag and systemData, counters);
	// the caller holds the write lock.
	seeded func(id string, d doc)
}

// pendingGroup is a deferred collection of seeded documents not yet in the store.
type pendingGroup struct {
	prefix   string          // lower-case; ends with "/"
	types    map[string]bool // lower-case ARM types of its documents
	topLevel bool            // holds top-level resources of a resource group (Resource Graph lists them)
	load     func() []seedDoc
	done     bool
}

type subscription struct {
	ID          string // GUID
	TenantID    string
	DisplayName string
	State       string
	Tags        map[string]string
}

func newStore() *store {
	return &store{
		byID:     map[string]*entry{},
		children: map[string][]string{},
		counters: map[string]int64{},
		subs:     map[string]*subscription{},
	}
}

func collectionOf(id string) string { return strings.ToLower(path.Dir(id)) }

// deferGroup registers a deferred group of seeded documents: they are stored on the first access that may
// concern them.
func (s *store) deferGroup(prefix string, types []string, topLevel bool, load func() []seedDoc) {
	g := &pendingGroup{prefix: strings.ToLower(prefix), types: map[string]bool{}, topLevel: topLevel, load: load}
	for _, t := range types {
		g.types[strings.ToLower(t)] = true
	}
	s.pendMu.Lock()
	s.pending = append(s.pending, g)
	s.pendMu.Unlock()
	s.npend.Add(1)
}

// Access kinds for ensure.
const (
	accessItem = iota // an id or a collection path, or what is below it
	accessTree        // an id and everything below it (delete)
	accessAll         // everything (snapshot)
)

// ensure stores the deferred groups an access to path may concern (path is an id or a collection path).
func (s *store) ensure(path string, kind int) {
	if s.npend.Load() == 0 {
		return
	}
	if gs := s.matching(strings.ToLower(path), kind, ""); len(gs) > 0 {
		s.mu.Lock()
		defer s.mu.Unlock()
		s.materializeLocked(gs)
	}
}

// ensureScan stores the deferred groups a listing of the documents of a type ("" for every type, as Resource
// Graph lists them) under prefix may concern.
func (s *store) ensureScan(prefix, armType string) {
	if s.npend.Load() == 0 {
		return
	}
	if gs := s.matching(strings.ToLower(prefix), -1, strings.ToLower(armType)); len(gs) > 0 {
		s.mu.Lock()
		defer s.mu.Unlock()
		s.materializeLocked(gs)
	}
}

func (s *store) matching(p string, kind int, armType string) []*pendingGroup {
	s.pendMu.Lock()
	defer s.pendMu.Unlock()
	var out []*pendingGroup
	for _, g := range s.pending {
		if g.done {
			continue
		}
		var hit bool
		switch kind {
		case accessItem:
			hit = strings.HasPrefix(p+"/", g.prefix)
		case accessTree:
			hit = strings.HasPrefix(p+"/", g.prefix) || strings.HasPrefix(g.prefix, p+"/")
		case accessAll:
			hit = true
		default: // scan; Resource Graph ("") reads only top-level resources
			hit = (g.types[armType] || (armType == "" && g.topLevel)) && (strings.HasPrefix(g.prefix, p) || strings.HasPrefix(p, g.prefix))
		}
		if hit {
			out = append(out, g)
		}
	}
	return out
}

// materializeLocked stores the documents of groups that are still pending; the caller holds the write lock.
func (s *store) materializeLocked(gs []*pendingGroup) {
	for _, g := range gs {
		s.pendMu.Lock()
		done := g.done
		g.done = true
		s.pendMu.Unlock()
		if done {
			continue
		}
		s.npend.Add(-1)
		for _, r := range g.load() {
			d, err := decodeDoc(r.Body)
			if err != nil {
				continue // the seed's documents are valid JSON (its tests decode every one)
			}
			if s.seeded != nil {
				s.seeded(r.ID, d)
			}
			s.putLocked(r.ID, d)
		}
	}
}

func (s *store) get(id string) (doc, bool) {
	s.ensure(id, accessItem)
	s.mu.RLock()
	defer s.mu.RUnlock()
	e, ok := s.byID[strings.ToLower(id)]
	if !ok {
		return nil, false
	}
	return e.doc, true
}

// canonicalID returns the casing the resource was created with.
func (s *store) canonicalID(id string) (string, bool) {
	s.ensure(id, accessItem)
	s.mu.RLock()
	defer s.mu.RUnlock()
	e, ok := s.byID[strings.ToLower(id)]
	if !ok {
		return "", false
	}
	return e.id, true
}

// putLocked stores d under id; the caller holds the write lock. It reports whether the resource is new.
func (s *store) putLocked(id string, d doc) bool {
	key := strings.ToLower(id)
	s.version++
	if e, ok := s.byID[key]; ok {
		e.doc = d
		return false
	}
	s.seq++
	s.byID[key] = &entry{id: id, seq: s.seq, doc: d}
	col := collectionOf(id)
	s.children[col] = append(s.children[col], key)
	return true
}

func (s *store) put(id string, d doc) bool {
	s.ensure(id, accessItem)
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.putLocked(id, d)
}

// deleteLocked removes id and everything below it (a deleted incident takes its comments along).
func (s *store) deleteLocked(id string) bool {
	key := strings.ToLower(id)
	if _, ok := s.byID[key]; !ok {
		return false
	}
	s.version++
	prefix := key + "/"
	for k := range s.byID {
		if k == key || strings.HasPrefix(k, prefix) {
			delete(s.byID, k)
			col := collectionOf(k)
			list := s.children[col]
			for i, c := range list {
				if c == k {
					s.children[col] = append(list[:i:i], list[i+1:]...)
					break
				}
			}
			if len(s.children[col]) == 0 {
				delete(s.children, col)
			}
		}
	}
	return true
}

func (s *store) delete(id string) bool {
	s.ensure(id, accessTree)
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.deleteLocked(id)
}

// list returns the documents directly inside a collection path, in creation order.
func (s *store) list(collection string) []doc {
	s.ensure(strings.TrimSuffix(collection, "/"), accessItem)
	s.mu.RLock()
	defer s.mu.RUnlock()
	keys := s.children[strings.ToLower(strings.TrimSuffix(collection, "/"))]
	out := make([]doc, 0, len(keys))
	for _, k := range keys {
		out = append(out, s.byID[k].doc)
	}
	return out
}

// scan returns the documents whose id starts with prefix and whose type equals armType (both
// case-insensitive), in creation order. Used by subscription-wide lists and Resource Graph.
func (s *store) scan(prefix, armType string) []doc {
	s.ensureScan(prefix, armType)
	s.mu.RLock()
	defer s.mu.RUnlock()
	prefix = strings.ToLower(prefix)
	var es []*entry
	for k, e := range s.byID {
		if !strings.HasPrefix(k, prefix) {
			continue
		}
		if armType != "" && !strings.EqualFold(str(e.doc["type"]), armType) {
			continue
		}
		es = append(es, e)
	}
	sort.Slice(es, func(i, j int) bool { return es[i].seq < es[j].seq })
	out := make([]doc, len(es))
	for i, e := range es {
		out[i] = e.doc
	}
	return out
}

func (s *store) exists(id string) bool {
	_, ok := s.get(id)
	return ok
}

// nextEtag returns a new quoted etag in the format Sentinel uses ("0300bf09-0000-0000-0000-5c37296e0000").
func (s *store) nextEtagLocked() string {
	s.etagSeq++
	return fmt.Sprintf("\"%08x-0000-0000-0000-%012x\"", s.etagSeq, s.version)
}

func (s *store) nextCounterLocked(key string) int64 {
	s.counters[strings.ToLower(key)]++
	return s.counters[strings.ToLower(key)]
}

func (s *store) subscription(id string) (*subscription, bool) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	sub, ok := s.subs[strings.ToLower(id)]
	return sub, ok
}

func (s *store) addSubscription(sub *subscription) {
	s.mu.Lock()
	defer s.mu.Unlock()
	key := strings.ToLower(sub.ID)
	if _, ok := s.subs[key]; !ok {
		s.subOrder = append(s.subOrder, key)
	}
	s.subs[key] = sub
	s.version++
}

func (s *store) subscriptions() []*subscription {
	s.mu.RLock()
	defer s.mu.RUnlock()
	out := make([]*subscription, 0, len(s.subOrder))
	for _, k := range s.subOrder {
		out = append(out, s.subs[k])
	}
	return out
}

func (s *store) currentVersion() uint64 {
	s.mu.RLock()
	defer s.mu.RUnlock()
	return s.version
}

// cloneDoc deep-copies a document so a handler can modify it before a write.
func cloneDoc(d doc) doc {
	if d == nil {
		return nil
	}
	return cloneValue(d).(doc)
}

func cloneValue(v any) any {
	switch t := v.(type) {
	case map[string]any:
		m := make(map[string]any, len(t))
		for k, x := range t {
			m[k] = cloneValue(x)
		}
		return m
	case []any:
		s := make([]any, len(t))
		for i, x := range t {
			s[i] = cloneValue(x)
		}
		return s
	default:
		return v
	}
}

// decodeDoc parses a JSON object keeping numbers exact (incident numbers, large counters).
func decodeDoc(b []byte) (doc, error) {
	dec := json.NewDecoder(strings.NewReader(string(b)))
	dec.UseNumber()
	var d doc
	if err := dec.Decode(&d); err != nil {
		return nil, err
	}
	if d == nil {
		return nil, fmt.Errorf("expected a JSON object")
	}
	return d, nil
}

func str(v any) string {
	s, _ := v.(string)
	return s
}

// props returns d["properties"] as a map, or nil.
func props(d doc) map[string]any {
	m, _ := d["properties"].(map[string]any)
	return m
}

// ensureProps returns d["properties"], creating it when missing.
func ensureProps(d doc) map[string]any {
	m, ok := d["properties"].(map[string]any)
	if !ok {
		m = map[string]any{}
		d["properties"] = m
	}
	return m
}
