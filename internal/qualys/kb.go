package qualys

import (
	"context"
	"encoding/xml"
	"fmt"
	"iter"
	"net/url"
	"slices"
	"time"
)

// MaxKBIDsPerCall is the largest number of QIDs Vulns asks for in one call.
const MaxKBIDsPerCall = 1000

// KBQuery selects KnowledgeBase entries for Vulns.
type KBQuery struct {
	// IDs lists the QIDs to fetch; empty: every QID (within IDMin..IDMax).
	// They are sent in batches of at most MaxKBIDsPerCall, runs compressed
	// ("1-5,9").
	IDs []int64
	// IDMin and IDMax bound the QIDs (inclusive; 0: open).
	IDMin, IDMax int64
	// LastModifiedAfter, when not zero, keeps the QIDs the service modified
	// after it (last_modified_after): for incremental syncs pass the
	// server's DATETIME of the previous run.
	LastModifiedAfter time.Time
	// Details is "All" (default) or "Basic" (no CVSS, CORRELATION, …).
	Details string
	// OmitExtras leaves out the sections Vulns asks for by default: PCI
	// reasons, supported modules, the disabled flag and the QID change log.
	OmitExtras bool
}

// Vulns yields the KnowledgeBase entries q selects, in ascending QID order.
// Each answer is spooled to a temporary file while it downloads, then its
// entries are decoded from the file and yielded one at a time; a failed
// call is retried from the QID after the last one yielded. KnowledgeBase
// calls run one at a time across the client (the API refuses parallel
// ones); the lock is held for the download, not while entries are yielded.
//
// Qualys API: POST /api/2.0/fo/knowledge_base/vuln/?action=list
func (s *KBService) Vulns(ctx context.Context, q KBQuery) iter.Seq2[Vuln, error] {
	return func(yield func(Vuln, error) bool) {
		details := q.Details
		var err error
		switch details {
		case "":
			details = "All"
		case "All", "Basic":
		default:
			err = fmt.Errorf("qualys: KnowledgeBase details %q: want All or Basic", q.Details)
		}
		if err == nil {
			err = checkRange(IDRange{q.IDMin, q.IDMax})
		}
		if err != nil {
			yield(Vuln{}, err)
			return
		}
		rng := IDRange{q.IDMin, q.IDMax}
		if emptyRange(rng) {
			return
		}
		v := url.Values{"action": {"list"}, "details": {details}}
		if !q.LastModifiedAfter.IsZero() {
			v.Set("last_modified_after", formatDateTime(q.LastModifiedAfter))
		}
		if !q.OmitExtras {
			for _, p := range []string{"show_pci_reasons", "show_supported_modules_info", "show_disabled_flag", "show_qid_change_log"} {
				v.Set(p, "1")
			}
		}
		walk := func(params url.Values) bool {
			w := &walker[Vuln]{c: s.client, what: "KnowledgeBase", path: kbPath, params: params, roots: kbRoots,
				rng: rng, kb: true, decode: decodeVulnItem}
			ok := true
			w.run(ctx, func(v Vuln, err error) bool {
				if ok = yield(v, err); !ok || err != nil {
					ok = false
					return false
				}
				return true
			})
			return ok
		}
		if len(q.IDs) == 0 {
			walk(v)
			return
		}
		ids := slices.DeleteFunc(sortedIDs(q.IDs), func(id int64) bool {
			return (rng.Min > 0 && id < rng.Min) || (rng.Max > 0 && id > rng.Max)
		})
		for batch := range slices.Chunk(ids, MaxKBIDsPerCall) {
			p := url.Values{}
			for k, vals := range v {
				p[k] = vals
			}
			p.Set("ids", compressIDs(batch))
			if !walk(p) {
				return
			}
		}
	}
}

// decodeVulnItem decodes a VULN element.
func decodeVulnItem(dec *xml.Decoder, se *xml.StartElement, emit func(int64, Vuln) bool) error {
	if se.Name.Local != "VULN" {
		return dec.Skip()
	}
	var v Vuln
	if err := dec.DecodeElement(&v, se); err != nil {
		return err
	}
	if !emit(v.QID, v) {
		return errStopped
	}
	return nil
}
