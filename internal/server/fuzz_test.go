package server

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/modelcontextprotocol/go-sdk/jsonrpc"
	"github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/sentinel-mcp/sentinel-mcp/internal/config"
	"github.com/sentinel-mcp/sentinel-mcp/internal/inventory"
)

// Fuzz targets at the server boundary. Run them with, e.g.:
//
//	go test ./internal/server -run '^$' -fuzz FuzzStdioFraming -fuzztime 60s
//	go test ./internal/server -run '^$' -fuzz FuzzToolArguments -fuzztime 60s
//
// Without -fuzz, the seed corpus runs as ordinary tests.

const initLine = `{"jsonrpc":"2.0","id":"init","method":"initialize","params":{"protocolVersion":"2025-06-18","capabilities":{},"clientInfo":{"name":"fuzz","version":"1"}}}`

// stdioSession is the server on a pair of pipes, through the production stdio framing.
type stdioSession struct {
	in    *io.PipeWriter
	lines chan string
	done  chan error
}

func startStdio(t testing.TB, f *fixture) *stdioSession {
	inR, inW := io.Pipe()
	outR, outW := io.Pipe()
	s := &stdioSession{in: inW, lines: make(chan string, 64), done: make(chan error, 1)}
	go func() { s.done <- f.srv.runStdioOn(context.Background(), inR, outW); outW.Close() }()
	go func() {
		sc := bufio.NewScanner(outR)
		sc.Buffer(nil, 32<<20)
		for sc.Scan() {
			s.lines <- sc.Text()
		}
		close(s.lines)
	}()
	s.send(t, initLine)
	s.await(t, `"init"`, "initialize")
	s.send(t, `{"jsonrpc":"2.0","method":"notifications/initialized"}`)
	return s
}

func (s *stdioSession) send(t testing.TB, data string) {
	t.Helper()
	if _, err := io.WriteString(s.in, data+"\n"); err != nil {
		t.Fatalf("write: %v", err)
	}
}

// await reads output lines until the response with the given raw id; every line must be JSON-RPC.
func (s *stdioSession) await(t testing.TB, id, after string) {
	t.Helper()
	timeout := time.After(10 * time.Second)
	for {
		select {
		case line, ok := <-s.lines:
			if !ok {
				t.Fatalf("the server closed stdout after %s", after)
			}
			var m struct {
				JSONRPC string          `json:"jsonrpc"`
				ID      json.RawMessage `json:"id"`
			}
			if err := json.Unmarshal([]byte(line), &m); err != nil || m.JSONRPC != "2.0" {
				t.Fatalf("after %s the server wrote a line that is not JSON-RPC: %q", after, line)
			}
			if string(m.ID) == id {
				return
			}
		case <-timeout:
			t.Fatalf("the server stopped answering after %s", after)
		}
	}
}

func (s *stdioSession) close(t testing.TB) {
	t.Helper()
	s.in.Close()
	select {
	case err := <-s.done:
		if err != nil {
			t.Fatalf("the session ended with an error: %v", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("the session did not end after stdin closed")
	}
}

// FuzzStdioFraming writes arbitrary bytes (any number of lines) to the stdio transport of an
// initialized session: the server must stay up, write only JSON-RPC lines, answer a ping sent
// afterwards, and end cleanly at EOF.
func FuzzStdioFraming(f *testing.F) {
	for _, seed := range []string{
		"garbage{",
		`{"jsonrpc":"2.0","id":1,"method":"ping"}`,
		"[1,2]",
		`[{"jsonrpc":"2.0","id":1,"method":"ping"}]`,
		`[]`,
		`{}`,
		`"str"`,
		`null`,
		`{"foo":1,"id":9}`,
		`{"jsonrpc":"1.0","id":1,"method":"ping"}`,
		`{"jsonrpc":"2.0","id":{"a":1},"method":"ping"}`,
		`{"jsonrpc":"2.0","id":1,"result":{}}`,
		`{"jsonrpc":"2.0","id":2,"method":"tools/call","params":"x"}`,
		`{"jsonrpc":"2.0","id":2,"method":"tools/call","params":{"name":"get_echo","arguments":[1]}}`,
		`{"jsonrpc":"2.0","id":2,"method":"tools/call","params":{"name":"cause_panic","arguments":{}}}`,
		`{"jsonrpc":"2.0","id":3,"method":"resources/read","params":{"uri":"sentinel://schemas/%zz"}}`,
		`{"jsonrpc":"2.0","id":4,"method":"prompts/get","params":{"name":"triage_incident","arguments":{"workspace":5}}}`,
		`{"jsonrpc":"2.0","id":5,"method":"initialize","params":{}}`,
		`{"jsonrpc":"2.0","method":"notifications/cancelled","params":{"requestId":1}}`,
		"{\"jsonrpc\":\"2.0\",\n\"id\":1}",
		"\x00\xff\xfe",
		"   \r\n\t\n",
		`{"jsonrpc":"2.0","id":1e400,"method":"ping"}`,
		strings.Repeat("[", 10000),
	} {
		f.Add([]byte(seed))
	}
	fx := newFixture(f, fixtureOpts{noClock: true, filter: inventory.Filter{Toolsets: []string{"all"}, EnableWrites: true}})
	f.Fuzz(func(t *testing.T, data []byte) {
		s := startStdio(t, fx)
		if _, err := s.in.Write(append(data, '\n')); err != nil {
			t.Fatalf("write: %v", err)
		}
		s.send(t, `{"jsonrpc":"2.0","id":"after-fuzz","method":"ping"}`)
		s.await(t, `"after-fuzz"`, fmt.Sprintf("the input %q", data))
		s.close(t)
	})
}

// FuzzToolArguments sends arbitrary JSON as the arguments of a tools/call to every fixture tool whose
// handler is quick (reads, writes, a destructive one, and one with typed, ranged and enumerated
// fields), over an in-memory transport with raw JSON-RPC. Every call must get an answer: a
// result, or an error with a message; never an internal error, which is what a panic becomes.
func FuzzToolArguments(f *testing.F) {
	for _, seed := range []string{
		`{}`, `null`, `[]`, `"x"`, `1`, `true`,
		`{"workspace":"contoso/contoso-prod"}`,
		`{"workspace":5}`,
		`{"workspace":"adatum/adatum-sentinel"}`,
		`{"workspace":"contoso/contoso-prod","note":"` + strings.Repeat("n", 5000) + `"}`,
		`{"workspaces":["all"],"tenant":"Contoso"}`,
		`{"workspaces":"contoso/contoso-prod"}`,
		`{"unknown":1}`,
		`{"count":-1,"mode":"fast","tags":["a"],"window":{"from":"2025-01-01T00:00:00Z"}}`,
		`{"count":1e308,"mode":"nope"}`,
		`{"count":"3","flag":"true"}`,
		`{"window":{"from":"not a time"}}`,
		`{"confirm_token":"forged","workspace":"contoso/contoso-prod","note":"x"}`,
		`{"workspace":"contoso/contoso-prod","client_secret":"s3cret"}`,
		`{"__proto__":{"a":1}}`,
		`{"workspace":"\u0000\ud800"}`,
	} {
		f.Add([]byte(seed))
	}
	fx := newFixture(f, fixtureOpts{noClock: true, filter: inventory.Filter{Toolsets: []string{"all"}, EnableWrites: true}, extraTools: []inventory.Tool{typedTool()},
		configure: func(c *config.Config) { c.Limits.Rate, c.Limits.TenantRate = 0, 0 }})
	tools := []string{"get_echo", "list_scope", "update_thing", "delete_thing", "fuzz_typed"}
	f.Fuzz(func(t *testing.T, args []byte) {
		if !json.Valid(args) {
			return // not JSON: the framing fuzz target covers that
		}
		conn := rawSession(t, fx)
		defer conn.Close()
		for i, name := range tools {
			params := fmt.Sprintf(`{"name":%q,"arguments":%s}`, name, args)
			id, _ := jsonrpc.MakeID(float64(100 + i))
			resp := roundTrip(t, conn, &jsonrpc.Request{ID: id, Method: "tools/call", Params: json.RawMessage(params)})
			if resp.Error != nil {
				var werr *jsonrpc.Error
				if e, ok := resp.Error.(*jsonrpc.Error); ok {
					werr = e
				}
				if werr == nil || werr.Message == "" || werr.Code == jsonrpc.CodeInternalError {
					t.Errorf("%s(%s): protocol error without a clear message: %v", name, args, resp.Error)
				}
				continue
			}
			var res mcp.CallToolResult
			if err := json.Unmarshal(resp.Result, &res); err != nil {
				t.Fatalf("%s(%s): result is not a CallToolResult: %v\n%s", name, args, err, resp.Result)
			}
			msg := text(&res)
			if res.IsError && (msg == "" || strings.Contains(msg, "internal error")) {
				t.Errorf("%s(%s): error result %q", name, args, msg)
			}
			if strings.Contains(msg, "goroutine ") || strings.Contains(msg, "s3cret") {
				t.Errorf("%s(%s): the result leaks a stack or a secret: %q", name, args, msg)
			}
		}
	})
}

// typedTool has the argument kinds real tools use: bounded integers, enums, lists, nested objects,
// times and defaults, so that the decoding and validation of each is fuzzed.
func typedTool() inventory.Tool {
	type window struct {
		From time.Time `json:"from,omitzero" jsonschema:"Start."`
		To   time.Time `json:"to,omitzero" jsonschema:"End."`
	}
	type in struct {
		Count  int      `json:"count,omitempty" jsonschema:"How many."`
		Mode   string   `json:"mode,omitempty" jsonschema:"Mode."`
		Tags   []string `json:"tags,omitempty" jsonschema:"Tags."`
		Flag   bool     `json:"flag,omitempty" jsonschema:"A flag."`
		Ratio  float64  `json:"ratio,omitempty" jsonschema:"A ratio."`
		Window *window  `json:"window,omitempty" jsonschema:"A time window."`
	}
	ro := inventory.ReadOnly | inventory.Idempotent | inventory.OpenWorld
	return inventory.New("alpha", mcp.Tool{Name: "fuzz_typed", Description: "Typed arguments.", Annotations: inventory.Annotations("Typed", ro)},
		func(_ context.Context, _ *mcp.CallToolRequest, v in) (*mcp.CallToolResult, any, error) {
			return nil, map[string]any{"count": v.Count, "mode": v.Mode, "tags": len(v.Tags)}, nil
		},
		inventory.Range("count", 1, 1000), inventory.Default("count", 10), inventory.Enum("mode", "fast", "full"),
		inventory.MaxLength("mode", 10), inventory.Range("ratio", 0, 1))
}

// rawSession is an initialized session over an in-memory transport, driven with raw JSON-RPC.
func rawSession(t *testing.T, fx *fixture) mcp.Connection {
	st, ct := mcp.NewInMemoryTransports()
	ss, err := fx.srv.MCP().Connect(context.Background(), st, nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ss.Close() })
	conn, err := ct.Connect(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	id, _ := jsonrpc.MakeID("init")
	if resp := roundTrip(t, conn, &jsonrpc.Request{ID: id, Method: "initialize", Params: json.RawMessage(`{"protocolVersion":"2025-06-18","capabilities":{},"clientInfo":{"name":"fuzz","version":"1"}}`)}); resp.Error != nil {
		t.Fatalf("initialize: %v", resp.Error)
	}
	if err := conn.Write(context.Background(), &jsonrpc.Request{Method: "notifications/initialized", Params: json.RawMessage(`{}`)}); err != nil {
		t.Fatal(err)
	}
	return conn
}

func roundTrip(t *testing.T, conn mcp.Connection, req *jsonrpc.Request) *jsonrpc.Response {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := conn.Write(ctx, req); err != nil {
		t.Fatalf("%s: write: %v", req.Method, err)
	}
	for {
		msg, err := conn.Read(ctx)
		if err != nil {
			t.Fatalf("%s %s: no answer: %v", req.Method, req.Params, err)
		}
		if resp, ok := msg.(*jsonrpc.Response); ok && resp.ID == req.ID {
			return resp
		}
	}
}

// FuzzHTTPBody posts arbitrary bodies to the streamable HTTP endpoint of an initialized session:
// never a 5xx, and the session still answers a ping afterwards.
func FuzzHTTPBody(f *testing.F) {
	for _, seed := range []string{
		"garbage{", "", "[]", "[1,2]", `{}`, `null`, `{"jsonrpc":"2.0","id":1,"method":"ping"}`,
		`[{"jsonrpc":"2.0","id":1,"method":"ping"},{"jsonrpc":"2.0","method":"notifications/initialized"}]`,
		`{"jsonrpc":"2.0","id":2,"method":"tools/call","params":{"name":"get_echo","arguments":{"workspace":7}}}`,
		`{"jsonrpc":"2.0","id":3,"method":"initialize","params":{"protocolVersion":"2025-06-18"}}`,
		`{"jsonrpc":"2.0","id":1,"result":{}}`,
	} {
		f.Add([]byte(seed))
	}
	fx := newFixture(f, fixtureOpts{noClock: true, configure: func(c *config.Config) { c.HTTP.Rate = 0 }})
	h := fx.srv.HTTPHandler("127.0.0.1", "")
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httpPost(initBody, ""))
	session := rec.Header().Get("Mcp-Session-Id")
	if rec.Code != 200 || session == "" {
		f.Fatalf("initialize: %d %s", rec.Code, rec.Body)
	}
	h.ServeHTTP(httptest.NewRecorder(), httpPost(`{"jsonrpc":"2.0","method":"notifications/initialized"}`, session))
	f.Fuzz(func(t *testing.T, body []byte) {
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, httpPost(string(body), session))
		if rec.Code >= 500 {
			t.Fatalf("body %q: status %d %s", body, rec.Code, rec.Body)
		}
		rec = httptest.NewRecorder()
		h.ServeHTTP(rec, httpPost(`{"jsonrpc":"2.0","id":"after","method":"ping"}`, session))
		if rec.Code != 200 || !strings.Contains(rec.Body.String(), `"id":"after"`) {
			t.Fatalf("after body %q the session does not answer a ping: %d %s", body, rec.Code, rec.Body)
		}
	})
}

func httpPost(body, session string) *http.Request {
	req := httptest.NewRequest("POST", "http://127.0.0.1"+MCPPath, strings.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Accept", "application/json, text/event-stream")
	if session != "" {
		req.Header.Set("Mcp-Session-Id", session)
		req.Header.Set("Mcp-Protocol-Version", "2025-06-18")
	}
	return req
}
