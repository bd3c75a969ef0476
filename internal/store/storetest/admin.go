package storetest

import (
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/qflow/qflow/internal/identify"
	"github.com/qflow/qflow/internal/load"
	"github.com/qflow/qflow/internal/model"
	"github.com/qflow/qflow/internal/store"
	"github.com/qflow/qflow/internal/sync"
	"github.com/qflow/qflow/internal/transform"
)

// compiledMap returns the text and hash of kind's out-of-box map.
func compiledMap(t *testing.T, kind model.Source) (yaml, hash string) {
	t.Helper()
	data, err := transform.Default(kind)
	if err != nil {
		t.Fatal(err)
	}
	tm, err := transform.Load(data, "default", model.NewCatalog())
	if err != nil {
		t.Fatal(err)
	}
	return string(data), tm.Hash()
}

// User maps are kept by name (a new import replaces the text, not the
// import time); run maps by hash, the first text kept; unknown names and
// hashes are ErrNotFound.
func testMaps(t *testing.T, st store.Store, _ opener) {
	ctx := t.Context()
	if ms, err := st.Maps(ctx); err != nil || len(ms) != 0 {
		t.Fatalf("maps of a new store: %+v, %v", ms, err)
	}
	vmdrYAML, vmdrHash := compiledMap(t, model.SourceVMDR)
	csamYAML, csamHash := compiledMap(t, model.SourceCSAM)
	m := store.StoredMap{Name: "my-vmdr", Source: "VMDR", Description: "VMDR with our tweaks", YAML: vmdrYAML, Hash: vmdrHash}
	created, err := st.SaveMap(ctx, m)
	if err != nil || !created {
		t.Fatalf("SaveMap of a new name: created %v, %v", created, err)
	}
	first, err := st.Map(ctx, "my-vmdr")
	if err != nil {
		t.Fatal(err)
	}
	times := cmpopts.IgnoreFields(store.StoredMap{}, "ImportedAt", "UpdatedAt")
	if diff := cmp.Diff(m, first, times); diff != "" {
		t.Errorf("Map (-saved +read):\n%s", diff)
	}
	if first.ImportedAt.IsZero() || first.UpdatedAt.Before(first.ImportedAt) {
		t.Errorf("import times %v, %v", first.ImportedAt, first.UpdatedAt)
	}
	m2 := m
	m2.YAML, m2.Description = "# edited\n"+vmdrYAML, "edited"
	if created, err := st.SaveMap(ctx, m2); err != nil || created {
		t.Fatalf("SaveMap of a known name: created %v, %v", created, err)
	}
	second, err := st.Map(ctx, "my-vmdr")
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(m2, second, times); diff != "" {
		t.Errorf("Map after a new import (-saved +read):\n%s", diff)
	}
	if !second.ImportedAt.Equal(first.ImportedAt) || second.UpdatedAt.Before(first.UpdatedAt) {
		t.Errorf("after a new import: imported %v (first %v), updated %v (first %v)", second.ImportedAt, first.ImportedAt, second.UpdatedAt, first.UpdatedAt)
	}
	if _, err := st.SaveMap(ctx, store.StoredMap{Name: "a-csam", Source: "CSAM", YAML: csamYAML, Hash: csamHash}); err != nil {
		t.Fatal(err)
	}
	ms, err := st.Maps(ctx)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, m := range ms {
		names = append(names, m.Name+"/"+m.Source)
	}
	if diff := cmp.Diff([]string{"a-csam/CSAM", "my-vmdr/VMDR"}, names); diff != "" {
		t.Errorf("Maps (-want +got):\n%s", diff)
	}
	if _, err := st.Map(ctx, "no-such-map"); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("Map of an unknown name: %v, want ErrNotFound", err)
	}

	if err := st.SaveRunMap(ctx, vmdrHash, "vmdr-default", vmdrYAML); err != nil {
		t.Fatal(err)
	}
	if err := st.SaveRunMap(ctx, vmdrHash, "vmdr-default", "# same map, other layout\n"+vmdrYAML); err != nil {
		t.Fatal(err)
	}
	rm, err := st.RunMap(ctx, vmdrHash)
	if err != nil {
		t.Fatal(err)
	}
	if rm.Hash != vmdrHash || rm.Name != "vmdr-default" || rm.YAML != vmdrYAML {
		t.Errorf("RunMap = %s %s (%d bytes), want the first text of %s", rm.Name, rm.Hash, len(rm.YAML), vmdrHash)
	}
	if _, err := st.RunMap(ctx, csamHash); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("RunMap of a hash no run used: %v, want ErrNotFound", err)
	}
	n := tableCounts(t, st)
	if n["transform_maps"] != 2 || n["run_maps"] != 1 {
		t.Errorf("%d user maps, %d run maps; want 2, 1", n["transform_maps"], n["run_maps"])
	}
}

// Settings, identification rules and policy, and junk values are stored
// as given, and the engine identifies by them.
func testRulesSettingsJunk(t *testing.T, st store.Store, _ opener) {
	ctx := t.Context()
	t.Run("Settings", func(t *testing.T) {
		if v, ok, err := st.Setting(ctx, "storetest.key"); err != nil || ok || v != "" {
			t.Fatalf("unset setting: %q %v %v", v, ok, err)
		}
		for _, v := range []string{"one", "two"} {
			if err := st.SetSetting(ctx, "storetest.key", v); err != nil {
				t.Fatal(err)
			}
			if got, ok, err := st.Setting(ctx, "storetest.key"); err != nil || !ok || got != v {
				t.Errorf("setting after SetSetting(%q): %q %v %v", v, got, ok, err)
			}
		}
		if err := st.SetSetting(ctx, "storetest.key", ""); err != nil {
			t.Fatal(err)
		}
		if _, ok, err := st.Setting(ctx, "storetest.key"); err != nil || ok {
			t.Errorf("setting set empty: stored %v, %v", ok, err)
		}
	})
	t.Run("Rules", func(t *testing.T) {
		if rs, err := st.Rules(ctx); err != nil || len(rs) != 0 {
			t.Fatalf("stored rules of a new store: %+v, %v", rs, err)
		}
		if rs, err := load.Rules(ctx, st); err != nil || !cmp.Equal(rs, identify.Defaults()) {
			t.Fatalf("rules in force of a new store: %+v, %v; want the defaults", rs, err)
		}
		rules := identify.Rules{
			{Name: "Agent ID", Attributes: []identify.Attribute{identify.AgentID}, Enabled: true},
			{Name: "Serial and UUID", Attributes: []identify.Attribute{identify.BIOSSerial, identify.HardwareUUID}, Enabled: true},
			{Name: "FQDN", Attributes: []identify.Attribute{identify.FQDN}, Enabled: false},
		}
		if err := load.SetRules(ctx, st, rules); err != nil {
			t.Fatal(err)
		}
		want := []store.Rule{{Name: "Agent ID", Attributes: []string{"agent_id"}, Enabled: true},
			{Name: "Serial and UUID", Attributes: []string{"bios_serial", "hardware_uuid"}, Enabled: true},
			{Name: "FQDN", Attributes: []string{"fqdn"}, Enabled: false}}
		if rs, err := st.Rules(ctx); err != nil || !cmp.Equal(want, rs) {
			t.Errorf("stored rules %+v, %v; want %+v", rs, err, want)
		}
		if rs, err := load.Rules(ctx, st); err != nil || !cmp.Equal(rules, rs) {
			t.Errorf("rules in force %+v, %v", rs, err)
		}
		if err := load.SetRules(ctx, st, identify.Rules{{Name: "off", Attributes: []identify.Attribute{identify.FQDN}}}); err == nil {
			t.Error("rules without an enabled one accepted")
		}
		if rs, err := st.Rules(ctx); err != nil || len(rs) != 3 {
			t.Errorf("stored rules after a refused change: %+v, %v", rs, err)
		}
		// With FQDN matching off, two agents sharing an FQDN stay apart.
		doc := func(id int) string {
			return fmt.Sprintf(`{"assetId":%d,"agentId":"a9e70000-0000-4000-8000-%012d","dnsName":"rules.corp.example.com"}`, id, id)
		}
		runDocs(t, st, model.SourceCSAM, sync.ModeFull, doc(1), doc(2))
		if n := totals(t, st).Assets; n != 2 {
			t.Errorf("%d assets, want 2: the stored rules do not match by FQDN", n)
		}
		if err := st.SetRules(ctx, nil); err != nil {
			t.Fatal(err)
		}
		if rs, err := load.Rules(ctx, st); err != nil || !cmp.Equal(rs, identify.Defaults()) {
			t.Errorf("rules in force after clearing: %+v, %v; want the defaults", rs, err)
		}
	})
	t.Run("Policy", func(t *testing.T) {
		if p, err := load.Policy(ctx, st); err != nil || !cmp.Equal(p, identify.DefaultPolicy()) {
			t.Fatalf("policy of a new store: %+v, %v", p, err)
		}
		p := identify.Policy{Veto: []identify.Attribute{identify.HardwareUUID}, JunkThreshold: 9}
		if err := load.SetPolicy(ctx, st, p); err != nil {
			t.Fatal(err)
		}
		if got, err := load.Policy(ctx, st); err != nil || !cmp.Equal(p, got) {
			t.Errorf("policy %+v, %v; want %+v", got, err, p)
		}
		if err := load.SetPolicy(ctx, st, identify.Policy{JunkThreshold: 0}); err == nil {
			t.Error("junk threshold 0 accepted")
		}
	})
	t.Run("Junk", func(t *testing.T) {
		if err := load.AddJunk(ctx, st, identify.FQDN, "Build.Corp.Example.com."); err != nil {
			t.Fatal(err)
		}
		for _, bad := range []struct {
			a identify.Attribute
			v string
		}{{"colour", "red"}, {identify.NativeKey, "1"}, {identify.MAC, "00:00:00:00:00:00"}} {
			if err := load.AddJunk(ctx, st, bad.a, bad.v); err == nil {
				t.Errorf("AddJunk %s %q accepted", bad.a, bad.v)
			}
		}
		// A learned value is kept once (the first learning wins); a manual
		// one replaces it.
		err := st.Update(ctx, store.Lock{}, func(tx store.Tx) error {
			for _, j := range []store.JunkEntry{
				{Attribute: "bios_serial", Value: "SN-GOLDEN", Origin: "learned", Machines: 9, Subscription: subscription, At: "2026-01-01T00:00:00Z"},
				{Attribute: "bios_serial", Value: "SN-GOLDEN", Origin: "learned", Machines: 3, Subscription: subscription, At: "2026-01-02T00:00:00Z"},
				{Attribute: "hardware_uuid", Value: "uuid-golden", Origin: "learned", Machines: 5, Subscription: subscription, At: "2026-01-01T00:00:00Z"},
			} {
				if err := tx.AddJunk(ctx, j); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		if err := st.AddJunk(ctx, store.JunkEntry{Attribute: "hardware_uuid", Value: "uuid-golden", Origin: "manual", At: "2026-01-03T00:00:00Z"}); err != nil {
			t.Fatal(err)
		}
		// Records carrying the manual junk FQDN do not join on it.
		doc := func(id int) string {
			return fmt.Sprintf(`{"assetId":%d,"agentId":"b9e70000-0000-4000-8000-%012d","dnsName":"build.corp.example.com"}`, id, id)
		}
		runDocs(t, st, model.SourceCSAM, sync.ModeFull, doc(101), doc(102))
		if a, b := assetOf(t, st, model.SourceCSAM, "101"), assetOf(t, st, model.SourceCSAM, "102"); a == b {
			t.Errorf("records joined on a junk FQDN (asset %d)", a)
		}
		junk, err := st.Junk(ctx)
		if err != nil {
			t.Fatal(err)
		}
		got := map[string]string{}
		for _, j := range junk {
			got[j.Attribute+" "+j.Value] = fmt.Sprintf("%s machines=%d records=%d", j.Origin, j.Machines, j.Records)
			if j.Origin == "manual" {
				// What a learned entry had learned may stay: only the
				// origin is part of the contract.
				got[j.Attribute+" "+j.Value] = fmt.Sprintf("%s records=%d", j.Origin, j.Records)
			}
		}
		want := map[string]string{
			"bios_serial SN-GOLDEN":       "learned machines=9 records=0",
			"fqdn build.corp.example.com": "manual records=2",
			"hardware_uuid uuid-golden":   "manual records=0",
		}
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("junk (-want +got):\n%s", diff)
		}
		for _, c := range []struct {
			a    identify.Attribute
			v    string
			want bool
		}{{identify.FQDN, "BUILD.corp.example.com", true}, {identify.FQDN, "build.corp.example.com", false}, {identify.BIOSSerial, "SN-OTHER", false}} {
			if ok, err := load.RemoveJunk(ctx, st, c.a, c.v); err != nil || ok != c.want {
				t.Errorf("RemoveJunk %s %q = %v, %v; want %v", c.a, c.v, ok, err, c.want)
			}
		}
		if ok, err := st.RemoveJunk(ctx, "bios_serial", "SN-GOLDEN"); err != nil || !ok {
			t.Errorf("RemoveJunk of a learned value = %v, %v", ok, err)
		}
		if junk, err := st.Junk(ctx); err != nil || len(junk) != 1 || junk[0].Value != "uuid-golden" {
			t.Errorf("junk after removals: %+v, %v", junk, err)
		}
	})
	t.Run("BuiltinJunk", func(t *testing.T) {
		runDocs(t, st, model.SourceCSAM, sync.ModeFull, csamDoc(201, "To be filled by O.E.M.", ""), csamDoc(202, "To be filled by O.E.M.", ""))
		counts, err := load.BuiltinJunkCounts(ctx, st)
		if err != nil {
			t.Fatal(err)
		}
		var got []string
		for _, j := range counts {
			got = append(got, fmt.Sprintf("%s %q %s %d", j.Attribute, j.Value, j.Origin, j.Records))
		}
		if want := `bios_serial "To be filled by O.E.M." builtin 2`; len(got) != 1 || got[0] != want {
			t.Errorf("builtin junk counts:\n%s\nwant %s", strings.Join(got, "\n"), want)
		}
		if a, b := assetOf(t, st, model.SourceCSAM, "201"), assetOf(t, st, model.SourceCSAM, "202"); a == b {
			t.Errorf("records joined on a placeholder serial (asset %d)", a)
		}
	})
}
