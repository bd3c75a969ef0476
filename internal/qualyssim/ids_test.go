package qualyssim

import (
	"bytes"
	"net/url"
	"testing"

	"github.com/qflow/qflow/internal/testscale"
)

// Asset and host IDs are sparse like a real subscription's: random gaps,
// so a host list with details=None answers mostly <ID> with an occasional
// <ID_RANGE> (where VMDR-only hosts sit next to a CSAM host), and asset IDs
// are never consecutive.
func TestIDsAreSparse(t *testing.T) {
	t.Parallel()
	e := newVMEnv(t, Config{Assets: testscale.N(t, 200, 1000), Seed: 3})
	truth := e.sim.Truth()
	_, body := e.call("GET", pathHostList, url.Values{"action": {"list"}, "details": {"None"}, "truncation_limit": {"0"}}, nil)
	ids, ranges := bytes.Count(body, []byte("<ID>")), bytes.Count(body, []byte("<ID_RANGE>"))
	if ranges == 0 || ids < 10*ranges {
		t.Errorf("host list details=None: %d <ID> and %d <ID_RANGE>; want mostly <ID>, some <ID_RANGE>", ids, ranges)
	}
	gaps := 0
	for i := 1; i < len(truth.HostIDs); i++ {
		if truth.HostIDs[i]-truth.HostIDs[i-1] > 1 {
			gaps++
		}
	}
	if gaps < len(truth.HostIDs)*8/10 {
		t.Errorf("%d gaps between %d host IDs: not sparse", gaps, len(truth.HostIDs))
	}
	for i := 1; i < len(truth.AssetIDs); i++ {
		if truth.AssetIDs[i]-truth.AssetIDs[i-1] < 2 {
			t.Fatalf("asset IDs %d and %d are consecutive", truth.AssetIDs[i-1], truth.AssetIDs[i])
		}
	}
}
