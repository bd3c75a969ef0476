package qualys

// The fast path of host list detection pages. A page is still read by the
// encoding/xml decoder of readPage (envelope, DATETIME, WARNING, comments,
// everything rare), but the decoder reads its bytes through a pageReader,
// and when it hands over a <HOST> start tag, decodeHostFast scans the
// host's content straight from the pageReader's buffer into a Host, with no
// token values and no reflection, then lets the decoder read the host's end
// tag itself.
//
// The scanner accepts a strict subset of XML: elements with ASCII names
// (no namespace prefix), quoted attributes, text, CDATA sections, the five
// predefined entities and numeric character references. On anything else
// (a comment, a processing instruction, an unknown entity, an unquoted
// attribute, a mismatched end tag, an illegal character, the end of the
// input...) it gives up: the reader rewinds to the host's start and the
// decoder decodes the host with Host.UnmarshalXML, as if the scanner had
// never run. So a host comes out of the scanner only when encoding/xml
// would have decoded it without error, and the scanner reproduces what
// encoding/xml (through trimTokens) makes of that subset:
//   - an element's value is its direct text, each run of text or CDATA
//     trimmed (bytes.TrimSpace) and the runs concatenated; child elements
//     of a value are skipped, as are unknown elements;
//   - "\r\n" and a lone "\r" become "\n" in text, CDATA and attribute
//     values; entities are not decoded in CDATA (RESULTS keeps its
//     HTML-escaped text); attribute values are not trimmed;
//   - a repeated element overwrites a value (the last one wins), is merged
//     into a struct pointer already set, and appends to a list;
//   - integers go through the very UnmarshalText methods encoding/xml calls.
//
// The differential tests (hldscan_test.go) hold the two paths to the same
// Host on the real samples, on simulator pages of every API version, on a
// page with every field, and on fuzzed input.

import (
	"bytes"
	"encoding/xml"
	"io"
	"unicode/utf8"
)

const (
	// pageReaderBufSize is the initial buffer of a pageReader; it grows to
	// hold the largest host that is scanned.
	pageReaderBufSize = 64 << 10
	// maxScannedHost bounds that growth (pageReader.max): a larger host is
	// left to encoding/xml, which streams it.
	maxScannedHost = 32 << 20
)

// pageReader is the byte source of a page's decoder. It buffers the page,
// lets decodeHostFast scan a host ahead of the decoder and rewind when it
// gives up, and hands the decoder the newlines of a scanned host (so that
// the decoder's line numbers, in its syntax errors, stay right).
type pageReader struct {
	src  io.Reader
	buf  []byte
	r, w int   // unread bytes: buf[r:w]
	err  error // the first error of src, returned once buf is drained
	max  int   // the buffer does not grow beyond max to hold a host

	scanned, fellBack int // hosts scanned, hosts left to encoding/xml

	nl     int  // newlines to hand the decoder before buf[r]
	marked bool // scanning a host: buf[mark:] must be kept
	mark   int

	// Scanner state: the last token of next, and scratch buffers.
	name     []byte // element name of a start or end tag
	empty    bool   // the start tag was <name/>
	attrs    []attrSpan
	attrBuf  []byte
	run      []byte // one decoded run of text
	txt      []byte // run, trimmed
	val      []byte // an element's value
	stk      []byte // names of the elements skip is inside
	stkLen   []int
	tagStart int // offset from mark of the last tag's '<'
}

// attrSpan locates an attribute's name and value in attrBuf.
type attrSpan struct{ name, value, end int }

// newPageReader returns a pageReader over src.
func newPageReader(src io.Reader) *pageReader {
	return newPageReaderSize(src, pageReaderBufSize, maxScannedHost)
}

// newPageReaderSize returns a pageReader over src with a buffer of size
// bytes (at least 16) that grows up to maxSize to hold a host.
func newPageReaderSize(src io.Reader, size, maxSize int) *pageReader {
	return &pageReader{src: src, buf: make([]byte, max(size, 16)), max: maxSize}
}

// fill reads more of src into buf, keeping buf[mark:] while marked and the
// last two bytes read otherwise (scanHost looks at them). It reports
// whether bytes were added; it adds none, without an error, when a host
// being scanned outgrows max.
func (pr *pageReader) fill() bool {
	if pr.err != nil {
		return false
	}
	drop := max(pr.r-2, 0) // bytes no longer needed
	if pr.marked {
		drop = pr.mark
	}
	if pr.w == len(pr.buf) {
		switch {
		case drop > 0:
			pr.w = copy(pr.buf, pr.buf[drop:pr.w])
			pr.r -= drop
			if pr.marked {
				pr.mark = 0
			}
		case pr.marked && 2*len(pr.buf) > pr.max:
			return false // scanning a host too large: the scanner gives up
		default:
			buf := make([]byte, 2*len(pr.buf))
			copy(buf, pr.buf[:pr.w])
			pr.buf = buf
		}
	}
	for range 100 {
		n, err := pr.src.Read(pr.buf[pr.w:])
		pr.w += n
		if err != nil {
			pr.err = err
			return n > 0
		}
		if n > 0 {
			return true
		}
	}
	pr.err = io.ErrNoProgress
	return false
}

// ReadByte implements io.ByteReader for the decoder.
func (pr *pageReader) ReadByte() (byte, error) {
	if pr.nl > 0 {
		pr.nl--
		return '\n', nil
	}
	if pr.r == pr.w && !pr.fill() {
		return 0, pr.err
	}
	b := pr.buf[pr.r]
	pr.r++
	return b, nil
}

// Read implements io.Reader.
func (pr *pageReader) Read(p []byte) (int, error) {
	if len(p) == 0 {
		return 0, nil
	}
	if pr.nl > 0 || pr.r == pr.w {
		b, err := pr.ReadByte()
		if err != nil {
			return 0, err
		}
		p[0] = b
		return 1, nil
	}
	n := copy(p, pr.buf[pr.r:pr.w])
	pr.r += n
	return n, nil
}

// has reports whether n bytes are buffered at r, reading more as needed.
func (pr *pageReader) has(n int) bool {
	for pr.w-pr.r < n {
		if !pr.fill() {
			return false
		}
	}
	return true
}

// peek returns the byte at r without consuming it.
func (pr *pageReader) peek() (byte, bool) {
	if pr.r == pr.w && !pr.fill() {
		return 0, false
	}
	return pr.buf[pr.r], true
}

// decodeHostFast is decodeHostItem with the fast path: a HOST is scanned
// by the pageReader the decoder reads, and decoded by encoding/xml only
// when the scanner gives up.
func decodeHostFast(pr *pageReader, dec *xml.Decoder, se *xml.StartElement, emit func(int64, Host) bool) error {
	if se.Name.Local != "HOST" {
		return dec.Skip()
	}
	var h Host
	if pr.scanHost(&h) {
		pr.scanned++
		if err := dec.Skip(); err != nil { // the end tag the scanner left
			return err
		}
	} else {
		h = Host{}
		pr.fellBack++
		if err := dec.DecodeElement(&h, se); err != nil {
			return err
		}
	}
	if !emit(h.ID, h) {
		return errStopped
	}
	return nil
}

// scanHost decodes the content of the HOST element whose start tag the
// decoder has just read, and leaves the reader at the host's end tag, with
// the newlines of the content to be handed to the decoder first. When it
// returns false nothing was consumed and h is to be discarded.
func (pr *pageReader) scanHost(h *Host) bool {
	// The decoder must be right after the '>' of a start tag that is not
	// <HOST/> (whose end the decoder makes up without reading anything).
	if pr.nl > 0 || pr.r < 2 || pr.buf[pr.r-1] != '>' || pr.buf[pr.r-2] == '/' {
		return false
	}
	pr.marked, pr.mark = true, pr.r
	ok := pr.host(h)
	if ok {
		end := pr.mark + pr.tagStart
		pr.nl = bytes.Count(pr.buf[pr.mark:end], []byte{'\n'})
		pr.r = end
	} else {
		pr.r = pr.mark
	}
	pr.marked, pr.mark = false, 0
	return ok
}

// Tokens of next.
const (
	tokBad   = iota // not in the subset, or the end of the input: give up
	tokText         // a run of text or a CDATA section: txt
	tokStart        // a start tag: name, empty, attrs
	tokEnd          // an end tag: name
)

// next reads the next token of an element's content.
func (pr *pageReader) next() int {
	b, ok := pr.peek()
	if !ok {
		return tokBad
	}
	if b != '<' {
		if !pr.text(-1) {
			return tokBad
		}
		pr.txt = bytes.TrimSpace(pr.run)
		return tokText
	}
	pr.tagStart = pr.r - pr.mark
	pr.r++
	if b, ok = pr.peek(); !ok {
		return tokBad
	}
	switch b {
	case '/':
		pr.r++
		if pr.name = pr.name[:0]; !pr.readName(&pr.name) {
			return tokBad
		}
		pr.space()
		if b, ok := pr.peek(); !ok || b != '>' {
			return tokBad
		}
		pr.r++
		return tokEnd
	case '!':
		const open = "![CDATA["
		if !pr.has(len(open)) || string(pr.buf[pr.r:pr.r+len(open)]) != open {
			return tokBad
		}
		pr.r += len(open)
		if !pr.cdata() {
			return tokBad
		}
		pr.txt = bytes.TrimSpace(pr.run)
		return tokText
	}
	if pr.name = pr.name[:0]; !pr.readName(&pr.name) {
		return tokBad
	}
	pr.attrs, pr.attrBuf, pr.empty = pr.attrs[:0], pr.attrBuf[:0], false
	for {
		pr.space()
		b, ok := pr.peek()
		switch {
		case !ok:
			return tokBad
		case b == '>':
			pr.r++
			return tokStart
		case b == '/':
			pr.r++
			if b, ok := pr.peek(); !ok || b != '>' {
				return tokBad
			}
			pr.r++
			pr.empty = true
			return tokStart
		}
		if !pr.attr() {
			return tokBad
		}
	}
}

// attr reads name="value" (or 'value') into attrs.
func (pr *pageReader) attr() bool {
	start := len(pr.attrBuf)
	if !pr.readName(&pr.attrBuf) {
		return false
	}
	pr.space()
	if b, ok := pr.peek(); !ok || b != '=' {
		return false
	}
	pr.r++
	pr.space()
	q, ok := pr.peek()
	if !ok || q != '"' && q != '\'' {
		return false
	}
	pr.r++
	if !pr.text(int(q)) {
		return false
	}
	vstart := len(pr.attrBuf)
	pr.attrBuf = append(pr.attrBuf, pr.run...)
	pr.attrs = append(pr.attrs, attrSpan{name: start, value: vstart, end: len(pr.attrBuf)})
	return true
}

// attrValue returns the value of the last attribute named name.
func (pr *pageReader) attrValue(name string) (string, bool) {
	for i := len(pr.attrs) - 1; i >= 0; i-- {
		a := pr.attrs[i]
		if string(pr.attrBuf[a.name:a.value]) == name {
			return string(pr.attrBuf[a.value:a.end]), true
		}
	}
	return "", false
}

// space skips the white space encoding/xml allows inside tags.
func (pr *pageReader) space() {
	for {
		b, ok := pr.peek()
		if !ok || b != ' ' && b != '\t' && b != '\n' && b != '\r' {
			return
		}
		pr.r++
	}
}

// readName appends an ASCII name without a namespace prefix to *dst.
func (pr *pageReader) readName(dst *[]byte) bool {
	b, ok := pr.peek()
	if !ok || !('A' <= b && b <= 'Z' || 'a' <= b && b <= 'z' || b == '_') {
		return false
	}
	for {
		b, ok := pr.peek()
		if !ok {
			return false
		}
		if !('A' <= b && b <= 'Z' || 'a' <= b && b <= 'z' || '0' <= b && b <= '9' || b == '_' || b == '-' || b == '.') {
			return true
		}
		*dst = append(*dst, b)
		pr.r++
	}
}

// textPlain and cdataPlain mark the bytes text and cdata copy as they are.
var textPlain, cdataPlain = func() (t, c [256]bool) {
	for b := 0x20; b < 0x80; b++ {
		t[b], c[b] = true, true
	}
	t['\t'], t['\n'], c['\t'], c['\n'] = true, true, true, true
	for _, b := range []byte{'<', '&', '\r', ']', '"', '\''} {
		t[b] = false
	}
	c['\r'], c[']'] = false, false
	return t, c
}()

// plain appends to run the bytes that table passes as they are, up to the
// next one it does not (left at r), refilling the buffer; false at the end
// of the input.
func (pr *pageReader) plain(table *[256]bool) bool {
	for {
		if pr.r == pr.w && !pr.fill() {
			return false
		}
		i := pr.r
		for i < pr.w && table[pr.buf[i]] {
			i++
		}
		pr.run = append(pr.run, pr.buf[pr.r:i]...)
		pr.r = i
		if i < pr.w {
			return true
		}
	}
}

// text decodes text up to '<' (quote < 0) or an attribute value up to its
// closing quote (consumed) into run, as encoding/xml's text does.
func (pr *pageReader) text(quote int) bool {
	pr.run = pr.run[:0]
	check := false // run holds bytes to check: non-ASCII or from a reference
	for {
		if !pr.plain(&textPlain) {
			return false
		}
		switch b := pr.buf[pr.r]; {
		case b == '<':
			if quote >= 0 {
				return false
			}
			return !check || validChars(pr.run)
		case quote >= 0 && int(b) == quote:
			pr.r++
			return !check || validChars(pr.run)
		case b == '&':
			pr.r++
			numeric, ok := pr.entity()
			if !ok {
				return false
			}
			check = check || numeric
		case b == '\r':
			pr.newline()
		case b == ']':
			if quote < 0 && (!pr.has(3) || string(pr.buf[pr.r:pr.r+3]) == "]]>") {
				return false // an error in text
			}
			pr.run = append(pr.run, b)
			pr.r++
		case b < 0x20:
			return false // an illegal character
		default: // a quote in text, or non-ASCII
			pr.run = append(pr.run, b)
			pr.r++
			check = check || b >= utf8.RuneSelf
		}
	}
}

// newline appends "\n" for the '\r' at r, or the "\r\n" there.
func (pr *pageReader) newline() {
	pr.r++
	pr.run = append(pr.run, '\n')
	if b, ok := pr.peek(); ok && b == '\n' {
		pr.r++
	}
}

// entity decodes the reference after '&' into run: one of the five
// predefined entities, or a character reference encoding/xml accepts.
func (pr *pageReader) entity() (numeric, ok bool) {
	b, ok := pr.peek()
	if !ok {
		return false, false
	}
	if b != '#' {
		for _, e := range [...]struct{ name, text string }{
			{"lt;", "<"}, {"gt;", ">"}, {"amp;", "&"}, {"apos;", "'"}, {"quot;", `"`},
		} {
			if pr.has(len(e.name)) && string(pr.buf[pr.r:pr.r+len(e.name)]) == e.name {
				pr.r += len(e.name)
				pr.run = append(pr.run, e.text...)
				return false, true
			}
		}
		return false, false
	}
	pr.r++
	base := rune(10)
	if b, ok := pr.peek(); ok && b == 'x' {
		base = 16
		pr.r++
	}
	var n rune
	digits := 0
	for {
		b, ok := pr.peek()
		if !ok {
			return false, false
		}
		var d rune
		switch {
		case '0' <= b && b <= '9':
			d = rune(b - '0')
		case base == 16 && 'a' <= b && b <= 'f':
			d = rune(b-'a') + 10
		case base == 16 && 'A' <= b && b <= 'F':
			d = rune(b-'A') + 10
		case b == ';' && digits > 0:
			pr.r++
			pr.run = utf8.AppendRune(pr.run, n) // a surrogate gives U+FFFD, as string(rune(n))
			return true, true
		default:
			return false, false // left as it is by encoding/xml
		}
		if n = n*base + d; n > utf8.MaxRune {
			return false, false
		}
		digits++
		pr.r++
	}
}

// cdata decodes a CDATA section after "<![CDATA[" into run.
func (pr *pageReader) cdata() bool {
	pr.run = pr.run[:0]
	check := false
	for {
		if !pr.plain(&cdataPlain) {
			return false
		}
		switch b := pr.buf[pr.r]; {
		case b == ']':
			if !pr.has(3) {
				return false
			}
			if string(pr.buf[pr.r:pr.r+3]) == "]]>" {
				pr.r += 3
				return !check || validChars(pr.run)
			}
			pr.run = append(pr.run, b)
			pr.r++
		case b == '\r':
			pr.newline()
		case b < 0x20:
			return false
		default:
			pr.run = append(pr.run, b)
			pr.r++
			check = true
		}
	}
}

// validChars reports whether b is UTF-8 of characters XML allows, the
// check encoding/xml makes of every text.
func validChars(b []byte) bool {
	for len(b) > 0 {
		r, size := utf8.DecodeRune(b)
		if r == utf8.RuneError && size == 1 {
			return false
		}
		b = b[size:]
		if !(r == 0x09 || r == 0x0A || r == 0x0D || r >= 0x20 && r <= 0xD7FF ||
			r >= 0xE000 && r <= 0xFFFD || r >= 0x10000 && r <= 0x10FFFF) {
			return false
		}
	}
	return true
}

// value reads the rest of the element just opened, named name, and returns
// its value: its direct text, run by run trimmed; children are skipped.
// The slice is valid until the next call.
func (pr *pageReader) value(name string) ([]byte, bool) {
	pr.val = pr.val[:0]
	if pr.empty {
		return pr.val, true
	}
	for {
		switch pr.next() {
		case tokText:
			pr.val = append(pr.val, pr.txt...)
		case tokStart:
			if !pr.skip() {
				return nil, false
			}
		case tokEnd:
			return pr.val, string(pr.name) == name
		default:
			return nil, false
		}
	}
}

// str sets *dst to the value of the element just opened.
func (pr *pageReader) str(name string, dst *string) bool {
	v, ok := pr.value(name)
	if ok {
		*dst = string(v)
	}
	return ok
}

// int sets *dst to the value of the element just opened.
func (pr *pageReader) int(name string, dst *Int) bool {
	v, ok := pr.value(name)
	if ok {
		_ = dst.UnmarshalText(v) // never fails
	}
	return ok
}

// id sets *dst to the value of the element just opened, read as xmlID.
func (pr *pageReader) id(name string, dst *int64) bool {
	v, ok := pr.value(name)
	if ok {
		var x xmlID
		_ = x.UnmarshalText(v) // never fails
		*dst = int64(x)
	}
	return ok
}

// skip reads the rest of the element just opened.
func (pr *pageReader) skip() bool {
	if pr.empty {
		return true
	}
	pr.stk = append(pr.stk[:0], pr.name...)
	pr.stkLen = append(pr.stkLen[:0], len(pr.name))
	for len(pr.stkLen) > 0 {
		switch pr.next() {
		case tokText:
		case tokStart:
			if !pr.empty {
				if len(pr.stkLen) == 64 {
					return false
				}
				pr.stk = append(pr.stk, pr.name...)
				pr.stkLen = append(pr.stkLen, len(pr.name))
			}
		case tokEnd:
			n := pr.stkLen[len(pr.stkLen)-1]
			if !bytes.Equal(pr.stk[len(pr.stk)-n:], pr.name) {
				return false
			}
			pr.stk = pr.stk[:len(pr.stk)-n]
			pr.stkLen = pr.stkLen[:len(pr.stkLen)-1]
		default:
			return false
		}
	}
	return true
}

// list reads the rest of the list element just opened, named name, handing
// each child named item to elem (which reads it) and skipping the others.
func (pr *pageReader) list(name, item string, elem func() bool) bool {
	if pr.empty {
		return true
	}
	for {
		switch pr.next() {
		case tokText:
		case tokStart:
			var ok bool
			if string(pr.name) == item {
				ok = elem()
			} else {
				ok = pr.skip()
			}
			if !ok {
				return false
			}
		case tokEnd:
			return string(pr.name) == name
		default:
			return false
		}
	}
}

// fields reads the rest of the struct element just opened, named name,
// handing each child to field, which reads it and reports false to give
// up; field returns skip for a child it does not know.
func (pr *pageReader) fields(name string, field func() bool) bool {
	if pr.empty {
		return true
	}
	for {
		switch pr.next() {
		case tokText:
		case tokStart:
			if !field() {
				return false
			}
		case tokEnd:
			return string(pr.name) == name
		default:
			return false
		}
	}
}

// host reads the content of a HOST, up to its end tag (tagStart).
func (pr *pageReader) host(h *Host) bool {
	pr.empty = false
	return pr.fields("HOST", func() bool { return pr.hostField(h) })
}

// hostField reads the child element of a HOST just opened.
func (pr *pageReader) hostField(h *Host) bool {
	switch n := string(pr.name); n {
	case "ID":
		return pr.id(n, &h.ID)
	case "ASSET_ID":
		return pr.id(n, &h.AssetID)
	case "IP":
		return pr.str(n, &h.IP)
	case "IPV6":
		return pr.str(n, &h.IPv6)
	case "ASSET_RISK_SCORE":
		return pr.int(n, &h.AssetRiskScore)
	case "TRURISK_SCORE":
		return pr.int(n, &h.TruRiskScore)
	case "ASSET_CRITICALITY_SCORE":
		return pr.int(n, &h.AssetCriticalityScore)
	case "TRURISK_SCORE_FACTORS":
		if h.TruRiskScoreFactors == nil {
			h.TruRiskScoreFactors = new(TruRiskFactors)
		}
		f := h.TruRiskScoreFactors
		return pr.fields(n, func() bool {
			switch n := string(pr.name); n {
			case "TRURISK_SCORE_FORMULA":
				return pr.str(n, &f.Formula)
			case "VULN_COUNT":
				f.VulnCounts = append(f.VulnCounts, VulnCount{})
				vc := &f.VulnCounts[len(f.VulnCounts)-1]
				for i := range pr.attrs {
					if a := pr.attrs[i]; string(pr.attrBuf[a.name:a.value]) == "qds_severity" {
						_ = vc.QDSSeverity.UnmarshalText(pr.attrBuf[a.value:a.end])
					}
				}
				return pr.int(n, &vc.Value)
			}
			return pr.skip()
		})
	case "TRACKING_METHOD":
		return pr.str(n, &h.TrackingMethod)
	case "NETWORK_ID":
		return pr.str(n, &h.NetworkID)
	case "OS":
		return pr.str(n, &h.OS)
	case "OS_CPE":
		return pr.str(n, &h.OSCPE)
	case "DNS":
		return pr.str(n, &h.DNS)
	case "DNS_DATA":
		if h.DNSData == nil {
			h.DNSData = new(DNSData)
		}
		d := h.DNSData
		return pr.fields(n, func() bool {
			switch n := string(pr.name); n {
			case "HOSTNAME":
				return pr.str(n, &d.Hostname)
			case "DOMAIN":
				return pr.str(n, &d.Domain)
			case "FQDN":
				return pr.str(n, &d.FQDN)
			}
			return pr.skip()
		})
	case "CLOUD_PROVIDER":
		return pr.str(n, &h.CloudProvider)
	case "CLOUD_SERVICE":
		return pr.str(n, &h.CloudService)
	case "CLOUD_RESOURCE_ID":
		return pr.str(n, &h.CloudResourceID)
	case "EC2_INSTANCE_ID":
		return pr.str(n, &h.EC2InstanceID)
	case "NETBIOS":
		return pr.str(n, &h.NetBIOS)
	case "QG_HOSTID":
		return pr.str(n, &h.QGHostID)
	case "LAST_BOOT":
		return pr.str(n, &h.LastBoot)
	case "SERIAL_NUMBER":
		return pr.str(n, &h.SerialNumber)
	case "HARDWARE_UUID":
		return pr.str(n, &h.HardwareUUID)
	case "FIRST_FOUND_DATE":
		return pr.str(n, &h.FirstFoundDate)
	case "LAST_ACTIVITY":
		return pr.str(n, &h.LastActivity)
	case "AGENT_STATUS":
		return pr.str(n, &h.AgentStatus)
	case "CLOUD_AGENT_RUNNING_ON":
		return pr.str(n, &h.CloudAgentRunningOn)
	case "LAST_SCAN_DATETIME":
		return pr.str(n, &h.LastScanDateTime)
	case "LAST_VULN_SCAN_DATETIME":
		return pr.str(n, &h.LastVulnScanDateTime)
	case "LAST_VM_SCANNED_DATE":
		return pr.str(n, &h.LastVMScannedDate)
	case "LAST_VM_SCANNED_DURATION":
		return pr.int(n, &h.LastVMScannedDuration)
	case "LAST_VM_AUTH_SCANNED_DATE":
		return pr.str(n, &h.LastVMAuthScannedDate)
	case "LAST_VM_AUTH_SCANNED_DURATION":
		return pr.int(n, &h.LastVMAuthScannedDuration)
	case "LAST_PC_SCANNED_DATE":
		return pr.str(n, &h.LastPCScannedDate)
	case "LAST_COMPLIANCE_SCAN_DATETIME":
		return pr.str(n, &h.LastComplianceScanDateTime)
	case "LAST_SCAP_SCAN_DATETIME":
		return pr.str(n, &h.LastSCAPScanDateTime)
	case "TAGS":
		return pr.list(n, "TAG", func() bool {
			h.Tags = append(h.Tags, Tag{})
			t := &h.Tags[len(h.Tags)-1]
			return pr.fields("TAG", func() bool {
				switch n := string(pr.name); n {
				case "TAG_ID":
					return pr.str(n, &t.TagID)
				case "NAME":
					return pr.str(n, &t.Name)
				case "COLOR":
					return pr.str(n, &t.Color)
				case "BACKGROUND_COLOR":
					return pr.str(n, &t.BackgroundColor)
				}
				return pr.skip()
			})
		})
	case "METADATA":
		if h.Metadata == nil {
			h.Metadata = new(Metadata)
		}
		m := h.Metadata
		return pr.fields(n, func() bool {
			var dst *[]MetadataAttribute
			switch string(pr.name) {
			case "EC2":
				dst = &m.EC2
			case "GOOGLE":
				dst = &m.Google
			case "AZURE":
				dst = &m.Azure
			default:
				return pr.skip()
			}
			return pr.list(string(pr.name), "ATTRIBUTE", func() bool {
				*dst = append(*dst, MetadataAttribute{})
				a := &(*dst)[len(*dst)-1]
				return pr.fields("ATTRIBUTE", func() bool {
					switch n := string(pr.name); n {
					case "NAME":
						return pr.str(n, &a.Name)
					case "LAST_STATUS":
						return pr.str(n, &a.LastStatus)
					case "VALUE":
						return pr.str(n, &a.Value)
					case "LAST_SUCCESS_DATE":
						return pr.str(n, &a.LastSuccessDate)
					case "LAST_ERROR_DATE":
						return pr.str(n, &a.LastErrorDate)
					case "LAST_ERROR":
						return pr.str(n, &a.LastError)
					}
					return pr.skip()
				})
			})
		})
	case "CLOUD_PROVIDER_TAGS":
		return pr.list(n, "CLOUD_TAG", func() bool {
			h.CloudProviderTags = append(h.CloudProviderTags, CloudTag{})
			t := &h.CloudProviderTags[len(h.CloudProviderTags)-1]
			return pr.fields("CLOUD_TAG", func() bool {
				switch n := string(pr.name); n {
				case "NAME":
					return pr.str(n, &t.Name)
				case "VALUE":
					return pr.str(n, &t.Value)
				case "LAST_SUCCESS_DATE":
					return pr.str(n, &t.LastSuccessDate)
				}
				return pr.skip()
			})
		})
	case "OWNER":
		return pr.str(n, &h.Owner)
	case "COMMENTS":
		return pr.str(n, &h.Comments)
	case "USER_DEF":
		if h.UserDef == nil {
			h.UserDef = new(UserDef)
		}
		u := h.UserDef
		return pr.fields(n, func() bool {
			switch n := string(pr.name); n {
			case "VALUE_1":
				return pr.str(n, &u.Value1)
			case "VALUE_2":
				return pr.str(n, &u.Value2)
			case "VALUE_3":
				return pr.str(n, &u.Value3)
			}
			return pr.skip()
		})
	case "ASSET_GROUP_IDS":
		return pr.str(n, &h.AssetGroupIDs)
	case "DETECTION_LIST":
		return pr.list(n, "DETECTION", func() bool {
			h.Detections = append(h.Detections, Detection{})
			d := &h.Detections[len(h.Detections)-1]
			return pr.fields("DETECTION", func() bool { return pr.detectionField(d) })
		})
	}
	return pr.skip()
}

// detectionField reads the child element of a DETECTION just opened.
func (pr *pageReader) detectionField(d *Detection) bool {
	switch n := string(pr.name); n {
	case "UNIQUE_VULN_ID":
		return pr.id(n, &d.UniqueVulnID)
	case "QID":
		return pr.id(n, &d.QID)
	case "TYPE":
		return pr.str(n, &d.Type)
	case "SEVERITY":
		return pr.int(n, &d.Severity)
	case "PORT":
		return pr.int(n, &d.Port)
	case "PROTOCOL":
		return pr.str(n, &d.Protocol)
	case "FQDN":
		return pr.str(n, &d.FQDN)
	case "SSL":
		return pr.int(n, &d.SSL)
	case "INSTANCE":
		return pr.str(n, &d.Instance)
	case "RESULTS":
		return pr.str(n, &d.Results)
	case "STATUS":
		return pr.str(n, &d.Status)
	case "FIRST_FOUND_DATETIME":
		return pr.str(n, &d.FirstFoundDateTime)
	case "LAST_FOUND_DATETIME":
		return pr.str(n, &d.LastFoundDateTime)
	case "QDS":
		if d.QDS == nil {
			d.QDS = new(QDS)
		}
		if v, ok := pr.attrValue("severity"); ok {
			d.QDS.Severity = v
		}
		return pr.int(n, &d.QDS.Value)
	case "QDS_FACTORS":
		return pr.list(n, "QDS_FACTOR", func() bool {
			d.QDSFactors = append(d.QDSFactors, QDSFactor{})
			f := &d.QDSFactors[len(d.QDSFactors)-1]
			f.Name, _ = pr.attrValue("name")
			return pr.str("QDS_FACTOR", &f.Value)
		})
	case "TIMES_FOUND":
		return pr.int(n, &d.TimesFound)
	case "LAST_TEST_DATETIME":
		return pr.str(n, &d.LastTestDateTime)
	case "LAST_UPDATE_DATETIME":
		return pr.str(n, &d.LastUpdateDateTime)
	case "LAST_FIXED_DATETIME":
		return pr.str(n, &d.LastFixedDateTime)
	case "FIRST_REOPENED_DATETIME":
		return pr.str(n, &d.FirstReopenedDateTime)
	case "LAST_REOPENED_DATETIME":
		return pr.str(n, &d.LastReopenedDateTime)
	case "TIMES_REOPENED":
		return pr.int(n, &d.TimesReopened)
	case "SERVICE":
		return pr.str(n, &d.Service)
	case "IS_IGNORED":
		return pr.int(n, &d.IsIgnored)
	case "IS_DISABLED":
		return pr.int(n, &d.IsDisabled)
	case "AFFECT_RUNNING_KERNEL":
		return pr.int(n, &d.AffectRunningKernel)
	case "AFFECT_RUNNING_SERVICE":
		return pr.int(n, &d.AffectRunningService)
	case "AFFECT_EXPLOITABLE_CONFIG":
		return pr.int(n, &d.AffectExploitableConf)
	case "LAST_PROCESSED_DATETIME":
		return pr.str(n, &d.LastProcessedDateTime)
	case "ASSET_CVE":
		return pr.str(n, &d.AssetCVE)
	case "MITRE_ATTACK_LIST":
		return pr.list(n, "MITRE_ATTACK", func() bool {
			d.MitreAttackList = append(d.MitreAttackList, MitreAttack{})
			m := &d.MitreAttackList[len(d.MitreAttackList)-1]
			return pr.fields("MITRE_ATTACK", func() bool {
				switch n := string(pr.name); n {
				case "MITRE_TACTIC_ID":
					return pr.str(n, &m.TacticID)
				case "MITRE_TACTIC_NAME":
					return pr.str(n, &m.TacticName)
				case "MITRE_TECHNIQUE_ID":
					return pr.str(n, &m.TechniqueID)
				case "MITRE_TECHNIQUE_NAME":
					return pr.str(n, &m.TechniqueName)
				}
				return pr.skip()
			})
		})
	}
	return pr.skip()
}
