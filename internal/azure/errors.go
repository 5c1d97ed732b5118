package azure

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/azidentity"
)

// Services named in errors.
const (
	ServiceARM   = "Azure Resource Manager"
	ServiceLogs  = "the Log Analytics query API"
	ServiceLogin = "Microsoft Entra ID"
)

// Error is a failed Azure request: the HTTP status, Azure's error code and message, and what the
// caller should know to act (how long to wait when throttled). Its Error text is meant for a model
// or a user: Azure's code and message plus a hint, never a stack, a raw body or a token.
type Error struct {
	Status     int           // HTTP status; 0 when no response arrived (network, timeout)
	Code       string        // Azure's error code (ResourceNotFound, AuthorizationFailed, ...)
	Message    string        // Azure's message, with inner details appended when they say more
	Details    []string      // "code: message" of the error details, when present
	RetryAfter time.Duration // from Retry-After when throttled or unavailable
	Service    string        // ServiceARM, ServiceLogs or ServiceLogin
	Method     string        // request method
	Path       string        // request path without host and query
	RequestID  string        // x-ms-request-id, for support cases
	Attempts   int           // HTTP attempts made (retries + 1)
	// Operation is the final status (Failed, Canceled) of a long-running operation that did not
	// succeed; Status is then 0 and Code/Message are the operation's error.
	Operation string
	// EarlierAttemptUnanswered: a conditional write (If-Match, If-None-Match) was retried after an
	// attempt that got no answer or a server error, so a 409/412 may be that attempt's own effect.
	EarlierAttemptUnanswered bool
	cause                    error
}

// maxMessage bounds the message kept from Azure: long enough for any real error, short enough that a
// misbehaving proxy's HTML page cannot flood a tool result.
const maxMessage = 1500

func (e *Error) Error() string {
	var b strings.Builder
	svc := e.Service
	if svc == "" {
		svc = "Azure"
	}
	switch {
	case e.Operation != "":
		fmt.Fprintf(&b, "the %s operation ended %s", strings.ToUpper(e.Method), e.Operation)
		if e.Code != "" {
			b.WriteString(": " + e.Code)
		}
		if e.Message != "" {
			b.WriteString(": " + strings.TrimSuffix(e.Message, "."))
		}
	case e.Status == 0:
		fmt.Fprintf(&b, "the request to %s failed", svc)
		if e.Message != "" {
			b.WriteString(": " + e.Message)
		}
	default:
		code := e.Code
		if code == "" {
			code = http.StatusText(e.Status)
		}
		fmt.Fprintf(&b, "%s answered %d %s", svc, e.Status, code)
		if e.Message != "" {
			b.WriteString(": " + strings.TrimSuffix(e.Message, "."))
		}
	}
	if h := e.hint(); h != "" {
		b.WriteString(". " + h)
	}
	return b.String()
}

func (e *Error) hint() string {
	switch {
	case e.Status == http.StatusTooManyRequests:
		if e.RetryAfter > 0 {
			return fmt.Sprintf("Azure is throttling these requests: retry after %s, or narrow the request", roundDuration(e.RetryAfter))
		}
		return "Azure is throttling these requests: wait a minute or narrow the request"
	case e.Status == http.StatusUnauthorized:
		return "The credential was refused: check the configured identity (azure.credential) and its secret or certificate"
	case e.Status == http.StatusForbidden && e.Service == ServiceLogin:
		return "The identity may not sign in to this tenant"
	case e.Status == http.StatusForbidden:
		return "The identity has no access to this scope: check its role assignment or Lighthouse delegation"
	case e.Status == http.StatusNotFound:
		return ""
	case (e.Status == http.StatusConflict || e.Status == http.StatusPreconditionFailed) && e.EarlierAttemptUnanswered:
		return "An earlier attempt of this write got no answer and may have been applied: read the resource to see whether it already holds the change before writing again"
	case e.Status == http.StatusConflict || e.Status == http.StatusPreconditionFailed:
		return "The resource changed since it was read: read it again and retry with the new etag"
	case e.Status == http.StatusNotImplemented:
		return "This operation is not available on this endpoint"
	case e.Operation != "" || errors.Is(e.cause, context.Canceled) || errors.Is(e.cause, context.DeadlineExceeded):
		return ""
	case e.Status == 0 && (e.Method == http.MethodPost || e.Method == http.MethodPatch):
		return "It may have been applied nonetheless: check the current state before retrying"
	case e.Status >= 500 || e.Status == 0:
		if e.Attempts > 1 {
			return fmt.Sprintf("Gave up after %d attempts; retry later", e.Attempts)
		}
		return "Retry later"
	}
	return ""
}

func (e *Error) Unwrap() error { return e.cause }

func roundDuration(d time.Duration) time.Duration {
	if d >= time.Second {
		return d.Round(time.Second)
	}
	return d.Round(time.Millisecond)
}

// AsError returns the *Error in err's chain.
func AsError(err error) (*Error, bool) {
	var e *Error
	ok := errors.As(err, &e)
	return e, ok
}

func hasStatus(err error, statuses ...int) bool {
	e, ok := AsError(err)
	if !ok {
		return false
	}
	for _, s := range statuses {
		if e.Status == s {
			return true
		}
	}
	return false
}

// IsNotFound reports a 404 (missing resource, or a workspace not onboarded to Sentinel).
func IsNotFound(err error) bool { return hasStatus(err, http.StatusNotFound) }

// IsConflict reports a 409 or 412: a stale etag or a resource in a conflicting state.
func IsConflict(err error) bool {
	return hasStatus(err, http.StatusConflict, http.StatusPreconditionFailed)
}

// IsThrottled reports a 429 (after the retries the policy allowed).
func IsThrottled(err error) bool { return hasStatus(err, http.StatusTooManyRequests) }

// IsForbidden reports a 403: the identity lacks access.
func IsForbidden(err error) bool { return hasStatus(err, http.StatusForbidden) }

// IsUnauthorized reports a 401 or a failed sign-in.
func IsUnauthorized(err error) bool {
	e, ok := AsError(err)
	return ok && (e.Status == http.StatusUnauthorized || (e.Service == ServiceLogin && e.Status >= 400 && e.Status < 500))
}

// IsNotImplemented reports a 501 (the emulator answers it for APIs it does not serve yet).
func IsNotImplemented(err error) bool { return hasStatus(err, http.StatusNotImplemented) }

// errorBody is the union of Azure's error shapes: ARM's {"error":{code,message,details,target}},
// the query API's {"error":{code,message,innererror:{...}}}, older RPs' top-level {code,message},
// and Entra's {error, error_description}.
type errorBody struct {
	Error   json.RawMessage `json:"error"`
	Code    string          `json:"code"`
	Message string          `json:"message"`
	// Entra ID
	ErrorDescription string `json:"error_description"`
}

type errorInfo struct {
	Code       string      `json:"code"`
	Message    string      `json:"message"`
	Target     string      `json:"target"`
	Details    []errorInfo `json:"details"`
	InnerError *errorInfo  `json:"innererror"`
}

// newResponseError builds an *Error from a non-success response whose body has been read.
func newResponseError(service string, resp *http.Response, body []byte) *Error {
	e := &Error{Status: resp.StatusCode, Service: service, RequestID: resp.Header.Get("x-ms-request-id")}
	if resp.Request != nil {
		e.Method, e.Path = resp.Request.Method, resp.Request.URL.Path
	}
	e.RetryAfter = retryAfter(resp.Header)
	parseErrorBody(e, body)
	if e.Message == "" && len(body) > 0 && !json.Valid(body) {
		// Not JSON (a proxy or gateway page): keep a short, single-line excerpt.
		e.Message = oneLine(string(body), 200)
	}
	return e
}

func parseErrorBody(e *Error, body []byte) {
	var eb errorBody
	if json.Unmarshal(body, &eb) != nil {
		return
	}
	var info errorInfo
	switch {
	case len(eb.Error) > 0 && eb.Error[0] == '{':
		_ = json.Unmarshal(eb.Error, &info)
	case len(eb.Error) > 0 && eb.Error[0] == '"': // Entra: "error": "invalid_client"
		_ = json.Unmarshal(eb.Error, &info.Code)
		info.Message = entraMessage(eb.ErrorDescription)
	default:
		info.Code, info.Message = eb.Code, eb.Message
	}
	e.Code = info.Code
	msg := strings.TrimSpace(info.Message)
	// The query API nests the useful part: BadArgumentError > SemanticError > SEM0100 'where' operator...
	if inner := innermost(info.InnerError); inner != nil && inner.Message != "" && inner.Message != msg {
		if inner.Code != "" && !strings.EqualFold(inner.Code, info.Code) {
			msg = strings.TrimSuffix(msg, ".") + ": " + inner.Message + " (" + inner.Code + ")"
		} else {
			msg = strings.TrimSuffix(msg, ".") + ": " + inner.Message
		}
	}
	for i, d := range info.Details {
		dm := d.Message
		if in := innermost(d.InnerError); in != nil && in.Message != "" {
			dm = in.Message
		}
		if d.Code == "" && dm == "" {
			continue
		}
		e.Details = append(e.Details, strings.TrimPrefix(d.Code+": "+dm, ": "))
		// Resource Graph and partial query errors keep the real reason in the details.
		if i < 3 && dm != "" && !strings.Contains(msg, dm) {
			msg = strings.TrimSuffix(msg, ".") + "; " + dm
		}
	}
	e.Message = oneLine(msg, maxMessage)
}

func innermost(i *errorInfo) *errorInfo {
	if i == nil {
		return nil
	}
	for i.InnerError != nil && (i.InnerError.Message != "" || i.InnerError.Code != "") {
		i = i.InnerError
	}
	return i
}

// entraMessage keeps the first line of an Entra error description ("AADSTS7000215: Invalid client
// secret provided. ..."), dropping the trace and correlation ids that follow.
func entraMessage(desc string) string {
	line, _, _ := strings.Cut(desc, "\r\n")
	line, _, _ = strings.Cut(line, "\n")
	if i := strings.Index(line, " Trace ID:"); i > 0 {
		line = line[:i]
	}
	return strings.TrimSpace(line)
}

func oneLine(s string, max int) string {
	s = strings.Join(strings.Fields(s), " ")
	if len(s) > max {
		s = s[:max] + "…"
	}
	return s
}

// retryAfter reads retry-after-ms, x-ms-retry-after-ms and Retry-After (seconds or an HTTP date).
func retryAfter(h http.Header) time.Duration {
	for _, k := range []string{"retry-after-ms", "x-ms-retry-after-ms"} {
		if v := h.Get(k); v != "" {
			if ms, err := strconv.ParseFloat(v, 64); err == nil && ms > 0 {
				return time.Duration(ms * float64(time.Millisecond))
			}
		}
	}
	v := h.Get("Retry-After")
	if v == "" {
		return 0
	}
	if s, err := strconv.ParseFloat(v, 64); err == nil {
		if s <= 0 {
			return 0
		}
		return time.Duration(s * float64(time.Second))
	}
	if t, err := http.ParseTime(v); err == nil {
		if d := time.Until(t); d > 0 {
			return d
		}
	}
	return 0
}

var aadsts = regexp.MustCompile(`AADSTS\d+:[^\r\n"]*`)

// credentialError turns an azidentity failure into an *Error without the SDK's multi-line dump of
// the token response (which names endpoints and correlation ids but says nothing more useful).
func credentialError(credDesc string, err error) error {
	if err == nil {
		return nil
	}
	if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		return err
	}
	e := &Error{Service: ServiceLogin, Status: http.StatusUnauthorized, cause: err}
	var afe *azidentity.AuthenticationFailedError
	if errors.As(err, &afe) && afe.RawResponse != nil {
		e.Status = afe.RawResponse.StatusCode
		e.RetryAfter = retryAfter(afe.RawResponse.Header)
		if body, rerr := readBody(afe.RawResponse); rerr == nil {
			parseErrorBody(e, body)
		}
	}
	if e.Message == "" {
		if m := aadsts.FindString(err.Error()); m != "" {
			e.Message = strings.TrimSpace(entraMessage(m))
		} else {
			e.Message = oneLine(firstLines(err.Error(), 3), 400)
		}
	}
	if e.Code == "" {
		e.Code = "AuthenticationFailed"
	}
	e.Message = "signing in with " + credDesc + " failed: " + e.Message
	return e
}

func firstLines(s string, n int) string {
	lines := strings.SplitN(s, "\n", n+1)
	if len(lines) > n {
		lines = lines[:n]
	}
	return strings.Join(lines, " ")
}
