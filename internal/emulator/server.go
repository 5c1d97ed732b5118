package emulator

import (
	"crypto/rand"
	"fmt"
	"net/http"
	"strings"
	"time"
)

// surface is which Azure service a request is addressed to; each words its errors differently.
type surface int

const (
	surfaceLogin surface = iota
	surfaceARM
	surfaceQuery
)

func (s surface) String() string {
	switch s {
	case surfaceLogin:
		return "login"
	case surfaceQuery:
		return "query"
	}
	return "arm"
}

func newGUID() string {
	var b [16]byte
	_, _ = rand.Read(b[:])
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	return fmt.Sprintf("%x-%x-%x-%x-%x", b[0:4], b[4:6], b[6:8], b[8:10], b[10:16])
}

func classify(p string) surface {
	lp := strings.ToLower(p)
	switch {
	case strings.HasPrefix(lp, "/v1/") || lp == "/v1":
		return surfaceQuery
	case strings.HasPrefix(lp, "/subscriptions") || strings.HasPrefix(lp, "/providers/") || strings.HasPrefix(lp, "/tenants"):
		return surfaceARM
	case strings.Contains(lp, "/oauth2/") || strings.Contains(lp, "/.well-known/") ||
		strings.Contains(lp, "/discovery/") || strings.HasPrefix(lp, "/common/"):
		return surfaceLogin
	}
	return surfaceARM
}

// ServeHTTP is the single entry point of every surface.
func (e *Emulator) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	start := time.Now()
	reqID := newGUID()
	corr := r.Header.Get("x-ms-correlation-request-id")
	if corr == "" {
		corr = reqID
	}
	h := w.Header()
	h.Set("x-ms-request-id", reqID)
	h.Set("x-ms-correlation-request-id", corr)
	h.Set("x-ms-routing-request-id", "EMULATOR:"+start.UTC().Format("20060102T150405Z")+":"+reqID)
	if cid := r.Header.Get("x-ms-client-request-id"); cid != "" {
		h.Set("x-ms-client-request-id", cid)
	}
	h.Set("Cache-Control", "no-cache")

	sf := classify(r.URL.Path)
	c := &call{e: e, w: w, r: r, surface: sf, requestID: reqID, correlationID: corr}
	sw := &statusWriter{ResponseWriter: w}
	c.w = sw
	defer func() {
		if v := recover(); v != nil {
			e.log.Error("emulator handler panic", "path", r.URL.Path, "panic", fmt.Sprint(v))
			if sw.status == 0 {
				c.fail(errf(http.StatusInternalServerError, "InternalServerError", "The server encountered an internal error. Request id '%s'.", reqID))
			}
		}
		e.log.Debug("emulator request", "method", r.Method, "path", r.URL.Path, "status", sw.status, "dur", time.Since(start))
	}()

	if _, _, err := e.state(); err != nil {
		c.fail(errf(http.StatusInternalServerError, "InternalServerError", "The emulator could not build its world: %v", err))
		return
	}
	if err := c.parse(); err != nil {
		c.fail(err)
		return
	}
	if c.applyFaults() {
		return
	}
	switch sf {
	case surfaceLogin:
		e.serveLogin(c)
	case surfaceQuery:
		e.serveQuery(c)
	default:
		e.serveARM(c)
	}
}

// statusWriter remembers the status so the recover path knows whether a response was started.
type statusWriter struct {
	http.ResponseWriter
	status int
}

func (s *statusWriter) WriteHeader(code int) {
	if s.status == 0 {
		s.status = code
	}
	s.ResponseWriter.WriteHeader(code)
}

func (s *statusWriter) Write(b []byte) (int, error) {
	if s.status == 0 {
		s.status = http.StatusOK
	}
	return s.ResponseWriter.Write(b)
}

// Unwrap lets http.ResponseController reach the hijacker for dropped-connection faults.
func (s *statusWriter) Unwrap() http.ResponseWriter { return s.ResponseWriter }
