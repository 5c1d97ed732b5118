package emulator

import (
	"math"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"
)

// ARM throttling: a token bucket per (scope, principal, operation kind) as ARM has used since 2024.
// Subscription reads: 250 tokens refilled at 25/s; writes and deletes: 200 at 10/s. The global
// (all-principal) limit is 15x; the emulator reports it but enforces the per-principal bucket.
type bucketSpec struct {
	capacity float64
	refill   float64 // tokens per second
}

var bucketSpecs = map[string]bucketSpec{
	"reads":   {250, 25},
	"writes":  {200, 10},
	"deletes": {200, 10},
}

type bucket struct {
	tokens float64
	last   time.Time
}

type rateLimiter struct {
	mu      sync.Mutex
	buckets map[string]*bucket
	now     func() time.Time
}

func newRateLimiter() *rateLimiter {
	return &rateLimiter{buckets: map[string]*bucket{}, now: time.Now}
}

func opKind(method string) string {
	switch method {
	case http.MethodGet, http.MethodHead:
		return "reads"
	case http.MethodDelete:
		return "deletes"
	}
	return "writes"
}

// take consumes one token. It returns the tokens left, and when the bucket is empty the wait until one
// token is available.
func (l *rateLimiter) take(scope, principal, kind string) (remaining int, wait time.Duration) {
	spec := bucketSpecs[kind]
	key := strings.ToLower(scope) + "|" + strings.ToLower(principal) + "|" + kind
	now := l.now()
	l.mu.Lock()
	defer l.mu.Unlock()
	b, ok := l.buckets[key]
	if !ok {
		b = &bucket{tokens: spec.capacity, last: now}
		l.buckets[key] = b
	}
	b.tokens = math.Min(spec.capacity, b.tokens+now.Sub(b.last).Seconds()*spec.refill)
	b.last = now
	if b.tokens < 1 {
		need := (1 - b.tokens) / spec.refill
		return 0, time.Duration(need * float64(time.Second))
	}
	b.tokens--
	return int(b.tokens), 0
}

// throttle applies the ARM bucket for the request and sets the remaining-quota headers. level is
// "subscription" or "tenant". It returns a 429 error when the bucket is empty.
func (e *Emulator) throttle(c *call, level, scope string) *apiError {
	if c.user == nil {
		return nil
	}
	kind := opKind(c.r.Method)
	remaining, wait := e.limits.take(scope, c.user.ObjectID, kind)
	h := c.w.Header()
	h.Set("x-ms-ratelimit-remaining-"+level+"-"+kind, strconv.Itoa(remaining))
	if level == "subscription" {
		h.Set("x-ms-ratelimit-remaining-subscription-global-"+kind, strconv.Itoa(remaining+int(bucketSpecs[kind].capacity)*14))
	}
	if wait > 0 {
		op := map[string]string{"reads": "Read", "writes": "Write", "deletes": "Delete"}[kind]
		err := errf(http.StatusTooManyRequests, "TooManyRequests",
			"The request is being throttled as the limit has been reached for operation type - '%s'. For more information, see - https://aka.ms/srpthrottlinglimits", op)
		err.RetryAfter = wait
		return err
	}
	return nil
}
