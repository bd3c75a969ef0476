package qualyssim

import (
	"math/bits"
	"strconv"
)

// Several subscriptions. A server serves Config.Subscriptions data sets,
// each a full subscription of its own (assets, hosts, detections, limits).
// What ties them together is the machine: every CSAM asset slot i and every
// VMDR-only host stream of a subscription is one machine slot, and a slot of
// a later subscription may be a "twin" of the slot with the same index in an
// earlier one (see world.twinOf). A twin is generated from the streams of its
// root (the slot of the first subscription it appears in), so it is the same
// machine with the same hardware identifiers; only the subscription's own keys
// (assetId, assetUUID/agentId, hostId) and its VMDR scan history differ.
//
// Every machine has a machine number (world.machine), unique across the
// server; host names, serial numbers, MAC addresses, hardware UUIDs and cloud
// instance IDs embed it through bijections (world.code, world.perm), so no
// two distinct machines share one of them by accident.

const (
	// junkShare is the share of CSAM machines that carry junk identifiers
	// (placeholder serial, all-zero hardware UUID, shared virtual MACs).
	junkShare = 0.03
	// templateShare is the share of CSAM machines, other than the junk
	// ones, that are template clones: they kept the placeholders of the
	// image they were cloned from (templateSerial, templateMAC,
	// templateInstanceID) while their agent ID, hardware UUID and names
	// are their own.
	templateShare = 0.01
	// zeroUUID is the all-zero hardware UUID of junk machines.
	zeroUUID = "00000000-0000-0000-0000-000000000000"
	// amiUUID is the AMI BIOS placeholder UUID of the machines whose firmware
	// reports a placeholder serial (see hwIDs).
	amiUUID = "03000200-0400-0500-0006-000700080009"
	// codeMul is the multiplier of the affine bijections of world.code (a
	// prime, so coprime with every radix power used).
	codeMul = 1_000_000_007
)

// Shared virtual MAC addresses of junk machines: many machines report the
// very same values.
const (
	macAnyConnect = "00:05:9a:3c:7a:00" // Cisco AnyConnect virtual adapter
	macDocker     = "02:42:ac:11:00:02" // Docker container interface
	macZero       = "00:00:00:00:00:00"
)

// Placeholders template clones share (see world.template): the BIOS serial,
// the MAC address of the template's primary interface (a real-looking
// VMware MAC, so not junk by its form) and the cloud instance ID.
const (
	templateSerial     = "Default string"
	templateMAC        = "00:0c:29:15:6a:72"
	templateMACIntro   = 946944000000 // VMware, Inc.'s 00:0c:29
	templateInstanceID = "instanceId_value"
)

// junkSerials are the placeholder BIOS serials of junk machines.
var junkSerials = []string{"To be filled by O.E.M.", "Default string", "None", "0", "System Serial Number"}

// world is the layout shared by the subscriptions of one server: their seeds,
// ID ranges, machine slots and twins.
type world struct {
	k       int     // subscriptions
	n       int     // CSAM assets per subscription
	stride  int     // machine slots per subscription: n + the most VMDR-only hosts one can have
	overlap float64 // Config.Overlap
	seeds   []int64 // data set seed per subscription; seeds[0] is Config.Seed
	total   uint64  // k*stride: every machine number is below it

	assetStride, hostStride int64 // ID range per subscription

	ds     []*dataset // per subscription, filled in order
	extras []int      // VMDR-only hosts per subscription, filled in order
}

// machineStride is the number of machine slots of one subscription.
func machineStride(assets, hosts int) int {
	extra := int(float64(assets)*vmOnlyShare + 0.5)
	return assets + max(extra, hosts)
}

// pow10AtLeast returns the smallest power of ten not below x.
func pow10AtLeast(x int64) int64 {
	p := int64(10)
	for p < x {
		p *= 10
	}
	return p
}

func newWorld(seed int64, k, n, hosts int, overlap float64) *world {
	w := &world{k: k, n: n, stride: machineStride(n, hosts), overlap: overlap, seeds: make([]int64, k)}
	w.total = uint64(k) * uint64(w.stride)
	for s := range w.seeds {
		w.seeds[s] = subSeed(seed, s)
	}
	w.assetStride = pow10AtLeast(int64(n) * maxIDStep)
	blocks := max(n, (w.stride-n+hostBlock-2)/(hostBlock-1))
	w.hostStride = pow10AtLeast(int64(blocks) * hostBlock)
	return w
}

// subSeed is the data set seed of subscription s (0-based): the first one
// keeps Config.Seed, so subscription 1 is the same whatever their number.
func subSeed(seed int64, s int) int64 {
	if s == 0 {
		return seed
	}
	return int64(hashKey(uint64(seed), "subscription", uint64(s)) >> 1)
}

// assetBase and hostBase are where the ID ranges of subscription s start.
func (w *world) assetBase(s int) int64 { return firstAssetID + int64(s)*w.assetStride }
func (w *world) hostBase(s int) int64  { return firstHostID + int64(s)*w.hostStride }

// twinOf reports whether machine slot st of subscription s is a twin, and of
// which earlier subscription: a fraction Overlap of the slots of every
// subscription after the first are, each of the slot with the same index
// in an earlier subscription (a VMDR-only host slot only of one that has
// that VMDR-only host). Slots keep their index along twin chains, so two
// slots of one subscription are never the same machine.
func (w *world) twinOf(s, st int) (int, bool) {
	if s == 0 || w.overlap <= 0 {
		return 0, false
	}
	h := hashKey(uint64(w.seeds[0]), "twin", uint64(s)<<40|uint64(st))
	if unitFloat(h) >= w.overlap {
		return 0, false
	}
	if st < w.n {
		return int(mix64(h) % uint64(s)), true
	}
	k, cands := st-w.n, 0
	for t := 0; t < s; t++ {
		if k < w.extras[t] {
			cands++
		}
	}
	if cands == 0 {
		return 0, false
	}
	pick := int(mix64(h) % uint64(cands))
	for t := 0; t < s; t++ {
		if k < w.extras[t] {
			if pick == 0 {
				return t, true
			}
			pick--
		}
	}
	return 0, false
}

// root returns the subscription whose streams generate machine slot st of
// subscription s: s itself, or for a twin the first subscription of its chain.
func (w *world) root(s, st int) int {
	for {
		t, ok := w.twinOf(s, st)
		if !ok {
			return s
		}
		s = t
	}
}

// machine is the number of the machine of root subscription rs, slot st.
func (w *world) machine(rs, st int) uint64 { return uint64(rs)*uint64(w.stride) + uint64(st) }

// junk reports whether CSAM machine slot st of root subscription rs carries
// junk identifiers.
func (w *world) junk(rs, st int) bool {
	return st < w.n && unitFloat(hashKey(uint64(w.seeds[rs]), "junkid", uint64(st))) < junkShare
}

// template reports whether CSAM machine slot st of root subscription rs is
// a template clone candidate: never a junk slot; the machine is one if it
// also reports BIOS data and carries no other junk (see gen.loadAs).
func (w *world) template(rs, st int) bool {
	return st < w.n && !w.junk(rs, st) && unitFloat(hashKey(uint64(w.seeds[rs]), "templateid", uint64(st))) < templateShare
}

// code renders machine number u as n characters, the first from alphabet
// first and the others from rest, through an affine bijection salted by
// label: distinct machines get distinct codes. n grows when the code space
// cannot hold every machine number.
func (w *world) code(u uint64, label string, n int, first, rest string) string {
	m := uint64(len(first))
	for range n - 1 {
		m *= uint64(len(rest))
	}
	for m < w.total {
		m *= uint64(len(rest))
		n++
	}
	hi, lo := bits.Mul64(codeMul%m, u)
	x := bits.Rem64(hi, lo, m)
	x = (x + hashKey(uint64(w.seeds[0]), label, 0)%m) % m
	b := make([]byte, n)
	for i := n - 1; i > 0; i-- {
		b[i] = rest[x%uint64(len(rest))]
		x /= uint64(len(rest))
	}
	b[0] = first[x%uint64(len(first))]
	return string(b)
}

// perm maps x < 2^nbits to a scrambled value < 2^nbits, bijectively.
func (w *world) perm(x uint64, nbits uint, label string) uint64 {
	mask := uint64(1)<<nbits - 1
	x = (x ^ hashKey(uint64(w.seeds[0]), label, 0)) & mask
	x = x * 0x9e3779b97f4a7c15 & mask
	x ^= x >> (nbits / 2)
	x = x * 0xbf58476d1ce4e5b9 & mask
	x ^= x >> (nbits/2 + 1)
	return x
}

// node48 is 12 hex digits unique to machine u (the node part of its UUIDs).
func (w *world) node48(u uint64, label string) string {
	const hexd = "0123456789abcdef"
	x := w.perm(u, 48, label)
	var b [12]byte
	for i := 11; i >= 0; i-- {
		b[i] = hexd[x&15]
		x >>= 4
	}
	return string(b[:])
}

// macTail is the last three bytes of NIC slot (0 primary, 1 backup) of machine u.
func (w *world) macTail(u uint64, slot int) string {
	x := w.perm(2*u+uint64(slot), 24, "mac")
	const hexd = "0123456789abcdef"
	b := []byte{hexd[x>>20&15], hexd[x>>16&15], ':', hexd[x>>12&15], hexd[x>>8&15], ':', hexd[x>>4&15], hexd[x&15]}
	return string(b)
}

const (
	digitChars = "0123456789"
	hexUpper   = "0123456789ABCDEF"
	letters    = "ABCDEFGHJKLMNPQRSTUVWXYZ"
)

// usernames returns the username of each subscription.
func usernames(cfg Config) []string {
	if cfg.Subscriptions <= 1 {
		return []string{cfg.Username}
	}
	out := make([]string, cfg.Subscriptions)
	for s := range out {
		out[s] = cfg.Username + strconv.Itoa(s+1)
	}
	return out
}

// buildWorld builds the data set and the VMDR index of every subscription
// of cfg (with defaults applied), in order.
func buildWorld(cfg Config) (*world, []*vmIndex, error) {
	w := newWorld(cfg.Seed, cfg.Subscriptions, cfg.Assets, cfg.Hosts, cfg.Overlap)
	w.ds = make([]*dataset, 0, w.k)
	vms := make([]*vmIndex, 0, w.k)
	var kb *kbCatalog
	for s := range w.k {
		ds, err := w.newDataset(s, cfg.Faults.Malformed, cfg.Now())
		if err != nil {
			return nil, nil, err
		}
		w.ds = append(w.ds, ds)
		vm, err := newVMIndex(ds, cfg.Hosts, cfg.Faults.StuckHosts, cfg.Rescan, kb)
		if err != nil {
			return nil, nil, err
		}
		kb = vm.kb
		w.extras = append(w.extras, vm.extra)
		vms = append(vms, vm)
	}
	return w, vms, nil
}

// machineSet is a set of machine numbers.
type machineSet []uint64

func newMachineSet(total uint64) machineSet { return make(machineSet, (total+63)/64) }

// add adds u and reports whether it was new.
func (m machineSet) add(u uint64) bool {
	b := &m[u/64]
	if *b&(1<<(u%64)) != 0 {
		return false
	}
	*b |= 1 << (u % 64)
	return true
}

// machines counts the machines of each subscription and of the server as
// a correct client ends up with them: one per machine that at least one
// loaded record (a well-formed CSAM asset or a VMDR host) describes.
// It fills UnifiedAssets and SharedMachines of each subscription's truth
// and returns the number of distinct machines across subscriptions.
func (w *world) machines(ts []Truth, vms []*vmIndex) int {
	all := newMachineSet(w.total)
	unified := 0
	for s, vm := range vms {
		ds := w.ds[s]
		own := newMachineSet(uint64(w.stride))
		t := &ts[s]
		t.UnifiedAssets, t.SharedMachines = 0, 0
		count := func(st int) {
			if !own.add(uint64(st)) {
				return
			}
			t.UnifiedAssets++
			rs := w.root(s, st)
			if rs != s {
				t.SharedMachines++
			}
			if all.add(w.machine(rs, st)) {
				unified++
			}
		}
		for i := range ds.meta {
			if ds.meta[i].malformed == 0 {
				count(i)
			}
		}
		for h := range vm.hosts {
			count(vm.stream(h))
		}
	}
	return unified
}

// Entries of the junk hint of junkAssetIDs: junkUnknown, or junkKnown
// with the flags junkYes and templateYes.
const (
	junkUnknown = 0
	junkKnown   = 1
	junkYes     = 2
	templateYes = 4
)

// junkFlags is the junk hint entry of the identity g has loaded.
func junkFlags(g *gen) uint8 {
	f := uint8(junkKnown)
	if g.d.junk {
		f |= junkYes
	}
	if g.d.template {
		f |= templateYes
	}
	return f
}

// junkAssetIDs lists the well-formed assets of ds whose machine carries junk
// identifiers (a placeholder BIOS serial, a placeholder hardware UUID or
// shared virtual MAC addresses) and those whose machine is a template clone
// (ascending IDs, empty, never nil). They are computed on first use; hint,
// if not nil, already tells some assets apart so that only the others are
// generated.
func (ds *dataset) junkAssetIDs(hint []uint8) (junk, template []int64) {
	ds.junkOnce.Do(func() {
		ds.junk, ds.template = []int64{}, []int64{}
		g := newGen(ds)
		for i := range ds.meta {
			if ds.meta[i].malformed != 0 {
				continue
			}
			j := uint8(junkUnknown)
			if hint != nil {
				j = hint[i]
			}
			if j == junkUnknown {
				g.load(i)
				j = junkFlags(g)
			}
			if j&junkYes != 0 {
				ds.junk = append(ds.junk, ds.ids[i])
			}
			if j&templateYes != 0 {
				ds.template = append(ds.template, ds.ids[i])
			}
		}
		ds.junkDone.Store(true)
	})
	return ds.junk, ds.template
}
