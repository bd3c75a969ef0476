package qualys

import (
	"bytes"
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"encoding/xml"
	"errors"
	"fmt"
	"net"
	"net/url"
	"strings"
	"time"
	"unicode/utf8"
)

// Sentinel errors, matched with errors.Is.
var (
	// ErrRateLimited matches every *RateLimitError.
	ErrRateLimited = errors.New("qualys: rate limited")
	// ErrAuth matches every *AuthError.
	ErrAuth = errors.New("qualys: authentication failed")
	// ErrInvalidPage matches every *PageError.
	ErrInvalidPage = errors.New("qualys: invalid page")
	// ErrPageTimeout is wrapped by errors for a request that did not complete
	// (headers and body) within Options.PageTimeout.
	ErrPageTimeout = errors.New("per-request timeout")
)

// maxErrorBody caps how much of an error response body is read.
const maxErrorBody = 64 << 10

// APIError is a response that Qualys refused or reported as failed: an HTTP
// status outside 2xx, or a 2xx whose responseCode is not SUCCESS.
type APIError struct {
	Op         string // the operation, e.g. "POST /rest/2.0/search/am/asset"
	URL        string // the request URL, with secrets removed
	StatusCode int    // HTTP status
	Code       string // Qualys code: CSAM responseCode (e.g. "FAILED") or an XML CODE
	Message    string // Qualys message (responseMessage, message or TEXT)
}

// Error says which operation failed, with the status, Qualys code and message.
func (e *APIError) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "qualys: %s: HTTP %d", e.Op, e.StatusCode)
	if e.Code != "" {
		b.WriteString(": ")
		b.WriteString(e.Code)
	}
	if e.Message != "" {
		b.WriteString(": ")
		b.WriteString(e.Message)
	}
	if h := statusHint(e.StatusCode); h != "" {
		b.WriteString(" (")
		b.WriteString(h)
		b.WriteString(")")
	}
	return b.String()
}

func statusHint(status int) string {
	switch status {
	case 400:
		return "the request was rejected: check filters, field names and parameters"
	case 403:
		return "check that the user has API access and the module is licensed"
	case 404:
		return "check the gateway/API URL or platform"
	case 416:
		return "page size above the maximum: lower the page size"
	}
	return ""
}

// RateLimitError reports a call refused because of the subscription's rate or
// concurrency limit (HTTP 409 or 429), or one not sent because the required
// wait would outlast the caller's deadline.
type RateLimitError struct {
	Op   string
	Wait time.Duration // how long the server asked to wait; 0 when it did not say
	Rate Rate          // the limits in force when the error occurred
	Err  *APIError     // the refused response; nil when the call was not sent
}

// Error says what was refused, how long to wait and what to change.
func (e *RateLimitError) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "qualys: %s: rate limited", e.Op)
	if e.Err != nil {
		fmt.Fprintf(&b, " (HTTP %d", e.Err.StatusCode)
		if e.Err.Code != "" {
			fmt.Fprintf(&b, " %s", e.Err.Code)
		}
		if e.Err.Message != "" {
			fmt.Fprintf(&b, ": %s", e.Err.Message)
		}
		b.WriteString(")")
	} else {
		b.WriteString(" (not sent: the wait exceeds the deadline)")
	}
	if e.Wait > 0 {
		fmt.Fprintf(&b, "; next call allowed in %s", e.Wait.Round(time.Second))
	}
	if e.Rate.Limit > 0 && e.Rate.WindowSec > 0 {
		fmt.Fprintf(&b, "; the subscription allows %d calls per %d s", e.Rate.Limit, e.Rate.WindowSec)
	}
	b.WriteString("; lower the parallel requests or run later")
	return b.String()
}

// Unwrap returns the refused response, if any.
func (e *RateLimitError) Unwrap() error {
	if e.Err == nil {
		return nil
	}
	return e.Err
}

// Is reports whether target is ErrRateLimited.
func (e *RateLimitError) Is(target error) bool { return target == ErrRateLimited }

// AuthError reports credentials or a token that Qualys refused. It never
// carries the password or the token.
type AuthError struct {
	URL        string // the URL that refused, with secrets removed
	StatusCode int    // HTTP status (0 when no response)
	Code       string // API server: the SIMPLE_RETURN CODE (e.g. "2001"), if any
	Message    string // the server's message, if any
	hint       string
}

// Error names the URL and the status, and says what to check.
func (e *AuthError) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "qualys: authentication failed at %s: HTTP %d", e.URL, e.StatusCode)
	if e.Code != "" {
		b.WriteString(": ")
		b.WriteString(e.Code)
	}
	if e.Message != "" {
		b.WriteString(": ")
		b.WriteString(e.Message)
	}
	if e.hint != "" {
		b.WriteString(" (")
		b.WriteString(e.hint)
		b.WriteString(")")
	}
	return b.String()
}

// Is reports whether target is ErrAuth.
func (e *AuthError) Is(target error) bool { return target == ErrAuth }

// PageError reports a 2xx response whose body is not a valid page: it could
// not be decoded, or lacks a field the protocol requires (hasMore,
// lastSeenAssetId). Such a page is retried.
type PageError struct {
	Op     string
	Reason string
	Err    error // the decode error, if any
}

// Error says which operation returned the invalid page, and why.
func (e *PageError) Error() string {
	s := fmt.Sprintf("qualys: %s: invalid page: %s", e.Op, e.Reason)
	if e.Err != nil {
		s += ": " + e.Err.Error()
	}
	return s
}

// Unwrap returns the decode error, if any.
func (e *PageError) Unwrap() error { return e.Err }

// Is reports whether target is ErrInvalidPage.
func (e *PageError) Is(target error) bool { return target == ErrInvalidPage }

// transportError is a failure to send a request or read its response:
// connection refused or reset, unexpected EOF, TLS failures.
type transportError struct {
	op  string
	err error
}

func (e *transportError) Error() string { return fmt.Sprintf("qualys: %s: %v", e.op, e.err) }
func (e *transportError) Unwrap() error { return e.err }

// permanentError marks an error that must not be retried whatever it wraps.
type permanentError struct{ err error }

func (e *permanentError) Error() string { return e.err.Error() }
func (e *permanentError) Unwrap() error { return e.err }

// retryable is the one place that decides whether an attempt that failed
// with err is worth repeating, and how long the server asked to wait first
// (0: use the backoff policy).
//
// Retried: 409 and 429 (rate and concurrency limits), 5xx, transport errors
// (connection refused or reset, unexpected EOF), per-request timeouts and
// invalid pages. Not retried: other statuses, authentication failures,
// TLS certificate and DNS name errors, and the caller's own cancellation or
// deadline.
func retryable(err error) (retry bool, wait time.Duration) {
	var (
		perm *permanentError
		rl   *RateLimitError
		ae   *AuthError
		pe   *PageError
		api  *APIError
		te   *transportError
	)
	switch {
	case err == nil, errors.As(err, &perm):
		return false, 0
	case errors.Is(err, ErrPageTimeout):
		return true, 0
	case errors.Is(err, context.Canceled), errors.Is(err, context.DeadlineExceeded):
		return false, 0
	case errors.As(err, &ae):
		return false, 0
	case errors.As(err, &rl):
		if rl.Err == nil { // not sent: the wait outlasts the caller's deadline
			return false, 0
		}
		return true, rl.Wait
	case errors.As(err, &pe):
		return true, 0
	case errors.As(err, &api):
		s := api.StatusCode
		return s >= 500 || s == 409 || s == 429, 0
	case errors.As(err, &te):
		return !permanentTransport(te.err), 0
	}
	return false, 0
}

// permanentTransport reports transport failures that a retry cannot fix.
func permanentTransport(err error) bool {
	var (
		cv   *tls.CertificateVerificationError
		ua   x509.UnknownAuthorityError
		he   x509.HostnameError
		ci   x509.CertificateInvalidError
		dns  *net.DNSError
		rhe  tls.RecordHeaderError
		uerr *url.Error
	)
	switch {
	case errors.As(err, &cv), errors.As(err, &ua), errors.As(err, &he), errors.As(err, &ci), errors.As(err, &rhe):
		return true
	case errors.As(err, &dns):
		return dns.IsNotFound
	case errors.As(err, &uerr) && strings.Contains(uerr.Err.Error(), "unsupported protocol scheme"):
		return true
	}
	return false
}

// parseErrorBody extracts a Qualys code and message from an error body:
// CSAM JSON ({responseCode, responseMessage}), gateway JSON ({status, error,
// message}), or an XML SIMPLE_RETURN (CODE, TEXT). Anything else becomes a
// short text excerpt.
func parseErrorBody(body []byte) (code, msg string) {
	body = bytes.TrimSpace(body)
	if len(body) == 0 {
		return "", ""
	}
	switch body[0] {
	case '{':
		var v struct {
			ResponseCode    string          `json:"responseCode"`
			ResponseMessage string          `json:"responseMessage"`
			Error           json.RawMessage `json:"error"`
			Message         string          `json:"message"`
		}
		if json.Unmarshal(body, &v) == nil {
			code = v.ResponseCode
			msg = v.ResponseMessage
			if msg == "" {
				msg = v.Message
			}
			if msg == "" && len(v.Error) > 0 {
				var s string
				if json.Unmarshal(v.Error, &s) == nil {
					msg = s
				}
			}
			if code != "" || msg != "" {
				return code, excerpt(msg)
			}
		}
	case '<':
		var v struct {
			Code string `xml:"RESPONSE>CODE"`
			Text string `xml:"RESPONSE>TEXT"`
		}
		if xml.Unmarshal(body, &v) == nil && (v.Code != "" || v.Text != "") {
			return strings.TrimSpace(v.Code), excerpt(strings.TrimSpace(v.Text))
		}
	}
	return "", excerpt(string(body))
}

// excerpt shortens s to one line of at most 200 bytes of valid UTF-8.
func excerpt(s string) string {
	s = strings.Join(strings.Fields(s), " ")
	const max = 200
	if len(s) <= max {
		return s
	}
	s = s[:max]
	for len(s) > 0 && !utf8.ValidString(s) {
		s = s[:len(s)-1]
	}
	return s + "…"
}

// sanitizeURL returns u without user info and with the values of secret-looking
// query parameters redacted.
func sanitizeURL(u *url.URL) string {
	if u == nil {
		return ""
	}
	c := *u
	c.User = nil
	if c.RawQuery != "" {
		q := c.Query()
		for k := range q {
			lk := strings.ToLower(k)
			if strings.Contains(lk, "password") || strings.Contains(lk, "token") || strings.Contains(lk, "secret") {
				q[k] = []string{"REDACTED"}
			}
		}
		c.RawQuery = q.Encode()
	}
	return c.String()
}
