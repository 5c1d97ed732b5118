package azure

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore/runtime"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/streaming"
)

// ARM is a generic Azure Resource Manager REST client for one identity: JSON in, JSON out, over the
// azcore pipeline (bearer token, telemetry) with the package's retry policy. It adds the api-version
// of the addressed resource provider (configured or built in) and never sends its token to a host
// other than the Resource Manager endpoint (nextLink and polling URLs are checked).
type ARM struct {
	p        *Provider
	pl       runtime.Pipeline
	endpoint string
	cred     *credEntry
}

// Request is one ARM call.
type Request struct {
	Method string
	// Path is an ARM path ("/subscriptions/.../providers/...", optionally with a query string) or an
	// absolute URL on the Resource Manager endpoint (a nextLink or an operation URL).
	Path  string
	Query url.Values // added to the query string
	// APIVersion overrides the provider's configured or built-in version. Ignored when the path
	// already carries an api-version (nextLink, operation URLs).
	APIVersion  string
	Body        any    // encoded as JSON; []byte and json.RawMessage are sent as they are
	IfMatch     string // If-Match (an etag, or "*": only if it exists)
	IfNoneMatch string // If-None-Match ("*": only if it does not exist)
	// ReadOnly marks a POST that only reads (incident alerts, Resource Graph), so it may be retried.
	ReadOnly bool
	Header   http.Header
}

// Response is a successful answer, body read.
type Response struct {
	Status int
	Header http.Header
	Body   []byte
}

// Decode unmarshals the body into v (a no-op on an empty body).
func (r *Response) Decode(v any) error {
	if r == nil || len(bytes.TrimSpace(r.Body)) == 0 || v == nil {
		return nil
	}
	if err := json.Unmarshal(r.Body, v); err != nil {
		return fmt.Errorf("azure: the response is not the expected JSON: %v", err)
	}
	return nil
}

// ETag is the ETag header, or the etag property of the body.
func (r *Response) ETag() string {
	if r == nil {
		return ""
	}
	if e := r.Header.Get("ETag"); e != "" {
		return e
	}
	var b struct {
		Etag string `json:"etag"`
	}
	_ = json.Unmarshal(r.Body, &b)
	return b.Etag
}

// Endpoint is the Resource Manager base URL.
func (a *ARM) Endpoint() string { return a.endpoint }

// Identity describes the identity the client authenticates as (no secrets).
func (a *ARM) Identity() string { return a.cred.desc }

// Do sends one request and returns the answer, or an *Error for a non-success status.
func (a *ARM) Do(ctx context.Context, req Request) (*Response, error) {
	u, err := a.buildURL(req.Path, req.Query)
	if err != nil {
		return nil, err
	}
	explicit := req.APIVersion != "" || u.Query().Get("api-version") != ""
	version, key, configured := "", "", false
	if !explicit {
		version, key, configured = a.p.versions.forPath(u.Path)
		if version == "" {
			return nil, fmt.Errorf("azure: no api-version is known for %s: set azure.api_versions[%q]", u.Path, key)
		}
	} else if req.APIVersion != "" && u.Query().Get("api-version") == "" {
		version = req.APIVersion
	}
	resp, err := a.send(ctx, req, u, version)
	for err != nil && !explicit && !configured && isUnsupportedVersion(err) {
		next := a.p.versions.fallback(key, version)
		if next == "" {
			break
		}
		a.p.log.Info("azure api-version refused, trying an older one", "provider", key, "refused", version, "next", next)
		version = next
		if resp, err = a.send(ctx, req, u, version); err == nil {
			a.p.versions.learn(key, version)
		}
	}
	return resp, err
}

func (a *ARM) send(ctx context.Context, req Request, u *url.URL, version string) (*Response, error) {
	if version != "" {
		q := u.Query()
		q.Set("api-version", version)
		u = cloneURL(u)
		u.RawQuery = q.Encode()
	}
	return doPipeline(ctx, a.pl, ServiceARM, req, u)
}

// doPipeline sends req to u through pl and maps the outcome to a Response or an *Error.
func doPipeline(ctx context.Context, pl runtime.Pipeline, service string, req Request, u *url.URL) (*Response, error) {
	method := req.Method
	if method == "" {
		method = http.MethodGet
	}
	attempts, unanswered := 0, false
	ctx = withUnanswered(withAttempts(ctx, &attempts), &unanswered)
	if req.ReadOnly {
		ctx = withReadOnly(ctx)
	}
	r, err := runtime.NewRequest(ctx, method, u.String())
	if err != nil {
		return nil, fmt.Errorf("azure: %s %s: %v", method, u.Path, err)
	}
	raw := r.Raw()
	raw.Header.Set("Accept", "application/json")
	for k, vs := range req.Header {
		for _, v := range vs {
			raw.Header.Add(k, v)
		}
	}
	if req.IfMatch != "" {
		raw.Header.Set("If-Match", req.IfMatch)
	}
	if req.IfNoneMatch != "" {
		raw.Header.Set("If-None-Match", req.IfNoneMatch)
	}
	if req.Body != nil {
		var b []byte
		switch v := req.Body.(type) {
		case []byte:
			b = v
		case json.RawMessage:
			b = v
		default:
			if b, err = json.Marshal(v); err != nil {
				return nil, fmt.Errorf("azure: encoding the request body: %v", err)
			}
		}
		if err := r.SetBody(streaming.NopCloser(bytes.NewReader(b)), "application/json"); err != nil {
			return nil, err
		}
	}
	resp, err := pl.Do(r)
	if err != nil {
		return nil, transportError(ctx, service, method, u.Path, attempts, err)
	}
	body, err := readBody(resp)
	if err != nil {
		return nil, transportError(ctx, service, method, u.Path, attempts, err)
	}
	if resp.StatusCode >= 400 {
		e := newResponseError(service, resp, body)
		e.Method, e.Path, e.Attempts = method, u.Path, attempts
		e.EarlierAttemptUnanswered = unanswered && attempts > 1
		return nil, e
	}
	return &Response{Status: resp.StatusCode, Header: resp.Header, Body: body}, nil
}

func readBody(resp *http.Response) ([]byte, error) {
	if resp.Body == nil {
		return nil, nil
	}
	return runtime.Payload(resp)
}

// transportError maps a failure without an HTTP answer. Cancellation stays recognisable with
// errors.Is(err, context.Canceled); credential failures pass through as the *Error they already are.
func transportError(ctx context.Context, service, method, path string, attempts int, err error) error {
	if e, ok := AsError(err); ok {
		return e
	}
	e := &Error{Service: service, Method: method, Path: path, Attempts: attempts, cause: err}
	var te *timeoutError
	switch {
	case errors.Is(err, context.Canceled) || ctx.Err() != nil:
		e.Message = "the request was cancelled"
		if ctx.Err() != nil {
			e.cause = ctx.Err()
			if errors.Is(ctx.Err(), context.DeadlineExceeded) {
				e.Message = "the time allowed for the request ran out"
			}
		}
	case errors.As(err, &te):
		e.Message = te.Error()
		if attempts > 1 {
			e.Message += fmt.Sprintf(" (%d attempts)", attempts)
		}
	default:
		e.Message = safeErr(err)
	}
	return e
}

// safeErr is an error's text without URL query strings.
func safeErr(err error) string {
	var ue *url.Error
	if errors.As(err, &ue) {
		u, perr := url.Parse(ue.URL)
		host := ""
		if perr == nil {
			host = u.Host
		}
		return fmt.Sprintf("%s %s: %v", ue.Op, host, ue.Err)
	}
	return oneLine(err.Error(), 300)
}

func cloneURL(u *url.URL) *url.URL {
	c := *u
	return &c
}

// buildURL resolves an ARM path or absolute URL against the endpoint, refusing foreign hosts.
func (a *ARM) buildURL(path string, extra url.Values) (*url.URL, error) {
	return buildURL(a.endpoint, path, extra, ServiceARM)
}

func buildURL(endpoint, path string, extra url.Values, service string) (*url.URL, error) {
	base, err := url.Parse(endpoint)
	if err != nil {
		return nil, err
	}
	var u *url.URL
	if strings.HasPrefix(path, "https://") || strings.HasPrefix(path, "http://") {
		if u, err = url.Parse(path); err != nil {
			return nil, fmt.Errorf("azure: bad URL %q: %v", path, err)
		}
		if !strings.EqualFold(u.Host, base.Host) || u.Scheme != base.Scheme {
			return nil, fmt.Errorf("azure: refusing to send credentials to %s://%s (expected %s)", u.Scheme, u.Host, service)
		}
	} else {
		if !strings.HasPrefix(path, "/") {
			path = "/" + path
		}
		p, rawQuery, _ := strings.Cut(path, "?")
		u = cloneURL(base)
		u.Path = strings.TrimSuffix(base.Path, "/") + p
		u.RawPath = ""
		u.RawQuery = rawQuery
	}
	if len(extra) > 0 {
		q := u.Query()
		for k, vs := range extra {
			for _, v := range vs {
				q.Add(k, v)
			}
		}
		u.RawQuery = q.Encode()
	}
	return u, nil
}

// GetJSON GETs path and decodes the body into out (which may be nil).
func (a *ARM) GetJSON(ctx context.Context, path string, out any) (*Response, error) {
	resp, err := a.Do(ctx, Request{Method: http.MethodGet, Path: path})
	if err != nil {
		return nil, err
	}
	return resp, resp.Decode(out)
}

// WriteOptions tune Put, Patch, Delete and Post.
type WriteOptions struct {
	IfMatch     string // If-Match: the etag read before (no lost update), or "*"
	IfNoneMatch string // "*": create only
	APIVersion  string
	// ReadOnly marks a POST that only reads (so it may be retried).
	ReadOnly bool
	// NoWait returns the first answer of a long-running operation instead of polling it.
	NoWait bool
	// Progress is called after every poll of a long-running operation.
	Progress func(Progress)
	// PollInterval is the wait between polls when Azure sends no Retry-After (default 2s).
	PollInterval time.Duration
	// MaxWait bounds the polling (default 10 minutes, and the context's deadline).
	MaxWait time.Duration
}

func (o *WriteOptions) orZero() *WriteOptions {
	if o == nil {
		return &WriteOptions{}
	}
	return o
}

func (a *ARM) write(ctx context.Context, method, path string, body any, o *WriteOptions) (*Response, error) {
	o = o.orZero()
	req := Request{Method: method, Path: path, Body: body, IfMatch: o.IfMatch, IfNoneMatch: o.IfNoneMatch,
		APIVersion: o.APIVersion, ReadOnly: o.ReadOnly}
	resp, err := a.Do(ctx, req)
	if err != nil || o.NoWait {
		return resp, err
	}
	return a.await(ctx, req, resp, o)
}

// Put creates or replaces the resource at path. A long-running answer (201/202 with
// Azure-AsyncOperation or Location) is polled to its end and the final resource returned.
func (a *ARM) Put(ctx context.Context, path string, body any, o *WriteOptions) (*Response, error) {
	return a.write(ctx, http.MethodPut, path, body, o)
}

// Patch updates the resource at path. PATCH is never retried (it may not be idempotent).
func (a *ARM) Patch(ctx context.Context, path string, body any, o *WriteOptions) (*Response, error) {
	return a.write(ctx, http.MethodPatch, path, body, o)
}

// Delete deletes the resource at path, polling a long-running deletion to its end.
func (a *ARM) Delete(ctx context.Context, path string, o *WriteOptions) (*Response, error) {
	return a.write(ctx, http.MethodDelete, path, nil, o)
}

// Post calls an action. It is retried only when o.ReadOnly says it merely reads.
func (a *ARM) Post(ctx context.Context, path string, body any, o *WriteOptions) (*Response, error) {
	return a.write(ctx, http.MethodPost, path, body, o)
}

// ListOptions bound a List.
type ListOptions struct {
	Query      url.Values
	APIVersion string
	MaxItems   int // default 10,000
	MaxPages   int // default 200
}

// ListResult is what a List collected.
type ListResult struct {
	Items []json.RawMessage
	Pages int
	// Truncated is set when a cap stopped the listing; NextLink then continues it.
	Truncated bool
	NextLink  string
}

// Default caps of List.
const (
	DefaultListMaxItems = 10_000
	DefaultListMaxPages = 200
)

// List GETs a collection and follows nextLink until the end, a cap, or cancellation. Bodies may be
// {"value":[...],"nextLink":...} or a bare array.
func (a *ARM) List(ctx context.Context, path string, o *ListOptions) (*ListResult, error) {
	if o == nil {
		o = &ListOptions{}
	}
	maxItems, maxPages := o.MaxItems, o.MaxPages
	if maxItems <= 0 {
		maxItems = DefaultListMaxItems
	}
	if maxPages <= 0 {
		maxPages = DefaultListMaxPages
	}
	res := &ListResult{}
	req := Request{Method: http.MethodGet, Path: path, Query: o.Query, APIVersion: o.APIVersion}
	for {
		if err := ctx.Err(); err != nil {
			return res, err
		}
		resp, err := a.Do(ctx, req)
		if err != nil {
			return res, err
		}
		res.Pages++
		items, next, err := decodePage(resp.Body)
		if err != nil {
			return res, err
		}
		if room := maxItems - len(res.Items); len(items) > room {
			res.Items = append(res.Items, items[:room]...)
			res.Truncated = true // NextLink stays empty: the rest of this page cannot be resumed by a link
			return res, nil
		}
		res.Items = append(res.Items, items...)
		if next == "" {
			return res, nil
		}
		if res.Pages >= maxPages || len(res.Items) >= maxItems {
			res.Truncated, res.NextLink = true, next
			return res, nil
		}
		req = Request{Method: http.MethodGet, Path: next}
	}
}

func decodePage(body []byte) ([]json.RawMessage, string, error) {
	body = bytes.TrimSpace(body)
	if len(body) == 0 {
		return nil, "", nil
	}
	if body[0] == '[' {
		var items []json.RawMessage
		if err := json.Unmarshal(body, &items); err != nil {
			return nil, "", fmt.Errorf("azure: the list is not the expected JSON: %v", err)
		}
		return items, "", nil
	}
	var page struct {
		Value    []json.RawMessage `json:"value"`
		NextLink *string           `json:"nextLink"`
	}
	if err := json.Unmarshal(body, &page); err != nil {
		return nil, "", fmt.Errorf("azure: the list is not the expected JSON: %v", err)
	}
	next := ""
	if page.NextLink != nil {
		next = *page.NextLink
	}
	return page.Value, next, nil
}
