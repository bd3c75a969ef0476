package qualys

// A fast path for CSAM search pages. A page of 300 assets with their
// software is some 50 MB of JSON. encoding/json's Decoder, reading each
// asset as a json.RawMessage, spent some 16 s of CPU on a 10,000-asset sync
// just to find where each asset ends, and the decoded page was held in
// memory until its last asset was used.
//
// Now the page is read twice by a validating byte scanner: once as it
// downloads, on its way into a spool file (as VMDR pages are spooled), for
// the envelope (responseCode, hasMore, lastSeenAssetId), the assets' IDs
// and to check the whole document, so that the page is checked when its
// last byte is in; then, from the file, as the caller iterates, asset by
// asset, each copied out on its own. Memory is one asset, not one page. Whenever the scanner meets anything it does not accept
// (invalid JSON, an envelope the slow path would refuse, a read error), the
// page is decoded again from its file by decodeSearchPage, so errors and
// their messages are the slow path's; the two agree on every page
// (FuzzSearchPageDecoders).

import (
	"bytes"
	"cmp"
	"encoding/json"
	"errors"
	"io"
	"iter"
)

// errScan is the fast path giving up (the slow path says why).
var errScan = errors.New("qualys: scan")

// scanWindow is the scanner's read buffer.
const scanWindow = 256 << 10

// readSearchPage spools a search response body and checks it; the page
// returned reads its assets from the spool file (see searchPage.each).
func (c *Client) readSearchPage(body io.Reader, op string) (*searchPage, error) {
	sp, err := c.newSpool(".json", false)
	if err != nil {
		return nil, err
	}
	// The page is checked while it downloads: the scanner reads the body
	// through the spool, so the page (and its cursor, which the next request
	// waits for) is ready when its last byte is in, not a scan of the file
	// later.
	t := &teeSpool{r: body, w: spoolWriter{sp}}
	p, ok := scanSearchPage(newStreamScanner(t), false)
	rerr := cmp.Or(t.werr, t.rerr)
	if rerr == nil {
		// What follows the document, or the rest of a page the scanner
		// gave up on, for the slow path.
		_, rerr = io.CopyBuffer(spoolWriter{sp}, body, sp.bufs.copyBuf)
	}
	ferr := sp.finish()
	if se := (*spoolError)(nil); errors.As(rerr, &se) {
		sp.remove()
		return nil, rerr
	}
	if ferr != nil {
		sp.remove()
		return nil, &spoolError{ferr}
	}
	if rerr == nil && ok {
		p.sp = sp
		return p, nil
	}
	// The slow path sees the same bytes, then the same read error.
	defer sp.remove()
	r, err := sp.openRaw()
	if err != nil {
		return nil, err
	}
	if rerr != nil {
		r = io.MultiReader(r, errReader{rerr})
	}
	return decodeSearchPage(r, op)
}

// teeSpool is a response body that writes what is read from it to a spool.
type teeSpool struct {
	r    io.Reader
	w    spoolWriter
	rerr error // the body's error, other than io.EOF
	werr error // the spool's
}

func (t *teeSpool) Read(p []byte) (int, error) {
	n, err := t.r.Read(p)
	if n > 0 {
		if _, werr := t.w.Write(p[:n]); werr != nil {
			t.werr = werr
			return 0, werr
		}
	}
	if err != nil && err != io.EOF {
		t.rerr = err
	}
	return n, err
}

type errReader struct{ err error }

func (e errReader) Read([]byte) (int, error) { return 0, e.err }

// each yields the page's assets, from its spool file (where the checking
// pass found them, or scanned again when compressed) or its slice, and
// removes the file when done (or stopped). Only a spool file that cannot be
// read again gives an error.
func (p *searchPage) each() iter.Seq2[Asset, error] {
	return func(yield func(Asset, error) bool) {
		if p.sp == nil {
			for i, a := range p.assets {
				p.assets[i] = Asset{} // let consumed assets go
				if !yield(a, nil) {
					return
				}
			}
			return
		}
		sp, spans := p.sp, p.spans
		p.sp, p.spans = nil, nil
		defer sp.remove()
		if !sp.c.spoolGzip {
			// The first pass found where each asset lies: read just those
			// bytes, each asset into a buffer of its own.
			for _, at := range spans {
				raw := make([]byte, at.n)
				if _, err := sp.f.ReadAt(raw, at.off); err != nil {
					yield(Asset{}, &spoolError{err})
					return
				}
				if !yield(Asset{ID: assetID(raw), Raw: raw}, nil) {
					return
				}
			}
			return
		}
		r, err := sp.openRaw()
		if err == nil {
			s := newStreamScanner(r)
			s.yield = func(a Asset) bool { return yield(a, nil) }
			if _, ok := scanSearchPage(s, true); !ok && !s.stopped {
				err = &spoolError{errors.New("the page changed on disk since it was checked")}
			}
		}
		if err != nil {
			yield(Asset{}, err)
		}
	}
}

// materialize reads every asset into p.assets (small pages only: the
// SplitRanges probes).
// discard removes the page's spool file, for a page that will not be read
// (nil is a no-op).
func (p *searchPage) discard() {
	if p != nil && p.sp != nil {
		p.sp.remove()
		p.sp, p.spans = nil, nil
	}
}

func (p *searchPage) materialize() error {
	if p.sp == nil {
		return nil
	}
	var all []Asset
	for a, err := range p.each() {
		if err != nil {
			return err
		}
		all = append(all, a)
	}
	p.assets = all
	return nil
}

// scanSearchPage decodes a page whose envelope is well formed and whose
// responseCode is SUCCESS; ok is false for anything else. With assets, each
// asset is passed to s.yield (copied out); without, assets are only checked.
func scanSearchPage(s *scanner, assets bool) (p *searchPage, ok bool) {
	var (
		page                             searchPage
		code                             string
		haveCode, haveMore, haveLastSeen bool
	)
	err := s.object(func(key string) error {
		if key == "assetListData" {
			return s.assetList(assets)
		}
		raw, err := s.value(true)
		if err != nil {
			return err
		}
		switch key {
		case "responseCode":
			code, haveCode = jsonText(raw), true
		case "hasMore":
			var ok bool
			if page.hasMore, ok = flag(raw); !ok {
				return errScan
			}
			haveMore = true
		case "lastSeenAssetId":
			page.lastSeen, haveLastSeen = lenientInt(raw)
		}
		return nil
	})
	if err != nil || s.err != nil || !haveCode || code != "SUCCESS" || !haveMore || (page.hasMore && !haveLastSeen) {
		return nil, false
	}
	page.spans, s.spans = s.spans, nil
	page.ids, s.ids = s.ids, nil
	return &page, true
}

// scanner walks JSON text read from r (or held in b), validating as it
// goes, through a window of the input: b[i:] is what is read and not yet
// scanned.
type scanner struct {
	r    io.Reader // nil: b is the whole input
	buf  []byte    // the window's storage
	b    []byte
	i    int
	base int64 // input offset of b[0]
	done bool  // r has nothing more
	err  error // r's error, other than io.EOF
	// Capture: while capOn, the bytes scanned from b[capAt:] are kept,
	// those already slid out of the window in capBuf.
	capOn  bool
	capAt  int
	capBuf []byte
	// yield receives each asset (assetList with assets); stopped records
	// that it asked to stop.
	yield   func(Asset) bool
	stopped bool
	// spans are where each asset lies in the input, and ids their
	// assetIds (assetList without assets).
	spans []span
	ids   []int64
}

// span is a range of the input: an asset's bytes.
type span struct{ off, n int64 }

func newStreamScanner(r io.Reader) *scanner {
	return &scanner{r: r, buf: make([]byte, scanWindow)}
}

// ensure makes at least n unscanned bytes available, if the input has them.
func (s *scanner) ensure(n int) bool {
	return len(s.b)-s.i >= n || s.fill(n)
}

// fill slides the window on until it holds n unscanned bytes or the input
// ends.
func (s *scanner) fill(n int) bool {
	for len(s.b)-s.i < n {
		if s.r == nil || s.done {
			return false
		}
		if s.capOn {
			s.capBuf = append(s.capBuf, s.b[s.capAt:s.i]...)
			s.capAt = 0
		}
		s.base += int64(s.i)
		m := copy(s.buf, s.b[s.i:])
		k, err := s.r.Read(s.buf[m:])
		s.b, s.i = s.buf[:m+k], 0
		if err != nil {
			s.done = true
			if err != io.EOF {
				s.err = err
			}
		}
	}
	return true
}

// peek returns the next byte after whitespace (0 at the end).
func (s *scanner) peek() byte {
	if s.i < len(s.b) && s.b[s.i] > ' ' {
		return s.b[s.i]
	}
	for s.ensure(1) {
		switch c := s.b[s.i]; c {
		case ' ', '\t', '\n', '\r':
			s.i++
		default:
			return c
		}
	}
	return 0
}

// object reads an object, calling member with each key positioned at its
// value, which member must consume.
func (s *scanner) object(member func(key string) error) error {
	if s.peek() != '{' {
		return errScan
	}
	s.i++
	if s.peek() == '}' {
		s.i++
		return nil
	}
	for {
		if s.peek() != '"' {
			return errScan
		}
		raw, err := s.value(true)
		if err != nil {
			return err
		}
		var k string
		if bytes.IndexByte(raw, '\\') >= 0 {
			if err := json.Unmarshal(raw, &k); err != nil {
				return errScan
			}
		} else {
			k = string(raw[1 : len(raw)-1])
		}
		if s.peek() != ':' {
			return errScan
		}
		s.i++
		if err := member(k); err != nil {
			return err
		}
		if more, err := s.more('}'); !more {
			return err
		}
	}
}

// assetList reads assetListData: null, or an object whose "asset" member is
// null or an array of assets, passed to s.yield when assets is set.
func (s *scanner) assetList(assets bool) error {
	if s.peek() == 'n' {
		_, err := s.value(false)
		return err
	}
	return s.object(func(key string) error {
		if key != "asset" {
			_, err := s.value(false)
			return err
		}
		switch s.peek() {
		case 'n':
			_, err := s.value(false)
			return err
		case '[':
		default:
			return errScan
		}
		s.i++
		if s.peek() == ']' {
			s.i++
			return nil
		}
		for {
			s.peek()
			start := s.base + int64(s.i)
			var (
				raw json.RawMessage
				err error
			)
			if assets {
				raw, err = s.value(true)
			} else {
				var id int64
				id, err = s.skipAsset()
				s.ids = append(s.ids, id)
			}
			if err != nil {
				return err
			}
			if !assets {
				s.spans = append(s.spans, span{start, s.base + int64(s.i) - start})
			}
			if assets && !s.stopped && !s.yield(Asset{ID: assetID(raw), Raw: raw}) {
				s.stopped = true
				return errScan
			}
			if more, err := s.more(']'); !more {
				return err
			}
		}
	})
}

// skipAsset skips an element of the asset array, validating it as skip
// does, and returns its assetId as assetID reads it: the first top-level
// member of that name, 0 when absent or unparsable.
func (s *scanner) skipAsset() (int64, error) {
	if s.peek() != '{' {
		return 0, s.skip(0)
	}
	var (
		id   int64
		seen bool
	)
	err := s.object(func(key string) error {
		if key != "assetId" || seen {
			return s.skip(1)
		}
		seen = true
		raw, err := s.value(true)
		if v, ok := lenientInt(raw); ok && err == nil {
			id = v
		}
		return err
	})
	return id, err
}

// more reads what follows a member or element: a comma (true: another
// comes) or the closing delimiter (false, nil); anything else is an error.
func (s *scanner) more(closing byte) (bool, error) {
	switch s.peek() {
	case ',':
		s.i++
		return true, nil
	case closing:
		s.i++
		return false, nil
	}
	return false, errScan
}

// value skips one JSON value, validating it, and returns its bytes (a copy
// of its own) when keep is set.
func (s *scanner) value(keep bool) (json.RawMessage, error) {
	s.peek()
	if !keep {
		return nil, s.skip(0)
	}
	s.capOn, s.capAt, s.capBuf = true, s.i, nil
	err := s.skip(0)
	raw := append(s.capBuf, s.b[s.capAt:s.i]...)
	s.capOn, s.capBuf = false, nil
	return raw, err
}

// maxDepth bounds nesting, as encoding/json does (10000).
const maxDepth = 10000

func (s *scanner) skip(depth int) error {
	if depth > maxDepth {
		return errScan
	}
	switch c := s.peek(); {
	case c == '{':
		s.i++
		if s.peek() == '}' {
			s.i++
			return nil
		}
		for {
			if s.peek() != '"' {
				return errScan
			}
			if err := s.str(); err != nil {
				return err
			}
			if s.peek() != ':' {
				return errScan
			}
			s.i++
			if err := s.skip(depth + 1); err != nil {
				return err
			}
			if more, err := s.more('}'); !more {
				return err
			}
		}
	case c == '[':
		s.i++
		if s.peek() == ']' {
			s.i++
			return nil
		}
		for {
			if err := s.skip(depth + 1); err != nil {
				return err
			}
			if more, err := s.more(']'); !more {
				return err
			}
		}
	case c == '"':
		return s.str()
	case c == 't':
		return s.lit("true")
	case c == 'f':
		return s.lit("false")
	case c == 'n':
		return s.lit("null")
	case c == '-' || (c >= '0' && c <= '9'):
		return s.num()
	}
	return errScan
}

func (s *scanner) lit(w string) error {
	if !s.ensure(len(w)) || string(s.b[s.i:s.i+len(w)]) != w {
		return errScan
	}
	s.i += len(w)
	return nil
}

// plainStr marks the bytes a string may hold as they are: not a quote, a
// backslash or a control character.
var plainStr = func() (t [256]bool) {
	for c := 0x20; c < 256; c++ {
		t[c] = c != '"' && c != '\\'
	}
	return t
}()

// str skips a string at s.i (its opening quote).
func (s *scanner) str() error {
	s.i++
	for {
		b, i := s.b, s.i
		for i < len(b) && plainStr[b[i]] {
			i++
		}
		s.i = i
		if !s.ensure(1) {
			return errScan
		}
		switch s.b[s.i] {
		case '"':
			s.i++
			return nil
		case '\\':
			if !s.ensure(2) {
				return errScan
			}
			switch s.b[s.i+1] {
			case '"', '\\', '/', 'b', 'f', 'n', 'r', 't':
				s.i += 2
			case 'u':
				if !s.ensure(6) {
					return errScan
				}
				for _, h := range s.b[s.i+2 : s.i+6] {
					if !isHex(h) {
						return errScan
					}
				}
				s.i += 6
			default:
				return errScan
			}
		default:
			if plainStr[s.b[s.i]] {
				continue // more bytes came into the window
			}
			return errScan // a control character
		}
	}
}

func isHex(c byte) bool {
	return c >= '0' && c <= '9' || c >= 'a' && c <= 'f' || c >= 'A' && c <= 'F'
}

// digits skips [0-9]* and returns how many.
func (s *scanner) digits() int {
	n := 0
	for s.ensure(1) && s.b[s.i] >= '0' && s.b[s.i] <= '9' {
		s.i++
		n++
	}
	return n
}

// next reports whether the next byte is c, consuming it if so.
func (s *scanner) next(c byte) bool {
	if s.ensure(1) && s.b[s.i] == c {
		s.i++
		return true
	}
	return false
}

// num skips a number: -?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?
func (s *scanner) num() error {
	s.next('-')
	if !s.ensure(1) {
		return errScan
	}
	switch c := s.b[s.i]; {
	case c == '0':
		s.i++
	case c >= '1' && c <= '9':
		s.digits()
	default:
		return errScan
	}
	if s.next('.') && s.digits() == 0 {
		return errScan
	}
	if s.next('e') || s.next('E') {
		if !s.next('+') {
			s.next('-')
		}
		if s.digits() == 0 {
			return errScan
		}
	}
	return nil
}
