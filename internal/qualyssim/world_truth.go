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
//
// With one subscription the fields describe it. With several, Subscriptions
// holds each one's truth (the same fields plus its username), and the
// top-level fields describe the whole server: counts are summed, ID lists
// concatenated in subscription order (still ascending: the ID ranges of the
// subscriptions follow each other), Seed is Config.Seed, and UnifiedAssets
// counts the machines across all subscriptions.
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
	// Changes are the findings this epoch's rescans changed, as a client that
	// held the previous epoch's detections and reads the rescanned hosts sees
	// them (empty lists at epoch 0; stuck hosts left out).
	Changes EpochChanges `json:"changes"`
	// StuckHosts are the host IDs that never deliver their detections (fault
	// stuckhost) and StuckDetections the number of their detections,
	// counted as Detections.Total counts them.
	StuckHosts      []int64 `json:"stuck_hosts"`
	StuckDetections int     `json:"stuck_detections"`

	// UnifiedAssets is the number of distinct machines described by the
	// records a correct client loads (well-formed CSAM assets and all VMDR
	// hosts) across all subscriptions and both sources: a CSAM asset and
	// the VMDR host of its hostId in the same subscription are one machine,
	// a machine that also appears in an earlier subscription (see Overlap)
	// counts once, CSAM-only assets and VMDR-only hosts count too. It is
	// exactly the number of assets the identification rules of design.md §7
	// (native host ID within a subscription, agent ID, BIOS serial, hardware
	// UUID, cloud instance ID, MAC address, FQDN, NetBIOS name + domain; IP
	// off; junk values never matching) produce when applied to the records
	// in this order: the CSAM assets of every subscription (subscription 1
	// first), then the VMDR hosts of every subscription. In a
	// subscription's own truth it counts that subscription's machines.
	UnifiedAssets int `json:"unified_assets"`
	// SharedMachines is the number of those machines that also appear in an
	// earlier subscription (0 for the first).
	SharedMachines int `json:"shared_machines"`
	// JunkAssetIDs are the well-formed assets, ascending, whose machine
	// reports junk identifiers that must never match: a placeholder BIOS
	// serial, the all-zero or AMI placeholder hardware UUID, and/or shared
	// virtual MAC addresses (empty, never null). Their FQDN, and their real
	// MAC if they have one, are still their own.
	JunkAssetIDs []int64 `json:"junk_asset_ids"`
	// TemplateAssetIDs are the well-formed assets, ascending, whose machine
	// is a template clone (about 1%, none of them junk machines): it
	// reports the BIOS serial "Default string", the template MAC address
	// 00:0c:29:15:6a:72 on its primary interface and, in a cloud, the
	// instance ID "instanceId_value", values other template clones report
	// too; its agent ID, hardware UUID, FQDN and NetBIOS name are its own
	// (empty, never null).
	TemplateAssetIDs []int64 `json:"template_asset_ids"`
	// Subscriptions is each subscription's truth, in order; only with more
	// than one subscription.
	Subscriptions []SubscriptionTruth `json:"subscriptions,omitempty"`
}

// SubscriptionTruth is the truth of one subscription of a server with
// several: its username and the fields of Truth for it alone.
type SubscriptionTruth struct {
	Username string `json:"username"`
	Truth
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

// EpochChanges lists the detections an epoch's rescans added, fixed and
// reopened. A detection is identified within its host by (QID, port); the
// previous epoch's detections are all of them (status=New,Active,Fixed,
// Re-Opened&show_igs=1&include_ignored=1&include_disabled=1). Each list is
// sorted by host ID, QID and port, and is empty, never null, when nothing
// changed.
type EpochChanges struct {
	// NewFindings are detections a rescanned host reports that it did not report in the previous epoch.
	NewFindings []FindingRef `json:"new_findings"`
	// FixedFindings are detections whose status became Fixed (from New, Active or Re-Opened).
	FixedFindings []FindingRef `json:"fixed_findings"`
	// ReopenedFindings are detections whose status went from Fixed to Re-Opened.
	ReopenedFindings []FindingRef `json:"reopened_findings"`
}

// FindingRef names one detection: host, QID, port, protocol and SSL as the
// host list detection output gives them. A detection without a port has
// neither PORT nor PROTOCOL there: Port 0 and Protocol "" (both left out of
// the JSON); SSL is its SSL element (0 or 1).
type FindingRef struct {
	HostID   int64  `json:"host_id"`
	QID      int    `json:"qid"`
	Port     int    `json:"port,omitempty"`
	Protocol string `json:"protocol,omitempty"`
	SSL      bool   `json:"ssl,omitempty"`
}

func newEpochChanges() EpochChanges {
	return EpochChanges{NewFindings: []FindingRef{}, FixedFindings: []FindingRef{}, ReopenedFindings: []FindingRef{}}
}

func (c EpochChanges) clone() EpochChanges {
	return EpochChanges{
		NewFindings:      append([]FindingRef{}, c.NewFindings...),
		FixedFindings:    append([]FindingRef{}, c.FixedFindings...),
		ReopenedFindings: append([]FindingRef{}, c.ReopenedFindings...),
	}
}

// findingRef names detection d of host id as the HLD output writes it.
func findingRef(id int64, d *detection) FindingRef {
	f := FindingRef{HostID: id, QID: d.kb.qid, SSL: d.ssl}
	if d.port != 0 {
		f.Port, f.Protocol = int(d.port), d.proto
	}
	return f
}

// diff appends to c how host id's detections went from prev to cur (both
// sorted by QID and port, as generate returns them).
func (c *EpochChanges) diff(id int64, prev, cur []detection) {
	i := 0
	for j := range cur {
		d := &cur[j]
		for i < len(prev) && (prev[i].kb.qid < d.kb.qid || prev[i].kb.qid == d.kb.qid && prev[i].port < d.port) {
			i++ // gone: detections never disappear
		}
		if i == len(prev) || prev[i].kb.qid != d.kb.qid || prev[i].port != d.port {
			c.NewFindings = append(c.NewFindings, findingRef(id, d))
			continue
		}
		switch was := prev[i].status; {
		case d.status == stFixed && was != stFixed && was != stInfo:
			c.FixedFindings = append(c.FixedFindings, findingRef(id, d))
		case d.status == stReopened && was == stFixed:
			c.ReopenedFindings = append(c.ReopenedFindings, findingRef(id, d))
		}
		i++
	}
}

func (t Truth) clone() Truth {
	t.AssetIDs = slices.Clone(t.AssetIDs)
	t.MalformedAssetIDs = append([]int64{}, t.MalformedAssetIDs...)
	t.HostIDs = append([]int64{}, t.HostIDs...)
	t.KBQIDs = append([]int{}, t.KBQIDs...)
	t.ChangedHostIDs = append([]int64{}, t.ChangedHostIDs...)
	t.Changes = t.Changes.clone()
	t.StuckHosts = append([]int64{}, t.StuckHosts...)
	t.Detections.ByStatus = maps.Clone(t.Detections.ByStatus)
	t.Detections.ByType = maps.Clone(t.Detections.ByType)
	t.JunkAssetIDs = append([]int64{}, t.JunkAssetIDs...)
	t.TemplateAssetIDs = append([]int64{}, t.TemplateAssetIDs...)
	if t.Subscriptions != nil {
		subs := make([]SubscriptionTruth, len(t.Subscriptions))
		for k, st := range t.Subscriptions {
			subs[k] = SubscriptionTruth{Username: st.Username, Truth: st.Truth.clone()}
		}
		t.Subscriptions = subs
	}
	return t
}

// worldTruth computes the truth of every subscription as of the epoch views
// es (one per subscription) and combines them.
func worldTruth(w *world, vms []*vmIndex, es []*vmEpoch, names []string) Truth {
	ts := make([]Truth, len(vms))
	for s, vm := range vms {
		ds := w.ds[s]
		t := ds.truth.clone()
		var junk []uint8
		if !ds.junkDone.Load() {
			junk = make([]uint8, len(ds.ids))
		}
		vm.vmTruth(&t, es[s], junk)
		junkIDs, templateIDs := ds.junkAssetIDs(junk)
		t.JunkAssetIDs, t.TemplateAssetIDs = slices.Clone(junkIDs), slices.Clone(templateIDs)
		ts[s] = t
	}
	unified := w.machines(ts, vms)
	if len(ts) == 1 {
		return ts[0]
	}
	top := Truth{Seed: w.seeds[0], AssetIDs: []int64{}, MalformedAssetIDs: []int64{}, HostIDs: []int64{},
		KBQIDs: ts[0].KBQIDs, Epoch: ts[0].Epoch, DateTime: ts[0].DateTime, ChangedHostIDs: []int64{}, Changes: newEpochChanges(), StuckHosts: []int64{},
		Detections: DetectionCounts{ByStatus: map[string]int{}, ByType: map[string]int{}}, JunkAssetIDs: []int64{}, TemplateAssetIDs: []int64{},
		UnifiedAssets: unified, Subscriptions: make([]SubscriptionTruth, len(ts))}
	for s, t := range ts {
		top.Assets += t.Assets
		top.AssetIDs = append(top.AssetIDs, t.AssetIDs...)
		top.SoftwareInstalls += t.SoftwareInstalls
		top.MalformedAssetIDs = append(top.MalformedAssetIDs, t.MalformedAssetIDs...)
		top.Hosts += t.Hosts
		top.HostIDs = append(top.HostIDs, t.HostIDs...)
		top.Detections.Total += t.Detections.Total
		for k, v := range t.Detections.ByStatus {
			top.Detections.ByStatus[k] += v
		}
		for k, v := range t.Detections.ByType {
			top.Detections.ByType[k] += v
		}
		top.Detections.Ignored += t.Detections.Ignored
		top.Detections.Disabled += t.Detections.Disabled
		top.ChangedHostIDs = append(top.ChangedHostIDs, t.ChangedHostIDs...)
		top.Changes.NewFindings = append(top.Changes.NewFindings, t.Changes.NewFindings...)
		top.Changes.FixedFindings = append(top.Changes.FixedFindings, t.Changes.FixedFindings...)
		top.Changes.ReopenedFindings = append(top.Changes.ReopenedFindings, t.Changes.ReopenedFindings...)
		top.StuckHosts = append(top.StuckHosts, t.StuckHosts...)
		top.StuckDetections += t.StuckDetections
		top.SharedMachines += t.SharedMachines
		top.JunkAssetIDs = append(top.JunkAssetIDs, t.JunkAssetIDs...)
		top.TemplateAssetIDs = append(top.TemplateAssetIDs, t.TemplateAssetIDs...)
		top.Subscriptions[s] = SubscriptionTruth{Username: names[s], Truth: t}
	}
	top.KBQIDs = slices.Clone(top.KBQIDs)
	return top
}

// vmTruth fills the VMDR part of t as of epoch view e. If junk is not nil
// (one entry per asset), it notes for every asset with a VMDR host whether
// its machine carries junk identifiers or is a template clone (see junkFlags).
func (vm *vmIndex) vmTruth(t *Truth, e *vmEpoch, junk []uint8) {
	t.Hosts = len(vm.hosts)
	t.HostIDs = make([]int64, len(vm.hosts))
	t.Epoch, t.DateTime = e.n, fmtDate(vm.epochTime(e.n))
	t.ChangedHostIDs, t.StuckHosts = []int64{}, []int64{}
	t.Changes = newEpochChanges()
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
		changed := e.n > 0 && int(e.last[h]) == e.n
		if changed {
			t.ChangedHostIDs = append(t.ChangedHostIDs, vh.id)
		}
		vm.loadHost(&hr, g, h, e)
		if junk != nil && vh.ref >= 0 {
			junk[vh.ref] = junkFlags(g)
		}
		var prev, dets []detection
		if changed && !vh.stuck {
			prev, dets = dg.generatePair(&hr, e.n)
		} else {
			dets = dg.generate(&hr, e.n)
		}
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
		if changed {
			t.Changes.diff(vh.id, prev, dets)
		}
	}
}

// TruthFor computes the ground truth cfg would serve, without starting a
// server (the same defaults and validation as New apply).
func TruthFor(cfg Config) (Truth, error) {
	cfg, err := cfg.withDefaults()
	if err != nil {
		return Truth{}, err
	}
	w, vms, err := buildWorld(cfg)
	if err != nil {
		return Truth{}, err
	}
	es := make([]*vmEpoch, len(vms))
	for s, vm := range vms {
		es[s] = vm.epochAt(cfg.Epoch)
	}
	return worldTruth(w, vms, es, usernames(cfg)), nil
}

// Truth returns the ground truth of the data set as of the current epoch (a
// copy). The VMDR part is computed on the first call of each epoch.
func (s *Server) Truth() Truth {
	e := s.epoch.Load()
	s.truthMu.Lock()
	defer s.truthMu.Unlock()
	if s.truthEpoch != e {
		vms := make([]*vmIndex, len(s.subs))
		for i, sub := range s.subs {
			vms[i] = sub.vm
		}
		s.truthCache, s.truthEpoch = worldTruth(s.w, vms, e.vm, s.Usernames()), e
	}
	return s.truthCache.clone()
}
