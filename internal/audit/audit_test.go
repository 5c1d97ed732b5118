package audit

import (
	"bufio"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"testing"
)

func readLines(t *testing.T, path string) []Record {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var out []Record
	sc := bufio.NewScanner(f)
	sc.Buffer(nil, 4<<20)
	for sc.Scan() {
		var r Record
		if err := json.Unmarshal(sc.Bytes(), &r); err != nil {
			t.Fatalf("line %q is not a record: %v", sc.Text(), err)
		}
		out = append(out, r)
	}
	return out
}

func TestWriteAppendsOneLinePerRecordConcurrently(t *testing.T) {
	path := filepath.Join(t.TempDir(), "sub", "audit.jsonl")
	l := New(path)
	defer l.Close()
	var wg sync.WaitGroup
	for i := range 50 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if err := l.Write(&Record{Phase: PhaseResult, Tool: "list_incidents", CorrelationID: string(rune('a' + i%26)), Outcome: OutcomeOK}); err != nil {
				t.Error(err)
			}
		}()
	}
	wg.Wait()
	recs := readLines(t, path)
	if len(recs) != 50 {
		t.Fatalf("%d records, want 50", len(recs))
	}
	if recs[0].Time.IsZero() || recs[0].Tool != "list_incidents" {
		t.Errorf("record = %+v", recs[0])
	}
	if runtime.GOOS != "windows" {
		st, _ := os.Stat(path)
		if st.Mode().Perm() != 0o600 {
			t.Errorf("audit file mode %v, want 0600", st.Mode().Perm())
		}
	}
}

func TestWriteFailsWhenUnwritableAndRecovers(t *testing.T) {
	if os.Geteuid() == 0 {
		t.Log("running as root: using a directory in place of the file to make it unwritable")
	}
	dir := t.TempDir()
	path := filepath.Join(dir, "audit.jsonl")
	// A directory where the file should be cannot be opened for writing, even by root.
	if err := os.Mkdir(path, 0o700); err != nil {
		t.Fatal(err)
	}
	l := New(path)
	if err := l.Write(&Record{Tool: "x"}); err == nil {
		t.Fatal("write to an unwritable path succeeded")
	}
	os.Remove(path)
	if err := l.Write(&Record{Tool: "x"}); err != nil {
		t.Fatalf("write after the path was fixed: %v", err)
	}
}

func TestRedact(t *testing.T) {
	in := `{"workspace":"contoso/prod","client_secret":"s3","nested":{"apiKey":"k","items_search_key":"UPN"},
	"list":[{"password":"p"}],"bearer":"eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.c2ln","n":12345678901234567890,
	"query":"` + strings.Repeat("x", 20000) + `"}`
	out := string(Redact([]byte(in)))
	for _, leak := range []string{`"s3"`, `"k"`, `"p"`, "eyJhbGci"} {
		if strings.Contains(out, leak) {
			t.Errorf("redacted output leaks %s: %s", leak, out[:200])
		}
	}
	for _, keep := range []string{"contoso/prod", `"items_search_key":"UPN"`, "12345678901234567890", "more bytes"} {
		if !strings.Contains(out, keep) {
			t.Errorf("redacted output lost %s", keep)
		}
	}
	if len(out) > 10000 {
		t.Errorf("long string not cut: %d bytes", len(out))
	}
	if got := string(Redact([]byte("{not json"))); !strings.Contains(got, "invalid JSON") || strings.Contains(got, "not json") {
		t.Errorf("invalid JSON redaction = %s", got)
	}
	// A long list keeps its first items and says how many more there were.
	long := `{"items":[` + strings.TrimSuffix(strings.Repeat(`"x",`, 100_000), ",") + `]}`
	if got := string(Redact([]byte(long))); len(got) > 10_000 || !strings.Contains(got, "99000 more items") {
		t.Errorf("long list: %d bytes, ends %s", len(got), got[len(got)-40:])
	}
}

func TestRecordChange(t *testing.T) {
	RecordChange(context.Background(), 1, 2) // outside a call: no-op, no panic
	ctx, ch := WithChanges(context.Background())
	obj := map[string]any{"status": "New", "secret": "x"}
	RecordChange(ctx, obj, map[string]any{"status": "Closed"})
	obj["status"] = "mutated later"
	RecordChange(ctx, nil, map[string]any{"id": 1})
	got := ch.List()
	if len(got) != 2 {
		t.Fatalf("%d changes", len(got))
	}
	if string(got[0].Before) != `{"secret":"<redacted>","status":"New"}` || string(got[1].Before) != "null" {
		t.Errorf("changes = %s / %s", got[0].Before, got[1].Before)
	}
}
