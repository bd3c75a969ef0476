package qualys

import (
	"encoding/base64"
	"errors"
	"io"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/qflow/qflow/internal/secret"
)

// countOK serves the count endpoint and records the token number of each call.
func countOK(t *testing.T, mux *http.ServeMux) *[]int {
	var (
		mu   sync.Mutex
		seen []int
	)
	mux.HandleFunc("POST /rest/2.0/count/am/asset", func(w http.ResponseWriter, r *http.Request) {
		n := tokenNumber(t, r)
		mu.Lock()
		seen = append(seen, n)
		mu.Unlock()
		io.WriteString(w, `{"responseCode":"SUCCESS","count":7}`)
	})
	return &seen
}

func TestAuthTokenReused(t *testing.T) {
	t.Parallel()
	c, mux, _ := setup(t)
	a := (&authServer{t: t}).register(mux)
	seen := countOK(t, mux)
	for range 5 {
		if _, err := c.CSAM.Count(t.Context(), AssetQuery{}); err != nil {
			t.Fatal(err)
		}
	}
	if a.n.Load() != 1 {
		t.Errorf("%d token requests for 5 calls, want 1", a.n.Load())
	}
	for _, n := range *seen {
		if n != 1 {
			t.Errorf("call used token #%d", n)
		}
	}
}

func TestAuthRefreshBeforeExpiry(t *testing.T) {
	t.Parallel()
	clock := newFakeClock()
	c, mux, _ := setup(t)
	clock.install(c)
	a := (&authServer{t: t, ttl: time.Hour, now: clock.Now}).register(mux)
	seen := countOK(t, mux)
	call := func() {
		t.Helper()
		if _, err := c.CSAM.Count(t.Context(), AssetQuery{}); err != nil {
			t.Fatal(err)
		}
	}
	call()
	clock.Advance(50 * time.Minute) // 10 min left: still good
	call()
	if a.n.Load() != 1 {
		t.Fatalf("refreshed with 10 minutes left")
	}
	clock.Advance(6 * time.Minute) // 4 min left: inside the 5-minute margin
	call()
	if a.n.Load() != 2 {
		t.Fatalf("%d token requests, want a refresh 4 minutes before expiry", a.n.Load())
	}
	if got := *seen; got[0] != 1 || got[1] != 1 || got[2] != 2 {
		t.Errorf("tokens used %v, want [1 1 2]", got)
	}
}

func TestAuthRefreshOnceOn401(t *testing.T) {
	t.Parallel()
	c, mux, _ := setup(t)
	a := (&authServer{t: t}).register(mux)
	var calls atomic.Int64
	mux.HandleFunc("POST /rest/2.0/count/am/asset", func(w http.ResponseWriter, r *http.Request) {
		calls.Add(1)
		if tokenNumber(t, r) == 1 { // the first token "expires" server-side
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(http.StatusUnauthorized)
			io.WriteString(w, `{"status":401,"error":"Unauthorized","message":"JWT expired"}`)
			return
		}
		io.WriteString(w, `{"responseCode":"SUCCESS","count":3}`)
	})
	n, err := c.CSAM.Count(t.Context(), AssetQuery{})
	if err != nil || n != 3 {
		t.Fatalf("Count = %d, %v", n, err)
	}
	if a.n.Load() != 2 || calls.Load() != 2 {
		t.Errorf("%d token requests and %d calls, want 2 and 2", a.n.Load(), calls.Load())
	}
}

func TestAuthRefusedTokenAfterRefreshIsAuthError(t *testing.T) {
	t.Parallel()
	c, mux, _ := setup(t)
	a := (&authServer{t: t}).register(mux)
	var calls atomic.Int64
	mux.HandleFunc("POST /rest/2.0/count/am/asset", func(w http.ResponseWriter, r *http.Request) {
		calls.Add(1)
		w.WriteHeader(http.StatusUnauthorized)
		io.WriteString(w, `{"status":401,"error":"Unauthorized","message":"JWT expired"}`)
	})
	_, err := c.CSAM.Count(t.Context(), AssetQuery{})
	var ae *AuthError
	if !errors.As(err, &ae) || ae.StatusCode != 401 || !errors.Is(err, ErrAuth) {
		t.Fatalf("err = %v, want *AuthError 401", err)
	}
	if a.n.Load() != 2 || calls.Load() != 2 {
		t.Errorf("%d token requests and %d calls, want one refresh and one repeat", a.n.Load(), calls.Load())
	}
}

func TestAuthWrongPassword(t *testing.T) {
	t.Parallel()
	const wrong = "wrong-password-123"
	c, mux, base := setup(t, func(o *Options) { o.Password = secret.New(wrong) })
	a := (&authServer{t: t}).register(mux)
	mux.HandleFunc("POST /rest/2.0/count/am/asset", func(w http.ResponseWriter, r *http.Request) {
		t.Error("API called without a token")
	})
	_, err := c.CSAM.Count(t.Context(), AssetQuery{})
	var ae *AuthError
	if !errors.As(err, &ae) || !errors.Is(err, ErrAuth) {
		t.Fatalf("err = %v, want *AuthError", err)
	}
	msg := err.Error()
	for _, want := range []string{base + "/auth", "HTTP 401", "QUALYS_USERNAME"} {
		if !strings.Contains(msg, want) {
			t.Errorf("error %q lacks %q", msg, want)
		}
	}
	if strings.Contains(msg, wrong) || strings.Contains(msg, testPassword) {
		t.Errorf("error leaks the password: %q", msg)
	}
	if a.n.Load() != 1 {
		t.Errorf("wrong credentials were retried: %d token requests", a.n.Load())
	}
}

func TestAuthRequiresCreated(t *testing.T) {
	t.Parallel()
	c, mux, _ := setup(t)
	mux.HandleFunc("POST /auth", func(w http.ResponseWriter, r *http.Request) {
		io.WriteString(w, "<html>login page</html>") // 200, not 201
	})
	_, err := c.CSAM.Count(t.Context(), AssetQuery{})
	var ae *AuthError
	if !errors.As(err, &ae) || ae.StatusCode != 200 {
		t.Fatalf("err = %v, want *AuthError for a 200", err)
	}
}

func TestAuthServerErrorsRetried(t *testing.T) {
	t.Parallel()
	c, mux, _ := setup(t)
	var n atomic.Int64
	mux.HandleFunc("POST /auth", func(w http.ResponseWriter, r *http.Request) {
		if n.Add(1) <= 2 {
			w.WriteHeader(http.StatusBadGateway)
			return
		}
		w.WriteHeader(http.StatusCreated)
		io.WriteString(w, "opaque-token")
	})
	countOKPlain(mux)
	if _, err := c.CSAM.Count(t.Context(), AssetQuery{}); err != nil {
		t.Fatal(err)
	}
	if n.Load() != 3 {
		t.Errorf("%d token requests, want 3", n.Load())
	}
}

func countOKPlain(mux *http.ServeMux) {
	mux.HandleFunc("POST /rest/2.0/count/am/asset", func(w http.ResponseWriter, r *http.Request) {
		io.WriteString(w, `{"responseCode":"SUCCESS","count":1}`)
	})
}

func TestAuthConcurrentCallersShareOneRequest(t *testing.T) {
	t.Parallel()
	c, mux, _ := setup(t, func(o *Options) { o.Concurrency = 16 })
	a := (&authServer{t: t, delay: 50 * time.Millisecond}).register(mux)
	countOK(t, mux)
	var wg sync.WaitGroup
	for range 16 {
		wg.Go(func() {
			if _, err := c.CSAM.Count(t.Context(), AssetQuery{}); err != nil {
				t.Error(err)
			}
		})
	}
	wg.Wait()
	if a.n.Load() != 1 {
		t.Errorf("%d token requests for 16 concurrent callers, want 1", a.n.Load())
	}
}

func TestJWTExpiry(t *testing.T) {
	t.Parallel()
	fetched := time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC)
	enc := func(s string) string { return base64.RawURLEncoding.EncodeToString([]byte(s)) }
	tests := []struct {
		name string
		tok  string
		want time.Time // zero = unreadable
	}{
		{"iat and exp: lifetime from fetch time", makeJWT("x", time.Unix(1000, 0), 4*time.Hour), fetched.Add(4 * time.Hour)},
		{"exp only", enc(`{}`) + "." + enc(`{"exp":1900000000}`) + ".sig", time.Unix(1900000000, 0)},
		{"padded payload", enc(`{}`) + "." + base64.URLEncoding.EncodeToString([]byte(`{"exp":1900000001}`)) + ".sig", time.Unix(1900000001, 0)},
		{"no exp", enc(`{}`) + "." + enc(`{"sub":"x"}`) + ".sig", time.Time{}},
		{"opaque", "xxxx", time.Time{}},
		{"bad base64", "a.!!!.c", time.Time{}},
		{"not JSON", enc(`{}`) + "." + enc(`nope`) + ".sig", time.Time{}},
	}
	for _, tt := range tests {
		got, ok := jwtExpiry(tt.tok, fetched)
		if ok != !tt.want.IsZero() || !got.Equal(tt.want) {
			t.Errorf("%s: got %v, %v; want %v", tt.name, got, ok, tt.want)
		}
	}
}

func TestOpaqueTokenAssumedFourHours(t *testing.T) {
	t.Parallel()
	clock := newFakeClock()
	c, mux, _ := setup(t)
	clock.install(c)
	var n atomic.Int64
	mux.HandleFunc("POST /auth", func(w http.ResponseWriter, r *http.Request) {
		n.Add(1)
		w.WriteHeader(http.StatusCreated)
		io.WriteString(w, "xxxx")
	})
	countOKPlain(mux)
	for _, step := range []time.Duration{0, 3*time.Hour + 50*time.Minute, 6 * time.Minute} {
		clock.Advance(step)
		if _, err := c.CSAM.Count(t.Context(), AssetQuery{}); err != nil {
			t.Fatal(err)
		}
	}
	if n.Load() != 2 {
		t.Errorf("%d token requests, want 2 (refresh near 4 h)", n.Load())
	}
}

func TestAuthenticate(t *testing.T) {
	t.Parallel()
	c, mux, _ := setup(t)
	a := (&authServer{t: t}).register(mux)
	countOK(t, mux)
	if err := c.Authenticate(t.Context()); err != nil {
		t.Fatal(err)
	}
	if _, err := c.CSAM.Count(t.Context(), AssetQuery{}); err != nil {
		t.Fatal(err)
	}
	if a.n.Load() != 1 {
		t.Errorf("%d token requests, want the one from Authenticate reused", a.n.Load())
	}
	bad, mux2, _ := setup(t, func(o *Options) { o.Password = secret.New("nope-nope") })
	(&authServer{t: t}).register(mux2)
	if err := bad.Authenticate(t.Context()); !errors.Is(err, ErrAuth) {
		t.Errorf("Authenticate with a wrong password: %v", err)
	}
}
