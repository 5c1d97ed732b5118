package emulator

import (
	"net/http"
	"strings"
	"time"
)

// faultError is the answer of an injected error status: the code and
// message Azure's service behind the surface uses for that status, so a
// client's handling of, say, a 403 is exercised on what Azure sends.
func (c *call) faultError(f Fault) *apiError {
	var err *apiError
	switch c.surface {
	case surfaceLogin:
		err = c.loginFaultError(f.Status)
	case surfaceQuery:
		err = c.queryFaultError(f.Status)
	default:
		err = c.armFaultError(f.Status)
	}
	if f.Status == http.StatusTooManyRequests || f.Status == http.StatusServiceUnavailable {
		err.RetryAfter = f.RetryAfter
		if err.RetryAfter == 0 && f.Status == http.StatusTooManyRequests {
			err.RetryAfter = time.Second
		}
	}
	return err
}

// loginFaultError answers as Microsoft Entra ID's token endpoint does.
func (c *call) loginFaultError(status int) *apiError {
	switch status {
	case http.StatusBadRequest:
		return aadErr(status, "invalid_request", 900144, "The request body must contain the following parameter: 'grant_type'.")
	case http.StatusUnauthorized:
		return aadErr(status, "invalid_client", 7000215, "Invalid client secret provided. Ensure the secret being sent in the request is the client secret value, not the client secret ID.")
	case http.StatusForbidden:
		return aadErr(status, "unauthorized_client", 700016, "The application was not found in the directory or is not allowed to obtain tokens in this tenant.")
	case http.StatusNotFound:
		return aadErr(status, "invalid_tenant", 90002, "Tenant '%s' not found. Check to make sure you have the correct tenant ID and are signing into the correct cloud.", c.tenantID)
	case http.StatusTooManyRequests:
		return aadErr(status, "temporarily_unavailable", 50196, "The server terminated an operation because it encountered a client request loop. Too many requests.")
	}
	if status >= 500 {
		return aadErr(status, "temporarily_unavailable", 90033, "A transient error has occurred. Please try again.")
	}
	return aadErr(status, "invalid_request", 90014, "The request could not be processed (%s).", strings.ToLower(http.StatusText(status)))
}

// queryFaultError answers as the Log Analytics query API does.
func (c *call) queryFaultError(status int) *apiError {
	switch status {
	case http.StatusBadRequest:
		return &apiError{Status: status, Code: "BadArgumentError", Message: "The request had some invalid properties"}
	case http.StatusUnauthorized:
		return errf(status, "AuthorizationRequiredError", "Valid authentication was not provided")
	case http.StatusForbidden:
		return errf(status, "InsufficientAccessError", "The provided credentials have insufficient access to perform the requested operation")
	case http.StatusNotFound:
		if ws := c.queryWorkspaceRef(); ws != "" {
			return errf(status, "WorkspaceNotFoundError", "Workspace '%s' could not be found. Use the workspace id (customerId GUID), name or Azure resource id.", ws)
		}
		return errf(status, "PathNotFoundError", "The requested path does not exist")
	case http.StatusTooManyRequests:
		return errf(status, "ThrottledError", "Your request was throttled. Please retry after some time.")
	case http.StatusInternalServerError:
		return errf(status, "InternalServerError", "An internal error occurred while processing the query.")
	case http.StatusServiceUnavailable:
		return errf(status, "ServiceUnavailableError", "The service is temporarily unavailable. Please retry after some time.")
	case http.StatusGatewayTimeout:
		return errf(status, "GatewayTimeout", "The query has exceeded the allowed wait time.")
	}
	return genericFaultError(status)
}

// queryWorkspaceRef is the workspace a query API path names, if any.
func (c *call) queryWorkspaceRef() string {
	for i, s := range c.lsegs {
		if s == "workspaces" && i+1 < len(c.segs) {
			return c.segs[i+1]
		}
	}
	return ""
}

// armFaultError answers as Azure Resource Manager (and Resource Graph) do.
func (c *call) armFaultError(status int) *apiError {
	path := "/" + strings.Join(c.segs, "/")
	switch status {
	case http.StatusBadRequest:
		return errf(status, "BadRequest", "The request is invalid.")
	case http.StatusUnauthorized:
		err := errf(status, "AuthenticationFailed", "Authentication failed.")
		err.Header = http.Header{"WWW-Authenticate": {`Bearer authorization_uri="` + c.baseURL() + `/", error="invalid_token", error_description="The authentication failed."`}}
		return err
	case http.StatusForbidden:
		action := providerAction(path, methodVerb(c.r.Method))
		if c.user != nil {
			return authorizationFailed(c.user, action, path)
		}
		return errf(status, "AuthorizationFailed", "The client does not have authorization to perform action '%s' over scope '%s' or the scope is invalid. If access was recently granted, please refresh your credentials.", action, path)
	case http.StatusNotFound:
		return errf(status, "ResourceNotFound", "The Resource '%s' was not found. For more details please go to https://aka.ms/ARMResourceNotFoundFix", path)
	case http.StatusConflict:
		return errf(status, "Conflict", "The request could not be completed due to a conflict with the current state of the resource '%s'. Retry after it has changed.", path)
	case http.StatusPreconditionFailed:
		return errf(status, "PreconditionFailed", "The condition specified using HTTP conditional header(s) is not met.")
	case http.StatusTooManyRequests:
		if routeMatches("graph", c.surface, c.lsegs) {
			err := errf(status, "RateLimiting", "Please provide below info when asking for support: timestamp = %s, correlationId = %s.", time.Now().UTC().Format(time.RFC3339), c.correlationID)
			err.Details = []map[string]any{{"code": "RateLimiting", "message": "Client application has been throttled and should not attempt to repeat the request until an amount of time has elapsed. Please see https://aka.ms/resourcegraph-throttling for help."}}
			return err
		}
		op := map[string]string{"reads": "Read", "writes": "Write", "deletes": "Delete"}[opKind(c.r.Method)]
		return errf(status, "TooManyRequests", "The request is being throttled as the limit has been reached for operation type - '%s'. For more information, see - https://aka.ms/srpthrottlinglimits", op)
	case http.StatusInternalServerError:
		return errf(status, "InternalServerError", "Encountered internal server error. Diagnostic information: timestamp '%s', tracking id '%s', request correlation id '%s'.",
			time.Now().UTC().Format("20060102T150405Z"), c.requestID, c.correlationID)
	case http.StatusBadGateway:
		return errf(status, "BadGateway", "The resource provider returned an invalid response.")
	case http.StatusServiceUnavailable:
		return errf(status, "ServiceUnavailable", "The service is temporarily unavailable. Please try again later.")
	case http.StatusGatewayTimeout:
		return errf(status, "GatewayTimeout", "The gateway did not receive a response from the resource provider within the specified time period.")
	}
	return genericFaultError(status)
}

// genericFaultError names any other status after its text (405
// MethodNotAllowed, 501 NotImplemented...).
func genericFaultError(status int) *apiError {
	text := http.StatusText(status)
	if text == "" {
		if status >= 500 {
			return errf(status, "InternalServerError", "The service failed to process the request (status %d).", status)
		}
		return errf(status, "BadRequest", "The request was rejected (status %d).", status)
	}
	return errf(status, strings.NewReplacer(" ", "", "-", "", "'", "").Replace(text), "%s.", text)
}
