package store_test

import (
	"context"
	"fmt"
	"net/http/httptest"
	"path/filepath"
	"runtime"
	gosync "sync"
	"testing"
	"time"

	"github.com/qflow/qflow/internal/load"
	"github.com/qflow/qflow/internal/model"
	"github.com/qflow/qflow/internal/qualys"
	"github.com/qflow/qflow/internal/qualyssim"
	"github.com/qflow/qflow/internal/secret"
	"github.com/qflow/qflow/internal/source"
	"github.com/qflow/qflow/internal/store"
	"github.com/qflow/qflow/internal/store/postgres"
	"github.com/qflow/qflow/internal/store/postgres/pgtest"
	"github.com/qflow/qflow/internal/store/sqlite"
	"github.com/qflow/qflow/internal/sync"
	"github.com/qflow/qflow/internal/transform"
)

// recorded is a sync.Source replaying records captured once from a real
// source, so that a benchmark measures loading alone (no HTTP, no
// simulator latency), with the same bytes for every store.
type recorded struct {
	name    string
	parts   []sync.Partition
	records []sync.Record
}

func (r *recorded) Name() string { return r.name }
func (r *recorded) Calls() int64 { return 0 }
func (r *recorded) Total(context.Context, time.Time) (int64, error) {
	return int64(len(r.records)), nil
}
func (r *recorded) Plan(context.Context, time.Time) ([]sync.Partition, error) {
	return append([]sync.Partition(nil), r.parts...), nil
}
func (r *recorded) Extract(ctx context.Context, _ time.Time, _ []sync.Partition, emit func(sync.Record) error) error {
	for _, rec := range r.records {
		if err := emit(rec); err != nil {
			return err
		}
	}
	return nil
}

// record captures every record of one run of src.
func record(b *testing.B, src sync.Source) *recorded {
	b.Helper()
	parts, err := src.Plan(b.Context(), time.Time{})
	if err != nil {
		b.Fatal(err)
	}
	r := &recorded{name: src.Name(), parts: parts}
	var mu gosync.Mutex // Extract emits from a goroutine per partition
	err = src.Extract(b.Context(), time.Time{}, parts, func(rec sync.Record) error {
		rec.Raw = append([]byte(nil), rec.Raw...)
		mu.Lock()
		r.records = append(r.records, rec)
		mu.Unlock()
		return nil
	})
	if err != nil {
		b.Fatal(err)
	}
	return r
}

func compiled(b *testing.B, src model.Source) *transform.Compiled {
	b.Helper()
	data, err := transform.Default(src)
	if err != nil {
		b.Fatal(err)
	}
	c, err := transform.Load(data, "default", model.NewCatalog())
	if err != nil {
		b.Fatal(err)
	}
	return c
}

// BenchmarkLoad loads the same records (captured once from the simulator:
// CSAM assets with their software, the KnowledgeBase, VMDR hosts with their
// detections) into SQLite and into PostgreSQL through the engine and the
// load planner, and reports each store's speed: assets/s and installs/s
// for CSAM, hosts/s and detections/s for VMDR. Extraction is not measured:
// the records come from memory.
//
//	go test -run '^$' -bench Load -benchtime 3x ./internal/store/
func BenchmarkLoad(b *testing.B) {
	const assets, hosts = 2000, 2000
	truth, csam, kb, vmdr, maps := capture(b, assets, hosts)

	opens := []struct {
		name string
		open func(b *testing.B) store.Store
	}{
		{"sqlite", func(b *testing.B) store.Store {
			st, err := sqlite.Open(b.Context(), filepath.Join(b.TempDir(), "b.db"), nil)
			if err != nil {
				b.Fatal(err)
			}
			return st
		}},
		{"postgres", func(b *testing.B) store.Store {
			st, err := postgres.Open(b.Context(), pgtest.URL(b), nil)
			if err != nil {
				b.Fatal(err)
			}
			return st
		}},
	}
	// What each store loaded must be the same.
	var want [2]sync.Counts
	for _, o := range opens {
		b.Run("store="+o.name, func(b *testing.B) {
			var csamT, vmdrT time.Duration
			var c, v sync.Counts
			for b.Loop() {
				b.StopTimer()
				st := o.open(b)
				b.StartTimer()
				start := time.Now()
				c = runInto(b, st, csam, maps["csam"], 100).Counts
				csamT += time.Since(start)
				runInto(b, st, kb, maps["kb"], 500)
				start = time.Now()
				v = runInto(b, st, vmdr, maps["vmdr"], 25).Counts
				vmdrT += time.Since(start)
				b.StopTimer()
				st.Close()
				b.StartTimer()
			}
			if c.New == 0 || v.Findings.New == 0 || c.New+c.Quarantined != int64(truth.Assets)+int64(len(truth.MalformedAssetIDs)) {
				b.Fatalf("loaded %+v and %+v from %d assets, %d hosts", c, v, truth.Assets, truth.Hosts)
			}
			if want[0].New == 0 {
				want = [2]sync.Counts{c, v}
			} else if want != [2]sync.Counts{c, v} {
				b.Fatalf("%s loaded %+v %+v, the first store %+v %+v", o.name, c, v, want[0], want[1])
			}
			n := float64(b.N)
			b.ReportMetric(float64(c.New)*n/csamT.Seconds(), "assets/s")
			b.ReportMetric(float64(c.SoftwareInstalls)*n/csamT.Seconds(), "installs/s")
			b.ReportMetric(float64(v.New)*n/vmdrT.Seconds(), "hosts/s")
			b.ReportMetric(float64(v.Findings.New)*n/vmdrT.Seconds(), "detections/s")
		})
	}
}

// capture records one run of each source from a simulator of that size,
// and returns them with the simulator's truth and the default maps.
func capture(b *testing.B, assets, hosts int) (qualyssim.Truth, *recorded, *recorded, *recorded, map[string]*transform.Compiled) {
	b.Helper()
	srv, err := qualyssim.New(qualyssim.Config{Assets: assets, Hosts: hosts, Seed: 1})
	if err != nil {
		b.Fatal(err)
	}
	ts := httptest.NewServer(srv)
	defer ts.Close()
	user, pass := srv.Credentials()
	client, err := qualys.NewClient(qualys.Options{GatewayURL: ts.URL, APIURL: ts.URL, Username: user, Password: secret.New(pass), Concurrency: 2})
	if err != nil {
		b.Fatal(err)
	}
	csam := record(b, source.NewCSAM(client, source.CSAMOptions{PageSize: 300, Parallel: 2}))
	kb := record(b, source.NewKB(client))
	// The VMDR source joins the KnowledgeBase from a store: record it
	// against a store that holds it.
	kbStore, err := sqlite.Open(b.Context(), filepath.Join(b.TempDir(), "kb.db"), nil)
	if err != nil {
		b.Fatal(err)
	}
	defer kbStore.Close()
	runInto(b, kbStore, kb, compiled(b, model.SourceKB), 500)
	vmdr := record(b, source.NewVMDR(client, source.VMDROptions{PageSize: 1000, Parallel: 2, KB: kbStore}))
	maps := map[string]*transform.Compiled{"csam": compiled(b, model.SourceCSAM), "kb": compiled(b, model.SourceKB), "vmdr": compiled(b, model.SourceVMDR)}
	return srv.Truth(), csam, kb, vmdr, maps
}

// BenchmarkStages measures the two stages that run beside the writer, per
// record: the transform (raw JSON to a model.Record) and the preparation
// (encoding a transformed record's rows, load.Sink.Prepare). On a 2-core
// machine they share the second core with extraction and the garbage
// collector, so their CPU bounds a sync as much as the writer's.
//
//	go test -run '^$' -bench Stages -count 5 ./internal/store/
func BenchmarkStages(b *testing.B) {
	_, csam, _, vmdr, maps := capture(b, 200, 200)
	for _, src := range []*recorded{csam, vmdr} {
		tm := maps[src.name]
		var raws [][]byte
		for _, r := range src.records {
			if r.Raw != nil && r.Quarantine == "" {
				if _, err := tm.Apply(r.Raw); err == nil {
					raws = append(raws, r.Raw)
				}
			}
		}
		b.Run(src.name+"/transform", func(b *testing.B) {
			for b.Loop() {
				for _, raw := range raws {
					if _, err := tm.Apply(raw); err != nil {
						b.Fatal(err)
					}
				}
			}
			b.ReportMetric(b.Elapsed().Seconds()*1e6/float64(b.N*len(raws)), "µs/record")
		})
		b.Run(src.name+"/prepare", func(b *testing.B) {
			sink := load.New(nil, nil)
			var d time.Duration
			for b.Loop() {
				b.StopTimer()
				batch := &sync.Batch{}
				for _, raw := range raws {
					rec, _ := tm.Apply(raw)
					batch.Records = append(batch.Records, rec)
				}
				runtime.GC() // the transform's garbage is not the preparation's
				b.StartTimer()
				start := time.Now()
				sink.Prepare(batch)
				d += time.Since(start)
			}
			b.ReportMetric(d.Seconds()*1e6/float64(b.N*len(raws)), "µs/record")
		})
	}
}

// runInto runs one full sync of src into st, batch records per
// transaction (as qflow sync does per source).
func runInto(b *testing.B, st store.Store, src *recorded, tm *transform.Compiled, batch int) *sync.Run {
	b.Helper()
	eng, err := sync.New(sync.Options{Source: src, Store: load.New(st, nil), Transformer: tm, MapName: tm.Map().Name, MapHash: tm.Hash(),
		Mode: sync.ModeFull, BatchSize: batch})
	if err != nil {
		b.Fatal(err)
	}
	run, err := eng.Run(b.Context())
	if err != nil {
		b.Fatal(fmt.Errorf("load %s: %w", src.name, err))
	}
	return run
}
