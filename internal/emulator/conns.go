package emulator

import (
	"net"
	"net/http"
	"sync"
)

// connTracker follows the server's connections so that Close can end the
// ones that carry no request. http.Server.Shutdown closes idle keep-alive
// connections, but leaves a connection that has not sent its first request
// (a client's spare dial, a TLS connection past its handshake) for five
// seconds, so Close would wait out its timeout whenever a client holds one.
type connTracker struct {
	mu    sync.Mutex
	fresh map[net.Conn]bool // accepted, no request read yet
}

func (t *connTracker) state(c net.Conn, s http.ConnState) {
	t.mu.Lock()
	defer t.mu.Unlock()
	switch s {
	case http.StateNew:
		if t.fresh == nil {
			t.fresh = map[net.Conn]bool{}
		}
		t.fresh[c] = true
	default:
		delete(t.fresh, c)
	}
}

// closeFresh closes the connections that have not sent a request. Called
// after Shutdown has stopped the listeners, so no new one appears.
func (t *connTracker) closeFresh() {
	t.mu.Lock()
	defer t.mu.Unlock()
	for c := range t.fresh {
		_ = c.Close()
		delete(t.fresh, c)
	}
}
