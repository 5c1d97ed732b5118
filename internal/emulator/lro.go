package emulator

import (
	"net/http"
	"strings"
	"sync"
	"time"
)

// Long-running operations. An operation stays InProgress for Options.AsyncDelay of wall-clock time and
// completes lazily: every request first completes the operations that are due, so there are no timers
// to stop and the outcome never depends on goroutine scheduling.
type lroOp struct {
	id         string
	resourceID string // the resource the operation acts on
	subID      string
	status     string // InProgress, Succeeded, Failed
	start, end time.Time
	due        time.Time
	finish     func() *apiError // applied (under the write lock) when the operation completes
	result     doc              // final body for the Location URL (nil => 204)
	err        *apiError
}

type lroTable struct {
	mu  sync.Mutex
	ops map[string]*lroOp
}

func newLROTable() *lroTable { return &lroTable{ops: map[string]*lroOp{}} }

// startOp registers an operation on resourceID whose effect finish is applied when it completes.
func (e *Emulator) startOp(subID, resourceID string, finish func() *apiError) *lroOp {
	now := time.Now()
	op := &lroOp{id: newGUID(), resourceID: resourceID, subID: subID, status: "InProgress", start: now,
		due: now.Add(e.opts.AsyncDelay), finish: finish}
	e.ops.mu.Lock()
	e.ops.ops[op.id] = op
	e.ops.mu.Unlock()
	return op
}

// completeDueOps finishes every operation whose time has come.
func (e *Emulator) completeDueOps() {
	now := time.Now()
	e.ops.mu.Lock()
	var due []*lroOp
	for _, op := range e.ops.ops {
		if op.status == "InProgress" && !now.Before(op.due) {
			due = append(due, op)
		}
	}
	e.ops.mu.Unlock()
	if len(due) == 0 {
		return
	}
	e.writeMu.Lock()
	defer e.writeMu.Unlock()
	for _, op := range due {
		e.ops.mu.Lock()
		if op.status != "InProgress" {
			e.ops.mu.Unlock()
			continue
		}
		e.ops.mu.Unlock()
		var err *apiError
		if op.finish != nil {
			err = op.finish()
		}
		e.ops.mu.Lock()
		op.end = now
		if err != nil {
			op.status, op.err = "Failed", err
		} else {
			op.status = "Succeeded"
		}
		e.ops.mu.Unlock()
		e.changed()
	}
}

func (e *Emulator) op(id string) (*lroOp, bool) {
	e.ops.mu.Lock()
	defer e.ops.mu.Unlock()
	op, ok := e.ops.ops[strings.ToLower(id)]
	if !ok {
		op, ok = e.ops.ops[id]
	}
	return op, ok
}

// asyncHeaders sets Azure-AsyncOperation, Location and Retry-After for op. statusPath and resultPath are
// ARM paths (without host and api-version).
func (c *call) asyncHeaders(op *lroOp, statusPath, resultPath string) {
	apiv := "?api-version=" + c.q("api-version")
	h := c.w.Header()
	h.Set("Azure-AsyncOperation", c.baseURL()+statusPath+apiv)
	if resultPath != "" {
		h.Set("Location", c.baseURL()+resultPath+apiv)
	}
	setRetryAfter(h, c.e.opts.AsyncDelay)
}

// opStatusBody is the Azure-AsyncOperation body: {"id","name","status","startTime","endTime","error"?}.
func opStatusBody(op *lroOp, idPath string) doc {
	d := doc{"id": idPath, "name": op.id, "status": op.status, "startTime": op.start.UTC().Format(time.RFC3339Nano)}
	if !op.end.IsZero() {
		d["endTime"] = op.end.UTC().Format(time.RFC3339Nano)
		d["percentComplete"] = 100
	}
	if op.err != nil {
		d["error"] = map[string]any{"code": op.err.Code, "message": op.err.Message}
	}
	return d
}

// serveOperation answers the polling endpoints: ".../operationStatuses/{id}", ".../watchlistStatuses/{id}"
// (Azure-AsyncOperation) and ".../operationResults/{id}" (Location). It reports whether the path was one.
func (e *Emulator) serveOperation(c *call) bool {
	n := len(c.lsegs)
	if n < 2 {
		return false
	}
	kind := c.lsegs[n-2]
	if kind != "operationstatuses" && kind != "watchliststatuses" && kind != "operationresults" {
		return false
	}
	if c.r.Method != http.MethodGet {
		c.fail(errf(http.StatusMethodNotAllowed, "MethodNotAllowed", "The requested method '%s' is not allowed on an operation.", c.r.Method))
		return true
	}
	op, ok := e.op(c.segs[n-1])
	if !ok {
		c.fail(errf(http.StatusNotFound, "OperationNotFound", "The operation '%s' could not be found.", c.segs[n-1]))
		return true
	}
	if err := e.authorize(c.user, op.subID, op.resourceID, providerAction(op.resourceID, "read")); err != nil {
		c.fail(err)
		return true
	}
	e.ops.mu.Lock()
	status, result := op.status, op.result
	e.ops.mu.Unlock()
	if kind == "operationresults" {
		switch {
		case status == "InProgress":
			c.asyncHeaders(op, c.r.URL.Path, c.r.URL.Path)
			c.w.Header().Del("Azure-AsyncOperation")
			c.w.WriteHeader(http.StatusAccepted)
		case op.err != nil:
			c.fail(op.err)
		case result == nil:
			c.w.WriteHeader(http.StatusNoContent)
		default:
			c.ok(http.StatusOK, result)
		}
		return true
	}
	e.ops.mu.Lock()
	body := opStatusBody(op, c.r.URL.Path)
	e.ops.mu.Unlock()
	if status == "InProgress" {
		setRetryAfter(c.w.Header(), time.Until(op.due))
	}
	c.ok(http.StatusOK, body)
	return true
}
