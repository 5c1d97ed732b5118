// Package emulator is a loopback Azure: Entra token endpoint, Azure Resource Manager (subscriptions,
// Lighthouse, Resource Graph, Log Analytics, Sentinel, Insights) and the Log Analytics query API, all on
// one HTTP(S) host, speaking the Azure wire format over a deterministic multi-tenant SOC world.
//
// The product talks to it exactly as it talks to Azure (through the Azure SDK pipeline), so every client
// code path is exercised for real. Start-up is cheap: the world is built on first use and each
// workspace's log tables are generated on its first query.
package emulator

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"sync"
	"time"
)

// Options configures an Emulator. The zero value is a usable default.
type Options struct {
	Seed         int64            // deterministic data; default 1
	Now          func() time.Time // clock; data is generated relative to Now() truncated to the hour
	Days         int              // days of log history; default 7
	Scale        float64          // log volume multiplier; 1.0 = demo size
	Rows         int              // if > 0: total log rows; overrides Scale
	ExtraTenants int              // synthetic Lighthouse-delegated customers for fan-out tests
	PageSize     int              // ARM list page size; default 50
	PlainHTTP    bool             // default is HTTPS with an ephemeral CA
	Addr         string           // default "127.0.0.1:0"; loopback addresses only
	DataDir      string           // optional persistence (atomic writes)
	Logger       *slog.Logger

	// AsyncDelay is how long a long-running operation stays InProgress (tables, Lighthouse, watchlist
	// deletion); default 1s. The Retry-After sent with it follows this value, so tests set it low.
	AsyncDelay time.Duration
	// Faults are installed at start; more can be added with Emulator.Faults().
	Faults []Fault

	fixture      func() *worldState // tests: replaces the seeded world
	queryMaxRows int                // tests: rows a query result keeps (default queryMaxRows)
}

// Emulator is a running (or ready to run) loopback Azure.
type Emulator struct {
	opts       Options
	log        *slog.Logger
	ca         *certAuthority
	signer     *signer
	faults     *Faults
	limits     *rateLimiter
	ops        *lroTable
	graphQuota *graphQuotaState

	worldOnce  sync.Once
	worldErr   error
	world      *worldState
	store      *store
	writeMu    sync.Mutex // serialises writes so etag checks and updates are atomic
	grantCache grantCache
	certsMu    sync.Mutex
	certs      map[string][]*x509.Certificate // client id (lower) -> registered certificates

	logsMu    sync.Mutex
	logsCache map[string]*workspaceLogs

	persist *persister

	mu     sync.Mutex
	srv    *http.Server
	ln     net.Listener
	url    string
	client *http.Client
	done   chan struct{}
	conns  connTracker
}

// New validates the options and prepares the emulator; it does not listen yet.
func New(opts Options) (*Emulator, error) {
	if opts.Seed == 0 {
		opts.Seed = 1
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.Days <= 0 {
		opts.Days = 7
	}
	if opts.Scale <= 0 {
		opts.Scale = 1
	}
	if opts.PageSize <= 0 {
		opts.PageSize = 50
	}
	if opts.Addr == "" {
		opts.Addr = "127.0.0.1:0"
	}
	if opts.AsyncDelay <= 0 {
		opts.AsyncDelay = time.Second
	}
	if opts.Rows < 0 || opts.ExtraTenants < 0 {
		return nil, errors.New("emulator: Rows and ExtraTenants must not be negative")
	}
	if err := checkLoopback(opts.Addr); err != nil {
		return nil, err
	}
	logger := opts.Logger
	if logger == nil {
		logger = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	e := &Emulator{
		opts:       opts,
		log:        logger,
		faults:     newFaults(opts.Seed),
		limits:     newRateLimiter(),
		ops:        newLROTable(),
		graphQuota: newGraphQuota(),
		logsCache:  map[string]*workspaceLogs{},
	}
	for _, f := range opts.Faults {
		if _, err := e.faults.Add(f); err != nil {
			return nil, err
		}
	}
	var err error
	if e.signer, err = newSigner(); err != nil {
		return nil, err
	}
	if !opts.PlainHTTP {
		if e.ca, err = newCertAuthority(time.Now()); err != nil {
			return nil, err
		}
	}
	if opts.DataDir != "" {
		e.persist = newPersister(opts.DataDir, logger)
		e.persist.save = e.saveState
	}
	return e, nil
}

// Start listens on Options.Addr and serves in the background. A persisted state in DataDir is loaded
// first; a corrupt or partial state file is an error, never silently replaced.
func (e *Emulator) Start() error {
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.srv != nil {
		return errors.New("emulator: already started")
	}
	if e.persist != nil {
		if err := e.loadPersisted(); err != nil {
			return err
		}
	}
	ln, err := net.Listen("tcp", e.opts.Addr)
	if err != nil {
		return fmt.Errorf("emulator: listen on %s: %w", e.opts.Addr, err)
	}
	scheme := "http"
	if e.ca != nil {
		scheme = "https"
		ln = tls.NewListener(ln, &tls.Config{Certificates: []tls.Certificate{e.ca.leaf}, MinVersion: tls.VersionTLS12})
	}
	e.ln = ln
	e.url = scheme + "://" + ln.Addr().String()
	e.srv = &http.Server{
		Handler:           e,
		ReadHeaderTimeout: 10 * time.Second,
		ErrorLog:          slog.NewLogLogger(e.log.Handler(), slog.LevelDebug),
		ConnState:         e.conns.state,
	}
	e.done = make(chan struct{})
	go func() {
		defer close(e.done)
		if err := e.srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			e.log.Error("emulator stopped", "err", err)
		}
	}()
	e.log.Info("emulator listening", "url", e.url)
	return nil
}

// Close stops the server and flushes pending persisted state.
func (e *Emulator) Close() error {
	e.mu.Lock()
	srv := e.srv
	e.mu.Unlock()
	var errs []error
	if srv != nil {
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		defer cancel()
		shut := make(chan error, 1)
		go func() { shut <- srv.Shutdown(ctx) }()
		<-e.done // Serve returns once Shutdown has closed the listener
		e.conns.closeFresh()
		if err := <-shut; err != nil {
			_ = srv.Close()
		}
	}
	if e.persist != nil {
		if err := e.persist.close(); err != nil {
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}

// URL is the base URL of every surface: login authority, ARM, Resource Graph and the /v1 query API.
func (e *Emulator) URL() string {
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.url
}

// HTTPClient returns a client that trusts the emulator's CA (a plain client in PlainHTTP mode).
func (e *Emulator) HTTPClient() *http.Client {
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.client != nil {
		return e.client
	}
	tr := http.DefaultTransport.(*http.Transport).Clone()
	tr.Proxy = nil // loopback: never route through a proxy from the environment
	if e.ca != nil {
		tr.TLSClientConfig = &tls.Config{RootCAs: e.ca.certPool, MinVersion: tls.VersionTLS12}
	}
	e.client = &http.Client{Transport: tr}
	return e.client
}

// CACertPEM is the PEM of the ephemeral CA (nil in PlainHTTP mode), for clients in other processes.
func (e *Emulator) CACertPEM() []byte {
	if e.ca == nil {
		return nil
	}
	return append([]byte(nil), e.ca.caPEM...)
}

// Faults is the programmatic fault-injection switchboard.
func (e *Emulator) Faults() *Faults { return e.faults }

// now is the data clock (Options.Now); token lifetimes and operation timing use the wall clock.
func (e *Emulator) now() time.Time { return e.opts.Now().UTC() }

// state returns the world and the store, building them on first use.
func (e *Emulator) state() (*worldState, *store, error) {
	e.worldOnce.Do(func() {
		if e.store != nil { // loaded from DataDir
			if e.world == nil {
				e.world, e.worldErr = e.buildWorld()
			}
			return
		}
		w, err := e.buildWorld()
		if err != nil {
			e.worldErr = err
			return
		}
		e.world = w
		e.store = newStore()
		e.worldErr = e.loadWorld(w)
		e.log.Debug("emulator world built", "tenants", len(w.tenants), "resources", len(w.resources))
	})
	return e.world, e.store, e.worldErr
}

// checkLoopback refuses listen addresses other than loopback ones: the emulator's identities and
// secrets are public, and its certificate names only localhost, 127.0.0.1 and ::1.
func checkLoopback(addr string) error {
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		return fmt.Errorf("emulator: listen address %q: %v (want host:port, e.g. 127.0.0.1:8443)", addr, err)
	}
	if strings.EqualFold(host, "localhost") {
		return nil
	}
	if ip := net.ParseIP(host); ip != nil && ip.IsLoopback() {
		return nil
	}
	return fmt.Errorf("emulator: listen address %q is not a loopback address; the emulator serves 127.0.0.1, ::1 or localhost only (its identities and secrets are public)", addr)
}
