package load

import (
	"bytes"
	"compress/gzip"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/qflow/qflow/internal/identify"
	"github.com/qflow/qflow/internal/model"
	"github.com/qflow/qflow/internal/store"
	"github.com/qflow/qflow/internal/sync"
)

// Finding statuses as VMDR reports them.
const (
	statusFixed = "Fixed"
)

// planner decides one batch inside its transaction.
type planner struct {
	ctx    context.Context
	tx     store.Tx
	s      *Sink
	run    *sync.Run
	now    time.Time
	ws     *store.WriteSet
	touch  []int64
	policy identify.Policy
	junk   map[store.Identifier]bool
	// done are the records written earlier in this batch, by native key.
	done map[string]bool
	// look are identification's lookups fetched at once, while they hold;
	// remote says whether the store's calls are round trips (see remote).
	look   *lookups
	remote bool
}

func (s *Sink) newPlanner(ctx context.Context, tx store.Tx, run *sync.Run) (*planner, error) {
	now := s.now().UTC()
	p := &planner{ctx: ctx, tx: tx, s: s, run: run, now: now, done: map[string]bool{},
		ws: &store.WriteSet{RunID: run.ID, Source: run.Source, Subscription: run.Subscription, At: now}}
	if r, ok := tx.(remote); ok {
		p.remote = r.Remote()
	}
	var err error
	if p.policy, err = policyTx(ctx, tx); err != nil {
		return nil, err
	}
	junk, err := tx.JunkValues(ctx)
	if err != nil {
		return nil, fmt.Errorf("read identity junk: %w", err)
	}
	p.junk = make(map[store.Identifier]bool, len(junk))
	for _, j := range junk {
		p.junk[j] = true
	}
	if s.rules == nil {
		if s.rules, err = Rules(ctx, s.st); err != nil {
			return nil, err
		}
	}
	return p, nil
}

// flush applies what the planner has decided so far.
func (p *planner) flush() error {
	if len(p.touch) > 0 {
		if err := p.tx.TouchRecords(p.ctx, p.run.ID, p.now, p.touch); err != nil {
			return fmt.Errorf("touch unchanged records: %w", err)
		}
		p.touch = nil
	}
	if !p.ws.Empty() {
		if err := p.tx.Apply(p.ctx, p.ws); err != nil {
			return err
		}
	}
	p.ws = &store.WriteSet{RunID: p.run.ID, Source: p.run.Source, Subscription: p.run.Subscription, At: p.now}
	return nil
}

func (p *planner) batch(b *sync.Batch, res *sync.BatchResult) error {
	pres, _ := b.Prepared.([]*prepared)
	var hosts []int
	var keys []string
	var qids []int64
	for i, rec := range b.Records {
		if rec.Source == model.SourceKB {
			q, err := vulnQID(rec)
			if err != nil {
				return err
			}
			qids = append(qids, q)
			continue
		}
		hosts = append(hosts, i)
		keys = append(keys, rec.NativeKey)
	}
	prior := map[string]store.RecordState{}
	if len(keys) > 0 {
		var err error
		source := string(b.Records[hosts[0]].Source)
		if prior, err = p.tx.Records(p.ctx, source, p.run.Subscription, keys); err != nil {
			return fmt.Errorf("look up records: %w", err)
		}
	}
	var vulns map[int64]string
	if len(qids) > 0 {
		var err error
		if vulns, err = p.tx.Vulns(p.ctx, qids); err != nil {
			return fmt.Errorf("look up KnowledgeBase entries: %w", err)
		}
	}
	// The planner adds to these maps: a driver may have answered nil.
	if prior == nil {
		prior = map[string]store.RecordState{}
	}
	if vulns == nil {
		vulns = map[int64]string{}
	}
	// Earlier findings of the changed records, in one lookup.
	var changed []int64
	for _, i := range hosts {
		if st, ok := prior[b.Records[i].NativeKey]; ok && st.Hash != b.Hashes[i] {
			changed = append(changed, st.ID)
		}
	}
	oldFindings := map[int64][]store.FindingState{}
	if len(changed) > 0 {
		var err error
		if oldFindings, err = p.tx.Findings(p.ctx, changed); err != nil {
			return fmt.Errorf("read findings: %w", err)
		}
		if oldFindings == nil {
			oldFindings = map[int64][]store.FindingState{}
		}
	}
	for i, rec := range b.Records {
		if rec.Source == model.SourceKB {
			if err := p.vuln(rec, b.Hashes[i], vulns, res); err != nil {
				return fmt.Errorf("record %s %s: %w", rec.Source, rec.NativeKey, err)
			}
			continue
		}
		if p.done[rec.NativeKey] {
			// The same record twice in one batch: apply the first, then
			// look it up again.
			if err := p.flush(); err != nil {
				return err
			}
			again, err := p.tx.Records(p.ctx, string(rec.Source), p.run.Subscription, []string{rec.NativeKey})
			if err != nil {
				return fmt.Errorf("look up record: %w", err)
			}
			prior[rec.NativeKey] = again[rec.NativeKey]
			if st := again[rec.NativeKey]; st.Hash != b.Hashes[i] {
				fs, err := p.tx.Findings(p.ctx, []int64{st.ID})
				if err != nil {
					return fmt.Errorf("read findings: %w", err)
				}
				oldFindings[st.ID] = fs[st.ID]
			}
		}
		st, exists := prior[rec.NativeKey]
		var pre *prepared
		if i < len(pres) {
			pre = pres[i]
		}
		if err := p.record(rec, b.Hashes[i], pre, st, exists, oldFindings[st.ID], res); err != nil {
			return fmt.Errorf("record %s %s: %w", rec.Source, rec.NativeKey, err)
		}
		p.done[rec.NativeKey] = true
	}
	for _, q := range b.Quarantined {
		w, err := quarantine(q)
		if err != nil {
			return err
		}
		p.ws.Quarantine = append(p.ws.Quarantine, w)
	}
	return p.flush()
}

func quarantine(q sync.Quarantined) (store.QuarantineWrite, error) {
	var buf bytes.Buffer
	zw := gzip.NewWriter(&buf)
	if _, err := zw.Write(q.Raw); err != nil {
		return store.QuarantineWrite{}, err
	}
	if err := zw.Close(); err != nil {
		return store.QuarantineWrite{}, err
	}
	sum := sha256.Sum256(q.Raw)
	return store.QuarantineWrite{Key: q.Key, Reason: q.Reason, RawGzip: buf.Bytes(), RawHash: hex.EncodeToString(sum[:16])}, nil
}

// summary returns an asset's summary columns from a record's values.
func summary(h model.Values) store.AssetSummary {
	return store.AssetSummary{Name: value(h, "name"), IPAddress: value(h, "ip_address"), DNSName: value(h, "dns_name"),
		OSName: value(h, "os_name"), OSCategory1: value(h, "os_category1"), OSCategory2: value(h, "os_category2"),
		BIOSSerial: value(h, "bios_serial_number"), HardwareUUID: value(h, "hw_uuid"), AgentID: value(h, "agent_id"),
		Criticality: value(h, "criticality_score")}
}

// value returns a field for a typed column: nil when absent, lists as
// JSON text, other values as they are.
func value(v model.Values, field string) any {
	x, ok := v[field]
	if !ok || x == nil {
		return nil
	}
	if l, ok := x.([]string); ok {
		t, _ := jsonText(l) // a list of strings always encodes
		return t
	}
	return x
}

// flag returns a boolean field (nil when absent).
func flag(v model.Values, field string) any {
	switch b := v[field].(type) {
	case bool:
		return b
	case int64:
		return b != 0
	}
	return nil
}

// jsonText returns the JSON encoding of v (as encoding/json writes it).
func jsonText(v any) (string, error) {
	e := encoders.Get().(*encoder)
	b, err := e.append(e.buf[:0], v)
	s := string(b)
	e.buf = b[:0]
	encoders.Put(e)
	if err != nil {
		return "", err
	}
	return s, nil
}

// prepared is what the planner works out of a record without the store:
// its encodings, list rows and findings. Sink.Prepare computes it on the
// engine's prepare goroutine, ahead of the batch's transaction, so that it
// overlaps the write of the batch before; the planner computes it itself
// for a record that has none.
type prepared struct {
	summary  store.AssetSummary
	content  store.RecordContent // Attributes, Installs and Items
	findings []preFinding
}

// preFinding is one finding of a record, ready to compare and write.
type preFinding struct {
	key         string
	qid         int64
	hash        string
	status      string
	port, proto any
	instance    any
	ssl         bool
	cols        []any // store.FindingColumns
}

// prepare encodes a CSAM or VMDR record for the planner.
func prepare(rec *model.Record) (*prepared, error) {
	attrs, err := jsonText(rec.Host)
	if err != nil {
		return nil, fmt.Errorf("encode attributes: %w", err)
	}
	pre := &prepared{summary: summary(rec.Host), content: store.RecordContent{Attributes: attrs}}
	if err := children(rec, &pre.content); err != nil {
		return nil, err
	}
	if pre.findings, err = prepareFindings(rec); err != nil {
		return nil, err
	}
	return pre, nil
}

// Prepare implements sync.Preparer: the store-independent part of the
// plan of each CSAM and VMDR record in b. A record it fails to prepare is
// left to the planner, which reports the error within the batch.
func (s *Sink) Prepare(b *sync.Batch) {
	pres := make([]*prepared, len(b.Records))
	for i, rec := range b.Records {
		if rec.Source == model.SourceKB {
			continue
		}
		pre, err := prepare(rec)
		if err != nil {
			continue
		}
		pres[i] = pre
		// The lists live on in the preparation (the planner reads only
		// the record's host values): let them go while the batch waits.
		rec.Lists = nil
	}
	b.Prepared = pres
}

// record decides one CSAM or VMDR record.
func (p *planner) record(rec *model.Record, hash string, pre *prepared, prior store.RecordState, exists bool, oldFindings []store.FindingState, res *sync.BatchResult) error {
	if exists && prior.Hash == hash {
		res.Unchanged++
		res.SoftwareInstalls += int(prior.SoftwareInstalls)
		res.Findings.Seen += prior.Findings
		p.touch = append(p.touch, prior.ID)
		return nil
	}
	if pre == nil {
		var err error
		if pre, err = prepare(rec); err != nil {
			return err
		}
	}
	sum := pre.summary
	overwrite := rec.Source == model.SourceCSAM // CSAM, the inventory, overwrites; others fill gaps
	recordID, assetID := prior.ID, prior.AssetID
	if exists {
		res.Updated++
		if err := p.tx.UpdateAsset(p.ctx, assetID, sum, overwrite, p.now); err != nil {
			return fmt.Errorf("update asset: %w", err)
		}
		// The record keeps its asset (identity is stable across runs); its
		// identifiers follow its content, and assets its new content links
		// to this one merge into the older.
		if err := p.relink(rec, recordID, assetID); err != nil {
			return err
		}
	} else {
		res.New++
		ids, d, err := p.identify(rec)
		if err != nil {
			return err
		}
		nr := store.NewRecord{Source: string(rec.Source), Subscription: p.run.Subscription, NativeKey: rec.NativeKey, RunID: p.run.ID, At: p.now}
		var newAsset *store.AssetSummary
		if d.New() {
			newAsset = &sum
		} else {
			nr.AssetID, nr.IdentifiedBy = d.AssetID, d.Rule
			if err := p.tx.UpdateAsset(p.ctx, d.AssetID, sum, overwrite, p.now); err != nil {
				return fmt.Errorf("update asset: %w", err)
			}
		}
		// The asset (when new), the record and its identifiers at once.
		if assetID, recordID, err = p.tx.AddRecord(p.ctx, nr, newAsset, flatten(ids)); err != nil {
			return fmt.Errorf("add record: %w", err)
		}
		if d.New() {
			p.ws.Changes = append(p.ws.Changes, store.ChangeWrite{Kind: store.ChangeAssetNew, AssetID: assetID, RecordID: recordID})
		}
		p.conflicts(recordID, assetID, rec, d)
		if err := p.merge(assetID, d.Merge, recordID); err != nil {
			return err
		}
	}
	content := pre.content
	content.RecordID, content.Hash = recordID, hash
	res.SoftwareInstalls += len(content.Installs)
	nf, err := p.findings(pre.findings, recordID, oldFindings, &res.Findings)
	if err != nil {
		return err
	}
	content.SoftwareInstalls = int64(len(content.Installs))
	content.Findings = nf
	p.ws.Records = append(p.ws.Records, content)
	return nil
}

// itemTables maps list entities to their tables.
var itemTables = map[model.Entity]string{
	model.EntityOpenPort:         "open_ports",
	model.EntityNetworkInterface: "network_interfaces",
	model.EntityVolume:           "volumes",
	model.EntityService:          "services",
	model.EntityTag:              "tags",
}

// itemFields are the fields of each list entity that fill the table's
// typed columns (store.ItemColumns), in order.
var itemFields = map[model.Entity][]string{
	model.EntityOpenPort:         {"number", "protocol"},
	model.EntityNetworkInterface: {"name", "mac_address", "ipv4", "ipv6"},
	model.EntityVolume:           {"name", "size", "free"},
	model.EntityService:          {"name", "status"},
	model.EntityTag:              {"tag_id", "name", "criticality_score"},
}

// children fills a record's list rows (installed software deduplicated by
// catalog entry and path; findings are planned apart).
func children(rec *model.Record, c *store.RecordContent) error {
	ord := map[model.Entity]int{}
	type instKey struct{ name, version, publisher, path string }
	seen := map[instKey]bool{}
	for _, items := range rec.Lists {
		for _, it := range items {
			sw, hasSW := it[model.EntitySoftware]
			inst, hasInst := it[model.EntityInstalledSoftware]
			if hasSW || hasInst {
				if inst == nil {
					inst = model.Values{}
				}
				k := instKey{sw.String("name"), sw.String("version"), sw.String("publisher"), inst.String("install_path")}
				if !seen[k] {
					seen[k] = true
					sa, err := jsonText(sw)
					if err != nil {
						return err
					}
					a, err := jsonText(inst)
					if err != nil {
						return err
					}
					c.Installs = append(c.Installs, store.Install{Name: k.name, Version: k.version, Publisher: k.publisher,
						SoftwareAttributes: sa, InstallPath: k.path, InstallDate: value(inst, "install_date"), Attributes: a})
				}
			}
			for e, v := range it {
				if e == model.EntitySoftware || e == model.EntityInstalledSoftware || e == model.EntityFinding {
					continue
				}
				i := ord[e]
				ord[e]++
				a, err := jsonText(v)
				if err != nil {
					return err
				}
				table, ok := itemTables[e]
				if !ok {
					c.Items = append(c.Items, store.Item{Table: "record_items", Entity: string(e), Ordinal: i, Attributes: a})
					continue
				}
				fields := itemFields[e]
				vals := make([]any, len(fields))
				for j, f := range fields {
					vals[j] = value(v, f)
				}
				c.Items = append(c.Items, store.Item{Table: table, Entity: string(e), Ordinal: i, Values: vals, Attributes: a})
			}
		}
	}
	return nil
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
var notStoredPerFinding = [...]string{"results", "description", "impact", "recommendation"}

// findingContent encodes, once, the finding values stored in
// findings.attributes (all but notStoredPerFinding), and returns them with
// a hash of every value of the finding (the stored ones and the others),
// which says whether the finding changed since it was stored.
func findingContent(v model.Values) (attrs, hash string, err error) {
	var kept [len(notStoredPerFinding)]any
	var had [len(notStoredPerFinding)]bool
	for i, k := range notStoredPerFinding {
		kept[i], had[i] = v[k]
		delete(v, k)
	}
	attrs, err = jsonText(v)
	for i, k := range notStoredPerFinding { // the record's values stay as they were
		if had[i] {
			v[k] = kept[i]
		}
	}
	if err != nil {
		return "", "", fmt.Errorf("encode finding: %w", err)
	}
	h := sha256.New()
	h.Write([]byte(attrs))
	for i := range notStoredPerFinding {
		h.Write([]byte{0})
		if had[i] && kept[i] != nil {
			fmt.Fprint(h, kept[i])
		}
	}
	return attrs, hex.EncodeToString(h.Sum(nil)[:16]), nil
}

// prepareFindings keys, encodes and hashes the findings of a host record.
func prepareFindings(rec *model.Record) ([]preFinding, error) {
	rows := rec.Rows(model.EntityFinding)
	if len(rows) == 0 {
		return nil, nil
	}
	out := make([]preFinding, 0, len(rows))
	for _, v := range rows {
		key, ok := findingKey(v)
		if !ok {
			continue // a detection without a QID cannot be keyed
		}
		attrs, h, err := findingContent(v)
		if err != nil {
			return nil, err
		}
		factors, err := qdsFactors(v)
		if err != nil {
			return nil, err
		}
		cols := []any{value(v, "unique_vuln_id"), value(v, "type"), value(v, "severity"), value(v, "status"),
			value(v, "qds"), value(v, "qds_severity"), factors, value(v, "results"),
			value(v, "first_found"), value(v, "last_found"), value(v, "times_found"), value(v, "last_test"),
			value(v, "last_update"), value(v, "last_fixed"), value(v, "first_reopened"), value(v, "last_reopened"),
			value(v, "times_reopened"), flag(v, "is_ignored"), flag(v, "is_disabled"), value(v, "last_processed"),
			attrs, h}
		cols = append(cols, enrichment(v)...)
		qid, _ := v.Int("qid")
		out = append(out, preFinding{key: key, qid: qid, hash: h, status: v.String("status"),
			port: value(v, "port"), proto: value(v, "protocol"), ssl: v["ssl"] == true, instance: value(v, "instance"), cols: cols})
	}
	return out, nil
}

// findings decides the findings of a host record: new, updated (fixed and
// re-opened counted and fed to the change feed), unchanged, and missing
// (stored for the record but no longer reported). It returns the number
// of findings the record now reports.
func (p *planner) findings(fs []preFinding, recordID int64, stored []store.FindingState, fc *sync.FindingCounts) (int64, error) {
	type old struct {
		store.FindingState
		seen bool
	}
	olds := make(map[string]*old, len(stored))
	for _, f := range stored {
		olds[f.Key] = &old{FindingState: f}
	}
	var n int64
	for i := range fs {
		pf := &fs[i]
		key, h, status, qid := pf.key, pf.hash, pf.status, pf.qid
		if f, dup := olds[key]; dup && f.seen {
			continue // reported twice on one host: keep the first
		}
		n++
		fc.Seen++
		f, ok := olds[key]
		if ok && f.Hash == h && f.State == "active" {
			f.seen = true
			p.ws.Touched = append(p.ws.Touched, f.ID)
			continue
		}
		if ok {
			f.seen = true
			fc.Updated++
			kind := ""
			if status != f.Status {
				switch {
				case status == statusFixed:
					fc.Fixed++
					kind = store.ChangeFindingFixed
				case f.Status == statusFixed && status != "":
					fc.Reopened++
					kind = store.ChangeFindingReopened
				}
			}
			p.ws.Findings = append(p.ws.Findings, store.FindingWrite{ID: f.ID, RecordID: recordID, Key: key, QID: qid,
				Port: pf.port, Protocol: pf.proto, SSL: pf.ssl, Instance: pf.instance,
				Values: pf.cols, StatusChanged: status != f.Status})
			if kind != "" {
				p.ws.Changes = append(p.ws.Changes, store.ChangeWrite{Kind: kind, RecordID: recordID, FindingID: f.ID, QID: qid, Old: f.Status, New: status})
			}
			continue
		}
		fc.New++
		olds[key] = &old{seen: true}
		p.ws.Findings = append(p.ws.Findings, store.FindingWrite{RecordID: recordID, Key: key, QID: qid,
			Port: pf.port, Protocol: pf.proto, SSL: pf.ssl, Instance: pf.instance,
			Values: pf.cols, StatusChanged: true})
		var st any
		if status != "" {
			st = status
		}
		p.ws.Changes = append(p.ws.Changes, store.ChangeWrite{Kind: store.ChangeFindingNew, RecordID: recordID, FindingKey: key, QID: qid, New: st})
	}
	for _, f := range olds {
		if f.seen || f.ID == 0 || f.State != "active" {
			continue
		}
		fc.Missing++
		p.ws.Missing = append(p.ws.Missing, f.ID)
	}
	return n, nil
}

func vulnQID(rec *model.Record) (int64, error) {
	if q, ok := rec.Host.Int("qid"); ok {
		return q, nil
	}
	q, err := strconv.ParseInt(rec.NativeKey, 10, 64)
	if err != nil {
		return 0, fmt.Errorf("%w (key %q)", errNoQID, rec.NativeKey)
	}
	return q, nil
}

// vuln decides one KnowledgeBase record.
func (p *planner) vuln(rec *model.Record, hash string, stored map[int64]string, res *sync.BatchResult) error {
	v := rec.Host
	qid, err := vulnQID(rec)
	if err != nil {
		return err
	}
	old, exists := stored[qid]
	if exists && old == hash {
		res.Unchanged++
		p.ws.VulnsSeen = append(p.ws.VulnsSeen, qid)
		return nil
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
	stored[qid] = hash // a repeat in the batch is unchanged
	w := store.VulnWrite{QID: qid, Attributes: attrs, Hash: hash,
		Values: []any{value(v, "title"), value(v, "vuln_type"), value(v, "severity"), value(v, "category"), value(v, "published"),
			value(v, "last_modified"), flag(v, "patchable"), value(v, "cvss2_base"), value(v, "cvss3_base"), value(v, "cvss3_vector")}}
	cves, _ := v["cve_ids"].([]string)
	for _, c := range cves {
		if c = strings.TrimSpace(c); c != "" && !contains(w.CVEs, c) {
			w.CVEs = append(w.CVEs, c)
		}
	}
	for _, kind := range []string{"tactic", "technique"} {
		ids, _ := v["mitre_"+kind+"_ids"].([]string)
		names, _ := v["mitre_"+kind+"_names"].([]string)
		seen := map[string]bool{}
		for i, id := range ids {
			if seen[id] {
				continue
			}
			seen[id] = true
			var name any
			if i < len(names) {
				name = names[i]
			}
			w.Attack = append(w.Attack, store.Attack{Kind: kind, ID: id, Name: name})
		}
	}
	// Replace an earlier write of the same QID in this batch.
	for i := range p.ws.Vulns {
		if p.ws.Vulns[i].QID == qid {
			p.ws.Vulns[i] = w
			return nil
		}
	}
	p.ws.Vulns = append(p.ws.Vulns, w)
	return nil
}

func contains(xs []string, x string) bool {
	for _, y := range xs {
		if y == x {
			return true
		}
	}
	return false
}
