package emulator

import (
	"errors"
	"fmt"
	"math/rand"
	"net/http"
	"path"
	"strconv"
	"strings"
	"sync"
	"time"
)

// Fault describes an injected failure. Matching fields left empty match everything.
type Fault struct {
	// Route selects requests: a surface name ("login", "arm", "query", "graph"), or a path pattern matched
	// segment by segment, case-insensitively, where "*" (or any path.Match glob) matches one segment and
	// "**" any number of segments, e.g. "/subscriptions/*/**/incidents" or "/v1/workspaces/**".
	Route  string
	Method string // HTTP method; empty = any
	// Tenant is the tenant (id, alias or domain) that owns the addressed resource (for login requests:
	// the tenant in the URL).
	Tenant string

	Status     int           // answer with this status (429, 500, 503, ...); 0 = no error answer
	RetryAfter time.Duration // sent as Retry-After with 429/503
	Latency    time.Duration // delay before answering (or before serving normally when Status is 0)
	Drop       bool          // close the connection without answering

	Times       int     // fire at most this many times; 0 = unlimited
	Probability float64 // chance to fire per matching request, in (0,1]; 0 = always
}

// Faults holds the installed faults. Probabilistic faults draw from an RNG seeded from Options.Seed,
// so a sequence of requests fails the same way on every run.
type Faults struct {
	mu    sync.Mutex
	rules []*faultRule
	rng   *rand.Rand
	next  int
}

type faultRule struct {
	id   string
	f    Fault
	hits int
}

func newFaults(seed int64) *Faults {
	return &Faults{rng: rand.New(rand.NewSource(seed))}
}

// Add installs a fault and returns its id.
func (fs *Faults) Add(f Fault) (string, error) {
	if f.Status == 0 && f.Latency == 0 && !f.Drop {
		return "", errors.New("emulator: a fault needs a Status, a Latency or Drop")
	}
	if f.Status != 0 && (f.Status < 400 || f.Status > 599) {
		return "", fmt.Errorf("emulator: fault status %d is not an error status", f.Status)
	}
	if f.Probability < 0 || f.Probability > 1 || f.Times < 0 {
		return "", errors.New("emulator: fault Probability must be in [0,1] and Times >= 0")
	}
	fs.mu.Lock()
	defer fs.mu.Unlock()
	fs.next++
	id := "fault-" + strconv.Itoa(fs.next)
	fs.rules = append(fs.rules, &faultRule{id: id, f: f})
	return id, nil
}

// Remove uninstalls a fault.
func (fs *Faults) Remove(id string) {
	fs.mu.Lock()
	defer fs.mu.Unlock()
	for i, r := range fs.rules {
		if r.id == id {
			fs.rules = append(fs.rules[:i], fs.rules[i+1:]...)
			return
		}
	}
}

// Clear uninstalls every fault.
func (fs *Faults) Clear() {
	fs.mu.Lock()
	defer fs.mu.Unlock()
	fs.rules = nil
}

// Hits reports how many times a fault fired.
func (fs *Faults) Hits(id string) int {
	fs.mu.Lock()
	defer fs.mu.Unlock()
	for _, r := range fs.rules {
		if r.id == id {
			return r.hits
		}
	}
	return 0
}

// pick returns the first installed fault that matches and fires, counting the hit.
func (fs *Faults) pick(match func(Fault) bool) (Fault, bool) {
	fs.mu.Lock()
	defer fs.mu.Unlock()
	for _, r := range fs.rules {
		if r.f.Times > 0 && r.hits >= r.f.Times {
			continue
		}
		if !match(r.f) {
			continue
		}
		if p := r.f.Probability; p > 0 && p < 1 && fs.rng.Float64() >= p {
			continue
		}
		r.hits++
		return r.f, true
	}
	return Fault{}, false
}

func routeMatches(pattern string, sf surface, lsegs []string) bool {
	pattern = strings.TrimSpace(strings.ToLower(pattern))
	switch pattern {
	case "", "**", "/**":
		return true
	case "login", "arm", "query":
		return pattern == sf.String()
	case "graph":
		return sf == surfaceARM && len(lsegs) >= 3 && lsegs[0] == "providers" && lsegs[1] == "microsoft.resourcegraph"
	}
	var ps []string
	for _, s := range strings.Split(strings.Trim(pattern, "/"), "/") {
		if s != "" {
			ps = append(ps, s)
		}
	}
	return globSegs(ps, lsegs)
}

func globSegs(ps, segs []string) bool {
	for len(ps) > 0 {
		if ps[0] == "**" {
			for i := len(segs); i >= 0; i-- {
				if globSegs(ps[1:], segs[i:]) {
					return true
				}
			}
			return false
		}
		if len(segs) == 0 {
			return false
		}
		if ok, _ := path.Match(ps[0], segs[0]); !ok {
			return false
		}
		ps, segs = ps[1:], segs[1:]
	}
	return len(segs) == 0
}

// applyFaults runs the matching fault, if any. It reports whether the request has been answered.
func (c *call) applyFaults() bool {
	e := c.e
	f, ok := e.faults.pick(func(f Fault) bool {
		if f.Method != "" && !strings.EqualFold(f.Method, c.r.Method) {
			return false
		}
		if f.Tenant != "" {
			w, _, _ := e.state()
			t, ok := w.tenant(f.Tenant)
			if !ok || !strings.EqualFold(t.ID, c.tenantID) {
				return false
			}
		}
		return routeMatches(f.Route, c.surface, c.lsegs)
	})
	if !ok {
		return false
	}
	if f.Latency > 0 {
		t := time.NewTimer(f.Latency)
		select {
		case <-t.C:
		case <-c.r.Context().Done():
			t.Stop()
			return true
		}
	}
	if f.Drop {
		if conn, _, err := http.NewResponseController(c.w).Hijack(); err == nil {
			_ = conn.Close()
			return true
		}
		panic(http.ErrAbortHandler) // HTTP/2 or a wrapped writer: abort the stream instead
	}
	if f.Status == 0 {
		return false
	}
	c.fail(c.faultError(f))
	return true
}

// ParseFault reads a fault from its command-line form, comma-separated key=value pairs:
// "route=/v1/**,status=429,retry-after=1s,times=3", "tenant=fabrikam,status=503,probability=0.5",
// "route=arm,latency=200ms", "route=query,drop=true".
func ParseFault(spec string) (Fault, error) {
	var f Fault
	for _, kv := range strings.Split(spec, ",") {
		kv = strings.TrimSpace(kv)
		if kv == "" {
			continue
		}
		k, v, ok := strings.Cut(kv, "=")
		if !ok {
			return f, fmt.Errorf("emulator: fault %q: %q is not key=value", spec, kv)
		}
		var err error
		switch strings.ToLower(strings.TrimSpace(k)) {
		case "route":
			f.Route = v
		case "method":
			f.Method = strings.ToUpper(v)
		case "tenant":
			f.Tenant = v
		case "status":
			f.Status, err = strconv.Atoi(v)
		case "retry-after", "retryafter":
			f.RetryAfter, err = time.ParseDuration(v)
		case "latency":
			f.Latency, err = time.ParseDuration(v)
		case "drop":
			f.Drop, err = strconv.ParseBool(v)
		case "times":
			f.Times, err = strconv.Atoi(v)
		case "probability", "p":
			f.Probability, err = strconv.ParseFloat(v, 64)
		default:
			return f, fmt.Errorf("emulator: fault %q: unknown key %q (route, method, tenant, status, retry-after, latency, drop, times, probability)", spec, k)
		}
		if err != nil {
			return f, fmt.Errorf("emulator: fault %q: bad %s: %v", spec, k, err)
		}
	}
	if f.Status == 0 && f.Latency == 0 && !f.Drop {
		return f, fmt.Errorf("emulator: fault %q needs status, latency or drop", spec)
	}
	return f, nil
}
