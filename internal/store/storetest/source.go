package storetest

import (
	"context"
	"errors"
	"fmt"
	"strings"
	gosync "sync"
	"time"

	"github.com/qflow/qflow/internal/sync"
)

// doc is one raw document a source serves: its key (the partition's
// position once it is committed, and the name a quarantined record goes by)
// and its bytes.
type doc struct {
	key, raw string
}

// partition is one cursor partition of a source and its documents, in
// order.
type partition struct {
	id   string
	docs []doc
}

// errInjected is the failure a source returns once it has emitted
// failAfter records.
var errInjected = errors.New("injected source failure")

// source is a sync.Source serving fixed documents over ordered partitions.
// It resumes a partition after its position, can fail after a number of
// emitted records, and remembers where each partition started.
type source struct {
	name  string
	parts []partition

	mu gosync.Mutex
	// failAfter makes Extract fail once this many records were emitted
	// (0: never).
	failAfter int
	emitted   int
	starts    map[string]string
}

var _ sync.Source = (*source)(nil)

// newSource returns a source named name (csam, vmdr or kb) with parts.
func newSource(name string, parts ...partition) *source {
	return &source{name: name, parts: parts, starts: map[string]string{}}
}

// docsSource returns a source with one partition serving docs, keyed by
// their index.
func docsSource(name string, docs ...string) *source {
	p := partition{id: "all"}
	for i, d := range docs {
		p.docs = append(p.docs, doc{key: fmt.Sprint(i), raw: d})
	}
	return newSource(name, p)
}

// Name implements sync.Source.
func (s *source) Name() string { return s.name }

// Calls implements sync.Source.
func (s *source) Calls() int64 { return 0 }

// Total implements sync.Source.
func (s *source) Total(context.Context, time.Time) (int64, error) {
	n := 0
	for _, p := range s.parts {
		n += len(p.docs)
	}
	return int64(n), nil
}

// Plan implements sync.Source.
func (s *source) Plan(context.Context, time.Time) ([]sync.Partition, error) {
	out := make([]sync.Partition, len(s.parts))
	for i, p := range s.parts {
		out[i] = sync.Partition{ID: p.id}
	}
	return out, nil
}

// Extract implements sync.Source.
func (s *source) Extract(ctx context.Context, _ time.Time, parts []sync.Partition, emit func(sync.Record) error) error {
	for _, want := range parts {
		s.mu.Lock()
		s.starts[want.ID] = want.Position
		s.mu.Unlock()
		var docs []doc
		for _, p := range s.parts {
			if p.id == want.ID {
				docs = p.docs
			}
		}
		skip := want.Position != ""
		for _, d := range docs {
			if skip {
				skip = d.key != want.Position
				continue
			}
			s.mu.Lock()
			fail := s.failAfter > 0 && s.emitted >= s.failAfter
			if !fail {
				s.emitted++
			}
			s.mu.Unlock()
			if fail {
				return errInjected
			}
			if err := emit(sync.Record{Partition: want.ID, Position: d.key, Key: d.key, Raw: []byte(d.raw)}); err != nil {
				return err
			}
		}
		if err := emit(sync.Record{Partition: want.ID, PartitionDone: true}); err != nil {
			return err
		}
	}
	return ctx.Err()
}

// resetStarts forgets where partitions started.
func (s *source) resetStarts() {
	s.mu.Lock()
	defer s.mu.Unlock()
	clear(s.starts)
}

// start returns where Extract last started a partition.
func (s *source) start(id string) (string, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	p, ok := s.starts[id]
	return p, ok
}

// The documents below are shaped like the Qualys payloads the out-of-box
// transform maps read (internal/transform/maps).

// det is a VMDR detection with QDS 70 and QDS factors.
func det(qid, port int, status string) string {
	return fmt.Sprintf(`{"QID":%d,"TYPE":"Confirmed","SEVERITY":4,"PORT":%d,"PROTOCOL":"tcp","SSL":0,"STATUS":%q,"RESULTS":"version &lt; 2","QDS":{"value":70,"severity":"HIGH"},"QDS_FACTORS":[{"name":"CVSS","value":"7.5"}],"IS_IGNORED":0,"IS_DISABLED":0}`, qid, port, status)
}

// detQ is a VMDR detection with the given QDS (0: none).
func detQ(qid, port int, status string, qds int) string {
	q := ""
	if qds > 0 {
		q = fmt.Sprintf(`"QDS":{"value":%d,"severity":"HIGH"},`, qds)
	}
	return fmt.Sprintf(`{"QID":%d,"TYPE":"Confirmed","SEVERITY":4,"PORT":%d,"PROTOCOL":"tcp","SSL":0,"STATUS":%q,%s"IS_IGNORED":0,"IS_DISABLED":0}`, qid, port, status, q)
}

// host is a VMDR host (native key id, address 10.x.y.z spelling id) with
// detections.
func host(id int, dets ...string) string {
	return fmt.Sprintf(`{"ID":%d,"IP":"10.%d.%d.%d","OS":"Ubuntu 22.04","DNS_DATA":{"HOSTNAME":"h%d"},"VULNERABILITIES":[%s]}`,
		id, id>>16&255, id>>8&255, id&255, id, strings.Join(dets, ","))
}

// vmdrWeb is the VMDR host 7, web.corp.example.com, with detections.
func vmdrWeb(dets ...string) string {
	return `{"ID":7,"IP":"10.0.0.7","DNS_DATA":{"HOSTNAME":"web","FQDN":"web.corp.example.com"},"VULNERABILITIES":[` + strings.Join(dets, ",") + `]}`
}

// csamDoc is a CSAM asset with a BIOS serial and an FQDN (either may be
// empty) and installed software (version 1.0 each).
func csamDoc(id int, serial, fqdn string, sw ...string) string {
	items := make([]string, len(sw))
	for i, s := range sw {
		items[i] = fmt.Sprintf(`{"fullName":%q,"productName":%q,"version":"1.0"}`, s, s)
	}
	return fmt.Sprintf(`{"assetId":%d,"assetName":"a%d","biosSerialNumber":%q,"dnsName":%q,"softwareListData":{"software":[%s]}}`,
		id, id, serial, fqdn, strings.Join(items, ","))
}

// csamMAC is a CSAM asset with a BIOS serial, an FQDN and one MAC address
// (any may be empty).
func csamMAC(id int, serial, fqdn, mac string) string {
	nics := ""
	if mac != "" {
		nics = fmt.Sprintf(`,"networkInterfaceListData":{"networkInterface":[{"interfaceName":"eth0","macAddress":%q}]}`, mac)
	}
	return fmt.Sprintf(`{"assetId":%d,"assetName":"a%d","biosSerialNumber":%q,"dnsName":%q%s}`, id, id, serial, fqdn, nics)
}

// csamPkgs is a CSAM asset known only by its native key, with three
// packages (pkg0, pkg1, pkg2) and a name.
func csamPkgs(id int) string {
	return csamDoc(id, "", "", "pkg0", "pkg1", "pkg2")
}

// kbMacOS is a KnowledgeBase entry with two CVEs and one ATT&CK tactic and
// technique.
const kbMacOS = `{"QID":375402,"VULN_TYPE":"Vulnerability","SEVERITY_LEVEL":5,"TITLE":"Apple macOS Security Update","PATCHABLE":1,
	"CVE_LIST":[{"ID":"CVE-2025-1"},{"ID":"CVE-2025-2"}],"CVSS_V3":{"BASE":7.8,"VECTOR_STRING":"CVSS:3.1/AV:L"},
	"MITRE_ATTACK_LIST":[{"MITRE_TACTIC_ID":"TA0004","MITRE_TACTIC_NAME":"Privilege Escalation","MITRE_TECHNIQUE_ID":"T1068","MITRE_TECHNIQUE_NAME":"Exploitation"}]}`

// kbLibfoo is the KnowledgeBase entry of QID 103: CVSS v3 9.8 and a
// Metasploit exploit.
const kbLibfoo = `{"QID":103,"VULN_TYPE":"Vulnerability","SEVERITY_LEVEL":4,"TITLE":"Remote code execution in libfoo","PATCHABLE":1,
	"CVE_LIST":[{"ID":"CVE-2026-1001"}],"CVSS_V3":{"BASE":9.8},"CVSS":{"BASE":{"value":7.5}},
	"CORRELATION":{"EXPLOITS":[{"SRC_NAME":"Metasploit"}]},"THREAT_INTELLIGENCE":[{"id":2,"value":"Exploit_Public"}],
	"MITRE_ATTACK_LIST":[{"MITRE_TACTIC_ID":"TA0001","MITRE_TECHNIQUE_ID":"T1190"}]}`

// ids returns n native keys from from, three apart.
func ids(from, n int) []int {
	out := make([]int, n)
	for i := range out {
		out[i] = from + i*3
	}
	return out
}

// csamPartition is a partition of csamPkgs assets, keyed by asset id.
func csamPartition(id string, assets []int) partition {
	p := partition{id: id}
	for _, a := range assets {
		p.docs = append(p.docs, doc{key: fmt.Sprint(a), raw: csamPkgs(a)})
	}
	return p
}
