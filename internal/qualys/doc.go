// Package qualys is a client for the Qualys APIs: the gateway's CSAM
// (CyberSecurity Asset Management) JSON API and the API server's VMDR (host
// list, host list detection) and KnowledgeBase XML APIs. It returns wire
// types faithful to the payload (an asset is its raw JSON object, a VMDR
// host a Host whose JSON encoding mirrors the XML); turning them into
// qflow's model is the transform package's job.
//
// One Client holds one service per product area (Client.CSAM, Client.VMDR,
// Client.KB). Every call
// goes through one pipeline: build the request, wait for the rate limit and a
// concurrency slot, send with a per-request timeout, parse the rate headers,
// check the response, and retry what is worth retrying.
//
//	c, err := qualys.NewClient(qualys.Options{
//		GatewayURL: p.GatewayURL, // or from qualys.LookupPlatform("US1")
//		Username:   user,
//		Password:   secret.New(pass),
//	})
//	for a, err := range c.CSAM.Assets(ctx, qualys.AssetQuery{}, qualys.Range{}) {
//		if err != nil { return err }
//		process(a.ID, a.Raw)
//	}
//
// # Authentication
//
// Gateway calls carry a JWT obtained from POST {gateway}/auth (form
// username, password, token=true; success is 201 with the bare token as
// body). The token is cached and refreshed shortly before the expiry read
// from its exp claim (4 h when unreadable); callers that need a token at the
// same time share one request. A 401 on a call refreshes the token and
// repeats the call once. Refused credentials give an *AuthError naming the
// URL and the HTTP status. The password (a secret.String) and the token never
// appear in errors or logs.
//
// API-server calls (Options.APIURL) use HTTP basic auth with the same
// credentials, the mandatory X-Requested-With header and POST with the
// parameters in a form body. A 401 is an *AuthError; so are the
// SIMPLE_RETURN codes 2001 (account expired, sent with HTTP 200), 2003 and
// 2011, which are never retried.
//
// # Rate limiting
//
// Every response's X-RateLimit-* and X-Concurrency-Limit-* headers are parsed
// into a Rate (Client.Rate). The client never sends a call it knows will be
// refused: it keeps a lower bound on the calls the window still allows (from
// X-RateLimit-Remaining, less the calls sent or in flight since), and when it
// reaches zero waits for a call in flight to bring fresh headers or, with none
// in flight, for X-RateLimit-ToWait-Sec; if the caller's
// deadline is sooner, the call fails at once with a *RateLimitError. Calls in
// flight are bounded by Options.Concurrency, lowered to the subscription's
// concurrency limit when a response reports a lower one. The gateway and the
// API server keep separate states (Client.Rate, Client.VMDRRate): Qualys
// limits each API on its own, so a CSAM refusal never stalls VMDR.
//
// The API server reports errors as a SIMPLE_RETURN document with a CODE, on
// any HTTP status, 200 included; it is always parsed. 1960 (too many calls
// running) and 1965 (rate limit; wait X-RateLimit-ToWait-Sec or ITEM
// SECONDS_TO_WAIT) are *RateLimitError and retried; 1901, 1903, 1904, 1905,
// 1907, 1908 and 1922 (bad request) are *APIError and never retried.
//
// Failed attempts are classified in one place: 409, 429, 5xx, transport
// errors (connection reset, unexpected EOF), per-request timeouts and invalid
// pages are retried, at most Options.MaxRetries times, after the wait the
// server named (X-RateLimit-ToWait-Sec, plus jitter) or a jittered
// exponential backoff (github.com/cenkalti/backoff/v5). Other 4xx, failed
// authentication and the caller's cancellation are not. Errors are
// *APIError, *RateLimitError, *AuthError or *PageError; use errors.As, or
// errors.Is with ErrRateLimited, ErrAuth, ErrInvalidPage, ErrPageTimeout.
//
// # Pagination
//
// CSAM search pages are walked with the lastSeenAssetId cursor and exposed as
// iter.Seq2 iterators: the caller never sees hasMore or the cursor. A page is
// decoded token by token and each asset kept as raw bytes, so memory is
// bounded by one page per cursor. Each page is validated: responseCode must
// be SUCCESS, hasMore (int or string) and, while hasMore is 1,
// lastSeenAssetId must be present (else the page is retried), and the cursor
// must advance. HTTP 204 is an empty result.
//
// The cursor is sequential; to use the whole concurrency limit, SplitRanges
// (or Split, which also returns the count) cuts the asset-ID space into
// contiguous ranges and AssetsParallel walks one cursor per range.
// AssetsUntil walks from the first assets under a bound that can be set
// while it runs, so that a caller need not wait for the ranges before its
// first page. Breaking out of a loop cancels the requests in flight.
//
// # VMDR and KnowledgeBase
//
// VMDRService.HostIDs (host list, details=None; ID_RANGE entries expanded),
// Hosts (details=All) and Detections (host list detection) walk pages of
// hosts in ascending ID order; a truncated page ends with WARNING CODE 1980
// whose URL carries id_min of the next page: only id_min is taken from it
// and the same request is sent again with it (the URL itself is never
// called). The recommended pattern: take the host IDs, cut them into ID
// ranges (IDRange) and pull the detections of several ranges at once with
// DetectionsParallel, bounded by the subscription's concurrency.
//
// Pages are spooled, then streamed. While a request runs (holding its
// concurrency slot, within Options.PageTimeout) the raw page is written to
// a temporary file in Options.SpoolDir (gzip-compressed with
// Options.SpoolCompress), and checked: its
// root element is sniffed from the first bytes (a SIMPLE_RETURN, such as
// 2001 sent with HTTP 200, is decoded and classified at once) and the body
// must end with the root's end tag, optionally followed by comments. The
// file is read token by token (comments such as the keep-alive ones are
// skipped anywhere, DTDs are never fetched) with each HOST or VULN decoded
// and yielded on its own, so memory is bounded by one host whatever the
// truncation limit. It is read as it is written by walks that do not read
// their next page ahead (host list detection ranges, the host list, the
// KnowledgeBase), and once the connection and the slot are released by the
// VMDR head walk, which reads its next page ahead instead. The download
// never waits for the loop body, so the body never holds up a slot or the
// connection, and its time never counts against the page timeout: a slow
// consumer (a database writer applying backpressure) no longer makes pages
// time out, and it may call the API server itself. The file is removed once the page is decoded, on
// any error, and when the caller stops iterating. Decoding is lenient:
// empty or unknown elements and DTD violations are accepted, numbers that
// are not numbers are kept as text (Int, Float), text is trimmed, RESULTS
// stays HTML-escaped as sent. A truncated body or a syntax error mid-page
// is an invalid page; the complete records before the fault are yielded
// and the page is retried from the host after the last one yielded: no
// host is repeated or skipped.
//
// A host whose detections cannot be produced stalls its page. A detection
// page that does not complete within Options.PageTimeout is retried once,
// then with truncation_limit halved, down to 1; when a single host still
// times out, its ID is learnt from the host list and Detections yields a
// *HostError (errors.Is ErrHostUnavailable) for it, then goes on with the
// next host at the original limit. The caller decides: quarantine the host
// and continue the loop, or stop.
//
// KBService.Vulns walks the KnowledgeBase (details=All by default), in
// batches of at most 1000 QIDs when IDs are given, spooling each answer
// like a page. KnowledgeBase calls run one at a time across the client:
// Qualys refuses parallel ones; the lock is held for the download only.
//
// Incremental syncs must use the server's clock: VMDRService.ServerTime
// returns the API server's DATETIME (one host list call), and
// HostQuery.OnDateTime reports the DATETIME of a walk's first page. Pass the
// value saved at the start of the previous run as VMProcessedAfter or
// KBQuery.LastModifiedAfter.
package qualys
