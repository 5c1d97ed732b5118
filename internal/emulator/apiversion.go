package emulator

import (
	"net/http"
	"strings"
)

// Accepted api-versions per resource provider (and per type where one namespace serves several APIs).
// Each list holds the stable versions of CONTRACTS.md plus the versions the pinned SDK modules send
// (armsecurityinsights/v2 v2.0.0-beta.5: 2025-07-01-preview; armoperationalinsights/v2 v2.0.0: 2025-07-01;
// armmonitor v0.13.0 (DCR/DCE/DCRA): 2024-03-11; armmanagedservices v0.7.0: 2022-01-01-preview;
// armresourcegraph v0.10.0: 2024-04-01; armsubscriptions v1.3.0: 2022-12-01; armapplicationinsights v1.2.0
// (workbooks): 2015-05-01). Newest first: that is how Azure lists them in its error message.
var apiVersions = map[string][]string{
	"microsoft.securityinsights": {"2025-12-01", "2025-09-01", "2025-07-01-preview", "2025-06-01", "2025-04-01-preview",
		"2025-03-01", "2024-09-01", "2024-03-01", "2024-01-01-preview", "2023-11-01", "2023-02-01", "2022-11-01",
		"2021-04-01", "2020-01-01"},
	"microsoft.operationalinsights": {"2026-03-01", "2025-07-01", "2025-02-01", "2023-09-01", "2022-10-01",
		"2021-12-01-preview", "2021-06-01", "2020-10-01", "2020-08-01", "2020-03-01-preview", "2015-11-01-preview"},
	"microsoft.insights/workbooks": {"2024-02-01-preview", "2023-06-01", "2022-04-01", "2021-08-01", "2021-03-08",
		"2020-10-20", "2018-06-17-preview", "2015-05-01"},
	"microsoft.insights/datacollection": {"2024-03-11", "2023-03-11", "2022-06-01", "2021-09-01-preview", "2021-04-01"},
	"microsoft.managedservices":         {"2022-10-01", "2022-01-01-preview", "2020-02-01-preview", "2019-09-01", "2019-06-01"},
	"microsoft.resources": {"2024-11-01", "2024-07-01", "2024-03-01", "2023-07-01", "2022-12-01", "2022-09-01",
		"2021-04-01", "2021-01-01", "2020-01-01", "2019-11-01", "2019-06-01", "2016-06-01"},
	"microsoft.resourcegraph":        {"2024-04-01", "2022-10-01", "2021-06-01-preview", "2021-03-01", "2020-09-01-preview", "2019-04-01"},
	"microsoft.operationsmanagement": {"2015-11-01-preview"},
}

// apiVersionKey maps a request to its entry in apiVersions from the last provider namespace and type.
func apiVersionKey(ns, firstType string) string {
	ns = strings.ToLower(ns)
	if ns == "microsoft.insights" {
		switch strings.ToLower(firstType) {
		case "workbooks", "myworkbooks":
			return "microsoft.insights/workbooks"
		default:
			return "microsoft.insights/datacollection"
		}
	}
	return ns
}

// checkAPIVersion answers Azure's 400s for a missing or unsupported api-version.
func checkAPIVersion(v, ns, firstType string) *apiError {
	if v == "" {
		return badRequest("MissingApiVersionParameter", "The api-version query parameter (?api-version=) is required for all requests.")
	}
	supported, ok := apiVersions[apiVersionKey(ns, firstType)]
	if !ok {
		return nil
	}
	for _, s := range supported {
		if strings.EqualFold(s, v) {
			return nil
		}
	}
	return &apiError{Status: http.StatusBadRequest, Code: "InvalidApiVersionParameter",
		Message: "The api-version '" + v + "' is invalid. The supported versions are '" + strings.Join(supported, ",") + "'."}
}
