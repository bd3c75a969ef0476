package qualyssim

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
)

// CSAM gateway paths.
const (
	pathAuth   = "/auth"
	pathCount  = "/rest/2.0/count/am/asset"
	pathSearch = "/rest/2.0/search/am/asset"
)

// csamQuery is a validated count or search request.
type csamQuery struct {
	pageSize int
	after    int64 // lastSeenAssetId
	since    int64 // assetLastUpdated, unix ms
	hasSince bool
	sel      *[len(assetKeys)]bool // nil: every key
	filters  []func(int) bool
	key      string // canonical form, for fault decisions
}

// parseCSAMQuery validates the query string and filter body shared by count and search.
func (ds *dataset) parseCSAMQuery(values url.Values, body []byte) (*csamQuery, error) {
	q := &csamQuery{pageSize: DefaultPageSize}
	for name := range values {
		switch name {
		case "pageSize", "lastSeenAssetId", "assetLastUpdated", "includeFields", "excludeFields":
		default:
			return nil, fmt.Errorf("unsupported query parameter %q (supported: pageSize, lastSeenAssetId, assetLastUpdated, includeFields, excludeFields)", name)
		}
	}
	last := func(name string) (string, bool) {
		vs, ok := values[name]
		if !ok || len(vs) == 0 {
			return "", false
		}
		return strings.TrimSpace(vs[len(vs)-1]), true
	}
	if v, ok := last("pageSize"); ok {
		n, err := strconv.Atoi(v)
		switch {
		case err != nil || n < 1:
			return nil, fmt.Errorf("invalid pageSize %q: must be an integer between 1 and %d", v, MaxPageSize)
		case n > MaxPageSize:
			return nil, fmt.Errorf("pageSize %d is greater than the maximum allowed page size of %d", n, MaxPageSize)
		}
		q.pageSize = n
	}
	if v, ok := last("lastSeenAssetId"); ok {
		n, err := strconv.ParseInt(v, 10, 64)
		if err != nil || n < 0 {
			return nil, fmt.Errorf("invalid lastSeenAssetId %q: must be a non-negative integer", v)
		}
		q.after = n
	}
	if v, ok := last("assetLastUpdated"); ok {
		t, err := parseISO(v)
		if err != nil {
			return nil, fmt.Errorf("invalid assetLastUpdated: %w", err)
		}
		q.since, q.hasSince = t.UnixMilli(), true
	}
	incl, hasIncl := last("includeFields")
	excl, hasExcl := last("excludeFields")
	if hasIncl || hasExcl {
		var sel [len(assetKeys)]bool
		for k := range sel {
			sel[k] = !hasIncl
		}
		for _, x := range []struct {
			param, list string
			keep        bool
		}{{"includeFields", incl, true}, {"excludeFields", excl, false}} {
			for _, f := range strings.Split(x.list, ",") {
				if f = strings.TrimSpace(f); f == "" {
					continue
				}
				k := assetKeyIndex(f)
				if k < 0 {
					return nil, fmt.Errorf("unknown field %q in %s: use top-level asset keys such as assetName, operatingSystem, softwareListData", f, x.param)
				}
				sel[k] = x.keep
			}
		}
		sel[0] = true // assetId is always returned
		q.sel = &sel
	}
	var err error
	if q.filters, err = ds.parseFilters(body); err != nil {
		return nil, err
	}
	var compact bytes.Buffer
	if json.Compact(&compact, body) != nil {
		compact.Reset()
		compact.Write(bytes.TrimSpace(body))
	}
	q.key = values.Encode() + "\x00" + compact.String()
	return q, nil
}

// match reports whether asset i satisfies assetLastUpdated (>=, inclusive) and every filter.
func (q *csamQuery) match(ds *dataset) func(int) bool {
	return func(i int) bool {
		if q.hasSince && ds.meta[i].lastMod < q.since {
			return false
		}
		for _, f := range q.filters {
			if !f(i) {
				return false
			}
		}
		return true
	}
}

// handleCount answers POST /rest/2.0/count/am/asset.
func (s *Server) handleCount(w http.ResponseWriter, r *http.Request, sub *subscription, q *csamQuery) error {
	n := sub.ds.count(q.after, q.match(sub.ds))
	if !sleepCtx(r.Context(), s.cfg.Latency.Base) {
		return errClientGone
	}
	w.Header().Set("Content-Type", "application/json")
	_, err := fmt.Fprintf(w, `{"responseCode":"SUCCESS","responseMessage":"Valid API Access","count":%d}`, n)
	return err
}

// handleSearch answers POST /rest/2.0/search/am/asset with one page.
func (s *Server) handleSearch(w http.ResponseWriter, r *http.Request, sub *subscription, q *csamQuery, plan faultPlan) error {
	ds := sub.ds
	page, more := ds.search(q.after, q.pageSize, q.match(ds))
	lat := s.cfg.Latency.Base + s.cfg.Latency.PerRecord*timeDuration(len(page))
	if !sleepCtx(r.Context(), lat) {
		return errClientGone
	}
	if len(page) == 0 {
		w.WriteHeader(http.StatusNoContent)
		return nil
	}
	if plan.noHasMore {
		s.countFault(FaultNoHasMore, 1)
	}
	if plan.hasMoreString {
		s.countFault(FaultHasMoreString, 1)
	}
	w.Header().Set("Content-Type", "application/json")
	bw := bufio.NewWriterSize(w, 64<<10)
	hasMore := "0"
	if more {
		hasMore = "1"
	}
	fmt.Fprintf(bw, `{"responseMessage":"Valid API Access","count":%d,"responseCode":"SUCCESS","lastSeenAssetId":%d,`,
		len(page), ds.ids[page[len(page)-1]])
	switch {
	case plan.noHasMore:
	case plan.hasMoreString:
		fmt.Fprintf(bw, `"hasMore":%q,`, hasMore)
	default:
		fmt.Fprintf(bw, `"hasMore":%s,`, hasMore)
	}
	bw.WriteString(`"assetListData":{"asset":[`)
	aw := newAssetWriter(ds, bw)
	malformed := int64(0)
	for k, i := range page {
		if plan.truncate && k == len(page)/2 {
			s.countFault(FaultMalformed, malformed)
			s.cutBody(w, bw)
		}
		if k > 0 {
			bw.WriteByte(',')
		}
		if err := aw.write(i, q.sel); err != nil {
			return err
		}
		if ds.meta[i].malformed != 0 {
			malformed++
		}
	}
	bw.WriteString(`]}}`)
	s.countFault(FaultMalformed, malformed)
	return bw.Flush()
}

// assetWriter streams asset records as JSON.
type assetWriter struct {
	g       *gen
	w       *bufio.Writer
	scratch bytes.Buffer
	enc     *json.Encoder
}

func newAssetWriter(ds *dataset, w *bufio.Writer) *assetWriter {
	aw := &assetWriter{g: newGen(ds), w: w}
	aw.enc = json.NewEncoder(&aw.scratch)
	aw.enc.SetEscapeHTML(false)
	return aw
}

func (aw *assetWriter) key(k string) {
	aw.w.WriteByte('"')
	aw.w.WriteString(k)
	aw.w.WriteString(`":`)
}

func (aw *assetWriter) value(v any) error {
	aw.scratch.Reset()
	if err := aw.enc.Encode(v); err != nil {
		return fmt.Errorf("qualyssim: encode asset %d: %w", aw.g.id, err)
	}
	b := aw.scratch.Bytes()
	_, err := aw.w.Write(b[:len(b)-1]) // drop Encode's newline
	return err
}

// write renders asset i. Non-selected keys are null; keys an asset lacks are
// left out; malformed assets get their defect (see Faults.Malformed).
func (aw *assetWriter) write(i int, sel *[len(assetKeys)]bool) error {
	g := aw.g
	g.load(i)
	aw.w.WriteByte('{')
	n := 0
	sep := func() {
		if n > 0 {
			aw.w.WriteByte(',')
		}
		n++
	}
	for k, key := range assetKeys {
		switch {
		case key == "assetId" && g.m.malformed == 1:
			sep()
			aw.w.WriteString(`"assetId":"not-a-number"`)
			continue
		case key == "assetId" && g.m.malformed == 2:
			continue
		case key == "softwareListData" && g.m.malformed == 3:
			sep()
			aw.w.WriteString(`"softwareListData":"software inventory unavailable"`)
			continue
		case sel != nil && !sel[k]:
			sep()
			aw.key(key)
			aw.w.WriteString("null")
			continue
		}
		v := g.value(key)
		if v == absent {
			continue
		}
		sep()
		aw.key(key)
		if err := aw.value(v); err != nil {
			return err
		}
	}
	return aw.w.WriteByte('}')
}
