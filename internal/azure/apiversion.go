package azure

import (
	"strings"
	"sync"
)

// defaultAPIVersions are the api-versions sent per resource provider, keyed by lower-case namespace
// or namespace/type (the longest key that matches a path wins). Each list starts with the version
// used by default (the latest stable one in Azure's REST specs, see CONTRACTS.md) followed by the
// older stable versions tried, in order, when Azure answers that a version is not supported (a new
// version is not deployed in every cloud or region at once).
var defaultAPIVersions = map[string][]string{
	"microsoft.securityinsights": {"2025-12-01", "2025-09-01", "2025-06-01", "2025-03-01", "2024-09-01"},
	// Product settings (Ueba, EyesOn, Anomalies, EntityAnalytics) exist only in preview versions.
	"microsoft.securityinsights/settings":               {"2025-07-01-preview", "2025-04-01-preview", "2024-01-01-preview"},
	"microsoft.operationalinsights":                     {"2026-03-01", "2025-07-01", "2025-02-01", "2023-09-01"},
	"microsoft.insights/workbooks":                      {"2023-06-01", "2022-04-01", "2021-08-01"},
	"microsoft.insights/datacollectionrules":            {"2024-03-11", "2023-03-11", "2022-06-01"},
	"microsoft.insights/datacollectionendpoints":        {"2024-03-11", "2023-03-11", "2022-06-01"},
	"microsoft.insights/datacollectionruleassociations": {"2024-03-11", "2023-03-11", "2022-06-01"},
	"microsoft.managedservices":                         {"2022-10-01", "2019-09-01"},
	"microsoft.resources":                               {"2022-12-01", "2021-01-01", "2020-01-01"},
	"microsoft.resourcegraph":                           {"2024-04-01", "2022-10-01", "2021-03-01"},
	"microsoft.operationsmanagement":                    {"2015-11-01-preview"},
}

// unsupportedVersionCodes are the error codes with which ARM refuses an api-version.
var unsupportedVersionCodes = map[string]bool{
	"invalidapiversionparameter": true, "noregisteredproviderfound": true, "unsupportedapiversion": true,
}

// apiVersions resolves the api-version of a request: configured overrides first (never replaced by
// a fallback: the operator chose them), then the built-in defaults, remembering a fallback that
// worked so the failed version is not tried on every call.
type apiVersions struct {
	overrides map[string]string // lower-case key -> version
	mu        sync.Mutex
	learned   map[string]string // lower-case key -> version that worked after a fallback
}

func newAPIVersions(cfg map[string]string) *apiVersions {
	v := &apiVersions{overrides: map[string]string{}, learned: map[string]string{}}
	for k, ver := range cfg {
		v.overrides[strings.ToLower(strings.Trim(k, "/"))] = ver
	}
	return v
}

// providerKeys returns the candidate keys of an ARM path, most specific first:
// "microsoft.securityinsights/incidents/comments", "microsoft.securityinsights/incidents",
// "microsoft.securityinsights". Paths without a provider belong to Microsoft.Resources.
func providerKeys(path string) []string {
	p := path
	if i := strings.IndexAny(p, "?#"); i >= 0 {
		p = p[:i]
	}
	segs := strings.Split(strings.Trim(strings.ToLower(p), "/"), "/")
	for i := len(segs) - 2; i >= 0; i-- {
		if segs[i] != "providers" {
			continue
		}
		ns := segs[i+1]
		var types []string
		for j := i + 2; j < len(segs); j += 2 {
			types = append(types, segs[j])
		}
		keys := make([]string, 0, len(types)+1)
		for n := len(types); n >= 1; n-- {
			keys = append(keys, ns+"/"+strings.Join(types[:n], "/"))
		}
		return append(keys, ns)
	}
	return []string{"microsoft.resources"}
}

// forPath returns the api-version for path, the key it came from, and whether it is configured.
func (v *apiVersions) forPath(path string) (version, key string, configured bool) {
	keys := providerKeys(path)
	for _, k := range keys {
		if ver, ok := v.overrides[k]; ok {
			return ver, k, true
		}
	}
	v.mu.Lock()
	defer v.mu.Unlock()
	for _, k := range keys {
		if ver, ok := v.learned[k]; ok {
			return ver, k, false
		}
		if vs, ok := defaultAPIVersions[k]; ok {
			return vs[0], k, false
		}
	}
	return "", keys[len(keys)-1], false
}

// fallback returns the version to try after failed was refused for key, or "" when none is left.
func (v *apiVersions) fallback(key, failed string) string {
	vs := defaultAPIVersions[key]
	for i, ver := range vs {
		if strings.EqualFold(ver, failed) && i+1 < len(vs) {
			return vs[i+1]
		}
	}
	return ""
}

func (v *apiVersions) learn(key, version string) {
	v.mu.Lock()
	v.learned[key] = version
	v.mu.Unlock()
}

func isUnsupportedVersion(err error) bool {
	e, ok := AsError(err)
	return ok && e.Status == 400 && unsupportedVersionCodes[strings.ToLower(e.Code)]
}
