package server

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"sync"
	"time"

	"github.com/modelcontextprotocol/go-sdk/jsonrpc"
	"github.com/modelcontextprotocol/go-sdk/mcp"
)

// The go-sdk's stdio connection ends the session at the first line it cannot decode: one stray line
// from a client (a debug print, a truncated write, a batch) would kill the server and lose the
// client's work. framingGuard sits in front of it: each line is checked, and one that is not a
// single well-formed JSON-RPC message is answered with a JSON-RPC error (-32700 or -32600, as
// JSON-RPC 2.0 prescribes) and skipped; the session goes on.

// MaxLineBytes bounds one inbound stdio message.
const MaxLineBytes = mcp.DefaultMaxLineLength

// stdioTransport is the stdio transport behind the framing guard.
func stdioTransport(in io.ReadCloser, out io.Writer) mcp.Transport {
	w := &lockedWriter{w: out}
	return &mcp.IOTransport{
		Reader:        &framingGuard{src: in, r: bufio.NewReaderSize(in, 64<<10), errs: w, max: MaxLineBytes},
		Writer:        w,
		MaxLineLength: -1, // the guard bounds lines itself
	}
}

// runStdioOn serves one client over the given streams, as RunStdio does over stdin and stdout.
func (s *Server) runStdioOn(ctx context.Context, in io.ReadCloser, out io.Writer) error {
	// The end of input waits for the answers still due: at most one call's timeout and a little more.
	return s.serve(ctx, drainTransport(stdioTransport(in, out), s.opts.Config.Limits.CallTimeout+5*time.Second))
}

// lockedWriter serializes whole-message writes of the SDK and of the guard's error answers.
type lockedWriter struct {
	mu sync.Mutex
	w  io.Writer
}

func (l *lockedWriter) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.w.Write(p)
}

func (l *lockedWriter) Close() error { return nil }

// framingGuard is an io.Reader of well-formed JSON-RPC lines.
type framingGuard struct {
	src     io.Closer
	r       *bufio.Reader
	errs    io.Writer
	max     int
	pending []byte // an accepted line (with its newline) not yet handed out
}

func (g *framingGuard) Close() error { return g.src.Close() }

func (g *framingGuard) Read(p []byte) (int, error) {
	for len(g.pending) == 0 {
		line, tooLong, err := g.readLine()
		if tooLong {
			g.reject(nil, jsonrpc.CodeInvalidRequest, fmt.Sprintf("message too large: a line is limited to %d bytes", g.max))
		} else if msg := bytes.TrimSpace(line); len(msg) > 0 {
			if code, why, id := checkMessage(msg); code != 0 {
				g.reject(id, code, why)
			} else {
				g.pending = append(msg, '\n')
			}
		}
		if err != nil && len(g.pending) == 0 {
			return 0, err
		}
		if err != nil {
			break
		}
	}
	n := copy(p, g.pending)
	g.pending = g.pending[n:]
	return n, nil
}

// readLine reads one line; a line over the limit is drained and reported as tooLong.
func (g *framingGuard) readLine() (line []byte, tooLong bool, err error) {
	var buf []byte
	for {
		chunk, err := g.r.ReadSlice('\n')
		if len(buf)+len(chunk) > g.max {
			tooLong = true
			buf = buf[:0]
		} else if !tooLong {
			buf = append(buf, chunk...)
		}
		if errors.Is(err, bufio.ErrBufferFull) {
			continue
		}
		if tooLong {
			return nil, true, err
		}
		return buf, false, err
	}
}

// checkMessage tells why a line is not one JSON-RPC message (code 0 when it is), with the id to
// answer to when one can be read.
func checkMessage(line []byte) (code int64, why string, id any) {
	if !json.Valid(line) {
		var v any
		err := json.Unmarshal(line, &v)
		return jsonrpc.CodeParseError, fmt.Sprintf("parse error: the line is not JSON (%v); send one JSON-RPC message per line", err), nil
	}
	if line[0] == '[' {
		return jsonrpc.CodeInvalidRequest, "JSON-RPC batches are not supported (MCP 2025-06-18 removed them): send one message per line", nil
	}
	if line[0] != '{' {
		return jsonrpc.CodeInvalidRequest, "invalid JSON-RPC message: a message is a JSON object", nil
	}
	if _, err := jsonrpc.DecodeMessage(line); err != nil {
		var probe struct {
			ID any `json:"id"`
		}
		if json.Unmarshal(line, &probe) == nil {
			switch probe.ID.(type) {
			case string, float64:
				id = probe.ID
			}
		}
		return jsonrpc.CodeInvalidRequest, fmt.Sprintf("invalid JSON-RPC message: %v", err), id
	}
	return 0, "", nil
}

// reject writes a JSON-RPC error response.
func (g *framingGuard) reject(id any, code int64, msg string) {
	type rpcError struct {
		Code    int64  `json:"code"`
		Message string `json:"message"`
	}
	b, err := json.Marshal(struct {
		JSONRPC string   `json:"jsonrpc"`
		ID      any      `json:"id"`
		Error   rpcError `json:"error"`
	}{"2.0", id, rpcError{code, msg}})
	if err == nil {
		_, _ = g.errs.Write(append(b, '\n'))
	}
}
