package qualys

import (
	"bytes"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"
)

// Root elements of the API server's documents.
const (
	rootHLD          = "HOST_LIST_VM_DETECTION_OUTPUT"
	rootHLDShort     = "HOST_LIST_VM_DETECTION" // seen in a third-party fixture; accepted
	rootHostList     = "HOST_LIST_OUTPUT"
	rootKB           = "KNOWLEDGE_BASE_VULN_LIST_OUTPUT"
	rootSimpleReturn = "SIMPLE_RETURN"
)

var (
	hldRoots      = []string{rootHLD, rootHLDShort}
	hostListRoots = []string{rootHostList}
	kbRoots       = []string{rootKB}
)

// trimTokens is an xml.TokenReader over a raw decoder. It drops comments
// (keep-alive comments come anywhere, even mid-list), processing
// instructions and directives (the DOCTYPE: no DTD is ever fetched, and
// encoding/xml never resolves one), and trims whitespace around character
// data, dropping what is left empty. Text split into several tokens (text,
// CDATA, text) is trimmed piece by piece, so "\n  <![CDATA[x]]>\n" gives "x".
type trimTokens struct{ d *xml.Decoder }

func (t trimTokens) Token() (xml.Token, error) {
	for {
		tok, err := t.d.Token()
		if err != nil {
			return tok, err
		}
		switch v := tok.(type) {
		case xml.CharData:
			if v = bytes.TrimSpace(v); len(v) > 0 {
				return v, nil
			}
		case xml.Comment, xml.ProcInst, xml.Directive:
		default:
			return tok, nil
		}
	}
}

// newXMLDecoder returns the lenient decoder every API-server document goes
// through: non-strict (unknown entities such as &nbsp; are left alone,
// unclosed elements get closed), comments and directives skipped, text
// trimmed.
func newXMLDecoder(r io.Reader) *xml.Decoder {
	raw := xml.NewDecoder(r)
	raw.Strict = false
	d := xml.NewTokenDecoder(trimTokens{raw})
	d.Strict = false
	return d
}

// pageInfo is what a document says besides its items.
type pageInfo struct {
	root     string
	dateTime string        // RESPONSE/DATETIME, trimmed
	warning  *pageWarning  // RESPONSE/WARNING
	ret      *simpleReturn // set when the root is SIMPLE_RETURN
}

// pageWarning is RESPONSE/WARNING: CODE 1980 with the URL of the next page.
type pageWarning struct {
	Code string `xml:"CODE"`
	Text string `xml:"TEXT"`
	URL  string `xml:"URL"`
}

// nextIDMin returns the id_min of the warning's URL.
func (w *pageWarning) nextIDMin() (int64, bool) {
	if w == nil || w.URL == "" {
		return 0, false
	}
	u, err := url.Parse(strings.TrimSpace(w.URL))
	if err != nil {
		return 0, false
	}
	n, err := strconv.ParseInt(u.Query().Get("id_min"), 10, 64)
	if err != nil || n <= 0 {
		return 0, false
	}
	return n, true
}

// simpleReturn is a SIMPLE_RETURN document: an error (CODE, TEXT and
// ITEM_LIST) or a bare success.
type simpleReturn struct {
	DateTime string `xml:"RESPONSE>DATETIME"`
	Code     string `xml:"RESPONSE>CODE"`
	Text     string `xml:"RESPONSE>TEXT"`
	Items    []struct {
		Key   string `xml:"KEY"`
		Value string `xml:"VALUE"`
	} `xml:"RESPONSE>ITEM_LIST>ITEM"`
}

// item returns the VALUE of the ITEM whose KEY is key.
func (s *simpleReturn) item(key string) string {
	for _, it := range s.Items {
		if strings.EqualFold(it.Key, key) {
			return it.Value
		}
	}
	return ""
}

// errTruncated reports a document that ended before its root element closed.
var errTruncated = errors.New("the document ends before its root element closes (truncated body)")

// rootError reports a body that is not the expected XML document.
type rootError struct{ msg string }

func (e *rootError) Error() string { return e.msg }

// readPage reads one API-server document token by token. The root must be
// one of roots or SIMPLE_RETURN (decoded into info.ret, which is the only
// thing read then). It reports RESPONSE/DATETIME to onDateTime as soon as it
// is read, keeps RESPONSE/WARNING, and hands each child element of
// RESPONSE/HOST_LIST, RESPONSE/ID_SET and RESPONSE/VULN_LIST to item, which
// must consume it (DecodeElement or Skip). Nothing else is kept, so memory
// is bounded by one item. Reading stops at the end of the root element;
// what follows (the proprietary comment) is not read. A document that ends
// early is an error wrapping errTruncated or an *xml.SyntaxError.
func readPage(r io.Reader, roots []string, onDateTime func(string), item func(dec *xml.Decoder, se *xml.StartElement) error) (pageInfo, error) {
	dec := newXMLDecoder(r)
	var info pageInfo
	depth := 0 // elements entered: root 1, RESPONSE 2, a list 3
	for {
		tok, err := dec.Token()
		if err != nil {
			if err == io.EOF {
				if info.root == "" {
					return info, &rootError{"no XML root element"}
				}
				return info, errTruncated
			}
			return info, err
		}
		switch t := tok.(type) {
		case xml.StartElement:
			name := t.Name.Local
			switch depth {
			case 0:
				info.root = name
				if name == rootSimpleReturn {
					info.ret = new(simpleReturn)
					if err := dec.DecodeElement(info.ret, &t); err != nil {
						return info, err
					}
					return info, nil
				}
				if !slices.Contains(roots, name) {
					return info, &rootError{fmt.Sprintf("unexpected root element <%s>, want <%s>", excerpt(name), strings.Join(roots, "> or <"))}
				}
				depth++
				continue
			case 1:
				if name == "RESPONSE" {
					depth++
					continue
				}
			case 2:
				switch name {
				case "DATETIME":
					var s string
					if err := dec.DecodeElement(&s, &t); err != nil {
						return info, err
					}
					info.dateTime = s
					if onDateTime != nil {
						onDateTime(s)
					}
					continue
				case "WARNING":
					info.warning = new(pageWarning)
					if err := dec.DecodeElement(info.warning, &t); err != nil {
						return info, err
					}
					continue
				case "HOST_LIST", "ID_SET", "VULN_LIST":
					depth++
					continue
				}
			case 3:
				if item != nil {
					if err := item(dec, &t); err != nil {
						return info, err
					}
					continue
				}
			}
			if err := dec.Skip(); err != nil { // REQUEST, GLOSSARY, unknown elements
				return info, err
			}
		case xml.EndElement:
			if depth--; depth == 0 {
				return info, nil
			}
		}
	}
}

// parseDateTime parses a Qualys DATETIME (YYYY-MM-DDTHH:MM:SSZ).
func parseDateTime(s string) (time.Time, error) {
	t, err := time.Parse(time.RFC3339, strings.TrimSpace(s))
	if err != nil {
		return time.Time{}, fmt.Errorf("qualys: DATETIME %q: %w", excerpt(s), err)
	}
	return t.UTC(), nil
}

// formatDateTime formats t as Qualys expects: UTC, seconds, Z.
func formatDateTime(t time.Time) string { return t.UTC().Format("2006-01-02T15:04:05Z") }

// SIMPLE_RETURN codes.
var (
	// badRequestCodes are refused requests: never retried.
	badRequestCodes = []string{"1901", "1903", "1904", "1905", "1907", "1908", "1922"}
	// accountCodes refuse the account itself: expired (2001), registration
	// incomplete (2003), SecureID required (2011).
	accountCodes = []string{"2001", "2003", "2011"}
)

// simpleReturnError turns a SIMPLE_RETURN (any HTTP status, 200 included)
// into the error the retry policy understands:
//   - 1960 (too many calls running) and 1965 (rate limit): *RateLimitError,
//     retried after X-RateLimit-ToWait-Sec or, for 1965, ITEM SECONDS_TO_WAIT;
//   - 1901/1903/1904/1905/1907/1908/1922: *APIError, never retried;
//   - 2001/2003/2011: *AuthError (the account cannot use the API);
//   - HTTP 401: *AuthError (bad login or password);
//   - otherwise by status: 409/429 rate limited, 5xx retried, 2xx and other
//     4xx not.
func (c *Client) simpleReturnError(op string, u *url.URL, status int, h http.Header, sr *simpleReturn) error {
	code := strings.TrimSpace(sr.Code)
	msg := c.scrub(excerpt(strings.TrimSpace(sr.Text)))
	api := &APIError{Op: op, URL: sanitizeURL(u), StatusCode: status, Code: code, Message: msg}
	rateLimited := func() error {
		c.throttled.Add(1)
		rate := parseRate(h, c.now())
		var wait time.Duration
		if rate.Seen {
			wait = time.Duration(rate.ToWaitSec) * time.Second
		} else {
			rate = c.VMDRRate()
		}
		if code == "1965" && wait == 0 {
			if n, err := strconv.Atoi(strings.TrimSpace(sr.item("SECONDS_TO_WAIT"))); err == nil && n > 0 {
				wait = time.Duration(n) * time.Second
			}
		}
		return &RateLimitError{Op: op, Wait: wait, Rate: rate, Err: api}
	}
	switch {
	case code == "1960", code == "1965":
		return rateLimited()
	case slices.Contains(badRequestCodes, code):
		return &permanentError{api}
	case slices.Contains(accountCodes, code):
		return &AuthError{URL: api.URL, StatusCode: status, Code: code, Message: msg,
			hint: "the subscription refuses API access for this account: see the message"}
	case status == http.StatusUnauthorized:
		return &AuthError{URL: api.URL, StatusCode: status, Code: code, Message: msg, hint: "check QUALYS_USERNAME / QUALYS_PASSWORD"}
	case status == http.StatusConflict, status == http.StatusTooManyRequests:
		return rateLimited()
	case status >= 200 && status <= 299:
		if api.Message == "" {
			api.Message = "unexpected SIMPLE_RETURN instead of the requested list"
		}
		return &permanentError{api}
	}
	return api
}

// apiServerError turns a non-2xx API-server response into an error: the
// SIMPLE_RETURN it carries, if any, classified by simpleReturnError; else
// by status, with an excerpt of the body.
func (c *Client) apiServerError(op string, u *url.URL, status int, h http.Header, body []byte) error {
	if info, _ := readPage(bytes.NewReader(body), nil, nil, nil); info.ret != nil {
		return c.simpleReturnError(op, u, status, h, info.ret)
	}
	_, msg := parseErrorBody(body)
	return c.simpleReturnError(op, u, status, h, &simpleReturn{Text: msg})
}
