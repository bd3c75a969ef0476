package qualyssim

import (
	"fmt"
	"math/rand/v2"
	"sort"
)

// The VMDR host population. Host IDs are laid out in blocks of hostBlock per
// CSAM asset index: asset i's hostId is the subscription's base (firstHostID
// for the first, see world.hostBase) + i*hostBlock + an offset drawn from the seed, and VMDR-only hosts take other offsets of the blocks
// (blocks beyond the assets when there are many of them). The index keeps 16
// bytes per host; host records and detections are regenerated on demand.

const (
	firstHostID = 1_000_000
	hostBlock   = 8
	// vmChangeP is the default share of hosts rescanned (and changed) per
	// epoch (Config.Rescan).
	vmChangeP = 0.2
	// vmOnlyShare is the default number of VMDR-only hosts as a share of Assets.
	vmOnlyShare = 0.05
	secPerDay   = int64(24 * 60 * 60)
)

// csamHostID is the hostId of asset i of ds (whether or not the asset reports one).
func csamHostID(ds *dataset, i int) int64 {
	return ds.w.hostBase(ds.sub) + int64(i)*hostBlock + int64(hashKey(uint64(ds.seed), "hostid", uint64(i))%hostBlock)
}

// vmHost is one entry of the host index.
type vmHost struct {
	id    int64
	ref   int32 // >= 0: CSAM asset index; < 0: VMDR-only host number -ref-1
	stuck bool
}

// vmIndex is the immutable VMDR population and KnowledgeBase of a server.
type vmIndex struct {
	ds     *dataset
	seed   int64
	kbSeed int64    // the KB is the same for every subscription: Config.Seed
	extra  int      // VMDR-only hosts
	hosts  []vmHost // ascending id
	stuck  []int    // indexes into hosts, ascending
	anchor int64    // unix seconds: the DATETIME of epoch 0
	kb     *kbCatalog
	rescan float64 // share of hosts rescanned per epoch
}

// newVMIndex lays out hosts VMDR hosts (0 = default) over the data set and
// marks stuck hosts. kb is the KnowledgeBase to share (nil: build one).
func newVMIndex(ds *dataset, hosts, stuck int, rescan float64, kb *kbCatalog) (*vmIndex, error) {
	n := len(ds.ids)
	linked := 0
	for i := range ds.meta {
		if ds.meta[i].hostID {
			linked++
		}
	}
	if hosts == 0 {
		hosts = linked + int(float64(n)*vmOnlyShare+0.5)
	}
	extra, drop := hosts-linked, 0
	if extra < 0 {
		extra, drop = 0, -extra
	}
	blocks := n
	if need := (extra + hostBlock - 2) / (hostBlock - 1); need > blocks {
		blocks = need
	}
	vm := &vmIndex{ds: ds, seed: ds.seed, kbSeed: ds.w.seeds[0], extra: extra, anchor: ds.anchorMs / 1000, hosts: make([]vmHost, 0, hosts), kb: kb, rescan: rescan}
	if vm.kb == nil {
		vm.kb = newKBCatalog(vm.anchor)
	}
	base := ds.w.hostBase(ds.sub)
	l, only := 0, int32(0)
	var offs [hostBlock]int
	for b := 0; b < blocks; b++ {
		own := int(hashKey(uint64(ds.seed), "hostid", uint64(b)) % hostBlock)
		start := len(vm.hosts)
		if b < n && ds.meta[b].hostID {
			if drop == 0 || (int64(l+1)*int64(drop))/int64(linked)-(int64(l)*int64(drop))/int64(linked) == 0 {
				vm.hosts = append(vm.hosts, vmHost{id: base + int64(b)*hostBlock + int64(own), ref: int32(b)})
			}
			l++
		}
		c := int((int64(b+1)*int64(extra))/int64(blocks) - (int64(b)*int64(extra))/int64(blocks))
		if c > 0 {
			// The free offsets of the block in a seeded order; take c of them.
			k := 0
			for o := 0; o < hostBlock; o++ {
				if o != own {
					offs[k] = o
					k++
				}
			}
			r := rand.New(rand.NewPCG(hashKey(uint64(ds.seed), "vmonly", uint64(b)), 1))
			r.Shuffle(k, func(x, y int) { offs[x], offs[y] = offs[y], offs[x] })
			for _, o := range offs[:c] {
				only++
				vm.hosts = append(vm.hosts, vmHost{id: base + int64(b)*hostBlock + int64(o), ref: -only})
			}
			blk := vm.hosts[start:]
			sort.Slice(blk, func(x, y int) bool { return blk[x].id < blk[y].id })
		}
	}
	if stuck > len(vm.hosts) {
		return nil, fmt.Errorf("qualyssim: invalid config: fault stuckhost: %d hosts requested, the data set has %d", stuck, len(vm.hosts))
	}
	for j := uint64(0); len(vm.stuck) < stuck; j++ {
		k := int(hashKey(uint64(ds.seed), "stuck", j) % uint64(len(vm.hosts)))
		if !vm.hosts[k].stuck {
			vm.hosts[k].stuck = true
			vm.stuck = append(vm.stuck, k)
		}
	}
	sort.Ints(vm.stuck)
	return vm, nil
}

// stream returns the generator stream index of host h: the CSAM asset index,
// or an index past the assets for VMDR-only hosts.
func (vm *vmIndex) stream(h int) int {
	if r := vm.hosts[h].ref; r >= 0 {
		return int(r)
	}
	return len(vm.ds.ids) + int(-vm.hosts[h].ref-1)
}
