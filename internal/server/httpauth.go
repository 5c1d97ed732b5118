package server

import (
	"crypto/sha256"
	"crypto/subtle"
	"encoding/json"
	"net/http"
	"net/url"
	"strings"

	"github.com/modelcontextprotocol/go-sdk/oauthex"
)

// Paths of the OAuth 2.0 protected-resource metadata (RFC 9728). The path-suffixed form is the one
// RFC 9728 §3.1 derives from the resource URL (https://host/mcp -> /.well-known/oauth-protected-resource/mcp);
// the bare form is what MCP clients also try.
const (
	PathResourceMetadata = "/.well-known/oauth-protected-resource"
)

// MinNetworkTokenLength is the shortest bearer token accepted on a non-loopback address: a token
// that guards a network-reachable server must not be guessable.
const MinNetworkTokenLength = 16

// bearerAuth checks the static bearer token. The comparison is constant-time over SHA-256 digests,
// so neither the content nor the length of the token leaks through timing.
type bearerAuth struct {
	digest [32]byte
}

func newBearerAuth(token string) *bearerAuth {
	if token == "" {
		return nil
	}
	return &bearerAuth{digest: sha256.Sum256([]byte(token))}
}

// check reports whether r carries the token; presented is false when it carries no bearer token at
// all (RFC 6750 §3.1: the challenge then has no error code).
func (a *bearerAuth) check(r *http.Request) (ok, presented bool) {
	fields := strings.Fields(r.Header.Get("Authorization"))
	if len(fields) != 2 || !strings.EqualFold(fields[0], "Bearer") {
		return false, false
	}
	got := sha256.Sum256([]byte(fields[1]))
	return subtle.ConstantTimeCompare(got[:], a.digest[:]) == 1, true
}

// resourceURL is the resource identifier of the MCP endpoint as clients address it: the configured
// public URL, or the request's scheme and (already validated) Host.
func (g *guard) resourceURL(r *http.Request) *url.URL {
	if g.publicURL != nil {
		u := *g.publicURL
		return &u
	}
	scheme := "http"
	if r.TLS != nil {
		scheme = "https"
	}
	return &url.URL{Scheme: scheme, Host: r.Host, Path: MCPPath}
}

// metadataURL is where the resource's metadata is served (RFC 9728 §3.1: the well-known path is
// inserted between the host and the resource's path).
func (g *guard) metadataURL(r *http.Request) string {
	res := g.resourceURL(r)
	return (&url.URL{Scheme: res.Scheme, Host: res.Host, Path: PathResourceMetadata + strings.TrimSuffix(res.Path, "/")}).String()
}

// challenge answers 401 with the Bearer challenge pointing at the resource metadata.
func (g *guard) challenge(w http.ResponseWriter, r *http.Request, presented bool) {
	c := `Bearer realm="sentinel-mcp", resource_metadata="` + g.metadataURL(r) + `"`
	msg := "unauthorized: send Authorization: Bearer <token>"
	if presented {
		c += `, error="invalid_token", error_description="the bearer token is not valid"`
		msg = "unauthorized: the bearer token is not valid"
	}
	w.Header().Set("WWW-Authenticate", c)
	http.Error(w, msg, http.StatusUnauthorized)
}

// serveResourceMetadata serves the RFC 9728 document. It is public (clients read it before they
// authenticate) and only offered when a token is configured: an open server has nothing to describe.
// There is no authorization server to list: the token is static, and clients are configured with it.
func (g *guard) serveResourceMetadata(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		w.Header().Set("Allow", "GET, HEAD")
		http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
		return
	}
	md := oauthex.ProtectedResourceMetadata{
		Resource:               g.resourceURL(r).String(),
		BearerMethodsSupported: []string{"header"},
		ResourceName:           Name,
	}
	b, _ := json.MarshalIndent(md, "", "  ")
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "max-age=3600")
	_, _ = w.Write(append(b, '\n'))
}

func isResourceMetadataPath(p string) bool {
	return p == PathResourceMetadata || strings.HasPrefix(p, PathResourceMetadata+"/")
}
