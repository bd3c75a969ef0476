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
