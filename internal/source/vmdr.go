package source

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"iter"
	"log/slog"
	"slices"
	"strconv"
	"strings"
	gosync "sync"
	"sync/atomic"
	"time"

	"golang.org/x/sync/errgroup"

	"github.com/qflow/qflow/internal/qualys"
	"github.com/qflow/qflow/internal/sync"
)

// VulnLookup reads stored KnowledgeBase entries: the kb transform map's vuln
// values by QID (JSON values). The SQLite and PostgreSQL stores implement it.
type VulnLookup interface {
	VulnAttributes(ctx context.Context, qids []int64) (map[int64]map[string]any, error)
}

// VMDR reads hosts with their vulnerability detections from the host
// detection list API. A run walks the detection pages from the first host
// while it lists the host IDs (as Qualys recommends), then splits the rest
// into ranges of equal size and pulls several ranges in parallel (see
// Extract). Each host becomes one record: the JSON encoding of
// qualys.Host, its detections under VULNERABILITIES, each joined with its
// KnowledgeBase entry as QID_INFO and MITRE_* lists (see
// docs/transform-maps.md). The MITRE_* lists are the detection's own
// MITRE_ATTACK_LIST when the API sent one (mitre_attack_details, API 4.0+),
// else the KnowledgeBase entry's.
type VMDR struct {
	client   *qualys.Client
	query    qualys.DetectionQuery
	parallel int
	kb       VulnLookup
	log      *slog.Logger
	total    atomic.Int64

	mu    gosync.Mutex
	cache map[int64]*qidJoin // nil value: QID not in the KnowledgeBase
}

var (
	_ sync.Source    = (*VMDR)(nil)
	_ sync.LiveTotal = (*VMDR)(nil)
)

// VMDROptions configure a VMDR source.
type VMDROptions struct {
	// PageSize is the truncation_limit: hosts per page (default 1000).
	PageSize int
	// Parallel is the number of detection calls in flight (default 2);
	// twice as many host-ID ranges are walked at once, so that downloads
	// overlap decoding, and the client keeps within the subscription's
	// concurrency limit.
	Parallel int
	// Query overrides the detection filters; nil means every detection the
	// subscription holds (qualys.AllDetections) from the newest API version
	// (qualys.LatestDetectionAPIVersion), with the detections' MITRE ATT&CK
	// details.
	Query *qualys.DetectionQuery
	// KB joins detections with stored KnowledgeBase entries; nil: no join.
	KB VulnLookup
	// Logger receives a line per quarantined host; nil: discard.
	Logger *slog.Logger
}

// NewVMDR returns a VMDR source reading through client.
func NewVMDR(client *qualys.Client, opts VMDROptions) *VMDR {
	q := qualys.AllDetections()
	q.APIVersion = qualys.LatestDetectionAPIVersion
	if opts.Query != nil {
		q = *opts.Query
	}
	if opts.PageSize > 0 {
		q.TruncationLimit = opts.PageSize
	}
	if q.TruncationLimit <= 0 {
		q.TruncationLimit = 1000
	}
	if opts.Parallel <= 0 {
		opts.Parallel = 2
	}
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	v := &VMDR{client: client, query: q, parallel: opts.Parallel, kb: opts.KB, log: opts.Logger, cache: map[int64]*qidJoin{}}
	v.total.Store(-1)
	return v
}

// Name implements sync.Source.
func (v *VMDR) Name() string { return "vmdr" }

// Calls implements sync.Source.
func (v *VMDR) Calls() int64 { return v.client.Stats().Calls }

// Total implements sync.Source: unknown (-1) when the run starts; see
// LiveTotal.
func (v *VMDR) Total(context.Context, time.Time) (int64, error) { return v.total.Load(), nil }

// LiveTotal implements sync.LiveTotal: the number of hosts the run reads,
// known once its host list has arrived in this process (-1 before).
func (v *VMDR) LiveTotal() int64 { return v.total.Load() }

// headPartition walks the detections from the first host on while the host
// list is fetched beside it; once the list is in, the rest is split into
// host-ID ranges (see Extract).
const headPartition = "head"

// Plan implements sync.Source: one partition, the head. It makes no call:
// the host list is read beside the first detection pages (Extract), so
// that no detection call waits for it.
func (v *VMDR) Plan(context.Context, time.Time) ([]sync.Partition, error) {
	return []sync.Partition{{ID: headPartition}}, nil
}

// idPageSize is the truncation_limit of host ID lists: IDs are small, so
// one call lists many.
const idPageSize = 50_000

// rangeSize is the number of hosts per host-ID range for n hosts: a whole
// number of pages, so that no range but the last ends with a short page (a
// call is what the subscription's rate limit counts), and up to sixteen
// ranges per worker. A range's pages come one after the other, so few long
// ranges leave a worker alone with the last of them while the other slots
// idle (with 2 s + 2 ms of latency, 10,000 hosts in 5 ranges of 2 pages
// took 6 s longer than in 10 of one); the bound keeps the checkpoint, saved
// with every batch, small.
func rangeSize(n, pageSize, parallel int) int {
	if pageSize <= 0 {
		pageSize = 1000
	}
	pages := (n + pageSize - 1) / pageSize
	ranges := max(1, min(pages, 16*parallel))
	return max(1, (pages+ranges-1)/ranges) * pageSize
}

// splitIDs cuts sorted ids into partitions "min:max" of size hosts each
// (the last one shorter).
func splitIDs(ids []int64, size int) []sync.Partition {
	var parts []sync.Partition
	for lo := 0; lo < len(ids); lo += size {
		hi := min(lo+size, len(ids)) - 1
		parts = append(parts, sync.Partition{ID: fmt.Sprintf("%d:%d", ids[lo], ids[hi])})
	}
	return parts
}

func parseIDRange(p sync.Partition) (qualys.IDRange, error) {
	a, b, ok := strings.Cut(p.ID, ":")
	lo, err1 := strconv.ParseInt(a, 10, 64)
	hi, err2 := strconv.ParseInt(b, 10, 64)
	if !ok || err1 != nil || err2 != nil || lo > hi {
		return qualys.IDRange{}, fmt.Errorf("bad VMDR partition %q in saved cursor (run with --full to start over)", p.ID)
	}
	r := qualys.IDRange{Min: lo, Max: hi}
	if p.Position != "" {
		pos, err := strconv.ParseInt(p.Position, 10, 64)
		if err != nil {
			return qualys.IDRange{}, fmt.Errorf("bad VMDR cursor position %q (run with --full to start over)", p.Position)
		}
		r.Min = max(r.Min, pos+1)
	}
	return r, nil
}

// Extract implements sync.Source. A run starts with the head partition:
// it walks the detection pages from the first host on, with no upper
// bound, while the host list (IDs only, processed after since) is read
// beside it. When the list arrives, the head is bounded where its page in
// flight should end, and the listed hosts above that bound are split into
// ranges of equal size (several per parallel worker), walked in parallel
// with what is left of the head. One Split record saves them all with the
// checkpoint: the head's remainder becomes the range "from:bound", so a
// resumed run reads neither less nor twice. If the head reaches the last
// host first, the list is dropped; if the list fails, the head reads
// everything on its own.
//
// A host whose detections cannot be delivered (its page times out even one
// host at a time) is emitted as a quarantined record with the reason, and
// the range goes on. Records report the API server's DATETIME of the head's
// first page and of the host list (Record.ServerTime), whichever is
// earlier, as the run's watermark.
func (v *VMDR) Extract(ctx context.Context, since time.Time, parts []sync.Partition, emit func(sync.Record) error) error {
	g, ctx := errgroup.WithContext(ctx)
	// Twice as many walkers as calls in flight: while one walker's page is
	// decoded and emitted (holding no slot), another downloads. The client
	// keeps the calls within the subscription's concurrency.
	slots := make(chan struct{}, 2*v.parallel)
	q := v.query
	q.VMProcessedAfter = since
	start := func(p sync.Partition) error {
		r, err := parseIDRange(p)
		if err != nil {
			return err
		}
		g.Go(func() error {
			select {
			case slots <- struct{}{}:
			case <-ctx.Done():
				return context.Cause(ctx)
			}
			defer func() { <-slots }()
			return v.walk(ctx, p.ID, r, v.client.VMDR.Detections(ctx, q, r), emit)
		})
		return nil
	}
	// A bad saved partition fails the run before anything starts.
	for _, p := range parts {
		if p.ID != headPartition {
			if _, err := parseIDRange(p); err != nil {
				return err
			}
		}
	}
	for _, p := range parts {
		if p.ID == headPartition {
			g.Go(func() error { return v.head(ctx, q, p, start, emit) })
			continue
		}
		if err := start(p); err != nil {
			return err // cannot happen: parsed above
		}
	}
	return g.Wait()
}

// walk emits the hosts of hosts as records of partition id, then the end
// of the partition.
func (v *VMDR) walk(ctx context.Context, id string, r qualys.IDRange, hosts iter.Seq2[qualys.Host, error], emit func(sync.Record) error) error {
	for h, err := range hosts {
		rec, err := v.record(ctx, h, err, r)
		if err != nil {
			return err
		}
		rec.Partition = id
		if err := emit(rec); err != nil {
			return err
		}
	}
	return emit(sync.Record{Partition: id, PartitionDone: true})
}

// record turns one host of a walk over r (or its error) into a record
// without its partition.
func (v *VMDR) record(ctx context.Context, h qualys.Host, err error, r qualys.IDRange) (sync.Record, error) {
	if err != nil {
		var he *qualys.HostError
		if !errors.As(err, &he) {
			return sync.Record{}, fmt.Errorf("detections of hosts %s: %w", rangeText(r), err)
		}
		key := strconv.FormatInt(he.HostID, 10)
		v.log.Warn("host quarantined: its detections could not be delivered", "host_id", he.HostID, "reason", he.Reason)
		raw, _ := json.Marshal(map[string]any{"ID": he.HostID})
		return sync.Record{Key: key, Position: key, Raw: raw, Quarantine: "VMDR host " + key + ": " + he.Error()}, nil
	}
	raw, err := v.document(ctx, &h)
	if err != nil {
		return sync.Record{}, err
	}
	key := strconv.FormatInt(h.ID, 10)
	return sync.Record{Key: key, Position: key, Raw: raw}, nil
}

func rangeText(r qualys.IDRange) string {
	if r.Max == 0 {
		return fmt.Sprintf("from %d", r.Min)
	}
	return fmt.Sprintf("%d–%d", r.Min, r.Max)
}

// head walks the head partition p (see Extract) and starts, with start,
// the ranges it splits off once the host list has arrived.
func (v *VMDR) head(ctx context.Context, q qualys.DetectionQuery, p sync.Partition, start func(sync.Partition) error, emit func(sync.Record) error) error {
	var from int64
	if p.Position != "" {
		pos, err := strconv.ParseInt(p.Position, 10, 64)
		if err != nil || pos < 0 {
			return fmt.Errorf("bad VMDR cursor position %q (run with --full to start over)", p.Position)
		}
		from = pos + 1
	}
	var (
		mu     gosync.Mutex // orders the head's records and the Split record
		label  = p.ID       // the partition of the head's next records ("": none left)
		last   = from - 1   // the last host ID the head emitted
		done   bool         // the head has emitted its last record
		headAt time.Time    // DATETIME of the head's first page
		sent   bool         // a record carried headAt
		bound  atomic.Int64 // the head's upper bound (0: none yet)
	)
	g, gctx := errgroup.WithContext(ctx)
	lctx, stopList := context.WithCancel(gctx)
	defer stopList()

	// The host list, then the split.
	g.Go(func() error {
		var (
			ids []int64
			at  time.Time
		)
		hq := qualys.HostQuery{VMProcessedAfter: q.VMProcessedAfter, TruncationLimit: idPageSize, OnDateTime: func(t time.Time) { at = t }}
		for id, err := range v.client.VMDR.HostIDs(lctx, hq) {
			if err != nil {
				if lctx.Err() == nil {
					v.log.Warn("VMDR host list failed: the detections are read in one walk instead", "error", err)
				}
				return nil
			}
			ids = append(ids, id)
		}
		slices.Sort(ids)
		ids = slices.Compact(ids)
		v.total.Store(int64(len(ids)))

		mu.Lock()
		if done {
			mu.Unlock()
			return nil
		}
		// Bound the head where its page in flight should end: the page
		// after the last host it emitted holds the next TruncationLimit
		// listed hosts.
		i, _ := slices.BinarySearch(ids, last+1)
		if i+q.TruncationLimit >= len(ids) {
			mu.Unlock()
			return nil // the head's page in flight ends the list: let it
		}
		b := max(ids[i+q.TruncationLimit-1], last)
		rest := ids[i+q.TruncationLimit:]
		for len(rest) > 0 && rest[0] <= b {
			rest = rest[1:]
		}
		parts := splitIDs(rest, rangeSize(len(rest), q.TruncationLimit, v.parallel))
		rec := sync.Record{Partition: label, PartitionDone: true, ServerTime: at}
		if !sent && !headAt.IsZero() && (at.IsZero() || headAt.Before(at)) {
			rec.ServerTime, sent = headAt, true
		}
		remainder := ""
		if last < b {
			remainder = fmt.Sprintf("%d:%d", last+1, b)
			rec.Split = append(rec.Split, sync.Partition{ID: remainder})
		}
		rec.Split = append(rec.Split, parts...)
		return handOff(&mu, emit, rec, func() { bound.Store(b); label = remainder }, parts, start)
	})

	// The head itself.
	g.Go(func() error {
		defer stopList() // the head got to the end first: the list is of no use
		onDateTime := func(t time.Time) {
			mu.Lock()
			headAt = t
			mu.Unlock()
		}
		r := qualys.IDRange{Min: from}
		for h, err := range v.client.VMDR.DetectionsUntil(gctx, q, from, bound.Load, onDateTime) {
			rec, err := v.record(gctx, h, err, r)
			if err != nil {
				return err
			}
			id, _ := strconv.ParseInt(rec.Key, 10, 64)
			mu.Lock()
			if b := bound.Load(); label == "" || (b > 0 && id > b) {
				mu.Unlock()
				continue // split off while the page came
			}
			rec.Partition = label
			if !sent && !headAt.IsZero() {
				rec.ServerTime, sent = headAt, true
			}
			err = emit(rec)
			last = id
			mu.Unlock()
			if err != nil {
				return err
			}
		}
		mu.Lock()
		defer mu.Unlock()
		done = true
		if label == "" {
			return nil
		}
		rec := sync.Record{Partition: label, PartitionDone: true}
		if !sent && !headAt.IsZero() {
			rec.ServerTime, sent = headAt, true
		}
		return emit(rec)
	})
	return g.Wait()
}

// handOff emits rec, the Split record of a head walk, with mu (which
// orders the head's records) held; once it is in, bounded bounds the head
// and moves its next records to its remainder, mu is released and the
// split-off partitions parts are started.
func handOff(mu *gosync.Mutex, emit func(sync.Record) error, rec sync.Record, bounded func(), parts []sync.Partition, start func(sync.Partition) error) error {
	err := emit(rec)
	if err == nil {
		bounded()
	}
	mu.Unlock()
	if err != nil {
		return err
	}
	for _, p := range parts {
		if err := start(p); err != nil {
			return err
		}
	}
	return nil
}

// hostDoc is the VMDR source document: the host as the API sent it, its
// detections under VULNERABILITIES joined with the KnowledgeBase.
type hostDoc struct {
	qualys.Host
	Vulns []vulnDoc `json:"VULNERABILITIES,omitempty"`
}

type vulnDoc struct {
	qualys.Detection
	*qidJoin
}

// qidJoin is what a detection gains from its KnowledgeBase entry.
type qidJoin struct {
	QIDInfo            *qidInfo `json:"QID_INFO,omitempty"`
	MitreTacticID      []string `json:"MITRE_TACTIC_ID,omitempty"`
	MitreTacticName    []string `json:"MITRE_TACTIC_NAME,omitempty"`
	MitreTechniqueID   []string `json:"MITRE_TECHNIQUE_ID,omitempty"`
	MitreTechniqueName []string `json:"MITRE_TECHNIQUE_NAME,omitempty"`
}

type qidInfo struct {
	QID        qidFacts   `json:"qid"`
	CorExploit []corEntry `json:"corExploit,omitempty"`
	CorMalware []corEntry `json:"corMalware,omitempty"`
}

type qidFacts struct {
	QID                 int64    `json:"qid"`
	Title               string   `json:"title,omitempty"`
	VulnType            string   `json:"vulnType,omitempty"`
	Severity            *int64   `json:"severity,omitempty"`
	Category            string   `json:"category,omitempty"`
	Description         string   `json:"description,omitempty"`
	Consequence         string   `json:"consequence,omitempty"`
	Solution            string   `json:"solution,omitempty"`
	CvssBase            *float64 `json:"cvssBase,omitempty"`
	CvssTemporal        *float64 `json:"cvssTemporal,omitempty"`
	Cvss3Base           *float64 `json:"cvss3Base,omitempty"`
	Cvss3Temporal       *float64 `json:"cvss3Temporal,omitempty"`
	CvssAccessVector    string   `json:"cvssAccessVector,omitempty"`
	PatchExist          *bool    `json:"patchExist,omitempty"`
	CveID               []string `json:"cveId,omitempty"`
	PublishedDate       string   `json:"publishedDate,omitempty"`
	LastServiceModified string   `json:"lastServiceModified,omitempty"`
	ThreatIntel         []string `json:"threatIntel,omitempty"`
}

type corEntry struct {
	VendorName string `json:"vendorName"`
}

// document encodes a host as the VMDR source document.
func (v *VMDR) document(ctx context.Context, h *qualys.Host) ([]byte, error) {
	joins, err := v.joins(ctx, h.Detections)
	if err != nil {
		return nil, err
	}
	d := hostDoc{Host: *h, Vulns: make([]vulnDoc, len(h.Detections))}
	for i, det := range h.Detections {
		d.Vulns[i] = vulnDoc{Detection: det, qidJoin: withOwnMitre(joins[det.QID], det.MitreAttackList)}
	}
	b, err := json.Marshal(d)
	if err != nil {
		return nil, fmt.Errorf("encode VMDR host %d: %w", h.ID, err)
	}
	return b, nil
}

// withOwnMitre returns j with its MITRE_* lists taken from the detection's
// own MITRE_ATTACK_LIST, when it has one (j itself, shared by the detections
// of a QID, is not changed); else j.
func withOwnMitre(j *qidJoin, own []qualys.MitreAttack) *qidJoin {
	if len(own) == 0 {
		return j
	}
	out := &qidJoin{}
	if j != nil {
		out.QIDInfo = j.QIDInfo
	}
	for _, m := range own {
		out.MitreTacticID = append(out.MitreTacticID, m.TacticID)
		out.MitreTacticName = append(out.MitreTacticName, m.TacticName)
		out.MitreTechniqueID = append(out.MitreTechniqueID, m.TechniqueID)
		out.MitreTechniqueName = append(out.MitreTechniqueName, m.TechniqueName)
	}
	return out
}

// joins returns the KnowledgeBase join of each QID of dets, reading the
// QIDs it has not cached from the store.
func (v *VMDR) joins(ctx context.Context, dets []qualys.Detection) (map[int64]*qidJoin, error) {
	out := make(map[int64]*qidJoin, len(dets))
	if v.kb == nil {
		return out, nil
	}
	var missing []int64
	v.mu.Lock()
	for _, d := range dets {
		if j, ok := v.cache[d.QID]; ok {
			out[d.QID] = j
		} else if !slices.Contains(missing, d.QID) {
			missing = append(missing, d.QID)
		}
	}
	v.mu.Unlock()
	if len(missing) == 0 {
		return out, nil
	}
	attrs, err := v.kb.VulnAttributes(ctx, missing)
	if err != nil {
		return nil, fmt.Errorf("join KnowledgeBase: %w", err)
	}
	v.mu.Lock()
	defer v.mu.Unlock()
	if len(v.cache) > 100_000 { // bound memory on huge KnowledgeBases
		clear(v.cache)
	}
	for _, q := range missing {
		var j *qidJoin
		if a, ok := attrs[q]; ok {
			j = joinFrom(q, a)
		}
		v.cache[q] = j
		out[q] = j
	}
	return out, nil
}

// joinFrom builds a detection's KnowledgeBase join from the stored vuln
// values (field names of the kb-default transform map).
func joinFrom(qid int64, a map[string]any) *qidJoin {
	str := func(k string) string { s, _ := a[k].(string); return s }
	num := func(k string) *float64 {
		if f, ok := a[k].(float64); ok {
			return &f
		}
		return nil
	}
	list := func(k string) []string {
		xs, _ := a[k].([]any)
		var out []string
		for _, x := range xs {
			if s, ok := x.(string); ok {
				out = append(out, s)
			}
		}
		return out
	}
	f := qidFacts{QID: qid, Title: str("title"), VulnType: str("vuln_type"), Category: str("category"),
		Description: str("diagnosis"), Consequence: str("consequence"), Solution: str("solution"),
		CvssBase: num("cvss2_base"), CvssTemporal: num("cvss2_temporal"), Cvss3Base: num("cvss3_base"), Cvss3Temporal: num("cvss3_temporal"),
		CvssAccessVector: str("cvss3_vector"), CveID: list("cve_ids"), PublishedDate: str("published"),
		LastServiceModified: str("last_modified"), ThreatIntel: list("threat_intel")}
	if f.CvssAccessVector == "" {
		f.CvssAccessVector = str("cvss2_vector")
	}
	if s := num("severity"); s != nil {
		i := int64(*s)
		f.Severity = &i
	}
	if b, ok := a["patchable"].(bool); ok {
		f.PatchExist = &b
	}
	info := &qidInfo{QID: f}
	for _, s := range list("exploit_sources") {
		info.CorExploit = append(info.CorExploit, corEntry{VendorName: s})
	}
	for _, s := range list("malware_sources") {
		info.CorMalware = append(info.CorMalware, corEntry{VendorName: s})
	}
	return &qidJoin{QIDInfo: info, MitreTacticID: list("mitre_tactic_ids"), MitreTacticName: list("mitre_tactic_names"),
		MitreTechniqueID: list("mitre_technique_ids"), MitreTechniqueName: list("mitre_technique_names")}
}
