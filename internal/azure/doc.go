// Package azure is the product's boundary with Azure: the only package that imports the Azure SDK
// for Go. Everything else reaches Azure through a Provider built from config.Azure:
//
//	p, _ := azure.NewProvider(cfg.Azure, azure.Options{Logger: logger})
//	arm, _ := p.ARM(ws.CredTenantID)       // Resource Manager, authenticated for that tenant
//	var doc map[string]any
//	_, err := arm.GetJSON(ctx, ws.ResourceID+"/providers/Microsoft.SecurityInsights/incidents/"+id, &doc)
//	logs, _ := p.Logs(ws.CredTenantID)     // Log Analytics query API
//	res, err := logs.Query(ctx, ws.CustomerID, "SigninLogs | take 10", "P1D", nil, nil)
//
// Credentials are created on first use, one instance per identity and tenant (an azidentity
// credential fetches the tenant's OpenID metadata once per instance), and shared by every client of
// that tenant. Requests go through the azcore pipeline (bearer token, telemetry) with this package's
// retry policy: it honours Retry-After, backs off exponentially with jitter, bounds the total time
// and retries only requests that are safe to repeat (GET, HEAD, PUT, DELETE, and POSTs explicitly
// marked read-only such as queries). Failures are *Error values whose message is Azure's code and
// message plus what to do, never a raw dump; secrets and tokens never reach logs or errors.
package azure
