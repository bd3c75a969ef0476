package cli

import (
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"

	"github.com/qflow/qflow/internal/identify"
)

// qflow rules list shows the defaults; set switches, adds and reorders
// rules; a set that leaves no rule on is refused and changes nothing.
func TestRulesCommand(t *testing.T) {
	t.Parallel()
	db := filepath.Join(t.TempDir(), "r.db")
	list := func() identify.Rules {
		t.Helper()
		code, out, stderr := qflow(t, nil, "rules", "list", "--db", db, "--json")
		if code != 0 {
			t.Fatalf("rules list: %d %s", code, stderr)
		}
		var r identify.Rules
		if err := json.Unmarshal([]byte(out), &r); err != nil {
			t.Fatal(err)
		}
		return r
	}
	if got := list(); len(got) != len(identify.Defaults()) || got[len(got)-1].Enabled {
		t.Fatalf("defaults: %+v", got)
	}
	if code, _, stderr := qflow(t, nil, "rules", "set", "--db", db, "--enable", "IP address", "--disable", "fqdn", "--add", "Name and IP=netbios_domain+ip"); code != 0 {
		t.Fatalf("rules set: %s", stderr)
	}
	got := list()
	last := got[len(got)-1]
	if len(got) != 10 || !got[8].Enabled || got[6].Enabled || last.Name != "Name and IP" || len(last.Attributes) != 2 {
		t.Fatalf("after set: %+v", got)
	}
	var off []string
	for _, r := range got {
		off = append(off, "--disable", r.Name)
	}
	code, _, stderr := qflow(t, nil, append([]string{"rules", "set", "--db", db}, off...)...)
	if code == 0 || !strings.Contains(stderr, "at least one identification rule must stay on") {
		t.Fatalf("all rules off accepted (exit %d): %s", code, stderr)
	}
	if after := list(); len(after) != 10 || !after[0].Enabled {
		t.Fatalf("refused set changed the rules: %+v", after)
	}
	if code, _, stderr := qflow(t, nil, "rules", "set", "--db", db, "--add", "bad=serial"); code == 0 || !strings.Contains(stderr, `unknown attribute "serial"`) {
		t.Fatalf("unknown attribute accepted (exit %d): %s", code, stderr)
	}
	if code, _, _ := qflow(t, nil, "rules", "set", "--db", db, "--reset"); code != 0 || len(list()) != 9 {
		t.Fatal("reset failed")
	}
}
