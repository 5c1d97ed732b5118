package emulator

import (
	"context"
	"net/http"
)

// execute runs a query on the KQL engine. The engine (internal/kql, kql.Execute) is not part of the
// module yet: until it lands the emulator answers 501 NotImplemented rather than a made-up result.
func (e *Emulator) execute(ctx context.Context, c *call, qr *queryRequest) (*queryResult, error) {
	return nil, errf(http.StatusNotImplemented, "NotImplemented",
		"The emulator cannot run KQL yet: the query engine (internal/kql) is not available in this build.")
}
