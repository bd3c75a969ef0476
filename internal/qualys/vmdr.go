package qualys

import (
	"bytes"
	"context"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"iter"
	"log/slog"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"
)

// API-server endpoints.
const (
	hostListPath = "/api/2.0/fo/asset/host/"
	kbPath       = "/api/2.0/fo/knowledge_base/vuln/"
)

// hldPath returns the host list detection path of an API version.
func hldPath(version string) string { return "/api/" + version + "/fo/asset/host/vm/detection/" }

// DefaultTruncationLimit is the number of hosts per page when a query does
// not say (the API's own default).
const DefaultTruncationLimit = 1000

// stuckRetries is how many times a detection page that timed out is retried
// at the same truncation_limit before the limit is halved.
const stuckRetries = 1

// ErrHostUnavailable matches every *HostError.
var ErrHostUnavailable = errors.New("qualys: host detections unavailable")

// HostError reports a host whose detections could not be delivered: its
// detection page timed out even one host at a time. Detections and
// DetectionsParallel yield it and then go on with the next host, so the
// caller may record the host (quarantine it) and keep iterating, or stop.
type HostError struct {
	HostID int64
	Reason string
}

// Error names the host and the reason.
func (e *HostError) Error() string {
	return fmt.Sprintf("qualys: host %d: detections unavailable: %s", e.HostID, e.Reason)
}

// Is reports whether target is ErrHostUnavailable.
func (e *HostError) Is(target error) bool { return target == ErrHostUnavailable }

// VMDRService is the API server's host list and host list detection APIs
// (VMDR). Calls use HTTP basic auth and have their own rate and concurrency
// limits, apart from the gateway's.
type VMDRService service

// KBService is the API server's KnowledgeBase API. Its calls run one at a
// time across the client: Qualys refuses parallel KnowledgeBase calls.
type KBService service

// IDRange is an inclusive range of host IDs (or QIDs); 0 leaves a bound open.
type IDRange struct{ Min, Max int64 }

// HostQuery selects hosts of the host list API (HostIDs, Hosts).
type HostQuery struct {
	// VMProcessedAfter, when not zero, keeps the hosts whose scan results
	// were processed after it (vm_processed_after). For incremental syncs
	// use the server's DATETIME of the previous run (ServerTime, OnDateTime),
	// not the local clock.
	VMProcessedAfter time.Time
	// TruncationLimit is the number of hosts per page (0: 1000).
	TruncationLimit int
	// Range bounds the host IDs (id_min, id_max).
	Range IDRange
	// Details is the host list details for Hosts: "Basic", "Basic/AGs",
	// "All" (default) or "All/AGs". HostIDs always asks for "None".
	Details string
	// ShowAssetID, ShowTags, ShowTruRisk (show_trurisk, show_trurisk_factors,
	// show_ars), ShowCloudTags and HostMetadata ("all", "ec2", "azure",
	// "gcp") add sections to Hosts.
	ShowAssetID, ShowTags, ShowTruRisk, ShowCloudTags bool
	HostMetadata                                      string
	// OnDateTime, if set, receives the DATETIME of the first page.
	OnDateTime func(time.Time)
}

// DetectionQuery selects detections of the host list detection API.
// Booleans send "1" when set and nothing otherwise, except ShowResults,
// which is always sent (show_results=0|1).
type DetectionQuery struct {
	// VMProcessedAfter, when not zero, keeps the hosts processed after it.
	VMProcessedAfter time.Time
	// Status lists the detection statuses: New, Active, Fixed, Re-Opened
	// (empty: the API's default, New,Active,Re-Opened).
	Status []string
	// ShowIGs adds Information Gathered detections; IncludeIgnored and
	// IncludeDisabled add ignored and disabled ones.
	ShowIGs, IncludeIgnored, IncludeDisabled bool
	// ShowQDS and ShowQDSFactors add the Qualys Detection Score.
	ShowQDS, ShowQDSFactors bool
	// ShowResults adds RESULTS.
	ShowResults bool
	// ShowTags, ShowAssetID, ShowCloudTags and ShowReopenedInfo add host
	// tags, ASSET_ID, cloud provider tags and the reopening dates.
	ShowTags, ShowAssetID, ShowCloudTags, ShowReopenedInfo bool
	// ShowARFData asks API 3.0+ for the AFFECT_* flags (2.0 always sends them).
	ShowARFData bool
	// MitreAttackDetails asks API 4.0+ for each detection's MITRE ATT&CK
	// tactics and techniques (mitre_attack_details=1, decoded into
	// Detection.MitreAttackList). It is not sent to 2.0 and 3.0, which
	// refuse the parameter.
	MitreAttackDetails bool
	// HostMetadata adds cloud metadata: "all", "ec2", "azure" or "gcp".
	HostMetadata string
	// Severities ("3-5", "1,2"), QIDs ("38170,38173-38200") and
	// IncludeVulnType ("confirmed" or "potential") filter detections.
	Severities, QIDs, IncludeVulnType string
	// TruncationLimit is the number of hosts per page (0: 1000).
	TruncationLimit int
	// APIVersion is "2.0" (default), "3.0", "4.0" or "5.0".
	APIVersion string
}

// AllDetections returns the query for every detection the subscription
// holds: every status, Information Gathered, ignored and disabled
// detections, with QDS and its factors, RESULTS, tags, ASSET_ID, cloud
// metadata and tags, the reopening dates, and (API 4.0+) the MITRE ATT&CK
// details.
func AllDetections() DetectionQuery {
	return DetectionQuery{
		Status:  []string{"New", "Active", "Fixed", "Re-Opened"},
		ShowIGs: true, IncludeIgnored: true, IncludeDisabled: true,
		ShowQDS: true, ShowQDSFactors: true, ShowResults: true,
		ShowTags: true, ShowAssetID: true, ShowCloudTags: true, ShowReopenedInfo: true, ShowARFData: true,
		MitreAttackDetails: true, HostMetadata: "all",
	}
}

// LatestDetectionAPIVersion is the newest host list detection API version
// the client speaks.
const LatestDetectionAPIVersion = "5.0"

// RangedHost is a host from DetectionsParallel with the index of its range.
type RangedHost struct {
	Range int // index into the ranges passed to DetectionsParallel
	Host  Host
}

func setFlag(v url.Values, name string, on bool) {
	if on {
		v.Set(name, "1")
	}
}

func truncation(n int) (int, error) {
	switch {
	case n < 0:
		return 0, fmt.Errorf("qualys: truncation limit %d: must not be negative", n)
	case n == 0:
		return DefaultTruncationLimit, nil
	}
	return n, nil
}

func checkRange(r IDRange) error {
	if r.Min < 0 || r.Max < 0 {
		return fmt.Errorf("qualys: ID range %+v: bounds must not be negative", r)
	}
	return nil
}

// emptyRange reports a range that holds no ID.
func emptyRange(r IDRange) bool { return r.Max > 0 && r.Min > r.Max }

// params returns the form of a detection query, without paging parameters.
func (q DetectionQuery) params() (path string, v url.Values, err error) {
	version := q.APIVersion
	switch version {
	case "":
		version = "2.0"
	case "2.0", "3.0", "4.0", "5.0":
	default:
		return "", nil, fmt.Errorf("qualys: API version %q: want 2.0, 3.0, 4.0 or 5.0", q.APIVersion)
	}
	v = url.Values{"action": {"list"}}
	if !q.VMProcessedAfter.IsZero() {
		v.Set("vm_processed_after", formatDateTime(q.VMProcessedAfter))
	}
	if len(q.Status) > 0 {
		v.Set("status", strings.Join(q.Status, ","))
	}
	setFlag(v, "show_igs", q.ShowIGs)
	setFlag(v, "include_ignored", q.IncludeIgnored)
	setFlag(v, "include_disabled", q.IncludeDisabled)
	setFlag(v, "show_qds", q.ShowQDS)
	setFlag(v, "show_qds_factors", q.ShowQDSFactors)
	v.Set("show_results", "0")
	setFlag(v, "show_results", q.ShowResults)
	setFlag(v, "show_tags", q.ShowTags)
	setFlag(v, "show_asset_id", q.ShowAssetID)
	setFlag(v, "show_cloud_tags", q.ShowCloudTags)
	setFlag(v, "show_reopened_info", q.ShowReopenedInfo)
	setFlag(v, "show_arf_data", q.ShowARFData && version != "2.0")
	setFlag(v, "mitre_attack_details", q.MitreAttackDetails && (version == "4.0" || version == "5.0"))
	if q.HostMetadata != "" {
		v.Set("host_metadata", q.HostMetadata)
	}
	if q.Severities != "" {
		v.Set("severities", q.Severities)
	}
	if q.QIDs != "" {
		v.Set("qids", q.QIDs)
	}
	if q.IncludeVulnType != "" {
		v.Set("include_vuln_type", q.IncludeVulnType)
	}
	return hldPath(version), v, nil
}

// hostParams returns the host filters of a host list query.
func (q HostQuery) hostParams(details string) url.Values {
	v := url.Values{"action": {"list"}, "details": {details}}
	if !q.VMProcessedAfter.IsZero() {
		v.Set("vm_processed_after", formatDateTime(q.VMProcessedAfter))
	}
	return v
}

// newFormRequest returns an API-server POST with the parameters in a form
// body.
func (c *Client) newFormRequest(path string, form url.Values) (*request, error) {
	if c.api == nil {
		return nil, errors.New("qualys: no API server URL configured: VMDR needs it (e.g. https://qualysapi.qg1.apps.qualys.com)")
	}
	return &request{
		method: http.MethodPost, base: c.api, path: path, body: []byte(form.Encode()),
		contentType: "application/x-www-form-urlencoded", auth: authBasic, limited: true,
	}, nil
}

// aboutPath is the API server's version document.
const aboutPath = "/msp/about.php"

// About checks that the API server answers and accepts the credentials:
// it reads the version document, a call the subscription's limits do not
// count and that has no data to wait for (unlike ServerTime, a host list
// call). A refused login is an *AuthError-like *APIError with status 401.
//
// Qualys API: GET /msp/about.php
func (s *VMDRService) About(ctx context.Context) error {
	c := s.client
	if c.api == nil {
		return errors.New("qualys: no API server URL configured: VMDR needs it (e.g. https://qualysapi.qg1.apps.qualys.com)")
	}
	r := &request{method: http.MethodGet, base: c.api, path: aboutPath, auth: authBasic}
	return c.do(ctx, r, func(resp *http.Response) error {
		root, ret, err := sniffRoot(resp.Body, []string{"ABOUT"})
		switch {
		case err != nil:
			return pageError(r.op(), resp.Header.Get("Content-Type"), err)
		case ret != nil:
			return c.simpleReturnError(r.op(), r.url(), resp.StatusCode, resp.Header, ret)
		case root != "ABOUT":
			return pageError(r.op(), resp.Header.Get("Content-Type"), &rootError{"no <ABOUT> document"})
		}
		_, _ = io.Copy(io.Discard, resp.Body)
		return nil
	})
}

// ServerTime returns the API server's current DATETIME: one cheap host list
// call (details=None, truncation_limit=1). Incremental syncs store it at the
// start of a run and pass it as VMProcessedAfter (or KBQuery.
// LastModifiedAfter) on the next one: the server's clock, not the local
// one, decides what changed.
//
// Qualys API: POST /api/2.0/fo/asset/host/?action=list&details=None&truncation_limit=1
func (s *VMDRService) ServerTime(ctx context.Context) (time.Time, error) {
	c := s.client
	r, err := c.newFormRequest(hostListPath, url.Values{"action": {"list"}, "details": {"None"}, "truncation_limit": {"1"}})
	if err != nil {
		return time.Time{}, err
	}
	var dt string
	err = c.do(ctx, r, func(resp *http.Response) error {
		info, err := readPage(resp.Body, hostListRoots, nil, func(dec *xml.Decoder, _ *xml.StartElement) error { return dec.Skip() })
		if err != nil {
			return pageError(r.op(), resp.Header.Get("Content-Type"), err)
		}
		if info.ret != nil {
			return c.simpleReturnError(r.op(), r.url(), resp.StatusCode, resp.Header, info.ret)
		}
		dt = info.dateTime
		return nil
	})
	if err != nil {
		return time.Time{}, err
	}
	return parseDateTime(dt)
}

// decodeError marks an error met while decoding a complete spooled page.
type decodeError struct{ err error }

func (e *decodeError) Error() string { return e.err.Error() }
func (e *decodeError) Unwrap() error { return e.err }

// pageError wraps a document that could not be read: a syntax error, a
// truncated body, an unexpected root or a *decodeError is an invalid page
// (retried); a read error is returned as is (a transport error or the
// per-request timeout).
func pageError(op, contentType string, err error) error {
	var (
		se *xml.SyntaxError
		re *rootError
		de *decodeError
	)
	switch {
	case errors.As(err, &se), errors.Is(err, errTruncated):
		return &PageError{Op: op, Reason: "malformed or truncated XML", Err: err}
	case errors.As(err, &de):
		return &PageError{Op: op, Reason: "the page cannot be decoded", Err: de.err}
	case errors.As(err, &re):
		return &PageError{Op: op, Reason: fmt.Sprintf("not the expected XML document (Content-Type %q)", contentType), Err: err}
	}
	return err
}

// HostIDs yields the IDs of the hosts q selects, in ascending order: host
// list pages with details=None (ID and ID_RANGE entries, ranges expanded),
// following the WARNING of each truncated page. HostQuery.Details is
// ignored. Pages are spooled and decoded as Detections describes.
//
// Qualys API: POST /api/2.0/fo/asset/host/?action=list&details=None
func (s *VMDRService) HostIDs(ctx context.Context, q HostQuery) iter.Seq2[int64, error] {
	return func(yield func(int64, error) bool) {
		limit, err := truncation(q.TruncationLimit)
		if err == nil {
			err = checkRange(q.Range)
		}
		if err != nil {
			yield(0, err)
			return
		}
		if emptyRange(q.Range) {
			return
		}
		w := &walker[int64]{
			c: s.client, what: "host list", path: hostListPath, params: q.hostParams("None"), roots: hostListRoots,
			rng: q.Range, limit: limit, onDateTime: q.OnDateTime, decode: decodeIDItem,
		}
		w.run(ctx, yield)
	}
}

// decodeIDItem decodes an ID or ID_RANGE ("a-b") element of an ID_SET.
func decodeIDItem(dec *xml.Decoder, se *xml.StartElement, emit func(int64, int64) bool) error {
	if se.Name.Local != "ID" && se.Name.Local != "ID_RANGE" {
		return dec.Skip()
	}
	var s string
	if err := dec.DecodeElement(&s, se); err != nil {
		return err
	}
	lo, hi, isRange := strings.Cut(strings.TrimSpace(s), "-")
	a, err1 := strconv.ParseInt(strings.TrimSpace(lo), 10, 64)
	b := a
	var err2 error
	if isRange {
		b, err2 = strconv.ParseInt(strings.TrimSpace(hi), 10, 64)
	}
	if err1 != nil || err2 != nil || a <= 0 || b < a {
		return &xml.SyntaxError{Msg: fmt.Sprintf("<%s>%s</%s> is not a host ID or ID range", se.Name.Local, excerpt(s), se.Name.Local)}
	}
	for id := a; id <= b; id++ {
		if !emit(id, id) {
			return errStopped
		}
	}
	return nil
}

// Hosts yields the hosts q selects with their details (host list,
// details=All unless q.Details says otherwise), in ascending ID order,
// following the WARNING of each truncated page. Pages are spooled and
// decoded as Detections describes.
//
// Qualys API: POST /api/2.0/fo/asset/host/?action=list
func (s *VMDRService) Hosts(ctx context.Context, q HostQuery) iter.Seq2[Host, error] {
	return func(yield func(Host, error) bool) {
		limit, err := truncation(q.TruncationLimit)
		if err == nil {
			err = checkRange(q.Range)
		}
		details := q.Details
		switch details {
		case "":
			details = "All"
		case "None":
			err = errors.New("qualys: Hosts: details=None lists IDs only: use HostIDs")
		}
		if err != nil {
			yield(Host{}, err)
			return
		}
		if emptyRange(q.Range) {
			return
		}
		v := q.hostParams(details)
		setFlag(v, "show_asset_id", q.ShowAssetID)
		setFlag(v, "show_tags", q.ShowTags)
		setFlag(v, "show_cloud_tags", q.ShowCloudTags)
		setFlag(v, "show_trurisk", q.ShowTruRisk)
		setFlag(v, "show_trurisk_factors", q.ShowTruRisk)
		setFlag(v, "show_ars", q.ShowTruRisk)
		if q.HostMetadata != "" {
			v.Set("host_metadata", q.HostMetadata)
		}
		w := &walker[Host]{
			c: s.client, what: "host list", path: hostListPath, params: v, roots: hostListRoots,
			rng: q.Range, limit: limit, onDateTime: q.OnDateTime, decode: decodeHostItem,
		}
		w.run(ctx, yield)
	}
}

// decodeHostItem decodes a HOST element.
func decodeHostItem(dec *xml.Decoder, se *xml.StartElement, emit func(int64, Host) bool) error {
	if se.Name.Local != "HOST" {
		return dec.Skip()
	}
	var h Host
	if err := dec.DecodeElement(&h, se); err != nil {
		return err
	}
	if !emit(h.ID, h) {
		return errStopped
	}
	return nil
}

// Detections yields the hosts of r that have detections matching q, each
// with its detections, in ascending host ID order: host list detection
// pages of q.TruncationLimit hosts, following the WARNING of each truncated
// page. Each page is spooled to a temporary file (Options.SpoolDir) while
// it downloads, and its hosts are decoded from the file as they arrive and
// yielded one at a time, so memory is bounded by one host. The download
// never waits for the loop body (the file takes what the body has not read
// yet), so the concurrency slot is held only while the server sends: the
// loop body may be slow (Options.PageTimeout bounds the download only) and
// may call the API server itself.
//
// A failed page is retried from the host after the last one yielded, never
// repeating or skipping one; the complete hosts of a page that failed
// mid-download (connection reset, truncated body, timeout) are yielded
// before it is retried. A page that does not complete within
// Options.PageTimeout (a host whose detections cannot be produced stalls
// its page) is retried once, then with the truncation limit halved, down to
// one host; when a single host still times out, its ID is learnt from the
// host list and a *HostError (errors.Is ErrHostUnavailable) is yielded for
// it. The iteration may be continued after a *HostError: it goes on with the
// next host and the original limit. Any other error ends the iteration.
//
// Qualys API: POST /api/2.0/fo/asset/host/vm/detection/?action=list
func (s *VMDRService) Detections(ctx context.Context, q DetectionQuery, r IDRange) iter.Seq2[Host, error] {
	return func(yield func(Host, error) bool) {
		w, err := s.detectionWalker(q, r)
		if err != nil {
			yield(Host{}, err)
			return
		}
		if emptyRange(r) {
			return
		}
		w.run(ctx, yield)
	}
}

// detectionWalker returns the walker of the host list detection pages of
// q over r.
func (s *VMDRService) detectionWalker(q DetectionQuery, r IDRange) (*walker[Host], error) {
	path, v, err := q.params()
	if err != nil {
		return nil, err
	}
	limit, err := truncation(q.TruncationLimit)
	if err != nil {
		return nil, err
	}
	if err := checkRange(r); err != nil {
		return nil, err
	}
	w := &walker[Host]{
		c: s.client, what: "host list detection", path: path, params: v, roots: hldRoots,
		rng: r, limit: limit, decode: decodeHostItem, fast: decodeHostFast, stuck: true,
	}
	w.findHost = func(ctx context.Context, from int64) (int64, bool, error) {
		return s.nextHostID(ctx, from, w.max(), q.VMProcessedAfter)
	}
	return w, nil
}

// DetectionsUntil walks the detections of the hosts from ID from on, as
// Detections does, under an upper bound that may be set while it runs:
// bound is asked before each page and for each host, and once it answers
// B > 0 no host above B is yielded and the walk ends when it is past B.
// onDateTime, if set, receives the DATETIME of the first page. It lets a
// caller start on the detections before the host list that plans the rest
// of a run has arrived, and hand the hosts above B to other walks.
//
// Qualys API: POST /api/2.0/fo/asset/host/vm/detection/?action=list
func (s *VMDRService) DetectionsUntil(ctx context.Context, q DetectionQuery, from int64, bound func() int64, onDateTime func(time.Time)) iter.Seq2[Host, error] {
	return func(yield func(Host, error) bool) {
		w, err := s.detectionWalker(q, IDRange{Min: from})
		if err != nil {
			yield(Host{}, err)
			return
		}
		w.bound, w.onDateTime, w.prefetch = bound, onDateTime, true
		w.run(ctx, yield)
	}
}

// nextHostID returns the first host ID >= from (and <= max, if set) of the
// host list, processed after since if set.
func (s *VMDRService) nextHostID(ctx context.Context, from, max int64, since time.Time) (int64, bool, error) {
	v := HostQuery{VMProcessedAfter: since}.hostParams("None")
	v.Set("id_min", strconv.FormatInt(from, 10))
	if max > 0 {
		v.Set("id_max", strconv.FormatInt(max, 10))
	}
	v.Set("truncation_limit", "1")
	c := s.client
	r, err := c.newFormRequest(hostListPath, v)
	if err != nil {
		return 0, false, err
	}
	var id int64
	err = c.do(ctx, r, func(resp *http.Response) error {
		id = 0
		info, err := readPage(resp.Body, hostListRoots, nil, func(dec *xml.Decoder, se *xml.StartElement) error {
			return decodeIDItem(dec, se, func(n, _ int64) bool {
				if id == 0 {
					id = n
				}
				return false
			})
		})
		if errors.Is(err, errStopped) {
			return nil
		}
		if err != nil {
			return pageError(r.op(), resp.Header.Get("Content-Type"), err)
		}
		if info.ret != nil {
			return c.simpleReturnError(r.op(), r.url(), resp.StatusCode, resp.Header, info.ret)
		}
		return nil
	})
	return id, id != 0, err
}

// DetectionsParallel walks ranges concurrently, at most parallel at a time
// (and never more calls in flight than the subscription allows), and yields
// their hosts as they arrive; within one range hosts come in ascending ID
// order. A *HostError is yielded with the index of its range and the
// iteration goes on; any other error ends it. A walker waiting for the loop
// body holds no concurrency slot: the others go on downloading. Breaking
// out of the loop cancels the requests in flight and waits for the walkers
// to stop and remove their spool files.
//
// Qualys API: POST /api/2.0/fo/asset/host/vm/detection/?action=list
func (s *VMDRService) DetectionsParallel(ctx context.Context, q DetectionQuery, ranges []IDRange, parallel int) iter.Seq2[RangedHost, error] {
	return func(yield func(RangedHost, error) bool) {
		walk := func(ctx context.Context, i int) iter.Seq2[Host, error] { return s.Detections(ctx, q, ranges[i]) }
		hostErr := func(err error) bool { return errors.Is(err, ErrHostUnavailable) }
		for r, err := range fanIn(ctx, len(ranges), parallel, walk, hostErr) {
			if !yield(RangedHost{Range: r.idx, Host: r.v}, err) {
				return
			}
		}
	}
}

// errStopped is returned by an item decoder when the consumer stopped.
var errStopped = errors.New("qualys: iteration stopped by the caller")

// walker walks the pages of one API-server list (host list, host list
// detection or KnowledgeBase) over an ID range, following WARNING id_min
// links, and yields its records in ascending ID order.
type walker[T any] struct {
	c          *Client
	what       string     // the API, for messages
	path       string     // endpoint
	params     url.Values // fixed parameters; id_min, id_max and truncation_limit are added
	roots      []string
	rng        IDRange
	limit      int // truncation_limit; 0: not sent
	kb         bool
	onDateTime func(time.Time)
	decode     func(dec *xml.Decoder, se *xml.StartElement, emit func(id int64, v T) bool) error
	// fast, when set, is used instead of decode: it may scan the hot
	// records (HOST) from the page's pageReader ahead of dec.
	fast func(pr *pageReader, dec *xml.Decoder, se *xml.StartElement, emit func(id int64, v T) bool) error

	// Stuck-host handling (host list detection): timeouts halve the limit,
	// and at one host findHost names the host that stalls.
	stuck    bool
	findHost func(ctx context.Context, from int64) (int64, bool, error)
	// bound, when set, may lower rng.Max while the walk runs (0: none).
	bound func() int64
	// prefetch fetches the next page while the current one is decoded,
	// for walks that no other walk keeps the slots busy beside.
	prefetch bool
}

// max returns the walk's upper bound now: rng.Max, or bound's answer when
// that is lower (0: none).
func (w *walker[T]) max() int64 {
	m := w.rng.Max
	if w.bound != nil {
		if b := w.bound(); b > 0 && (m == 0 || b < m) {
			m = b
		}
	}
	return m
}

// run walks the list and hands each record to yield.
func (w *walker[T]) run(ctx context.Context, yield func(T, error) bool) {
	c := w.c
	var zero T
	pol := c.newRetryPolicy()
	var (
		next      = w.rng.Min // id_min of the next page; 0: none
		limit     = w.limit
		last      int64 // the last ID yielded
		probe     int64 // a host being tested on its own: id_max of the next page
		sizeTries int   // timeouts at the current limit
		reported  bool  // DATETIME handed to onDateTime
	)
	// ahead is the next page, fetched while the current one is decoded
	// (walks with prefetch set); nil when none is on its way.
	var ahead *pageAhead
	defer func() { ahead.discard() }()
	for {
		if err := ctx.Err(); err != nil {
			yield(zero, fmt.Errorf("qualys: %s: %w", w.what, err))
			return
		}
		rmax := w.max()
		if rmax > 0 && next > rmax {
			return // past the bound set while the walk ran
		}
		var (
			info       pageInfo
			progressed bool
			stopped    bool
		)
		emit := func(id int64, v T) bool {
			if id != 0 && last != 0 && id <= last {
				return true // already yielded (a retried page): never twice
			}
			if w.bound != nil && id > 0 {
				if m := w.max(); m > 0 && id > m {
					return true // above a bound set while the page came
				}
			}
			if id > 0 {
				last = id
			}
			progressed = true
			if !yield(v, nil) {
				stopped = true
				return false
			}
			return true
		}
		// The page is spooled while the request runs (holding the
		// concurrency slot and within the per-request timeout), and
		// decoded and yielded as it is written (fetchDecode), or once the
		// request is over for a walk that reads its next page ahead.
		var (
			r     *request
			sp    *spool
			ctype string
			err   error
		)
		onDT := func(s string) {
			if !reported && w.onDateTime != nil {
				if t, err := parseDateTime(s); err == nil {
					reported = true
					w.onDateTime(t)
				}
			}
		}
		item := func(pr *pageReader, dec *xml.Decoder, se *xml.StartElement) error {
			if w.fast != nil {
				return w.fast(pr, dec, se, emit)
			}
			return w.decode(dec, se, emit)
		}
		decoded := false // the page was read while it came (fetchDecode)
		if ahead != nil && ahead.next == next && ahead.limit == limit && probe == 0 {
			<-ahead.done
			r, sp, ctype, err = ahead.r, ahead.sp, ahead.ctype, ahead.err
			ahead = nil
		} else {
			ahead.discard()
			ahead = nil
			r, err = c.newFormRequest(w.path, w.form(next, limit, cmpOr(probe, rmax)))
			if err != nil {
				yield(zero, err)
				return
			}
			if w.prefetch {
				sp, ctype, err = w.fetch(ctx, r)
			} else {
				info, err = w.fetchDecode(ctx, r, onDT, item)
				decoded = true
			}
		}
		if err == nil && sp != nil && w.prefetch && probe == 0 {
			// The page's WARNING, at its end, names the next page: fetch it
			// while this one is decoded. The decoded WARNING has the last
			// word (a page that disagrees is dropped).
			// The bound is read again: it may have been set while the page came.
			if n, ok := tailNextIDMin(sp.bufs.tail); ok && n > next {
				if m := w.max(); m == 0 || n <= m {
					ahead = w.fetchAhead(ctx, n, limit, m)
				}
			}
		}
		if sp != nil && !decoded {
			info, err = w.decodeSpool(ctx, sp, err, r.op(), ctype, onDT, item)
		}
		if stopped {
			return
		}
		if err == nil {
			sizeTries = 0
			pol.progress()
			if probe > 0 { // the host alone came through: go on after it
				next, probe = probe+1, 0
				if m := w.max(); m > 0 && next > m {
					return
				}
				continue
			}
			n, ok := info.warning.nextIDMin()
			switch {
			case !ok && info.warning != nil && last > 0:
				c.log.Warn("qualys: truncation WARNING without a next-page URL; going on after the last ID",
					slog.String("op", r.op()), slog.String("code", info.warning.Code), slog.String("text", info.warning.Text))
				n = last + 1
			case !ok:
				return // the last page
			case n <= last || n <= next:
				yield(zero, fmt.Errorf("qualys: %s: the next page (id_min=%d) does not advance past ID %d; stopped to avoid an endless loop", r.op(), n, max(last, next-1)))
				return
			}
			next = n
			if limit < w.limit { // pages come through again: grow back
				limit = min(limit*2, w.limit)
			}
			continue
		}
		if progressed {
			next = last + 1
			pol.progress()
		}
		if w.stuck && errors.Is(err, ErrPageTimeout) {
			if probe > 0 { // the page of this one host stalls: it is stuck
				c.log.Warn("qualys: host detections unavailable", slog.Int64("host_id", probe), slog.String("error", err.Error()))
				if !yield(zero, &HostError{HostID: probe, Reason: fmt.Sprintf("its detection page does not complete within %s, even alone", c.pageTimeout)}) {
					return
				}
				next, probe, limit, sizeTries = probe+1, 0, w.limit, 0
				if m := w.max(); m > 0 && next > m {
					return
				}
				continue
			}
			c.retries.Add(1)
			if sizeTries++; sizeTries <= stuckRetries {
				c.log.Info("qualys: page timed out, retrying", slog.String("op", r.op()), slog.Int64("id_min", next), slog.Int("truncation_limit", limit))
				continue
			}
			sizeTries = 0
			if limit > 1 {
				limit = max(1, limit/2)
				c.log.Info("qualys: page timed out again, halving the truncation limit", slog.String("op", r.op()),
					slog.Int64("id_min", next), slog.Int("truncation_limit", limit))
				continue
			}
			id, found, ferr := w.findHost(ctx, next)
			switch {
			case ferr != nil:
				yield(zero, fmt.Errorf("qualys: %s: finding the host whose page times out: %w (after: %v)", w.what, ferr, err))
				return
			case !found:
				yield(zero, err)
				return
			}
			probe = id
			continue
		}
		if werr := pol.wait(ctx, r.op(), err, slog.Int64("id_min", next)); werr != nil {
			yield(zero, werr)
			return
		}
	}
}

// form returns the request parameters of the page from id_min next (0:
// not sent), with truncation_limit limit and id_max maxID (0: not sent).
func (w *walker[T]) form(next int64, limit int, maxID int64) url.Values {
	form := url.Values{}
	for k, v := range w.params {
		form[k] = v
	}
	if next > 0 {
		form.Set("id_min", strconv.FormatInt(next, 10))
	}
	if maxID > 0 {
		form.Set("id_max", strconv.FormatInt(maxID, 10))
	}
	if limit > 0 {
		form.Set("truncation_limit", strconv.Itoa(limit))
	}
	return form
}

// fetch makes one attempt at r, spooling the page: sp is the spooled page
// (nil if none), to be decoded even when err is set (see decodeSpool).
func (w *walker[T]) fetch(ctx context.Context, r *request) (sp *spool, ctype string, err error) {
	return w.fetchLive(ctx, r, nil)
}

// fetchLive is fetch, handing the spool to onStart (if set) as soon as it
// can be read while it is written, with the response's content type (see
// spoolPage).
func (w *walker[T]) fetchLive(ctx context.Context, r *request, onStart func(*spool, string)) (sp *spool, ctype string, err error) {
	c := w.c
	handle := func(resp *http.Response) error {
		ctype = resp.Header.Get("Content-Type")
		var (
			ret   *simpleReturn
			err   error
			start func(*spool)
		)
		if onStart != nil {
			start = func(sp *spool) { onStart(sp, ctype) }
		}
		sp, ret, err = c.spoolPage(resp.Body, w.roots, start)
		var se *spoolError
		switch {
		case ret != nil:
			return c.simpleReturnError(r.op(), r.url(), resp.StatusCode, resp.Header, ret)
		case errors.As(err, &se):
			return &permanentError{fmt.Errorf("qualys: %s: %w", r.op(), err)}
		case err != nil:
			return pageError(r.op(), ctype, err)
		}
		return nil
	}
	if w.kb {
		if err := c.kbLock.acquire(ctx); err != nil {
			return nil, "", fmt.Errorf("qualys: %s: %w", r.op(), err)
		}
		defer c.kbLock.release()
	}
	_, err = c.attempt(ctx, r, handle)
	return sp, ctype, err
}

// pageAhead is a page fetched ahead of its turn.
type pageAhead struct {
	next   int64 // its id_min
	limit  int   // its truncation_limit
	cancel context.CancelFunc
	done   chan struct{} // closed once r, sp, ctype and err are set
	r      *request
	sp     *spool
	ctype  string
	err    error
}

// fetchAhead starts fetching the page from id_min next.
func (w *walker[T]) fetchAhead(ctx context.Context, next int64, limit int, maxID int64) *pageAhead {
	actx, cancel := context.WithCancel(ctx)
	a := &pageAhead{next: next, limit: limit, cancel: cancel, done: make(chan struct{})}
	a.r, a.err = w.c.newFormRequest(w.path, w.form(next, limit, maxID))
	if a.err != nil {
		close(a.done)
		return a
	}
	go func() {
		defer close(a.done)
		a.sp, a.ctype, a.err = w.fetch(actx, a.r)
	}()
	return a
}

// discard stops the page's fetch and removes what it spooled.
func (a *pageAhead) discard() {
	if a == nil {
		return
	}
	a.cancel()
	<-a.done
	a.sp.remove()
}

// tailNextIDMin returns the id_min of the next-page URL of the WARNING in
// tail, the end of a page, if there is one.
func tailNextIDMin(tail []byte) (int64, bool) {
	i := bytes.LastIndex(tail, []byte("<WARNING>"))
	if i < 0 {
		return 0, false
	}
	rest := tail[i:]
	j := bytes.Index(rest, []byte("</WARNING>"))
	if j < 0 {
		return 0, false
	}
	var warn pageWarning
	if err := xml.Unmarshal(rest[:j+len("</WARNING>")], &warn); err != nil {
		return 0, false
	}
	return warn.nextIDMin()
}

// fetchDecode makes one attempt at r and decodes the page while it
// downloads, handing its records to item as they arrive: the records of a
// page the server streams over seconds are on their way before its last
// byte. The download never waits for the decoder (the page is spooled as
// fetch spools it), so the loop body still holds no concurrency slot. The
// result is decodeSpool's for the same attempt, except that the complete
// records of an attempt that failed without a retry have been handed on
// too (they were complete; the iteration ends with the error all the
// same).
func (w *walker[T]) fetchDecode(ctx context.Context, r *request, onDateTime func(string),
	item func(pr *pageReader, dec *xml.Decoder, se *xml.StartElement) error) (pageInfo, error) {
	fctx, cancel := context.WithCancel(ctx)
	defer cancel()
	type start struct {
		sp    *spool
		ctype string
	}
	started := make(chan start, 1)
	done := make(chan struct{})
	var attemptErr error
	go func() {
		defer close(done)
		_, _, attemptErr = w.fetchLive(fctx, r, func(sp *spool, ctype string) { started <- start{sp, ctype} })
	}()
	var st start
	select {
	case st = <-started:
	case <-done:
		select { // started, then ended before this select saw it
		case st = <-started:
		default:
			// No page to read (an error before the body, a
			// SIMPLE_RETURN, a wrong root): fetch removed any spool.
			return pageInfo{}, attemptErr
		}
	}
	// fetchLive returns st.sp: it is ours to remove, once the download has
	// stopped (also when the loop body panics).
	defer func() {
		cancel()
		<-done
		st.sp.remove()
	}()
	op := r.op()
	rd, err := st.sp.openLive(fctx)
	var info pageInfo
	if err == nil {
		pr := newPageReader(rd)
		info, err = readPage(pr, w.roots, onDateTime, func(dec *xml.Decoder, se *xml.StartElement) error { return item(pr, dec, se) })
	}
	if errors.Is(err, errStopped) {
		cancel() // the caller stopped: no need for the rest of the page
	}
	<-done
	return info, w.pageOutcome(err, attemptErr, op, st.ctype)
}

// decodeSpool decodes the page sp spooled by an attempt that ended with
// attemptErr, handing its records to item, and removes it. A page whose
// attempt failed (a read error, the per-request timeout, a truncated body)
// is decoded too when the failure is retried: the complete records it holds
// are yielded, as if they had streamed in before the failure, and the page
// is retried after the last one. A page the decoder reads to the end of its
// root element is complete, whatever the attempt reported after it. The
// decoder reads the page through the pageReader handed to item, which a
// fast item decoder may scan ahead of it (decodeHostFast).
func (w *walker[T]) decodeSpool(ctx context.Context, sp *spool, attemptErr error, op, ctype string, onDateTime func(string),
	item func(pr *pageReader, dec *xml.Decoder, se *xml.StartElement) error) (pageInfo, error) {
	defer sp.remove()
	if retry, _ := retryable(attemptErr); attemptErr != nil && (!retry || ctx.Err() != nil) {
		return pageInfo{}, attemptErr
	}
	r, err := sp.open()
	if err != nil {
		if attemptErr != nil {
			return pageInfo{}, attemptErr
		}
		return pageInfo{}, &permanentError{fmt.Errorf("qualys: %s: %w", op, err)}
	}
	pr := newPageReader(r)
	info, err := readPage(pr, w.roots, onDateTime, func(dec *xml.Decoder, se *xml.StartElement) error { return item(pr, dec, se) })
	return info, w.pageOutcome(err, attemptErr, op, ctype)
}

// pageOutcome is the error of a page whose decoding ended with err and
// whose attempt ended with attemptErr: none when the decoder read the page
// to its end, whatever the attempt reported after it.
func (w *walker[T]) pageOutcome(err, attemptErr error, op, ctype string) error {
	var se *spoolError
	switch {
	case errors.Is(err, errStopped):
		return &permanentError{err}
	case err == nil:
		if attemptErr != nil {
			w.c.log.Debug("qualys: the spooled page is complete despite the attempt's error", slog.String("op", op), slog.String("error", attemptErr.Error()))
		}
		return nil
	case attemptErr != nil:
		return attemptErr
	case errors.As(err, &se):
		return &permanentError{fmt.Errorf("qualys: %s: reading the spooled page: %w", op, err)}
	}
	// The body was complete, the decoder disagrees: an invalid page.
	return pageError(op, ctype, &decodeError{err})
}

// cmpOr returns the first of a, b that is not zero.
func cmpOr(a, b int64) int64 {
	if a != 0 {
		return a
	}
	return b
}

// compressIDs renders sorted, distinct IDs as Qualys's list syntax with
// runs compressed: 1,2,3,5,9,10 → "1-3,5,9-10".
func compressIDs(ids []int64) string {
	var b strings.Builder
	for i := 0; i < len(ids); {
		j := i
		for j+1 < len(ids) && ids[j+1] == ids[j]+1 {
			j++
		}
		if b.Len() > 0 {
			b.WriteByte(',')
		}
		b.WriteString(strconv.FormatInt(ids[i], 10))
		if j > i {
			b.WriteByte('-')
			b.WriteString(strconv.FormatInt(ids[j], 10))
		}
		i = j + 1
	}
	return b.String()
}

// sortedIDs returns ids sorted, without duplicates and non-positive values.
func sortedIDs(ids []int64) []int64 {
	out := slices.DeleteFunc(slices.Clone(ids), func(id int64) bool { return id <= 0 })
	slices.Sort(out)
	return slices.Compact(out)
}
