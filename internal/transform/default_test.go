package transform

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/qflow/qflow/internal/model"
)

// seedCSAMTable is the vendor's "CSAM Asset Transformation Mapping" table
// (seed 000): Source Attribute Label → Target Attribute Label.
var seedCSAMTable = [][2]string{
	{"Last Logged On User", "Last Logged On User"}, {"DNS Name", "DNS Name"}, {"Host Id", "Host Id"},
	{"Asset UUID", "Asset UUID"}, {"Bios Description", "Bios Description"}, {"Last BIOS Boot", "Last BIOS Boot"},
	{"Total Memory", "Total Memory"}, {"BIOS TimeZone", "BIOS TimeZone"},
	{"BIOS Serial Number", "BIOS Serial Number (Required)"}, {"BIOS Asset", "BIOS Asset"},
	{"NetBIOS Name", "NetBIOS Name"}, {"Is Container", "Is Container"},
	{"Operating System Name", "Operating System Name"}, {"Operating System Version", "Operating System Version"},
	{"Operating System Architecture", "Operating System Architecture"},
	{"Operating System Publisher", "Operating System Publisher"}, {"Open Port Number", "Open Port Number"},
	{"Open Port Description", "Open Port Description"}, {"Open Port Protocol", "Open Port Protocol"},
	{"Open Port Detected Service", "Open Port Detected Service"},
	{"Open Port First Found Date", "Open Port First Found Date"},
	{"Open Port Last Updated Date", "Open Port Last Updated Date"},
	{"Open Port Authorization", "Open Port Authorization"}, {"Network Interface Name", "Network Interface Name"},
	{"Network Interface Host Name", "Network Interface Host Name"},
	{"Network Interface IPv4 Address", "Network Interface IPv4 Address"},
	{"Network Interface IPv6 Address", "Network Interface IPv6 Address"},
	{"Network Interface Addresses", "Network Interface Addresses"},
	{"Network Interface MAC Address", "Network Interface MAC Address"},
	{"Network Interface Gateway Address", "Network Interface Gateway Address"},
	{"Software Name", "Software Name"}, {"Software Version", "Software Version"},
	{"Software Last Updated Date", "Software Last Updated Date"}, {"Software Publisher", "Software Publisher"},
	{"Software Language", "Software Language"}, {"Software Type", "Software Type"},
	{"Software Install Path", "Software Install Path"}, {"Software Last Used Date", "Software Last Used Date"},
	{"Volume Name", "Volume Name"}, {"Volume Size", "Volume Size"}, {"Volume Free", "Volume Free"},
	{"Service Name", "Service Name"}, {"Service Status", "Service Status"}, {"Service Description", "Service Description"},
	{"Host ID", "Business Operation Status"},
	{"Business Information Environment", "Business Information Environment"},
	{"Business Information Company", "Business Information Company"},
	{"Business Information Department", "Business Information Department"},
	{"Business Information Owned By", "Business Information Owned By"},
	{"Business Information Managed By", "Business Information Managed By"},
	{"Business Information Supported By", "Business Information Supported By"},
	{"Business Information Supported Group", "Business Information Supported Group"},
	{"Assigned Location Name", "Assigned Location Name"}, {"Assigned Location City", "Assigned Location City"},
	{"Assigned Location State", "Assigned Location State"}, {"Assigned Location Country", "Assigned Location Country"},
	{"Business App Id", "Business App Id"}, {"Business App Name", "Business App Name"},
	{"Business App Environment", "Business App Environment"}, {"Business App Managed By", "Business App Managed By"},
	{"Business App Owned By", "Business App Owned By"}, {"Business App Supported By", "Business App Supported By"},
	{"Business App Supported Group", "Business App Supported Group"},
	{"Custom Attributes Key", "Custom Attributes Key"}, {"Custom Attributes Value", "Custom Attributes Value"},
	{"Hardware Manufacturer", "Hardware Manufacturer"}, {"Hardware Model", "Hardware Model"},
}

// TestSeedTableComplete checks the table above against the seed document
// itself when shared/ is present: every label pair, in order.
func TestSeedTableComplete(t *testing.T) {
	samples := samplesDir(t)
	data, err := os.ReadFile(filepath.Join(filepath.Dir(samples), "seeds", "000_a43503e1ee17f7b4.txt"))
	if err != nil {
		t.Skipf("seed document not found: %v", err)
	}
	text := strings.ReplaceAll(string(data), "\u00a0", " ")
	i := strings.Index(text, "CSAM Asset Transformation Mapping")
	if i < 0 {
		t.Fatal("seed: mapping table not found")
	}
	var lines []string
	for _, l := range strings.Split(text[i:], "\n")[1:] {
		if l = strings.TrimSpace(l); l != "" {
			lines = append(lines, l)
		}
	}
	lines = lines[2:] // the header: Source Attribute Label, Target Attribute Label
	var got [][2]string
	for k := 0; k+1 < len(lines); k += 2 {
		got = append(got, [2]string{lines[k], lines[k+1]})
	}
	if diff := cmp.Diff(seedCSAMTable, got); diff != "" {
		t.Errorf("seed table differs from the test's copy (-test +seed):\n%s", diff)
	}
}

// TestDefaultMapSeedRows checks that every row of the vendor table is in the
// default map (by label) and writes a catalog field with the table's target
// label.
func TestDefaultMapSeedRows(t *testing.T) {
	c := defaultCompiled(t)
	cat := model.NewCatalog()
	byLabel := map[string]Row{}
	for _, r := range c.Map().Rows {
		if _, dup := byLabel[r.Label]; dup {
			t.Errorf("label %q used twice", r.Label)
		}
		byLabel[r.Label] = r
	}
	for _, pair := range seedCSAMTable {
		r, ok := byLabel[pair[0]]
		if !ok {
			t.Errorf("seed row %q → %q: no row with that label", pair[0], pair[1])
			continue
		}
		f, _ := cat.Lookup(r.Target)
		if want := strings.TrimSuffix(pair[1], " (Required)"); f.Label != want {
			t.Errorf("seed row %q: target %s has label %q, want %q", pair[0], r.Target, f.Label, want)
		}
	}
	if r := byLabel["Host ID"]; r.Source != "businessInformation.operationalStatus" || r.Target != "host.business_operation_status" {
		t.Errorf("Host ID row = %+v", r)
	}
}

// TestDefaultMapCoversCatalog lists the catalog fields the default map does
// not fill; each must be one CSAM cannot fill.
func TestDefaultMapCoversCatalog(t *testing.T) {
	c := defaultCompiled(t)
	written := map[string]bool{}
	for _, r := range c.Map().Rows {
		written[r.Target] = true
	}
	notFromCSAM := []string{
		"host.ipv6_address",    // no host-level IPv6 in a CSAM asset (per interface only)
		"host.domain",          // CSAM has domain[] (EASM, a list), no single domain
		"host.tracking_method", // a VMDR host attribute
	}
	notFromCSAM = append(notFromCSAM, vmdrOnlyHostFields...)
	var missing []string
	for _, f := range model.NewCatalog().Fields() {
		if f.Entity == model.EntityFinding || f.Entity == model.EntityVuln {
			continue // VMDR detections, KnowledgeBase vulns
		}
		if !written[f.Target()] && !slices.Contains(notFromCSAM, f.Target()) {
			missing = append(missing, f.Target())
		}
	}
	if len(missing) > 0 {
		t.Errorf("catalog fields CSAM can fill but the default map does not: %v", missing)
	}
}

func TestDefaultNames(t *testing.T) {
	if got := DefaultNames(); !slices.Equal(got, []string{"csam-default", "kb-default", "vmdr-default"}) {
		t.Errorf("DefaultNames() = %v", got)
	}
	for source, name := range map[model.Source]string{model.SourceCSAM: "csam-default", model.SourceVMDR: "vmdr-default", model.SourceKB: "kb-default"} {
		data, err := Default(source)
		if err != nil {
			t.Errorf("Default(%s): %v", source, err)
			continue
		}
		m := must(Parse(data, name))
		if m.Name != name || m.Source != source {
			t.Errorf("Default(%s): map %q of source %s", source, m.Name, m.Source)
		}
	}
	if _, err := Default("nope"); err == nil {
		t.Error("Default(nope): want an error")
	}
}

// TestDefaultMapOnSamples applies the default map to every real sample asset:
// each must succeed, match the reference decoder, and keep its identity.
func TestDefaultMapOnSamples(t *testing.T) {
	c := defaultCompiled(t)
	cat := model.NewCatalog()
	for _, a := range sampleAssets(t) {
		rec, err := c.Apply(a.raw)
		if err != nil {
			t.Errorf("%s: %v", a.name, err)
			continue
		}
		checkTypes(t, cat, rec)
		ref, err := applyReference(c, a.raw)
		if err != nil {
			t.Errorf("%s: reference: %v", a.name, err)
			continue
		}
		if diff := cmp.Diff(string(renderRecord(ref)), string(renderRecord(rec))); diff != "" {
			t.Errorf("%s: Apply differs from the reference (-ref +apply):\n%s", a.name, diff)
		}
		if id, _ := rec.Host.Int("asset_id"); rec.NativeKey == "" || id == 0 {
			t.Errorf("%s: no identity: key %q, asset_id %d", a.name, rec.NativeKey, id)
		}
		if len(rec.Rows(model.EntitySoftware)) == 0 || len(rec.Rows(model.EntityInstalledSoftware)) == 0 {
			t.Errorf("%s: no software rows", a.name)
		}
	}
}

// TestSchemaCoversSamples checks that every path present in the real sample
// pages is in the embedded CSAM schema, with a matching kind for values.
func TestSchemaCoversSamples(t *testing.T) {
	schema, err := loadSchema(model.SourceCSAM)
	if err != nil {
		t.Fatal(err)
	}
	seen := map[string]string{}
	for _, a := range sampleAssets(t) {
		collectPaths(t, a.raw, seen)
	}
	for _, p := range sortedKeys(seen) {
		kind, ok := schema[p]
		switch {
		case !ok:
			t.Errorf("sample path %s (%s) is not in schemas/csam.txt", p, seen[p])
		case seen[p] == "null" || kind == schemaObject:
		case seen[p] == schemaInteger && kind == schemaNumber:
		case seen[p] != kind:
			t.Errorf("sample path %s is %s in the samples, %s in the schema", p, seen[p], kind)
		}
	}
	if len(seen) < 250 {
		t.Errorf("only %d paths seen in the samples", len(seen))
	}
}

// TestApplyConcurrent applies one compiled map from several goroutines (for
// -race): a Compiled is shared by the pipeline's workers.
func TestApplyConcurrent(t *testing.T) {
	c := defaultCompiled(t)
	raw := bigAsset(50)
	want := string(renderRecord(must(c.Apply(raw))))
	var wg sync.WaitGroup
	for range 4 {
		wg.Go(func() {
			for range 5 {
				rec, err := c.Apply(raw)
				if err != nil {
					t.Error(err)
					return
				}
				if got := string(renderRecord(rec)); got != want {
					t.Error("concurrent Apply gave a different record")
				}
			}
		})
	}
	wg.Wait()
}

func must[T any](v T, err error) T {
	if err != nil {
		panic(err)
	}
	return v
}
