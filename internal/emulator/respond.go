package emulator

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"
	"time"
)

// apiError is an error answered with an Azure-shaped body. The shape depends on the surface that raised it
// (ARM, Log Analytics query API or Entra), so the body is rendered by the caller's writer, not here.
type apiError struct {
	Status     int
	Code       string
	Message    string
	Details    []map[string]any // ARM "details" / query API "details"
	Inner      map[string]any   // query API "innererror"
	RetryAfter time.Duration
	Header     http.Header // extra headers (WWW-Authenticate ...)
}

func (e *apiError) Error() string { return fmt.Sprintf("%d %s: %s", e.Status, e.Code, e.Message) }

func errf(status int, code, format string, args ...any) *apiError {
	return &apiError{Status: status, Code: code, Message: fmt.Sprintf(format, args...)}
}

func badRequest(code, format string, args ...any) *apiError {
	return errf(http.StatusBadRequest, code, format, args...)
}

// writeJSON answers status with v encoded as JSON. A nil v writes no body.
func writeJSON(w http.ResponseWriter, status int, v any) {
	if v == nil {
		w.WriteHeader(status)
		return
	}
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		http.Error(w, "emulator: encode response: "+err.Error(), http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.Header().Set("Content-Length", strconv.Itoa(buf.Len()))
	w.WriteHeader(status)
	_, _ = w.Write(buf.Bytes())
}

// setRetryAfter writes Retry-After in whole seconds as Azure does. Sub-second delays (tests configure them
// to stay fast) are also sent as retry-after-ms, which the Azure SDK honours before Retry-After.
func setRetryAfter(h http.Header, d time.Duration) {
	if d <= 0 {
		return
	}
	secs := int((d + time.Second - 1) / time.Second)
	h.Set("Retry-After", strconv.Itoa(secs))
	if d%time.Second != 0 {
		h.Set("retry-after-ms", strconv.FormatInt(d.Milliseconds(), 10))
	}
}

func applyErrHeaders(w http.ResponseWriter, e *apiError) {
	for k, vs := range e.Header {
		for _, v := range vs {
			w.Header().Add(k, v)
		}
	}
	setRetryAfter(w.Header(), e.RetryAfter)
}

// writeARMError renders the ARM common ErrorResponse: {"error":{"code","message","details"?}}.
func writeARMError(w http.ResponseWriter, e *apiError) {
	applyErrHeaders(w, e)
	body := map[string]any{"code": e.Code, "message": e.Message}
	if len(e.Details) > 0 {
		body["details"] = e.Details
	}
	writeJSON(w, e.Status, map[string]any{"error": body})
}

// writeQueryError renders the Log Analytics (OneAPI) error: code, message, correlationId and innererror.
func writeQueryError(w http.ResponseWriter, e *apiError, correlationID string) {
	applyErrHeaders(w, e)
	body := map[string]any{"message": e.Message, "code": e.Code, "correlationId": correlationID}
	if len(e.Details) > 0 {
		body["details"] = e.Details
	}
	if e.Inner != nil {
		body["innererror"] = e.Inner
	}
	writeJSON(w, e.Status, map[string]any{"error": body})
}
