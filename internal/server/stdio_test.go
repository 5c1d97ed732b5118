package server

import (
	"bufio"
	"context"
	"encoding/json"
	"io"
	"strings"
	"sync"
	"testing"
	"time"
)

// TestStdioAnswersMalformedLines: each line that is not one JSON-RPC message gets the JSON-RPC 2.0
// error for it, and the session goes on (the go-sdk alone would end it at the first such line).
func TestStdioAnswersMalformedLines(t *testing.T) {
	f := newFixture(t, fixtureOpts{})
	s := startStdio(t, f)
	for _, c := range []struct {
		line string
		code int
		id   string
		msg  string
	}{
		{"garbage{", -32700, "null", "not JSON"},
		{`[{"jsonrpc":"2.0","id":1,"method":"ping"}]`, -32600, "null", "batches are not supported"},
		{`"str"`, -32600, "null", "a message is a JSON object"},
		{`{"foo":1,"id":9}`, -32600, "9", "invalid JSON-RPC message"},
		{`{"jsonrpc":"2.0","id":"abc","method":5}`, -32600, `"abc"`, "invalid JSON-RPC message"},
		// Arguments nested deeper than the SDK decodes: refused with a short answer, the session goes on.
		{`{"jsonrpc":"2.0","id":7,"method":"tools/call","params":{"name":"get_echo","arguments":{"workspace":` +
			strings.Repeat("[", 5000) + strings.Repeat("]", 5000) + `}}}`, -32600, "7", "nesting depth"},
	} {
		s.send(t, c.line)
		got := s.next(t)
		var m struct {
			ID    json.RawMessage
			Error struct {
				Code    int
				Message string
			}
		}
		if err := json.Unmarshal([]byte(got), &m); err != nil || m.Error.Code != c.code || string(m.ID) != c.id || !strings.Contains(m.Error.Message, c.msg) {
			t.Errorf("%.200s: answered %.500s, want code %d, id %s, message with %q", c.line, got, c.code, c.id, c.msg)
		}
	}
	// Blank lines are ignored; the session still works.
	s.send(t, "   \r")
	s.send(t, `{"jsonrpc":"2.0","id":"p","method":"ping"}`)
	if got := s.next(t); got != `{"jsonrpc":"2.0","id":"p","result":{}}` {
		t.Errorf("ping after malformed lines: %s", got)
	}
	s.close(t)
}

func (s *stdioSession) next(t *testing.T) string {
	t.Helper()
	select {
	case l, ok := <-s.lines:
		if !ok {
			t.Fatal("the server closed stdout")
		}
		return l
	case <-time.After(10 * time.Second):
		t.Fatal("no answer")
	}
	return ""
}

// TestFramingGuardLineLimit: a line over the limit is drained and refused; the next one passes.
func TestFramingGuardLineLimit(t *testing.T) {
	var errs strings.Builder
	in := strings.NewReader(strings.Repeat("x", 200<<10) + "\n" + `{"jsonrpc":"2.0","id":1,"method":"ping"}` + "\n" + `{"jsonrpc":"2.0","id":2,"method":"ping"}`)
	g := &framingGuard{src: io.NopCloser(in), r: bufio.NewReaderSize(in, 4096), errs: &errs, max: 100 << 10}
	out, err := io.ReadAll(g)
	if err != nil {
		t.Fatal(err)
	}
	if want := `{"jsonrpc":"2.0","id":1,"method":"ping"}` + "\n" + `{"jsonrpc":"2.0","id":2,"method":"ping"}` + "\n"; string(out) != want {
		t.Errorf("passed through %q", out)
	}
	if !strings.Contains(errs.String(), `"code":-32600`) || !strings.Contains(errs.String(), "message too large: a line is limited to 102400 bytes") {
		t.Errorf("answer to the long line: %s", errs.String())
	}
}

// runPiped serves a whole input at once, as `printf ... | sentinel-mcp stdio` does: the input ends
// right after the last request. It returns the answers by id and how long the session lasted.
func runPiped(t *testing.T, f *fixture, lines ...string) (map[string]string, time.Duration) {
	t.Helper()
	var out strings.Builder
	start := time.Now()
	in := io.NopCloser(strings.NewReader(strings.Join(lines, "\n") + "\n"))
	if err := f.srv.runStdioOn(context.Background(), in, &lockedBuilder{b: &out}); err != nil {
		t.Fatal(err)
	}
	took := time.Since(start)
	answers := map[string]string{}
	for _, l := range strings.Split(strings.TrimSpace(out.String()), "\n") {
		var m struct{ ID json.RawMessage }
		if json.Unmarshal([]byte(l), &m) == nil && len(m.ID) > 0 {
			answers[string(m.ID)] = l
		}
	}
	return answers, took
}

type lockedBuilder struct {
	mu sync.Mutex
	b  *strings.Builder
}

func (l *lockedBuilder) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

// TestStdioAnswersEverythingBeforeEndOfInput: a client that closes stdin after its last requests
// still gets every answer (the go-sdk alone would cancel the calls still running and exit).
func TestStdioAnswersEverythingBeforeEndOfInput(t *testing.T) {
	f := newFixture(t, fixtureOpts{noClock: true})
	answers, _ := runPiped(t, f, initLine, `{"jsonrpc":"2.0","method":"notifications/initialized"}`,
		`{"jsonrpc":"2.0","id":2,"method":"tools/call","params":{"name":"wait_long","arguments":{"ignore_context":true}}}`,
		`{"jsonrpc":"2.0","id":"three","method":"tools/list"}`,
		`{"jsonrpc":"2.0","id":4,"method":"tools/call","params":{"name":"get_echo","arguments":{"workspace":"contoso/contoso-prod","note":"last"}}}`)
	for id, want := range map[string]string{`"init"`: "serverInfo", "2": "late", `"three"`: "get_echo", "4": `"note":"last"`} {
		if !strings.Contains(answers[id], want) {
			t.Errorf("answer %s: %q, want it to contain %q", id, answers[id], want)
		}
	}
	if f.env.count("wait_long") != 1 || len(f.records()) != 2 {
		t.Errorf("calls: wait_long ran %d times, %d audit records", f.env.count("wait_long"), len(f.records()))
	}

	// A request the client cancelled is not waited for: the session ends at once.
	f = newFixture(t, fixtureOpts{noClock: true})
	answers, took := runPiped(t, f, initLine, `{"jsonrpc":"2.0","method":"notifications/initialized"}`,
		`{"jsonrpc":"2.0","id":2,"method":"tools/call","params":{"name":"wait_long","arguments":{}}}`,
		`{"jsonrpc":"2.0","method":"notifications/cancelled","params":{"requestId":2,"reason":"changed my mind"}}`)
	if took > 2*time.Second || answers[`"init"`] == "" {
		t.Errorf("a cancelled call held the end of the session for %v (answers %v)", took, answers)
	}
}
