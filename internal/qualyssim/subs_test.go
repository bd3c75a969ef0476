package qualyssim

import (
	"encoding/json"
	"encoding/xml"
	"io"
	"math"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"net/url"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/qflow/qflow/internal/testscale"
)

// multiEnv is a simulator with several subscriptions behind a real HTTP server.
type multiEnv struct {
	t   *testing.T
	sim *Server
	srv *httptest.Server
}

func newMultiEnv(t *testing.T, cfg Config) *multiEnv {
	t.Helper()
	sim, err := New(cfg)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	srv := httptest.NewServer(sim)
	t.Cleanup(srv.Close)
	return &multiEnv{t: t, sim: sim, srv: srv}
}

func (e *multiEnv) do(req *http.Request) (*http.Response, []byte) {
	e.t.Helper()
	resp, err := e.srv.Client().Do(req)
	if err != nil {
		e.t.Fatalf("%s %s: %v", req.Method, req.URL, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		e.t.Fatal(err)
	}
	return resp, b
}

// auth logs in at the gateway; it returns the status and the body (the JWT on success).
func (e *multiEnv) auth(user, pass string) (int, string) {
	e.t.Helper()
	req, _ := http.NewRequest(http.MethodPost, e.srv.URL+pathAuth, strings.NewReader(url.Values{"username": {user}, "password": {pass}}.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	resp, b := e.do(req)
	return resp.StatusCode, string(b)
}

func (e *multiEnv) token(user string) string {
	e.t.Helper()
	code, tok := e.auth(user, DefaultPassword)
	if code != http.StatusCreated {
		e.t.Fatalf("auth %s: %d %s", user, code, tok)
	}
	return tok
}

// gateway posts a CSAM call with a bearer token.
func (e *multiEnv) gateway(path, tok string, q url.Values) (*http.Response, []byte) {
	e.t.Helper()
	req, _ := http.NewRequest(http.MethodPost, e.srv.URL+path+"?"+q.Encode(), nil)
	req.Header.Set("Authorization", "Bearer "+tok)
	return e.do(req)
}

// searchAll walks every CSAM page of the token's subscription and returns the raw assets.
func (e *multiEnv) searchAll(tok string, fields string) []json.RawMessage {
	e.t.Helper()
	var out []json.RawMessage
	last := int64(0)
	for {
		q := url.Values{"pageSize": {"300"}, "lastSeenAssetId": {itoa(last)}}
		if fields != "" {
			q.Set("includeFields", fields)
		}
		resp, b := e.gateway(pathSearch, tok, q)
		if resp.StatusCode == http.StatusNoContent {
			return out
		}
		if resp.StatusCode != http.StatusOK {
			e.t.Fatalf("search: %d %s", resp.StatusCode, b)
		}
		p := decodePage(e.t, b)
		out = append(out, p.AssetListData.Asset...)
		last = p.LastSeenAssetID
		if string(p.HasMore) != "1" {
			return out
		}
	}
}

// api calls the API server with basic auth.
func (e *multiEnv) api(user, pass, path string, q url.Values) (*http.Response, []byte) {
	e.t.Helper()
	req, _ := http.NewRequest(http.MethodGet, e.srv.URL+path+"?"+q.Encode(), nil)
	req.SetBasicAuth(user, pass)
	req.Header.Set("X-Requested-With", "qflow-test")
	return e.do(req)
}

// identHost is what the identification rules read from a VMDR host.
type identHost struct {
	ID       int64  `xml:"ID"`
	AssetID  int64  `xml:"ASSET_ID"`
	QGHostID string `xml:"QG_HOSTID"`
	CloudID  string `xml:"CLOUD_RESOURCE_ID"`
	FQDN     string `xml:"DNS_DATA>FQDN"`
	Domain   string `xml:"DNS_DATA>DOMAIN"`
	NetBIOS  string `xml:"NETBIOS"`
}

// hostList returns every VMDR host of user's subscription (one page).
func (e *multiEnv) hostList(user string) []identHost {
	e.t.Helper()
	resp, b := e.api(user, DefaultPassword, "/api/5.0/fo/asset/host/", url.Values{"action": {"list"}, "truncation_limit": {"0"}, "show_asset_id": {"1"}})
	if resp.StatusCode != http.StatusOK {
		e.t.Fatalf("host list as %s: %d %s", user, resp.StatusCode, b)
	}
	var doc struct {
		Hosts []identHost `xml:"RESPONSE>HOST_LIST>HOST"`
	}
	if err := xml.Unmarshal(b, &doc); err != nil {
		e.t.Fatalf("host list: %v", err)
	}
	return doc.Hosts
}

func TestSubscriptionsConfig(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		cfg  Config
		want string
	}{
		{Config{Subscriptions: -1}, "subscriptions: -1 out of range 1..100"},
		{Config{Subscriptions: 101}, "subscriptions: 101 out of range"},
		{Config{Subscriptions: 2, Overlap: -0.1}, "overlap: -0.1 out of range 0..1"},
		{Config{Subscriptions: 2, Overlap: 1.5}, "overlap: 1.5 out of range"},
		{Config{Subscriptions: 2, Overlap: math.NaN()}, "overlap: NaN out of range"},
		{Config{Overlap: 0.2}, "overlap: 0.2 needs at least 2 subscriptions"},
		{Config{Subscriptions: 100, Assets: 100_000}, "the most with unique hardware identifiers"},
	} {
		_, err := New(tc.cfg)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("New(%+v) = %v, want an error with %q", tc.cfg, err, tc.want)
		}
		if _, err := TruthFor(tc.cfg); err == nil {
			t.Errorf("TruthFor(%+v) accepted", tc.cfg)
		}
	}
	s, err := New(Config{Assets: 5, Subscriptions: 3, Overlap: 1, Username: "acme"})
	if err != nil {
		t.Fatal(err)
	}
	if got := s.Usernames(); !slices.Equal(got, []string{"acme1", "acme2", "acme3"}) {
		t.Errorf("usernames %v", got)
	}
	if u, p := s.Credentials(); u != "acme1" || p != DefaultPassword {
		t.Errorf("credentials %s/%s", u, p)
	}
	one, _ := New(Config{Assets: 5})
	if got := one.Usernames(); !slices.Equal(got, []string{"qflow"}) {
		t.Errorf("one subscription: usernames %v", got)
	}
	if tr := one.Truth(); tr.Subscriptions != nil || tr.SharedMachines != 0 || tr.UnifiedAssets == 0 {
		t.Errorf("one subscription: truth has subscriptions %v, shared %d, unified %d", tr.Subscriptions, tr.SharedMachines, tr.UnifiedAssets)
	}
}

// Each subscription answers with its own data for its own credentials, on
// the gateway (JWT subject) and the API server (basic auth).
func TestSubscriptionsAuth(t *testing.T) {
	t.Parallel()
	e := newMultiEnv(t, Config{Assets: 80, Subscriptions: 3, Overlap: 0.5, Seed: 4})
	tr := e.sim.Truth()
	if len(tr.Subscriptions) != 3 {
		t.Fatalf("truth has %d subscriptions", len(tr.Subscriptions))
	}
	seen := map[int64]int{}
	for s, st := range tr.Subscriptions {
		user := "qflow" + strconv.Itoa(s+1)
		if st.Username != user {
			t.Errorf("subscription %d: username %q", s+1, st.Username)
		}
		tok := e.token(user)
		var got []int64
		for _, raw := range e.searchAll(tok, "assetId") {
			got = append(got, assetID(t, raw))
		}
		if !slices.Equal(got, st.AssetIDs) {
			t.Errorf("%s: search returned %d assets, truth %d", user, len(got), len(st.AssetIDs))
		}
		for _, id := range got {
			if o, ok := seen[id]; ok {
				t.Errorf("asset %d in subscriptions %d and %d", id, o+1, s+1)
			}
			seen[id] = s
		}
		resp, b := e.gateway(pathCount, tok, nil)
		if resp.StatusCode != http.StatusOK || !strings.Contains(string(b), `"count":`+strconv.Itoa(st.Assets)+"}") {
			t.Errorf("%s: count %d %s, want %d", user, resp.StatusCode, b, st.Assets)
		}
		var hosts []int64
		for _, h := range e.hostList(user) {
			hosts = append(hosts, h.ID)
			if h.AssetID != 0 && !slices.Contains(st.AssetIDs, h.AssetID) {
				t.Errorf("%s: host %d has ASSET_ID %d of another subscription", user, h.ID, h.AssetID)
			}
		}
		if !slices.Equal(hosts, st.HostIDs) {
			t.Errorf("%s: host list returned %d hosts, truth %d", user, len(hosts), len(st.HostIDs))
		}
		resp, b = e.api(user, DefaultPassword, "/api/2.0/fo/knowledge_base/vuln/", url.Values{"action": {"list"}, "details": {"None"}})
		if resp.StatusCode != http.StatusOK || !strings.Contains(string(b), "<ID_SET>") {
			t.Errorf("%s: KB %d %.200s", user, resp.StatusCode, b)
		}
	}
	all := append(append(slices.Clone(tr.Subscriptions[0].AssetIDs), tr.Subscriptions[1].AssetIDs...), tr.Subscriptions[2].AssetIDs...)
	if !slices.Equal(tr.AssetIDs, all) || !slices.IsSorted(tr.AssetIDs) || !slices.IsSorted(tr.HostIDs) {
		t.Error("top-level ID lists are not the subscriptions' in order")
	}
	if tr.Assets != len(all) || tr.Hosts != len(tr.HostIDs) {
		t.Errorf("top-level counts %d assets, %d hosts", tr.Assets, tr.Hosts)
	}
	// Wrong users and passwords are refused on both servers.
	for _, c := range [][2]string{{"qflow", DefaultPassword}, {"qflow4", DefaultPassword}, {"qflow0", DefaultPassword}, {"qflow2", "wrong"}} {
		if code, _ := e.auth(c[0], c[1]); code != http.StatusUnauthorized {
			t.Errorf("auth %s/%s: %d", c[0], c[1], code)
		}
		if resp, _ := e.api(c[0], c[1], "/api/5.0/fo/asset/host/", url.Values{"action": {"list"}}); resp.StatusCode != http.StatusUnauthorized {
			t.Errorf("host list as %s/%s: %d", c[0], c[1], resp.StatusCode)
		}
	}
	// A token names its subscription: qflow2's token reads qflow2's assets.
	tok2 := e.token("qflow2")
	if raw := e.searchAll(tok2, "assetId"); len(raw) == 0 || assetID(t, raw[0]) != tr.Subscriptions[1].AssetIDs[0] {
		t.Error("qflow2's token does not read qflow2's assets")
	}
	// A token of a server with other usernames is refused.
	other := newMultiEnv(t, Config{Assets: 5, Subscriptions: 2, Seed: 4, Username: "acme"})
	code, tokOther := other.auth("acme1", DefaultPassword)
	if code != http.StatusCreated {
		t.Fatalf("acme1: %d", code)
	}
	if resp, _ := e.gateway(pathCount, tokOther, nil); resp.StatusCode != http.StatusUnauthorized {
		t.Errorf("token of acme1 on a qflow server: %d", resp.StatusCode)
	}
}

// The limits are per subscription: one exhausting its rate leaves the others alone.
func TestSubscriptionsLimitsAreSeparate(t *testing.T) {
	t.Parallel()
	e := newMultiEnv(t, Config{Assets: 10, Subscriptions: 2, RateLimit: 2, RateWindow: 3600e9})
	t1, t2 := e.token("qflow1"), e.token("qflow2")
	for range 2 {
		if resp, b := e.gateway(pathCount, t1, nil); resp.StatusCode != http.StatusOK {
			t.Fatalf("qflow1: %d %s", resp.StatusCode, b)
		}
	}
	if resp, _ := e.gateway(pathCount, t1, nil); resp.StatusCode != http.StatusTooManyRequests {
		t.Errorf("qflow1 third call: %d, want 429", resp.StatusCode)
	}
	if resp, _ := e.gateway(pathCount, t2, nil); resp.StatusCode != http.StatusOK || resp.Header.Get("X-RateLimit-Remaining") != "1" {
		t.Errorf("qflow2 first call: %d, remaining %s", resp.StatusCode, resp.Header.Get("X-RateLimit-Remaining"))
	}
	for range 2 {
		e.api("qflow2", DefaultPassword, "/api/5.0/fo/asset/host/", url.Values{"action": {"list"}})
	}
	if resp, _ := e.api("qflow2", DefaultPassword, "/api/5.0/fo/asset/host/", url.Values{"action": {"list"}}); resp.StatusCode != http.StatusConflict {
		t.Errorf("qflow2 third VMDR call: %d, want 409", resp.StatusCode)
	}
	if resp, _ := e.api("qflow1", DefaultPassword, "/api/5.0/fo/asset/host/", url.Values{"action": {"list"}}); resp.StatusCode != http.StatusOK {
		t.Errorf("qflow1 first VMDR call: %d", resp.StatusCode)
	}
}

// The overlap fraction holds per subscription, and the per-subscription
// machine counts add up to the unified count.
func TestOverlapFraction(t *testing.T) {
	t.Parallel()
	for _, f := range []float64{0, 0.25, 1} {
		cfg, err := Config{Assets: 3000, Subscriptions: 4, Overlap: f, Seed: 9}.withDefaults()
		if err != nil {
			t.Fatal(err)
		}
		w, vms, err := buildWorld(cfg)
		if err != nil {
			t.Fatal(err)
		}
		// The machine counts of the truth, without its detections.
		tr := Truth{Subscriptions: make([]SubscriptionTruth, len(vms))}
		ts := make([]Truth, len(vms))
		tr.UnifiedAssets = w.machines(ts, vms)
		for s := range ts {
			tr.Subscriptions[s].Truth = ts[s]
			tr.SharedMachines += ts[s].SharedMachines
		}
		sum, shared := 0, 0
		for s, st := range tr.Subscriptions {
			frac := float64(st.SharedMachines) / float64(st.UnifiedAssets)
			want := f
			if s == 0 {
				want = 0
			}
			tol := 4 * math.Sqrt(want*(1-want)/float64(st.UnifiedAssets))
			if math.Abs(frac-want) > tol+1e-9 {
				t.Errorf("overlap %v, subscription %d: %d of %d machines shared (%.3f), want %.3f ± %.3f", f, s+1, st.SharedMachines, st.UnifiedAssets, frac, want, tol)
			}
			sum += st.UnifiedAssets
			shared += st.SharedMachines
		}
		if tr.SharedMachines != shared || tr.UnifiedAssets != sum-shared {
			t.Errorf("overlap %v: unified %d, shared %d; subscriptions sum to %d machines, %d shared", f, tr.UnifiedAssets, tr.SharedMachines, sum, shared)
		}
		if f == 1 && tr.UnifiedAssets != tr.Subscriptions[0].UnifiedAssets {
			t.Errorf("overlap 1: %d machines, the first subscription has %d", tr.UnifiedAssets, tr.Subscriptions[0].UnifiedAssets)
		}
	}
}

// machineIDs are the identifiers a machine's records expose, as served.
type machineIDs struct {
	serial, hwUUID, fqdn, netbios, cloudID string
	macs                                   []string
	uuid                                   string // assetUUID / agentId: the subscription's own
	hostID, assetID                        int64
}

func identOf(g *gen) machineIDs {
	d := &g.d
	m := machineIDs{serial: d.serial, hwUUID: d.hwUUID, fqdn: d.fqdn, netbios: d.netbios, uuid: d.uuid, hostID: d.hostID, assetID: g.id}
	if nics, ok := g.interfaces().(networkInterfaceListData); ok {
		for _, n := range nics.NetworkInterface {
			m.macs = append(m.macs, n.MacAddress)
		}
	}
	if cp, ok := g.cloudProvider().(cloudProvider); ok {
		switch {
		case cp.AWS != nil:
			m.cloudID = cp.AWS.EC2.InstanceID
		case cp.Azure != nil:
			m.cloudID = cp.Azure.VM.VMID
		case cp.GCP != nil:
			m.cloudID = cp.GCP.Compute.InstanceID
		}
	}
	return m
}

// Twins share their hardware identifiers and nothing else; distinct
// machines share only junk values and the template MAC.
func TestTwinsShareIdentifiers(t *testing.T) {
	t.Parallel()
	cfg, err := Config{Assets: 2500, Subscriptions: 3, Overlap: 0.4, Seed: 21}.withDefaults()
	if err != nil {
		t.Fatal(err)
	}
	w, vms, err := buildWorld(cfg)
	if err != nil {
		t.Fatal(err)
	}
	values := map[string]owner{} // kind+value -> first machine
	shared := map[string]int{}   // junk values -> machines reporting them
	junkMachines, templateMachines, csamMachines, twins := 0, 0, 0, 0
	var hr hostRec
	for s, vm := range vms {
		g := newGen(w.ds[s])
		rg := make([]*gen, len(vms))
		for k := range rg {
			rg[k] = newGen(w.ds[k])
		}
		for h := range vm.hosts {
			if vm.hosts[h].ref >= 0 {
				continue
			}
			vm.loadHost(&hr, g, h, &vmEpoch{last: make([]uint16, len(vm.hosts))})
			st := vm.stream(h)
			m := identOf(g)
			checkUnique(t, values, shared, g.u, "fqdn", m.fqdn, "vmdr "+strconv.Itoa(s)+"/"+strconv.Itoa(st))
			if rs := w.root(s, st); rs != s {
				twins++
				var rh hostRec
				rvm := vms[rs]
				k := -1
				for x := range rvm.hosts {
					if rvm.stream(x) == st {
						k = x
					}
				}
				if k < 0 {
					t.Fatalf("VMDR-only twin %d/%d: no host of stream %d in subscription %d", s, st, st, rs)
				}
				rvm.loadHost(&rh, rg[rs], k, &vmEpoch{last: make([]uint16, len(rvm.hosts))})
				if rh.fqdn != hr.fqdn || rh.netbios != hr.netbios || rh.cloudResourceID != hr.cloudResourceID || rh.id == hr.id {
					t.Errorf("VMDR-only twin %d/%d: %s %s %s (host %d) vs root's %s %s %s (host %d)", s, st, hr.fqdn, hr.netbios, hr.cloudResourceID, hr.id, rh.fqdn, rh.netbios, rh.cloudResourceID, rh.id)
				}
			}
		}
		for i := range w.ds[s].ids {
			g.load(i)
			m := identOf(g)
			csamMachines++
			if g.d.junk {
				junkMachines++
			}
			if g.d.template {
				templateMachines++
			}
			rs := w.root(s, i)
			if rs != s {
				twins++
				rg[rs].load(i)
				r := identOf(rg[rs])
				if m.serial != r.serial || m.hwUUID != r.hwUUID || m.fqdn != r.fqdn || m.netbios != r.netbios || m.cloudID != r.cloudID || !slices.Equal(m.macs, r.macs) {
					t.Errorf("twin %d/%d differs from its root in %d: %+v vs %+v", s, i, rs, m, r)
				}
				if m.uuid == r.uuid || m.hostID == r.hostID || m.assetID == r.assetID {
					t.Errorf("twin %d/%d shares its own keys with its root: %+v vs %+v", s, i, m, r)
				}
				continue
			}
			desc := "csam " + strconv.Itoa(s) + "/" + strconv.Itoa(i)
			checkUnique(t, values, shared, g.u, "serial", m.serial, desc)
			checkUnique(t, values, shared, g.u, "hwuuid", m.hwUUID, desc)
			checkUnique(t, values, shared, g.u, "fqdn", m.fqdn, desc)
			if m.netbios != "" {
				checkUnique(t, values, shared, g.u, "netbios", m.netbios+"|"+g.d.domain, desc)
			}
			checkUnique(t, values, shared, g.u, "cloud", m.cloudID, desc)
			for _, mac := range m.macs {
				checkUnique(t, values, shared, g.u, "mac", mac, desc)
			}
		}
	}
	if twins < 1000 {
		t.Errorf("only %d twins", twins)
	}
	// Junk: about junkShare of the machines plus the firmware placeholders
	// of physical machines; each junk value is reported by many machines.
	if frac := float64(junkMachines) / float64(csamMachines); frac < 0.03 || frac > 0.08 {
		t.Errorf("%d of %d CSAM machines carry junk identifiers (%.3f)", junkMachines, csamMachines, frac)
	}
	if frac := float64(templateMachines) / float64(csamMachines); frac < 0.005 || frac > 0.015 {
		t.Errorf("%d of %d CSAM machines are template clones (%.4f)", templateMachines, csamMachines, frac)
	}
	if shared["mac\x00"+templateMAC] < 6 {
		t.Errorf("template MAC is reported by %d machines", shared["mac\x00"+templateMAC])
	}
	for _, v := range []string{"serial\x00To be filled by O.E.M.", "serial\x00None", "serial\x00Default string", "hwuuid\x00" + zeroUUID, "hwuuid\x00" + amiUUID, "mac\x00" + macAnyConnect, "mac\x00" + macDocker, "mac\x00" + macZero} {
		if shared[v] < 5 {
			t.Errorf("junk value %q is reported by %d machines", v, shared[v])
		}
	}
}

// owner is the first machine seen with a value.
type owner struct {
	u    uint64
	desc string
}

// checkUnique records value for machine u; a value two machines report
// must be junk, or the template MAC of template clones.
func checkUnique(t *testing.T, values map[string]owner, shared map[string]int, u uint64, kind, value, desc string) {
	t.Helper()
	if value == "" {
		return
	}
	k := kind + "\x00" + value
	o, ok := values[k]
	if !ok {
		values[k] = owner{u, desc}
		return
	}
	if o.u == u {
		return
	}
	if canonicalID(kind, value) != "" && !(kind == "mac" && value == templateMAC) {
		t.Errorf("%s %q: machines %s and %s", kind, value, o.desc, desc)
	}
	if shared[k] == 0 {
		shared[k] = 1
	}
	shared[k]++
}

// canonicalID is this test's own reading of the identification rules'
// junk filter (design.md §7): it returns "" for a value that never matches.
func canonicalID(kind, v string) string {
	v = strings.TrimSpace(v)
	if v == "" || strings.HasSuffix(strings.ToLower(v), "_value") {
		return "" // empty, or a template placeholder ("instanceId_value")
	}
	switch kind {
	case "serial":
		switch strings.ToUpper(v) {
		case "TO BE FILLED BY O.E.M.", "DEFAULT STRING", "NONE", "0", "SYSTEM SERIAL NUMBER", "N/A", "NOT SPECIFIED":
			return ""
		}
		return strings.ToUpper(v)
	case "hwuuid", "agent":
		v = strings.ToLower(v)
		if strings.Trim(v, "0-") == "" || strings.Trim(v, "f-") == "" || v == amiUUID {
			return ""
		}
		return v
	case "mac":
		v = strings.ToLower(strings.ReplaceAll(v, "-", ":"))
		b, err := strconv.ParseUint(v[:2], 16, 8)
		if err != nil || len(v) != 17 || b&3 != 0 || strings.Trim(v, "0:") == "" || strings.HasPrefix(v, "00:05:9a") {
			return "" // multicast, locally administered (docker 02:42, cloud), all-zero, VPN adapter
		}
		return v
	case "fqdn":
		v = strings.ToLower(strings.TrimSuffix(v, "."))
		first, _, ok := strings.Cut(v, ".")
		if !ok || isIPShapedName(v) || isIPShapedName(first) {
			return ""
		}
		return v
	case "netbios":
		nb, dom, _ := strings.Cut(v, "|")
		if nb == "" || dom == "" || isIPShapedName(nb) {
			return ""
		}
		return strings.ToUpper(nb) + "|" + strings.ToLower(dom)
	}
	return strings.ToLower(v)
}

func isIPShapedName(s string) bool {
	if _, err := netip.ParseAddr(s); err == nil {
		return true
	}
	_, err := netip.ParseAddr(strings.ReplaceAll(strings.TrimPrefix(strings.ToLower(s), "ip-"), "-", "."))
	return err == nil
}

// idRecord is one record as a client loads it, with its canonical identifiers.
type idRecord struct {
	sub  int
	desc string
	ids  map[string][]string // rule attribute -> canonical values, junk left out
	raw  map[string][]string // the same, junk kept
}

// ruleOrder is the default order of the identification rules (IP off).
var ruleOrder = []string{"native", "agent", "serial", "hwuuid", "cloud", "mac", "fqdn", "netbios"}

func (r *idRecord) add(kind, v string) {
	if v = strings.ToLower(strings.TrimSpace(v)); v != "" && !slices.Contains(r.raw[kind], v) {
		r.raw[kind] = append(r.raw[kind], v)
	}
	if c := canonicalID(kind, v); c != "" && !slices.Contains(r.ids[kind], c) {
		r.ids[kind] = append(r.ids[kind], c)
	}
}

func newRecord(sub int, desc string) *idRecord {
	return &idRecord{sub: sub, desc: desc, ids: map[string][]string{}, raw: map[string][]string{}}
}

// fetchRecords loads every subscription's records over HTTP, in the rules'
// order: all CSAM assets (subscription 1 first), then all VMDR hosts.
func fetchRecords(t *testing.T, e *multiEnv, tr Truth) []*idRecord {
	t.Helper()
	var recs []*idRecord
	const fields = "assetId,hostId,agentId,biosSerialNumber,hwUUID,dnsName,netbiosName,cloudProvider,networkInterfaceListData"
	for s, st := range tr.Subscriptions {
		tok := e.token(st.Username)
		for _, raw := range e.searchAll(tok, fields) {
			var a struct {
				AssetID any     `json:"assetId"`
				HostID  *int64  `json:"hostId"`
				AgentID *string `json:"agentId"`
				Serial  *string `json:"biosSerialNumber"`
				HWUUID  *string `json:"hwUUID"`
				DNSName *string `json:"dnsName"`
				NetBIOS *string `json:"netbiosName"`
				Cloud   *struct {
					AWS *struct {
						EC2 struct {
							InstanceID string `json:"instanceId"`
						} `json:"ec2"`
					} `json:"aws"`
				} `json:"cloudProvider"`
				NICs *struct {
					NetworkInterface []struct {
						MAC string `json:"macAddress"`
					} `json:"networkInterface"`
				} `json:"networkInterfaceListData"`
			}
			if err := json.Unmarshal(raw, &a); err != nil {
				t.Fatalf("asset: %v", err)
			}
			id, ok := a.AssetID.(float64)
			if !ok || slices.Contains(st.MalformedAssetIDs, int64(id)) {
				continue // malformed: quarantined, not loaded
			}
			str := func(p *string) string {
				if p == nil {
					return ""
				}
				return *p
			}
			r := newRecord(s, "csam "+st.Username+" "+strconv.FormatInt(int64(id), 10))
			if a.HostID != nil {
				r.add("native", st.Username+"/host/"+strconv.FormatInt(*a.HostID, 10))
			}
			r.add("agent", str(a.AgentID))
			r.add("serial", str(a.Serial))
			r.add("hwuuid", str(a.HWUUID))
			if a.Cloud != nil && a.Cloud.AWS != nil {
				r.add("cloud", a.Cloud.AWS.EC2.InstanceID)
			}
			if a.NICs != nil {
				for _, n := range a.NICs.NetworkInterface {
					r.add("mac", n.MAC)
				}
			}
			fqdn := str(a.DNSName)
			r.add("fqdn", fqdn)
			if _, dom, ok := strings.Cut(fqdn, "."); ok && str(a.NetBIOS) != "" {
				r.add("netbios", str(a.NetBIOS)+"|"+dom)
			}
			recs = append(recs, r)
		}
	}
	for s, st := range tr.Subscriptions {
		for _, h := range e.hostList(st.Username) {
			r := newRecord(s, "vmdr "+st.Username+" "+strconv.FormatInt(h.ID, 10))
			r.add("native", st.Username+"/host/"+strconv.FormatInt(h.ID, 10))
			r.add("agent", h.QGHostID)
			r.add("cloud", h.CloudID)
			r.add("fqdn", h.FQDN)
			if nb := strings.TrimSpace(h.NetBIOS); nb != "" {
				r.add("netbios", nb+"|"+strings.TrimSpace(h.Domain))
			}
			recs = append(recs, r)
		}
	}
	return recs
}

// vetoKinds are the identifiers whose differing non-junk values veto a
// match (design.md §7: two serials are two machines).
var vetoKinds = []string{"serial", "hwuuid", "cloud"}

// vetoed reports whether identifier sets a and b (kind -> values) carry
// different non-junk values of a veto kind.
func vetoed(a, b map[string][]string) bool {
	for _, kind := range vetoKinds {
		if len(a[kind]) > 0 && len(b[kind]) > 0 && !slices.ContainsFunc(a[kind], func(v string) bool { return slices.Contains(b[kind], v) }) {
			return true
		}
	}
	return false
}

// mergeIDs adds the values of src to dst.
func mergeIDs(dst, src map[string][]string) {
	for kind, vs := range src {
		for _, v := range vs {
			if !slices.Contains(dst[kind], v) {
				dst[kind] = append(dst[kind], v)
			}
		}
	}
}

// unionCount merges records that share any identifier (union-find) and
// counts the groups; keep selects the records, junk whether junk values
// match, veto whether two groups whose veto identifiers differ (see
// vetoed) stay apart although they share a value (the template MAC).
func unionCount(recs []*idRecord, keep func(*idRecord) bool, junk, veto bool) int {
	parent := make([]int, len(recs))
	groupIDs := make([]map[string][]string, len(recs)) // root -> the group's identifiers
	for i := range parent {
		parent[i] = i
	}
	find := func(x int) int {
		for parent[x] != x {
			parent[x] = parent[parent[x]]
			x = parent[x]
		}
		return x
	}
	holders := map[string][]int{}
	n := 0
	for i, r := range recs {
		if !keep(r) {
			continue
		}
		n++
		ids := r.ids
		if junk {
			ids = r.raw
		}
		groupIDs[i] = map[string][]string{}
		mergeIDs(groupIDs[i], ids)
		for _, kind := range ruleOrder {
			for _, v := range ids[kind] {
				k := kind + "\x00" + v
				for _, j := range holders[k] {
					a, b := find(i), find(j)
					if a == b || veto && vetoed(groupIDs[a], groupIDs[b]) {
						continue
					}
					parent[a] = b
					mergeIDs(groupIDs[b], groupIDs[a])
					n--
				}
				holders[k] = append(holders[k], i)
			}
		}
	}
	return n
}

// sequentialCount applies the rules as the connector does: per record, the
// first rule that matches an existing asset without a veto (see vetoed)
// decides, else a new asset. It returns the assets and the records that
// matched several assets.
func sequentialCount(recs []*idRecord) (assets int, conflicts []string) {
	index := map[string][]int{}
	var assetIDs []map[string][]string // asset -> its identifiers
	for _, r := range recs {
		asset := -1
		for _, kind := range ruleOrder {
			var cands []int
			for _, v := range r.ids[kind] {
				for _, a := range index[kind+"\x00"+v] {
					if !slices.Contains(cands, a) && !vetoed(r.ids, assetIDs[a]) {
						cands = append(cands, a)
					}
				}
			}
			if len(cands) > 1 {
				conflicts = append(conflicts, r.desc+" ("+kind+")")
			}
			if len(cands) > 0 {
				asset = slices.Min(cands)
				break
			}
		}
		if asset < 0 {
			asset = assets
			assets++
			assetIDs = append(assetIDs, map[string][]string{})
		}
		mergeIDs(assetIDs[asset], r.ids)
		for kind, vs := range r.ids {
			for _, v := range vs {
				k := kind + "\x00" + v
				if !slices.Contains(index[k], asset) {
					index[k] = append(index[k], asset)
				}
			}
		}
	}
	return assets, conflicts
}

// unified_assets is what the identification rules make of the records the
// server serves: checked by brute force over everything served over HTTP.
func TestUnifiedAssetsMatchesRules(t *testing.T) {
	t.Parallel()
	vetoTested := 0
	for _, tc := range []struct {
		name string
		cfg  Config
	}{
		{"3 subscriptions, overlap 0.3", Config{Assets: testscale.N(t, 100, 300), Subscriptions: 3, Overlap: 0.3, Seed: 1}},
		{"4 subscriptions, overlap 0.6, more hosts, malformed assets", Config{Assets: testscale.N(t, 50, 150), Subscriptions: 4, Overlap: 0.6, Seed: 8,
			Hosts: testscale.N(t, 85, 250), Faults: Faults{Malformed: 0.05}}},
		{"2 subscriptions, overlap 1", Config{Assets: testscale.N(t, 70, 200), Subscriptions: 2, Overlap: 1, Seed: 15}},
		{"2 subscriptions, no overlap", Config{Assets: testscale.N(t, 50, 150), Subscriptions: 2, Seed: 16}},
		{"1 subscription", Config{Assets: testscale.N(t, 100, 300), Seed: 2}},
	} {
		cfg := tc.name
		e := newMultiEnv(t, tc.cfg)
		tr := e.sim.Truth()
		if tr.Subscriptions == nil {
			tr.Subscriptions = []SubscriptionTruth{{Username: DefaultUsername, Truth: tr}}
		}
		recs := fetchRecords(t, e, tr)
		all := func(*idRecord) bool { return true }
		if got := unionCount(recs, all, false, true); got != tr.UnifiedAssets {
			t.Errorf("%s: rules (union-find) give %d machines, truth %d", cfg, got, tr.UnifiedAssets)
		}
		seq, conflicts := sequentialCount(recs)
		if seq != tr.UnifiedAssets || len(conflicts) > 0 {
			t.Errorf("%s: rules (first match wins) give %d machines, truth %d; conflicts %v", cfg, seq, tr.UnifiedAssets, conflicts)
		}
		for s, st := range tr.Subscriptions {
			if got := unionCount(recs, func(r *idRecord) bool { return r.sub == s }, false, true); got != st.UnifiedAssets {
				t.Errorf("%s: subscription %d: rules give %d machines, truth %d", cfg, s+1, got, st.UnifiedAssets)
			}
		}
		// Junk matters: matching on junk values would merge distinct machines.
		if merged := unionCount(recs, all, true, false); merged >= tr.UnifiedAssets-len(tr.JunkAssetIDs)/2 {
			t.Errorf("%s: matching junk too gives %d machines, %d without: the junk identifiers do not test anything", cfg, merged, tr.UnifiedAssets)
		}
		if len(tr.JunkAssetIDs) == 0 {
			t.Errorf("%s: no junk assets", cfg)
		}
		// The veto matters: without it, the template MAC merges distinct
		// template clones (twins of one clone are one machine anyway).
		if merged := unionCount(recs, all, false, false); merged < tr.UnifiedAssets {
			vetoTested++
		}
	}
	if vetoTested == 0 {
		t.Error("no case has two distinct template clones: the veto is not tested")
	}
}

// Junk values are present in what the server serves, on the assets the truth names.
func TestJunkAssetsServed(t *testing.T) {
	t.Parallel()
	// 300 assets still give each subscription more than 10 junk machines.
	e := newMultiEnv(t, Config{Assets: testscale.N(t, 300, 500), Subscriptions: 2, Overlap: 0.5, Seed: 3})
	tr := e.sim.Truth()
	for _, st := range tr.Subscriptions {
		tok := e.token(st.Username)
		junk := 0
		fqdns := map[string]bool{}
		for _, raw := range e.searchAll(tok, "assetId,biosSerialNumber,hwUUID,dnsName,networkInterfaceListData") {
			var a struct {
				AssetID int64   `json:"assetId"`
				Serial  *string `json:"biosSerialNumber"`
				HWUUID  *string `json:"hwUUID"`
				DNSName string  `json:"dnsName"`
				NICs    *struct {
					NetworkInterface []struct {
						MAC string `json:"macAddress"`
					} `json:"networkInterface"`
				} `json:"networkInterfaceListData"`
			}
			if err := json.Unmarshal(raw, &a); err != nil {
				t.Fatal(err)
			}
			isJunk := a.HWUUID != nil && (*a.HWUUID == zeroUUID || *a.HWUUID == amiUUID)
			if a.NICs != nil {
				for _, n := range a.NICs.NetworkInterface {
					isJunk = isJunk || n.MAC == macAnyConnect || n.MAC == macDocker
				}
			}
			if isJunk != slices.Contains(st.JunkAssetIDs, a.AssetID) {
				t.Errorf("%s asset %d: junk %v, truth says %v", st.Username, a.AssetID, isJunk, !isJunk)
			}
			if isJunk {
				junk++
				if canonicalID("serial", *a.Serial) != "" {
					t.Errorf("%s asset %d: junk machine with serial %q", st.Username, a.AssetID, *a.Serial)
				}
				if fqdns[a.DNSName] || canonicalID("fqdn", a.DNSName) == "" && !strings.HasPrefix(a.DNSName, "ip-") {
					t.Errorf("%s asset %d: junk machine's FQDN %q is not its own", st.Username, a.AssetID, a.DNSName)
				}
				fqdns[a.DNSName] = true
			}
		}
		if junk != len(st.JunkAssetIDs) || junk < 10 {
			t.Errorf("%s: %d junk assets served, truth lists %d", st.Username, junk, len(st.JunkAssetIDs))
		}
	}
}

// Equal seeds give equal subscriptions; subscription 1 does not depend on
// how many there are.
func TestSubscriptionsDeterministic(t *testing.T) {
	t.Parallel()
	n := testscale.N(t, 40, 120)
	cfg := Config{Assets: n, Subscriptions: 3, Overlap: 0.4, Seed: 6, Epoch: 2}
	a, err := TruthFor(cfg)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := TruthFor(cfg)
	if !reflect.DeepEqual(a, b) {
		t.Error("TruthFor differs for equal configs")
	}
	cfg.Seed = 7
	if c, _ := TruthFor(cfg); reflect.DeepEqual(a.Subscriptions[1].AssetIDs, c.Subscriptions[1].AssetIDs) {
		t.Error("seeds 6 and 7 give the same second subscription")
	}
	one, _ := TruthFor(Config{Assets: n, Seed: 6, Epoch: 2})
	if !reflect.DeepEqual(a.Subscriptions[0].Truth, one) {
		t.Error("subscription 1 of 3 differs from the single subscription of the same seed")
	}
	page := func(cfg Config) string {
		e := newMultiEnv(t, cfg)
		resp, b := e.gateway(pathSearch, e.token("qflow2"), url.Values{"pageSize": {strconv.Itoa(testscale.N(t, 15, 50))}})
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("search: %d", resp.StatusCode)
		}
		_, h := e.api("qflow2", DefaultPassword, "/api/3.0/fo/asset/host/vm/detection/", url.Values{"action": {"list"}, "truncation_limit": {strconv.Itoa(testscale.N(t, 8, 20))}})
		return string(b) + strings.ReplaceAll(string(h), e.srv.URL, "") // the DTD and WARNING URLs name the server
	}
	cfg.Seed = 6
	if p1, p2 := page(cfg), page(cfg); p1 != p2 {
		t.Error("qflow2's pages differ between two servers with equal configs")
	}
}

// Time moves for every subscription: each one's changed hosts are what its
// own incremental host list returns.
func TestSubscriptionsAdvance(t *testing.T) {
	t.Parallel()
	e := newMultiEnv(t, Config{Assets: 150, Subscriptions: 2, Overlap: 0.5, Seed: 11})
	before := e.sim.Truth()
	if _, err := e.sim.Advance(); err != nil {
		t.Fatal(err)
	}
	tr := e.sim.Truth()
	if tr.Epoch != 1 || len(tr.ChangedHostIDs) == 0 {
		t.Fatalf("epoch %d, %d changed hosts", tr.Epoch, len(tr.ChangedHostIDs))
	}
	for _, st := range tr.Subscriptions {
		resp, b := e.api(st.Username, DefaultPassword, "/api/5.0/fo/asset/host/", url.Values{"action": {"list"}, "truncation_limit": {"0"}, "details": {"None"},
			"vm_processed_after": {before.DateTime}})
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("%s: %d", st.Username, resp.StatusCode)
		}
		got := decodeDoc(t, b).ids(t)
		if !slices.Equal(got, st.ChangedHostIDs) || len(got) == 0 {
			t.Errorf("%s: %d hosts processed after %s, truth %d changed", st.Username, len(got), before.DateTime, len(st.ChangedHostIDs))
		}
	}
}

// About 1% of the machines are template clones: they share the template's
// serial, MAC and cloud instance ID, and have their own agent ID, hardware
// UUID and names; the truth lists them; VMDR reports the placeholder too.
func TestTemplateClones(t *testing.T) {
	t.Parallel()
	cfg := Config{Assets: 300, Subscriptions: 2, Overlap: 0.5, Seed: 4} // 3 and 2 clones
	e := newMultiEnv(t, cfg)
	tr := e.sim.Truth()
	if len(tr.TemplateAssetIDs) != len(tr.Subscriptions[0].TemplateAssetIDs)+len(tr.Subscriptions[1].TemplateAssetIDs) {
		t.Errorf("top-level template_asset_ids %v do not concatenate the subscriptions'", tr.TemplateAssetIDs)
	}
	for _, st := range tr.Subscriptions {
		if n := len(st.TemplateAssetIDs); n < 1 || n > 10 {
			t.Errorf("%s: %d template clones of 300 assets", st.Username, n)
		}
		for _, id := range st.TemplateAssetIDs {
			if slices.Contains(st.JunkAssetIDs, id) {
				t.Errorf("%s asset %d: both a junk machine and a template clone", st.Username, id)
			}
		}
		own := map[string]map[string]bool{"agent": {}, "hwuuid": {}, "fqdn": {}}
		distinct := func(id int64, kind, v string) {
			if v == "" || own[kind][v] {
				t.Errorf("%s template clone %d: %s %q is not its own", st.Username, id, kind, v)
			}
			own[kind][v] = true
		}
		clones := 0
		for _, raw := range e.searchAll(e.token(st.Username), "assetId,agentId,biosSerialNumber,hwUUID,dnsName,cloudProvider,networkInterfaceListData") {
			var a struct {
				AssetID int64   `json:"assetId"`
				AgentID string  `json:"agentId"`
				Serial  *string `json:"biosSerialNumber"`
				HWUUID  string  `json:"hwUUID"`
				DNSName string  `json:"dnsName"`
				Cloud   *struct {
					AWS *struct {
						EC2 struct {
							InstanceID string `json:"instanceId"`
						} `json:"ec2"`
					} `json:"aws"`
					Azure *struct {
						VM struct {
							VMID string `json:"vmId"`
						} `json:"vm"`
					} `json:"azure"`
					GCP *struct {
						Compute struct {
							InstanceID string `json:"instanceId"`
						} `json:"compute"`
					} `json:"gcp"`
				} `json:"cloudProvider"`
				NICs *struct {
					NetworkInterface []struct {
						MAC string `json:"macAddress"`
					} `json:"networkInterface"`
				} `json:"networkInterfaceListData"`
			}
			if err := json.Unmarshal(raw, &a); err != nil {
				t.Fatal(err)
			}
			primary := ""
			if a.NICs != nil && len(a.NICs.NetworkInterface) > 0 {
				primary = a.NICs.NetworkInterface[0].MAC
			}
			cloudID := ""
			if c := a.Cloud; c != nil {
				switch {
				case c.AWS != nil:
					cloudID = c.AWS.EC2.InstanceID
				case c.Azure != nil:
					cloudID = c.Azure.VM.VMID
				case c.GCP != nil:
					cloudID = c.GCP.Compute.InstanceID
				}
			}
			clone := primary == templateMAC
			if clone != slices.Contains(st.TemplateAssetIDs, a.AssetID) {
				t.Errorf("%s asset %d: template MAC %v, truth says %v", st.Username, a.AssetID, clone, !clone)
			}
			if (cloudID == templateInstanceID) != (clone && a.Cloud != nil) {
				t.Errorf("%s asset %d: cloud instance ID %q (template clone %v)", st.Username, a.AssetID, cloudID, clone)
			}
			if !clone {
				continue
			}
			clones++
			if a.Serial == nil || *a.Serial != templateSerial {
				t.Errorf("%s template clone %d: serial %v", st.Username, a.AssetID, a.Serial)
			}
			if canonicalID("hwuuid", a.HWUUID) == "" {
				t.Errorf("%s template clone %d: junk hardware UUID %q", st.Username, a.AssetID, a.HWUUID)
			}
			distinct(a.AssetID, "agent", a.AgentID)
			distinct(a.AssetID, "hwuuid", a.HWUUID)
			distinct(a.AssetID, "fqdn", a.DNSName)
		}
		if clones != len(st.TemplateAssetIDs) {
			t.Errorf("%s: %d template clones served, truth lists %d", st.Username, clones, len(st.TemplateAssetIDs))
		}
	}
	// VMDR reports the placeholder as the cloud resource ID of cloud clones.
	w, vms, err := buildWorld(mustDefaults(t, cfg))
	if err != nil {
		t.Fatal(err)
	}
	var hr hostRec
	for s, vm := range vms {
		g := newGen(w.ds[s])
		for h := range vm.hosts {
			vm.loadHost(&hr, g, h, &vmEpoch{last: make([]uint16, len(vm.hosts))})
			if (hr.cloudResourceID == templateInstanceID) != (g.d.template && hr.cloudProvider != "") {
				t.Errorf("subscription %d host %d: CLOUD_RESOURCE_ID %q, template clone %v, cloud %q", s+1, hr.id, hr.cloudResourceID, g.d.template, hr.cloudProvider)
			}
			if hr.ec2InstanceID != "" && (hr.ec2InstanceID == templateInstanceID) != g.d.template {
				t.Errorf("subscription %d host %d: EC2_INSTANCE_ID %q, template clone %v", s+1, hr.id, hr.ec2InstanceID, g.d.template)
			}
		}
	}
}

func mustDefaults(t *testing.T, cfg Config) Config {
	t.Helper()
	cfg, err := cfg.withDefaults()
	if err != nil {
		t.Fatal(err)
	}
	return cfg
}
