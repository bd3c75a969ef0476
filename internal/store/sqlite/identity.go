package sqlite

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/qflow/qflow/internal/identify"
	"github.com/qflow/qflow/internal/model"
)

// Rules returns the identification rules in force: the stored ones, or
// the defaults when none were set.
func (s *Store) Rules(ctx context.Context) (identify.Rules, error) {
	rows, err := s.r.QueryContext(ctx, `SELECT name, attributes, enabled FROM identification_rules ORDER BY position`)
	if err != nil {
		return nil, fmt.Errorf("sqlite: read identification rules: %w", err)
	}
	defer rows.Close()
	var out identify.Rules
	for rows.Next() {
		var r identify.Rule
		var attrs string
		if err := rows.Scan(&r.Name, &attrs, &r.Enabled); err != nil {
			return nil, fmt.Errorf("sqlite: read identification rules: %w", err)
		}
		if err := json.Unmarshal([]byte(attrs), &r.Attributes); err != nil {
			return nil, fmt.Errorf("sqlite: identification rule %q is corrupt: %w", r.Name, err)
		}
		out = append(out, r)
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	if len(out) == 0 {
		return identify.Defaults(), nil
	}
	return out, nil
}

// SetRules validates and stores the identification rules (they apply to
// records identified from then on; existing assets keep their identity).
func (s *Store) SetRules(ctx context.Context, rules identify.Rules) error {
	if err := rules.Validate(); err != nil {
		return err
	}
	err := s.tx(ctx, func(tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx, `DELETE FROM identification_rules`); err != nil {
			return err
		}
		for i, r := range rules {
			b, err := json.Marshal(r.Attributes)
			if err != nil {
				return err
			}
			if _, err := tx.ExecContext(ctx, `INSERT INTO identification_rules (position, name, attributes, enabled) VALUES (?, ?, ?, ?)`, i+1, r.Name, string(b), r.Enabled); err != nil {
				return fmt.Errorf("save rule %q: %w", r.Name, err)
			}
		}
		return nil
	})
	s.rules = nil // reload on next use
	return err
}

// txIndex is an identify.Index over asset_identifiers, read inside the
// writer's transaction so that records of the same batch see each other.
// Learned and manual junk never matches.
type txIndex struct{ w *batchWriter }

func (x txIndex) Assets(_ context.Context, a identify.Attribute, value string) ([]int64, error) {
	if x.w.junk[junkKey{a, value}] {
		return nil, nil
	}
	return x.w.ints(`SELECT DISTINCT asset_id FROM asset_identifiers WHERE attribute = ? AND value = ? ORDER BY asset_id`, string(a), value)
}

func (x txIndex) Values(_ context.Context, asset int64, a identify.Attribute) ([]string, error) {
	vals, err := x.w.strings(`SELECT DISTINCT value FROM asset_identifiers WHERE asset_id = ? AND attribute = ? ORDER BY value`, asset, string(a))
	if err != nil {
		return nil, err
	}
	return slices.DeleteFunc(vals, func(v string) bool { return x.w.junk[junkKey{a, v}] }), nil
}

// Carriers answers identify.Carriers for the run's subscription, in one
// query.
func (x txIndex) Carriers(_ context.Context, a identify.Attribute, value string, limit int) (identify.Identifiers, error) {
	st, err := x.w.stmt(`SELECT DISTINCT o.attribute, o.value FROM asset_identifiers x
		JOIN asset_records r ON r.id = x.record_id AND r.subscription = ?
		JOIN asset_identifiers o ON o.record_id = x.record_id AND o.attribute IN ('bios_serial', 'hardware_uuid', 'agent_id') AND o.attribute <> x.attribute
		WHERE x.attribute = ? AND x.value = ? LIMIT ?`)
	if err != nil {
		return nil, err
	}
	rows, err := st.QueryContext(x.w.ctx, x.w.run.Subscription, string(a), value, 3*limit)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := identify.Identifiers{}
	for rows.Next() {
		var m, v string
		if err := rows.Scan(&m, &v); err != nil {
			return nil, err
		}
		out[identify.Attribute(m)] = append(out[identify.Attribute(m)], v)
	}
	return out, rows.Err()
}

func (w *batchWriter) ints(q string, args ...any) ([]int64, error) {
	return column[int64](w, q, args...)
}

func (w *batchWriter) strings(q string, args ...any) ([]string, error) {
	return column[string](w, q, args...)
}

// column runs a one-column query in the writer's transaction.
func column[T any](w *batchWriter, q string, args ...any) ([]T, error) {
	st, err := w.stmt(q)
	if err != nil {
		return nil, err
	}
	rows, err := st.QueryContext(w.ctx, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []T
	for rows.Next() {
		var v T
		if err := rows.Scan(&v); err != nil {
			return nil, err
		}
		out = append(out, v)
	}
	return out, rows.Err()
}

// junkKey is one junk identifier value.
type junkKey struct {
	a identify.Attribute
	v string
}

// loadJunk reads the learned and manual junk values.
func loadJunk(ctx context.Context, tx *sql.Tx) (map[junkKey]bool, error) {
	rows, err := tx.QueryContext(ctx, `SELECT attribute, value FROM identity_junk`)
	if err != nil {
		return nil, fmt.Errorf("read identity junk: %w", err)
	}
	defer rows.Close()
	out := map[junkKey]bool{}
	for rows.Next() {
		var a, v string
		if err := rows.Scan(&a, &v); err != nil {
			return nil, err
		}
		out[junkKey{identify.Attribute(a), v}] = true
	}
	return out, rows.Err()
}

// identifiers returns the identifiers of rec (all, to be saved) and those
// that may match (without junk). Values that this record shows to be shared
// by more machines than the threshold are learned as junk first, and the
// assets whose records they held together are re-decided (split where
// nothing else holds them together).
func (w *batchWriter) identifiers(rec *model.Record) (all, usable identify.Identifiers, err error) {
	all = identify.Of(rec, w.run.Subscription)
	ids := all
	var known []identify.Junk
	for a, vs := range ids {
		for _, v := range vs {
			if w.junk[junkKey{a, v}] {
				known = append(known, identify.Junk{Attribute: a, Value: v})
			}
		}
	}
	ids = ids.Without(known)
	rules, err := w.s.currentRules(w.ctx)
	if err != nil {
		return nil, nil, err
	}
	learned, err := identify.LearnJunk(w.ctx, rules, w.policy, ids, txIndex{w})
	if err != nil {
		return nil, nil, err
	}
	for _, j := range learned {
		if err := w.learnJunk(j); err != nil {
			return nil, nil, err
		}
	}
	return all, ids.Without(learned), nil
}

// learnJunk records a learned junk value and re-decides the grouping of the
// records that carry it.
func (w *batchWriter) learnJunk(j identify.Junk) error {
	w.s.log.Warn("identification: a value shared by many machines is junk from now on",
		"attribute", j.Attribute, "value", j.Value, "machines", j.Machines, "subscription", w.run.Subscription)
	if _, err := w.exec(`INSERT INTO identity_junk (attribute, value, origin, machines, subscription, run_id, at) VALUES (?, ?, 'learned', ?, ?, ?, ?)
		ON CONFLICT (attribute, value) DO NOTHING`, string(j.Attribute), j.Value, j.Machines, w.run.Subscription, w.run.ID, w.now); err != nil {
		return fmt.Errorf("learn junk %s %q: %w", j.Attribute, j.Value, err)
	}
	w.junk[junkKey{j.Attribute, j.Value}] = true
	assets, err := w.ints(`SELECT DISTINCT asset_id FROM asset_identifiers WHERE attribute = ? AND value = ? ORDER BY asset_id`, string(j.Attribute), j.Value)
	if err != nil {
		return err
	}
	for _, a := range assets {
		if err := w.regroup(a); err != nil {
			return fmt.Errorf("re-decide asset %d: %w", a, err)
		}
	}
	return nil
}

// regroup splits an asset whose records are no longer held together by
// any identifier that is not junk: the records of the oldest stay, each
// other group of records becomes a new asset (an asset_split change).
func (w *batchWriter) regroup(asset int64) error {
	recIDs, err := w.ints(`SELECT id FROM asset_records WHERE asset_id = ? ORDER BY id`, asset)
	if err != nil || len(recIDs) < 2 {
		return err
	}
	recs := make([]identify.Identifiers, len(recIDs))
	for i, id := range recIDs {
		rows, err := w.stmt(`SELECT attribute, value FROM asset_identifiers WHERE record_id = ?`)
		if err != nil {
			return err
		}
		rs, err := rows.QueryContext(w.ctx, id)
		if err != nil {
			return err
		}
		ids := identify.Identifiers{}
		for rs.Next() {
			var a, v string
			if err := rs.Scan(&a, &v); err != nil {
				rs.Close()
				return err
			}
			if !w.junk[junkKey{identify.Attribute(a), v}] {
				ids[identify.Attribute(a)] = append(ids[identify.Attribute(a)], v)
			}
		}
		rs.Close()
		if err := rs.Err(); err != nil {
			return err
		}
		recs[i] = ids
	}
	rules, err := w.s.currentRules(w.ctx)
	if err != nil {
		return err
	}
	groups := identify.Group(rules, w.policy, recs)
	for _, g := range groups[1:] {
		r, err := w.exec(`INSERT INTO assets (name, ip_address, dns_name, os_name, os_category1, os_category2, bios_serial, hw_uuid, agent_id, criticality, first_seen, last_seen, state)
			SELECT name, ip_address, dns_name, os_name, os_category1, os_category2, bios_serial, hw_uuid, agent_id, criticality, first_seen, last_seen, state FROM assets WHERE id = ?`, asset)
		if err != nil {
			return fmt.Errorf("insert split asset: %w", err)
		}
		newID, err := r.LastInsertId()
		if err != nil {
			return err
		}
		var moved []int64
		for _, i := range g {
			moved = append(moved, recIDs[i])
		}
		if err := w.moveRecords(moved, newID); err != nil {
			return err
		}
		w.s.log.Info("identification: records split off an asset", "asset", asset, "new_asset", newID, "records", len(moved))
		if err := w.change(ChangeAssetSplit, newID, moved[0], nil, nil, strconv.FormatInt(asset, 10), nil); err != nil {
			return err
		}
	}
	return nil
}

// assetTables are the tables whose rows belong to a source record and
// carry its asset.
var assetTables = []string{"asset_identifiers", "installed_software", "open_ports", "network_interfaces", "volumes", "services", "tags", "findings", "changes"}

// moveRecords moves source records, and every row of theirs, to asset.
func (w *batchWriter) moveRecords(recordIDs []int64, asset int64) error {
	for _, id := range recordIDs {
		if _, err := w.exec(`UPDATE asset_records SET asset_id = ? WHERE id = ?`, asset, id); err != nil {
			return fmt.Errorf("move record %d: %w", id, err)
		}
		for _, t := range assetTables {
			if _, err := w.exec(`UPDATE `+t+` SET asset_id = ? WHERE record_id = ?`, asset, id); err != nil {
				return fmt.Errorf("move %s of record %d: %w", t, id, err)
			}
		}
	}
	return nil
}

// merge makes the assets others one with survivor (the oldest): their
// records and every row of theirs, and their change feed, move to it; the
// merged assets are deleted and an asset_merged change names each.
func (w *batchWriter) merge(survivor int64, others []int64, recordID int64) error {
	for _, o := range others {
		if _, err := w.exec(`UPDATE asset_records SET asset_id = ? WHERE asset_id = ?`, survivor, o); err != nil {
			return fmt.Errorf("merge asset %d into %d: %w", o, survivor, err)
		}
		for _, t := range assetTables {
			if _, err := w.exec(`UPDATE `+t+` SET asset_id = ? WHERE asset_id = ?`, survivor, o); err != nil {
				return fmt.Errorf("merge %s of asset %d into %d: %w", t, o, survivor, err)
			}
		}
		if _, err := w.exec(`UPDATE identity_conflicts SET other_asset_id = ? WHERE other_asset_id = ?`, survivor, o); err != nil {
			return err
		}
		if _, err := w.exec(`UPDATE identity_conflicts SET chosen = ? WHERE chosen = ?`, survivor, o); err != nil {
			return err
		}
		if _, err := w.exec(`UPDATE assets SET first_seen = min(first_seen, (SELECT first_seen FROM assets WHERE id = ?)), state = 'active' WHERE id = ?`, o, survivor); err != nil {
			return err
		}
		if _, err := w.exec(`DELETE FROM assets WHERE id = ?`, o); err != nil {
			return fmt.Errorf("delete merged asset %d: %w", o, err)
		}
		w.s.log.Info("identification: a record links two assets: merged", "asset", survivor, "merged", o)
		if err := w.change(ChangeAssetMerged, survivor, recordID, nil, nil, strconv.FormatInt(o, 10), nil); err != nil {
			return err
		}
	}
	return nil
}

// identify decides the asset of a new source record by the identification
// rules (an existing asset's ID, or 0 for a new one; Decision.Merge the
// other assets it links) and returns the record's identifiers to save.
func (w *batchWriter) identify(rec *model.Record) (identify.Identifiers, identify.Decision, error) {
	rules, err := w.s.currentRules(w.ctx)
	if err != nil {
		return nil, identify.Decision{}, err
	}
	all, usable, err := w.identifiers(rec)
	if err != nil {
		return nil, identify.Decision{}, err
	}
	d, err := identify.Resolve(w.ctx, rules, w.policy, usable, txIndex{w})
	if err != nil {
		return nil, identify.Decision{}, err
	}
	return all, d, nil
}

// relink saves the identifiers of an existing record whose content changed
// and merges the assets they now link to its asset (the older survives).
// It returns the record's asset.
func (w *batchWriter) relink(rec *model.Record, recordID, assetID int64) (int64, error) {
	rules, err := w.s.currentRules(w.ctx)
	if err != nil {
		return 0, err
	}
	all, usable, err := w.identifiers(rec)
	if err != nil {
		return 0, err
	}
	if err := w.saveIdentifiers(recordID, assetID, all); err != nil {
		return 0, err
	}
	d, err := identify.Resolve(w.ctx, rules, w.policy, usable, txIndex{w})
	if err != nil {
		return 0, err
	}
	group := append([]int64{d.AssetID}, d.Merge...)
	if d.New() || !slices.Contains(group, assetID) || len(group) == 1 {
		return assetID, nil // nothing new is linked (or the asset conflicts with itself: leave it)
	}
	slices.Sort(group)
	survivor := group[0]
	return survivor, w.merge(survivor, group[1:], recordID)
}

// saveIdentifiers replaces the identifiers of a record (junk included: a
// value removed from the junk list matches again).
func (w *batchWriter) saveIdentifiers(recordID, assetID int64, ids identify.Identifiers) error {
	if _, err := w.exec(`DELETE FROM asset_identifiers WHERE record_id = ?`, recordID); err != nil {
		return fmt.Errorf("replace identifiers: %w", err)
	}
	for a, vals := range ids {
		for _, v := range vals {
			if _, err := w.exec(`INSERT INTO asset_identifiers (attribute, value, record_id, asset_id) VALUES (?, ?, ?, ?) ON CONFLICT DO NOTHING`,
				string(a), v, recordID, assetID); err != nil {
				return fmt.Errorf("save identifier %s: %w", a, err)
			}
		}
	}
	return nil
}

// logConflicts records the vetoes of a decision and the candidates it kept
// apart from the chosen asset.
func (w *batchWriter) logConflicts(recordID, assetID int64, rec *model.Record, d identify.Decision) error {
	for _, v := range d.Vetoes {
		w.s.log.Info("identification: candidate vetoed, a machine identifier differs",
			"source", rec.Source, "native_key", rec.NativeKey, "rule", v.Rule, "candidate", v.AssetID, "attribute", v.Attribute, "value", v.Value, "asset_value", v.AssetValue)
		if _, err := w.exec(`INSERT INTO identity_conflicts (run_id, record_id, rule, chosen, candidates, at, kind, attribute, value, other_value, other_asset_id)
			VALUES (?, ?, ?, ?, ?, ?, 'veto', ?, ?, ?, ?)`, w.run.ID, recordID, v.Rule, assetID, fmt.Sprintf("[%d]", v.AssetID), w.now,
			string(v.Attribute), v.Value, v.AssetValue, v.AssetID); err != nil {
			return fmt.Errorf("record veto: %w", err)
		}
	}
	if len(d.Candidates) > 1 {
		c, _ := json.Marshal(d.Candidates)
		w.s.log.Warn("identification conflict: the record matched assets that conflict with each other; they stay apart",
			"source", rec.Source, "native_key", rec.NativeKey, "rule", d.Rule, "chosen", assetID, "candidates", string(c))
		for _, o := range d.Candidates {
			if o == assetID {
				continue
			}
			if _, err := w.exec(`INSERT INTO identity_conflicts (run_id, record_id, rule, chosen, candidates, at, kind, other_asset_id) VALUES (?, ?, ?, ?, ?, ?, 'apart', ?)`,
				w.run.ID, recordID, d.Rule, assetID, string(c), w.now, o); err != nil {
				return err
			}
		}
	}
	return nil
}

func (s *Store) currentRules(ctx context.Context) (identify.Rules, error) {
	if s.rules != nil {
		return s.rules, nil
	}
	r, err := s.Rules(ctx)
	if err != nil {
		return nil, err
	}
	s.rules = r
	return r, nil
}

// settingIdentifyPolicy is the settings key of the identification policy.
const settingIdentifyPolicy = "identify.policy"

// Policy returns the identification policy in force: the stored one, or
// the default.
func (s *Store) Policy(ctx context.Context) (identify.Policy, error) {
	var v string
	err := s.r.QueryRowContext(ctx, `SELECT value FROM settings WHERE key = ?`, settingIdentifyPolicy).Scan(&v)
	return decodePolicy(v, err)
}

func (s *Store) policyTx(ctx context.Context, tx *sql.Tx) (identify.Policy, error) {
	var v string
	err := tx.QueryRowContext(ctx, `SELECT value FROM settings WHERE key = ?`, settingIdentifyPolicy).Scan(&v)
	return decodePolicy(v, err)
}

func decodePolicy(v string, err error) (identify.Policy, error) {
	if errors.Is(err, sql.ErrNoRows) {
		return identify.DefaultPolicy(), nil
	}
	if err != nil {
		return identify.Policy{}, fmt.Errorf("sqlite: read identification policy: %w", err)
	}
	p := identify.DefaultPolicy()
	if err := json.Unmarshal([]byte(v), &p); err != nil {
		return identify.Policy{}, fmt.Errorf("sqlite: identification policy is corrupt: %w", err)
	}
	return p, nil
}

// SetPolicy validates and stores the identification policy (veto
// attributes, junk threshold). It applies to records identified from then
// on.
func (s *Store) SetPolicy(ctx context.Context, p identify.Policy) error {
	if err := p.Validate(); err != nil {
		return err
	}
	b, err := json.Marshal(p)
	if err != nil {
		return err
	}
	return s.tx(ctx, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, `INSERT INTO settings (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value`, settingIdentifyPolicy, string(b))
		return err
	})
}

// JunkEntry is one value that never matches.
type JunkEntry struct {
	Attribute string `json:"attribute"`
	Value     string `json:"value"`
	// Origin is learned (shared by too many machines), manual (qflow rules
	// junk --add) or builtin.
	Origin string `json:"origin"`
	// Machines is how many different machines were seen carrying it when
	// it was learned; Records how many source records carry it now.
	Machines     int64  `json:"machines,omitempty"`
	Records      int64  `json:"records"`
	Subscription string `json:"subscription,omitempty"`
	RunID        int64  `json:"run_id,omitempty"`
	At           string `json:"at,omitempty"`
}

// Junk lists learned and manual junk values with the number of records that
// carry each.
func (s *Store) Junk(ctx context.Context) ([]JunkEntry, error) {
	rows, err := s.r.QueryContext(ctx, `SELECT j.attribute, j.value, j.origin, coalesce(j.machines, 0), coalesce(j.subscription, ''), coalesce(j.run_id, 0), j.at,
		(SELECT count(*) FROM asset_identifiers x WHERE x.attribute = j.attribute AND x.value = j.value)
		FROM identity_junk j ORDER BY j.attribute, j.value`)
	if err != nil {
		return nil, fmt.Errorf("sqlite: read identity junk: %w", err)
	}
	defer rows.Close()
	var out []JunkEntry
	for rows.Next() {
		var e JunkEntry
		if err := rows.Scan(&e.Attribute, &e.Value, &e.Origin, &e.Machines, &e.Subscription, &e.RunID, &e.At, &e.Records); err != nil {
			return nil, err
		}
		out = append(out, e)
	}
	return out, rows.Err()
}

// BuiltinJunkCounts counts, per attribute, the values of the stored source
// records that are junk from the start (identify.IsBuiltinJunk), keyed by
// the raw value.
func (s *Store) BuiltinJunkCounts(ctx context.Context) ([]JunkEntry, error) {
	rows, err := s.r.QueryContext(ctx, `SELECT json_extract(attributes, '$.agent_id'), json_extract(attributes, '$.bios_serial_number'),
		json_extract(attributes, '$.hw_uuid'), json_extract(attributes, '$.cloud_instance_id'), json_extract(attributes, '$.fqdn'),
		json_extract(attributes, '$.mac_addresses') FROM asset_records WHERE state = 'active'`)
	if err != nil {
		return nil, fmt.Errorf("sqlite: read record identifiers: %w", err)
	}
	defer rows.Close()
	counts := map[junkKey]int64{}
	order := []identify.Attribute{identify.AgentID, identify.BIOSSerial, identify.HardwareUUID, identify.CloudInstanceID, identify.FQDN}
	for rows.Next() {
		var vals [5]sql.NullString
		var macs sql.NullString
		if err := rows.Scan(&vals[0], &vals[1], &vals[2], &vals[3], &vals[4], &macs); err != nil {
			return nil, err
		}
		for i, a := range order {
			if vals[i].Valid && identify.IsBuiltinJunk(a, vals[i].String) {
				counts[junkKey{a, vals[i].String}]++
			}
		}
		var ms []string
		if macs.Valid {
			_ = json.Unmarshal([]byte(macs.String), &ms)
		}
		for _, m := range ms {
			if identify.IsBuiltinJunk(identify.MAC, m) {
				counts[junkKey{identify.MAC, m}]++
			}
		}
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	out := make([]JunkEntry, 0, len(counts))
	for k, n := range counts {
		out = append(out, JunkEntry{Attribute: string(k.a), Value: k.v, Origin: "builtin", Records: n})
	}
	slices.SortFunc(out, func(a, b JunkEntry) int {
		if a.Attribute != b.Attribute {
			return strings.Compare(a.Attribute, b.Attribute)
		}
		if a.Records != b.Records {
			return int(b.Records - a.Records)
		}
		return strings.Compare(a.Value, b.Value)
	})
	return out, nil
}

// AddJunk marks a value of an attribute as junk by hand: it never matches
// from then on (records already grouped by it keep their asset).
func (s *Store) AddJunk(ctx context.Context, a identify.Attribute, value string) error {
	if !slices.Contains(identify.Attributes, a) || a == identify.NativeKey {
		return fmt.Errorf("--attribute %q: want one of agent_id, bios_serial, hardware_uuid, cloud_instance_id, mac, fqdn, netbios_domain, ip", a)
	}
	v := identify.Canonical(a, value)
	if v == "" {
		return fmt.Errorf("%s %q is junk already (built in)", a, value)
	}
	return s.tx(ctx, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, `INSERT INTO identity_junk (attribute, value, origin, at) VALUES (?, ?, 'manual', ?)
			ON CONFLICT (attribute, value) DO UPDATE SET origin = 'manual'`, string(a), v, nowText())
		return err
	})
}

// RemoveJunk takes a value off the junk list: it matches again for records
// identified from then on. It reports whether the value was listed.
func (s *Store) RemoveJunk(ctx context.Context, a identify.Attribute, value string) (bool, error) {
	v := identify.Canonical(a, value)
	if v == "" {
		v = value
	}
	var n int64
	err := s.tx(ctx, func(tx *sql.Tx) error {
		r, err := tx.ExecContext(ctx, `DELETE FROM identity_junk WHERE attribute = ? AND value = ?`, string(a), v)
		if err != nil {
			return err
		}
		n, err = r.RowsAffected()
		return err
	})
	return n > 0, err
}

// Conflict is one entry of identity_conflicts.
type Conflict struct {
	RunID        int64  `json:"run_id"`
	Kind         string `json:"kind"` // veto or apart
	Rule         string `json:"rule"`
	Source       string `json:"source"`
	NativeKey    string `json:"native_key"`
	AssetID      int64  `json:"asset_id"`
	OtherAssetID int64  `json:"other_asset_id"`
	Attribute    string `json:"attribute,omitempty"`
	Value        string `json:"value,omitempty"`
	OtherValue   string `json:"other_value,omitempty"`
	At           string `json:"at"`
}

// Conflicts lists identity conflicts, newest first (limit <= 0: all).
func (s *Store) Conflicts(ctx context.Context, limit int) ([]Conflict, error) {
	q := `SELECT c.run_id, c.kind, c.rule, coalesce(r.source, ''), coalesce(r.native_key, ''), coalesce(r.asset_id, c.chosen), coalesce(c.other_asset_id, 0),
		coalesce(c.attribute, ''), coalesce(c.value, ''), coalesce(c.other_value, ''), c.at
		FROM identity_conflicts c LEFT JOIN asset_records r ON r.id = c.record_id ORDER BY c.id DESC`
	if limit > 0 {
		q += ` LIMIT ` + strconv.Itoa(limit)
	}
	rows, err := s.r.QueryContext(ctx, q)
	if err != nil {
		return nil, fmt.Errorf("sqlite: read identity conflicts: %w", err)
	}
	defer rows.Close()
	var out []Conflict
	for rows.Next() {
		var c Conflict
		if err := rows.Scan(&c.RunID, &c.Kind, &c.Rule, &c.Source, &c.NativeKey, &c.AssetID, &c.OtherAssetID, &c.Attribute, &c.Value, &c.OtherValue, &c.At); err != nil {
			return nil, err
		}
		out = append(out, c)
	}
	return out, rows.Err()
}
