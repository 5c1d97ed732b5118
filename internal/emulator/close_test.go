package emulator

import (
	"crypto/tls"
	"crypto/x509"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"
)

// TestCloseWithOpenConnections: Close does not wait out its shutdown
// timeout for connections that carry no request: idle keep-alive ones, and
// ones a client opened (TCP, or TLS handshake done) without sending one.
func TestCloseWithOpenConnections(t *testing.T) {
	for _, plain := range []bool{false, true} {
		e, err := New(Options{Now: func() time.Time { return fxNow }, fixture: fixtureWorld, PlainHTTP: plain})
		if err != nil {
			t.Fatal(err)
		}
		if err := e.Start(); err != nil {
			t.Fatal(err)
		}
		// An idle keep-alive connection.
		res, err := e.HTTPClient().Get(e.URL() + "/common/discovery/instance?api-version=1.1&authorization_endpoint=" + e.URL() + "/x/oauth2/v2.0/authorize")
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		// A connection that never sends a request.
		addr := strings.TrimPrefix(strings.TrimPrefix(e.URL(), "https://"), "http://")
		raw, err := net.Dial("tcp", addr)
		if err != nil {
			t.Fatal(err)
		}
		defer raw.Close()
		if !plain {
			pool := x509.NewCertPool()
			pool.AppendCertsFromPEM(e.CACertPEM())
			tc, err := tls.Dial("tcp", addr, &tls.Config{RootCAs: pool, ServerName: "127.0.0.1"})
			if err != nil {
				t.Fatal(err)
			}
			defer tc.Close()
		}
		start := time.Now()
		if err := e.Close(); err != nil {
			t.Fatal(err)
		}
		if d := time.Since(start); d > time.Second {
			t.Errorf("plain=%v: Close took %v", plain, d)
		}
		if _, err := http.Get(e.URL()); err == nil {
			t.Errorf("plain=%v: still serving after Close", plain)
		}
	}
}
