package azure

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore/runtime"
)

// Logs is a Log Analytics query API client for one identity. It speaks the /v1 wire format directly
// over the azcore pipeline (rather than through azlogs) so that numbers keep their exact value
// (long columns exceed float64 precision) and the query POST is retried as the read it is.
type Logs struct {
	p        *Provider
	pl       runtime.Pipeline
	endpoint string
	cred     *credEntry
}

// QueryOptions tune one query.
type QueryOptions struct {
	// Wait is how long the service may run the query (Prefer: wait; default 180s, at most 600s).
	Wait       time.Duration
	Statistics bool // include-statistics
	Render     bool // include-render (visualisation hints)
}

// Column is a result column and its Kusto type (bool, datetime, dynamic, int, long, real, string,
// guid, decimal, timespan).
type Column struct {
	Name string `json:"name"`
	Type string `json:"type"`
}

// Table is one result table. Row values are as the wire has them: json.Number for numbers (exact),
// string (datetime, timespan, guid, and dynamic as JSON text), bool, or nil.
type Table struct {
	Name    string   `json:"name"`
	Columns []Column `json:"columns"`
	Rows    [][]any  `json:"rows"`
}

// QueryResult is a query's answer. Partial is set when the service answered with data and an error
// (a truncated result, one failed workspace of a cross-workspace query): the tables are incomplete.
type QueryResult struct {
	Tables     []Table
	Partial    *Error
	Statistics json.RawMessage
	Render     json.RawMessage
}

// Primary returns the first table (PrimaryResult), or nil.
func (r *QueryResult) Primary() *Table {
	if r == nil || len(r.Tables) == 0 {
		return nil
	}
	return &r.Tables[0]
}

const (
	defaultQueryWait = 180 * time.Second
	maxQueryWait     = 600 * time.Second
)

// Query runs kql on the workspace with customer id workspaceID. timespan is an ISO 8601 duration
// ("PT1H", "P7D") or interval ("2025-01-01T00:00:00Z/2025-01-02T00:00:00Z"), or "" for the query's
// own time filters; extraWorkspaces makes it a cross-workspace query (ids, names or resource ids).
func (l *Logs) Query(ctx context.Context, workspaceID, kql, timespan string, extraWorkspaces []string, o *QueryOptions) (*QueryResult, error) {
	if strings.TrimSpace(workspaceID) == "" {
		return nil, fmt.Errorf("azure: a query needs the workspace id (customer id)")
	}
	if strings.TrimSpace(kql) == "" {
		return nil, fmt.Errorf("azure: the query is empty")
	}
	if o == nil {
		o = &QueryOptions{}
	}
	wait := o.Wait
	if wait <= 0 {
		wait = defaultQueryWait
	}
	wait = min(wait, maxQueryWait)
	body := map[string]any{"query": kql}
	if timespan != "" {
		body["timespan"] = timespan
	}
	if len(extraWorkspaces) > 0 {
		body["workspaces"] = extraWorkspaces
	}
	prefer := []string{"wait=" + strconv.Itoa(int(wait/time.Second))}
	if o.Statistics {
		prefer = append(prefer, "include-statistics=true")
	}
	if o.Render {
		prefer = append(prefer, "include-render=true")
	}
	u, err := buildURL(l.endpoint, "/v1/workspaces/"+url.PathEscape(workspaceID)+"/query", nil, ServiceLogs)
	if err != nil {
		return nil, err
	}
	// One attempt may take as long as the service is allowed to run the query, plus transfer time.
	ctx = withTryTimeout(ctx, wait+15*time.Second)
	resp, err := doPipeline(ctx, l.pl, ServiceLogs, Request{Method: http.MethodPost, Body: body, ReadOnly: true,
		Header: http.Header{"Prefer": {strings.Join(prefer, ",")}}}, u)
	if err != nil {
		return nil, err
	}
	return decodeQueryResult(resp)
}

// decodeQueryResult reads a 200 (tables, optional partial error) or 204 (no data at all) answer.
func decodeQueryResult(resp *Response) (*QueryResult, error) {
	res := &QueryResult{}
	if resp.Status == http.StatusNoContent || len(bytes.TrimSpace(resp.Body)) == 0 {
		return res, nil
	}
	var wire struct {
		Tables     []Table         `json:"tables"`
		Error      json.RawMessage `json:"error"`
		Statistics json.RawMessage `json:"statistics"`
		Render     json.RawMessage `json:"render"`
	}
	dec := json.NewDecoder(bytes.NewReader(resp.Body))
	dec.UseNumber()
	if err := dec.Decode(&wire); err != nil {
		return nil, fmt.Errorf("azure: the query result is not the expected JSON: %v", err)
	}
	for i := range wire.Tables {
		t := &wire.Tables[i]
		for _, r := range t.Rows {
			if len(r) != len(t.Columns) {
				return nil, fmt.Errorf("azure: query result table %q has a row of %d values for %d columns", t.Name, len(r), len(t.Columns))
			}
		}
	}
	res.Tables, res.Statistics, res.Render = wire.Tables, wire.Statistics, wire.Render
	if len(wire.Error) > 0 && string(wire.Error) != "null" {
		e := &Error{Status: resp.Status, Service: ServiceLogs, RequestID: resp.Header.Get("x-ms-request-id")}
		parseErrorBody(e, []byte(`{"error":`+string(wire.Error)+`}`))
		res.Partial = e
	}
	return res, nil
}

// Timespan is an ISO 8601 duration for the last d ("PT1H30M", "P7D").
func Timespan(d time.Duration) string {
	if d <= 0 {
		return ""
	}
	if d%(24*time.Hour) == 0 {
		return fmt.Sprintf("P%dD", d/(24*time.Hour))
	}
	var b strings.Builder
	b.WriteString("P")
	if days := d / (24 * time.Hour); days > 0 {
		fmt.Fprintf(&b, "%dD", days)
		d -= days * 24 * time.Hour
	}
	b.WriteString("T")
	if h := d / time.Hour; h > 0 {
		fmt.Fprintf(&b, "%dH", h)
		d -= h * time.Hour
	}
	if m := d / time.Minute; m > 0 {
		fmt.Fprintf(&b, "%dM", m)
		d -= m * time.Minute
	}
	if d > 0 {
		b.WriteString(strconv.FormatFloat(d.Seconds(), 'f', -1, 64) + "S")
	}
	return b.String()
}

// TimespanBetween is the ISO 8601 interval from..to in UTC.
func TimespanBetween(from, to time.Time) string {
	return from.UTC().Format(time.RFC3339Nano) + "/" + to.UTC().Format(time.RFC3339Nano)
}

// Identity describes the identity the client authenticates as (no secrets).
func (l *Logs) Identity() string { return l.cred.desc }
