package qualys

import (
	"bytes"
	"encoding/xml"
	"fmt"
	"io"
	"net/http"
	"testing"
	"time"

	"github.com/qflow/qflow/internal/qualyssim"
)

// BenchmarkDetectionsWalk walks every detection of an in-process simulator
// (loopback HTTP, two ranges in parallel as the subscription allows) and
// reports detections per second, simulator time included.
func BenchmarkDetectionsWalk(b *testing.B) {
	srv, c := startVMSim(b, qualyssim.Config{Assets: 1000, Seed: 1}, func(o *Options) { o.PageTimeout = time.Minute })
	truth := srv.Truth()
	ranges := splitHostIDs(truth.HostIDs, 2)
	q := AllDetections()
	q.TruncationLimit = 100
	b.ReportAllocs()
	b.ResetTimer()
	n := 0
	for b.Loop() {
		for rh, err := range c.VMDR.DetectionsParallel(b.Context(), q, ranges, 2) {
			if err != nil {
				b.Fatal(err)
			}
			n += len(rh.Host.Detections)
		}
	}
	if n != b.N*truth.Detections.Total {
		b.Fatalf("%d detections, want %d per walk", n, truth.Detections.Total)
	}
	b.ReportMetric(float64(n)/b.Elapsed().Seconds(), "detections/s")
	b.ReportMetric(float64(truth.Detections.Total), "detections/walk")
}

// BenchmarkSpoolPage measures what spooling adds to a host list detection
// page of 100 hosts from the simulator: writing it to a spool file
// (gzip-compressed or plain) and reading it back, without and with decoding
// its hosts. The ratio is the spool file's size over the raw page's.
func BenchmarkSpoolPage(b *testing.B) {
	_, c := startVMSim(b, qualyssim.Config{Assets: 300, Seed: 1})
	q := AllDetections()
	path, form, err := q.params()
	if err != nil {
		b.Fatal(err)
	}
	form.Set("truncation_limit", "100")
	r, err := c.newFormRequest(path, form)
	if err != nil {
		b.Fatal(err)
	}
	var page []byte
	if err := c.do(b.Context(), r, func(resp *http.Response) error {
		page, err = io.ReadAll(resp.Body)
		return err
	}); err != nil {
		b.Fatal(err)
	}
	for _, gz := range []bool{true, false} {
		for _, decode := range []bool{false, true} {
			b.Run(fmt.Sprintf("gzip=%v/decode=%v", gz, decode), func(b *testing.B) {
				c.spoolGzip = gz
				b.SetBytes(int64(len(page)))
				b.ReportAllocs()
				var size int64
				for b.Loop() {
					sp, _, err := c.spoolPage(bytes.NewReader(page), hldRoots, nil)
					if err != nil {
						b.Fatal(err)
					}
					fi, _ := sp.f.Stat()
					size = fi.Size()
					rd, err := sp.open()
					if err != nil {
						b.Fatal(err)
					}
					if decode {
						_, err = readPage(rd, hldRoots, nil, func(dec *xml.Decoder, se *xml.StartElement) error {
							return decodeHostItem(dec, se, func(int64, Host) bool { return true })
						})
					} else {
						_, err = io.Copy(io.Discard, rd)
					}
					if err != nil {
						b.Fatal(err)
					}
					sp.remove()
				}
				b.ReportMetric(float64(size)/float64(len(page)), "ratio")
			})
		}
	}
}
