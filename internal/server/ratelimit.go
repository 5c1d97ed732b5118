package server

import (
	"fmt"
	"sync"
	"time"

	"golang.org/x/time/rate"

	"github.com/sentinel-mcp/sentinel-mcp/internal/config"
)

// limiters are token buckets: one global, one per tenant. A call that would have to wait is refused
// at once with the time after which a retry succeeds, rather than queued: a model that is told to
// wait 300 ms can decide to, while a silently queued call just looks slow.
type limiters struct {
	now       func() time.Time
	global    *rate.Limiter // nil: unlimited
	perTenant rate.Limit
	burst     int

	mu      sync.Mutex
	tenants map[string]*rate.Limiter
}

func newLimiters(l config.Limits, now func() time.Time) *limiters {
	ls := &limiters{now: now, perTenant: rate.Limit(l.TenantRate), burst: l.TenantRateBurst, tenants: map[string]*rate.Limiter{}}
	if l.Rate > 0 {
		ls.global = rate.NewLimiter(rate.Limit(l.Rate), l.RateBurst)
	}
	return ls
}

// errRateLimited is a refusal with retry advice.
type errRateLimited struct {
	scope string // "server" or a tenant name
	rate  rate.Limit
	retry time.Duration
}

func (e *errRateLimited) Error() string {
	retry := e.retry.Round(10 * time.Millisecond)
	if retry <= 0 {
		retry = 10 * time.Millisecond
	}
	return fmt.Sprintf("rate limit reached for %s (%g calls per second): nothing was called. Retry in %s, and prefer fewer, broader calls (a multi-workspace tool, a wider query) over many small ones", e.scope, float64(e.rate), retry)
}

// allowGlobal takes a token from the global bucket.
func (ls *limiters) allowGlobal() error {
	if ls.global == nil {
		return nil
	}
	return take(ls.global, ls.now(), "this server")
}

// allowTenants takes one token from the bucket of each tenant; either all are taken or none is.
func (ls *limiters) allowTenants(ids []string, names map[string]string) error {
	if ls.perTenant <= 0 || len(ids) == 0 {
		return nil
	}
	now := ls.now()
	ls.mu.Lock()
	defer ls.mu.Unlock()
	var taken []*rate.Reservation
	for _, id := range ids {
		lim := ls.tenants[id]
		if lim == nil {
			lim = rate.NewLimiter(ls.perTenant, ls.burst)
			ls.tenants[id] = lim
		}
		r := lim.ReserveN(now, 1)
		if !r.OK() || r.DelayFrom(now) > 0 {
			delay := r.DelayFrom(now)
			r.CancelAt(now)
			for _, t := range taken {
				t.CancelAt(now)
			}
			name := names[id]
			if name == "" {
				name = id
			}
			return &errRateLimited{scope: "tenant " + name, rate: ls.perTenant, retry: delay}
		}
		taken = append(taken, r)
	}
	return nil
}

func take(lim *rate.Limiter, now time.Time, scope string) error {
	r := lim.ReserveN(now, 1)
	if r.OK() && r.DelayFrom(now) == 0 {
		return nil
	}
	delay := r.DelayFrom(now)
	r.CancelAt(now)
	return &errRateLimited{scope: scope, rate: lim.Limit(), retry: delay}
}
