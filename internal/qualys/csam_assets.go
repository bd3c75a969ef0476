package qualys

import (
	"bytes"
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"iter"
	"math"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"golang.org/x/sync/errgroup"
)

// CSAM endpoints (gateway).
const (
	searchAssetsPath = "/rest/2.0/search/am/asset"
	countAssetsPath  = "/rest/2.0/count/am/asset"
)

// Page sizes for AssetQuery.
const (
	MaxPageSize     = 300 // the largest page CSAM serves
	DefaultPageSize = 300
)

// FieldAssetID is the filter field of the asset ID, used for range bounds.
const FieldAssetID = "asset.assetID"

// Filter operators of the CSAM v2 API.
const (
	OpEquals           = "EQUALS"
	OpNotEquals        = "NOT_EQUALS"
	OpIn               = "IN"
	OpContains         = "CONTAINS"
	OpGreater          = "GREATER"
	OpLesser           = "LESSER"
	OpGreaterThanEqual = "GREATER_THAN_EQUAL"
	OpLessThanEqual    = "LESS_THAN_EQUAL"
)

// CSAMService is the CyberSecurity Asset Management (Global AssetView) v2
// API on the gateway: asset search and count.
type CSAMService service

// Filter is one search criterion; the filters of a query are ANDed.
type Filter struct {
	Field    string `json:"field"`    // e.g. "tags.name", "operatingSystem.category1"
	Operator string `json:"operator"` // e.g. OpEquals
	Value    string `json:"value"`
}

// AssetQuery selects assets for Count, Assets, SplitRanges and AssetsParallel.
type AssetQuery struct {
	// Filters are ANDed; nil sends the body {}.
	Filters []Filter
	// UpdatedSince, when not zero, is sent as assetLastUpdated (UTC,
	// "2006-01-02T15:04:05Z") for incremental pulls.
	UpdatedSince time.Time
	// IncludeFields or ExcludeFields (not both) name top-level asset
	// sections to return or omit.
	IncludeFields, ExcludeFields []string
	// PageSize is the number of assets per page: default 300, at most 300.
	PageSize int
}

// Range is a slice of the asset-ID space walked by one cursor.
type Range struct {
	After int64 // exclusive lower bound: the first lastSeenAssetId
	Max   int64 // inclusive upper bound; 0 = unbounded
}

// Asset is one element of assetListData.asset.
type Asset struct {
	// ID is assetId, parsed leniently (number or numeric string); 0 when
	// absent or unparsable.
	ID int64
	// Raw is the asset object exactly as received.
	Raw json.RawMessage
}

// RangedAsset is an asset from AssetsParallel with the index of its range.
type RangedAsset struct {
	Range int // index into the ranges passed to AssetsParallel
	Asset
}

// pageSize validates q and returns its effective page size.
func (q AssetQuery) pageSize() (int, error) {
	switch {
	case q.PageSize < 0:
		return 0, fmt.Errorf("qualys: page size %d: must be positive", q.PageSize)
	case q.PageSize > MaxPageSize:
		return 0, fmt.Errorf("qualys: page size %d: CSAM pages hold at most %d assets", q.PageSize, MaxPageSize)
	case len(q.IncludeFields) > 0 && len(q.ExcludeFields) > 0:
		return 0, errors.New("qualys: set IncludeFields or ExcludeFields, not both")
	}
	for _, f := range q.Filters {
		if f.Field == "" || f.Operator == "" {
			return 0, fmt.Errorf("qualys: filter %+v: field and operator are required", f)
		}
	}
	if q.PageSize == 0 {
		return DefaultPageSize, nil
	}
	return q.PageSize, nil
}

// params returns the query parameters shared by search and count.
func (q AssetQuery) params() url.Values {
	v := url.Values{}
	if !q.UpdatedSince.IsZero() {
		v.Set("assetLastUpdated", q.UpdatedSince.UTC().Format("2006-01-02T15:04:05Z"))
	}
	return v
}

// filterBody returns the JSON body {"filters":[…]}, or {} without filters.
func filterBody(filters []Filter) []byte {
	if len(filters) == 0 {
		return []byte("{}")
	}
	b, _ := json.Marshal(struct {
		Filters []Filter `json:"filters"`
	}{filters}) // cannot fail: strings only
	return b
}

// withFilter returns filters plus f, without touching filters' backing array.
func withFilter(filters []Filter, f ...Filter) []Filter {
	return append(slices.Clip(filters), f...)
}

// Count returns the number of assets matching q.
//
// Qualys API: POST /rest/2.0/count/am/asset
func (s *CSAMService) Count(ctx context.Context, q AssetQuery) (int64, error) {
	if _, err := q.pageSize(); err != nil {
		return 0, err
	}
	return s.count(ctx, q, q.Filters)
}

func (s *CSAMService) count(ctx context.Context, q AssetQuery, filters []Filter) (int64, error) {
	r, err := s.client.newJSONRequest(http.MethodPost, countAssetsPath, q.params(), filterBody(filters))
	if err != nil {
		return 0, err
	}
	var n int64
	err = s.client.do(ctx, r, func(resp *http.Response) error {
		if resp.StatusCode == http.StatusNoContent {
			n = 0
			return nil
		}
		var v struct {
			ResponseCode    *string         `json:"responseCode"`
			ResponseMessage string          `json:"responseMessage"`
			Count           json.RawMessage `json:"count"`
		}
		dec := json.NewDecoder(io.LimitReader(resp.Body, 1<<20))
		if err := dec.Decode(&v); err != nil {
			return &PageError{Op: r.op(), Reason: "count response is not a JSON object", Err: err}
		}
		switch {
		case v.ResponseCode == nil:
			return &PageError{Op: r.op(), Reason: "responseCode missing"}
		case *v.ResponseCode != "SUCCESS":
			return &APIError{Op: r.op(), URL: sanitizeURL(r.url()), StatusCode: resp.StatusCode, Code: *v.ResponseCode, Message: s.client.scrub(v.ResponseMessage)}
		}
		c, ok := lenientInt(v.Count)
		if !ok {
			return &PageError{Op: r.op(), Reason: fmt.Sprintf("count missing or not a number (%s)", excerpt(string(v.Count)))}
		}
		n = c
		return nil
	})
	return n, err
}

// searchPage is one decoded page of a search.
type searchPage struct {
	assets   []Asset // when decoded in memory (see each)
	sp       *spool  // else the spooled page, read as it is iterated
	spans    []span  // where each asset lies in the spool file
	ids      []int64 // with spans: each asset's assetId, as assetID reads it
	hasMore  bool
	lastSeen int64 // lastSeenAssetId; 0 when absent
}

// assetIDs returns the assetIds of the page's assets in page order (0 for
// one without a readable assetId), before they are iterated.
func (p *searchPage) assetIDs() []int64 {
	if p.sp != nil || p.assets == nil {
		return p.ids
	}
	ids := make([]int64, len(p.assets))
	for i, a := range p.assets {
		ids[i] = a.ID
	}
	return ids
}

// page fetches one search page: up to size assets with assetId > cursor.
func (s *CSAMService) page(ctx context.Context, q AssetQuery, filters []Filter, cursor int64, size int) (*searchPage, error) {
	v := q.params()
	v.Set("pageSize", strconv.Itoa(size))
	v.Set("lastSeenAssetId", strconv.FormatInt(cursor, 10))
	if len(q.IncludeFields) > 0 {
		v.Set("includeFields", strings.Join(q.IncludeFields, ","))
	}
	if len(q.ExcludeFields) > 0 {
		v.Set("excludeFields", strings.Join(q.ExcludeFields, ","))
	}
	r, err := s.client.newJSONRequest(http.MethodPost, searchAssetsPath, v, filterBody(filters))
	if err != nil {
		return nil, err
	}
	var p *searchPage
	err = s.client.do(ctx, r, func(resp *http.Response) error {
		if resp.StatusCode == http.StatusNoContent {
			p = &searchPage{}
			return nil
		}
		pg, err := s.client.readSearchPage(resp.Body, r.op())
		if err != nil {
			var api *APIError
			if errors.As(err, &api) {
				api.URL, api.StatusCode, api.Message = sanitizeURL(r.url()), resp.StatusCode, s.client.scrub(api.Message)
			}
			return err
		}
		p = pg
		return nil
	})
	return p, err
}

// decodeSearchPage reads a search response token by token: envelope fields
// in any order, and each element of assetListData.asset as raw bytes (never
// as a tree). It checks responseCode, hasMore (int, string or bool) and
// lastSeenAssetId (required while hasMore is 1).
func decodeSearchPage(body io.Reader, op string) (*searchPage, error) {
	dec := json.NewDecoder(body)
	dec.UseNumber()
	invalid := func(reason string, err error) error { return &PageError{Op: op, Reason: reason, Err: err} }
	if err := expectDelim(dec, '{'); err != nil {
		return nil, invalid("not a JSON object", err)
	}
	var (
		p                      searchPage
		code, msg, lastRaw     string
		haveCode, haveMore, ok bool
		haveLastSeen           bool
		raw                    json.RawMessage
	)
	for dec.More() {
		key, err := objectKey(dec)
		if err != nil {
			return nil, invalid("reading the envelope", err)
		}
		switch key {
		case "assetListData":
			if err := decodeAssetList(dec, &p.assets); err != nil {
				return nil, invalid("reading assetListData", err)
			}
			continue
		}
		raw = raw[:0]
		if err := dec.Decode(&raw); err != nil {
			return nil, invalid("reading "+key, err)
		}
		switch key {
		case "responseCode":
			code, haveCode = jsonText(raw), true
		case "responseMessage":
			msg = jsonText(raw)
		case "hasMore":
			if p.hasMore, ok = flag(raw); !ok {
				return nil, invalid(fmt.Sprintf("hasMore is %s, want 0 or 1", excerpt(string(raw))), nil)
			}
			haveMore = true
		case "lastSeenAssetId":
			lastRaw = string(raw)
			p.lastSeen, haveLastSeen = lenientInt(raw)
		}
	}
	if err := expectDelim(dec, '}'); err != nil {
		return nil, invalid("reading the envelope", err)
	}
	switch {
	case !haveCode:
		return nil, invalid("responseCode missing", nil)
	case code != "SUCCESS":
		return nil, &APIError{Op: op, Code: code, Message: excerpt(msg)}
	case !haveMore:
		return nil, invalid("hasMore missing", nil)
	case p.hasMore && !haveLastSeen:
		return nil, invalid(fmt.Sprintf("hasMore is 1 but lastSeenAssetId is %s", cmp.Or(excerpt(lastRaw), "missing")), nil)
	}
	return &p, nil
}

// decodeAssetList reads the value of assetListData: null, or an object whose
// "asset" member is null or an array of assets.
func decodeAssetList(dec *json.Decoder, out *[]Asset) error {
	t, err := dec.Token()
	if err != nil {
		return err
	}
	if t == nil {
		return nil
	}
	if t != json.Delim('{') {
		return fmt.Errorf("want an object, got %v", t)
	}
	for dec.More() {
		key, err := objectKey(dec)
		if err != nil {
			return err
		}
		if key != "asset" {
			var skip json.RawMessage
			if err := dec.Decode(&skip); err != nil {
				return err
			}
			continue
		}
		t, err := dec.Token()
		if err != nil {
			return err
		}
		if t == nil {
			continue
		}
		if t != json.Delim('[') {
			return fmt.Errorf("asset: want an array, got %v", t)
		}
		for dec.More() {
			var raw json.RawMessage // Decode copies: raw owns its bytes
			if err := dec.Decode(&raw); err != nil {
				return err
			}
			*out = append(*out, Asset{ID: assetID(raw), Raw: raw})
		}
		if err := expectDelim(dec, ']'); err != nil {
			return err
		}
	}
	return expectDelim(dec, '}')
}

func objectKey(dec *json.Decoder) (string, error) {
	t, err := dec.Token()
	if err != nil {
		return "", err
	}
	key, ok := t.(string)
	if !ok {
		return "", fmt.Errorf("want an object key, got %v", t)
	}
	return key, nil
}

func expectDelim(dec *json.Decoder, want json.Delim) error {
	t, err := dec.Token()
	if err != nil {
		if err == io.EOF {
			return io.ErrUnexpectedEOF
		}
		return err
	}
	if t != want {
		return fmt.Errorf("want %q, got %v", want, t)
	}
	return nil
}

// jsonText returns a JSON string's value, or the raw text of another value.
func jsonText(raw json.RawMessage) string {
	var s string
	if json.Unmarshal(raw, &s) == nil {
		return s
	}
	return string(raw)
}

// flag parses hasMore: 1/0 as number or string, or a boolean.
func flag(raw json.RawMessage) (bool, bool) {
	switch s := strings.Trim(string(bytes.TrimSpace(raw)), `"`); strings.ToLower(s) {
	case "1", "true":
		return true, true
	case "0", "false":
		return false, true
	}
	return false, false
}

// lenientInt parses a positive or zero integer given as a JSON number
// (integral, possibly in exponent form) or a numeric string.
func lenientInt(raw json.RawMessage) (int64, bool) {
	s := strings.TrimSpace(string(raw))
	if len(s) >= 2 && s[0] == '"' {
		if err := json.Unmarshal(raw, &s); err != nil {
			return 0, false
		}
		s = strings.TrimSpace(s)
	}
	if s == "" || s == "null" {
		return 0, false
	}
	if n, err := strconv.ParseInt(s, 10, 64); err == nil {
		return n, n >= 0
	}
	f, err := strconv.ParseFloat(s, 64)
	if err != nil || f < 0 || f != math.Trunc(f) || f >= math.MaxInt64 {
		return 0, false
	}
	return int64(f), true
}

// assetID returns the asset's assetId, or 0 when it is absent or unparsable.
func assetID(raw json.RawMessage) int64 {
	v, ok := topLevelMember(raw, "assetId")
	if !ok {
		return 0
	}
	id, ok := lenientInt(v)
	if !ok {
		return 0
	}
	return id
}

// Assets walks r with the lastSeenAssetId cursor: pages of q.PageSize assets
// in ascending assetId, until hasMore is 0. The lower bound is the initial
// cursor (r.After); the upper bound, if any, is the filter
// asset.assetID LESS_THAN_EQUAL r.Max, ANDed with q.Filters.
//
// Pages are held in spool files (Options.SpoolDir), not in memory: each
// request completes, and its page is checked whole, before its assets are
// read from the file and yielded one by one, so the loop body holds no
// concurrency slot and memory holds one asset. While they are yielded, the
// next page downloads (one page ahead, on disk). An invalid page is
// retried; a cursor that does not advance is an error. The first error ends
// the iteration.
//
// Qualys API: POST /rest/2.0/search/am/asset
func (s *CSAMService) Assets(ctx context.Context, q AssetQuery, r Range) iter.Seq2[Asset, error] {
	return func(yield func(Asset, error) bool) {
		if r.After < 0 || r.Max < 0 {
			yield(Asset{}, fmt.Errorf("qualys: range %+v: bounds must not be negative", r))
			return
		}
		s.walk(ctx, q, r.After, func() int64 { return r.Max }, nil, yield)
	}
}

// AssetsUntil walks the assets after the ID after, as Assets does, under an
// upper bound that may be set while it runs: bound is asked before each
// request, and once it answers B > 0 the requests carry the filter
// asset.assetID LESS_THAN_EQUAL B and the walk ends when its cursor is past
// B. A page requested before B was set may still hold assets above it: the
// caller drops those. It lets a caller read the first pages while the
// ranges that plan the rest of a run are worked out (Split), and hand the
// assets above B to other walks.
//
// checked, if not nil, is called with each page's assetIds (in page order,
// 0 for an asset whose ID cannot be read) and whether the walk goes on
// after the page, as soon as the page is in and checked whole, before its
// assets are yielded: a caller learns a page's IDs (for SplitFrom) without
// waiting for its loop body to consume them.
//
// Qualys API: POST /rest/2.0/search/am/asset
func (s *CSAMService) AssetsUntil(ctx context.Context, q AssetQuery, after int64, bound func() int64, checked func(ids []int64, more bool)) iter.Seq2[Asset, error] {
	return func(yield func(Asset, error) bool) {
		if after < 0 {
			yield(Asset{}, fmt.Errorf("qualys: assets after %d: the cursor must not be negative", after))
			return
		}
		s.walk(ctx, q, after, bound, checked, yield)
	}
}

// walk yields the assets after cursor up to bound() (0: unbounded), page by
// page, one page fetched ahead (see Assets), and passes each page to
// checked, if not nil, before its assets (see AssetsUntil).
func (s *CSAMService) walk(ctx context.Context, q AssetQuery, cursor int64, bound func() int64, checked func([]int64, bool), yield func(Asset, error) bool) {
	size, err := q.pageSize()
	if err != nil {
		yield(Asset{}, err)
		return
	}
	// The bound as the next request sees it, with its filters.
	limit := func() (int64, []Filter) {
		b := max(bound(), 0)
		if b == 0 {
			return 0, q.Filters
		}
		return b, withFilter(q.Filters, Filter{FieldAssetID, OpLessThanEqual, strconv.FormatInt(b, 10)})
	}
	b, filters := limit()
	if b > 0 && b <= cursor {
		return
	}
	// The next page is requested as soon as a page is in (its cursor is
	// known once the page is checked whole), and downloads while the
	// loop body consumes this one: a slow consumer then leaves no
	// concurrency slot idle. At most one page is fetched ahead, on disk.
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	type fetched struct {
		p   *searchPage
		err error
	}
	fetch := func(cursor int64, filters []Filter) <-chan fetched {
		ch := make(chan fetched, 1)
		go func() {
			p, err := s.page(ctx, q, filters, cursor, size)
			ch <- fetched{p, err}
		}()
		return ch
	}
	var ahead <-chan fetched
	defer func() { // stopped early: drop the page fetched ahead
		if ahead != nil {
			cancel()
			(<-ahead).p.discard()
		}
	}()
	p, err := s.page(ctx, q, filters, cursor, size)
	for {
		if err != nil {
			yield(Asset{}, err)
			return
		}
		b, filters = limit()
		more := p.hasMore && !(b > 0 && p.lastSeen >= b)
		if more && p.lastSeen > cursor {
			ahead = fetch(p.lastSeen, filters)
		}
		if checked != nil {
			checked(p.assetIDs(), more)
		}
		for a, err := range p.each() {
			if !yield(a, err) || err != nil {
				return
			}
		}
		if !more {
			return
		}
		if p.lastSeen <= cursor {
			yield(Asset{}, fmt.Errorf("qualys: POST %s: cursor did not advance (lastSeenAssetId %d after %d); stopped to avoid an endless loop",
				searchAssetsPath, p.lastSeen, cursor))
			return
		}
		cursor = p.lastSeen
		f := <-ahead
		ahead = nil
		p, err = f.p, f.err
	}
}

// SplitRanges splits the asset-ID space of q into about n contiguous ranges
// of similar size, for parallel cursors. The first range starts at 0 and the
// last is unbounded, so together they cover every asset whatever its ID.
//
// It counts q (one call) and returns a single unbounded range when n is 1 or
// the total fits in two pages; n is also capped so that each range holds
// about a page or more. Otherwise it reads the first page (the lowest IDs and
// their density) and estimates the boundaries from it, then refines them for
// at most splitRounds rounds of parallel probes: a count with
// asset.assetID LESS_THAN_EQUAL x where the estimate is uncertain, or, where
// a probe fell into a gap between clusters of IDs, a search page from the
// gap's end to find where the IDs resume. A boundary is settled when it is
// within a quarter of a range of its target. Evenly spread IDs take about
// n+3 calls; clustered ones a few more, at most 2+splitRounds·(n−1).
//
// Qualys API: POST /rest/2.0/count/am/asset, POST /rest/2.0/search/am/asset
func (s *CSAMService) SplitRanges(ctx context.Context, q AssetQuery, n int) ([]Range, error) {
	if n == 1 {
		if _, err := q.pageSize(); err != nil {
			return nil, err
		}
		return []Range{{}}, nil
	}
	sp, err := s.Split(ctx, q, n)
	return sp.Ranges, err
}

// Split is the outcome of CSAMService.Split.
type Split struct {
	Ranges []Range // as SplitRanges returns them
	Total  int64   // the count of q the ranges were cut from
}

// Split is SplitRanges that also returns the count it starts from (it
// always counts, even for n = 1), so that a caller learns the total of a
// run without a call of its own.
//
// Qualys API: POST /rest/2.0/count/am/asset, POST /rest/2.0/search/am/asset
func (s *CSAMService) Split(ctx context.Context, q AssetQuery, n int) (Split, error) {
	return s.SplitFrom(ctx, q, n, nil)
}

// FirstPage returns the asset IDs of the first page of a search (cursor 0)
// and its hasMore, read by the caller; see SplitFrom.
type FirstPage func(ctx context.Context) (ids []int64, more bool, err error)

// SplitFrom is Split for a caller that reads the first page of q itself
// (a walk from the first asset): after the count, first gives that page's
// asset IDs instead of a call of its own. A nil first reads the page.
//
// Qualys API: POST /rest/2.0/count/am/asset, POST /rest/2.0/search/am/asset
func (s *CSAMService) SplitFrom(ctx context.Context, q AssetQuery, n int, first FirstPage) (Split, error) {
	if n < 1 {
		return Split{}, fmt.Errorf("qualys: SplitRanges: n is %d, want at least 1", n)
	}
	size, err := q.pageSize()
	if err != nil {
		return Split{}, err
	}
	total, err := s.count(ctx, q, q.Filters)
	if err != nil {
		return Split{}, err
	}
	ranges, err := s.split(ctx, q, n, size, total, first)
	return Split{Ranges: ranges, Total: total}, err
}

// split cuts the assets of q, total of them, into about n ranges (see
// SplitRanges and SplitFrom).
func (s *CSAMService) split(ctx context.Context, q AssetQuery, n, size int, total int64, first FirstPage) ([]Range, error) {
	whole := []Range{{}}
	if n == 1 || total <= 2*int64(size) {
		return whole, nil
	}
	n = int(min(int64(n), (total+int64(size)-1)/int64(size)))

	var (
		head *searchPage
		err  error
	)
	if first != nil {
		ids, more, err := first(ctx)
		if err != nil {
			return nil, err
		}
		head = &searchPage{hasMore: more}
		for _, id := range ids {
			head.assets = append(head.assets, Asset{ID: id})
		}
	} else {
		head, err = s.page(ctx, q, q.Filters, 0, size)
		if err == nil {
			err = head.materialize()
		}
	}
	if err != nil {
		return nil, err
	}
	sp := &splitter{total: total, n: n, tol: max(total/int64(4*n), 1), searched: map[int64]bool{}}
	sp.addPage(cdfPoint{0, 0}, head)
	if len(sp.cdf) < 3 || !head.hasMore {
		return whole, nil
	}
	for range splitRounds {
		counts, searches := sp.plan()
		if len(counts)+len(searches) == 0 {
			break
		}
		countResults := make([]int64, len(counts))
		pages := make([]*searchPage, len(searches))
		g, gctx := errgroup.WithContext(ctx)
		for i, x := range counts {
			g.Go(func() error {
				var err error
				countResults[i], err = s.count(gctx, q, withFilter(q.Filters, Filter{FieldAssetID, OpLessThanEqual, strconv.FormatInt(x, 10)}))
				return err
			})
		}
		for i, from := range searches {
			g.Go(func() error {
				var err error
				pages[i], err = s.page(gctx, q, q.Filters, from.x, size)
				if err == nil {
					err = pages[i].materialize()
				}
				return err
			})
		}
		if err := g.Wait(); err != nil {
			return nil, err
		}
		for i, x := range counts {
			sp.cdf = append(sp.cdf, cdfPoint{x, countResults[i]})
		}
		for i, from := range searches {
			sp.addPage(from, pages[i])
		}
		sp.normalize()
	}
	bounds := sp.bounds()
	if len(bounds) == 0 {
		return whole, nil
	}
	ranges := make([]Range, 0, len(bounds)+1)
	after := int64(0)
	for _, b := range bounds {
		ranges = append(ranges, Range{After: after, Max: b})
		after = b
	}
	return append(ranges, Range{After: after}), nil
}

// splitRounds bounds the rounds of probes in SplitRanges.
const splitRounds = 4

// cdfPoint says that c assets have an ID ≤ x.
type cdfPoint struct{ x, c int64 }

// splitter holds what SplitRanges knows of the CDF, count(assetId ≤ x).
type splitter struct {
	total    int64
	n        int
	tol      int64          // a boundary within tol of its target count is settled
	cdf      []cdfPoint     // sorted by x, c non-decreasing
	searched map[int64]bool // search pages already read, by cursor
}

// addPage adds the exact points a search page from cursor from.x gives: its
// i-th ID (ascending) has count from.c+i+1, and nothing lies between from.x
// and its first ID.
func (sp *splitter) addPage(from cdfPoint, p *searchPage) {
	sp.searched[from.x] = true
	var ids []int64
	for _, a := range p.assets {
		if a.ID > from.x {
			ids = append(ids, a.ID)
		}
	}
	slices.Sort(ids)
	ids = slices.Compact(ids)
	if len(ids) == 0 {
		return
	}
	if ids[0]-1 > from.x || len(sp.cdf) == 0 {
		sp.cdf = append(sp.cdf, cdfPoint{ids[0] - 1, from.c})
	}
	for i, id := range ids {
		sp.cdf = append(sp.cdf, cdfPoint{id, from.c + int64(i+1)})
	}
	sp.normalize()
}

// normalize sorts the points and keeps counts monotone (the data may move
// between calls).
func (sp *splitter) normalize() {
	slices.SortFunc(sp.cdf, func(a, b cdfPoint) int { return cmp.Compare(a.x, b.x) })
	sp.cdf = slices.CompactFunc(sp.cdf, func(a, b cdfPoint) bool { return a.x == b.x })
	for i := 1; i < len(sp.cdf); i++ {
		sp.cdf[i].c = max(sp.cdf[i].c, sp.cdf[i-1].c)
	}
}

// target returns the count the k-th boundary should have below it.
func (sp *splitter) target(k int) int64 { return sp.total * int64(k) / int64(sp.n) }

// plan returns the probes of the next round for the boundaries not yet
// settled: counts at estimated boundaries, and search pages from the end of
// gaps (a run of points with the same count) to find where IDs resume.
func (sp *splitter) plan() (counts []int64, searches []cdfPoint) {
	cdf := sp.cdf
	for k := 1; k < sp.n; k++ {
		t := sp.target(k)
		i, _ := slices.BinarySearchFunc(cdf, t, func(p cdfPoint, t int64) int { return cmp.Compare(p.c, t) })
		switch {
		case i < len(cdf) && cdf[i].c-t <= sp.tol:
			continue // a point close enough above
		case i > 0 && t-cdf[i-1].c <= sp.tol:
			continue // a point close enough below
		case i > 0 && i < len(cdf) && cdf[i].c-cdf[i-1].c <= 2*sp.tol:
			continue // a narrow bracket
		case i == 0:
			continue // cannot happen: cdf[0].c is 0
		}
		a := cdf[i-1]
		if i >= 2 && cdf[i-2].c == a.c { // a gap ends somewhere after a
			if !sp.searched[a.x] && !slices.Contains(searches, a) {
				searches = append(searches, a)
			}
			continue
		}
		x := quantile(cdf, t)
		if _, known := slices.BinarySearchFunc(cdf, x, func(p cdfPoint, x int64) int { return cmp.Compare(p.x, x) }); !known && x > a.x {
			counts = append(counts, x)
		}
	}
	slices.Sort(counts)
	return slices.Compact(counts), searches
}

// bounds returns the boundaries that cut the assets into n parts of equal
// count: strictly increasing and positive, possibly fewer than n-1.
func (sp *splitter) bounds() []int64 {
	var out []int64
	for k := 1; k < sp.n; k++ {
		v := quantile(sp.cdf, sp.target(k))
		if v < 1 || (len(out) > 0 && v <= out[len(out)-1]) {
			continue
		}
		out = append(out, v)
	}
	return out
}

// quantile returns the ID where the piecewise-linear CDF through cdf (sorted
// by x, c non-decreasing, cdf[0].c == 0) reaches t. Past the last point it
// extrapolates with the density of the last stretch of IDs.
func quantile(cdf []cdfPoint, t int64) int64 {
	last := cdf[len(cdf)-1]
	var x float64
	i, found := slices.BinarySearchFunc(cdf, t, func(p cdfPoint, t int64) int { return cmp.Compare(p.c, t) })
	switch {
	case i == len(cdf):
		// Local density: over the last half-page or so of known IDs.
		w := max(min(last.c/2, MaxPageSize/2), 1)
		j, _ := slices.BinarySearchFunc(cdf, last.c-w, func(p cdfPoint, t int64) int { return cmp.Compare(p.c, t) })
		j = min(j, len(cdf)-2)
		p := cdf[max(j, 0)]
		density := float64(last.c-p.c) / float64(max(last.x-p.x, 1))
		x = float64(last.x) + float64(t-last.c)/max(density, 1e-12)
	case found || i == 0:
		x = float64(cdf[i].x)
	default:
		a, b := cdf[i-1], cdf[i]
		x = float64(a.x) + float64(t-a.c)*float64(b.x-a.x)/float64(b.c-a.c)
	}
	return int64(math.Min(math.Round(x), math.MaxInt64/2))
}

// AssetsParallel walks ranges concurrently, at most parallel cursors at a
// time (and never more calls in flight than the client's concurrency), and
// yields their assets as they arrive. Within one range assets come in
// ascending order. Breaking out of the loop cancels the requests in flight
// and waits for the cursors to stop. The first error ends the iteration.
//
// Qualys API: POST /rest/2.0/search/am/asset
func (s *CSAMService) AssetsParallel(ctx context.Context, q AssetQuery, ranges []Range, parallel int) iter.Seq2[RangedAsset, error] {
	return func(yield func(RangedAsset, error) bool) {
		walk := func(ctx context.Context, i int) iter.Seq2[Asset, error] { return s.Assets(ctx, q, ranges[i]) }
		for r, err := range fanIn(ctx, len(ranges), parallel, walk, never) {
			if !yield(RangedAsset{Range: r.idx, Asset: r.v}, err) {
				return
			}
		}
	}
}

// topLevelMember returns the raw value of member key of the JSON object b,
// without decoding the rest. b must be valid JSON (it comes from a Decoder).
// In the common case assetId is the first member, so this costs a few bytes.
func topLevelMember(b []byte, key string) ([]byte, bool) {
	i := skipSpace(b, 0)
	if i >= len(b) || b[i] != '{' {
		return nil, false
	}
	i++
	for {
		i = skipSpace(b, i)
		if i < len(b) && b[i] == ',' {
			i = skipSpace(b, i+1)
		}
		if i >= len(b) || b[i] != '"' {
			return nil, false
		}
		end := skipString(b, i)
		if end < 0 {
			return nil, false
		}
		k := b[i+1 : end-1]
		match := string(k) == key
		if !match && bytes.IndexByte(k, '\\') >= 0 {
			var s string
			match = json.Unmarshal(b[i:end], &s) == nil && s == key
		}
		i = skipSpace(b, end)
		if i >= len(b) || b[i] != ':' {
			return nil, false
		}
		i = skipSpace(b, i+1)
		vend := skipValue(b, i)
		if vend < 0 {
			return nil, false
		}
		if match {
			return b[i:vend], true
		}
		i = vend
	}
}

func skipSpace(b []byte, i int) int {
	for i < len(b) && (b[i] == ' ' || b[i] == '\t' || b[i] == '\n' || b[i] == '\r') {
		i++
	}
	return i
}

// skipString returns the index after the string starting at b[i] == '"'.
func skipString(b []byte, i int) int {
	for j := i + 1; j < len(b); {
		switch b[j] {
		case '\\':
			j += 2
		case '"':
			return j + 1
		default:
			j++
		}
	}
	return -1
}

// skipValue returns the index after the value starting at b[i].
func skipValue(b []byte, i int) int {
	if i >= len(b) {
		return -1
	}
	switch b[i] {
	case '"':
		return skipString(b, i)
	case '{', '[':
		depth := 0
		for j := i; j < len(b); {
			switch b[j] {
			case '"':
				if j = skipString(b, j); j < 0 {
					return -1
				}
				continue
			case '{', '[':
				depth++
			case '}', ']':
				if depth--; depth == 0 {
					return j + 1
				}
			}
			j++
		}
		return -1
	}
	j := i
	for j < len(b) && !strings.ContainsRune(",}] \t\r\n", rune(b[j])) {
		j++
	}
	return j
}
