package azure

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"time"
)

// Progress reports a long-running operation while it is polled.
type Progress struct {
	Status  string  // InProgress, Accepted, Succeeded, Failed, Canceled (or a provisioningState)
	Percent float64 // percentComplete when Azure reports it, else 0
	Elapsed time.Duration
	Polls   int
}

const (
	defaultPollInterval = 2 * time.Second
	defaultMaxWait      = 10 * time.Minute
	maxPollInterval     = time.Minute
)

func terminal(status string) bool {
	switch strings.ToLower(status) {
	case "succeeded", "failed", "canceled", "cancelled":
		return true
	}
	return false
}

func succeeded(status string) bool { return strings.EqualFold(status, "Succeeded") }

// await follows a long-running operation started by req whose first answer is first, the way ARM
// documents it: the Azure-AsyncOperation URL (status document) when given, else the Location URL
// (202 until done), else, for a PUT or PATCH answered 201 with a non-terminal provisioningState,
// the resource itself. It returns the final resource for PUT and PATCH, the Location result for a
// POST, and the first answer otherwise.
func (a *ARM) await(ctx context.Context, req Request, first *Response, o *WriteOptions) (*Response, error) {
	if first == nil {
		return first, nil
	}
	asyncURL := first.Header.Get("Azure-AsyncOperation")
	location := first.Header.Get("Location")
	bodyPoll := false
	if asyncURL == "" && location == "" {
		if first.Status != http.StatusCreated || (req.Method != http.MethodPut && req.Method != http.MethodPatch) {
			return first, nil
		}
		st := provisioningState(first.Body)
		if st == "" || terminal(st) {
			return first, nil
		}
		bodyPoll = true
	}
	if asyncURL == "" && location == "" && !bodyPoll {
		return first, nil
	}
	maxWait := o.MaxWait
	if maxWait <= 0 {
		maxWait = defaultMaxWait
	}
	ctx, cancel := context.WithTimeout(ctx, maxWait)
	defer cancel()
	start := time.Now()
	interval := pollDelay(first.Header, o.PollInterval)
	for polls := 1; ; polls++ {
		if err := sleepCtx(ctx, interval); err != nil {
			return nil, a.lroTimeout(req, err, time.Since(start))
		}
		var (
			resp   *Response
			err    error
			status string
			pct    float64
		)
		switch {
		case asyncURL != "":
			resp, err = a.Do(ctx, Request{Method: http.MethodGet, Path: asyncURL})
			if err == nil {
				var op struct {
					Status          string          `json:"status"`
					PercentComplete float64         `json:"percentComplete"`
					Error           json.RawMessage `json:"error"`
				}
				_ = json.Unmarshal(resp.Body, &op)
				status, pct = op.Status, op.PercentComplete
				if terminal(status) && !succeeded(status) {
					return nil, operationError(req, status, op.Error)
				}
			}
		case location != "":
			resp, err = a.Do(ctx, Request{Method: http.MethodGet, Path: location})
			if err == nil {
				status = "InProgress"
				if resp.Status != http.StatusAccepted {
					status = "Succeeded"
				}
			}
		default:
			resp, err = a.Do(ctx, Request{Method: http.MethodGet, Path: req.Path, APIVersion: req.APIVersion})
			if err == nil {
				status = provisioningState(resp.Body)
				if terminal(status) && !succeeded(status) {
					return nil, operationError(req, status, nil)
				}
			}
		}
		if err != nil {
			if ctx.Err() != nil {
				return nil, a.lroTimeout(req, ctx.Err(), time.Since(start))
			}
			return nil, err
		}
		if o.Progress != nil {
			o.Progress(Progress{Status: status, Percent: pct, Elapsed: time.Since(start), Polls: polls})
		}
		if !succeeded(status) {
			interval = pollDelay(resp.Header, o.PollInterval)
			continue
		}
		switch {
		case asyncURL != "" && (req.Method == http.MethodPut || req.Method == http.MethodPatch):
			return a.Do(ctx, Request{Method: http.MethodGet, Path: req.Path, APIVersion: req.APIVersion})
		case asyncURL != "" && req.Method == http.MethodPost && location != "":
			return a.Do(ctx, Request{Method: http.MethodGet, Path: location})
		case asyncURL != "":
			return &Response{Status: http.StatusOK, Header: resp.Header}, nil
		}
		return resp, nil
	}
}

func provisioningState(body []byte) string {
	var d struct {
		Properties struct {
			ProvisioningState string `json:"provisioningState"`
		} `json:"properties"`
	}
	_ = json.Unmarshal(body, &d)
	return d.Properties.ProvisioningState
}

func pollDelay(h http.Header, fallback time.Duration) time.Duration {
	if d := retryAfter(h); d > 0 {
		return min(d, maxPollInterval)
	}
	if fallback > 0 {
		return fallback
	}
	return defaultPollInterval
}

func sleepCtx(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

func operationError(req Request, status string, raw json.RawMessage) error {
	e := &Error{Service: ServiceARM, Method: req.Method, Path: pathOf(req.Path), Operation: status}
	var info errorInfo
	if len(raw) > 0 && json.Unmarshal(raw, &info) == nil {
		e.Code, e.Message = info.Code, oneLine(info.Message, maxMessage)
	}
	return e
}

func (a *ARM) lroTimeout(req Request, err error, waited time.Duration) error {
	return &Error{Service: ServiceARM, Method: req.Method, Path: pathOf(req.Path), cause: err,
		Message: fmt.Sprintf("the operation was still running after %s; it may complete later in Azure: check the resource before retrying", roundDuration(waited))}
}

func pathOf(p string) string {
	if i := strings.Index(p, "://"); i >= 0 {
		if j := strings.Index(p[i+3:], "/"); j >= 0 {
			p = p[i+3+j:]
		}
	}
	p, _, _ = strings.Cut(p, "?")
	return p
}
