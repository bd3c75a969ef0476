package cli

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/qflow/qflow/internal/qualyssim"
	"github.com/qflow/qflow/internal/transform"
)

func writeFile(t *testing.T, path, text string) {
	t.Helper()
	if err := os.WriteFile(path, []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
}

// mapList runs `qflow map list --json` and returns the maps by name.
func mapList(t *testing.T, db string) map[string]mapListEntry {
	t.Helper()
	code, out, stderr := qflow(t, nil, "map", "list", "--db", db, "--json")
	if code != 0 {
		t.Fatalf("map list: exit %d: %s", code, stderr)
	}
	var list []mapListEntry
	if err := json.Unmarshal([]byte(out), &list); err != nil {
		t.Fatalf("map list --json: %v\n%s", err, out)
	}
	byName := map[string]mapListEntry{}
	for _, m := range list {
		byName[m.Name] = m
	}
	return byName
}

func TestMapListShowsBuiltins(t *testing.T) {
	t.Parallel()
	db := filepath.Join(t.TempDir(), "qflow.db")
	got := mapList(t, db)
	for _, tc := range []struct{ name, source string }{
		{"csam-default", "CSAM"}, {"vmdr-default", "VMDR"}, {"kb-default", "KB"},
	} {
		m, ok := got[tc.name]
		if !ok {
			t.Errorf("%s missing from map list", tc.name)
			continue
		}
		if m.Source != tc.source || m.Origin != originBuiltin || m.Rows == 0 || len(m.Hash) != 64 || m.Description == "" {
			t.Errorf("%s = %+v", tc.name, m)
		}
	}
	if len(got) != 3 {
		t.Errorf("map list = %d maps, want the 3 built-ins", len(got))
	}
	if _, err := os.Stat(db); !os.IsNotExist(err) {
		t.Errorf("map list created the database %s", db)
	}
	code, out, _ := qflow(t, nil, "map", "list", "--db", db)
	if code != 0 || !strings.HasPrefix(out, "NAME") || !strings.Contains(out, "csam-default") || !strings.Contains(out, "built-in") {
		t.Errorf("map list: exit %d\n%s", code, out)
	}
}

// TestMapExportEditImportSync is the user's path: export a built-in map,
// edit it, import it, see it, and sync with it by name.
func TestMapExportEditImportSync(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	db := filepath.Join(dir, "qflow.db")

	code, exported, stderr := qflow(t, nil, "map", "export", "csam-default", "--db", db)
	if code != 0 {
		t.Fatalf("map export: exit %d: %s", code, stderr)
	}
	builtin, err := transform.Default("CSAM")
	if err != nil {
		t.Fatal(err)
	}
	if exported != string(builtin) {
		t.Fatal("map export csam-default is not the embedded file")
	}

	// Importing the export unchanged is refused: the name is built in.
	path := filepath.Join(dir, "my.yaml")
	writeFile(t, path, exported)
	code, _, stderr = qflow(t, nil, "map", "import", path, "--db", db)
	if code == 0 || !strings.Contains(stderr, "name csam-default is a built-in map: change name: in the file") {
		t.Fatalf("import under a built-in name: exit %d: %s", code, stderr)
	}
	if _, err := os.Stat(db); !os.IsNotExist(err) {
		t.Error("a refused import created the database")
	}

	// Edit: a new name, one row dropped, one target changed.
	edits := []struct{ old, new string }{
		{"name: csam-default", "name: my-csam"},
		{"  - {source: netbiosName, type: string, target: host.netbios_name, label: NetBIOS Name}\n", ""},
		{"target: host.asset_type,", "target: host.domain,"},
	}
	edited := exported
	for _, e := range edits {
		if !strings.Contains(edited, e.old) {
			t.Fatalf("csam-default has no %q", e.old)
		}
		edited = strings.Replace(edited, e.old, e.new, 1)
	}
	writeFile(t, path, edited)
	code, out, stderr := qflow(t, nil, "map", "validate", path)
	if code != 0 || !strings.HasPrefix(out, "ok: my-csam (CSAM, ") {
		t.Fatalf("map validate: exit %d\n%s%s", code, out, stderr)
	}
	code, out, stderr = qflow(t, nil, "map", "import", path, "--db", db)
	if code != 0 || !strings.HasPrefix(out, "imported: my-csam (CSAM, ") {
		t.Fatalf("map import: exit %d\n%s%s", code, out, stderr)
	}
	code, out, _ = qflow(t, nil, "map", "import", path, "--db", db)
	if code != 0 || !strings.HasPrefix(out, "updated: my-csam") {
		t.Fatalf("second import: exit %d\n%s", code, out)
	}

	list := mapList(t, db)
	mine, def := list["my-csam"], list["csam-default"]
	if mine.Origin != originImported || mine.Source != "CSAM" || mine.Rows != def.Rows-1 || mine.Hash == def.Hash {
		t.Errorf("my-csam in map list = %+v (csam-default %+v)", mine, def)
	}

	code, out, _ = qflow(t, nil, "map", "show", "my-csam", "--db", db)
	for _, want := range []string{"name:        my-csam (imported)", "key:         assetId", "hash:        " + mine.Hash,
		"SOURCE PATH", "assetType", "host.domain", "NORMALIZER", "hostname"} {
		if !strings.Contains(out, want) {
			t.Errorf("map show my-csam lacks %q", want)
		}
	}
	if code != 0 || strings.Contains(out, "host.netbios_name") || strings.Contains(out, "host.asset_type") {
		t.Errorf("map show my-csam: exit %d\n%s", code, out)
	}
	code, out, _ = qflow(t, nil, "map", "export", "my-csam", "--db", db)
	if code != 0 || out != edited {
		t.Errorf("map export my-csam: exit %d, not the text imported", code)
	}

	// Sync by name; the run records the map, and its text can be read back.
	s := startSim(t, qualyssim.Config{Assets: scale(t, 20, 50), Seed: 5})
	sum := syncJSON(t, s, db, "--map", "my-csam")
	if sum.Map != "my-csam" || sum.State != "Processed" || sum.Assets.Seen == 0 {
		t.Fatalf("sync --map my-csam: %+v", sum)
	}
	sdb := openDB(t, db)
	var name, hash string
	if err := sdb.QueryRowContext(t.Context(), "SELECT map_name, map_hash FROM runs WHERE id = ?", sum.RunID).Scan(&name, &hash); err != nil {
		t.Fatal(err)
	}
	if name != "my-csam" || hash != mine.Hash {
		t.Errorf("run map = %s %s, want my-csam %s", name, hash, mine.Hash)
	}
	if n := scalar(t, sdb, `SELECT count(*) FROM asset_records WHERE json_extract(attributes, '$.netbios_name') IS NOT NULL`); n != 0 {
		t.Errorf("%d records have the dropped netbios_name", n)
	}
	if n := scalar(t, sdb, `SELECT count(*) FROM asset_records WHERE json_extract(attributes, '$.domain') IS NOT NULL`); n == 0 {
		t.Error("no record has host.domain, the changed target")
	}
	code, out, _ = qflow(t, nil, "map", "export", "--hash", shortHash(hash), "--db", db)
	if code != 0 || out != edited {
		t.Errorf("map export --hash %s: exit %d, not the map the run used", shortHash(hash), code)
	}
	code, out, _ = qflow(t, nil, "map", "show", "--hash", hash, "--db", db)
	if code != 0 || !strings.Contains(out, "name:        my-csam (run)") {
		t.Errorf("map show --hash: exit %d\n%s", code, out)
	}

	// A built-in map by name, and a name that is nowhere.
	sum = syncJSON(t, s, db, "--map", "csam-default")
	if sum.Map != "csam-default" {
		t.Errorf("sync --map csam-default: map %q", sum.Map)
	}
	code, _, stderr = s.qflow(t, "", "sync", "--gateway-url", s.url, "--db", db, "--map", "nope")
	if code == 0 || !strings.Contains(stderr, `no map called "nope"`) || !strings.Contains(stderr, "my-csam") || !strings.Contains(stderr, "kb-default") {
		t.Errorf("sync --map nope: exit %d: %s", code, stderr)
	}
	code, _, stderr = s.qflow(t, "", "sync", "--gateway-url", s.url, "--db", db, "--map", "vmdr-default")
	if code == 0 || !strings.Contains(stderr, "reads VMDR records, but the source is CSAM") {
		t.Errorf("sync --map vmdr-default: exit %d: %s", code, stderr)
	}
}

// TestMapBrokenFile: every problem of a broken map in one message, with its
// row; nothing written.
func TestMapBrokenFile(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	db := filepath.Join(dir, "qflow.db")
	path := filepath.Join(dir, "broken.yaml")
	writeFile(t, path, `name: broken
source: CSAM
key: assetId
rows:
  - {source: assetId, type: integer, target: host.asset_id}
  - {source: assetNam, type: string, target: host.name}
  - {source: dnsName, type: string, target: host.asset_id}
  - {source: netbiosName, type: text, target: host.netbios_name}
  - {source: address, type: ip, target: host.ip_address, normalizer: titlecase}
`)
	want := []string{
		`row 2 (line 6): source "assetNam": unknown source path`,
		`row 3 (line 7): target "host.asset_id": duplicate target (row 1 writes it too)`,
		`row 4 (line 8): type "text": unknown type`,
		`row 5 (line 9): normalizer "titlecase": unknown normalizer`,
		"(4 problems)",
	}
	for _, args := range [][]string{
		{"map", "validate", path},
		{"map", "import", path, "--db", db},
	} {
		code, out, stderr := qflow(t, nil, args...)
		if code == 0 || out != "" {
			t.Errorf("%v: exit %d, stdout %q", args, code, out)
		}
		for _, w := range want {
			if !strings.Contains(stderr, w) {
				t.Errorf("%v: error lacks %q:\n%s", args, w, stderr)
			}
		}
	}
	if _, err := os.Stat(db); !os.IsNotExist(err) {
		t.Error("a refused import created the database")
	}
	// With a database already there, a refused import leaves it as it was.
	good := filepath.Join(dir, "good.yaml")
	writeFile(t, good, "name: good\nsource: KB\nkey: QID\nrows:\n  - {source: QID, type: integer, target: vuln.qid}\n")
	if code, _, stderr := qflow(t, nil, "map", "import", good, "--db", db); code != 0 {
		t.Fatal(stderr)
	}
	if code, _, _ := qflow(t, nil, "map", "import", path, "--db", db); code == 0 {
		t.Error("broken map imported")
	}
	if got := mapList(t, db); len(got) != 4 || got["broken"].Name != "" {
		t.Errorf("maps after a refused import: %v", got)
	}
}
