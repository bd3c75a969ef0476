package postgres

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"github.com/jackc/pgx/v5"

	"github.com/qflow/qflow/internal/store"
)

// staging is the content of one temporary staging table: rows converted
// to the kinds of its columns, ready for COPY.
type staging struct {
	name  string
	cols  []string
	kinds []kind
	rows  [][]any
}

// newStaging starts a staging table (named qflow_stage_<name>) with
// columns cols of kinds ks.
func newStaging(name string, cols []string, ks []kind) *staging {
	return &staging{name: "qflow_stage_" + name, cols: cols, kinds: ks}
}

// add converts and appends one row (values in the order of the columns).
func (st *staging) add(vals ...any) error {
	if len(vals) != len(st.cols) {
		return fmt.Errorf("%s: %d values for %d columns", st.name, len(vals), len(st.cols))
	}
	row, err := rowOf(strings.TrimPrefix(st.name, "qflow_stage_"), st.cols, st.kinds, vals)
	if err != nil {
		return err
	}
	st.rows = append(st.rows, row)
	return nil
}

// stageCols returns the columns of table tb named cols with their kinds,
// after the extra leading columns.
func (s *Store) stageCols(tb string, extra []string, extraKinds []kind, cols ...string) ([]string, []kind, error) {
	t := s.schema[tb]
	if t == nil {
		return nil, nil, fmt.Errorf("postgres: no table %s: the database's schema is not the one this qflow writes", tb)
	}
	names := append(append([]string{}, extra...), cols...)
	ks := append([]kind{}, extraKinds...)
	for _, c := range cols {
		k, err := t.kind(c)
		if err != nil {
			return nil, nil, err
		}
		ks = append(ks, k)
	}
	return names, ks, nil
}

// load empties the staging table, when an earlier Apply of this
// transaction filled it, or creates it on this connection if it is not
// there yet, and copies its rows in. A staging table lives as long as its
// connection and is emptied at every commit (ON COMMIT DELETE ROWS; a
// rollback takes back its rows, or its creation): creating and dropping
// ten tables in every transaction cost a millisecond each, and churned
// the system catalogs.
func (t *tx) load(ctx context.Context, st *staging) error {
	if t.staged == nil {
		t.staged = map[string]bool{}
	}
	if t.staged[st.name] {
		if _, err := t.tx.Exec(ctx, `TRUNCATE `+st.name); err != nil {
			return fmt.Errorf("empty %s: %w", st.name, err)
		}
	} else {
		defs := make([]string, len(st.cols))
		for i, c := range st.cols {
			defs[i] = pgx.Identifier{c}.Sanitize() + " " + st.kinds[i].sqlType()
		}
		// The columns are fixed per name within one schema version.
		if _, err := t.tx.Exec(ctx, `CREATE TEMP TABLE IF NOT EXISTS `+st.name+` (`+strings.Join(defs, ", ")+`) ON COMMIT DELETE ROWS`); err != nil {
			return fmt.Errorf("create %s: %w", st.name, err)
		}
		t.staged[st.name] = true
	}
	if _, err := t.tx.CopyFrom(ctx, pgx.Identifier{st.name}, st.cols, pgx.CopyFromRows(st.rows)); err != nil {
		return fmt.Errorf("copy into %s: %w", st.name, err)
	}
	return nil
}

// Apply implements store.Tx: the write set's rows in the order WriteSet
// documents.
func (t *tx) Apply(ctx context.Context, ws *store.WriteSet) error {
	w := *ws // the steps may replace its slices, never the caller's
	ws = &w
	steps := []struct {
		what string
		fn   func(context.Context, *store.WriteSet) error
	}{
		{"record contents", t.applyRecords},
		{"KnowledgeBase entries", t.applyVulns},
		{"findings", t.applyFindings},
		{"changes", t.applyChanges},
		{"identity conflicts", t.applyConflicts},
		{"quarantine", t.applyQuarantine},
	}
	for _, s := range steps {
		if err := s.fn(ctx, ws); err != nil {
			return fmt.Errorf("postgres: write %s of run %d: %w", s.what, ws.RunID, err)
		}
	}
	return nil
}

// recordTables are the tables whose rows a record's content replaces.
var recordTables = []string{"installed_software", "open_ports", "network_interfaces", "volumes", "services", "tags", "record_items"}

type softwareKey struct{ name, version, publisher string }

func (t *tx) applyRecords(ctx context.Context, ws *store.WriteSet) error {
	if len(ws.Records) == 0 {
		return nil
	}
	s := t.s
	recs := newStaging("records", []string{"id", "raw_hash", "attributes", "software_installs", "findings"},
		[]kind{kindInt, kindText, kindJSON, kindInt, kindInt})
	swCols, swKinds, err := s.stageCols("software", []string{"seq"}, []kind{kindInt}, "name", "version", "publisher", "attributes")
	if err != nil {
		return err
	}
	sw := newStaging("software", swCols, swKinds)
	instCols, instKinds, err := s.stageCols("installed_software", []string{"record_id", "asset_id", "software_id"},
		[]kind{kindInt, kindInt, kindInt}, "install_path", "install_date", "attributes")
	if err != nil {
		return err
	}
	// The installs and list rows are copied into their tables directly,
	// once their software's ids and their records' assets are known
	// (instSW: each install's entry in sw; contentRecs: the records with
	// installs or list rows).
	var (
		instRows    [][]any
		instSW      []int
		contentRecs []int64
	)
	items := map[string]*staging{}
	var itemOrder []string
	seen := map[softwareKey]int{}
	// A record given twice gets the last content (as successive writes
	// would leave it).
	last := make(map[int64]int, len(ws.Records))
	for i, rc := range ws.Records {
		last[rc.RecordID] = i
	}
	ids := make([]int64, 0, len(ws.Records))
	for i, rc := range ws.Records {
		if last[rc.RecordID] != i {
			continue
		}
		ids = append(ids, rc.RecordID)
		if err := recs.add(rc.RecordID, rc.Hash, rc.Attributes, rc.SoftwareInstalls, rc.Findings); err != nil {
			return err
		}
		if len(rc.Installs) > 0 || len(rc.Items) > 0 {
			contentRecs = append(contentRecs, rc.RecordID)
		}
		for _, in := range rc.Installs {
			k := softwareKey{in.Name, in.Version, in.Publisher}
			n, ok := seen[k]
			if !ok {
				// The first entry of the batch is the catalog's (as the
				// SQLite store's per-batch catalog cache does).
				n = len(sw.rows)
				seen[k] = n
				if err := sw.add(int64(n), in.Name, in.Version, in.Publisher, in.SoftwareAttributes); err != nil {
					return err
				}
			}
			row, err := rowOf("installed_software", instCols, instKinds, []any{rc.RecordID, int64(0), int64(0), in.InstallPath, in.InstallDate, in.Attributes})
			if err != nil {
				return err
			}
			instRows, instSW = append(instRows, row), append(instSW, n)
		}
		for _, it := range rc.Items {
			st, err := t.itemStaging(items, it.Table)
			if err != nil {
				return err
			}
			if items[it.Table] == nil {
				items[it.Table] = st
				itemOrder = append(itemOrder, it.Table)
			}
			if len(it.Values) != len(store.ItemColumns[it.Table]) {
				return fmt.Errorf("record %d: %s row with %d values, want %d (%s)", rc.RecordID, it.Table, len(it.Values),
					len(store.ItemColumns[it.Table]), strings.Join(store.ItemColumns[it.Table], ", "))
			}
			vals := []any{rc.RecordID, int64(it.Ordinal)}
			if it.Table == "record_items" {
				vals = append(vals, it.Entity)
			}
			vals = append(append(vals, it.Values...), it.Attributes)
			if err := st.add(vals...); err != nil {
				return err
			}
		}
	}

	// The children the new content replaces: none for a record inserted
	// in this transaction whose content is not written yet.
	var old []int64
	for _, id := range ids {
		if t.fresh[id] {
			delete(t.fresh, id) // a second content of it replaces the first
		} else {
			old = append(old, id)
		}
	}
	if len(old) > 0 {
		b := &pgx.Batch{}
		for _, tb := range recordTables {
			b.Queue(`DELETE FROM `+tb+` WHERE record_id = ANY($1)`, old)
		}
		if err := sendBatch(ctx, t.tx, b); err != nil {
			return fmt.Errorf("delete the rows the new contents replace: %w", err)
		}
	}

	if len(sw.rows) > 0 {
		if err := t.load(ctx, sw); err != nil {
			return err
		}
	}
	if len(contentRecs) > 0 {
		swIDs, assets, err := t.catalogAndAssets(ctx, sw, contentRecs)
		if err != nil {
			return err
		}
		if err := copyInstalls(ctx, t.tx, instCols, instRows, instSW, swIDs, assets); err != nil {
			return err
		}
		for _, tb := range itemOrder {
			if err := copyItems(ctx, t.tx, tb, items[tb], assets); err != nil {
				return err
			}
		}
	}

	if err := t.load(ctx, recs); err != nil {
		return err
	}
	tag, err := t.tx.Exec(ctx, `UPDATE asset_records r SET raw_hash = s.raw_hash, attributes = coalesce(s.attributes, '{}'),
		software_installs = s.software_installs, findings = s.findings, last_seen = $1, last_run_id = $2, state = 'active'
		FROM `+recs.name+` s WHERE r.id = s.id`, ws.At, ws.RunID)
	if err != nil {
		return fmt.Errorf("update records: %w", err)
	}
	if n := tag.RowsAffected(); n != int64(len(recs.rows)) {
		return fmt.Errorf("update records: %d of %d records are not stored", int64(len(recs.rows))-n, len(recs.rows))
	}
	return nil
}

// catalogAndAssets brings the software catalog up to date with the staged
// entries sw (none, or loaded) and reads, in the same round trip, their
// ids (by entry) and the assets of records recs. Changed catalog entries
// are updated, unchanged ones left alone (no dead row versions), and only
// new ones inserted (an upsert would use up an id for each). Knowing the
// ids and the assets, the installs and list rows need no staging table and
// no join: joining staged installs to the catalog by name, version and
// publisher was the largest statement of a first load.
func (t *tx) catalogAndAssets(ctx context.Context, sw *staging, recs []int64) ([]int64, map[int64]int64, error) {
	b := &pgx.Batch{}
	ids := make([]int64, len(sw.rows))
	if len(sw.rows) > 0 {
		b.Queue(`UPDATE software w SET attributes = coalesce(s.attributes, '{}') FROM ` + sw.name + ` s
			WHERE w.name = s.name AND w.version = s.version AND w.publisher = s.publisher AND w.attributes IS DISTINCT FROM coalesce(s.attributes, '{}')`)
		b.Queue(`INSERT INTO software (name, version, publisher, attributes)
			SELECT s.name, s.version, s.publisher, coalesce(s.attributes, '{}') FROM ` + sw.name + ` s
			WHERE NOT EXISTS (SELECT 1 FROM software w WHERE w.name = s.name AND w.version = s.version AND w.publisher = s.publisher)
			ORDER BY s.seq
			ON CONFLICT (name, version, publisher) DO NOTHING`)
		b.Queue(`SELECT s.seq, w.id FROM ` + sw.name + ` s JOIN software w ON w.name = s.name AND w.version = s.version AND w.publisher = s.publisher`).
			Query(func(rs pgx.Rows) error {
				var seq, id int64
				_, err := pgx.ForEachRow(rs, []any{&seq, &id}, func() error {
					if seq >= 0 && seq < int64(len(ids)) {
						ids[seq] = id
					}
					return nil
				})
				return err
			})
	}
	assets := make(map[int64]int64, len(recs))
	queueAssetsOf(b, recs, assets)
	if err := sendBatch(ctx, t.tx, b); err != nil {
		return nil, nil, fmt.Errorf("update the software catalog and read the records' assets: %w", err)
	}
	if n := slices.Index(ids, 0); n >= 0 {
		return nil, nil, fmt.Errorf("update the software catalog: entry %v has no id after its insert", sw.rows[n][1:4])
	}
	return ids, assets, nil
}

// copyInstalls copies the installs rows (columns cols: record_id,
// asset_id, software_id, then the rest) into installed_software, with
// their records' assets and the ids of their software (rowSW[i]: row i's
// entry in swIDs). A row that repeats an earlier one's record, software
// and path is left out, as ON CONFLICT DO NOTHING did.
func copyInstalls(ctx context.Context, q querier, cols []string, rows [][]any, rowSW []int, swIDs []int64, assets map[int64]int64) error {
	if len(rows) == 0 {
		return nil
	}
	type instKey struct {
		rec, sw int64
		path    string
	}
	out := rows[:0]
	dup := make(map[instKey]bool, len(rows))
	path, attrs := slices.Index(cols, "install_path"), slices.Index(cols, "attributes")
	for i, row := range rows {
		rec := row[0].(int64)
		asset, ok := assets[rec]
		if !ok {
			return fmt.Errorf("insert installed software: record %d is not stored", rec)
		}
		row[1], row[2] = asset, swIDs[rowSW[i]]
		if p, ok := row[path].(string); ok { // NULL fails the insert
			k := instKey{rec, swIDs[rowSW[i]], p}
			if dup[k] {
				continue
			}
			dup[k] = true
		}
		if row[attrs] == nil {
			row[attrs] = "{}" // NOT NULL, as the staged insert coalesced
		}
		out = append(out, row)
	}
	if _, err := q.CopyFrom(ctx, pgx.Identifier{"installed_software"}, cols, pgx.CopyFromRows(out)); err != nil {
		return fmt.Errorf("insert installed software: %w", err)
	}
	return nil
}

// copyItems copies the list rows of table tb, converted in st (columns
// record_id, ordinal, [entity,] the table's columns, attributes), into tb
// with their records' assets (record_items has none).
func copyItems(ctx context.Context, q querier, tb string, st *staging, assets map[int64]int64) error {
	cols := st.cols
	if tb != "record_items" {
		cols = append([]string{"record_id", "asset_id"}, st.cols[1:]...)
	}
	attrs := slices.Index(cols, "attributes")
	rows := make([][]any, len(st.rows))
	missing := 0
	for i, r := range st.rows {
		asset, ok := assets[r[0].(int64)]
		if !ok {
			missing++
			continue
		}
		row := r
		if tb != "record_items" {
			row = append([]any{r[0], asset}, r[1:]...)
		}
		if row[attrs] == nil {
			row[attrs] = "{}" // NOT NULL, as the staged insert coalesced
		}
		rows[i] = row
	}
	if missing > 0 {
		return fmt.Errorf("insert %s: %d of %d rows belong to no stored record", tb, missing, len(st.rows))
	}
	if _, err := q.CopyFrom(ctx, pgx.Identifier{tb}, cols, pgx.CopyFromRows(rows)); err != nil {
		return fmt.Errorf("insert %s: %w", tb, err)
	}
	return nil
}

// itemStaging returns the rows of a list table being gathered (converted to
// its columns' kinds, then copied into the table by copyItems), new when
// items has none yet.
func (t *tx) itemStaging(items map[string]*staging, tb string) (*staging, error) {
	if st := items[tb]; st != nil {
		return st, nil
	}
	cols, ok := store.ItemColumns[tb]
	if !ok {
		return nil, fmt.Errorf("unknown list table %q", tb)
	}
	extra, extraKinds := []string{"record_id", "ordinal"}, []kind{kindInt, kindInt}
	if tb == "record_items" {
		extra, extraKinds = append(extra, "entity"), append(extraKinds, kindText)
	}
	names, ks, err := t.s.stageCols(tb, extra, extraKinds, append(append([]string{}, cols...), "attributes")...)
	if err != nil {
		return nil, err
	}
	return newStaging(tb, names, ks), nil
}

// commaList returns ", a, b" for cols a and b ("" for none).
func commaList(cols []string) string {
	if len(cols) == 0 {
		return ""
	}
	return ", " + strings.Join(cols, ", ")
}

func (t *tx) applyVulns(ctx context.Context, ws *store.WriteSet) error {
	if len(ws.Vulns) > 0 {
		cols, ks, err := t.s.stageCols("vulns", nil, nil, append(append([]string{"qid"}, store.VulnColumns...), "attributes", "hash")...)
		if err != nil {
			return err
		}
		st := newStaging("vulns", cols, ks)
		// One row per QID (the last one given wins), as successive upserts
		// would leave it.
		last := map[int64]int{}
		for i, v := range ws.Vulns {
			last[v.QID] = i
		}
		var qids, cveQIDs, atkQIDs []int64
		var cves, atkKinds, atkIDs []string
		var atkNames []*string
		for i, v := range ws.Vulns {
			if last[v.QID] != i {
				continue
			}
			if len(v.Values) != len(store.VulnColumns) {
				return fmt.Errorf("vuln %d: %d values, want %d", v.QID, len(v.Values), len(store.VulnColumns))
			}
			if err := st.add(append(append([]any{v.QID}, v.Values...), v.Attributes, v.Hash)...); err != nil {
				return fmt.Errorf("vuln %d: %w", v.QID, err)
			}
			qids = append(qids, v.QID)
			for _, c := range v.CVEs {
				cveQIDs, cves = append(cveQIDs, v.QID), append(cves, cleanText(c))
			}
			for _, a := range v.Attack {
				name, err := convert(kindText, a.Name)
				if err != nil {
					return fmt.Errorf("vuln %d: ATT&CK name: %w", v.QID, err)
				}
				var np *string
				if name != nil {
					s := name.(string)
					np = &s
				}
				atkQIDs, atkKinds, atkIDs, atkNames = append(atkQIDs, v.QID), append(atkKinds, a.Kind), append(atkIDs, cleanText(a.ID)), append(atkNames, np)
			}
		}
		if err := t.load(ctx, st); err != nil {
			return err
		}
		vc := store.VulnColumns
		set := make([]string, 0, len(vc)+5)
		for _, c := range append(append([]string{}, vc...), "attributes", "hash", "last_seen", "last_run_id", "changed_run_id") {
			set = append(set, c+" = excluded."+c)
		}
		_, err = t.tx.Exec(ctx, `INSERT INTO vulns (qid`+commaList(vc)+`, attributes, hash, first_seen, last_seen, first_run_id, last_run_id, changed_run_id)
			SELECT qid`+commaList(vc)+`, coalesce(attributes, '{}'), hash, $1, $1, $2, $2, $2 FROM `+st.name+`
			ON CONFLICT (qid) DO UPDATE SET `+strings.Join(set, ", "), ws.At, ws.RunID)
		if err != nil {
			return fmt.Errorf("upsert KnowledgeBase entries: %w", err)
		}
		b := &pgx.Batch{}
		b.Queue(`DELETE FROM vuln_cves WHERE qid = ANY($1)`, qids)
		b.Queue(`DELETE FROM vuln_attack WHERE qid = ANY($1)`, qids)
		if len(cves) > 0 {
			b.Queue(`INSERT INTO vuln_cves (qid, cve_id) SELECT * FROM unnest($1::bigint[], $2::text[]) ON CONFLICT DO NOTHING`, cveQIDs, cves)
		}
		if len(atkIDs) > 0 {
			b.Queue(`INSERT INTO vuln_attack (qid, kind, attack_id, name) SELECT * FROM unnest($1::bigint[], $2::text[], $3::text[], $4::text[]) ON CONFLICT DO NOTHING`,
				atkQIDs, atkKinds, atkIDs, atkNames)
		}
		if err := sendBatch(ctx, t.tx, b); err != nil {
			return fmt.Errorf("replace CVEs and ATT&CK entries: %w", err)
		}
	}
	if len(ws.VulnsSeen) > 0 {
		if _, err := t.tx.Exec(ctx, `UPDATE vulns SET last_seen = $1, last_run_id = $2 WHERE qid = ANY($3)`, ws.At, ws.RunID, ws.VulnsSeen); err != nil {
			return fmt.Errorf("mark KnowledgeBase entries seen: %w", err)
		}
	}
	return nil
}

func (t *tx) applyFindings(ctx context.Context, ws *store.WriteSet) error {
	fc := store.FindingColumns
	var upd *staging
	var lastUpd map[int64]int
	for i, f := range ws.Findings {
		if len(f.Values) != len(fc) {
			return fmt.Errorf("finding %q of record %d: %d values, want %d", f.Key, f.RecordID, len(f.Values), len(fc))
		}
		if f.ID != 0 {
			if lastUpd == nil {
				lastUpd = map[int64]int{}
			}
			lastUpd[f.ID] = i
		}
	}
	var added []int // the new findings, in order
	for i, f := range ws.Findings {
		var err error
		if f.ID == 0 {
			added = append(added, i)
		} else {
			if lastUpd[f.ID] != i {
				continue // written twice: the last write wins
			}
			if upd == nil {
				cols, ks, err := t.s.stageCols("findings", []string{"status_changed"}, []kind{kindBool}, append([]string{"id", "record_id"}, fc...)...)
				if err != nil {
					return err
				}
				upd = newStaging("findings_updated", cols, ks)
			}
			err = upd.add(append([]any{f.StatusChanged, f.ID, f.RecordID}, f.Values...)...)
		}
		if err != nil {
			return fmt.Errorf("finding %q of record %d: %w", f.Key, f.RecordID, err)
		}
	}
	if len(added) > 0 {
		if err := t.insertFindings(ctx, ws, added); err != nil {
			return err
		}
	}
	if upd != nil {
		if err := t.load(ctx, upd); err != nil {
			return err
		}
		set := make([]string, len(fc))
		for i, c := range fc {
			set[i] = c + " = s." + c
			switch c {
			case "qds_derived":
				set[i] = c + " = coalesce(s." + c + ", false)"
			case "attributes":
				set[i] = c + " = coalesce(s." + c + ", '{}')"
			}
		}
		tag, err := t.tx.Exec(ctx, `UPDATE findings f SET `+strings.Join(set, ", ")+`,
			asset_id = coalesce(r.asset_id, f.asset_id), state = 'active', last_seen = $1, last_run_id = $2,
			status_run_id = CASE WHEN s.status_changed THEN $2 ELSE f.status_run_id END
			FROM `+upd.name+` s LEFT JOIN asset_records r ON r.id = s.record_id WHERE f.id = s.id`, ws.At, ws.RunID)
		if err != nil {
			return fmt.Errorf("update findings: %w", err)
		}
		if n := tag.RowsAffected(); n != int64(len(upd.rows)) {
			return fmt.Errorf("update findings: %d of %d findings are not stored", int64(len(upd.rows))-n, len(upd.rows))
		}
	}
	b := &pgx.Batch{}
	if len(ws.Touched) > 0 {
		b.Queue(`UPDATE findings SET last_seen = $1, last_run_id = $2 WHERE id = ANY($3)`, ws.At, ws.RunID, ws.Touched)
	}
	if len(ws.Missing) > 0 {
		b.Queue(`UPDATE findings SET state = 'missing', last_run_id = $1 WHERE id = ANY($2)`, ws.RunID, ws.Missing)
	}
	if err := sendBatch(ctx, t.tx, b); err != nil {
		return fmt.Errorf("mark findings seen or missing: %w", err)
	}
	return nil
}

// insertFindings copies the new findings of ws (added, their indexes) into
// findings directly, with no staging table: their records' assets are read
// and their ids drawn from the table's sequence first (in their order, as
// the rows were numbered when inserted from a staging table), both in one
// round trip. The changes of ws that name a new finding by key get its id.
func (t *tx) insertFindings(ctx context.Context, ws *store.WriteSet, added []int) error {
	var recs []int64
	seenRec := map[int64]bool{}
	for _, i := range added {
		if r := ws.Findings[i].RecordID; !seenRec[r] {
			seenRec[r] = true
			recs = append(recs, r)
		}
	}
	assets := make(map[int64]int64, len(recs))
	var ids []int64
	b := &pgx.Batch{}
	queueAssetsOf(b, recs, assets)
	b.Queue(`SELECT nextval(pg_get_serial_sequence('findings', 'id')) FROM generate_series(1, $1::int)`, len(added)).Query(func(rows pgx.Rows) error {
		var err error
		ids, err = pgx.CollectRows(rows, pgx.RowTo[int64])
		return err
	})
	if err := sendBatch(ctx, t.tx, b); err != nil {
		return fmt.Errorf("insert findings: read their assets and ids: %w", err)
	}
	if missing := len(recs) - len(assets); missing > 0 {
		return fmt.Errorf("insert findings: %d of %d records of new findings are not stored", missing, len(recs))
	}
	if len(ids) != len(added) {
		return fmt.Errorf("insert findings: %d ids drawn for %d findings", len(ids), len(added))
	}
	slices.Sort(ids)

	fc := store.FindingColumns
	cols := append([]string{"id", "record_id", "asset_id", "finding_key", "qid", "port", "protocol", "ssl", "instance"}, fc...)
	cols = append(cols, "state", "first_seen", "last_seen", "first_run_id", "last_run_id", "status_run_id")
	tb, err := t.s.tableOf("findings")
	if err != nil {
		return err
	}
	ks, err := tb.kindsOf(cols)
	if err != nil {
		return fmt.Errorf("insert findings: %w", err)
	}
	// What the staged insert coalesced: these columns are NOT NULL.
	qdsDerived, attrs := slices.Index(cols, "qds_derived"), slices.Index(cols, "attributes")
	byKey := make(map[findingRef]int64, len(added))
	rows := make([][]any, len(added))
	for n, i := range added {
		f := ws.Findings[i]
		vals := append([]any{ids[n], f.RecordID, assets[f.RecordID], f.Key, f.QID, f.Port, f.Protocol, f.SSL, f.Instance}, f.Values...)
		vals = append(vals, "active", ws.At, ws.At, ws.RunID, ws.RunID, ws.RunID)
		row, err := rowOf("findings", cols, ks, vals)
		if err != nil {
			return fmt.Errorf("finding %q of record %d: %w", f.Key, f.RecordID, err)
		}
		if row[qdsDerived] == nil {
			row[qdsDerived] = false
		}
		if row[attrs] == nil {
			row[attrs] = "{}"
		}
		rows[n] = row
		byKey[findingRef{f.RecordID, f.Key}] = ids[n]
	}
	if _, err := t.tx.CopyFrom(ctx, pgx.Identifier{"findings"}, cols, pgx.CopyFromRows(rows)); err != nil {
		return fmt.Errorf("insert findings: %w", err)
	}
	// ws is Apply's copy; the changes are the caller's: copied first.
	ws.Changes = slices.Clone(ws.Changes)
	for i, c := range ws.Changes {
		if c.FindingID == 0 && c.FindingKey != "" {
			if id, ok := byKey[findingRef{c.RecordID, c.FindingKey}]; ok {
				ws.Changes[i].FindingID = id
			}
		}
	}
	return nil
}

// queueAssetsOf queues on b the read of the assets records recs belong to,
// into assets.
func queueAssetsOf(b *pgx.Batch, recs []int64, assets map[int64]int64) {
	b.Queue(`SELECT id, asset_id FROM asset_records WHERE id = ANY($1)`, recs).Query(func(rs pgx.Rows) error {
		var id, asset int64
		_, err := pgx.ForEachRow(rs, []any{&id, &asset}, func() error {
			assets[id] = asset
			return nil
		})
		return err
	})
}

// findingRef names a finding by its record and key.
type findingRef struct {
	record int64
	key    string
}

// applyChanges copies the change rows into changes directly, in write-set
// order: first, in one round trip, it reads the assets their records
// belong to now (a change names its record's asset, whatever asset the
// write set gave) and the ids of the findings they name only by key.
// (They went through a staging table and an INSERT … SELECT joined to
// asset_records and findings.)
func (t *tx) applyChanges(ctx context.Context, ws *store.WriteSet) error {
	if len(ws.Changes) == 0 {
		return nil
	}
	var (
		recs     []int64
		seenRec  = map[int64]bool{}
		refRecs  []int64
		refKeys  []string
		assets   = map[int64]int64{}
		findings = map[findingRef]int64{}
	)
	for _, c := range ws.Changes {
		if c.RecordID != 0 && !seenRec[c.RecordID] {
			seenRec[c.RecordID] = true
			recs = append(recs, c.RecordID)
		}
		if c.FindingID == 0 && c.FindingKey != "" {
			refRecs, refKeys = append(refRecs, c.RecordID), append(refKeys, c.FindingKey)
		}
	}
	b := &pgx.Batch{}
	if len(recs) > 0 {
		queueAssetsOf(b, recs, assets)
	}
	if len(refRecs) > 0 {
		// LATERAL: one index probe per key (see LookupIdentifiers).
		b.Queue(`SELECT k.r, k.key, f.id FROM unnest($1::bigint[], $2::text[]) AS k(r, key)
			CROSS JOIN LATERAL (SELECT id FROM findings WHERE record_id = k.r AND finding_key = k.key) f`, refRecs, refKeys).Query(func(rs pgx.Rows) error {
			var (
				rec, id int64
				key     string
			)
			_, err := pgx.ForEachRow(rs, []any{&rec, &key, &id}, func() error {
				findings[findingRef{rec, key}] = id
				return nil
			})
			return err
		})
	}
	if err := sendBatch(ctx, t.tx, b); err != nil {
		return fmt.Errorf("insert changes: read their records' assets and findings: %w", err)
	}
	cols := []string{"run_id", "kind", "asset_id", "record_id", "finding_id", "qid", "old_value", "new_value", "at"}
	ks := []kind{kindInt, kindText, kindInt, kindInt, kindInt, kindInt, kindText, kindText, kindTime}
	rows := make([][]any, len(ws.Changes))
	for i, c := range ws.Changes {
		asset := c.AssetID
		if a, ok := assets[c.RecordID]; ok {
			asset = a
		}
		var rec, finding, qid any
		if c.RecordID != 0 {
			rec = c.RecordID
		}
		if c.FindingID != 0 {
			finding = c.FindingID
		} else if id, ok := findings[findingRef{c.RecordID, c.FindingKey}]; ok && c.FindingKey != "" {
			finding = id
		}
		if c.QID != 0 {
			qid = c.QID
		}
		row, err := rowOf("changes", cols, ks, []any{ws.RunID, c.Kind, asset, rec, finding, qid, c.Old, c.New, ws.At})
		if err != nil {
			return fmt.Errorf("%s change: %w", c.Kind, err)
		}
		rows[i] = row
	}
	if _, err := t.tx.CopyFrom(ctx, pgx.Identifier{"changes"}, cols, pgx.CopyFromRows(rows)); err != nil {
		return fmt.Errorf("insert changes: %w", err)
	}
	return nil
}

func (t *tx) applyConflicts(ctx context.Context, ws *store.WriteSet) error {
	b := &pgx.Batch{}
	for _, c := range ws.Conflicts {
		vals, err := rowOf("identity_conflicts", []string{"attribute", "value", "other_value", "other_asset_id", "candidates"},
			[]kind{kindText, kindText, kindText, kindInt, kindJSON}, []any{c.Attribute, c.Value, c.OtherValue, c.OtherAsset, c.Candidates})
		if err != nil {
			return err
		}
		if vals[4] == nil {
			vals[4] = "[]"
		}
		b.Queue(`INSERT INTO identity_conflicts (run_id, record_id, rule, chosen, candidates, at, kind, attribute, value, other_value, other_asset_id)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)`,
			ws.RunID, c.RecordID, c.Rule, c.Chosen, vals[4], ws.At, c.Kind, vals[0], vals[1], vals[2], vals[3])
	}
	return sendBatch(ctx, t.tx, b)
}

func (t *tx) applyQuarantine(ctx context.Context, ws *store.WriteSet) error {
	b := &pgx.Batch{}
	for _, q := range ws.Quarantine {
		raw := q.RawGzip
		if raw == nil {
			raw = []byte{}
		}
		b.Queue(`INSERT INTO quarantine (run_id, source, subscription, native_key, reason, raw, raw_hash, first_seen, last_seen)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $8)
			ON CONFLICT (source, subscription, native_key, raw_hash) DO UPDATE SET run_id = excluded.run_id, reason = excluded.reason,
				last_seen = excluded.last_seen, times = quarantine.times + 1`,
			ws.RunID, ws.Source, ws.Subscription, cleanText(q.Key), cleanText(q.Reason), raw, q.RawHash, ws.At)
	}
	return sendBatch(ctx, t.tx, b)
}
