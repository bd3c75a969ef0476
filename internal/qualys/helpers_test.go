package qualys

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/qflow/qflow/internal/secret"
)

// basePath prefixes every URL of the test server: a request that loses it
// (an absolute-path mistake in the client) fails the test.
const basePath = "/gw-prefix"

const testPassword = "s3cret-Pa55word"

// setup starts a test server with an empty mux under basePath and a client
// pointed at it with fast retries. opts adjust the client options.
func setup(t testing.TB, opts ...func(*Options)) (*Client, *http.ServeMux, string) {
	t.Helper()
	mux := http.NewServeMux()
	root := http.NewServeMux()
	root.Handle(basePath+"/", http.StripPrefix(basePath, mux))
	root.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		t.Errorf("request outside the base path: %s %s", r.Method, r.URL)
		http.Error(w, "outside the base path", http.StatusBadRequest)
	})
	srv := httptest.NewServer(root)
	t.Cleanup(srv.Close)
	o := Options{
		GatewayURL:  srv.URL + basePath,
		Username:    "apiuser",
		Password:    secret.New(testPassword),
		MaxRetries:  3,
		PageTimeout: 10 * time.Second,
	}
	for _, f := range opts {
		f(&o)
	}
	c, err := NewClient(o)
	if err != nil {
		t.Fatal(err)
	}
	fastRetries(c)
	return c, mux, srv.URL + basePath
}

// fastRetries shrinks backoff and jitter so that retries take milliseconds.
func fastRetries(c *Client) {
	c.backoffBase = time.Millisecond
	c.backoffMax = 4 * time.Millisecond
	c.waitJitter = time.Millisecond
}

// fakeClock is a settable clock; its sleep advances it without waiting.
type fakeClock struct {
	mu     sync.Mutex
	t      time.Time
	sleeps []time.Duration
}

func newFakeClock() *fakeClock { return &fakeClock{t: time.Date(2025, 6, 1, 12, 0, 0, 0, time.UTC)} }

func (f *fakeClock) Now() time.Time { f.mu.Lock(); defer f.mu.Unlock(); return f.t }

func (f *fakeClock) Advance(d time.Duration) { f.mu.Lock(); f.t = f.t.Add(d); f.mu.Unlock() }

func (f *fakeClock) Sleep(ctx context.Context, d time.Duration) error {
	f.mu.Lock()
	f.sleeps = append(f.sleeps, d)
	f.t = f.t.Add(d)
	f.mu.Unlock()
	return ctx.Err()
}

func (f *fakeClock) Sleeps() []time.Duration {
	f.mu.Lock()
	defer f.mu.Unlock()
	return slices.Clone(f.sleeps)
}

func (f *fakeClock) install(c *Client) { c.now, c.sleep = f.Now, f.Sleep }

// makeJWT returns an unsigned-looking JWT whose payload has iat and exp.
func makeJWT(sub string, iat time.Time, ttl time.Duration) string {
	enc := base64.RawURLEncoding.EncodeToString
	payload := fmt.Sprintf(`{"sub":%q,"iss":"qas","iat":%d,"exp":%d}`, sub, iat.Unix(), iat.Add(ttl).Unix())
	return enc([]byte(`{"alg":"HS512"}`)) + "." + enc([]byte(payload)) + ".c2lnbmF0dXJl"
}

// authServer serves POST /auth: it checks the form and issues numbered
// tokens valid for ttl.
type authServer struct {
	t     testing.TB
	ttl   time.Duration
	delay time.Duration
	n     atomic.Int64
	now   func() time.Time
}

func (a *authServer) register(mux *http.ServeMux) *authServer {
	if a.ttl == 0 {
		a.ttl = 4 * time.Hour
	}
	if a.now == nil {
		a.now = time.Now
	}
	mux.HandleFunc("POST /auth", func(w http.ResponseWriter, r *http.Request) {
		n := a.n.Add(1)
		if ct := r.Header.Get("Content-Type"); ct != "application/x-www-form-urlencoded" {
			a.t.Errorf("auth Content-Type %q", ct)
		}
		if err := r.ParseForm(); err != nil {
			a.t.Errorf("auth form: %v", err)
		}
		if r.PostForm.Get("token") != "true" {
			a.t.Errorf("auth form token=%q, want true", r.PostForm.Get("token"))
		}
		if r.PostForm.Get("username") != "apiuser" || r.PostForm.Get("password") != testPassword {
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(http.StatusUnauthorized)
			io.WriteString(w, `{"status":401,"error":"Unauthorized","message":"Bad credentials"}`)
			return
		}
		time.Sleep(a.delay)
		w.Header().Set("Content-Type", "application/json") // as the real gateway does, despite the bare body
		w.WriteHeader(http.StatusCreated)
		io.WriteString(w, makeJWT(fmt.Sprintf("tok%d", n), a.now(), a.ttl))
	})
	return a
}

// tokenNumber returns n for a token issued as the n-th by authServer.
func tokenNumber(t testing.TB, r *http.Request) int {
	t.Helper()
	h := r.Header.Get("Authorization")
	tok, ok := strings.CutPrefix(h, "Bearer ")
	if !ok {
		t.Errorf("Authorization header %q", h)
		return 0
	}
	parts := strings.Split(tok, ".")
	if len(parts) != 3 {
		t.Errorf("token %q", tok)
		return 0
	}
	b, _ := base64.RawURLEncoding.DecodeString(parts[1])
	var claims struct{ Sub string }
	json.Unmarshal(b, &claims)
	n, _ := strconv.Atoi(strings.TrimPrefix(claims.Sub, "tok"))
	return n
}

// fakeCSAM serves search and count over a fixed, sorted set of asset IDs,
// honouring pageSize, lastSeenAssetId and asset.assetID filters. It measures
// the calls in flight (from arrival until the response is written).
type fakeCSAM struct {
	t       testing.TB
	ids     []int64
	delay   time.Duration
	headers http.Header // added to every response

	mu          sync.Mutex
	inFlight    int
	maxInFlight int
	searches    int
	counts      int
}

func (f *fakeCSAM) register(mux *http.ServeMux) *fakeCSAM {
	mux.HandleFunc("POST /rest/2.0/search/am/asset", f.search)
	mux.HandleFunc("POST /rest/2.0/count/am/asset", f.count)
	return f
}

func (f *fakeCSAM) enter() {
	f.mu.Lock()
	f.inFlight++
	f.maxInFlight = max(f.maxInFlight, f.inFlight)
	f.mu.Unlock()
}

func (f *fakeCSAM) leave() {
	f.mu.Lock()
	f.inFlight--
	f.mu.Unlock()
}

func (f *fakeCSAM) stats() (searches, counts, maxInFlight int) {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.searches, f.counts, f.maxInFlight
}

// match returns the IDs that pass the request's filters.
func (f *fakeCSAM) match(w http.ResponseWriter, r *http.Request) ([]int64, bool) {
	if ct := r.Header.Get("Content-Type"); ct != "application/json" {
		f.t.Errorf("Content-Type %q, want application/json", ct)
	}
	var body struct {
		Filters []Filter `json:"filters"`
	}
	if err := json.NewDecoder(r.Body).Decode(&body); err != nil {
		http.Error(w, `{"responseCode":"FAILED","responseMessage":"bad body"}`, http.StatusBadRequest)
		return nil, false
	}
	out := make([]int64, 0, len(f.ids))
next:
	for _, id := range f.ids {
		for _, fl := range body.Filters {
			if fl.Field != FieldAssetID {
				continue
			}
			v, err := strconv.ParseInt(fl.Value, 10, 64)
			if err != nil {
				http.Error(w, `{"responseCode":"FAILED","responseMessage":"bad value"}`, http.StatusBadRequest)
				return nil, false
			}
			ok := map[string]bool{
				OpEquals: id == v, OpGreater: id > v, OpLesser: id < v,
				OpGreaterThanEqual: id >= v, OpLessThanEqual: id <= v,
			}[fl.Operator]
			if !ok {
				continue next
			}
		}
		out = append(out, id)
	}
	return out, true
}

func (f *fakeCSAM) search(w http.ResponseWriter, r *http.Request) {
	f.enter()
	f.mu.Lock()
	f.searches++
	f.mu.Unlock()
	time.Sleep(f.delay)
	ids, ok := f.match(w, r)
	f.leave()
	if !ok {
		return
	}
	q := r.URL.Query()
	size, _ := strconv.Atoi(q.Get("pageSize"))
	if size < 1 || size > MaxPageSize {
		w.WriteHeader(http.StatusRequestedRangeNotSatisfiable)
		return
	}
	cursor, err := strconv.ParseInt(q.Get("lastSeenAssetId"), 10, 64)
	if err != nil {
		http.Error(w, `{"responseCode":"FAILED","responseMessage":"lastSeenAssetId"}`, http.StatusBadRequest)
		return
	}
	i, _ := slices.BinarySearch(ids, cursor+1)
	page := ids[i:min(i+size, len(ids))]
	more := i+size < len(ids)
	for k, v := range f.headers {
		w.Header()[k] = v
	}
	w.Header().Set("Content-Type", "application/json")
	io.WriteString(w, pageJSON(page, more))
}

func (f *fakeCSAM) count(w http.ResponseWriter, r *http.Request) {
	f.enter()
	f.mu.Lock()
	f.counts++
	f.mu.Unlock()
	time.Sleep(f.delay)
	ids, ok := f.match(w, r)
	f.leave()
	if !ok {
		return
	}
	for k, v := range f.headers {
		w.Header()[k] = v
	}
	fmt.Fprintf(w, `{"responseCode":"SUCCESS","count":%d,"responseMessage":"Valid API Access"}`, len(ids))
}

// pageJSON renders a search page holding ids, shaped like the real envelope.
func pageJSON(ids []int64, more bool) string {
	var b strings.Builder
	last := int64(0)
	if len(ids) > 0 {
		last = ids[len(ids)-1]
	}
	hasMore := 0
	if more {
		hasMore = 1
	}
	fmt.Fprintf(&b, `{"responseMessage":"Valid API Access","count":%d,"responseCode":"SUCCESS","lastSeenAssetId":%d,"hasMore":%d,"assetListData":{"asset":[`, len(ids), last, hasMore)
	for i, id := range ids {
		if i > 0 {
			b.WriteByte(',')
		}
		fmt.Fprintf(&b, `{"assetId":%d,"assetName":"host-%d","tagList":{"tag":[{"tagId":1,"tagName":"x"}]}}`, id, id)
	}
	b.WriteString(`]}}`)
	return b.String()
}

// collect walks an iterator and returns its assets and the first error.
func collect(seq func(func(Asset, error) bool)) ([]Asset, error) {
	var out []Asset
	for a, err := range seq {
		if err != nil {
			return out, err
		}
		out = append(out, a)
	}
	return out, nil
}

func ids(as []Asset) []int64 {
	out := make([]int64, len(as))
	for i, a := range as {
		out[i] = a.ID
	}
	return out
}

// seqIDs returns n ascending IDs starting after start with gaps 1..gap.
func seqIDs(n int, start int64, gap int64) []int64 {
	out := make([]int64, n)
	id := start
	for i := range out {
		id += 1 + (int64(i)*7919)%gap
		out[i] = id
	}
	return out
}
