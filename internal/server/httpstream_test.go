package server

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/sentinel-mcp/sentinel-mcp/internal/inventory"
	"github.com/sentinel-mcp/sentinel-mcp/internal/toolsets/toolkit"
)

// Long-lived requests over real HTTP: graceful shutdown, stream resumption, slow bodies.

// blockingTool signals when a call starts and returns when released (or when its context ends).
func blockingTool(started chan<- struct{}, release <-chan struct{}) inventory.Tool {
	ro := inventory.ReadOnly | inventory.Idempotent | inventory.OpenWorld
	return inventory.New("alpha", mcp.Tool{Name: "wait_release", Description: "Waits to be released.", Annotations: inventory.Annotations("Wait", ro)},
		func(ctx context.Context, _ *mcp.CallToolRequest, _ struct{}) (*mcp.CallToolResult, any, error) {
			started <- struct{}{}
			select {
			case <-release:
				return toolkit.Text("released"), nil, nil
			case <-ctx.Done():
				return nil, nil, ctx.Err()
			}
		})
}

func TestHTTPGracefulShutdown(t *testing.T) {
	started, release := make(chan struct{}, 1), make(chan struct{})
	l := startHTTP(t, fixtureOpts{extraTools: []inventory.Tool{blockingTool(started, release)}})
	l.f.srv.shutdownGrace = 3 * time.Second
	cs := l.connect("") // the go-sdk client also holds a standalone GET stream open
	type outcome struct {
		res *mcp.CallToolResult
		err error
	}
	call := make(chan outcome, 1)
	go func() {
		res, err := cs.CallTool(context.Background(), &mcp.CallToolParams{Name: "wait_release"})
		call <- outcome{res, err}
	}()
	<-started
	l.cancel() // SIGTERM in the CLI

	// New connections are refused while the in-flight call may still finish.
	deadline := time.Now().Add(2 * time.Second)
	for {
		c, err := net.DialTimeout("tcp", strings.TrimPrefix(l.base, "http://"), 200*time.Millisecond)
		if err != nil {
			break
		}
		c.Close()
		if time.Now().After(deadline) {
			t.Fatal("the listener still accepts connections during shutdown")
		}
		time.Sleep(10 * time.Millisecond)
	}
	released := time.Now()
	close(release)
	o := <-call
	if o.err != nil || o.res.IsError || text(o.res) != "released" {
		t.Fatalf("the in-flight call was not completed: %v %+v", o.err, o.res)
	}
	if err := l.stop(); err != nil {
		t.Fatal(err)
	}
	// The open GET stream did not hold the shutdown for the grace period.
	if d := time.Since(released); d > time.Second {
		t.Errorf("shutdown took %s after the last call finished", d)
	}
}

func TestHTTPShutdownCutsCallsAfterTheGracePeriod(t *testing.T) {
	started, release := make(chan struct{}, 1), make(chan struct{})
	l := startHTTP(t, fixtureOpts{extraTools: []inventory.Tool{blockingTool(started, release)}})
	defer func() {
		// Let the stuck handler end and write its audit record before the test's directory goes.
		close(release)
		for end := time.Now().Add(5 * time.Second); len(l.f.records()) == 0 && time.Now().Before(end); {
			time.Sleep(10 * time.Millisecond)
		}
	}()
	l.f.srv.shutdownGrace = 300 * time.Millisecond
	// Streams are resumable, so a client would retry a cut stream with backoff; this one gives up at once.
	cs := l.connectWith(&mcp.StreamableClientTransport{MaxRetries: -1}, "")
	call := make(chan error, 1)
	go func() {
		_, err := cs.CallTool(context.Background(), &mcp.CallToolParams{Name: "wait_release"})
		call <- err
	}()
	<-started
	begin := time.Now()
	if err := l.stop(); err != nil {
		t.Fatal(err)
	}
	if d := time.Since(begin); d < 300*time.Millisecond || d > 3*time.Second {
		t.Errorf("shutdown with a stuck call took %s, want about the 300ms grace", d)
	}
	select {
	case err := <-call:
		if err == nil {
			t.Error("the cut call reported success")
		}
	case <-time.After(5 * time.Second):
		t.Error("the client of a cut call never learnt it")
	}
}

// sseEvent is one server-sent event.
type sseEvent struct{ id, name, data string }

// readEvent reads the next event of an SSE stream.
func readEvent(r *bufio.Reader) (sseEvent, error) {
	var e sseEvent
	for {
		line, err := r.ReadString('\n')
		if err != nil {
			return e, err
		}
		line = strings.TrimRight(line, "\r\n")
		switch {
		case line == "":
			if e.id != "" || e.name != "" || e.data != "" {
				return e, nil
			}
		case strings.HasPrefix(line, "id:"):
			e.id = strings.TrimSpace(strings.TrimPrefix(line, "id:"))
		case strings.HasPrefix(line, "event:"):
			e.name = strings.TrimSpace(strings.TrimPrefix(line, "event:"))
		case strings.HasPrefix(line, "data:"):
			e.data += strings.TrimSpace(strings.TrimPrefix(line, "data:"))
		}
	}
}

// TestHTTPStreamResumption drops the connection of a call in flight and resumes its stream with
// Last-Event-ID, as a 2025-11-25 client does: the result is not lost.
func TestHTTPStreamResumption(t *testing.T) {
	started, release := make(chan struct{}, 1), make(chan struct{})
	l := startHTTP(t, fixtureOpts{extraTools: []inventory.Tool{blockingTool(started, release)}})
	const version = "2025-11-25"
	resp, body := l.do(req{body: `{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"` + version + `","capabilities":{},"clientInfo":{"name":"raw","version":"1"}}}`})
	session := resp.Header.Get("Mcp-Session-Id")
	if resp.StatusCode != 200 || session == "" {
		t.Fatalf("initialize: %d %q %s", resp.StatusCode, session, body)
	}
	h := map[string]string{"Mcp-Session-Id": session, "Mcp-Protocol-Version": version}
	if resp, body := l.do(req{body: `{"jsonrpc":"2.0","method":"notifications/initialized"}`, header: h}); resp.StatusCode != 202 {
		t.Fatalf("initialized: %d %s", resp.StatusCode, body)
	}

	hr, _ := http.NewRequest("POST", l.endpoint, strings.NewReader(`{"jsonrpc":"2.0","id":7,"method":"tools/call","params":{"name":"wait_release","arguments":{}}}`))
	hr.Header.Set("Content-Type", "application/json")
	hr.Header.Set("Accept", "application/json, text/event-stream")
	for k, v := range h {
		hr.Header.Set(k, v)
	}
	call, err := (&http.Client{Transport: &http.Transport{DisableKeepAlives: true}, Timeout: 5 * time.Second}).Do(hr)
	if err != nil {
		t.Fatal(err)
	}
	prime, err := readEvent(bufio.NewReader(call.Body))
	if err != nil || prime.id == "" {
		t.Fatalf("no priming event with an id: %+v %v", prime, err)
	}
	<-started
	call.Body.Close() // the connection drops while the call runs
	close(release)

	// Until the server has seen the connection drop, the stream is still "ongoing" and a resume is
	// refused with 409; a client retries with a backoff, as this does.
	var resumed *http.Response
	for deadline := time.Now().Add(10 * time.Second); ; {
		hr, _ = http.NewRequest("GET", l.endpoint, nil)
		hr.Header.Set("Accept", "text/event-stream")
		hr.Header.Set("Last-Event-ID", prime.id)
		for k, v := range h {
			hr.Header.Set(k, v)
		}
		resumed, err = (&http.Client{Transport: &http.Transport{DisableKeepAlives: true}, Timeout: 10 * time.Second}).Do(hr)
		if err != nil {
			t.Fatal(err)
		}
		if resumed.StatusCode == http.StatusConflict && time.Now().Before(deadline) {
			resumed.Body.Close()
			time.Sleep(50 * time.Millisecond)
			continue
		}
		break
	}
	defer resumed.Body.Close()
	if resumed.StatusCode != 200 {
		b, _ := io.ReadAll(resumed.Body)
		t.Fatalf("resume: %d %s", resumed.StatusCode, b)
	}
	br := bufio.NewReader(resumed.Body)
	for {
		e, err := readEvent(br)
		if err != nil {
			t.Fatalf("the resumed stream ended without the result: %v", err)
		}
		if strings.Contains(e.data, `"id":7`) {
			if !strings.Contains(e.data, "released") {
				t.Errorf("resumed result: %s", e.data)
			}
			return
		}
	}
}

// TestHTTPSlowBodyIsCut: a client that sends headers and then trickles its body loses the connection
// after the body timeout, while a call whose response streams for longer than it is unaffected.
func TestHTTPSlowBodyIsCut(t *testing.T) {
	started, release := make(chan struct{}, 1), make(chan struct{})
	l := startHTTP(t, fixtureOpts{extraTools: []inventory.Tool{blockingTool(started, release)}},
		func(s *Server) { s.bodyTimeout = 300 * time.Millisecond })
	conn, err := net.Dial("tcp", strings.TrimPrefix(l.base, "http://"))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	fmt.Fprintf(conn, "POST /mcp HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nAccept: application/json, text/event-stream\r\nContent-Length: 500\r\n\r\n{\"jsonrpc\":")
	begin := time.Now()
	_ = conn.SetReadDeadline(time.Now().Add(10 * time.Second))
	rest, _ := io.ReadAll(conn) // a 4xx answer and/or the connection closed
	if d := time.Since(begin); d > 5*time.Second {
		t.Fatalf("a trickled body held the connection for %s", d)
	}
	if len(rest) > 0 && !strings.HasPrefix(string(rest), "HTTP/1.1 4") {
		t.Errorf("answer to a trickled body: %.200q", rest)
	}

	cs := l.connect("")
	done := make(chan error, 1)
	go func() {
		res, err := cs.CallTool(context.Background(), &mcp.CallToolParams{Name: "wait_release"})
		if err == nil && res.IsError {
			err = errors.New(text(res))
		}
		done <- err
	}()
	<-started
	time.Sleep(600 * time.Millisecond) // twice the body timeout
	close(release)
	if err := <-done; err != nil {
		t.Fatalf("a call longer than the body timeout failed: %v", err)
	}
}
