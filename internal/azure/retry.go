package azure

import (
	"context"
	"errors"
	"log/slog"
	"math/rand/v2"
	"net/http"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore/policy"

	"github.com/sentinel-mcp/sentinel-mcp/internal/config"
)

// retryPolicy replaces azcore's retry policy (which is disabled in our pipelines) so that
//   - only requests that are safe to repeat are retried: GET, HEAD, PUT, DELETE, OPTIONS, and POSTs
//     marked read-only (queries, Resource Graph); a POST or PATCH that failed may have had its effect;
//   - Retry-After (and retry-after-ms) is honoured, but never beyond MaxDelay: a longer wait fails
//     the request as throttled with the wait in the error, so the caller decides;
//   - the total time of a request, retries included, is bounded by MaxTotal, and one attempt by
//     RequestTimeout.
//
// It sits in the per-call part of the pipeline, above the bearer-token policy, so each attempt is
// authorised afresh and logged by the policies below.
type retryPolicy struct {
	cfg     config.AzureRetry
	log     *slog.Logger
	service string
}

// retryStatuses are the answers worth another attempt.
var retryStatuses = map[int]bool{
	http.StatusRequestTimeout: true, http.StatusTooManyRequests: true, http.StatusInternalServerError: true,
	http.StatusBadGateway: true, http.StatusServiceUnavailable: true, http.StatusGatewayTimeout: true,
}

func idempotentMethod(m string) bool {
	switch m {
	case http.MethodGet, http.MethodHead, http.MethodPut, http.MethodDelete, http.MethodOptions:
		return true
	}
	return false
}

type ctxKey int

const (
	keyReadOnly   ctxKey = iota // bool: a POST that only reads (safe to retry)
	keyAttempts                 // *int: attempts made, for error messages
	keyTryTimeout               // time.Duration: per-attempt timeout override (long queries)
	keyUnanswered               // *bool: a conditional write was retried after an unanswered attempt
)

// withReadOnly marks the requests made with ctx as read-only, hence retryable whatever their method.
func withReadOnly(ctx context.Context) context.Context {
	return context.WithValue(ctx, keyReadOnly, true)
}

func withAttempts(ctx context.Context, n *int) context.Context {
	return context.WithValue(ctx, keyAttempts, n)
}

func withUnanswered(ctx context.Context, b *bool) context.Context {
	return context.WithValue(ctx, keyUnanswered, b)
}

// conditionalWrite is a PUT or DELETE with If-Match or If-None-Match: safe to repeat (it cannot
// apply twice), but a repeat after an attempt that was applied without its answer arriving is
// refused as a conflict, which is then the earlier attempt's own effect.
func conditionalWrite(r *http.Request) bool {
	return (r.Method == http.MethodPut || r.Method == http.MethodDelete) &&
		(r.Header.Get("If-Match") != "" || r.Header.Get("If-None-Match") != "")
}

func withTryTimeout(ctx context.Context, d time.Duration) context.Context {
	return context.WithValue(ctx, keyTryTimeout, d)
}

// nonRetriable is implemented by azidentity's errors (a refused credential stays refused).
type nonRetriable interface{ NonRetriable() }

func (p *retryPolicy) Do(req *policy.Request) (*http.Response, error) {
	parent := req.Raw().Context()
	method := req.Raw().Method
	ro, _ := parent.Value(keyReadOnly).(bool)
	retryable := idempotentMethod(method) || ro
	tryTimeout, maxTotal := p.cfg.RequestTimeout, p.cfg.MaxTotal
	if d, ok := parent.Value(keyTryTimeout).(time.Duration); ok && d > 0 {
		// a long query: one attempt may use its whole wait, whatever the usual bounds
		tryTimeout, maxTotal = d, max(maxTotal, d)
	}
	ctx, cancel := context.WithTimeout(parent, maxTotal)
	defer cancel()
	counter, _ := parent.Value(keyAttempts).(*int)
	for attempt := 1; ; attempt++ {
		if counter != nil {
			*counter = attempt
		}
		if err := req.RewindBody(); err != nil {
			return nil, err
		}
		tryCtx, tryCancel := context.WithTimeout(ctx, tryTimeout)
		start := time.Now()
		resp, err := req.Clone(tryCtx).Next()
		// The pipeline below has downloaded the body, so the attempt's context can end now.
		tryCancel()
		p.logAttempt(req, attempt, resp, err, time.Since(start))
		if parent.Err() != nil {
			return nil, parent.Err()
		}
		if err != nil {
			var nr nonRetriable
			if errors.As(err, &nr) {
				return nil, err
			}
			if errors.Is(err, context.DeadlineExceeded) || errors.Is(tryCtx.Err(), context.DeadlineExceeded) {
				err = &timeoutError{after: tryTimeout, cause: err}
			}
		}
		if !retryable || attempt > p.cfg.MaxRetries || (err == nil && !retryStatuses[resp.StatusCode]) {
			return resp, err
		}
		if err == nil && resp.StatusCode == http.StatusGatewayTimeout && p.service == ServiceLogs {
			return resp, nil // the query ran out of its wait: running it again would take as long
		}
		if unanswered, _ := parent.Value(keyUnanswered).(*bool); unanswered != nil && conditionalWrite(req.Raw()) &&
			(err != nil || resp.StatusCode != http.StatusTooManyRequests) {
			// No answer, or a server error: the write may have been applied (a 429 never is).
			*unanswered = true
		}
		delay := p.backoff(attempt)
		if resp != nil {
			if ra := retryAfter(resp.Header); ra > 0 {
				if ra > p.cfg.MaxDelay {
					return resp, nil // the service asks for a longer wait than we may spend: report it
				}
				delay = ra
			}
		}
		if dl, ok := ctx.Deadline(); ok && time.Until(dl) < delay {
			return resp, err // no time left for another attempt
		}
		p.log.Debug("azure request retried", "service", p.service, "method", method, "path", req.Raw().URL.Path,
			"attempt", attempt, "status", statusOf(resp), "wait", delay)
		t := time.NewTimer(delay)
		select {
		case <-t.C:
		case <-ctx.Done():
			t.Stop()
			if parent.Err() != nil {
				return nil, parent.Err()
			}
			return resp, err
		}
	}
}

// backoff is Delay * 2^(attempt-1) with jitter in [0.8, 1.3), capped at MaxDelay.
func (p *retryPolicy) backoff(attempt int) time.Duration {
	d := p.cfg.Delay
	for i := 1; i < attempt && d < p.cfg.MaxDelay; i++ {
		d *= 2
	}
	d = time.Duration(float64(d) * (0.8 + rand.Float64()*0.5))
	return min(d, p.cfg.MaxDelay)
}

func statusOf(resp *http.Response) int {
	if resp == nil {
		return 0
	}
	return resp.StatusCode
}

// logAttempt logs one HTTP attempt at debug level: method, host, path, status and duration. Query
// strings (which may carry filters) and headers (which carry the token) are never logged.
func (p *retryPolicy) logAttempt(req *policy.Request, attempt int, resp *http.Response, err error, d time.Duration) {
	if !p.log.Enabled(req.Raw().Context(), slog.LevelDebug) {
		return
	}
	u := req.Raw().URL
	attrs := []any{"service", p.service, "method", req.Raw().Method, "host", u.Host, "path", u.Path,
		"attempt", attempt, "ms", d.Milliseconds()}
	if resp != nil {
		attrs = append(attrs, "status", resp.StatusCode, "request_id", resp.Header.Get("x-ms-request-id"))
	}
	if err != nil {
		attrs = append(attrs, "err", safeErr(err))
	}
	p.log.Debug("azure request", attrs...)
}

// timeoutError is an attempt that got no answer within the per-attempt timeout. It deliberately does
// not unwrap to context.DeadlineExceeded: the caller's own deadline did not pass.
type timeoutError struct {
	after time.Duration
	cause error
}

func (e *timeoutError) Error() string {
	return "no answer within " + roundDuration(e.after).String()
}
