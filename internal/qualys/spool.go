package qualys

// Raw API-server pages are spooled to a temporary file while their request
// runs, and decoded from it either while the page still downloads,
// following the file as it is written (API-server walks that do not read
// their next page ahead), or once the connection and the concurrency slot
// are released: either way the caller's loop body never holds up a download
// and never counts against the per-request timeout.

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"context"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"os"
	"runtime"
	"slices"
	"strings"
	"sync"
)

const (
	// spoolTail is how many bytes of a page's end are kept to check that the
	// document is complete: the root's end tag and the trailing comment.
	spoolTail = 8 << 10
	// spoolBufSize is the size of the file buffers.
	spoolBufSize = 64 << 10
)

// spool is one raw page written to a temporary file while its request runs.
// The caller removes it once decoded (remove may be called more than once).
type spool struct {
	c     *Client
	f     *os.File
	named bool // the file still has its name (see newSpool)
	bufs  *spoolBufs
	live  *liveState // set when a reader follows the spool as it is written
}

// liveState is how far a spool followed by a reader is written.
type liveState struct {
	mu    sync.Mutex
	size  int64         // bytes in the file
	ended bool          // finish has run: size is final
	wake  chan struct{} // a write or the end (buffer 1)

	pending int // bytes written to the buffers since their last flush (the writer's)
}

// grow records n more bytes in the file.
func (l *liveState) grow(n int, end bool) {
	l.mu.Lock()
	l.size += int64(n)
	l.ended = l.ended || end
	l.mu.Unlock()
	select {
	case l.wake <- struct{}{}:
	default:
	}
}

// liveFlush is how many bytes of a followed spool may wait in its buffers
// (the gzip stream's and the file's) before they are written to the file
// for the reader: a page that streams in slowly is read as it comes.
const liveFlush = 16 << 10

// flush writes the buffered bytes of sp to its file once n more bytes make
// liveFlush of them.
func (l *liveState) flush(sp *spool, n int) error {
	l.pending += n
	if l.pending < liveFlush {
		return nil
	}
	l.pending = 0
	b := sp.bufs
	if sp.c.spoolGzip {
		if err := b.zw.Flush(); err != nil {
			return err
		}
	}
	return b.bw.Flush()
}

// liveFile is the file under a followed spool's buffer: it tells the
// reader of each write.
type liveFile struct{ sp *spool }

func (f liveFile) Write(p []byte) (int, error) {
	n, err := f.sp.f.Write(p)
	f.sp.live.grow(n, false)
	return n, err
}

// liveReader reads a spool while it is written: at the end of what is
// written it waits for more, until the writing has finished (io.EOF) or
// ctx ends.
type liveReader struct {
	ctx context.Context
	sp  *spool
	off int64
}

func (r *liveReader) Read(p []byte) (int, error) {
	l := r.sp.live
	for {
		l.mu.Lock()
		size, ended := l.size, l.ended
		l.mu.Unlock()
		if r.off < size {
			n, err := r.sp.f.ReadAt(p[:min(int64(len(p)), size-r.off)], r.off)
			r.off += int64(n)
			if err == io.EOF && n > 0 {
				err = nil
			}
			return n, err
		}
		if ended {
			return 0, io.EOF
		}
		select {
		case <-l.wake:
		case <-r.ctx.Done():
			return 0, context.Cause(r.ctx)
		}
	}
}

// newSpool creates a spool file qflow-qualys-*ext (.gz added with
// SpoolCompress) in the client's SpoolDir, ready to be written through
// spoolWriter. Where the system allows it (not on Windows) the file's name
// is removed at once: the open file stays readable and writable, and the
// system frees its space when it is closed or when the process ends, even
// killed with SIGKILL, so no run leaves spool files behind. The space shows
// in df, not in ls.
func (c *Client) newSpool(ext string, live bool) (*spool, error) {
	if c.spoolGzip {
		ext += ".gz"
	}
	f, err := os.CreateTemp(c.spoolDir, "qflow-qualys-*"+ext)
	if err != nil {
		return nil, &spoolError{err}
	}
	named := runtime.GOOS == "windows" || os.Remove(f.Name()) != nil // else removed when the page is done
	sp := &spool{c: c, f: f, named: named, bufs: c.getSpoolBufs()}
	b := sp.bufs
	b.bw.Reset(f)
	if live {
		sp.live = &liveState{wake: make(chan struct{}, 1)}
		b.bw.Reset(liveFile{sp})
	}
	if c.spoolGzip {
		if b.zw == nil {
			b.zw, _ = gzip.NewWriterLevel(b.bw, gzip.BestSpeed) // the level is valid
		} else {
			b.zw.Reset(b.bw)
		}
	}
	return sp, nil
}

// finish ends the writing: the gzip stream's end, the buffered bytes.
func (sp *spool) finish() error {
	b := sp.bufs
	var err error
	if sp.c.spoolGzip {
		err = b.zw.Close()
	}
	if e := b.bw.Flush(); err == nil {
		err = e
	}
	if sp.live != nil {
		sp.live.grow(0, true)
	}
	return err
}

// spoolBufs are the buffers of one spool, reused across pages through
// Client.spoolPool: a gzip writer alone is several hundred KB.
type spoolBufs struct {
	bw      *bufio.Writer
	br      *bufio.Reader
	zbr     *bufio.Reader // over zr: the XML decoder reads a byte at a time
	zw      *gzip.Writer  // nil until needed
	zr      *gzip.Reader  // nil until needed
	tail    []byte
	copyBuf []byte
}

// spoolError is a failure to write or read a spool file: a local problem
// (disk full, SpoolDir not writable), not the server's, so never retried.
type spoolError struct{ err error }

func (e *spoolError) Error() string { return "spool file: " + e.err.Error() }
func (e *spoolError) Unwrap() error { return e.err }

// spoolWriter writes a page's bytes to the spool file (through gzip when
// enabled) and keeps the last spoolTail of them.
type spoolWriter struct{ sp *spool }

func (w spoolWriter) Write(p []byte) (int, error) {
	sp := w.sp
	var dst io.Writer = sp.bufs.bw
	if sp.c.spoolGzip {
		dst = sp.bufs.zw
	}
	n, err := dst.Write(p)
	if err == nil && sp.live != nil {
		err = sp.live.flush(sp, n)
	}
	b := sp.bufs
	if len(p) >= spoolTail {
		b.tail = append(b.tail[:0], p[len(p)-spoolTail:]...)
	} else if b.tail = append(b.tail, p...); len(b.tail) > 2*spoolTail {
		b.tail = append(b.tail[:0], b.tail[len(b.tail)-spoolTail:]...)
	}
	if err != nil {
		return n, &spoolError{err}
	}
	return n, nil
}

// spoolPage copies body to a new spool file while checking the document:
//   - its root element must be one of roots, or SIMPLE_RETURN, which is
//     decoded (it is small) and returned instead of a spool;
//   - it must end with the root's end tag, optionally followed by comments
//     and whitespace, else the error wraps errTruncated.
//
// On a read error or a truncated body the spool is returned with the error,
// so that the complete records it holds can still be used; with a wrong
// root, a SIMPLE_RETURN or a *spoolError it is removed and nil. The caller
// removes a returned spool.
//
// With onStart set, the spool can be read while it is written
// (spool.openLive): onStart receives it once the root is known to be one
// of roots, before the rest of the body is copied, and the spool is then
// always returned (with the error), for the caller to remove once the
// reader is done.
func (c *Client) spoolPage(body io.Reader, roots []string, onStart func(*spool)) (*spool, *simpleReturn, error) {
	sp, err := c.newSpool(".xml", onStart != nil)
	if err != nil {
		return nil, nil, err
	}
	b := sp.bufs
	out := spoolWriter{sp}
	root, ret, err := sniffRoot(io.TeeReader(body, out), roots)
	started := false
	if err == nil && ret == nil {
		if onStart != nil {
			onStart(sp)
			started = true
		}
		_, err = io.CopyBuffer(out, body, b.copyBuf)
	}
	// Finish the file whatever happened: a partial page is still read.
	ferr := sp.finish()
	var se *spoolError
	switch {
	case ferr != nil && !errors.As(err, &se):
		err = &spoolError{ferr}
	case err == nil && ret == nil && !documentComplete(b.tail, root):
		err = fmt.Errorf("%w: it does not end with </%s>", errTruncated, root)
	}
	if !started && (root == "" || root == rootSimpleReturn || errors.As(err, &se) || errors.As(err, new(*rootError))) {
		sp.remove()
		return nil, ret, err
	}
	return sp, nil, err
}

// sniffRoot reads r up to the document's root start tag, which must be one
// of roots or SIMPLE_RETURN (decoded then). root is "" when no root was read.
func sniffRoot(r io.Reader, roots []string) (root string, ret *simpleReturn, err error) {
	dec := newXMLDecoder(r)
	for {
		tok, err := dec.Token()
		switch {
		case err == io.EOF:
			return "", nil, &rootError{"no XML root element"}
		case err != nil:
			return "", nil, err
		}
		se, ok := tok.(xml.StartElement)
		if !ok {
			continue
		}
		root = se.Name.Local
		switch {
		case root == rootSimpleReturn:
			ret = new(simpleReturn)
			if err := dec.DecodeElement(ret, &se); err != nil {
				return root, nil, err
			}
			return root, ret, nil
		case !slices.Contains(roots, root):
			return root, nil, &rootError{fmt.Sprintf("unexpected root element <%s>, want <%s>", excerpt(root), strings.Join(roots, "> or <"))}
		}
		return root, nil, nil
	}
}

// documentComplete reports whether tail, the end of a document whose root
// element is root, ends with the root's end tag, optionally followed by
// comments (the proprietary notice) and whitespace. When a comment starts
// before tail it cannot tell and says yes. Either way the decoder has the
// last word: a document it reads to the root's end is complete.
func documentComplete(tail []byte, root string) bool {
	b := tail
	for {
		b = bytes.TrimRight(b, " \t\r\n")
		if !bytes.HasSuffix(b, []byte("-->")) {
			break
		}
		i := bytes.LastIndex(b, []byte("<!--"))
		if i < 0 {
			return len(tail) >= spoolTail
		}
		b = b[:i]
	}
	b, ok := bytes.CutSuffix(b, []byte(">"))
	if !ok {
		return false
	}
	b, ok = bytes.CutSuffix(bytes.TrimRight(b, " \t\r\n"), []byte(root))
	if !ok {
		return false
	}
	return bytes.HasSuffix(b, []byte("</"))
}

// spoolReader tags the errors of reading a spool file (not io.EOF) as
// *spoolError, apart from the decoder's.
type spoolReader struct{ r io.Reader }

func (r spoolReader) Read(p []byte) (int, error) {
	n, err := r.r.Read(p)
	if err != nil && err != io.EOF {
		err = &spoolError{err}
	}
	return n, err
}

// ReadByte lets the XML decoder read without a buffer of its own.
func (r spoolReader) ReadByte() (byte, error) {
	b, err := r.r.(io.ByteReader).ReadByte()
	if err != nil && err != io.EOF {
		err = &spoolError{err}
	}
	return b, err
}

// open returns a reader of the spooled raw page, from its start.
func (sp *spool) open() (io.Reader, error) {
	r, err := sp.openRaw()
	if err != nil {
		return nil, err
	}
	return spoolReader{r}, nil
}

// openLive returns a reader of the spooled raw page, from its start, that
// follows the writing (see spoolPage's onStart) until it has finished or
// ctx ends.
func (sp *spool) openLive(ctx context.Context) (io.Reader, error) {
	r, err := sp.reader(&liveReader{ctx: ctx, sp: sp})
	if err != nil {
		return nil, err
	}
	return spoolReader{r}, nil
}

func (sp *spool) openRaw() (io.Reader, error) {
	if _, err := sp.f.Seek(0, io.SeekStart); err != nil {
		return nil, &spoolError{err}
	}
	return sp.reader(sp.f)
}

// reader returns the page read from f, the spool file's bytes.
func (sp *spool) reader(f io.Reader) (io.Reader, error) {
	b := sp.bufs
	b.br.Reset(f)
	if !sp.c.spoolGzip {
		return b.br, nil
	}
	var err error
	if b.zr == nil {
		b.zr, err = gzip.NewReader(b.br)
	} else {
		err = b.zr.Reset(b.br)
	}
	if err != nil {
		return nil, &spoolError{err}
	}
	b.zbr.Reset(b.zr)
	return b.zbr, nil
}

// remove closes (and, if it still has a name, deletes) the file and gives
// the buffers back.
func (sp *spool) remove() {
	if sp == nil || sp.f == nil {
		return
	}
	name := sp.f.Name()
	if err := sp.f.Close(); err != nil {
		sp.c.log.Warn("qualys: closing a spool file", "file", name, "error", err)
	}
	if sp.named {
		if err := os.Remove(name); err != nil {
			sp.c.log.Warn("qualys: removing a spool file", "file", name, "error", err)
		}
	}
	sp.f = nil
	sp.bufs.bw.Reset(nil)
	sp.bufs.br.Reset(nil)
	sp.bufs.zbr.Reset(nil)
	sp.bufs.tail = sp.bufs.tail[:0]
	sp.c.spoolPool.Put(sp.bufs)
	sp.bufs = nil
}

func (c *Client) getSpoolBufs() *spoolBufs {
	if b, ok := c.spoolPool.Get().(*spoolBufs); ok {
		return b
	}
	return &spoolBufs{
		bw:      bufio.NewWriterSize(nil, spoolBufSize),
		br:      bufio.NewReaderSize(nil, spoolBufSize),
		zbr:     bufio.NewReaderSize(nil, spoolBufSize),
		tail:    make([]byte, 0, 2*spoolTail),
		copyBuf: make([]byte, 32<<10),
	}
}
