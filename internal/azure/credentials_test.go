package azure

import (
	"crypto"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"math/big"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/sentinel-mcp/sentinel-mcp/internal/config"
	"github.com/sentinel-mcp/sentinel-mcp/internal/emulator"
	"github.com/sentinel-mcp/sentinel-mcp/internal/emulator/world"
)

var litware = world.MustTenant(world.Litware).ID

func TestEachTenantUsesItsOwnCredential(t *testing.T) {
	v := newEnv(t, emulator.Options{}, nil)
	lit := world.MustWorkspace(world.WSLitwareSentinel)
	// Litware is reached with Litware's own app ...
	if _, err := v.arm(t, litware).GetJSON(ctx(t), lit.ResourceID, nil); err != nil {
		t.Fatalf("litware through its own credential: %v", err)
	}
	// ... and Woodgrove's app (no delegation from Litware) is refused by Azure.
	if _, err := v.arm(t, managing).GetJSON(ctx(t), lit.ResourceID, nil); !IsForbidden(err) {
		t.Fatalf("litware through Woodgrove's app: %v", err)
	}
	// Litware's app cannot reach a Lighthouse customer of Woodgrove.
	if _, err := v.arm(t, litware).GetJSON(ctx(t), world.MustWorkspace(world.WSContosoProd).ResourceID, nil); !IsForbidden(err) {
		t.Fatalf("contoso through Litware's app: %v", err)
	}
	if !strings.Contains(v.arm(t, litware).Identity(), `credential "litware"`) || strings.Contains(v.arm(t, litware).Identity(), world.LitwareApp.Secret) {
		t.Errorf("identity description: %s", v.arm(t, litware).Identity())
	}
}

func TestOneCredentialInstancePerTenant(t *testing.T) {
	v := newEnv(t, emulator.Options{}, nil)
	meta := countFault(t, v.e, emulator.Fault{Route: "/" + managing + "/v2.0/.well-known/openid-configuration"})
	tokens := countFault(t, v.e, emulator.Fault{Route: "/" + managing + "/oauth2/v2.0/token"})
	ws := world.MustWorkspace(world.WSContosoProd)
	var wg sync.WaitGroup
	errs := make(chan error, 20)
	for i := 0; i < 10; i++ {
		wg.Add(2)
		go func() {
			defer wg.Done()
			a, err := v.p.ARM(managing)
			if err == nil {
				_, err = a.GetJSON(ctx(t), ws.ResourceID, nil)
			}
			errs <- err
		}()
		go func() {
			defer wg.Done()
			l, err := v.p.Logs(managing)
			if err == nil {
				_, err = l.Query(ctx(t), ws.CustomerID, "print 1", "", nil, nil)
				if IsNotImplemented(err) { // the emulator's KQL engine is optional
					err = nil
				}
			}
			errs <- err
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
	if h := v.e.Faults().Hits(meta); h != 1 {
		t.Errorf("OpenID metadata fetched %d times; one credential instance should fetch it once", h)
	}
	if h := v.e.Faults().Hits(tokens); h != 2 {
		t.Errorf("%d token requests; want one per audience (ARM, Log Analytics)", h)
	}
}

func TestSignInFailuresAreClear(t *testing.T) {
	testEnv["TEST_WRONG_SECRET"] = "not-the-secret-7f3a"
	t.Cleanup(func() { delete(testEnv, "TEST_WRONG_SECRET") })
	v := newEnv(t, emulator.Options{}, func(c *config.Azure) {
		c.Credential.SecretEnv = "TEST_WRONG_SECRET"
		c.Credentials["missing"] = config.AzureCredential{Type: config.CredClientSecret, ClientID: world.LitwareApp.ClientID, SecretEnv: "TEST_UNSET_VARIABLE"}
		c.Tenants[0].Credential = "missing"
	})
	_, err := v.arm(t, managing).GetJSON(ctx(t), world.MustWorkspace(world.WSContosoProd).ResourceID, nil)
	if !IsUnauthorized(err) || !strings.Contains(err.Error(), "AADSTS7000215") || !strings.Contains(err.Error(), "the default identity") {
		t.Fatalf("wrong secret: %v", err)
	}
	for _, bad := range []string{"not-the-secret-7f3a", "\n", "RESPONSE", "troubleshoot", "Trace ID"} {
		if strings.Contains(err.Error(), bad) {
			t.Errorf("sign-in error contains %q: %s", bad, err)
		}
	}
	_, err = v.arm(t, litware).GetJSON(ctx(t), world.MustWorkspace(world.WSLitwareSentinel).ResourceID, nil)
	if err == nil || !strings.Contains(err.Error(), "TEST_UNSET_VARIABLE is not set") || !strings.Contains(err.Error(), `credential "missing"`) {
		t.Fatalf("unset secret variable: %v", err)
	}
}

// selfSignedCert makes an RSA certificate and writes it with its key as one PEM file.
func selfSignedCert(t *testing.T) (*x509.Certificate, *rsa.PrivateKey, string) {
	t.Helper()
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "sentinel-mcp test"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour)}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	cert, _ := x509.ParseCertificate(der)
	pk, _ := x509.MarshalPKCS8PrivateKey(key)
	path := filepath.Join(t.TempDir(), "app.pem")
	data := append(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: pk})...)
	if err := os.WriteFile(path, data, 0o600); err != nil {
		t.Fatal(err)
	}
	return cert, key, path
}

func TestCertificateCredential(t *testing.T) {
	cert, _, path := selfSignedCert(t)
	v := newEnv(t, emulator.Options{}, func(c *config.Azure) {
		c.Credentials["litware"] = config.AzureCredential{Type: config.CredCertificate, ClientID: world.LitwareApp.ClientID, CertificateFile: path}
	})
	if err := v.e.RegisterCertificate(world.LitwareApp.ClientID, cert); err != nil {
		t.Fatal(err)
	}
	if _, err := v.arm(t, litware).GetJSON(ctx(t), world.MustWorkspace(world.WSLitwareSentinel).ResourceID, nil); err != nil {
		t.Fatalf("certificate credential: %v", err)
	}
}

func TestWorkloadIdentityCredential(t *testing.T) {
	cert, key, _ := selfSignedCert(t)
	app := world.LitwareApp
	// A federated token the emulator accepts: a JWT for the app signed by a registered certificate.
	sum := sha256.Sum256(cert.Raw)
	hdr, _ := json.Marshal(map[string]any{"alg": "RS256", "typ": "JWT", "x5t#S256": base64.RawURLEncoding.EncodeToString(sum[:])})
	claims, _ := json.Marshal(map[string]any{"iss": app.ClientID, "sub": app.ClientID, "aud": "api://AzureADTokenExchange",
		"nbf": time.Now().Add(-time.Minute).Unix(), "exp": time.Now().Add(time.Hour).Unix()})
	signing := base64.RawURLEncoding.EncodeToString(hdr) + "." + base64.RawURLEncoding.EncodeToString(claims)
	digest := sha256.Sum256([]byte(signing))
	sig, err := rsa.SignPKCS1v15(rand.Reader, key, crypto.SHA256, digest[:])
	if err != nil {
		t.Fatal(err)
	}
	tokenFile := filepath.Join(t.TempDir(), "token")
	if err := os.WriteFile(tokenFile, []byte(signing+"."+base64.RawURLEncoding.EncodeToString(sig)), 0o600); err != nil {
		t.Fatal(err)
	}
	testEnv["AZURE_FEDERATED_TOKEN_FILE"] = tokenFile
	t.Cleanup(func() { delete(testEnv, "AZURE_FEDERATED_TOKEN_FILE") })
	v := newEnv(t, emulator.Options{}, func(c *config.Azure) {
		c.Credentials["litware"] = config.AzureCredential{Type: config.CredWorkloadIdentity, ClientID: app.ClientID}
	})
	if err := v.e.RegisterCertificate(app.ClientID, cert); err != nil {
		t.Fatal(err)
	}
	if _, err := v.arm(t, litware).GetJSON(ctx(t), world.MustWorkspace(world.WSLitwareSentinel).ResourceID, nil); err != nil {
		t.Fatalf("workload identity: %v", err)
	}
}

func TestOtherCredentialTypesBuildWithoutNetwork(t *testing.T) {
	for _, typ := range []string{config.CredDefault, config.CredManagedIdentity, config.CredAzureCLI, config.CredEnvironment} {
		if typ == config.CredEnvironment && os.Getenv("AZURE_TENANT_ID") == "" {
			// reads AZURE_* at construction: without them it must say which is missing
			cfg := testConfig()
			cfg.Credential = config.AzureCredential{Type: typ}
			p, _ := NewProvider(cfg, Options{})
			ce, _ := p.credentialFor("")
			if _, err := ce.build(); err == nil || !strings.Contains(err.Error(), "AZURE_TENANT_ID") {
				t.Errorf("environment credential without environment: %v", err)
			}
			continue
		}
		cfg := testConfig()
		cfg.Credential = config.AzureCredential{Type: typ, TenantID: managing}
		p, err := NewProvider(cfg, Options{LookupEnv: lookupTestEnv})
		if err != nil {
			t.Fatalf("%s: %v", typ, err)
		}
		ce, err := p.credentialFor(managing)
		if err != nil {
			t.Fatalf("%s: %v", typ, err)
		}
		if _, err := ce.build(); err != nil {
			t.Errorf("%s: %v", typ, err)
		}
	}
	cfg := testConfig()
	cfg.Credential.Type = "kerberos"
	if _, err := NewProvider(cfg, Options{}); err == nil || !strings.Contains(err.Error(), "client_secret") {
		t.Errorf("unknown type: %v", err)
	}
}

func TestSecretsNeverLogged(t *testing.T) {
	v := newEnv(t, emulator.Options{}, nil)
	a := v.arm(t, managing)
	ws := world.MustWorkspace(world.WSContosoProd)
	addFault(t, v.e, emulator.Fault{Route: ws.ResourceID, Status: 429, RetryAfter: 10 * time.Millisecond, Times: 2})
	if _, err := a.GetJSON(ctx(t), ws.ResourceID, nil); err != nil {
		t.Fatal(err)
	}
	l, _ := v.p.Logs(managing)
	_, qerr := l.Query(ctx(t), ws.CustomerID, "SigninLogs | take 1", "P1D", nil, nil)
	_, aerr := v.arm(t, litware).GetJSON(ctx(t), ws.ResourceID, nil) // 403
	logs := v.log.String()
	if !strings.Contains(logs, "azure request retried") {
		t.Fatalf("expected debug logs of the requests, got:\n%s", logs)
	}
	for _, secret := range []string{world.ManagingApp.Secret, world.LitwareApp.Secret, "eyJ", "Bearer", "client_secret="} {
		for what, text := range map[string]string{"logs": logs, "query error": errText(qerr), "ARM error": errText(aerr),
			"identity": a.Identity() + l.Identity()} {
			if strings.Contains(text, secret) {
				t.Errorf("%s contain %q", what, secret)
			}
		}
	}
}

func errText(err error) string {
	if err == nil {
		return ""
	}
	return err.Error()
}
