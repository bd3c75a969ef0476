package qualyssim

import (
	"maps"
	"slices"
)

// Truth is the ground truth of a data set: what a correct client that walks
// every page without filters ends up holding.
//
// Assets, AssetIDs and SoftwareInstalls count only well-formed assets. Assets
// served malformed (fault "malformed") are listed in MalformedAssetIDs under
// the id they occupy in paging order (lastSeenAssetId still moves past them);
// a correct client quarantines them instead of loading them. The count API,
// which knows nothing of malformation, includes them.
type Truth struct {
	// Assets is the number of well-formed assets.
	Assets int `json:"assets"`
	// AssetIDs are the well-formed asset ids in ascending order.
	AssetIDs []int64 `json:"asset_ids"`
	// SoftwareInstalls is the total number of softwareListData.software entries of the well-formed assets.
	SoftwareInstalls int `json:"software_installs"`
	// MalformedAssetIDs are the ids of the assets served malformed, ascending (empty, never null).
	MalformedAssetIDs []int64 `json:"malformed_asset_ids"`
	// Seed is the data set seed.
	Seed int64 `json:"seed"`

	// Hosts is the number of VMDR hosts (the host list API returns them all).
	Hosts int `json:"hosts"`
	// HostIDs are the VMDR host IDs, ascending.
	HostIDs []int64 `json:"host_ids"`
	// Detections counts the detections of every host except the stuck ones,
	// as returned with status=New,Active,Fixed,Re-Opened&show_igs=1&
	// include_ignored=1&include_disabled=1 (the defaults leave out Fixed,
	// Info, ignored and disabled detections).
	Detections DetectionCounts `json:"detections"`
	// KBQIDs are the QIDs of the KnowledgeBase (a superset of those the
	// detections use), ascending.
	KBQIDs []int `json:"kb_qids"`
	// Epoch is the current epoch and DateTime the DATETIME the API server
	// reports during it (YYYY-MM-DDTHH:MM:SSZ).
	Epoch    int    `json:"epoch"`
	DateTime string `json:"datetime"`
	// ChangedHostIDs are the hosts rescanned in this epoch: exactly those
	// vm_processed_after=<DATETIME of the previous epoch> returns (empty at epoch 0).
	ChangedHostIDs []int64 `json:"changed_host_ids"`
	// StuckHosts are the host IDs that never deliver their detections (fault
	// stuckhost) and StuckDetections the number of their detections,
	// counted as Detections.Total counts them.
	StuckHosts      []int64 `json:"stuck_hosts"`
	StuckDetections int     `json:"stuck_detections"`
}

// DetectionCounts break the detections down. Info detections carry no
// status, so ByStatus sums to Total minus ByType["Info"].
type DetectionCounts struct {
	Total int `json:"total"`
	// ByStatus is keyed New, Active, Fixed, Re-Opened.
	ByStatus map[string]int `json:"by_status"`
	// ByType is keyed Confirmed, Potential, Info.
	ByType map[string]int `json:"by_type"`
	// Ignored and Disabled count the detections flagged IS_IGNORED / IS_DISABLED.
	Ignored  int `json:"ignored"`
	Disabled int `json:"disabled"`
}

func (t Truth) clone() Truth {
	t.AssetIDs = slices.Clone(t.AssetIDs)
	t.MalformedAssetIDs = append([]int64{}, t.MalformedAssetIDs...)
	t.HostIDs = append([]int64{}, t.HostIDs...)
	t.KBQIDs = append([]int{}, t.KBQIDs...)
	t.ChangedHostIDs = append([]int64{}, t.ChangedHostIDs...)
	t.StuckHosts = append([]int64{}, t.StuckHosts...)
	t.Detections.ByStatus = maps.Clone(t.Detections.ByStatus)
	t.Detections.ByType = maps.Clone(t.Detections.ByType)
	return t
}

// vmTruth fills the VMDR part of t as of epoch view e.
func (vm *vmIndex) vmTruth(t *Truth, e *vmEpoch) {
	t.Hosts = len(vm.hosts)
	t.HostIDs = make([]int64, len(vm.hosts))
	t.Epoch, t.DateTime = e.n, fmtDate(vm.epochTime(e.n))
	t.ChangedHostIDs, t.StuckHosts = []int64{}, []int64{}
	t.Detections = DetectionCounts{ByStatus: map[string]int{}, ByType: map[string]int{}}
	for _, st := range statusNames[:4] {
		t.Detections.ByStatus[st] = 0
	}
	for _, ty := range typeNames {
		t.Detections.ByType[ty] = 0
	}
	t.KBQIDs = make([]int, len(vm.kb.vulns))
	for i := range vm.kb.vulns {
		t.KBQIDs[i] = vm.kb.vulns[i].qid
	}
	g, dg := newGen(vm.ds), newDetGen(vm)
	var hr hostRec
	for h := range vm.hosts {
		vh := &vm.hosts[h]
		t.HostIDs[h] = vh.id
		if e.n > 0 && int(e.last[h]) == e.n {
			t.ChangedHostIDs = append(t.ChangedHostIDs, vh.id)
		}
		vm.loadHost(&hr, g, h, e)
		dets := dg.generate(&hr, e.n)
		if vh.stuck {
			t.StuckHosts = append(t.StuckHosts, vh.id)
			t.StuckDetections += len(dets)
			continue
		}
		c := &t.Detections
		c.Total += len(dets)
		for j := range dets {
			d := &dets[j]
			c.ByType[typeNames[d.typ]]++
			if d.typ != typInfo {
				c.ByStatus[statusNames[d.status]]++
			}
			if d.ignored {
				c.Ignored++
			}
			if d.disabled {
				c.Disabled++
			}
		}
	}
}

// Stats are the server's counters since it was created.
type Stats struct {
	// Calls counts requests per endpoint, keyed "METHOD /path" (e.g. "POST /auth",
	// "POST /rest/2.0/search/am/asset"); refused and faulted calls included, /_sim/* excluded.
	Calls map[string]int64 `json:"calls"`
	// MaxConcurrency is the largest number of limited calls admitted at once.
	MaxConcurrency int `json:"max_concurrency"`
	// LimitViolations counts calls refused for breaking the concurrency or
	// rate limit: CSAM 429s and VMDR 409s (1960/1965) together.
	LimitViolations int64 `json:"limit_violations"`
	// LimitViolationsByAPI splits LimitViolations: keys "csam" and "vm".
	LimitViolationsByAPI map[string]int64 `json:"limit_violations_by_api"`
	// VMMaxConcurrency is the largest number of VMDR calls admitted at once.
	VMMaxConcurrency int `json:"vm_max_concurrency"`
	// Faults counts injected faults by kind (Fault5xx, FaultReset, ...); for
	// FaultMalformed it counts malformed asset records served.
	Faults map[string]int64 `json:"faults"`
}

// TruthFor computes the ground truth cfg would serve, without starting a
// server (the same defaults and validation as New apply).
func TruthFor(cfg Config) (Truth, error) {
	cfg, err := cfg.withDefaults()
	if err != nil {
		return Truth{}, err
	}
	ds, err := newDataset(cfg.Seed, cfg.Assets, cfg.Faults.Malformed, cfg.Now())
	if err != nil {
		return Truth{}, err
	}
	vm, err := newVMIndex(ds, cfg.Hosts, cfg.Faults.StuckHosts)
	if err != nil {
		return Truth{}, err
	}
	t := ds.truth.clone()
	vm.vmTruth(&t, vm.epochAt(cfg.Epoch))
	return t, nil
}
