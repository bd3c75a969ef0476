package qualys

import (
	"context"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"net"
	"net/url"
	"strings"
	"syscall"
	"testing"
	"time"
)

func TestRetryable(t *testing.T) {
	t.Parallel()
	api := func(status int) *APIError { return &APIError{Op: "POST /x", StatusCode: status} }
	op := "POST /x"
	tests := []struct {
		name  string
		err   error
		retry bool
		wait  time.Duration
	}{
		{"nil", nil, false, 0},
		{"429 with ToWait", &RateLimitError{Op: op, Wait: 7 * time.Second, Err: api(429)}, true, 7 * time.Second},
		{"409 without ToWait", &RateLimitError{Op: op, Err: api(409)}, true, 0},
		{"rate limit not sent (deadline)", &RateLimitError{Op: op, Wait: time.Hour}, false, 0},
		{"500", api(500), true, 0},
		{"503 wrapped", fmt.Errorf("ctx: %w", api(503)), true, 0},
		{"400", api(400), false, 0},
		{"401", api(401), false, 0},
		{"404", api(404), false, 0},
		{"416", api(416), false, 0},
		{"200 FAILED", &APIError{Op: op, StatusCode: 200, Code: "FAILED"}, false, 0},
		{"auth failure", &AuthError{URL: "https://g/auth", StatusCode: 401}, false, 0},
		{"invalid page", &PageError{Op: op, Reason: "hasMore missing"}, true, 0},
		{"truncated page", &PageError{Op: op, Reason: "reading", Err: io.ErrUnexpectedEOF}, true, 0},
		{"connection reset", &transportError{op, &url.Error{Op: "Post", URL: "u", Err: &net.OpError{Op: "read", Err: syscall.ECONNRESET}}}, true, 0},
		{"connection refused", &transportError{op, &url.Error{Op: "Post", URL: "u", Err: &net.OpError{Op: "dial", Err: syscall.ECONNREFUSED}}}, true, 0},
		{"unexpected EOF", &transportError{op, &url.Error{Op: "Post", URL: "u", Err: io.ErrUnexpectedEOF}}, true, 0},
		{"unknown CA", &transportError{op, &url.Error{Op: "Post", URL: "u", Err: x509.UnknownAuthorityError{}}}, false, 0},
		{"no such host", &transportError{op, &url.Error{Op: "Post", URL: "u", Err: &net.DNSError{Err: "no such host", IsNotFound: true}}}, false, 0},
		{"DNS timeout", &transportError{op, &url.Error{Op: "Post", URL: "u", Err: &net.DNSError{Err: "timeout", IsTimeout: true}}}, true, 0},
		{"per-request timeout", fmt.Errorf("qualys: %s: slow: %w", op, ErrPageTimeout), true, 0},
		{"caller cancelled", fmt.Errorf("qualys: %s: %w", op, context.Canceled), false, 0},
		{"caller deadline", fmt.Errorf("qualys: %s: %w", op, context.DeadlineExceeded), false, 0},
		{"permanent", &permanentError{api(503)}, false, 0},
		{"unknown error", errors.New("something else"), false, 0},
	}
	for _, tt := range tests {
		retry, wait := retryable(tt.err)
		if retry != tt.retry || wait != tt.wait {
			t.Errorf("%s: retryable = %v, %v; want %v, %v", tt.name, retry, wait, tt.retry, tt.wait)
		}
	}
}

func TestErrorMessagesAndMatching(t *testing.T) {
	t.Parallel()
	api := &APIError{Op: "POST /rest/2.0/search/am/asset", StatusCode: 400, Code: "FAILED", Message: "Invalid filter field"}
	rl := &RateLimitError{Op: "POST /rest/2.0/search/am/asset", Wait: 23 * time.Second, Rate: Rate{Limit: 300, WindowSec: 3600}, Err: &APIError{StatusCode: 429}}
	ae := &AuthError{URL: "https://gateway.example/auth", StatusCode: 401, hint: "check QUALYS_USERNAME / QUALYS_PASSWORD"}
	pe := &PageError{Op: "POST /x", Reason: "hasMore missing"}
	tests := []struct {
		err  error
		want []string
		is   error
	}{
		{api, []string{"qualys: POST /rest/2.0/search/am/asset: HTTP 400: FAILED: Invalid filter field", "check filters"}, nil},
		{rl, []string{"rate limited (HTTP 429)", "23s", "300 calls per 3600 s"}, ErrRateLimited},
		{ae, []string{"qualys: authentication failed at https://gateway.example/auth: HTTP 401 (check QUALYS_USERNAME / QUALYS_PASSWORD)"}, ErrAuth},
		{pe, []string{"invalid page: hasMore missing"}, ErrInvalidPage},
	}
	for _, tt := range tests {
		wrapped := fmt.Errorf("walking: %w", tt.err)
		for _, w := range tt.want {
			if !strings.Contains(wrapped.Error(), w) {
				t.Errorf("%q lacks %q", wrapped, w)
			}
		}
		if tt.is != nil && !errors.Is(wrapped, tt.is) {
			t.Errorf("%v is not %v", wrapped, tt.is)
		}
	}
	var got *APIError
	if !errors.As(fmt.Errorf("x: %w", rl), &got) || got.StatusCode != 429 {
		t.Error("RateLimitError does not unwrap to its APIError")
	}
	if (&RateLimitError{}).Unwrap() != nil {
		t.Error("RateLimitError without response unwraps to a non-nil error")
	}
}

func TestParseErrorBody(t *testing.T) {
	t.Parallel()
	tests := []struct{ body, code, msg string }{
		{``, "", ""},
		{`{"responseCode":"FAILED","responseMessage":"Invalid token"}`, "FAILED", "Invalid token"},
		{`{"status":401,"error":"Unauthorized","message":"JWT expired"}`, "", "JWT expired"},
		{`{"status":401,"error":"Unauthorized"}`, "", "Unauthorized"},
		{`<?xml version="1.0"?><SIMPLE_RETURN><RESPONSE><DATETIME>2024</DATETIME><CODE>1965</CODE><TEXT>This API cannot be run again for another 23 hours.</TEXT></RESPONSE></SIMPLE_RETURN>`, "1965", "This API cannot be run again for another 23 hours."},
		{"Service\n  Unavailable", "", "Service Unavailable"},
		{strings.Repeat("é", 300), "", strings.Repeat("é", 100) + "…"},
	}
	for _, tt := range tests {
		code, msg := parseErrorBody([]byte(tt.body))
		if code != tt.code || msg != tt.msg {
			t.Errorf("%.40q: got %q, %q; want %q, %q", tt.body, code, msg, tt.code, tt.msg)
		}
	}
}

func TestSanitizeURL(t *testing.T) {
	t.Parallel()
	u, _ := url.Parse("https://user:pw@gateway.example/auth?password=hunter2&token=abc&pageSize=3")
	got := sanitizeURL(u)
	for _, bad := range []string{"pw", "hunter2", "abc"} {
		if strings.Contains(got, bad) {
			t.Errorf("sanitizeURL = %q, leaks %q", got, bad)
		}
	}
	if !strings.Contains(got, "pageSize=3") {
		t.Errorf("sanitizeURL = %q", got)
	}
}
