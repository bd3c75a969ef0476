package qualyssim

import (
	"net/http"
	"net/http/httptest"
	"net/url"
	"testing"
)

// discardWriter is a ResponseWriter that counts and drops the body.
type discardWriter struct {
	h      http.Header
	n      int64
	status int
}

func (d *discardWriter) Header() http.Header { return d.h }
func (d *discardWriter) WriteHeader(c int)   { d.status = c }
func (d *discardWriter) Write(b []byte) (int, error) {
	d.n += int64(len(b))
	return len(b), nil
}

// BenchmarkSearchPage serves one full 100-asset page (software lists
// included); allocations per page must not depend on the data set size.
func BenchmarkSearchPage(b *testing.B) {
	for _, assets := range []int{1000, 50_000} {
		b.Run(strconvItoa(assets)+"assets", func(b *testing.B) {
			s, err := New(Config{Assets: assets, Seed: 1})
			if err != nil {
				b.Fatal(err)
			}
			rec := httptest.NewRecorder()
			u, p := s.Credentials()
			req := httptest.NewRequest(http.MethodPost, pathAuth, nil)
			req.PostForm = url.Values{"username": {u}, "password": {p}}
			s.ServeHTTP(rec, req)
			tok := rec.Body.String()
			after := s.Truth().AssetIDs[len(s.Truth().AssetIDs)/2]
			b.ReportAllocs()
			b.ResetTimer()
			var bytes int64
			for b.Loop() {
				req := httptest.NewRequest(http.MethodPost, pathSearch+"?pageSize=100&lastSeenAssetId="+itoa(after), nil)
				req.Header.Set("Authorization", "Bearer "+tok)
				w := &discardWriter{h: http.Header{}}
				s.ServeHTTP(w, req)
				if w.status != 0 && w.status != http.StatusOK {
					b.Fatalf("status %d", w.status)
				}
				bytes = w.n
			}
			b.SetBytes(bytes)
		})
	}
}

func strconvItoa(n int) string { return itoa(int64(n)) }

// BenchmarkHLDPage serves one host list detection page of 100 hosts with
// results, QDS and factors (the options QualysETL uses).
func BenchmarkHLDPage(b *testing.B) {
	s, err := New(Config{Assets: 5000, Seed: 1})
	if err != nil {
		b.Fatal(err)
	}
	mid := s.Truth().HostIDs[len(s.Truth().HostIDs)/2]
	q := url.Values{"action": {"list"}, "truncation_limit": {"100"}, "id_min": {itoa(mid)}, "show_asset_id": {"1"}, "show_igs": {"1"},
		"show_qds": {"1"}, "show_qds_factors": {"1"}, "show_reopened_info": {"1"}, "status": {"New,Active,Fixed,Re-Opened"}}
	u, p := s.Credentials()
	b.ReportAllocs()
	var bytes int64
	for b.Loop() {
		req := httptest.NewRequest(http.MethodGet, "/api/2.0/fo/asset/host/vm/detection/?"+q.Encode(), nil)
		req.SetBasicAuth(u, p)
		req.Header.Set("X-Requested-With", "bench")
		w := &discardWriter{h: http.Header{}}
		s.ServeHTTP(w, req)
		if w.status != 0 && w.status != http.StatusOK {
			b.Fatalf("status %d", w.status)
		}
		bytes = w.n
	}
	b.SetBytes(bytes)
}
