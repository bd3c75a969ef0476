package qualys

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"os"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/qflow/qflow/internal/secret"
)

// Defaults for Options.
const (
	DefaultMaxRetries  = 5
	DefaultPageTimeout = 5 * time.Minute
	DefaultConcurrency = 2
	DefaultUserAgent   = "qflow"
)

// Options configure a Client.
type Options struct {
	// GatewayURL is the gateway base URL (CSAM, JWT auth), e.g.
	// https://gateway.qg1.apps.qualys.com. Plain http:// is accepted only
	// for loopback hosts (the simulator).
	GatewayURL string
	// APIURL is the API server base URL (VMDR, KnowledgeBase); may be empty.
	APIURL string
	// Username and Password are the Qualys API user's credentials.
	Username string
	Password secret.String
	// HTTPClient sends the requests. nil: a client with dial, TLS-handshake
	// and idle timeouts and no overall timeout (PageTimeout bounds each
	// request). Set TLS roots and proxies on your own client.
	HTTPClient *http.Client
	// Logger receives a Debug line per HTTP call and an Info line per retry
	// or rate-limit wait. nil: discard.
	Logger *slog.Logger
	// MaxRetries is the number of retries after a failed attempt (default 5;
	// negative: none).
	MaxRetries int
	// PageTimeout bounds one request, headers and body, separately from the
	// caller's context (default 5m). For API-server pages it covers the
	// download to the spool file (SpoolDir), not the caller's loop body.
	PageTimeout time.Duration
	// Concurrency is the maximum number of calls in flight across the client
	// (default 2). It is lowered automatically when a response reports a
	// lower X-Concurrency-Limit-Limit. Token requests do not count: the
	// gateway does not limit /auth.
	Concurrency int
	// UserAgent is sent with every request (default "qflow").
	UserAgent string
	// Backoff is the first wait before a retry when the server names no
	// wait of its own (default 1s); each further retry doubles it, ±50%
	// jitter, up to MaxBackoff (default 1m). A wait the server names
	// (X-RateLimit-ToWait-Sec, SECONDS_TO_WAIT) is kept exactly, plus up to
	// WaitJitter (default 1s, at most a tenth of the wait) so that parallel
	// callers do not return at the same instant.
	Backoff, MaxBackoff, WaitJitter time.Duration
	// Now is the clock the client reads for token lifetimes and rate
	// windows (default time.Now). Waits use timers, which testing/synctest
	// fakes along with time.Now.
	Now func() time.Time
	// SpoolDir is the directory of the temporary files pages (CSAM asset
	// search, VMDR host list, host list detection, KnowledgeBase) are
	// written to while they download ("": os.TempDir()). A page is
	// decoded from its file, as it is written (API-server walks without
	// read-ahead) or once the connection and the concurrency slot are
	// released; either way the download never waits for the loop body, so
	// a slow loop body holds neither, and the file is removed as soon as
	// the page is decoded, on error, or when the caller stops iterating. Files are named qflow-qualys-*.xml or *.json (.gz
	// added with SpoolCompress); except on Windows their names are removed
	// as soon as they are created, so that even a killed process leaves
	// none behind (their space shows in df, not in ls). Allow for one page
	// per walk in progress (a
	// VMDR page of 1,000 hosts, or a CSAM page of 300 assets with their
	// software, is some 50 MB raw).
	SpoolDir string
	// SpoolCompress gzips the spool files (about 10× smaller, at some 15 %
	// of a VMDR sync's CPU time): for a SpoolDir short of space.
	SpoolCompress bool
}

// Client talks to one Qualys subscription. It is safe for concurrent use.
// Create it with NewClient.
type Client struct {
	// CSAM is the CyberSecurity Asset Management (Global AssetView) API.
	CSAM *CSAMService
	// VMDR is the API server's host list and host list detection APIs.
	VMDR *VMDRService
	// KB is the API server's KnowledgeBase API.
	KB *KBService

	common service // reused for every service: adding one allocates nothing

	hc          *http.Client
	gateway     *url.URL // nil when not configured
	api         *url.URL // nil when not configured
	username    string
	password    secret.String
	log         *slog.Logger
	userAgent   string
	maxRetries  int
	pageTimeout time.Duration
	sem         *limiter
	tokens      *tokenSource

	gate *gate

	// The API server (VMDR, KnowledgeBase) has limits of its own: a
	// gateway 409 never stalls it, and the other way round.
	apiSem  *limiter
	apiGate *gate
	kbLock  *limiter // KnowledgeBase calls run one at a time

	spoolDir  string    // API-server pages are spooled here; "": os.TempDir()
	spoolGzip bool      // compress the spool files
	spoolPool sync.Pool // *spoolBufs

	calls, retries, throttled atomic.Int64
	statsMu                   sync.Mutex
	byEndpoint                map[string]int64

	// Seams for tests; set by NewClient.
	now          func() time.Time
	sleep        func(ctx context.Context, d time.Duration) error
	backoffBase  time.Duration // first backoff interval
	backoffMax   time.Duration // cap on one backoff interval
	waitJitter   time.Duration // cap on the jitter added to a server-named wait
	authMargin   time.Duration // refresh a token this long before it expires (at most)
	defaultTTL   time.Duration // token lifetime when the JWT's exp cannot be read
	authTimeout  time.Duration // bound on one token request
	errBodyLimit int64
}

// service is embedded by every service type.
type service struct{ client *Client }

// Stats counts the HTTP requests a Client has sent.
type Stats struct {
	Calls      int64            // every HTTP request sent, authentication included
	Retries    int64            // attempts repeated after a failure
	Throttled  int64            // responses refused for rate or concurrency (409, 429)
	ByEndpoint map[string]int64 // requests per operation, e.g. "POST /auth"
}

// NewClient validates opts and returns a Client. No request is sent: the
// credentials are checked by the first call.
func NewClient(opts Options) (*Client, error) {
	if opts.GatewayURL == "" && opts.APIURL == "" {
		return nil, errors.New("qualys: no URL: set the gateway URL (e.g. https://gateway.qg1.apps.qualys.com) or pick a platform")
	}
	c := &Client{
		username:     opts.Username,
		password:     opts.Password,
		log:          opts.Logger,
		userAgent:    opts.UserAgent,
		maxRetries:   opts.MaxRetries,
		pageTimeout:  opts.PageTimeout,
		hc:           opts.HTTPClient,
		byEndpoint:   map[string]int64{},
		now:          time.Now,
		sleep:        sleepCtx,
		backoffBase:  time.Second,
		backoffMax:   time.Minute,
		waitJitter:   time.Second,
		authMargin:   5 * time.Minute,
		defaultTTL:   4 * time.Hour,
		authTimeout:  time.Minute,
		errBodyLimit: maxErrorBody,
		spoolDir:     opts.SpoolDir,
		spoolGzip:    opts.SpoolCompress,
	}
	var err error
	if opts.GatewayURL != "" {
		if c.gateway, err = parseBaseURL("gateway URL", opts.GatewayURL); err != nil {
			return nil, err
		}
	}
	if opts.APIURL != "" {
		if c.api, err = parseBaseURL("API URL", opts.APIURL); err != nil {
			return nil, err
		}
	}
	if c.spoolDir != "" {
		if fi, err := os.Stat(c.spoolDir); err != nil || !fi.IsDir() {
			return nil, fmt.Errorf("qualys: spool directory %q: not a directory: create it or leave it empty for %s", c.spoolDir, os.TempDir())
		}
	}
	if strings.TrimSpace(opts.Username) == "" || opts.Password.IsZero() {
		return nil, errors.New("qualys: username and password are required")
	}
	if c.log == nil {
		c.log = slog.New(slog.DiscardHandler)
	}
	if c.userAgent == "" {
		c.userAgent = DefaultUserAgent
	}
	switch {
	case c.maxRetries == 0:
		c.maxRetries = DefaultMaxRetries
	case c.maxRetries < 0:
		c.maxRetries = 0
	}
	if c.pageTimeout <= 0 {
		c.pageTimeout = DefaultPageTimeout
	}
	if opts.Backoff > 0 {
		c.backoffBase = opts.Backoff
	}
	if opts.MaxBackoff > 0 {
		c.backoffMax = opts.MaxBackoff
	}
	c.backoffMax = max(c.backoffMax, c.backoffBase)
	if opts.WaitJitter > 0 {
		c.waitJitter = opts.WaitJitter
	}
	if opts.Now != nil {
		c.now = opts.Now
	}
	conc := opts.Concurrency
	if conc <= 0 {
		conc = DefaultConcurrency
	}
	c.sem = newLimiter(conc)
	c.gate = newGate()
	c.apiSem = newLimiter(conc)
	c.apiGate = newGate()
	c.kbLock = newLimiter(1)
	if c.hc == nil {
		c.hc = defaultHTTPClient(conc)
	}
	c.tokens = &tokenSource{c: c}
	c.common.client = c
	c.CSAM = (*CSAMService)(&c.common)
	c.VMDR = (*VMDRService)(&c.common)
	c.KB = (*KBService)(&c.common)
	return c, nil
}

// parseBaseURL checks a base URL: absolute, https unless the host is a
// loopback address, no credentials, query or fragment.
func parseBaseURL(what, raw string) (*url.URL, error) {
	u, err := url.Parse(strings.TrimSpace(raw))
	if err != nil {
		return nil, fmt.Errorf("qualys: %s %q: %w", what, raw, err)
	}
	if u.Host == "" || (u.Scheme != "http" && u.Scheme != "https") {
		return nil, fmt.Errorf("qualys: %s %q: want an absolute https:// URL such as https://gateway.qg1.apps.qualys.com", what, raw)
	}
	if u.User != nil {
		return nil, fmt.Errorf("qualys: %s must not contain credentials: pass them as username and password", what)
	}
	if u.RawQuery != "" || u.Fragment != "" {
		return nil, fmt.Errorf("qualys: %s %q: remove the query or fragment", what, sanitizeURL(u))
	}
	if u.Scheme == "http" && !isLoopback(u.Hostname()) {
		return nil, fmt.Errorf("qualys: %s %q: plain http is allowed only for loopback hosts (127.0.0.0/8, ::1, localhost); use https://", what, u.String())
	}
	u.Path = strings.TrimRight(u.Path, "/")
	u.RawPath = ""
	return u, nil
}

func isLoopback(host string) bool {
	if strings.EqualFold(host, "localhost") {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

func defaultHTTPClient(conc int) *http.Client {
	t := http.DefaultTransport.(*http.Transport).Clone()
	t.DialContext = (&net.Dialer{Timeout: 30 * time.Second, KeepAlive: 30 * time.Second}).DialContext
	t.TLSHandshakeTimeout = 15 * time.Second
	t.IdleConnTimeout = 90 * time.Second
	t.MaxIdleConnsPerHost = max(conc, 2) + 2
	return &http.Client{Transport: t}
}

// Stats returns the request counters.
func (c *Client) Stats() Stats {
	c.statsMu.Lock()
	by := make(map[string]int64, len(c.byEndpoint))
	for k, v := range c.byEndpoint {
		by[k] = v
	}
	c.statsMu.Unlock()
	return Stats{Calls: c.calls.Load(), Retries: c.retries.Load(), Throttled: c.throttled.Load(), ByEndpoint: by}
}

// Rate returns the rate and concurrency state of the last gateway (CSAM)
// response that carried the headers (Seen is false before any).
func (c *Client) Rate() Rate { return c.gate.current() }

// Concurrency returns the current bound on gateway calls in flight:
// Options.Concurrency, or the subscription's concurrency limit if a response
// reported a lower one.
func (c *Client) Concurrency() int { return c.sem.size() }

// VMDRRate is Rate for the API server (VMDR and KnowledgeBase), whose limits
// are kept apart from the gateway's.
func (c *Client) VMDRRate() Rate { return c.apiGate.current() }

// VMDRConcurrency is Concurrency for the API server.
func (c *Client) VMDRConcurrency() int { return c.apiSem.size() }

func (c *Client) observeRate(sem *limiter, g *gate, t ticket, h http.Header) {
	r, hasRemaining := parseRateRemaining(h, c.now())
	if !r.Seen {
		return
	}
	g.observe(t, r, hasRemaining)
	if r.ConcurrencyLimit > 0 && r.ConcurrencyLimit < sem.size() {
		c.log.Info("qualys: lowering concurrency to the subscription's limit", slog.Int("limit", r.ConcurrencyLimit))
		sem.lower(r.ConcurrencyLimit)
	}
}

func (c *Client) countCall(op string) {
	c.calls.Add(1)
	c.statsMu.Lock()
	c.byEndpoint[op]++
	c.statsMu.Unlock()
}

// authKind says how a request authenticates.
type authKind int

const (
	authNone   authKind = iota // the token request itself
	authBearer                 // gateway: Authorization: Bearer <JWT>
	authBasic                  // API server: basic auth and X-Requested-With
)

// request describes one API call; do turns it into HTTP requests, one per
// attempt.
type request struct {
	method      string
	base        *url.URL
	path        string // appended to base's path
	query       url.Values
	body        []byte
	contentType string
	auth        authKind
	limited     bool // subject to the rate gate and the concurrency bound
	isAuth      bool // the token request: 4xx become *AuthError
}

// op names the operation in errors, logs and Stats.ByEndpoint.
func (r *request) op() string { return r.method + " " + r.path }

func (r *request) url() *url.URL {
	u := *r.base
	u.Path = r.base.Path + r.path
	u.RawQuery = r.query.Encode()
	return &u
}

// newJSONRequest returns a gateway request with a JSON body.
func (c *Client) newJSONRequest(method, path string, query url.Values, body []byte) (*request, error) {
	if c.gateway == nil {
		return nil, errors.New("qualys: no gateway URL configured: CSAM needs it (e.g. https://gateway.qg1.apps.qualys.com)")
	}
	return &request{
		method: method, base: c.gateway, path: path, query: query, body: body,
		contentType: "application/json", auth: authBearer, limited: true,
	}, nil
}

// attempt sends r once and hands a 2xx response to handle, which must read
// what it needs from the body. It returns the bearer token it used (so that a
// 401 can invalidate exactly that one) and the attempt's error.
func (c *Client) attempt(ctx context.Context, r *request, handle func(*http.Response) error) (token string, err error) {
	op := r.op()
	var gt *ticket // the rate gate's ticket of a limited call
	sem, gate := c.sem, c.gate
	if r.auth == authBasic {
		sem, gate = c.apiSem, c.apiGate
	}
	if r.limited {
		if err := sem.acquire(ctx); err != nil {
			return token, fmt.Errorf("qualys: %s: %w", op, err)
		}
		defer sem.release()
		t, err := gate.enter(ctx, c.now, func(d time.Duration, rate Rate) error { return c.waitForRate(ctx, op, d, rate) })
		if err != nil {
			var rl *RateLimitError
			if errors.As(err, &rl) {
				return token, err
			}
			return token, fmt.Errorf("qualys: %s: %w", op, err)
		}
		defer gate.leave(t)
		gt = &t
	}
	// The token is taken once the call may go out: a wait for a slot or a
	// rate window can outlast it.
	if r.auth == authBearer {
		if token, err = c.tokens.token(ctx); err != nil {
			// The token request has retried on its own already.
			return "", &permanentError{err}
		}
	}
	timeout := c.pageTimeout
	if r.isAuth {
		timeout = min(timeout, c.authTimeout)
	}
	pctx, cancel := context.WithTimeoutCause(ctx, timeout, ErrPageTimeout)
	defer cancel()

	u := r.url()
	req, err := http.NewRequestWithContext(pctx, r.method, u.String(), bytes.NewReader(r.body))
	if err != nil {
		return token, &permanentError{fmt.Errorf("qualys: %s: %w", op, err)}
	}
	req.Header.Set("User-Agent", c.userAgent)
	req.Header.Set("Accept", "application/json")
	if r.contentType != "" {
		req.Header.Set("Content-Type", r.contentType)
	}
	switch r.auth {
	case authBearer:
		req.Header.Set("Authorization", "Bearer "+token)
	case authBasic:
		req.SetBasicAuth(c.username, c.password.Reveal())
		req.Header.Set("X-Requested-With", DefaultUserAgent)
		req.Header.Set("Accept", "application/xml")
	}

	start := time.Now()
	status := 0
	defer func() {
		attrs := []slog.Attr{
			slog.String("method", r.method), slog.String("path", r.path), slog.Int("status", status),
			slog.Duration("duration", time.Since(start)),
		}
		if len(r.query) > 0 {
			attrs = append(attrs, slog.String("query", r.query.Encode()))
		}
		if r.auth == authBasic && len(r.body) > 0 {
			attrs = append(attrs, slog.String("form", string(r.body))) // parameters only: the credentials travel in a header
		}
		if err != nil {
			attrs = append(attrs, slog.String("error", err.Error()))
		}
		c.log.LogAttrs(ctx, slog.LevelDebug, "qualys call", attrs...)
	}()

	c.countCall(op)
	resp, err := c.hc.Do(req)
	if err != nil {
		return token, c.failure(ctx, pctx, op, timeout, err)
	}
	status = resp.StatusCode
	if gt != nil {
		c.observeRate(sem, gate, *gt, resp.Header)
	}
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		defer resp.Body.Close()
		return token, c.checkResponse(ctx, pctx, r, u, resp, timeout)
	}
	if err := handle(resp); err != nil {
		resp.Body.Close()
		return token, c.failure(ctx, pctx, op, timeout, err)
	}
	// Drain a little so that the connection can be reused.
	_, _ = io.CopyN(io.Discard, resp.Body, 4<<10)
	resp.Body.Close()
	return token, nil
}

// failure maps an error met while sending or reading to what the retry
// classifier understands: the caller's cancellation, a per-request timeout,
// a transport error, or the handler's own error.
func (c *Client) failure(ctx, pctx context.Context, op string, timeout time.Duration, err error) error {
	if ctx.Err() != nil {
		return fmt.Errorf("qualys: %s: %w", op, ctx.Err())
	}
	if errors.Is(context.Cause(pctx), ErrPageTimeout) {
		return fmt.Errorf("qualys: %s: no complete response within %s (raise the page timeout if pages are this slow): %w", op, timeout, ErrPageTimeout)
	}
	var (
		pe  *PageError
		api *APIError
		ae  *AuthError
		pm  *permanentError
	)
	if errors.As(err, &pe) || errors.As(err, &api) || errors.As(err, &ae) || errors.As(err, &pm) {
		return err
	}
	return &transportError{op: op, err: err}
}

// checkResponse turns a non-2xx response into an error: *AuthError for a
// refused token request, *RateLimitError for 409/429, *APIError otherwise.
func (c *Client) checkResponse(ctx, pctx context.Context, r *request, u *url.URL, resp *http.Response, timeout time.Duration) error {
	op := r.op()
	body, err := io.ReadAll(io.LimitReader(resp.Body, c.errBodyLimit))
	if err != nil && ctx.Err() != nil {
		return c.failure(ctx, pctx, op, timeout, err)
	}
	if r.auth == authBasic {
		return c.apiServerError(op, u, resp.StatusCode, resp.Header, body)
	}
	code, msg := parseErrorBody(body)
	msg = c.scrub(msg)
	if r.isAuth {
		switch resp.StatusCode {
		case http.StatusBadRequest, http.StatusUnauthorized, http.StatusForbidden:
			return &AuthError{URL: sanitizeURL(u), StatusCode: resp.StatusCode, Message: msg, hint: "check QUALYS_USERNAME / QUALYS_PASSWORD"}
		case http.StatusNotFound:
			return &AuthError{URL: sanitizeURL(u), StatusCode: resp.StatusCode, Message: msg, hint: "check the gateway URL or platform"}
		}
	}
	apiErr := &APIError{Op: op, URL: sanitizeURL(u), StatusCode: resp.StatusCode, Code: code, Message: msg}
	if resp.StatusCode == http.StatusTooManyRequests || resp.StatusCode == http.StatusConflict {
		c.throttled.Add(1)
		// The wait comes from this response only: a 429 may lack the headers.
		var wait time.Duration
		rate := parseRate(resp.Header, c.now())
		if rate.Seen {
			wait = time.Duration(rate.ToWaitSec) * time.Second
		} else {
			rate = c.Rate()
		}
		return &RateLimitError{Op: op, Wait: wait, Rate: rate, Err: apiErr}
	}
	return apiErr
}

// scrub removes the password from a server message, in case it echoes it.
func (c *Client) scrub(s string) string {
	if p := c.password.Reveal(); len(p) >= 4 {
		s = strings.ReplaceAll(s, p, "[redacted]")
	}
	return s
}

// waitForRate sleeps d, the wait the last response named before the next
// call is allowed. When the wait would outlast ctx's deadline it returns a
// *RateLimitError at once.
func (c *Client) waitForRate(ctx context.Context, op string, d time.Duration, r Rate) error {
	if dl, ok := ctx.Deadline(); ok && time.Until(dl) < d {
		return &RateLimitError{Op: op, Wait: d, Rate: r}
	}
	c.log.Info("qualys: rate-limit window used up, waiting", slog.String("op", op), slog.Duration("wait", d))
	return c.sleep(ctx, d+c.jitter(c.waitJitter))
}
