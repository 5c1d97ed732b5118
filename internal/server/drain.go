package server

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"sync"
	"time"

	"github.com/modelcontextprotocol/go-sdk/jsonrpc"
	"github.com/modelcontextprotocol/go-sdk/mcp"
)

// The go-sdk ends a session as soon as its input ends, cancelling the calls still running: a client
// that writes its last requests and closes stdin (a script piping requests, `printf ... |
// sentinel-mcp stdio`, a client shutting down after its last call) loses their answers. drainTransport
// holds the end of input back until every request read so far has been answered (or cancelled by the
// client), within a bound, so that nothing the client asked for is dropped.

// drainTransport wraps t so that the end of its input waits for the answers still due, at most grace.
func drainTransport(t mcp.Transport, grace time.Duration) mcp.Transport {
	return &drainingTransport{t: t, grace: grace}
}

type drainingTransport struct {
	t     mcp.Transport
	grace time.Duration
}

func (d *drainingTransport) Connect(ctx context.Context) (mcp.Connection, error) {
	c, err := d.t.Connect(ctx)
	if err != nil {
		return nil, err
	}
	return &drainConn{Connection: c, grace: d.grace, due: map[any]bool{}, closed: make(chan struct{}), answered: make(chan struct{}, 1)}, nil
}

type drainConn struct {
	mcp.Connection
	grace time.Duration

	mu       sync.Mutex
	due      map[any]bool  // ids of the requests read and not yet answered
	answered chan struct{} // signalled when due shrinks
	closed   chan struct{}
	once     sync.Once
}

func (c *drainConn) Read(ctx context.Context) (jsonrpc.Message, error) {
	msg, err := c.Connection.Read(ctx)
	if errors.Is(err, io.EOF) {
		c.wait(ctx)
		return nil, err
	}
	if req, ok := msg.(*jsonrpc.Request); ok {
		switch {
		case req.ID.IsValid():
			c.mu.Lock()
			c.due[req.ID.Raw()] = true
			c.mu.Unlock()
		case req.Method == "notifications/cancelled":
			// A cancelled request gets no answer.
			var p struct {
				RequestID any `json:"requestId"`
			}
			if json.Unmarshal(req.Params, &p) == nil {
				if id, err := jsonrpc.MakeID(p.RequestID); err == nil && id.IsValid() {
					c.settle(id.Raw())
				}
			}
		}
	}
	return msg, err
}

func (c *drainConn) Write(ctx context.Context, msg jsonrpc.Message) error {
	err := c.Connection.Write(ctx, msg)
	if resp, ok := msg.(*jsonrpc.Response); ok && resp.ID.IsValid() {
		c.settle(resp.ID.Raw())
	}
	return err
}

func (c *drainConn) settle(id any) {
	c.mu.Lock()
	delete(c.due, id)
	c.mu.Unlock()
	select {
	case c.answered <- struct{}{}:
	default:
	}
}

// wait returns once every request read has been answered, the connection is closed, ctx is done or
// the grace period has passed.
func (c *drainConn) wait(ctx context.Context) {
	deadline := time.NewTimer(c.grace)
	defer deadline.Stop()
	for {
		c.mu.Lock()
		n := len(c.due)
		c.mu.Unlock()
		if n == 0 {
			return
		}
		select {
		case <-c.answered:
		case <-c.closed:
			return
		case <-ctx.Done():
			return
		case <-deadline.C:
			return
		}
	}
}

func (c *drainConn) Close() error {
	c.once.Do(func() { close(c.closed) })
	return c.Connection.Close()
}
