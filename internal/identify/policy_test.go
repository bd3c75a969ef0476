package identify

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestPolicyValidate(t *testing.T) {
	if err := DefaultPolicy().Validate(); err != nil {
		t.Fatalf("default policy: %v", err)
	}
	err := Policy{Veto: []Attribute{"serial", AgentID, NativeKey, MAC, MAC}, JunkThreshold: 0}.Validate()
	if err == nil {
		t.Fatal("bad policy accepted")
	}
	for _, want := range []string{`unknown attribute "serial"`, "agent_id cannot veto", "native_key cannot veto", `attribute "mac" twice`, "junk threshold: 0"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error lacks %q:\n%v", want, err)
		}
	}
}

// memCarriers answers Carriers from a list of loaded records.
type memCarriers []Identifiers

func (m memCarriers) Carriers(_ context.Context, a Attribute, v string, limit int) (Identifiers, error) {
	out := Identifiers{}
	for _, r := range m {
		if !slices.Contains(r[a], v) {
			continue
		}
		for _, ma := range machineAttrs {
			for _, x := range r[ma] {
				if !slices.Contains(out[ma], x) && len(out[ma]) < limit {
					out[ma] = append(out[ma], x)
				}
			}
		}
	}
	return out, nil
}

func clone(i int, mac string) Identifiers {
	return Identifiers{BIOSSerial: {fmt.Sprintf("SN-%d", i)}, HardwareUUID: {fmt.Sprintf("uuid-%d", i)},
		AgentID: {fmt.Sprintf("agent-%d", i)}, MAC: {mac}, FQDN: {fmt.Sprintf("host%d.example.com", i)}}
}

func TestLearnJunk(t *testing.T) {
	p := DefaultPolicy()
	shared := "00:0c:29:15:6a:72"
	for _, tc := range []struct {
		name   string
		loaded memCarriers
		rec    Identifiers
		want   []Junk
	}{
		{name: "nothing loaded", rec: clone(0, shared)},
		{name: "five machines share a MAC: not yet", loaded: memCarriers{clone(1, shared), clone(2, shared), clone(3, shared), clone(4, shared)}, rec: clone(5, shared)},
		{name: "the sixth machine makes it junk", loaded: memCarriers{clone(1, shared), clone(2, shared), clone(3, shared), clone(4, shared), clone(5, shared)}, rec: clone(6, shared),
			want: []Junk{{Attribute: MAC, Value: shared, Machines: 6}}},
		{name: "one machine seen six times is not junk", loaded: memCarriers{clone(1, shared), clone(1, shared), clone(1, shared), clone(1, shared), clone(1, shared)}, rec: clone(1, shared)},
		{name: "machines told apart by agent ID alone", loaded: func() memCarriers {
			var m memCarriers
			for i := range 6 {
				m = append(m, Identifiers{AgentID: {fmt.Sprintf("agent-%d", i)}, FQDN: {"golden.example.com"}})
			}
			return m
		}(), rec: Identifiers{AgentID: {"agent-9"}, FQDN: {"golden.example.com"}}, want: []Junk{{Attribute: FQDN, Value: "golden.example.com", Machines: 7}}},
		{name: "a shared serial counts UUIDs and agents, not serials", loaded: func() memCarriers {
			var m memCarriers
			for i := range 6 {
				m = append(m, Identifiers{BIOSSerial: {"SHARED-SN"}, HardwareUUID: {fmt.Sprintf("uuid-%d", i)}})
			}
			return m
		}(), rec: Identifiers{BIOSSerial: {"SHARED-SN"}, HardwareUUID: {"uuid-0"}}, want: []Junk{{Attribute: BIOSSerial, Value: "SHARED-SN", Machines: 6}}},
		{name: "native keys are never junk", loaded: memCarriers{clone(1, ""), clone(2, ""), clone(3, ""), clone(4, ""), clone(5, ""), clone(6, "")}, rec: Identifiers{NativeKey: {"k"}}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := LearnJunk(t.Context(), Defaults(), p, tc.rec, tc.loaded)
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("LearnJunk (-want +got):\n%s", diff)
			}
		})
	}
}

func TestGroup(t *testing.T) {
	rules, p := Defaults(), DefaultPolicy()
	for _, tc := range []struct {
		name string
		recs []Identifiers
		want [][]int
	}{
		{name: "one record", recs: []Identifiers{clone(1, "00:0c:29:00:00:01")}, want: [][]int{{0}}},
		{name: "two machines", recs: []Identifiers{clone(1, "00:0c:29:00:00:01"), clone(2, "00:0c:29:00:00:02")}, want: [][]int{{0}, {1}}},
		{name: "CSAM and VMDR of one machine", recs: []Identifiers{clone(1, "00:0c:29:00:00:01"), {AgentID: {"agent-1"}, NativeKey: {"s/vmdr/9"}}}, want: [][]int{{0, 1}}},
		{name: "a third record links the first two", recs: []Identifiers{
			{BIOSSerial: {"SN-1"}}, {MAC: {"00:0c:29:00:00:01"}}, {BIOSSerial: {"SN-1"}, MAC: {"00:0c:29:00:00:01"}}}, want: [][]int{{0, 1, 2}}},
		{name: "a shared MAC does not join machines with other serials", recs: []Identifiers{
			{BIOSSerial: {"SN-1"}, MAC: {"00:0c:29:00:00:01"}}, {BIOSSerial: {"SN-2"}, MAC: {"00:0c:29:00:00:01"}}, {MAC: {"00:0c:29:00:00:01"}}}, want: [][]int{{0, 2}, {1}}},
		{name: "the link between conflicting groups is refused", recs: []Identifiers{
			{HardwareUUID: {"u1"}, FQDN: {"a.example.com"}}, {HardwareUUID: {"u2"}, FQDN: {"b.example.com"}}, {FQDN: {"a.example.com", "b.example.com"}}}, want: [][]int{{0, 2}, {1}}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if diff := cmp.Diff(tc.want, Group(rules, p, tc.recs)); diff != "" {
				t.Errorf("Group (-want +got):\n%s", diff)
			}
		})
	}
}

// Group and Resolve agree: whatever the order in which records arrive, the
// machines are the same.
func TestGroupIndependentOfOrder(t *testing.T) {
	rules, p := Defaults(), DefaultPolicy()
	recs := []Identifiers{
		{BIOSSerial: {"SN-1"}, AgentID: {"a1"}},
		{AgentID: {"a1"}, NativeKey: {"s/vmdr/1"}},
		{MAC: {"00:0c:29:00:00:01"}, NativeKey: {"s/vmdr/2"}},
		{BIOSSerial: {"SN-1"}, MAC: {"00:0c:29:00:00:01"}},
		{BIOSSerial: {"SN-2"}, MAC: {"00:0c:29:00:00:09"}},
		{FQDN: {"x.example.com"}, MAC: {"00:0c:29:00:00:09"}},
	}
	canon := func(perm []int) [][]int {
		var in []Identifiers
		for _, i := range perm {
			in = append(in, recs[i])
		}
		var out [][]int
		for _, g := range Group(rules, p, in) {
			var m []int
			for _, j := range g {
				m = append(m, perm[j])
			}
			slices.Sort(m)
			out = append(out, m)
		}
		slices.SortFunc(out, func(a, b []int) int { return a[0] - b[0] })
		return out
	}
	want := canon([]int{0, 1, 2, 3, 4, 5})
	if len(want) != 2 {
		t.Fatalf("groups %v, want 2 machines", want)
	}
	for _, perm := range [][]int{{5, 4, 3, 2, 1, 0}, {2, 0, 5, 1, 4, 3}, {3, 5, 1, 4, 0, 2}} {
		if diff := cmp.Diff(want, canon(perm)); diff != "" {
			t.Errorf("order %v (-want +got):\n%s", perm, diff)
		}
	}
}
