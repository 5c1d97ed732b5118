// Package audit is the append-only audit log of tool calls: one JSON object per line, appended with a
// single write and fsynced before the call goes on.
//
// The server middleware writes the records; tool handlers only report what they changed, with
// RecordChange. A write tool gets two records: an "intent" record before its handler runs (if that
// record cannot be written, the call is refused before anything is changed) and a "result" record
// after. A read tool gets one "result" record.
package audit

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"time"
)

// Phases of a record.
const (
	PhaseIntent = "intent" // written before a write tool's handler runs
	PhaseResult = "result" // written when a call ends
)

// Outcomes of a call.
const (
	OutcomeOK      = "ok"
	OutcomeError   = "error"   // the tool ran and failed (bad argument, Azure error...)
	OutcomeRefused = "refused" // a safety rail stopped it before the handler ran
	OutcomePending = "pending" // a destructive call that returned a plan and awaits confirmation
)

// Record is one line of the audit log.
type Record struct {
	Time          time.Time       `json:"time"`
	Phase         string          `json:"phase"`
	CorrelationID string          `json:"correlation_id"`
	SessionID     string          `json:"session_id,omitempty"`
	Client        string          `json:"client,omitempty"` // name/version from the MCP client
	Tool          string          `json:"tool"`
	Toolset       string          `json:"toolset,omitempty"`
	Write         bool            `json:"write"`
	Destructive   bool            `json:"destructive,omitempty"`
	Tenants       []string        `json:"tenants,omitempty"`    // tenant ids the call addresses
	Workspaces    []string        `json:"workspaces,omitempty"` // workspace aliases or resource ids
	Arguments     json.RawMessage `json:"arguments,omitempty"`  // secrets redacted, long strings cut
	Outcome       string          `json:"outcome,omitempty"`
	Reason        string          `json:"reason,omitempty"`
	DurationMS    float64         `json:"duration_ms,omitempty"`
	Changes       []Change        `json:"changes,omitempty"`
}

// Change is one modification a write made, as reported by its handler.
type Change struct {
	Before json.RawMessage `json:"before"` // null when the object was created
	After  json.RawMessage `json:"after"`  // null when the object was deleted
}

// Log appends records to a file. The file is opened on first use (start-up never touches the disk)
// and reopened after a failure, so fixing the path or permissions recovers without a restart.
//
// Writes are group-committed: each record is written under a lock, then fsynced outside it, and one
// fsync covers every record written before it started, so concurrent calls share fsyncs instead of
// queueing behind each other's. Write still returns only once its record is durable.
type Log struct {
	path string
	now  func() time.Time

	mu      sync.Mutex // guards f, gen and written, and serializes the file writes
	f       *os.File
	gen     uint64 // incremented each time the file is opened
	written uint64 // records written to the file of generation gen

	syncMu  sync.Mutex // one fsync at a time
	syncGen uint64     // generation and count of the records known durable
	synced  uint64
}

// New returns a Log writing to path; the parent directory is created (0700) on first write.
func New(path string) *Log {
	return &Log{path: path, now: time.Now}
}

// Path is the file the log writes to.
func (l *Log) Path() string { return l.path }

// Write appends r as one line and fsyncs it. An error means the record is not durably written.
func (l *Log) Write(r *Record) error {
	if r.Time.IsZero() {
		r.Time = l.now().UTC()
	}
	line, err := marshal(r)
	if err != nil {
		return fmt.Errorf("audit: encode record: %w", err)
	}
	line = append(line, '\n')
	l.mu.Lock()
	if l.f == nil {
		if err := l.open(); err != nil {
			l.mu.Unlock()
			return err
		}
	}
	if _, err := l.f.Write(line); err != nil {
		l.closeLocked()
		l.mu.Unlock()
		return fmt.Errorf("audit: write %s: %w", l.path, err)
	}
	l.written++
	seq, gen, f := l.written, l.gen, l.f
	l.mu.Unlock()
	return l.sync(f, gen, seq)
}

// sync makes record seq of generation gen durable: done already if an fsync that started after it
// was written succeeded, else one fsync now, covering every record written so far.
func (l *Log) sync(f *os.File, gen, seq uint64) error {
	l.syncMu.Lock()
	defer l.syncMu.Unlock()
	if l.syncGen == gen && l.synced >= seq {
		return nil
	}
	l.mu.Lock()
	covered, current := l.written, l.gen
	l.mu.Unlock()
	if current != gen {
		// The file was closed (a failure or Close) after this record was written, before any fsync.
		return fmt.Errorf("audit: %s was closed before the record was synced", l.path)
	}
	if err := f.Sync(); err != nil {
		l.mu.Lock()
		if l.gen == gen {
			l.closeLocked()
		}
		l.mu.Unlock()
		return fmt.Errorf("audit: fsync %s: %w", l.path, err)
	}
	l.syncGen, l.synced = gen, covered
	return nil
}

func (l *Log) open() error {
	if l.path == "" {
		return errors.New("audit: no audit log path configured")
	}
	if err := os.MkdirAll(filepath.Dir(l.path), 0o700); err != nil {
		return fmt.Errorf("audit: create directory for %s: %w", l.path, err)
	}
	f, err := os.OpenFile(l.path, os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o600)
	if err != nil {
		return fmt.Errorf("audit: open %s: %w", l.path, err)
	}
	l.f = f
	l.gen++
	l.written = 0
	return nil
}

func (l *Log) closeLocked() {
	if l.f != nil {
		_ = l.f.Close()
		l.f = nil
		l.gen++ // records written to the closed file and not yet synced cannot be confirmed
	}
}

// Close syncs and closes the file; a later Write reopens it.
func (l *Log) Close() error {
	l.syncMu.Lock() // in sync's order: syncMu, then mu
	defer l.syncMu.Unlock()
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.f == nil {
		return nil
	}
	err := l.f.Sync()
	if err == nil {
		l.syncGen, l.synced = l.gen, l.written // writers waiting for an fsync: this one covered them
	}
	if cerr := l.f.Close(); err == nil {
		err = cerr
	}
	l.f = nil
	l.gen++
	return err
}

// Changes collects the changes a handler reports during one call.
type Changes struct {
	mu   sync.Mutex
	list []Change
}

type changesKey struct{}

// WithChanges returns a context in which RecordChange records into the returned collector.
func WithChanges(ctx context.Context) (context.Context, *Changes) {
	c := &Changes{}
	return context.WithValue(ctx, changesKey{}, c), c
}

// List returns the changes recorded so far.
func (c *Changes) List() []Change {
	c.mu.Lock()
	defer c.mu.Unlock()
	return append([]Change(nil), c.list...)
}

// maxChangeBytes caps one before/after snapshot so a huge object cannot bloat the log.
const maxChangeBytes = 256 << 10

// RecordChange reports, for the audit log, that the current tool call changed an object from before to
// after (nil before: created; nil after: deleted). Values are snapshotted now, as JSON with secrets
// redacted. Call it after the change succeeded. Outside a tool call it does nothing.
func RecordChange(ctx context.Context, before, after any) {
	c, _ := ctx.Value(changesKey{}).(*Changes)
	if c == nil {
		return
	}
	ch := Change{Before: snapshot(before), After: snapshot(after)}
	c.mu.Lock()
	c.list = append(c.list, ch)
	c.mu.Unlock()
}

func snapshot(v any) json.RawMessage {
	if v == nil {
		return json.RawMessage("null")
	}
	b, err := json.Marshal(v)
	if err != nil {
		b, _ = json.Marshal(map[string]string{"unrecorded": err.Error()})
	}
	b = Redact(b)
	if len(b) > maxChangeBytes {
		b, _ = json.Marshal(map[string]any{"truncated": true, "bytes": len(b), "prefix": string(b[:4096])})
	}
	return b
}
