package qualyssim

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"sync"
	"sync/atomic"
	"time"
)

// Server is a simulated Qualys platform. It is an http.Handler serving the
// gateway (CSAM) and the API-server (VMDR, KnowledgeBase) paths from one
// seeded data set per subscription. It is safe for concurrent use.
//
// Its fields fall in two groups (see the Layout section of the package doc):
//
//   - World state, read-only after New except for the epoch: w (the
//     machines of every subscription), ds and vm (subscription 1's data set
//     and VMDR index; each subscription holds its own), epoch and advMu (the
//     current epoch, see world_epochs.go), and truthMu, truthEpoch and
//     truthCache (the Truth of the current epoch, computed once per epoch,
//     see world_truth.go).
//   - API state: cfg, subs and byUser (the subscriptions and their logins),
//     secret and tokenSeq (JWTs), log, lim and vmLim (subscription 1's
//     limiters), and the Stats counters under mu (calls, faults, violations,
//     vmViolations, attempts).
type Server struct {
	cfg    Config
	w      *world
	subs   []*subscription // Config.Subscriptions of them
	byUser map[string]*subscription
	secret []byte
	log    *slog.Logger

	// ds, vm, lim and vmLim are subscription 1's.
	ds    *dataset
	vm    *vmIndex
	lim   *limiter // CSAM gateway APIs
	vmLim *limiter // VMDR host list, host list detection and KB

	tokenSeq atomic.Int64
	epoch    atomic.Pointer[epochState]
	advMu    sync.Mutex // serializes Advance

	mu           sync.Mutex
	calls        map[string]int64
	faults       map[string]int64
	violations   int64 // CSAM and VMDR
	vmViolations int64
	attempts     map[string]int

	truthMu    sync.Mutex
	truthEpoch *epochState // epoch of truthCache
	truthCache Truth
}

// New validates cfg, applies defaults and builds the data set index of
// every subscription.
func New(cfg Config) (*Server, error) {
	cfg, err := cfg.withDefaults()
	if err != nil {
		return nil, err
	}
	w, vms, err := buildWorld(cfg)
	if err != nil {
		return nil, err
	}
	log := cfg.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	s := &Server{
		cfg: cfg, w: w, byUser: map[string]*subscription{}, secret: jwtSecret(cfg.Seed), log: log,
		calls: map[string]int64{}, faults: map[string]int64{}, attempts: map[string]int{},
	}
	es := &epochState{n: cfg.Epoch}
	for i, name := range usernames(cfg) {
		sub := &subscription{idx: i, username: name, ds: w.ds[i], vm: vms[i],
			lim:   newLimiter(cfg.ConcurrencyLimit, cfg.RateLimit, cfg.RateWindow),
			vmLim: newLimiter(cfg.ConcurrencyLimit, cfg.RateLimit, cfg.RateWindow)}
		s.subs = append(s.subs, sub)
		s.byUser[name] = sub
		es.vm = append(es.vm, vms[i].epochAt(cfg.Epoch))
	}
	s.ds, s.vm, s.lim, s.vmLim = s.subs[0].ds, s.subs[0].vm, s.subs[0].lim, s.subs[0].vmLim
	s.epoch.Store(es)
	return s, nil
}

// Credentials returns the username and password /auth and the API server
// accept; with several subscriptions, the first subscription's username.
func (s *Server) Credentials() (username, password string) { return s.subs[0].username, s.cfg.Password }

// Usernames returns the username of each subscription, in order: Username
// alone with one subscription, Username1 ... UsernameK with K. They share
// the password.
func (s *Server) Usernames() []string {
	out := make([]string, len(s.subs))
	for i, sub := range s.subs {
		out[i] = sub.username
	}
	return out
}

// Stats returns the call counters so far (a copy).
func (s *Server) Stats() Stats {
	maxRun, vmMaxRun := 0, 0
	var busy, vmBusy time.Duration
	for _, sub := range s.subs {
		maxRun, vmMaxRun = max(maxRun, sub.lim.maxRunning()), max(vmMaxRun, sub.vmLim.maxRunning())
		busy += sub.lim.busyTime()
		vmBusy += sub.vmLim.busyTime()
	}
	limit := s.cfg.ConcurrencyLimit
	if limit < 0 {
		limit = unlimitedConcurrency
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	st := Stats{Calls: make(map[string]int64, len(s.calls)), Faults: make(map[string]int64, len(s.faults)),
		LimitViolations: s.violations, MaxConcurrency: maxRun, VMMaxConcurrency: vmMaxRun,
		LimitViolationsByAPI: map[string]int64{"csam": s.violations - s.vmViolations, "vm": s.vmViolations},
		BusySeconds:          map[string]float64{"csam": busy.Seconds(), "vm": vmBusy.Seconds()}, ConcurrencyLimit: limit}
	for k, v := range s.calls {
		st.Calls[k] = v
	}
	for k, v := range s.faults {
		st.Faults[k] = v
	}
	return st
}

// ServeHTTP serves every simulated endpoint:
//
//	POST /auth                                    gateway JWT (201, bare token)
//	POST /rest/2.0/count/am/asset                 CSAM count
//	POST /rest/2.0/search/am/asset                CSAM search (pages)
//	GET|POST /api/{2,3,4,5}.0/fo/asset/host/      VMDR host list
//	GET|POST /api/{2,3,4,5}.0/fo/asset/host/vm/detection/  host list detection
//	GET|POST /api/2.0/fo/knowledge_base/vuln/     KnowledgeBase
//	GET  /msp/about.php                           version (basic auth)
//	GET  /_sim/truth, /_sim/stats                 ground truth and counters (no auth, no limits)
//	POST /_sim/advance                            next epoch
//
// Any other path answers 404.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	start := time.Now()
	rec := &statusRecorder{ResponseWriter: w}
	defer func() {
		s.log.Debug("qualyssim request", "method", r.Method, "path", r.URL.Path, "query", r.URL.RawQuery,
			"status", rec.status, "duration", time.Since(start))
	}()
	var err error
	switch r.URL.Path {
	case pathAuth:
		s.countCall(r)
		err = s.handleAuth(rec, r)
	case pathCount:
		s.countCall(r)
		err = s.gateway(rec, r, false)
	case pathSearch:
		s.countCall(r)
		err = s.gateway(rec, r, true)
	case "/_sim/truth":
		err = s.simJSON(rec, r, s.Truth())
	case "/_sim/stats":
		err = s.simJSON(rec, r, s.Stats())
	case "/_sim/advance":
		err = s.simAdvance(rec, r)
	case "/msp/about.php":
		s.handleAbout(rec, r)
	default:
		if api, version := vmRoute(r.URL.Path); api != 0 {
			s.vmdr(rec, r, api, version)
			return
		}
		err = gatewayError(http.StatusNotFound, "No endpoint "+r.Method+" "+r.URL.Path)
	}
	if err != nil {
		writeError(rec, err)
	}
}

func (s *Server) countCall(r *http.Request) {
	s.mu.Lock()
	s.calls[r.Method+" "+r.URL.Path]++
	s.mu.Unlock()
}

func (s *Server) simJSON(w http.ResponseWriter, r *http.Request, v any) error {
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		w.Header().Set("Allow", "GET, HEAD")
		return gatewayError(http.StatusMethodNotAllowed, "Request method '"+r.Method+"' is not supported")
	}
	w.Header().Set("Content-Type", "application/json")
	return json.NewEncoder(w).Encode(v)
}

// simAdvance serves POST /_sim/advance: the next epoch, as
// {"epoch":N,"datetime":"..."}.
func (s *Server) simAdvance(w http.ResponseWriter, r *http.Request) error {
	if r.Method != http.MethodPost {
		w.Header().Set("Allow", http.MethodPost)
		return gatewayError(http.StatusMethodNotAllowed, "Request method '"+r.Method+"' is not supported")
	}
	n, err := s.Advance()
	if err != nil {
		return gatewayError(http.StatusConflict, err.Error())
	}
	w.Header().Set("Content-Type", "application/json")
	return json.NewEncoder(w).Encode(struct {
		Epoch    int    `json:"epoch"`
		DateTime string `json:"datetime"`
	}{n, fmtDate(s.vm.epochTime(n))})
}

// gateway runs a limited CSAM call: method, bearer token, limits, request
// validation, faults, then the handler.
func (s *Server) gateway(w http.ResponseWriter, r *http.Request, search bool) error {
	if r.Method != http.MethodPost {
		w.Header().Set("Allow", http.MethodPost)
		return gatewayError(http.StatusMethodNotAllowed, "Request method '"+r.Method+"' is not supported")
	}
	sub, err := s.verifyJWT(r)
	if err != nil {
		return err
	}
	ls, refused := sub.lim.acquire(s.cfg.Now())
	ls.set(w.Header())
	if refused != nil {
		s.mu.Lock()
		s.violations++
		s.mu.Unlock()
		return csamError(http.StatusTooManyRequests, refused.msg)
	}
	defer sub.lim.release(time.Now())
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, 1<<20))
	if err != nil {
		return csamError(http.StatusBadRequest, "unreadable request body: "+err.Error())
	}
	q, err := sub.ds.parseCSAMQuery(r.URL.Query(), body)
	if err != nil {
		return csamError(http.StatusBadRequest, err.Error())
	}
	plan := s.planFaults(r.URL.Path, sub.faultKey(q.key), search, false)
	if plan.slow > 0 {
		s.countFault(FaultSlow, 1)
		if !sleepCtx(r.Context(), plan.slow) {
			return errClientGone
		}
	}
	switch {
	case plan.expire:
		s.countFault(FaultExpire, 1)
		return gatewayError(http.StatusUnauthorized, "JWT expired")
	case plan.reset && !plan.truncate:
		s.countFault(FaultReset, 1)
		panic(http.ErrAbortHandler)
	case plan.status != 0:
		s.countFault(Fault5xx, 1)
		return &apiError{status: plan.status}
	}
	if search {
		return s.handleSearch(w, r, sub, q, plan)
	}
	return s.handleCount(w, r, sub, q)
}

// apiError is an HTTP error answer. gateway selects the gateway envelope
// {"status","error","message"}; otherwise the CSAM envelope
// {"responseCode":"FAILED","responseMessage"} is used. A 5xx without message
// imitates a failing gateway.
type apiError struct {
	status  int
	gateway bool
	vmdr    bool // a 5xx of the API server (HTML body)
	msg     string
}

func (e *apiError) Error() string { return fmt.Sprintf("%d %s", e.status, e.msg) }

func gatewayError(status int, msg string) error {
	return &apiError{status: status, gateway: true, msg: msg}
}

func csamError(status int, msg string) error { return &apiError{status: status, msg: msg} }

// errClientGone ends a request whose client has gone away: nothing is written.
var errClientGone = errors.New("qualyssim: client went away")

// writeError is the one place that turns an error into a response.
func writeError(w http.ResponseWriter, err error) {
	if errors.Is(err, errClientGone) {
		return
	}
	var ae *apiError
	if !errors.As(err, &ae) {
		ae = &apiError{status: http.StatusInternalServerError, gateway: true, msg: err.Error()}
	}
	h := w.Header()
	switch {
	case ae.status == http.StatusBadGateway && ae.msg == "":
		h.Set("Content-Type", "text/html")
		w.WriteHeader(ae.status)
		_, _ = io.WriteString(w, "<html>\r\n<head><title>502 Bad Gateway</title></head>\r\n<body>\r\n<center><h1>502 Bad Gateway</h1></center>\r\n</body>\r\n</html>\r\n")
	case ae.status == http.StatusServiceUnavailable && ae.msg == "":
		h.Set("Content-Type", "text/html")
		h.Set("Retry-After", "30")
		w.WriteHeader(ae.status)
		_, _ = io.WriteString(w, "<html><body><h1>503 Service Temporarily Unavailable</h1></body></html>\n")
	case ae.status == http.StatusInternalServerError && ae.msg == "" && ae.vmdr:
		h.Set("Content-Type", "text/html; charset=iso-8859-1")
		w.WriteHeader(ae.status)
		_, _ = io.WriteString(w, "<!DOCTYPE HTML PUBLIC \"-//IETF//DTD HTML 2.0//EN\">\n<html><head>\n<title>500 Internal Server Error</title>\n</head><body>\n<h1>Internal Server Error</h1>\n<p>The server encountered an internal error or\nmisconfiguration and was unable to complete\nyour request.</p>\n</body></html>\n")
	case ae.status == http.StatusInternalServerError && ae.msg == "":
		h.Set("Content-Type", "application/json")
		w.WriteHeader(ae.status)
		_, _ = io.WriteString(w, `{"status":500,"error":"Internal Server Error","message":"An unexpected error occurred"}`)
	case ae.gateway:
		h.Set("Content-Type", "application/json")
		w.WriteHeader(ae.status)
		_ = json.NewEncoder(w).Encode(struct {
			Status  int    `json:"status"`
			Error   string `json:"error"`
			Message string `json:"message"`
		}{ae.status, http.StatusText(ae.status), ae.msg})
	default:
		h.Set("Content-Type", "application/json")
		w.WriteHeader(ae.status)
		_ = json.NewEncoder(w).Encode(struct {
			ResponseCode    string `json:"responseCode"`
			ResponseMessage string `json:"responseMessage"`
		}{"FAILED", ae.msg})
	}
}

// statusRecorder remembers the status for the request log.
type statusRecorder struct {
	http.ResponseWriter
	status int
}

func (r *statusRecorder) WriteHeader(code int) {
	if r.status == 0 {
		r.status = code
	}
	r.ResponseWriter.WriteHeader(code)
}

func (r *statusRecorder) Write(b []byte) (int, error) {
	if r.status == 0 {
		r.status = http.StatusOK
	}
	return r.ResponseWriter.Write(b)
}

// Unwrap lets http.ResponseController reach the underlying writer.
func (r *statusRecorder) Unwrap() http.ResponseWriter { return r.ResponseWriter }

// sleepCtx waits d; it returns false if ctx ends first.
func sleepCtx(ctx context.Context, d time.Duration) bool {
	if d <= 0 {
		return ctx.Err() == nil
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-ctx.Done():
		return false
	}
}

func timeDuration(n int) time.Duration { return time.Duration(n) }

// Stats are the server's counters since it was created.
type Stats struct {
	// Calls counts requests per endpoint, keyed "METHOD /path" (e.g. "POST /auth",
	// "POST /rest/2.0/search/am/asset"); refused and faulted calls included, /_sim/* excluded.
	Calls map[string]int64 `json:"calls"`
	// MaxConcurrency is the largest number of limited calls admitted at once.
	MaxConcurrency int `json:"max_concurrency"`
	// LimitViolations counts calls refused for breaking the concurrency or
	// rate limit: CSAM 429s and VMDR 409s (1960/1965) together.
	LimitViolations int64 `json:"limit_violations"`
	// LimitViolationsByAPI splits LimitViolations: keys "csam" and "vm".
	LimitViolationsByAPI map[string]int64 `json:"limit_violations_by_api"`
	// VMMaxConcurrency is the largest number of VMDR calls admitted at once.
	VMMaxConcurrency int `json:"vm_max_concurrency"`
	// Faults counts injected faults by kind (Fault5xx, FaultReset, ...); for
	// FaultMalformed it counts malformed asset records served.
	Faults map[string]int64 `json:"faults"`
	// BusySeconds is the summed service time of the admitted limited calls
	// (from admission to the last byte written), keys "csam" and "vm",
	// all subscriptions together. Divided by ConcurrencyLimit it is the API
	// bound: the least wall time any client needs for those calls.
	BusySeconds map[string]float64 `json:"busy_seconds"`
	// ConcurrencyLimit is the concurrency limit of each API (unlimited: 1000).
	ConcurrencyLimit int `json:"concurrency_limit"`
}

// subscription is one simulated Qualys subscription of a server.
type subscription struct {
	idx      int // 0-based
	username string
	ds       *dataset
	vm       *vmIndex
	lim      *limiter // CSAM gateway APIs
	vmLim    *limiter // VMDR host list, host list detection and KB
	kbMu     sync.Mutex
}

// faultKey scopes a fault decision key to the subscription (the first
// subscription's keys are unscoped, as with a single subscription).
func (sub *subscription) faultKey(key string) string {
	if sub.idx == 0 {
		return key
	}
	return sub.username + "\x00" + key
}
