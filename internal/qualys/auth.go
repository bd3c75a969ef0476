package qualys

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"time"
)

// authPath is the gateway's token endpoint.
const authPath = "/auth"

// tokenSource fetches the gateway JWT and caches it until shortly before it
// expires. Concurrent callers that find no valid token share one request.
type tokenSource struct {
	c *Client

	mu       sync.Mutex
	tok      string
	expires  time.Time // local clock
	margin   time.Duration
	inflight *tokenCall
}

// tokenCall is one token request that several callers wait for.
type tokenCall struct {
	done chan struct{}
	tok  string
	err  error
}

// token returns a valid token, fetching one if the cached one is missing or
// about to expire. If the caller that is fetching gives up (its context
// ends), a waiting caller whose context is still live fetches in its place.
func (ts *tokenSource) token(ctx context.Context) (string, error) {
	for {
		ts.mu.Lock()
		if ts.tok != "" && ts.c.now().Before(ts.expires.Add(-ts.margin)) {
			tok := ts.tok
			ts.mu.Unlock()
			return tok, nil
		}
		if call := ts.inflight; call != nil {
			ts.mu.Unlock()
			select {
			case <-call.done:
				if call.err != nil && isContextErr(call.err) && ctx.Err() == nil {
					continue // the fetching caller went away; try again
				}
				return call.tok, call.err
			case <-ctx.Done():
				return "", ctx.Err()
			}
		}
		call := &tokenCall{done: make(chan struct{})}
		ts.inflight = call
		ts.mu.Unlock()

		tok, expires, err := ts.fetch(ctx)

		ts.mu.Lock()
		ts.inflight = nil
		if err == nil {
			ts.tok, ts.expires = tok, expires
			ts.margin = min(ts.c.authMargin, expires.Sub(ts.c.now())/5)
		}
		ts.mu.Unlock()
		call.tok, call.err = tok, err
		close(call.done)
		return tok, err
	}
}

func isContextErr(err error) bool {
	return errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded)
}

// invalidate drops tok from the cache if it is still the cached token, so that
// the next caller fetches a new one. Callers holding an older token do not
// discard a newer one.
func (ts *tokenSource) invalidate(tok string) {
	ts.mu.Lock()
	if tok != "" && ts.tok == tok {
		ts.tok = ""
	}
	ts.mu.Unlock()
}

// fetch requests a token: POST {gateway}/auth with the form username,
// password, token=true. Only 201 Created with a non-empty body is success.
func (ts *tokenSource) fetch(ctx context.Context) (string, time.Time, error) {
	c := ts.c
	if c.gateway == nil {
		return "", time.Time{}, errors.New("qualys: no gateway URL configured: the token comes from {gateway}/auth")
	}
	form := url.Values{"username": {c.username}, "password": {c.password.Reveal()}, "token": {"true"}}
	r := &request{
		method: http.MethodPost, base: c.gateway, path: authPath, body: []byte(form.Encode()),
		contentType: "application/x-www-form-urlencoded", auth: authNone, isAuth: true,
	}
	var tok string
	fetched := c.now()
	err := c.do(ctx, r, func(resp *http.Response) error {
		b, err := io.ReadAll(io.LimitReader(resp.Body, c.errBodyLimit))
		if err != nil {
			return err
		}
		if resp.StatusCode != http.StatusCreated {
			return &AuthError{URL: sanitizeURL(r.url()), StatusCode: resp.StatusCode,
				Message: "expected 201 Created with a token", hint: "check the gateway URL or platform"}
		}
		tok = strings.TrimSpace(string(b))
		if tok == "" || strings.ContainsAny(tok, " \t\r\n") {
			return &AuthError{URL: sanitizeURL(r.url()), StatusCode: resp.StatusCode,
				Message: "the response holds no token", hint: "check the gateway URL or platform"}
		}
		return nil
	})
	if err != nil {
		return "", time.Time{}, err
	}
	expires, ok := jwtExpiry(tok, fetched)
	if !ok || !expires.After(fetched) {
		expires = fetched.Add(c.defaultTTL)
	}
	c.log.Debug("qualys: token acquired", slog.Time("expires", expires))
	return tok, expires, nil
}

// jwtExpiry reads the expiry of a JWT without verifying it. When the payload
// has both iat and exp, the lifetime exp−iat is counted from fetched (the
// local time the token was requested), which is immune to clock skew;
// otherwise exp is taken as is.
func jwtExpiry(tok string, fetched time.Time) (time.Time, bool) {
	parts := strings.Split(tok, ".")
	if len(parts) != 3 {
		return time.Time{}, false
	}
	payload, err := base64.RawURLEncoding.DecodeString(strings.TrimRight(parts[1], "="))
	if err != nil {
		return time.Time{}, false
	}
	var claims struct {
		Exp json.Number `json:"exp"`
		Iat json.Number `json:"iat"`
	}
	if json.Unmarshal(payload, &claims) != nil {
		return time.Time{}, false
	}
	exp, err := strconv.ParseFloat(claims.Exp.String(), 64)
	if err != nil || exp <= 0 {
		return time.Time{}, false
	}
	if iat, err := strconv.ParseFloat(claims.Iat.String(), 64); err == nil && iat > 0 && exp > iat {
		return fetched.Add(time.Duration((exp - iat) * float64(time.Second))), true
	}
	return time.Unix(0, int64(exp*float64(time.Second))), true
}
