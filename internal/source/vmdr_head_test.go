package source

import (
	"errors"
	"net/http"
	"net/http/httptest"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/qflow/qflow/internal/qualys"
	"github.com/qflow/qflow/internal/qualyssim"
	"github.com/qflow/qflow/internal/secret"
	sy "github.com/qflow/qflow/internal/sync"
)

// cursor applies what Extract emits as the engine does (Split, Position,
// PartitionDone, ServerTime), counting each host it accepts; failAfter
// makes emit fail once that many hosts of split-off partitions came.
type cursor struct {
	t         *testing.T
	mu        sync.Mutex
	parts     []sy.Partition
	hosts     map[string]int
	server    time.Time
	splits    int
	failAfter int // hosts of split-off partitions before emit fails once (0: never)
	fromSplit int
	failHead  int // the same for the head's hosts
	fromHead  int
	noClock   bool   // the source reports no server time (CSAM)
	onSplit   func() // called after a record that splits partitions off
}

var errStop = errors.New("stopped by the test")

func (c *cursor) emit(r sy.Record) error {
	if len(r.Split) > 0 && c.onSplit != nil {
		defer c.onSplit()
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	idx := slices.IndexFunc(c.parts, func(p sy.Partition) bool { return p.ID == r.Partition })
	if idx < 0 {
		c.t.Errorf("record %q of partition %q, which was never announced", r.Key, r.Partition)
		return nil
	}
	if r.Raw != nil && r.Partition != headPartition {
		if c.fromSplit++; c.failAfter > 0 && c.fromSplit == c.failAfter {
			return errStop
		}
	}
	if r.Raw != nil && r.Partition == headPartition {
		if c.fromHead++; c.failHead > 0 && c.fromHead == c.failHead {
			return errStop
		}
	}
	if !r.ServerTime.IsZero() && (c.server.IsZero() || r.ServerTime.Before(c.server)) {
		c.server = r.ServerTime
	}
	if r.Raw != nil && c.server.IsZero() && !c.noClock {
		c.t.Errorf("host %s came before any server time was reported", r.Key)
	}
	for _, np := range r.Split {
		if slices.ContainsFunc(c.parts, func(p sy.Partition) bool { return p.ID == np.ID }) {
			c.t.Errorf("partition %q split off twice", np.ID)
		}
		c.parts = append(c.parts, np)
		c.splits++
	}
	p := &c.parts[idx]
	switch {
	case r.PartitionDone:
		p.Done = true
	case r.Raw != nil:
		c.hosts[r.Key]++
		p.Position = r.Position
	}
	return nil
}

// run extracts until no partition is pending, as the engine would across
// restarts: after the test's stop in the head (failHead) the head must be
// pending with its position, and resume is called before the next
// extraction; after the stop in the split-off partitions (failAfter) the
// head must be done.
func (c *cursor) run(t *testing.T, extract func(parts []sy.Partition, emit func(sy.Record) error) error, resume func()) {
	t.Helper()
	err := extract(c.pending(), c.emit)
	if c.failHead > 0 {
		if !errors.Is(err, errStop) {
			t.Fatalf("Extract = %v, want the test's stop", err)
		}
		p := c.pending()
		if len(p) != 1 || p[0].ID != headPartition || p[0].Position == "" {
			t.Fatalf("pending after a stop in the head: %+v; want the head, with its position", p)
		}
		c.failHead = 0
		resume()
		err = extract(c.pending(), c.emit)
	}
	if c.failAfter > 0 {
		if !errors.Is(err, errStop) {
			t.Fatalf("Extract = %v, want the test's stop", err)
		}
		if slices.ContainsFunc(c.pending(), func(p sy.Partition) bool { return p.ID == headPartition }) {
			t.Fatal("the head is still pending after the split")
		}
		c.failAfter = 0
		err = extract(c.pending(), c.emit)
	}
	if err != nil {
		t.Fatal(err)
	}
	if p := c.pending(); len(p) != 0 {
		t.Errorf("partitions not done: %+v", p)
	}
}

// exactlyOnce checks that the records accepted are the keys of want, each
// once.
func (c *cursor) exactlyOnce(want []string, what string) {
	c.t.Helper()
	for _, k := range want {
		if c.hosts[k] != 1 {
			c.t.Errorf("%s %s came %d times, want 1", what, k, c.hosts[k])
		}
	}
	if len(c.hosts) != len(want) {
		c.t.Errorf("%d %ss, want %d", len(c.hosts), what, len(want))
	}
}

func (c *cursor) pending() []sy.Partition {
	var out []sy.Partition
	for _, p := range c.parts {
		if !p.Done {
			out = append(out, p)
		}
	}
	return out
}

// listFirst holds every detection call until the host list has been
// answered, so that the head is split while its first page is on its way.
func listFirst(h http.Handler) http.Handler {
	listed := make(chan struct{})
	var once sync.Once
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch {
		case strings.HasSuffix(r.URL.Path, "/vm/detection/"):
			select {
			case <-listed:
			case <-r.Context().Done():
				return
			}
		case r.URL.Path == "/api/2.0/fo/asset/host/":
			h.ServeHTTP(w, r)
			once.Do(func() { close(listed) })
			return
		}
		h.ServeHTTP(w, r)
	})
}

// holdWhere holds the requests match selects until release is closed or,
// with wait > 0, that long has passed.
func holdWhere(h http.Handler, release <-chan struct{}, wait time.Duration, match func(*http.Request) bool) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if match(r) {
			var timeout <-chan time.Time
			if wait > 0 {
				timeout = time.After(wait)
			}
			select {
			case <-release:
			case <-timeout:
			case <-r.Context().Done():
				return
			}
		}
		h.ServeHTTP(w, r)
	})
}

// holdList holds the host list calls until release is closed.
func holdList(h http.Handler, release <-chan struct{}) http.Handler {
	return holdWhere(h, release, 0, func(r *http.Request) bool { return r.URL.Path == "/api/2.0/fo/asset/host/" })
}

// A VMDR run starts with the head partition and, once the host list is in,
// hands the rest to host-ID ranges with one Split record: every detection
// host comes exactly once, no record precedes the announcement of its
// partition or a server time, and a run stopped in the ranges resumes from
// the saved partitions without reading a host twice.
func TestVMDRHeadSplits(t *testing.T) {
	for _, tc := range []struct {
		name      string
		listFirst bool // the host list is answered before any detection page
		failAfter int  // stop after this many hosts of the split-off ranges, then resume
		failHead  int  // stop after this many hosts of the head, before the list came, then resume
	}{
		{name: "list first", listFirst: true},
		{name: "pages and list together"},
		{name: "resumed in the ranges", listFirst: true, failAfter: 35},
		{name: "resumed in the head", failHead: 45},
	} {
		t.Run(tc.name, func(t *testing.T) {
			srv, err := qualyssim.New(qualyssim.Config{Hosts: 240, Assets: 20, Seed: 4})
			if err != nil {
				t.Fatal(err)
			}
			var h http.Handler = srv
			release := make(chan struct{})
			switch {
			case tc.listFirst:
				h = listFirst(srv)
			case tc.failHead > 0:
				h = holdList(srv, release)
			default:
				close(release)
			}
			hs := httptest.NewServer(h)
			t.Cleanup(hs.Close)
			user, pass := srv.Credentials()
			c, err := qualys.NewClient(qualys.Options{APIURL: hs.URL, Username: user, Password: secret.New(pass), PageTimeout: 30 * time.Second})
			if err != nil {
				t.Fatal(err)
			}
			src := NewVMDR(c, VMDROptions{PageSize: 20, Parallel: 2})
			parts, err := src.Plan(t.Context(), time.Time{})
			if err != nil || len(parts) != 1 || parts[0].ID != headPartition {
				t.Fatalf("Plan = %v, %v; want the head alone", parts, err)
			}
			cur := &cursor{t: t, parts: parts, hosts: map[string]int{}, failAfter: tc.failAfter, failHead: tc.failHead}
			cur.run(t, func(parts []sy.Partition, emit func(sy.Record) error) error {
				return src.Extract(t.Context(), time.Time{}, parts, emit)
			}, func() { close(release) })
			if tc.listFirst && cur.splits < 2 {
				t.Errorf("%d partitions split off, want the head's remainder and ranges", cur.splits)
			}
			var want []string
			for h, err := range c.VMDR.Detections(t.Context(), qualys.AllDetections(), qualys.IDRange{}) {
				if err != nil {
					t.Fatal(err)
				}
				want = append(want, strconv.FormatInt(h.ID, 10))
			}
			cur.exactlyOnce(want, "host")
			if got := src.LiveTotal(); tc.listFirst && got != int64(srv.Truth().Hosts) {
				t.Errorf("LiveTotal = %d, want the %d listed hosts", got, srv.Truth().Hosts)
			}
		})
	}
}
