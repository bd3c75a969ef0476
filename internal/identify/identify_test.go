package identify

import (
	"context"
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/qflow/qflow/internal/model"
)

var update = flag.Bool("update", false, "rewrite the golden files")

func TestCanonical(t *testing.T) {
	for _, tc := range []struct {
		a        Attribute
		in, want string
	}{
		{BIOSSerial, " c02gnvcmee ", "C02GNVCMEE"},
		{BIOSSerial, "To be filled by O.E.M.", ""},
		{BIOSSerial, "To Be Filled By O.E.M.", ""},
		{BIOSSerial, "Default string", ""},
		{BIOSSerial, "None", ""},
		{BIOSSerial, "0", ""},
		{BIOSSerial, "00000000000", ""},
		{BIOSSerial, "System Serial Number", ""},
		{BIOSSerial, "N/A", ""},
		{BIOSSerial, "VMware-42 1a 2b 3c 4d 5e 6f 70-81 92 a3 b4 c5 d6 e7 f8", "VMWARE-42 1A 2B 3C 4D 5E 6F 70-81 92 A3 B4 C5 D6 E7 F8"},
		{HardwareUUID, "75FDFC19-E7B7-4DD2-9624-E8105174B64D", "75fdfc19-e7b7-4dd2-9624-e8105174b64d"},
		{HardwareUUID, "00000000-0000-0000-0000-000000000000", ""},
		{HardwareUUID, "FFFFFFFF-FFFF-FFFF-FFFF-FFFFFFFFFFFF", ""},
		{HardwareUUID, "03000200-0400-0500-0006-000700080009", ""},
		{AgentID, "9344043E-D326-4E35-A4EF-189752682154", "9344043e-d326-4e35-a4ef-189752682154"},
		{AgentID, "00000000-0000-0000-0000-000000000000", ""},
		{CloudInstanceID, "i-0ABC123", "i-0abc123"},
		{MAC, "00-1A-2B-3C-4D-5E", "00:1a:2b:3c:4d:5e"},
		{MAC, "001a.2b3c.4d5e", "00:1a:2b:3c:4d:5e"},
		{MAC, "00:00:00:00:00:00", ""},
		{MAC, "ff:ff:ff:ff:ff:ff", ""},
		{MAC, "02:42:ac:11:00:02", ""}, // docker bridge, locally administered
		{MAC, "0a:00:27:00:00:0c", ""}, // VirtualBox host-only
		{MAC, "00:05:9a:3c:7a:00", ""}, // Cisco AnyConnect
		{MAC, "01:00:5e:00:00:fb", ""}, // multicast
		{MAC, "00:ff:5a:6b:7c:8d", ""}, // TAP adapter
		{MAC, "not-a-mac", ""},
		{FQDN, "SSILVA-MBP.corp.example.com.", "ssilva-mbp.corp.example.com"},
		{FQDN, "ssilva-mbp", ""},
		{FQDN, "localhost.localdomain", ""},
		{FQDN, "10.1.2.3", ""},
		{FQDN, "ip-10-1-2-3.ec2.internal", ""},
		{NetBIOSDomain, "ssilva-mbp", "SSILVA-MBP"},
		{NetBIOSDomain, "10.1.2.3", ""},
		{NetBIOSDomain, "localhost", ""},
		{IP, "10.26.138.140", "10.26.138.140"},
		{IP, "::ffff:10.1.2.3", "10.1.2.3"},
		{IP, "2001:DB8::1", "2001:db8::1"},
		{IP, "127.0.0.1", ""},
		{IP, "::1", ""},
		{IP, "169.254.10.20", ""},
		{IP, "fe80::1", ""},
		{IP, "0.0.0.0", ""},
		{IP, "bogus", ""},
	} {
		if got := Canonical(tc.a, tc.in); got != tc.want {
			t.Errorf("Canonical(%s, %q) = %q, want %q", tc.a, tc.in, got, tc.want)
		}
	}
}

func TestRulesValidate(t *testing.T) {
	if err := Defaults().Validate(); err != nil {
		t.Fatalf("defaults: %v", err)
	}
	off := Defaults()
	for i := range off {
		off[i].Enabled = false
	}
	bad := append(off, Rule{Name: "FQDN", Attributes: []Attribute{"serial", FQDN, FQDN}}, Rule{Attributes: nil})
	err := bad.Validate()
	if err == nil {
		t.Fatal("invalid rules accepted")
	}
	for _, want := range []string{"at least one identification rule must stay on", `duplicate name "FQDN"`, `unknown attribute "serial"`, `attribute "fqdn" twice`, "rule 11: no name", "rule 11 (): no attributes"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error lacks %q:\n%v", want, err)
		}
	}
}

// memIndex is an in-memory Index: identifiers of known assets.
type memIndex map[int64]Identifiers

func (m memIndex) Assets(_ context.Context, a Attribute, v string) ([]int64, error) {
	var out []int64
	for id, ids := range m {
		if slices.Contains(ids[a], v) {
			out = append(out, id)
		}
	}
	slices.Sort(out)
	return out, nil
}

func (m memIndex) Values(_ context.Context, asset int64, a Attribute) ([]string, error) {
	return m[asset][a], nil
}

// goldenCase is one folder of testdata: the known assets (as records), the
// rules (default when absent) and the incoming record.
type goldenCase struct {
	Subscription string `json:"subscription"`
	Known        []struct {
		AssetID      int64        `json:"asset_id"`
		Subscription string       `json:"subscription"`
		Record       goldenRecord `json:"record"`
	} `json:"known"`
	Rules  Rules        `json:"rules,omitempty"`
	Policy *Policy      `json:"policy,omitempty"`
	Record goldenRecord `json:"record"`
}

type goldenRecord struct {
	Source    string         `json:"source"`
	NativeKey string         `json:"native_key"`
	Host      map[string]any `json:"host"`
}

func (g goldenRecord) model() *model.Record {
	h := model.Values{}
	for k, v := range g.Host {
		switch x := v.(type) {
		case float64:
			h[k] = int64(x)
		case []any:
			var ss []string
			for _, s := range x {
				ss = append(ss, s.(string))
			}
			h[k] = ss
		default:
			h[k] = x
		}
	}
	return &model.Record{Source: model.Source(g.Source), NativeKey: g.NativeKey, Host: h}
}

// TestGolden runs every folder under testdata: case.json in, want.json out
// (go test ./internal/identify -update rewrites want.json).
func TestGolden(t *testing.T) {
	dirs, err := filepath.Glob("testdata/*/case.json")
	if err != nil || len(dirs) == 0 {
		t.Fatalf("no golden cases: %v", err)
	}
	for _, path := range dirs {
		dir := filepath.Dir(path)
		t.Run(filepath.Base(dir), func(t *testing.T) {
			b, err := os.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			var c goldenCase
			dec := json.NewDecoder(strings.NewReader(string(b)))
			dec.DisallowUnknownFields()
			if err := dec.Decode(&c); err != nil {
				t.Fatalf("%s: %v", path, err)
			}
			rules := c.Rules
			if rules == nil {
				rules = Defaults()
			}
			if err := rules.Validate(); err != nil {
				t.Fatal(err)
			}
			p := DefaultPolicy()
			if c.Policy != nil {
				p = *c.Policy
			}
			if err := p.Validate(); err != nil {
				t.Fatal(err)
			}
			idx := memIndex{}
			for _, k := range c.Known {
				sub := k.Subscription
				if sub == "" {
					sub = c.Subscription
				}
				ids := Of(k.Record.model(), sub)
				if known := idx[k.AssetID]; known != nil {
					ids = union(known, ids, Attributes)
				}
				idx[k.AssetID] = ids
			}
			ids := Of(c.Record.model(), c.Subscription)
			d, err := Resolve(t.Context(), rules, p, ids, idx)
			if err != nil {
				t.Fatal(err)
			}
			got, _ := json.MarshalIndent(struct {
				Identifiers Identifiers `json:"identifiers"`
				Decision    Decision    `json:"decision"`
				New         bool        `json:"new"`
			}{ids, d, d.New()}, "", "  ")
			got = append(got, '\n')
			wantPath := filepath.Join(dir, "want.json")
			if *update {
				if err := os.WriteFile(wantPath, got, 0o644); err != nil {
					t.Fatal(err)
				}
				return
			}
			want, err := os.ReadFile(wantPath)
			if err != nil {
				t.Fatalf("%v (run with -update to create it)", err)
			}
			if string(want) != string(got) {
				t.Errorf("%s differs:\n--- want\n%s\n--- got\n%s", wantPath, want, got)
			}
		})
	}
}

func FuzzCanonical(f *testing.F) {
	for _, s := range []string{"00:1a:2b:3c:4d:5e", "To be filled by O.E.M.", "10.0.0.1", "host.example.com", "", "::1"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		for _, a := range Attributes {
			c := Canonical(a, s)
			if c != "" && Canonical(a, c) != c && a != NetBIOSDomain {
				t.Errorf("Canonical(%s) not idempotent: %q → %q → %q", a, s, c, Canonical(a, c))
			}
		}
	})
}
