package qualys

import (
	"errors"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/qflow/qflow/internal/qualyssim"
	"github.com/qflow/qflow/internal/secret"
)

// detectionCall is one host list detection request: its id_min and id_max
// (0: not sent).
type detectionCall struct{ min, max int64 }

// startRecordedVMSim is startVMSim with the detection calls recorded and
// spool files in their own folder.
func startRecordedVMSim(t *testing.T, cfg qualyssim.Config) (*qualyssim.Server, *Client, func() []detectionCall, string) {
	t.Helper()
	srv, err := qualyssim.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	var (
		mu    sync.Mutex
		calls []detectionCall
	)
	hs := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if strings.HasSuffix(r.URL.Path, "/vm/detection/") {
			_ = r.ParseForm()
			lo, _ := strconv.ParseInt(r.Form.Get("id_min"), 10, 64)
			hi, _ := strconv.ParseInt(r.Form.Get("id_max"), 10, 64)
			mu.Lock()
			calls = append(calls, detectionCall{lo, hi})
			mu.Unlock()
			r.Body = http.NoBody
			r.URL.RawQuery = url.Values(r.Form).Encode() // the form, read above, travels in the query
		}
		srv.ServeHTTP(w, r)
	}))
	t.Cleanup(hs.Close)
	dir := t.TempDir()
	user, pass := srv.Credentials()
	c, err := NewClient(Options{GatewayURL: hs.URL, APIURL: hs.URL, Username: user, Password: secret.New(pass), MaxRetries: 10, PageTimeout: 30 * time.Second, SpoolDir: dir})
	if err != nil {
		t.Fatal(err)
	}
	fastRetries(c)
	return srv, c, func() []detectionCall {
		mu.Lock()
		defer mu.Unlock()
		return slices.Clone(calls)
	}, dir
}

// DetectionsUntil walks from a host ID with no upper bound until one is
// set: it then yields no host above the bound, asks for no page past it,
// and ends; every host up to the bound comes exactly once. It fetches each
// next page while the current one is read, and leaves no spool file.
func TestDetectionsUntil(t *testing.T) {
	t.Parallel()
	const page = 50
	for _, tc := range []struct {
		name string
		// setAt is the number of hosts yielded when the bound is set (-1:
		// never); the bound is then the ID of the host at boundAt in the
		// host list.
		setAt, boundAt int
		from           int // index of the first host in the host list
	}{
		{name: "no bound", setAt: -1},
		{name: "bound in the page being read", setAt: 10, boundAt: 30},
		{name: "bound in the page fetched ahead", setAt: 10, boundAt: 80},
		{name: "bound several pages ahead", setAt: 60, boundAt: 333},
		{name: "bound below what was yielded", setAt: 60, boundAt: 40},
		{name: "bound before the walk", setAt: 0, boundAt: 120},
		{name: "from a host, bound later", from: 101, setAt: 20, boundAt: 260},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			srv, c, calls, dir := startRecordedVMSim(t, qualyssim.Config{Hosts: 400, Assets: 40, Seed: 7})
			ids := srv.Truth().HostIDs
			q := AllDetections()
			q.TruncationLimit = page
			var bound atomic.Int64
			from := int64(0)
			if tc.from > 0 {
				from = ids[tc.from]
			}
			if tc.setAt == 0 {
				bound.Store(ids[tc.boundAt])
			}
			var got []int64
			var at time.Time
			before := 0
			for h, err := range c.VMDR.DetectionsUntil(t.Context(), q, from, bound.Load, func(t time.Time) { at = t }) {
				if err != nil {
					t.Fatal(err)
				}
				if len(got) == tc.setAt {
					bound.Store(ids[tc.boundAt])
					before = len(calls()) // asked for before the bound was known
				}
				got = append(got, h.ID)
			}
			if at.IsZero() {
				t.Error("onDateTime was not called")
			}
			// What must have come: the hosts yielded before the bound was
			// set, then every detection host up to the bound.
			var all []int64
			for _, id := range detectionHosts(t, srv) {
				if id >= from {
					all = append(all, id)
				}
			}
			want := all
			if tc.setAt >= 0 {
				b := ids[tc.boundAt]
				want = slices.Clone(all[:tc.setAt+1])
				if tc.setAt == 0 {
					want = nil
				}
				for _, id := range all[len(want):] {
					if id <= b {
						want = append(want, id)
					}
				}
			}
			if !slices.Equal(got, want) {
				t.Errorf("yielded %d hosts (%v…), want %d (%v…)", len(got), head(got), len(want), head(want))
			}
			// At most the page fetched ahead before the bound was set (its
			// request may reach the server later) is past the bound.
			past := 0
			for _, cl := range calls()[before:] {
				if bound.Load() > 0 && cl.min > bound.Load() {
					past++
				}
			}
			if past > 1 {
				t.Errorf("%d pages asked for past the bound %d once it was set: %v", past, bound.Load(), calls()[before:])
			}
			if tc.setAt < 0 {
				if n, pages := len(calls()), (len(want)+page-1)/page; n != pages {
					t.Errorf("%d detection calls for %d pages", n, pages)
				}
			}
			if left := spoolFiles(t, dir); len(left) > 0 {
				t.Errorf("spool files left: %v", left)
			}
		})
	}
}

// detectionHosts returns the sorted IDs of the hosts the detection list
// returns (hosts with at least one detection).
func detectionHosts(t *testing.T, srv *qualyssim.Server) []int64 {
	t.Helper()
	hs := httptest.NewServer(srv)
	defer hs.Close()
	user, pass := srv.Credentials()
	c, err := NewClient(Options{APIURL: hs.URL, Username: user, Password: secret.New(pass)})
	if err != nil {
		t.Fatal(err)
	}
	var out []int64
	for h, err := range c.VMDR.Detections(t.Context(), AllDetections(), IDRange{}) {
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, h.ID)
	}
	return out
}

func head(ids []int64) []int64 { return ids[:min(len(ids), 3)] }

// Stopping a walk while the next page is fetched ahead cancels that fetch
// and removes its spool file.
func TestDetectionsUntilStopWhileFetchingAhead(t *testing.T) {
	t.Parallel()
	_, c, calls, dir := startRecordedVMSim(t, qualyssim.Config{Hosts: 300, Assets: 30, Seed: 3, Latency: qualyssim.Latency{Base: 50 * time.Millisecond}})
	q := AllDetections()
	q.TruncationLimit = 40
	n := 0
	for _, err := range c.VMDR.DetectionsUntil(t.Context(), q, 0, func() int64 { return 0 }, nil) {
		if err != nil {
			t.Fatal(err)
		}
		if n++; n == 1 {
			// The next page is asked for while this one is read.
			deadline := time.Now().Add(30 * time.Second)
			for len(calls()) < 2 && time.Now().Before(deadline) {
				time.Sleep(time.Millisecond)
			}
			if len(calls()) != 2 {
				t.Fatalf("%d detection calls while the first page is read, want 2: no page fetched ahead", len(calls()))
			}
		}
		if n == 5 {
			break
		}
	}
	if left := spoolFiles(t, dir); len(left) > 0 {
		t.Errorf("spool files left: %v", left)
	}
}

// About checks the credentials with the version document: no data call,
// and a wrong password is an error that names the fix, not retried, that
// does not show the password.
func TestAbout(t *testing.T) {
	t.Parallel()
	srv, c := startVMSim(t, qualyssim.Config{Assets: 10, Seed: 1})
	if err := c.VMDR.About(t.Context()); err != nil {
		t.Fatal(err)
	}
	if st := srv.Stats(); st.Calls["GET /msp/about.php"] != 1 || len(st.Calls) != 1 {
		t.Errorf("simulator calls %v, want one about.php", st.Calls)
	}
	const wrong = "definitely-wrong-pw"
	_, bad := startVMSim(t, qualyssim.Config{Assets: 10, Seed: 1}, func(o *Options) { o.Password = secret.New(wrong) })
	err := bad.VMDR.About(t.Context())
	var ae *AuthError
	var api *APIError
	switch {
	case err == nil:
		t.Fatal("a wrong password was accepted")
	case !errors.As(err, &ae) && !errors.As(err, &api):
		t.Errorf("err = %v (%T), want an *AuthError or *APIError", err, err)
	case strings.Contains(err.Error(), wrong):
		t.Errorf("error leaks the password: %v", err)
	}
	if st := bad.Stats(); st.Calls != 1 {
		t.Errorf("a refused login was retried: %+v", st)
	}
}

// A bound set while a page is on its way keeps the walk from fetching the
// next page ahead when that page is past the bound.
func TestDetectionsUntilNoFetchAheadPastBound(t *testing.T) {
	t.Parallel()
	srv, c, calls, dir := startRecordedVMSim(t, qualyssim.Config{Hosts: 300, Assets: 30, Seed: 3})
	ids := srv.Truth().HostIDs
	q := AllDetections()
	q.TruncationLimit = 50
	// Set once the first request has reached the server: inside its page.
	bound := func() int64 {
		if len(calls()) > 0 {
			return ids[30]
		}
		return 0
	}
	n := 0
	for h, err := range c.VMDR.DetectionsUntil(t.Context(), q, 0, bound, nil) {
		if err != nil {
			t.Fatal(err)
		}
		if h.ID > ids[30] {
			t.Errorf("host %d above the bound %d", h.ID, ids[30])
		}
		n++
	}
	if n == 0 {
		t.Fatal("no host")
	}
	if got := calls(); len(got) != 1 {
		t.Errorf("detection calls %v, want the first page alone", got)
	}
	if left := spoolFiles(t, dir); len(left) > 0 {
		t.Errorf("spool files left: %v", left)
	}
}
