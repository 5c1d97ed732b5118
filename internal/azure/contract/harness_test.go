package contract

import (
	"context"
	"encoding/json"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/arm"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/cloud"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/policy"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/runtime"
	"github.com/Azure/azure-sdk-for-go/sdk/azidentity"

	"github.com/sentinel-mcp/sentinel-mcp/internal/emulator"
	"github.com/sentinel-mcp/sentinel-mcp/internal/emulator/world"
)

// examplesDir holds the official examples: a copy of the project's shared azure-api-examples folder
// (Azure/azure-rest-api-specs, MIT; see its README), kept in testdata so the tests are hermetic.
// AZURE_API_EXAMPLES points the tests at another copy.
var examplesDir = func() string {
	if d := os.Getenv("AZURE_API_EXAMPLES"); d != "" {
		return d
	}
	return filepath.Join("testdata", "azure-api-examples")
}()

// harness is a running emulator plus SDK plumbing, addressing the Contoso production workspace
// (delegated to Woodgrove, whose app the clients authenticate as) in place of the examples' ids.
type harness struct {
	t    *testing.T
	e    *emulator.Emulator
	cred azcore.TokenCredential
	opts *arm.ClientOptions
	sub  string
	rg   string
	ws   string
	wsID string
}

func newHarness(t *testing.T, eopts emulator.Options) *harness {
	t.Helper()
	if eopts.AsyncDelay == 0 {
		eopts.AsyncDelay = 30 * time.Millisecond
	}
	e, err := emulator.New(eopts)
	if err != nil {
		t.Fatal(err)
	}
	if err := e.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = e.Close() })
	app := world.ManagingApp
	ws := world.MustWorkspace(world.WSContosoProd)
	h := &harness{t: t, e: e, sub: ws.SubscriptionID, rg: ws.ResourceGroup, ws: ws.Name, wsID: ws.ResourceID}
	h.cred = h.credential(app)
	h.opts = h.armOptions("")
	return h
}

func (h *harness) cloudConfig() cloud.Configuration {
	return cloud.Configuration{
		ActiveDirectoryAuthorityHost: h.e.URL() + "/",
		Services: map[cloud.ServiceName]cloud.ServiceConfiguration{
			cloud.ResourceManager: {Endpoint: h.e.URL(), Audience: "https://management.azure.com"},
		},
	}
}

func (h *harness) credential(app world.Identity) azcore.TokenCredential {
	h.t.Helper()
	cred, err := azidentity.NewClientSecretCredential(app.TenantID, app.ClientID, app.Secret, &azidentity.ClientSecretCredentialOptions{
		ClientOptions:            azcore.ClientOptions{Cloud: h.cloudConfig(), Transport: h.e.HTTPClient()},
		DisableInstanceDiscovery: true,
	})
	if err != nil {
		h.t.Fatal(err)
	}
	return cred
}

// armOptions configures ARM clients for the emulator; apiVersion overrides the module's default.
func (h *harness) armOptions(apiVersion string) *arm.ClientOptions {
	return &arm.ClientOptions{
		ClientOptions: policy.ClientOptions{
			Cloud:      h.cloudConfig(),
			Transport:  h.e.HTTPClient(),
			APIVersion: apiVersion,
			Retry:      policy.RetryOptions{MaxRetries: 3, RetryDelay: 10 * time.Millisecond, MaxRetryDelay: 2 * time.Second},
		},
		DisableRPRegistration: true,
	}
}

// pollFast makes pollers honour the emulator's short Retry-After.
var pollFast = &runtime.PollUntilDoneOptions{Frequency: time.Second}

// example is one x-ms-examples file.
type example struct {
	name       string
	Parameters map[string]json.RawMessage `json:"parameters"`
	Responses  map[string]struct {
		Headers map[string]string `json:"headers"`
		Body    json.RawMessage   `json:"body"`
	} `json:"responses"`
}

func loadExample(t *testing.T, rel string) *example {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(examplesDir, filepath.FromSlash(rel)))
	if err != nil {
		t.Fatalf("read example: %v", err)
	}
	ex := &example{name: rel}
	if strings.HasPrefix(rel, malformedDir+"/") || strings.Contains(rel, "/"+malformedDir+"/") {
		b = repairMissingCommas(b)
	}
	if err := json.Unmarshal(b, ex); err != nil {
		t.Fatalf("example %s: %v", rel, err)
	}
	return ex
}

// malformedDir holds the examples that are not valid JSON upstream (see the examples' README).
const malformedDir = "upstream-malformed"

// missingComma is a string value ending a line that is followed by a line starting with a key: the
// upstream defect (a comma missing between two members). Valid JSON never has that shape.
var missingComma = regexp.MustCompile(`("[^"\n]*")(\s*\n\s*")`)

func repairMissingCommas(b []byte) []byte { return missingComma.ReplaceAll(b, []byte("$1,$2")) }

func (ex *example) param(name string) json.RawMessage { return ex.Parameters[name] }

func (ex *example) str(name string) string {
	var s string
	_ = json.Unmarshal(ex.Parameters[name], &s)
	return s
}

// body returns the response body for a status code, or the first one with a body.
func (ex *example) body(codes ...string) json.RawMessage {
	for _, c := range codes {
		if r, ok := ex.Responses[c]; ok && len(r.Body) > 0 {
			return r.Body
		}
	}
	keys := make([]string, 0, len(ex.Responses))
	for k := range ex.Responses {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		if len(ex.Responses[k].Body) > 0 && string(ex.Responses[k].Body) != "null" {
			return ex.Responses[k].Body
		}
	}
	return nil
}

func (ex *example) statuses() []int {
	var out []int
	for k := range ex.Responses {
		var n int
		_ = json.Unmarshal([]byte(k), &n)
		out = append(out, n)
	}
	return out
}

// decodeInto decodes JSON into an SDK model (models carry their own UnmarshalJSON).
func decodeInto[T any](t *testing.T, raw json.RawMessage) T {
	t.Helper()
	var v T
	if err := json.Unmarshal(raw, &v); err != nil {
		t.Fatalf("decode %T: %v", v, err)
	}
	return v
}

// capture runs an SDK call with the raw HTTP response captured.
func capture[T any](h *harness, fn func(ctx context.Context) (T, error)) (T, *http.Response, []byte) {
	h.t.Helper()
	var raw *http.Response
	ctx, cancel := context.WithTimeout(runtime.WithCaptureResponse(context.Background(), &raw), 30*time.Second)
	defer cancel()
	got, err := fn(ctx)
	if err != nil {
		h.t.Fatalf("SDK call failed: %v", err)
	}
	var payload []byte
	if raw != nil {
		payload, _ = runtime.Payload(raw)
	}
	return got, raw, payload
}

// expectStatus checks the response status is one the example documents.
func expectStatus(t *testing.T, ex *example, resp *http.Response) {
	t.Helper()
	if resp == nil {
		t.Fatal("no response captured")
	}
	for _, s := range ex.statuses() {
		if s == resp.StatusCode {
			return
		}
	}
	t.Errorf("%s: status %d, example documents %v", ex.name, resp.StatusCode, ex.statuses())
}

// ctx is a bounded context for calls made without capture.
func (h *harness) ctx() context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	h.t.Cleanup(cancel)
	return ctx
}

// rewriteIDs moves an example document into the harness workspace: ids under the example's workspace
// path are re-rooted at ours, so the document can be stored and compared.
func (h *harness) rewriteIDs(raw json.RawMessage) json.RawMessage {
	var v any
	if err := json.Unmarshal(raw, &v); err != nil {
		h.t.Fatal(err)
	}
	var walk func(any) any
	walk = func(x any) any {
		switch t := x.(type) {
		case map[string]any:
			for k, y := range t {
				t[k] = walk(y)
			}
		case []any:
			for i, y := range t {
				t[i] = walk(y)
			}
		case string:
			return h.rebase(t)
		}
		return x
	}
	b, _ := json.Marshal(walk(v))
	return b
}

// rebase rewrites "/subscriptions/x/resourceGroups/y/providers/Microsoft.OperationalI(i)nsights/workspaces/z"
// prefixes (including the upstream typos) to the harness workspace.
func (h *harness) rebase(s string) string {
	l := strings.ToLower(s)
	if !strings.HasPrefix(l, "/subscriptions/") {
		return s
	}
	for _, marker := range []string{"/providers/microsoft.operationalinsights/workspaces/", "/providers/microsoft.operationaliinsights/workspaces/"} {
		if i := strings.Index(l, marker); i >= 0 {
			rest := s[i+len(marker):]
			if j := strings.Index(rest, "/"); j >= 0 {
				return h.wsID + rest[j:]
			}
			return h.wsID
		}
	}
	return s
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

func ptr[T any](v T) *T { return &v }

// emulatorOptions are the options every contract scenario starts its emulator with.
func emulatorOptions() emulator.Options { return emulator.Options{PageSize: 50} }

type httpResponse = http.Response

// withCapture returns a context that captures the raw response of the call made with it.
func withCapture(h *harness, raw **http.Response) context.Context {
	return runtime.WithCaptureResponse(h.ctx(), raw)
}

// operationFromHeader extracts {location} and {operationId} from an Azure-AsyncOperation URL
// ".../locations/{location}/operationStatuses/{id}?api-version=...".
func operationFromHeader(t *testing.T, u string) (string, string) {
	t.Helper()
	if i := strings.Index(u, "?"); i >= 0 {
		u = u[:i]
	}
	parts := strings.Split(u, "/")
	for i := 0; i+3 < len(parts); i++ {
		if strings.EqualFold(parts[i], "locations") && strings.EqualFold(parts[i+2], "operationStatuses") {
			return parts[i+1], parts[i+3]
		}
	}
	t.Fatalf("Azure-AsyncOperation %q does not name a location operation", u)
	return "", ""
}

// rawARM sends a request through the Azure SDK's ARM pipeline (credential, retry, logging policies)
// without a generated client, for APIs whose pinned module speaks an older shape (workbooks) or that
// have no client (the query API metadata). It returns the status and body.
func (h *harness) rawARM(method, path, apiVersion string, body any) (int, []byte) {
	h.t.Helper()
	c, err := arm.NewClient("contract", "v0.0.0", h.cred, h.opts)
	must(h.t, err)
	u := h.e.URL() + path
	if apiVersion != "" {
		sep := "?"
		if strings.Contains(u, "?") {
			sep = "&"
		}
		u += sep + "api-version=" + apiVersion
	}
	req, err := runtime.NewRequest(h.ctx(), method, u)
	must(h.t, err)
	if body != nil {
		must(h.t, runtime.MarshalAsJSON(req, body))
	}
	resp, err := c.Pipeline().Do(req)
	must(h.t, err)
	b, err := runtime.Payload(resp)
	must(h.t, err)
	return resp.StatusCode, b
}
