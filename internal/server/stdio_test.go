package server

import (
	"bufio"
	"encoding/json"
	"io"
	"strings"
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
