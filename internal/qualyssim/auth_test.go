package qualyssim

import (
	"encoding/base64"
	"encoding/json"
	"net/http"
	"net/url"
	"reflect"
	"strings"
	"testing"
	"time"
)

func TestAuth(t *testing.T) {
	t.Parallel()
	clock := newFakeClock(time.Date(2025, 7, 1, 12, 0, 0, 0, time.UTC))
	e := newEnv(t, Config{Assets: 10, Seed: 1, Now: clock.Now, RateLimit: 1, RateWindow: time.Hour})
	form := func(u, p string) string {
		return url.Values{"username": {u}, "password": {p}, "token": {"true"}}.Encode()
	}

	tests := []struct {
		name string
		body string
		want int
	}{
		{"good", form(DefaultUsername, DefaultPassword), http.StatusCreated},
		{"good without token=true", url.Values{"username": {DefaultUsername}, "password": {DefaultPassword}}.Encode(), http.StatusCreated},
		{"wrong password", form(DefaultUsername, "nope"), http.StatusUnauthorized},
		{"wrong user", form("admin", DefaultPassword), http.StatusUnauthorized},
		{"empty", "", http.StatusUnauthorized},
	}
	for _, tc := range tests {
		resp, body := e.post(pathAuth, "", tc.body, "application/x-www-form-urlencoded")
		if resp.StatusCode != tc.want {
			t.Errorf("%s: status %d, want %d (%s)", tc.name, resp.StatusCode, tc.want, body)
		}
		if resp.Header.Get("X-RateLimit-Limit") != "" {
			t.Errorf("%s: /auth carries rate headers; it is not limited", tc.name)
		}
		if tc.want != http.StatusCreated {
			continue
		}
		if ct := resp.Header.Get("Content-Type"); ct != "application/json" {
			t.Errorf("%s: Content-Type %q", tc.name, ct)
		}
		parts := strings.Split(string(body), ".")
		if len(parts) != 3 {
			t.Fatalf("%s: body %q is not a bare JWT", tc.name, body)
		}
		hdr, _ := base64.RawURLEncoding.DecodeString(parts[0])
		if string(hdr) != `{"alg":"HS512"}` {
			t.Errorf("header %s", hdr)
		}
		raw, _ := base64.RawURLEncoding.DecodeString(parts[1])
		var c jwtClaims
		if err := json.Unmarshal(raw, &c); err != nil {
			t.Fatal(err)
		}
		if c.Sub != DefaultUsername || c.Iss != "qas" || c.Aud != "qas" || c.Exp-c.Iat != int64(DefaultTokenTTL/time.Second) ||
			c.Iat != clock.Now().Unix() || len(c.ModulesAllowed) == 0 || c.QflowSim == "" {
			t.Errorf("claims %+v", c)
		}
	}
	req, _ := http.NewRequest(http.MethodGet, e.srv.URL+pathAuth, nil)
	resp, err := e.srv.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusMethodNotAllowed {
		t.Errorf("GET /auth: %d", resp.StatusCode)
	}
}

func TestGatewayRejectsBadTokens(t *testing.T) {
	t.Parallel()
	e := newEnv(t, Config{Assets: 10, Seed: 1})
	other, err := New(Config{Assets: 10, Seed: 2})
	if err != nil {
		t.Fatal(err)
	}
	foreign := other.signJWT(jwtClaims{Sub: DefaultUsername, Iss: "qas", Aud: "qas", Exp: time.Now().Add(time.Hour).Unix()})
	parts := strings.Split(e.tok, ".")
	tampered := parts[0] + "." + base64.RawURLEncoding.EncodeToString([]byte(`{"sub":"qflow","iss":"qas","aud":"qas","exp":99999999999}`)) + "." + parts[2]
	for name, authz := range map[string]string{
		"missing":         "",
		"basic":           "Basic cWZsb3c6cWZsb3ctc2lt",
		"garbage":         "Bearer not-a-jwt",
		"other seed":      "Bearer " + foreign,
		"tampered claims": "Bearer " + tampered,
	} {
		req, _ := http.NewRequest(http.MethodPost, e.srv.URL+pathCount, nil)
		if authz != "" {
			req.Header.Set("Authorization", authz)
		}
		resp, err := e.srv.Client().Do(req)
		if err != nil {
			t.Fatal(err)
		}
		var body map[string]any
		_ = json.NewDecoder(resp.Body).Decode(&body)
		resp.Body.Close()
		if resp.StatusCode != http.StatusUnauthorized || body["status"] != float64(401) || body["error"] != "Unauthorized" {
			t.Errorf("%s: status %d body %v", name, resp.StatusCode, body)
		}
	}
	if resp, body := e.post(pathCount, e.tok, "", ""); resp.StatusCode != http.StatusOK {
		t.Errorf("valid token: %d %s", resp.StatusCode, body)
	}
}

func TestTokenExpiry(t *testing.T) {
	t.Parallel()
	clock := newFakeClock(time.Date(2025, 7, 1, 12, 0, 0, 0, time.UTC))
	e := newEnv(t, Config{Assets: 10, Seed: 1, Now: clock.Now})
	clock.Advance(DefaultTokenTTL - time.Second)
	if resp, body := e.post(pathCount, e.tok, "", ""); resp.StatusCode != http.StatusOK {
		t.Fatalf("before expiry: %d %s", resp.StatusCode, body)
	}
	clock.Advance(time.Second)
	resp, body := e.post(pathCount, e.tok, "", "")
	if resp.StatusCode != http.StatusUnauthorized {
		t.Fatalf("after expiry: status %d", resp.StatusCode)
	}
	var got map[string]any
	if err := json.Unmarshal(body, &got); err != nil {
		t.Fatalf("401 body %q: %v", body, err)
	}
	want := map[string]any{"status": float64(401), "error": "Unauthorized", "message": "JWT expired"}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("401 body %v, want %v", got, want)
	}
	if tok := e.login(); tok == e.tok {
		t.Error("a new login returned the expired token")
	}
}

func TestCustomCredentials(t *testing.T) {
	t.Parallel()
	s, err := New(Config{Assets: 1, Username: "alice", Password: "s3cret"})
	if err != nil {
		t.Fatal(err)
	}
	if u, p := s.Credentials(); u != "alice" || p != "s3cret" {
		t.Errorf("Credentials() = %q, %q", u, p)
	}
}
