package server

import (
	"fmt"
	"math"
	"net"
	"net/http"
	"strconv"
	"sync"
	"time"

	"golang.org/x/time/rate"
)

// clientLimiter is a token bucket per client of the HTTP transport, keyed by remote address. It is
// applied before authentication so that it also bounds token guessing, and it is independent of the
// tool-call limits of the middleware (those count calls, this counts HTTP requests of any kind).
//
// Clients are keyed by IP, and IPv6 clients by their /64: one host can trivially rotate addresses
// inside its /64, which would otherwise give it a fresh bucket per request. Behind a reverse proxy
// every client shares the proxy's address (forwarding headers are not trusted: any client can set
// them); rate-limit at the proxy in that set-up.
type clientLimiter struct {
	limit rate.Limit
	burst int
	now   func() time.Time
	max   int // clients tracked at most (maxClients)

	mu       sync.Mutex
	clients  map[string]*clientBucket
	overflow *rate.Limiter // shared by new clients once maxClients are tracked
}

type clientBucket struct {
	lim  *rate.Limiter
	seen time.Time
}

// maxClients bounds the memory of the limiter (a few MB); past it (after idle entries are dropped) new clients
// share one bucket, which degrades fairness but never availability for known clients.
const maxClients = 1 << 16

func newClientLimiter(perSecond float64, burst int, now func() time.Time) *clientLimiter {
	if perSecond <= 0 {
		return nil
	}
	return &clientLimiter{
		limit:    rate.Limit(perSecond),
		burst:    burst,
		now:      now,
		max:      maxClients,
		clients:  map[string]*clientBucket{},
		overflow: rate.NewLimiter(rate.Limit(perSecond), burst),
	}
}

// clientKey is the bucket key of a request's remote address.
func clientKey(remoteAddr string) string {
	host, _, err := net.SplitHostPort(remoteAddr)
	if err != nil {
		host = remoteAddr
	}
	ip := net.ParseIP(host)
	if ip == nil {
		return host
	}
	if ip.To4() != nil {
		return ip.String()
	}
	return ip.Mask(net.CIDRMask(64, 128)).String() + "/64"
}

// allow takes a token for the client; when none is left it returns how long until one is.
func (cl *clientLimiter) allow(key string) (bool, time.Duration) {
	now := cl.now()
	cl.mu.Lock()
	b := cl.clients[key]
	if b == nil {
		if len(cl.clients) >= cl.max {
			cl.sweep(now)
		}
		if len(cl.clients) < cl.max {
			b = &clientBucket{lim: rate.NewLimiter(cl.limit, cl.burst)}
			cl.clients[key] = b
		}
	}
	lim := cl.overflow
	if b != nil {
		b.seen = now
		lim = b.lim
	}
	cl.mu.Unlock()

	r := lim.ReserveN(now, 1)
	if !r.OK() {
		return false, time.Second
	}
	if d := r.DelayFrom(now); d > 0 {
		r.CancelAt(now)
		return false, d
	}
	return true, 0
}

// sweep drops the clients idle for long enough that their bucket is full again: forgetting them
// changes nothing. Called with mu held.
func (cl *clientLimiter) sweep(now time.Time) {
	refill := time.Duration(float64(cl.burst) / float64(cl.limit) * float64(time.Second))
	for k, b := range cl.clients {
		if now.Sub(b.seen) > refill {
			delete(cl.clients, k)
		}
	}
}

// tooManyRequests answers 429 with a Retry-After in whole seconds (rounded up, at least 1).
func tooManyRequests(w http.ResponseWriter, key string, perSecond rate.Limit, retry time.Duration) {
	secs := int(math.Ceil(retry.Seconds()))
	if secs < 1 {
		secs = 1
	}
	w.Header().Set("Retry-After", strconv.Itoa(secs))
	http.Error(w, fmt.Sprintf("too many requests from %s: the limit is %g requests per second (http.rate); retry in %ds", key, float64(perSecond), secs), http.StatusTooManyRequests)
}
