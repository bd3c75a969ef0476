package cli

import (
	"fmt"
	"net/http/httptest"
	"path/filepath"
	"testing"
	"time"

	"github.com/qflow/qflow/internal/qualyssim"
	"github.com/qflow/qflow/internal/secret"
	"github.com/qflow/qflow/internal/sync"
)

// BenchmarkCSAMPipeline measures a full CSAM sync (simulator over loopback →
// client → transform → SQLite) and reports assets/s and installs/s.
//
//	go test -run '^$' -bench CSAMPipeline -benchmem ./internal/cli/
func BenchmarkCSAMPipeline(b *testing.B) {
	for _, n := range []int{1000, 3000} {
		b.Run(fmt.Sprintf("assets=%d", n), func(b *testing.B) {
			srv, err := qualyssim.New(qualyssim.Config{Assets: n, Seed: 1})
			if err != nil {
				b.Fatal(err)
			}
			ts := httptest.NewServer(srv)
			defer ts.Close()
			truth := srv.Truth()
			user, pass := srv.Credentials()
			g := &globals{env: Env{}, logLevel: "error"}
			b.ReportAllocs()
			b.ResetTimer()
			var elapsed time.Duration
			for i := 0; b.Loop(); i++ {
				db := filepath.Join(b.TempDir(), fmt.Sprintf("b%d.db", i))
				start := time.Now()
				sum, err := runSync(b.Context(), g, g.logger(), syncParams{
					GatewayURL: ts.URL, Username: user, Password: secret.New(pass), DB: db, Mode: sync.ModeFull,
					PageSize: 300, Parallel: 2, PageTimeout: time.Minute, MaxRetries: 5,
				})
				elapsed += time.Since(start)
				if err != nil {
					b.Fatal(err)
				}
				if sum.Assets.Seen != int64(truth.Assets) {
					b.Fatalf("seen %d, want %d", sum.Assets.Seen, truth.Assets)
				}
			}
			secs := elapsed.Seconds()
			b.ReportMetric(float64(truth.Assets*b.N)/secs, "assets/s")
			b.ReportMetric(float64(truth.SoftwareInstalls*b.N)/secs, "installs/s")
		})
	}
}
