package azure

import (
	"bytes"
	"io"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/sentinel-mcp/sentinel-mcp/internal/config"
	"github.com/sentinel-mcp/sentinel-mcp/internal/emulator"
	"github.com/sentinel-mcp/sentinel-mcp/internal/emulator/world"
)

// sovereign stands in for a national cloud on the wire: it records where the provider sends each
// request (host) and which token audiences it asks for, then hands the request to the emulator,
// whose token endpoint knows the public cloud's audiences only, so a national audience is asked for
// as its public counterpart; the sign-in metadata it returns names the national login host.
type sovereign struct {
	emu       *url.URL
	next      http.RoundTripper
	audiences map[string]string // national audience -> public one

	mu     sync.Mutex
	hosts  []string
	scopes []string
}

func (s *sovereign) RoundTrip(r *http.Request) (*http.Response, error) {
	r = r.Clone(r.Context())
	s.mu.Lock()
	s.hosts = append(s.hosts, r.URL.Host)
	s.mu.Unlock()
	if r.Method == http.MethodPost && strings.HasSuffix(r.URL.Path, "/oauth2/v2.0/token") && r.Body != nil {
		b, err := io.ReadAll(r.Body)
		if err != nil {
			return nil, err
		}
		form, err := url.ParseQuery(string(b))
		if err != nil {
			return nil, err
		}
		scope := form.Get("scope")
		s.mu.Lock()
		s.scopes = append(s.scopes, strings.Fields(scope)...)
		s.mu.Unlock()
		for national, public := range s.audiences {
			scope = strings.ReplaceAll(scope, national, public)
		}
		form.Set("scope", scope)
		body := form.Encode()
		r.Body = io.NopCloser(strings.NewReader(body))
		r.ContentLength = int64(len(body))
		r.Header.Set("Content-Length", strconv.Itoa(len(body)))
	}
	host := r.URL.Host
	r.URL.Scheme, r.URL.Host, r.Host = s.emu.Scheme, s.emu.Host, s.emu.Host
	resp, err := s.next.RoundTrip(r)
	if err != nil || !strings.Contains(r.URL.Path, "/.well-known/") && !strings.Contains(r.URL.Path, "/discovery/") {
		return resp, err
	}
	// The sign-in metadata names the login host that served it (MSAL checks the issuer against the
	// authority it was given).
	b, err := io.ReadAll(resp.Body)
	_ = resp.Body.Close()
	if err != nil {
		return nil, err
	}
	b = bytes.ReplaceAll(b, []byte(s.emu.Scheme+"://"+s.emu.Host), []byte("https://"+host))
	resp.Body, resp.ContentLength = io.NopCloser(bytes.NewReader(b)), int64(len(b))
	resp.Header.Del("Content-Length")
	return resp, nil
}

func (s *sovereign) seen() (hosts, scopes []string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.hosts), slices.Clone(s.scopes)
}

// azure.cloud points every surface, sign-in included, at the national cloud: its login host and
// authority, its Resource Manager and Log Analytics hosts, and tokens for its own audiences.
func TestSovereignCloudsBySetting(t *testing.T) {
	for _, c := range []struct {
		cloud                     string
		login, arm, logs          string
		armAudience, logsAudience string
		publicARM, publicLogs     string
	}{
		{config.CloudChina, "login.chinacloudapi.cn", "management.chinacloudapi.cn", "api.loganalytics.azure.cn",
			"https://management.core.chinacloudapi.cn/.default", "https://api.loganalytics.azure.cn/.default",
			"https://management.core.windows.net/.default", "https://api.loganalytics.io/.default"},
		{config.CloudUSGov, "login.microsoftonline.us", "management.usgovcloudapi.net", "api.loganalytics.us",
			"https://management.core.usgovcloudapi.net/.default", "https://api.loganalytics.us/.default",
			"https://management.core.windows.net/.default", "https://api.loganalytics.io/.default"},
	} {
		t.Run(c.cloud, func(t *testing.T) {
			e := startEmu(t, emulator.Options{})
			eu, _ := url.Parse(e.URL())
			wire := &sovereign{emu: eu, next: e.HTTPClient().Transport, audiences: map[string]string{
				c.armAudience: c.publicARM, c.logsAudience: c.publicLogs}}
			cfg := testConfig()
			cfg.Cloud = c.cloud
			p, err := NewProvider(cfg, Options{HTTPClient: &http.Client{Transport: wire}, LookupEnv: lookupTestEnv})
			if err != nil {
				t.Fatal(err)
			}
			if p.CloudName() != c.cloud {
				t.Errorf("cloud %q", p.CloudName())
			}
			ws := world.MustWorkspace(world.WSContosoProd)
			a, err := p.ARM(managing)
			if err != nil {
				t.Fatal(err)
			}
			if _, err := a.GetJSON(ctx(t), ws.ResourceID, nil); err != nil {
				t.Fatalf("ARM in %s: %v", c.cloud, err)
			}
			l, err := p.Logs(managing)
			if err != nil {
				t.Fatal(err)
			}
			if _, err := l.Query(ctx(t), ws.CustomerID, "print 1", "PT1H", nil, nil); err != nil && !IsNotImplemented(err) {
				t.Fatalf("query in %s: %v", c.cloud, err)
			}
			hosts, scopes := wire.seen()
			for _, h := range []string{c.login, c.arm, c.logs} {
				if !slices.Contains(hosts, h) {
					t.Errorf("no request to %s: %v", h, hosts)
				}
			}
			for _, h := range hosts {
				if strings.Contains(h, "azure.com") || strings.Contains(h, "windows.net") || strings.Contains(h, "loganalytics.io") || strings.Contains(h, "microsoftonline.com") {
					t.Errorf("a request went to the public cloud: %s", h)
				}
			}
			if !slices.Contains(scopes, c.armAudience) || !slices.Contains(scopes, c.logsAudience) {
				t.Errorf("token audiences %v, want %s and %s", scopes, c.armAudience, c.logsAudience)
			}
		})
	}
}
