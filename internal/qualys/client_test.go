package qualys

import (
	"bytes"
	"io"
	"log/slog"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/qflow/qflow/internal/secret"
)

func TestNewClientURLs(t *testing.T) {
	t.Parallel()
	tests := []struct {
		url     string
		wantErr string // "" = accepted
	}{
		{"https://gateway.qg1.apps.qualys.com", ""},
		{"https://gateway.qg1.apps.qualys.com/", ""},
		{"https://qualysgateway.example.com/base", ""},
		{"http://127.0.0.1:8080", ""},
		{"http://127.3.4.5", ""},
		{"http://localhost:9000", ""},
		{"http://LOCALHOST:9000", ""},
		{"http://[::1]:9000", ""},
		{"http://gateway.qg1.apps.qualys.com", "use https://"},
		{"http://10.0.0.1", "use https://"},
		{"http://localhost.evil.com", "use https://"},
		{"http://[::2]:80", "use https://"},
		{"ftp://gateway.qg1.apps.qualys.com", "absolute https:// URL"},
		{"gateway.qg1.apps.qualys.com", "absolute https:// URL"},
		{"https://user:pw@gateway.qg1.apps.qualys.com", "must not contain credentials"},
		{"https://gateway.qg1.apps.qualys.com?x=1", "remove the query"},
	}
	for _, tt := range tests {
		_, err := NewClient(Options{GatewayURL: tt.url, Username: "u", Password: secret.New("p")})
		switch {
		case tt.wantErr == "" && err != nil:
			t.Errorf("%s: %v", tt.url, err)
		case tt.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tt.wantErr)):
			t.Errorf("%s: error %v, want one containing %q", tt.url, err, tt.wantErr)
		}
		if err != nil && strings.Contains(err.Error(), "pw@") {
			t.Errorf("%s: error leaks user info: %v", tt.url, err)
		}
	}
	// The API server URL is checked the same way.
	if _, err := NewClient(Options{GatewayURL: "https://g.example", APIURL: "http://qualysapi.qualys.com", Username: "u", Password: secret.New("p")}); err == nil || !strings.Contains(err.Error(), "https") {
		t.Errorf("plain http API URL accepted: %v", err)
	}
}

func TestNewClientRequiresURLAndCredentials(t *testing.T) {
	t.Parallel()
	for name, o := range map[string]Options{
		"no URL":      {Username: "u", Password: secret.New("p")},
		"no username": {GatewayURL: "https://g.example", Password: secret.New("p")},
		"no password": {GatewayURL: "https://g.example", Username: "u"},
	} {
		if _, err := NewClient(o); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
}

func TestNewClientDefaults(t *testing.T) {
	t.Parallel()
	c, err := NewClient(Options{GatewayURL: "https://g.example", Username: "u", Password: secret.New("p")})
	if err != nil {
		t.Fatal(err)
	}
	if c.maxRetries != DefaultMaxRetries || c.pageTimeout != DefaultPageTimeout || c.Concurrency() != DefaultConcurrency ||
		c.userAgent != DefaultUserAgent || c.hc == nil || c.log == nil || c.CSAM == nil {
		t.Errorf("defaults: retries %d timeout %s concurrency %d UA %q", c.maxRetries, c.pageTimeout, c.Concurrency(), c.userAgent)
	}
	c, _ = NewClient(Options{GatewayURL: "https://g.example", Username: "u", Password: secret.New("p"), MaxRetries: -1})
	if c.maxRetries != 0 {
		t.Errorf("MaxRetries -1 gave %d retries", c.maxRetries)
	}
}

func TestRequestHeadersAndStats(t *testing.T) {
	t.Parallel()
	c, mux, _ := setup(t, func(o *Options) { o.UserAgent = "qflow-test/1" })
	(&authServer{t: t}).register(mux)
	mux.HandleFunc("POST /rest/2.0/count/am/asset", func(w http.ResponseWriter, r *http.Request) {
		if ua := r.Header.Get("User-Agent"); ua != "qflow-test/1" {
			t.Errorf("User-Agent %q", ua)
		}
		if n := tokenNumber(t, r); n != 1 {
			t.Errorf("token #%d, want the first", n)
		}
		io.WriteString(w, `{"responseCode":"SUCCESS","count":"42"}`)
	})
	for range 3 {
		n, err := c.CSAM.Count(t.Context(), AssetQuery{})
		if err != nil || n != 42 {
			t.Fatalf("Count = %d, %v", n, err)
		}
	}
	want := Stats{Calls: 4, ByEndpoint: map[string]int64{"POST /auth": 1, "POST /rest/2.0/count/am/asset": 3}}
	if diff := cmp.Diff(want, c.Stats()); diff != "" {
		t.Errorf("Stats (-want +got):\n%s", diff)
	}
}

func TestRateObservedAndConcurrencyLowered(t *testing.T) {
	t.Parallel()
	c, mux, _ := setup(t, func(o *Options) { o.Concurrency = 4 })
	(&authServer{t: t}).register(mux)
	f := (&fakeCSAM{t: t, ids: seqIDs(2000, 1000, 10), delay: 5 * time.Millisecond, headers: http.Header{
		"X-Ratelimit-Limit":         {"300"},
		"X-Ratelimit-Window-Sec":    {"3600"},
		"X-Ratelimit-Remaining":     {"299"},
		"X-Ratelimit-Towait-Sec":    {"0"},
		"X-Concurrency-Limit-Limit": {"1"},
	}}).register(mux)
	if _, err := c.CSAM.Count(t.Context(), AssetQuery{}); err != nil {
		t.Fatal(err)
	}
	r := c.Rate()
	if !r.Seen || r.Limit != 300 || r.WindowSec != 3600 || r.Remaining != 299 || r.ConcurrencyLimit != 1 {
		t.Errorf("Rate = %+v", r)
	}
	if c.Concurrency() != 1 {
		t.Fatalf("Concurrency() = %d after the server reported 1", c.Concurrency())
	}
	f.mu.Lock()
	f.maxInFlight = 0
	f.mu.Unlock()
	ranges := []Range{{0, 5000}, {5000, 10000}, {10000, 15000}, {15000, 0}}
	n := 0
	for _, err := range c.CSAM.AssetsParallel(t.Context(), AssetQuery{PageSize: 100}, ranges, 4) {
		if err != nil {
			t.Fatal(err)
		}
		n++
	}
	if _, _, maxIn := f.stats(); maxIn > 1 || n != 2000 {
		t.Errorf("max in flight %d (limit 1), %d assets", maxIn, n)
	}
}

func TestLogsCarryNoSecrets(t *testing.T) {
	t.Parallel()
	var buf bytes.Buffer
	log := slog.New(slog.NewTextHandler(&buf, &slog.HandlerOptions{Level: slog.LevelDebug}))
	c, mux, _ := setup(t, func(o *Options) { o.Logger = log })
	(&authServer{t: t}).register(mux)
	var (
		mu     sync.Mutex
		tokens []string
	)
	mux.HandleFunc("POST /rest/2.0/count/am/asset", func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		tokens = append(tokens, strings.TrimPrefix(r.Header.Get("Authorization"), "Bearer "))
		first := len(tokens) == 1
		mu.Unlock()
		if first {
			w.WriteHeader(http.StatusUnauthorized)
			io.WriteString(w, `{"status":401,"error":"Unauthorized","message":"JWT expired"}`)
			return
		}
		io.WriteString(w, `{"responseCode":"SUCCESS","count":1}`)
	})
	if _, err := c.CSAM.Count(t.Context(), AssetQuery{}); err != nil {
		t.Fatal(err)
	}
	out := buf.String()
	mu.Lock()
	defer mu.Unlock()
	for _, secretText := range append([]string{testPassword}, tokens...) {
		if strings.Contains(out, secretText) {
			t.Errorf("log contains a secret %q:\n%s", secretText, out)
		}
	}
	for _, want := range []string{"method=POST", "path=/rest/2.0/count/am/asset", "status=200", "path=/auth", "status=201", "duration="} {
		if !strings.Contains(out, want) {
			t.Errorf("log lacks %q:\n%s", want, out)
		}
	}
}
