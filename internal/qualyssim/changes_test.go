package qualyssim

import (
	"cmp"
	"encoding/json"
	"encoding/xml"
	"net/http"
	"net/url"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/qflow/qflow/internal/testscale"
)

// chgHost and chgDet are what a client keys and diffs detections by.
type (
	chgHost struct {
		ID   int64    `xml:"ID"`
		Dets []chgDet `xml:"DETECTION_LIST>DETECTION"`
	}
	chgDet struct {
		QID      int     `xml:"QID"`
		Type     string  `xml:"TYPE"`
		Port     *int    `xml:"PORT"`
		Protocol *string `xml:"PROTOCOL"`
		SSL      *int    `xml:"SSL"`
		Status   string  `xml:"STATUS"`
	}
	chgKey struct {
		qid, port int
	}
)

// ref names d of host id from its XML elements alone.
func (d chgDet) ref(t *testing.T, id int64) FindingRef {
	t.Helper()
	if (d.Port == nil) != (d.Protocol == nil) || d.SSL == nil || (*d.SSL != 0 && *d.SSL != 1) {
		t.Fatalf("host %d QID %d: PORT %v, PROTOCOL %v, SSL %v", id, d.QID, d.Port, d.Protocol, d.SSL)
	}
	f := FindingRef{HostID: id, QID: d.QID, SSL: *d.SSL == 1}
	if d.Port != nil {
		f.Port, f.Protocol = *d.Port, *d.Protocol
		if f.Port == 0 {
			t.Fatalf("host %d QID %d: PORT 0", id, d.QID)
		}
	}
	return f
}

func (d chgDet) key() chgKey {
	k := chgKey{qid: d.QID}
	if d.Port != nil {
		k.port = *d.Port
	}
	return k
}

// hldAll returns every detection (all statuses, Info, ignored and disabled)
// of the hosts one HLD call lists; extra adds parameters (ids, vm_processed_after).
func hldAll(t *testing.T, get func(url.Values) (*http.Response, []byte), extra url.Values) []chgHost {
	t.Helper()
	q := allDets()
	q.Set("truncation_limit", "0")
	q.Set("show_results", "0")
	for k, v := range extra {
		q[k] = v
	}
	resp, b := get(q)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("HLD: %d %.300s", resp.StatusCode, b)
	}
	var doc struct {
		Hosts   []chgHost `xml:"RESPONSE>HOST_LIST>HOST"`
		Warning *struct{} `xml:"RESPONSE>WARNING"`
	}
	if err := xml.Unmarshal(b, &doc); err != nil {
		t.Fatalf("HLD: %v", err)
	}
	if doc.Warning != nil {
		t.Fatal("HLD with truncation_limit=0 is truncated")
	}
	return doc.Hosts
}

// idList is an ids parameter naming hosts.
func idList(ids []int64) url.Values {
	s := make([]string, len(ids))
	for k, id := range ids {
		s[k] = itoa(id)
	}
	return url.Values{"ids": {strings.Join(s, ",")}}
}

// clientView is what a client holds: each host's detections by (QID, port).
type clientView map[int64]map[chgKey]chgDet

func (v clientView) load(hosts []chgHost) {
	for _, h := range hosts {
		m := map[chgKey]chgDet{}
		for _, d := range h.Dets {
			m[d.key()] = d
		}
		v[h.ID] = m
	}
}

// clientDiff is the change feed a client computes when it reads the
// rescanned hosts cur while holding prev.
func clientDiff(t *testing.T, prev clientView, cur []chgHost) EpochChanges {
	t.Helper()
	c := EpochChanges{NewFindings: []FindingRef{}, FixedFindings: []FindingRef{}, ReopenedFindings: []FindingRef{}}
	for _, h := range cur {
		for _, d := range h.Dets {
			was, ok := prev[h.ID][d.key()]
			switch {
			case !ok:
				c.NewFindings = append(c.NewFindings, d.ref(t, h.ID))
			case d.Status == "Fixed" && (was.Status == "New" || was.Status == "Active" || was.Status == "Re-Opened"):
				c.FixedFindings = append(c.FixedFindings, d.ref(t, h.ID))
			case d.Status == "Re-Opened" && was.Status == "Fixed":
				c.ReopenedFindings = append(c.ReopenedFindings, d.ref(t, h.ID))
			}
		}
	}
	for _, l := range []*[]FindingRef{&c.NewFindings, &c.FixedFindings, &c.ReopenedFindings} {
		slices.SortFunc(*l, cmpFinding)
	}
	return c
}

func cmpFinding(a, b FindingRef) int {
	return cmp.Or(cmp.Compare(a.HostID, b.HostID), cmp.Compare(a.QID, b.QID), cmp.Compare(a.Port, b.Port))
}

// checkChanges compares the truth's changes with the client's diff and
// checks their order and that each kind of change happened.
func checkChanges(t *testing.T, label string, got, want EpochChanges) {
	t.Helper()
	lists := func(c EpochChanges) [3][]FindingRef {
		return [3][]FindingRef{c.NewFindings, c.FixedFindings, c.ReopenedFindings}
	}
	g, w := lists(got), lists(want)
	for k, name := range []string{"new", "fixed", "reopened"} {
		if g[k] == nil {
			t.Errorf("%s: %s findings nil", label, name)
		}
		for j := 1; j < len(g[k]); j++ {
			if cmpFinding(g[k][j-1], g[k][j]) >= 0 {
				t.Errorf("%s: %s findings not in strict host, QID, port order: %+v before %+v", label, name, g[k][j-1], g[k][j])
			}
		}
		if len(w[k]) == 0 {
			t.Errorf("%s: no %s findings", label, name)
		}
		if !reflect.DeepEqual(g[k], w[k]) {
			t.Errorf("%s: truth has %d %s findings, the client sees %d", label, len(g[k]), name, len(w[k]))
			for _, f := range g[k] {
				if !slices.Contains(w[k], f) {
					t.Logf("  only in truth: %+v", f)
				}
			}
			for _, f := range w[k] {
				if !slices.Contains(g[k], f) {
					t.Logf("  only seen by the client: %+v", f)
				}
			}
		}
	}
}

// fetchTruth reads /_sim/truth over HTTP.
func fetchTruth(t *testing.T, e *vmEnv) (Truth, []byte) {
	t.Helper()
	resp, b := e.do(mustReq(t, "GET", e.srv.URL+"/_sim/truth"))
	var tr Truth
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("/_sim/truth: %d", resp.StatusCode)
	}
	if err := json.Unmarshal(b, &tr); err != nil {
		t.Fatalf("/_sim/truth: %v", err)
	}
	return tr, b
}

// The changes of an epoch are exactly what a client that held the previous
// epoch's detections sees when it reads the rescanned hosts: the HLD output
// of those hosts at the previous epoch (a server started there) diffed with
// what vm_processed_after=<previous DATETIME> returns after the advance.
func TestTruthChangesMatchHLD(t *testing.T) {
	t.Parallel()
	cfg := Config{Assets: testscale.N(t, 100, 300), Seed: 5}
	e := newVMEnv(t, cfg)
	tr, raw := fetchTruth(t, e)
	var shape struct {
		Changes map[string]json.RawMessage `json:"changes"`
	}
	if err := json.Unmarshal(raw, &shape); err != nil {
		t.Fatal(err)
	}
	for _, k := range []string{"new_findings", "fixed_findings", "reopened_findings"} {
		if string(shape.Changes[k]) != "[]" {
			t.Errorf("epoch 0: changes.%s = %s, want []", k, shape.Changes[k])
		}
	}
	if len(shape.Changes) != 3 {
		t.Errorf("epoch 0: changes = %v", shape.Changes)
	}

	var portless, ported int
	for epoch := 1; epoch <= 2; epoch++ {
		since := tr.DateTime
		if resp, b := e.do(mustReq(t, "POST", e.srv.URL+"/_sim/advance")); resp.StatusCode != http.StatusOK {
			t.Fatalf("advance: %d %s", resp.StatusCode, b)
		}
		tr, _ = fetchTruth(t, e)
		if tr.Epoch != epoch || len(tr.ChangedHostIDs) == 0 {
			t.Fatalf("epoch %d (want %d), %d changed hosts", tr.Epoch, epoch, len(tr.ChangedHostIDs))
		}
		cur := hldAll(t, func(q url.Values) (*http.Response, []byte) { return e.call("GET", pathHLD, q, nil) },
			url.Values{"vm_processed_after": {since}})
		ids := make([]int64, len(cur))
		for k, h := range cur {
			ids[k] = h.ID
		}
		if !slices.Equal(ids, tr.ChangedHostIDs) {
			t.Fatalf("epoch %d: %d hosts processed after %s, %d changed", epoch, len(ids), since, len(tr.ChangedHostIDs))
		}
		pcfg := cfg
		pcfg.Epoch = epoch - 1
		pe := newVMEnv(t, pcfg)
		held := clientView{}
		held.load(hldAll(t, func(q url.Values) (*http.Response, []byte) { return pe.call("GET", pathHLD, q, nil) }, idList(ids)))
		checkChanges(t, "epoch "+itoa(int64(epoch)), tr.Changes, clientDiff(t, held, cur))
		for _, l := range [][]FindingRef{tr.Changes.NewFindings, tr.Changes.FixedFindings, tr.Changes.ReopenedFindings} {
			for _, f := range l {
				switch {
				case f.Port == 0 && f.Protocol == "" && !f.SSL:
					portless++
				case f.Port != 0 && (f.Protocol == "tcp" || f.Protocol == "udp"):
					ported++
				default:
					t.Errorf("epoch %d: finding %+v", epoch, f)
				}
			}
		}
	}
	if portless == 0 || ported == 0 {
		t.Errorf("%d findings without a port, %d with one", portless, ported)
	}
	// A port-less finding has no port, protocol or ssl key.
	if b, _ := json.Marshal(FindingRef{HostID: 1000001, QID: 38170}); string(b) != `{"host_id":1000001,"qid":38170}` {
		t.Errorf("port-less FindingRef: %s", b)
	}
	// clone copies the lists.
	c := tr.clone()
	c.Changes.NewFindings[0].QID = -1
	if tr.Changes.NewFindings[0].QID == -1 {
		t.Error("clone shares Changes.NewFindings")
	}
}

// Stuck hosts are left out of the changes; the other hosts' are unchanged.
func TestTruthChangesLeaveOutStuckHosts(t *testing.T) {
	t.Parallel()
	cfg := Config{Assets: 300, Seed: 5, Epoch: 1}
	plain, err := TruthFor(cfg)
	if err != nil {
		t.Fatal(err)
	}
	cfg.Faults.StuckHosts = 40
	stuck, err := TruthFor(cfg)
	if err != nil {
		t.Fatal(err)
	}
	drop := func(l []FindingRef) []FindingRef {
		return slices.DeleteFunc(slices.Clone(l), func(f FindingRef) bool { return slices.Contains(stuck.StuckHosts, f.HostID) })
	}
	want := EpochChanges{NewFindings: drop(plain.Changes.NewFindings), FixedFindings: drop(plain.Changes.FixedFindings),
		ReopenedFindings: drop(plain.Changes.ReopenedFindings)}
	if !reflect.DeepEqual(stuck.Changes, want) {
		t.Error("with stuck hosts, the changes are not those of the others")
	}
	if reflect.DeepEqual(stuck.Changes, plain.Changes) {
		t.Error("no stuck host had a change: the test proves nothing")
	}
}

// With several subscriptions each one's changes are what its own client
// sees, and the top-level lists concatenate them.
func TestTruthChangesSubscriptions(t *testing.T) {
	t.Parallel()
	cfg := Config{Assets: testscale.N(t, 60, 150), Subscriptions: 2, Overlap: 0.5, Seed: 11}
	e, old := newMultiEnv(t, cfg), newMultiEnv(t, cfg)
	before := e.sim.Truth()
	if _, err := e.sim.Advance(); err != nil {
		t.Fatal(err)
	}
	tr := e.sim.Truth()
	if len(tr.Subscriptions) != 2 {
		t.Fatalf("%d subscriptions", len(tr.Subscriptions))
	}
	getter := func(e *multiEnv, user string) func(url.Values) (*http.Response, []byte) {
		return func(q url.Values) (*http.Response, []byte) { return e.api(user, DefaultPassword, pathHLD, q) }
	}
	var want EpochChanges
	for _, st := range tr.Subscriptions {
		held := clientView{}
		held.load(hldAll(t, getter(old, st.Username), idList(st.ChangedHostIDs)))
		cur := hldAll(t, getter(e, st.Username), url.Values{"vm_processed_after": {before.DateTime}})
		checkChanges(t, st.Username, st.Changes, clientDiff(t, held, cur))
		want.NewFindings = append(want.NewFindings, st.Changes.NewFindings...)
		want.FixedFindings = append(want.FixedFindings, st.Changes.FixedFindings...)
		want.ReopenedFindings = append(want.ReopenedFindings, st.Changes.ReopenedFindings...)
	}
	if !reflect.DeepEqual(tr.Changes, want) {
		t.Error("top-level changes are not the subscriptions' concatenated")
	}
	checkChanges(t, "top level", tr.Changes, want)
	for _, c := range []EpochChanges{before.Changes, before.Subscriptions[0].Changes, before.Subscriptions[1].Changes} {
		if c.NewFindings == nil || c.FixedFindings == nil || c.ReopenedFindings == nil ||
			len(c.NewFindings)+len(c.FixedFindings)+len(c.ReopenedFindings) != 0 {
			t.Errorf("epoch 0 changes: %+v", c)
		}
	}
}

// generatePair's previous epoch is what generate returns for it, from the
// host record of either epoch.
func TestGeneratePairMatchesGenerate(t *testing.T) {
	t.Parallel()
	cfg, _ := Config{Assets: 120, Seed: 3}.withDefaults()
	_, vms, err := buildWorld(cfg)
	if err != nil {
		t.Fatal(err)
	}
	vm := vms[0]
	g, dg, dg2 := newGen(vm.ds), newDetGen(vm), newDetGen(vm)
	var hr, hrPrev hostRec
	for n := 1; n <= 4; n++ {
		e, ep := vm.epochAt(n), vm.epochAt(n-1)
		for h := range vm.hosts {
			vm.loadHost(&hr, g, h, e)
			prev, cur := dg.generatePair(&hr, n)
			vm.loadHost(&hrPrev, g, h, ep)
			if want := dg2.generate(&hrPrev, n-1); !reflect.DeepEqual(prev, want) {
				t.Fatalf("epoch %d host %d: previous epoch differs from generate", n, vm.hosts[h].id)
			}
			if want := dg2.generate(&hr, n); !reflect.DeepEqual(cur, want) {
				t.Fatalf("epoch %d host %d: current epoch differs from generate", n, vm.hosts[h].id)
			}
		}
	}
}
