package cli

import (
	"fmt"
	"net/http/httptest"
	"path/filepath"
	"testing"
	"time"

	"github.com/qflow/qflow/internal/qualys"
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
					GatewayURL: ts.URL, Username: user, Password: secret.New(pass), DB: dbFlags{File: db}, Mode: sync.ModeFull,
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

// BenchmarkVMDRPipeline measures a full VMDR sync (simulator over loopback →
// streaming XML client → KnowledgeBase join → transform → SQLite) and
// reports detections/s and hosts/s. As a bound measured in the same run, it
// also walks the same detections with the client alone (no transform, no
// database) and reports the pipeline's share of that speed.
//
//	go test -run '^$' -bench VMDRPipeline -benchmem ./internal/cli/
func BenchmarkVMDRPipeline(b *testing.B) {
	for _, n := range []int{1000, 3000} {
		b.Run(fmt.Sprintf("hosts=%d", n), func(b *testing.B) {
			srv, err := qualyssim.New(qualyssim.Config{Assets: 100, Hosts: n, Seed: 1})
			if err != nil {
				b.Fatal(err)
			}
			ts := httptest.NewServer(srv)
			defer ts.Close()
			truth := srv.Truth()
			user, pass := srv.Credentials()
			g := &globals{env: Env{}, logLevel: "error"}
			p := syncParams{APIURL: ts.URL, Username: user, Password: secret.New(pass), Mode: sync.ModeFull,
				Parallel: 2, PageTimeout: time.Minute, MaxRetries: 5}

			// The bound: the client alone.
			client, err := qualys.NewClient(qualys.Options{APIURL: ts.URL, Username: user, Password: secret.New(pass), Concurrency: 2})
			if err != nil {
				b.Fatal(err)
			}
			walkStart := time.Now()
			walked := 0
			for h, err := range client.VMDR.DetectionsParallel(b.Context(), qualys.AllDetections(), []qualys.IDRange{{Max: truth.HostIDs[len(truth.HostIDs)/2]}, {Min: truth.HostIDs[len(truth.HostIDs)/2] + 1}}, 2) {
				if err != nil {
					b.Fatal(err)
				}
				walked += len(h.Host.Detections)
			}
			walkRate := float64(walked) / time.Since(walkStart).Seconds()
			if walked != truth.Detections.Total {
				b.Fatalf("walked %d detections, truth %d", walked, truth.Detections.Total)
			}

			b.ReportAllocs()
			var elapsed time.Duration
			for i := 0; b.Loop(); i++ {
				p.DB = dbFlags{File: filepath.Join(b.TempDir(), fmt.Sprintf("b%d.db", i))}
				p.Source = "kb"
				if _, err := runSync(b.Context(), g, g.logger(), p); err != nil {
					b.Fatal(err)
				}
				p.Source = "vmdr"
				start := time.Now()
				sum, err := runSync(b.Context(), g, g.logger(), p)
				elapsed += time.Since(start)
				if err != nil {
					b.Fatal(err)
				}
				if sum.Findings.Seen != int64(truth.Detections.Total) {
					b.Fatalf("findings %d, want %d", sum.Findings.Seen, truth.Detections.Total)
				}
			}
			secs := elapsed.Seconds()
			rate := float64(truth.Detections.Total*b.N) / secs
			b.ReportMetric(rate, "detections/s")
			b.ReportMetric(float64(truth.Hosts*b.N)/secs, "hosts/s")
			b.ReportMetric(walkRate, "client-only-detections/s")
			b.ReportMetric(rate/walkRate, "share-of-client-speed")
		})
	}
}
