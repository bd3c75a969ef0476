package qualyssim

import (
	"math/rand/v2"
	"slices"
	"strings"
)

// Detection STATUS values (stInfo: Info detections carry no STATUS).
const (
	stNew = iota
	stActive
	stFixed
	stReopened
	stInfo
)

var statusNames = [...]string{"New", "Active", "Fixed", "Re-Opened", ""}

// Detection TYPE values.
const (
	typConfirmed = iota
	typPotential
	typInfo
)

var typeNames = [...]string{"Confirmed", "Potential", "Info"}

// Per-scan transition probabilities.
const (
	pFix    = 0.12 // an open detection is fixed at a rescan
	pReopen = 0.10 // a fixed detection comes back at a rescan
)

// detection is one host × QID × port finding as of an epoch.
type detection struct {
	kb                        *kbVuln
	slot                      int32
	port                      int32
	typ, status               uint8
	arf                       int8 // -1: not ARF-related; 0: not running/exploitable; 1: running/exploitable
	ssl, ignored, disabled    bool
	proto                     string
	first, lastFound          int64
	lastTest, lastUpdate      int64
	lastFixed, processed      int64
	firstReopen, lastReopen   int64
	timesFound, timesReopened int32
}

// detGen generates the detections of hosts; it is not safe for concurrent use.
type detGen struct {
	vm      *vmIndex
	pcg     rand.PCG
	r       *rand.Rand
	apps    []int // applicable non-IG template indexes
	weights []int
	ports   []int
	dets    []detection
	snap    int         // > 0: generate also keeps the detections as of epoch snap-1 in prev
	prev    []detection // see snap
}

func newDetGen(vm *vmIndex) *detGen {
	dg := &detGen{vm: vm}
	dg.r = rand.New(&dg.pcg)
	return dg
}

// applicable reports whether template t can be detected on hr, and on which port.
func (dg *detGen) applicable(t *vulnTmpl, hr *hostRec) (ok bool) {
	p := hr.p
	if t.fams&(1<<p.family) == 0 {
		return false
	}
	if t.distro != "" {
		if p.family == famNetwork {
			if t.distro != p.publisher {
				return false
			}
		} else if !strings.HasPrefix(p.distro, t.distro) {
			return false
		}
	}
	if t.roles != 0 && t.roles&(1<<hr.meta.role) == 0 {
		return false
	}
	if (t.server == 1 && !p.server) || (t.server == -1 && (p.server || p.family == famNetwork)) {
		return false
	}
	if t.res == rkQGHost && !hr.agent {
		return false
	}
	if (t.res == rkPkgList || t.res == rkAppList) && !hr.authScan {
		return false
	}
	if len(t.ports) > 0 && dg.pickPort(t, nil) < 0 {
		return false
	}
	return true
}

// pickPort returns an index into t.ports the host listens on (random among
// them with r, the first without), or -1.
func (dg *detGen) pickPort(t *vulnTmpl, r *rand.Rand) int {
	var cands [8]int
	n := 0
	for k, ps := range t.ports {
		if slices.Contains(dg.ports, ps.port) && n < len(cands) {
			cands[n] = k
			n++
		}
	}
	switch {
	case n == 0:
		return -1
	case r == nil:
		return cands[0]
	}
	return cands[r.IntN(n)]
}

// generate returns the detections of hr as of epoch (its view's last change
// is already in hr), sorted by QID and port. The slice is reused by the next call.
func (dg *detGen) generate(hr *hostRec, epoch int) []detection {
	vm := dg.vm
	dg.dets = dg.dets[:0]
	dg.apps, dg.weights = dg.apps[:0], dg.weights[:0]
	dg.ports = append(dg.ports[:0], hostPorts(hr.p, hr.meta.role)...)
	r := dg.r
	seedStream(&dg.pcg, vm.seed, hr.stream, "vmdet")
	scan0, proc0 := vm.scanTimes(hr.id, 0, hr.agent)
	created := min(hr.created, scan0-30*secPerDay)
	for k := range vulnTmpls {
		t := &vulnTmpls[k]
		if !dg.applicable(t, hr) {
			continue
		}
		if t.vt == vtIG {
			if r.IntN(100) < 85 {
				dg.add(hr, t, 0, stInfo, r, created, scan0, proc0)
			}
			continue
		}
		dg.apps = append(dg.apps, k)
		dg.weights = append(dg.weights, t.weight)
	}
	lo, hi := 8, 50
	switch p := hr.p; {
	case p.family == famWindows && !p.server:
		lo, hi = 15, 60
	case p.family == famNetwork:
		lo, hi = 3, 12
	case p.family == famMac, p.family == famUnix:
		lo, hi = 5, 25
	}
	u := r.Float64()
	want := len(dg.dets) + lo + int(float64(hi-lo)*u*u)
	for tries := 0; len(dg.dets) < want && tries < 4*want && len(dg.apps) > 0; tries++ {
		dg.pick(hr, r, stActive, created, scan0, proc0)
	}
	// Replay the rescans of later epochs.
	for k := 1; k <= epoch; k++ {
		if k == dg.snap {
			dg.prev = append(dg.prev[:0], dg.dets...)
		}
		if !vm.changed(hr.id, k) {
			continue
		}
		se, pr := vm.scanTimes(hr.id, k, hr.agent)
		for j := range dg.dets {
			dg.rescan(&dg.dets[j], hr.id, k, se, pr)
		}
		h := hashKey(uint64(vm.seed), "vmnew", uint64(hr.id)<<16|uint64(k))
		rk := rand.New(rand.NewPCG(h, uint64(k)))
		for n := []int{0, 0, 0, 0, 1, 1, 1, 2, 2, 3}[h%10]; n > 0 && len(dg.apps) > 0; n-- {
			dg.pick(hr, rk, stNew, se, se, pr)
		}
	}
	sortDets(dg.dets)
	return dg.dets
}

// generatePair returns the detections of hr as of epoch - 1 and as of epoch
// (>= 1), both as generate returns them, for the cost of one generate. Both
// slices are reused by the next call.
func (dg *detGen) generatePair(hr *hostRec, epoch int) (prev, cur []detection) {
	dg.snap = epoch
	defer func() { dg.snap = 0 }()
	cur = dg.generate(hr, epoch)
	sortDets(dg.prev)
	return dg.prev, cur
}

// sortDets sorts detections by QID and port.
func sortDets(dets []detection) {
	slices.SortFunc(dets, func(a, b detection) int {
		if a.kb.qid != b.kb.qid {
			return a.kb.qid - b.kb.qid
		}
		return int(a.port - b.port)
	})
}

// pick adds one vulnerability detection from the applicable templates
// (newer variants more likely), unless the host already has it.
func (dg *detGen) pick(hr *hostRec, r *rand.Rand, status uint8, created, scan, proc int64) {
	total := 0
	for _, w := range dg.weights {
		total += w
	}
	x := r.IntN(total)
	k := 0
	for ; x >= dg.weights[k]; k++ {
		x -= dg.weights[k]
	}
	t := &vulnTmpls[dg.apps[k]]
	u := r.Float64()
	v := int(u * u * float64(t.count))
	dg.add(hr, t, v, status, r, created, scan, proc)
}

// add appends the detection of variant v of t unless it exists already.
func (dg *detGen) add(hr *hostRec, t *vulnTmpl, v int, status uint8, r *rand.Rand, created, scan, proc int64) {
	kb := &dg.vm.kb.vulns[dg.vm.kb.byQID[t.base+v]]
	d := detection{kb: kb, slot: int32(len(dg.dets)), arf: -1, typ: typConfirmed, status: status}
	if pi := dg.pickPort(t, r); pi >= 0 {
		ps := t.ports[pi]
		d.port, d.proto, d.ssl = int32(ps.port), ps.proto, ps.ssl
	}
	for j := range dg.dets {
		if dg.dets[j].kb == kb && dg.dets[j].port == d.port {
			return
		}
	}
	switch t.vt {
	case vtPotential:
		d.typ = typPotential
	case vtIG:
		d.typ, d.status = typInfo, stInfo
	case vtVulnOrPot:
		if r.IntN(3) == 0 {
			d.typ = typPotential
		}
	}
	if t.arf != arfNone {
		d.arf = int8(min(1, r.IntN(10)/3))
	}
	if d.typ != typInfo {
		d.ignored = r.IntN(100) < 2
		d.disabled = r.IntN(100) < 1
	}
	day := secPerDay
	d.processed, d.lastFound, d.lastTest = proc, scan, scan
	if status == stNew {
		// Found in this scan.
		d.first, d.lastUpdate, d.timesFound = proc, proc, 1
		if d.typ == typInfo {
			d.status = stInfo
		}
		dg.dets = append(dg.dets, d)
		return
	}
	from := max(created, kb.published+day)
	if from > scan-day {
		from = scan - day
	}
	d.first = from + r.Int64N(max(1, scan-day-from))
	interval := 7 * day
	if hr.agent {
		interval = day
	}
	d.timesFound = int32(1 + (scan-d.first)/interval)
	d.lastUpdate = d.first + 60
	if d.typ == typInfo {
		dg.dets = append(dg.dets, d)
		return
	}
	switch x := r.IntN(100); {
	case x < 6:
		d.status, d.first, d.lastUpdate, d.timesFound = stNew, proc, proc, 1
	case x < 72:
		d.status = stActive
	case x < 92:
		d.status = stFixed
		d.lastFixed = d.first + r.Int64N(max(1, proc-d.first)) + 30
		d.lastFound = max(d.first, d.lastFixed-interval)
		d.lastUpdate = d.lastFixed
		d.timesFound = int32(1 + (d.lastFound-d.first)/interval)
	default:
		d.status = stReopened
		d.lastFixed = d.first + r.Int64N(max(1, (proc-d.first)/2)) + 30
		d.firstReopen = d.lastFixed + r.Int64N(max(1, proc-d.lastFixed)) + 30
		d.lastReopen, d.timesReopened, d.lastUpdate = d.firstReopen, 1, d.firstReopen
		if r.IntN(4) == 0 && proc-d.firstReopen > 2*day {
			d.lastReopen, d.timesReopened = d.firstReopen+day, 2
		}
	}
	dg.dets = append(dg.dets, d)
}

// rescan applies the scan of epoch k (scan end se, processed pr) to d.
func (dg *detGen) rescan(d *detection, id int64, k int, se, pr int64) {
	u := unitFloat(hashKey(uint64(dg.vm.seed), "vmfix", uint64(id)<<24|uint64(d.slot)<<14|uint64(k)))
	d.processed, d.lastTest = pr, se
	switch d.status {
	case stInfo:
		d.lastFound, d.timesFound = se, d.timesFound+1
	case stNew, stActive, stReopened:
		if u < pFix {
			d.status, d.lastFixed, d.lastUpdate = stFixed, pr, pr
			return
		}
		if d.status != stActive {
			d.status, d.lastUpdate = stActive, pr
		}
		d.lastFound, d.timesFound = se, d.timesFound+1
	case stFixed:
		if u < pReopen {
			d.status, d.lastReopen, d.lastUpdate = stReopened, pr, pr
			if d.firstReopen == 0 {
				d.firstReopen = pr
			}
			d.timesReopened++
			d.lastFound, d.timesFound = se, d.timesFound+1
		}
	}
}

// uniqueVulnID is the UNIQUE_VULN_ID of a host's detection slot.
func uniqueVulnID(hostID int64, slot int32) int64 {
	return 100_000_000 + (hostID-firstHostID)*100_000 + int64(slot)
}
