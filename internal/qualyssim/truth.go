package qualyssim

import "slices"

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
}

func (t Truth) clone() Truth {
	t.AssetIDs = slices.Clone(t.AssetIDs)
	t.MalformedAssetIDs = append([]int64{}, t.MalformedAssetIDs...)
	return t
}

// Stats are the server's counters since it was created.
type Stats struct {
	// Calls counts requests per endpoint, keyed "METHOD /path" (e.g. "POST /auth",
	// "POST /rest/2.0/search/am/asset"); refused and faulted calls included, /_sim/* excluded.
	Calls map[string]int64 `json:"calls"`
	// MaxConcurrency is the largest number of limited calls admitted at once.
	MaxConcurrency int `json:"max_concurrency"`
	// LimitViolations counts calls refused (429) for breaking the concurrency or rate limit.
	LimitViolations int64 `json:"limit_violations"`
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
	return ds.truth, nil
}
