// Package qualys is a client for the Qualys APIs: the gateway's CSAM
// (CyberSecurity Asset Management) JSON API today, the API server's VMDR and
// KnowledgeBase XML APIs next. It returns wire types faithful to the payload
// (an asset is its raw JSON object); turning them into qflow's model is the
// transform package's job.
//
// One Client holds one service per product area (Client.CSAM). Every call
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
// concurrency limit when a response reports a lower one.
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
// cuts the asset-ID space into contiguous ranges and AssetsParallel walks one
// cursor per range. Breaking out of a loop cancels the requests in flight.
package qualys
