package sqlite

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/qflow/qflow/internal/model"
	"github.com/qflow/qflow/internal/sync"
)

// The entity and source names the store treats specially.
const (
	entityFinding = model.EntityFinding
	sourceKB      = model.SourceKB
)

// Finding statuses as VMDR reports them.
const (
	statusFixed    = "Fixed"
	statusReopened = "Re-Opened"
)

type existingFinding struct {
	id     int64
	status string
	hash   string
	state  string
	seen   bool
}

// findingKey identifies a finding within its host record: QID, port,
// protocol, SSL and instance, as VMDR keys a detection.
func findingKey(v model.Values) (string, bool) {
	qid, ok := v.Int("qid")
	if !ok {
		return "", false
	}
	port := ""
	if p, ok := v.Int("port"); ok {
		port = strconv.FormatInt(p, 10)
	}
	ssl := "0"
	if b, _ := v["ssl"].(bool); b {
		ssl = "1"
	}
	return strconv.FormatInt(qid, 10) + "/" + port + "/" + v.String("protocol") + "/" + ssl + "/" + v.String("instance"), true
}

func boolInt(v model.Values, field string) any {
	switch b := v[field].(type) {
	case bool:
		if b {
			return 1
		}
		return 0
	case int64:
		return b
	}
	return nil
}

// qdsFactors zips the parallel factor name and value lists into a JSON
// object (nil when there are none).
func qdsFactors(v model.Values) (any, error) {
	names, _ := v["qds_factor_names"].([]string)
	if len(names) == 0 {
		return nil, nil
	}
	values, _ := v["qds_factor_values"].([]string)
	m := make(map[string]string, len(names))
	for i, n := range names {
		if i < len(values) {
			m[n] = values[i]
		} else {
			m[n] = ""
		}
	}
	return jsonText(m)
}

// notStoredPerFinding are finding values kept once elsewhere: RESULTS in its
// own column, and the long KnowledgeBase texts in vulns (one copy per QID
// instead of one per detection; the finding_details view joins them back).
var notStoredPerFinding = []string{"results", "description", "impact", "recommendation"}

// storedAttributes encodes the finding values stored in findings.attributes.
func storedAttributes(v model.Values) (string, error) {
	c := make(model.Values, len(v))
	for k, x := range v {
		c[k] = x
	}
	for _, k := range notStoredPerFinding {
		delete(c, k)
	}
	s, err := jsonText(c)
	if err != nil {
		return "", fmt.Errorf("encode finding: %w", err)
	}
	return s, nil
}

func valuesHash(attrs string) string {
	sum := sha256.Sum256([]byte(attrs))
	return hex.EncodeToString(sum[:16])
}

// findings upserts the finding rows of a host record, counts what changed
// and marks the record's earlier findings it no longer reports as missing.
// It returns the number of findings the record now reports.
func (w *batchWriter) findings(rec *model.Record, recordID, assetID int64, existed bool, fc *sync.FindingCounts) (int64, error) {
	rows := rec.Rows(entityFinding)
	old := map[string]*existingFinding{}
	if existed {
		st, err := w.stmt(`SELECT id, finding_key, coalesce(status, ''), hash, state FROM findings WHERE record_id = ?`)
		if err != nil {
			return 0, err
		}
		rs, err := st.QueryContext(w.ctx, recordID)
		if err != nil {
			return 0, fmt.Errorf("read findings: %w", err)
		}
		for rs.Next() {
			var k string
			f := &existingFinding{}
			if err := rs.Scan(&f.id, &k, &f.status, &f.hash, &f.state); err != nil {
				rs.Close()
				return 0, fmt.Errorf("read findings: %w", err)
			}
			old[k] = f
		}
		if err := rs.Close(); err != nil {
			return 0, err
		}
		if err := rs.Err(); err != nil {
			return 0, err
		}
	}
	var n int64
	for _, v := range rows {
		key, ok := findingKey(v)
		if !ok {
			continue // a detection without a QID cannot be keyed
		}
		if f, dup := old[key]; dup && f.seen {
			continue // reported twice on one host: keep the first
		}
		attrs, err := jsonText(v)
		if err != nil {
			return 0, fmt.Errorf("encode finding: %w", err)
		}
		h := valuesHash(attrs)
		if attrs, err = storedAttributes(v); err != nil {
			return 0, err
		}
		n++
		fc.Seen++
		f, ok := old[key]
		if ok && f.hash == h && f.state == "active" {
			f.seen = true
			if _, err := w.exec(`UPDATE findings SET last_seen = ?, last_run_id = ? WHERE id = ?`, w.now, w.run.ID, f.id); err != nil {
				return 0, fmt.Errorf("touch finding: %w", err)
			}
			continue
		}
		factors, err := qdsFactors(v)
		if err != nil {
			return 0, err
		}
		status := v.String("status")
		results := nullable(v, "results")
		cols := []any{nullable(v, "unique_vuln_id"), nullable(v, "type"), nullable(v, "severity"), nullable(v, "status"),
			nullable(v, "qds"), nullable(v, "qds_severity"), factors, results,
			nullable(v, "first_found"), nullable(v, "last_found"), nullable(v, "times_found"), nullable(v, "last_test"),
			nullable(v, "last_update"), nullable(v, "last_fixed"), nullable(v, "first_reopened"), nullable(v, "last_reopened"),
			nullable(v, "times_reopened"), boolInt(v, "is_ignored"), boolInt(v, "is_disabled"), nullable(v, "last_processed"),
			attrs, h}
		rq, derived := findingQDS(v)
		cols = append(append(cols, enrichCols(v)...), rq, derived)
		if ok {
			f.seen = true
			fc.Updated++
			statusRun, kind := any(nil), ""
			if status != f.status {
				statusRun = w.run.ID
				switch {
				case status == statusFixed:
					fc.Fixed++
					kind = ChangeFindingFixed
				case f.status == statusFixed && status != "":
					fc.Reopened++
					kind = ChangeFindingReopened
				}
			}
			_, err = w.exec(`UPDATE findings SET unique_vuln_id = ?, type = ?, severity = ?, status = ?, qds = ?, qds_severity = ?, qds_factors = ?,
				results = ?, first_found = ?, last_found = ?, times_found = ?, last_test = ?, last_update = ?, last_fixed = ?,
				first_reopened = ?, last_reopened = ?, times_reopened = ?, is_ignored = ?, is_disabled = ?, last_processed = ?,
				attributes = ?, hash = ?, title = ?, cvss2_base = ?, cvss3_base = ?, vector = ?, patchable = ?, cve_ids = ?,
				exploited_by = ?, malware = ?, threat_intel = ?, mitre_tactics = ?, mitre_techniques = ?, risk_qds = ?, qds_derived = ?,
				asset_id = ?, state = 'active', last_seen = ?, last_run_id = ?,
				status_run_id = coalesce(?, status_run_id) WHERE id = ?`,
				append(cols, assetID, w.now, w.run.ID, statusRun, f.id)...)
			if err != nil {
				return 0, fmt.Errorf("update finding %s: %w", key, err)
			}
			if kind != "" {
				qid, _ := v.Int("qid")
				if err := w.change(kind, assetID, recordID, f.id, qid, f.status, status); err != nil {
					return 0, err
				}
			}
			continue
		}
		fc.New++
		old[key] = &existingFinding{seen: true}
		qid, _ := v.Int("qid")
		ssl := boolInt(v, "ssl")
		if ssl == nil {
			ssl = 0
		}
		r, err := w.exec(`INSERT INTO findings (record_id, asset_id, finding_key, qid, port, protocol, ssl, instance,
			unique_vuln_id, type, severity, status, qds, qds_severity, qds_factors, results, first_found, last_found, times_found,
			last_test, last_update, last_fixed, first_reopened, last_reopened, times_reopened, is_ignored, is_disabled, last_processed,
			attributes, hash, `+enrichColNames+`, risk_qds, qds_derived, first_seen, last_seen, first_run_id, last_run_id, status_run_id)
			VALUES (`+placeholders(48)+`)`,
			append(append([]any{recordID, assetID, key, qid, nullable(v, "port"), nullable(v, "protocol"), ssl, nullable(v, "instance")}, cols...),
				w.now, w.now, w.run.ID, w.run.ID, w.run.ID)...)
		if err != nil {
			return 0, fmt.Errorf("insert finding %s: %w", key, err)
		}
		id, err := r.LastInsertId()
		if err != nil {
			return 0, err
		}
		if err := w.change(ChangeFindingNew, assetID, recordID, id, qid, nil, status); err != nil {
			return 0, err
		}
	}
	for _, f := range old {
		if f.seen || f.state != "active" {
			continue
		}
		fc.Missing++
		if _, err := w.exec(`UPDATE findings SET state = 'missing', last_run_id = ? WHERE id = ?`, w.run.ID, f.id); err != nil {
			return 0, fmt.Errorf("mark finding missing: %w", err)
		}
	}
	return n, nil
}

// vuln upserts one KnowledgeBase record.
func (w *batchWriter) vuln(rec *model.Record, hash string, res *sync.BatchResult) error {
	v := rec.Host
	qid, ok := v.Int("qid")
	if !ok {
		var err error
		if qid, err = strconv.ParseInt(rec.NativeKey, 10, 64); err != nil {
			return fmt.Errorf("KnowledgeBase record without a QID (key %q)", rec.NativeKey)
		}
	}
	var oldHash string
	st, err := w.stmt(`SELECT hash FROM vulns WHERE qid = ?`)
	if err != nil {
		return err
	}
	err = st.QueryRowContext(w.ctx, qid).Scan(&oldHash)
	exists := err == nil
	if err != nil && !errors.Is(err, sql.ErrNoRows) {
		return fmt.Errorf("look up vuln %d: %w", qid, err)
	}
	if exists && oldHash == hash {
		res.Unchanged++
		_, err := w.exec(`UPDATE vulns SET last_seen = ?, last_run_id = ? WHERE qid = ?`, w.now, w.run.ID, qid)
		return err
	}
	attrs, err := jsonText(v)
	if err != nil {
		return fmt.Errorf("encode vuln: %w", err)
	}
	if exists {
		res.Updated++
	} else {
		res.New++
	}
	res.Vulns++
	_, err = w.exec(`INSERT INTO vulns (qid, title, vuln_type, severity, category, published, last_modified, patchable, cvss2_base, cvss3_base, cvss3_vector,
		attributes, hash, first_seen, last_seen, first_run_id, last_run_id, changed_run_id) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
		ON CONFLICT (qid) DO UPDATE SET title = excluded.title, vuln_type = excluded.vuln_type, severity = excluded.severity,
		category = excluded.category, published = excluded.published, last_modified = excluded.last_modified, patchable = excluded.patchable,
		cvss2_base = excluded.cvss2_base, cvss3_base = excluded.cvss3_base, cvss3_vector = excluded.cvss3_vector,
		attributes = excluded.attributes, hash = excluded.hash, last_seen = excluded.last_seen, last_run_id = excluded.last_run_id,
		changed_run_id = excluded.changed_run_id`,
		qid, nullable(v, "title"), nullable(v, "vuln_type"), nullable(v, "severity"), nullable(v, "category"), nullable(v, "published"),
		nullable(v, "last_modified"), boolInt(v, "patchable"), nullable(v, "cvss2_base"), nullable(v, "cvss3_base"), nullable(v, "cvss3_vector"),
		attrs, hash, w.now, w.now, w.run.ID, w.run.ID, w.run.ID)
	if err != nil {
		return fmt.Errorf("upsert vuln %d: %w", qid, err)
	}
	for _, t := range []string{"vuln_cves", "vuln_attack"} {
		if _, err := w.exec(`DELETE FROM `+t+` WHERE qid = ?`, qid); err != nil {
			return fmt.Errorf("replace %s of %d: %w", t, qid, err)
		}
	}
	cves, _ := v["cve_ids"].([]string)
	for _, c := range cves {
		if c = strings.TrimSpace(c); c == "" {
			continue
		}
		if _, err := w.exec(`INSERT INTO vuln_cves (qid, cve_id) VALUES (?, ?) ON CONFLICT DO NOTHING`, qid, c); err != nil {
			return fmt.Errorf("insert CVE of %d: %w", qid, err)
		}
	}
	for _, kind := range []string{"tactic", "technique"} {
		ids, _ := v["mitre_"+kind+"_ids"].([]string)
		names, _ := v["mitre_"+kind+"_names"].([]string)
		for i, id := range ids {
			var name any
			if i < len(names) {
				name = names[i]
			}
			if _, err := w.exec(`INSERT INTO vuln_attack (qid, kind, attack_id, name) VALUES (?, ?, ?, ?) ON CONFLICT DO NOTHING`, qid, kind, id, name); err != nil {
				return fmt.Errorf("insert ATT&CK %s of %d: %w", kind, qid, err)
			}
		}
	}
	return nil
}

// VulnAttributes returns the stored KnowledgeBase values (the kb transform
// map's vuln fields, as JSON values) of the given QIDs; QIDs the store does
// not hold are absent from the result.
func (s *Store) VulnAttributes(ctx context.Context, qids []int64) (map[int64]map[string]any, error) {
	out := make(map[int64]map[string]any, len(qids))
	for len(qids) > 0 {
		chunk := qids[:min(len(qids), 500)]
		qids = qids[len(chunk):]
		args := make([]any, len(chunk))
		for i, q := range chunk {
			args[i] = q
		}
		rows, err := s.r.QueryContext(ctx, `SELECT qid, attributes FROM vulns WHERE qid IN (?`+strings.Repeat(",?", len(chunk)-1)+`)`, args...)
		if err != nil {
			return nil, fmt.Errorf("sqlite: read KnowledgeBase entries: %w", err)
		}
		for rows.Next() {
			var qid int64
			var attrs string
			if err := rows.Scan(&qid, &attrs); err != nil {
				rows.Close()
				return nil, fmt.Errorf("sqlite: read KnowledgeBase entries: %w", err)
			}
			m := map[string]any{}
			if err := json.Unmarshal([]byte(attrs), &m); err != nil {
				rows.Close()
				return nil, fmt.Errorf("sqlite: KnowledgeBase entry %d is corrupt: %w", qid, err)
			}
			out[qid] = m
		}
		if err := rows.Close(); err != nil {
			return nil, err
		}
	}
	return out, nil
}
