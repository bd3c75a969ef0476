package sqlite

import (
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/qflow/qflow/internal/store"
	"github.com/qflow/qflow/internal/sync"
)

// A record's content replaces its list rows and its identifiers, but a
// list or a set of identifiers stored already, value for value, is not
// written again (a rescanned host keeps its tags and identifiers, and
// rewriting them moved their entries in every index). Whatever is written
// or left, the stored rows are the new content's, as a plain replacement
// stores them.
func TestRecordContentRewritesOnlyWhatChanged(t *testing.T) {
	ctx := t.Context()
	st := openTest(t, "replace.db")
	lock := store.Lock{Source: "csam", Subscription: "default"}
	run := &sync.Run{Source: lock.Source, Subscription: lock.Subscription, Mode: sync.ModeFull, State: sync.StateProcessing, StartedAt: loadAt}
	ids := []store.Identifier{{Attribute: "agent_id", Value: "a-1"}, {Attribute: "ip", Value: "10.0.0.1"}, {Attribute: "fqdn", Value: "h.example"}}
	items := func(tagScore any, ports int) []store.Item {
		out := []store.Item{
			{Table: "tags", Ordinal: 0, Values: []any{int64(7), "Prod", tagScore}, Attributes: `{"id":7}`},
			{Table: "tags", Ordinal: 1, Values: []any{int64(9), nil, nil}, Attributes: `{"id":9}`},
			{Table: "volumes", Ordinal: 0, Values: []any{"/", 2.5, true}, Attributes: `{}`}, // a bool is bound as 1
			{Table: "services", Ordinal: 0, Values: []any{"sshd", "running"}, Attributes: `{}`},
			// Entities come in map order, not in the table's key order.
			{Table: "record_items", Entity: "custom_attribute", Ordinal: 0, Attributes: `{"key":"owner"}`},
			{Table: "record_items", Entity: "business_app", Ordinal: 0, Attributes: `{"name":"CRM"}`},
			{Table: "record_items", Entity: "business_app", Ordinal: 1, Attributes: `{"name":"ERP"}`},
		}
		for p := range ports {
			out = append(out, store.Item{Table: "open_ports", Ordinal: p, Values: []any{int64(22 + p), "tcp"}, Attributes: `{}`})
		}
		return out
	}

	sw := func(name, version, path, attrs string) store.Install {
		return store.Install{Name: name, Version: version, Publisher: "x", SoftwareAttributes: "{}", InstallPath: path, Attributes: attrs}
	}
	installs := []store.Install{sw("openssl", "3", "/usr", `{"a":1}`), sw("bash", "5", "/bin", "{}"), sw("zlib", "1", "/lib", "{}"), sw("zlib", "1", "/opt", "{}")}
	installs[1].InstallDate = time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)

	var rec, asset int64
	write := func(its []store.Item, ins []store.Install, ids []store.Identifier, onAsset int64) {
		t.Helper()
		err := st.Update(ctx, lock, func(stx store.Tx) error {
			if rec == 0 {
				if err := stx.InsertRun(ctx, run); err != nil {
					return err
				}
				var err error
				asset, rec, err = stx.AddRecord(ctx, store.NewRecord{Source: "CSAM", Subscription: lock.Subscription, NativeKey: "k1", RunID: run.ID, At: loadAt},
					&store.AssetSummary{Name: "h"}, ids)
				if err != nil {
					return err
				}
				onAsset = asset
			} else if err := stx.SaveIdentifiers(ctx, rec, onAsset, ids); err != nil {
				return err
			}
			ws := &store.WriteSet{RunID: run.ID, Source: lock.Source, Subscription: lock.Subscription, At: loadAt,
				Records: []store.RecordContent{{RecordID: rec, Hash: "h", Attributes: "{}", Items: its, Installs: ins}}}
			return stx.Apply(ctx, ws)
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	write(items(int64(3), 2), installs, ids, 0)

	// The writer has one connection: temporary triggers on it see every
	// row written to the tables a content replaces.
	tables := []string{"installed_software", "tags", "volumes", "services", "record_items", "open_ports", "asset_identifiers"}
	err := st.Update(ctx, lock, func(stx store.Tx) error {
		q := []string{`CREATE TEMP TABLE writes (tbl TEXT)`}
		for _, tb := range tables {
			for _, op := range []string{"INSERT", "DELETE", "UPDATE"} {
				q = append(q, `CREATE TEMP TRIGGER w_`+tb+`_`+op+` AFTER `+op+` ON main.`+tb+` BEGIN INSERT INTO writes VALUES ('`+tb+`'); END`)
			}
		}
		for _, s := range q {
			if _, err := stx.(*tx).tx.ExecContext(ctx, s); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	// stored renders a table's rows of the record with their types.
	stored := func(tb string) string {
		cols, key := listColumns(tb)
		if tb == "asset_identifiers" {
			cols, key = []string{"attribute", "value", "asset_id"}, "attribute, value"
		}
		for i, c := range cols {
			cols[i] = "quote(" + c + ")"
		}
		return strings.Join(dbColumn[string](t, st.r, `SELECT `+strings.Join(cols, `||','||`)+` FROM `+tb+` WHERE record_id = ? ORDER BY `+key, rec), "; ")
	}
	before := map[string]string{}
	for _, tb := range tables {
		before[tb] = stored(tb)
	}
	if !strings.Contains(before["tags"], "7,'Prod',3") || !strings.Contains(before["services"], "'sshd','running'") || !strings.Contains(before["volumes"], "'/',2.5,1") || !strings.Contains(before["installed_software"], "'2026-01-02T03:04:05Z'") ||
		strings.Count(before["installed_software"], "; ") != 3 {
		t.Fatalf("first content stored %v", before)
	}

	for _, tc := range []struct {
		name     string
		items    []store.Item
		installs []store.Install // nil: the first content's
		ids      []store.Identifier
		asset    int64 // added to the record's asset
		written  []string
		want     map[string]string // tables stored differently from the first content
	}{
		{name: "the same content", items: items(int64(3), 2), ids: ids},
		{name: "identifiers in another order, one repeated", items: items(int64(3), 2),
			ids: []store.Identifier{ids[2], ids[0], ids[1], ids[0]}},
		{name: "installs in another order, one repeated with other values", items: items(int64(3), 2), ids: ids,
			installs: []store.Install{installs[3], installs[1], installs[0], installs[2], sw("bash", "5", "/bin", `{"later":true}`)}},
		{name: "an install's values changed", items: items(int64(3), 2), ids: ids, written: []string{"installed_software"},
			installs: []store.Install{sw("openssl", "3", "/usr", `{"a":2}`), installs[1], installs[2], installs[3]},
			want:     map[string]string{"installed_software": strings.Replace(before["installed_software"], `'{"a":1}'`, `'{"a":2}'`, 1)}},
		{name: "the install's values back", items: items(int64(3), 2), ids: ids, written: []string{"installed_software"}},
		{name: "an install gone", items: items(int64(3), 2), ids: ids, written: []string{"installed_software"}, installs: installs[:3],
			want: map[string]string{"installed_software": strings.Join(slices.DeleteFunc(strings.Split(before["installed_software"], "; "),
				func(r string) bool { return strings.Contains(r, "'/opt'") }), "; ")}},
		{name: "the install back", items: items(int64(3), 2), ids: ids, written: []string{"installed_software"}},
		{name: "a tag's value changed", items: items(int64(4), 2), ids: ids, written: []string{"tags"},
			want: map[string]string{"tags": strings.Replace(before["tags"], "'Prod',3", "'Prod',4", 1)}},
		{name: "the tag's value back", items: items(int64(3), 2), ids: ids, written: []string{"tags"}},
		{name: "a port gone", items: items(int64(3), 1), ids: ids, written: []string{"open_ports"},
			want: map[string]string{"open_ports": strings.Split(before["open_ports"], "; ")[0]}},
		{name: "the port back", items: items(int64(3), 2), ids: ids, written: []string{"open_ports"}},
		{name: "the list items in another order", items: func() []store.Item {
			its := items(int64(3), 2)
			slices.Reverse(its)
			return its
		}(), ids: ids},
		{name: "an install date changed", items: items(int64(3), 2), ids: ids, written: []string{"installed_software"},
			installs: func() []store.Install {
				ins := slices.Clone(installs)
				ins[1].InstallDate = time.Date(2026, 1, 3, 3, 4, 5, 0, time.UTC)
				return ins
			}(),
			want: map[string]string{"installed_software": strings.Replace(before["installed_software"], "2026-01-02", "2026-01-03", 1)}},
		{name: "the install date back", items: items(int64(3), 2), ids: ids, written: []string{"installed_software"}},
		{name: "a list gone", items: slices.DeleteFunc(items(int64(3), 2), func(it store.Item) bool { return it.Table == "record_items" }), ids: ids,
			written: []string{"record_items"}, want: map[string]string{"record_items": ""}},
		{name: "the list back", items: items(int64(3), 2), ids: ids, written: []string{"record_items"}},
		{name: "an identifier replaced by another", items: items(int64(3), 2), written: []string{"asset_identifiers"},
			ids: []store.Identifier{ids[0], ids[1], {Attribute: "fqdn", Value: "other.example"}}},
		{name: "an identifier added", items: items(int64(3), 2), ids: append(slices.Clone(ids), store.Identifier{Attribute: "mac", Value: "00:11:22:33:44:55"}),
			written: []string{"asset_identifiers"}},
		{name: "the identifiers on another asset", items: items(int64(3), 2), ids: ids, asset: 1000, written: []string{"asset_identifiers"}},
		{name: "back on the record's asset", items: items(int64(3), 2), ids: ids, written: []string{"asset_identifiers"}},
		// A value of another type than the one read back is written again,
		// and stored as before: the column's affinity makes it the same.
		{name: "the same values as text", items: items("3", 2), ids: ids, written: []string{"tags"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			on := asset + tc.asset
			if _, err := st.w.ExecContext(ctx, `DELETE FROM temp.writes`); err != nil {
				t.Fatal(err)
			}
			ins := tc.installs
			if ins == nil {
				ins = installs
			}
			write(tc.items, ins, tc.ids, on)
			got := dbColumn[string](t, st.w, `SELECT DISTINCT tbl FROM temp.writes ORDER BY tbl`)
			slices.Sort(tc.written)
			if !slices.Equal(got, tc.written) {
				t.Errorf("tables written %v, want %v", got, tc.written)
			}
			for _, tb := range tables {
				want, ok := tc.want[tb]
				if !ok {
					want = before[tb]
				}
				if tb == "asset_identifiers" {
					continue // checked below
				}
				if g := stored(tb); g != want {
					t.Errorf("%s stored %q, want %q", tb, g, want)
				}
			}
			wantIDs := map[string]bool{}
			for _, v := range tc.ids {
				wantIDs["'"+v.Attribute+"','"+v.Value+"',"+strconv.FormatInt(on, 10)] = true
			}
			gotIDs := strings.Split(stored("asset_identifiers"), "; ")
			if len(gotIDs) != len(wantIDs) {
				t.Errorf("identifiers stored %v, want %v", gotIDs, wantIDs)
			}
			for _, g := range gotIDs {
				if !wantIDs[g] {
					t.Errorf("identifier %s stored, want %v", g, wantIDs)
				}
			}
		})
	}
	checkIntegrity(t, st)
}

// Values equal only with the type the driver reads back: anything else is
// written again, never taken for the stored value.
func TestSameValues(t *testing.T) {
	for _, tc := range []struct {
		name           string
		stored, writes []any
		same           bool
	}{
		{"integers", []any{int64(3)}, []any{int64(3)}, true},
		{"an int (ordinal, bool)", []any{int64(1)}, []any{1}, true},
		{"text", []any{"a"}, []any{"a"}, true},
		{"real", []any{2.5}, []any{2.5}, true},
		{"null", []any{nil}, []any{nil}, true},
		{"blob", []any{[]byte("x")}, []any{[]byte("x")}, true},
		{"another integer", []any{int64(3)}, []any{int64(4)}, false},
		{"integer stored, text written", []any{int64(3)}, []any{"3"}, false},
		{"text stored, integer written", []any{"3"}, []any{int64(3)}, false},
		{"integer stored, integral real written", []any{int64(3)}, []any{3.0}, false},
		{"null stored, empty text written", []any{nil}, []any{""}, false},
		{"text stored, null written", []any{""}, []any{nil}, false},
		{"text stored, blob written", []any{"x"}, []any{[]byte("x")}, false},
		{"a bool is not read back", []any{true}, []any{true}, false},
		{"second column differs", []any{int64(1), "a"}, []any{int64(1), "b"}, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := sameValues(tc.stored, tc.writes); got != tc.same {
				t.Errorf("sameValues(%v, %v) = %v, want %v", tc.stored, tc.writes, got, tc.same)
			}
		})
	}
}
