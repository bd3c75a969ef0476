package qualyssim

import "fmt"

// Epochs: the simulated clock and the per-epoch view of the VMDR hosts.

// epochState is the current epoch and each subscription's view of it.
type epochState struct {
	n  int
	vm []*vmEpoch // per subscription
}

// Epoch returns the current epoch.
func (s *Server) Epoch() int { return s.epoch.Load().n }

// Advance moves simulated time on by one epoch (see Config.Epoch) and
// returns the new epoch: Config.Rescan of the hosts (a fifth) are rescanned, some of their
// detections are fixed, reopened or added, and a few KB entries change.
func (s *Server) Advance() (int, error) {
	s.advMu.Lock()
	defer s.advMu.Unlock()
	e := s.epoch.Load()
	if e.n >= MaxEpoch {
		return e.n, fmt.Errorf("qualyssim: epoch %d is the last one", e.n)
	}
	ne := &epochState{n: e.n + 1, vm: make([]*vmEpoch, len(s.subs))}
	for i, sub := range s.subs {
		ne.vm[i] = sub.vm.next(e.vm[i])
	}
	s.epoch.Store(ne)
	return ne.n, nil
}

// vmEpoch is the per-epoch view: the last epoch (<= n) in which each host changed.
type vmEpoch struct {
	n    int
	last []uint16
}

// changed reports whether host id is rescanned (and changed) in epoch k >= 1.
func (vm *vmIndex) changed(id int64, k int) bool {
	return unitFloat(hashKey(uint64(vm.seed), "vmchg", uint64(id)<<16|uint64(k))) < vm.rescan
}

// epochAt builds the view of epoch n from scratch.
func (vm *vmIndex) epochAt(n int) *vmEpoch {
	e := &vmEpoch{n: n, last: make([]uint16, len(vm.hosts))}
	for k := 1; k <= n; k++ {
		for h := range vm.hosts {
			if vm.changed(vm.hosts[h].id, k) {
				e.last[h] = uint16(k)
			}
		}
	}
	return e
}

// next returns the view of the epoch after e.
func (vm *vmIndex) next(e *vmEpoch) *vmEpoch {
	k := e.n + 1
	ne := &vmEpoch{n: k, last: make([]uint16, len(e.last))}
	copy(ne.last, e.last)
	for h := range vm.hosts {
		if vm.changed(vm.hosts[h].id, k) {
			ne.last[h] = uint16(k)
		}
	}
	return ne
}

// epochTime is the DATETIME (unix seconds) the server reports during epoch e.
func (vm *vmIndex) epochTime(e int) int64 { return vm.anchor + int64(e)*secPerDay }

// scanTimes returns when host id was last scanned (scan end) and processed
// as of epoch k (k = its last change, 0 = the base scan before the anchor).
func (vm *vmIndex) scanTimes(id int64, k int, agent bool) (scanEnd, processed int64) {
	h := hashKey(uint64(vm.seed), "vmscan", uint64(id)<<16|uint64(k))
	if k == 0 {
		spread := 7 * secPerDay
		if agent {
			spread = 2 * secPerDay
		}
		scanEnd = vm.anchor - 3*3600 - int64(h%uint64(spread))
	} else {
		scanEnd = vm.epochTime(k-1) + 3600 + int64(h%uint64(20*3600))
	}
	return scanEnd, scanEnd + 20 + int64(h>>32)%400
}
