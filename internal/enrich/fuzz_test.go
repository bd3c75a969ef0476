package enrich

import (
	"slices"
	"testing"
)

var fuzzStatuses = [...]string{"New", "Active", "Re-Opened", "Fixed", "fixed", ""}

// fuzzFindings turns fuzz bytes into findings: QDS from qds (shifted so
// that 0 and negative values occur), statuses cycling through statuses.
func fuzzFindings(qds, statuses []byte) []ScoredFinding {
	fs := make([]ScoredFinding, len(qds))
	for i, q := range qds {
		st := "Active"
		if len(statuses) > 0 {
			st = fuzzStatuses[int(statuses[i%len(statuses)])%len(fuzzStatuses)]
		}
		fs[i] = ScoredFinding{QDS: int(q) - 10, Status: st}
	}
	return fs
}

// FuzzTruRisk checks TruRisk's invariants: the score is in 0–1000 whatever
// the input; with valid weights it does not decrease when ACS grows;
// Fixed findings do not change it; the order of findings does not matter;
// ACS outside 1–5 acts like the nearest bound.
func FuzzTruRisk(f *testing.F) {
	f.Add(3, []byte{105, 100, 60, 30}, []byte{1, 3}, 2.8, 1.4, 0.7, 0.35)
	f.Add(2, []byte{}, []byte{}, 1.0, 0.6, 0.3, 0.1)
	f.Add(-4, []byte{255, 10, 11}, []byte{0, 2, 4, 5}, 10.0, 10.0, 10.0, 10.0)
	f.Add(9, []byte{90, 91, 92, 93, 94}, []byte{3}, 0.0, 0.0, 0.0, 0.5)
	f.Fuzz(func(t *testing.T, acs int, qds, statuses []byte, wc, wh, wm, wl float64) {
		findings := fuzzFindings(qds, statuses)
		w := Weights{wc, wh, wm, wl}

		// In range whatever the weights.
		if s := TruRisk(acs, findings, w); s < 0 || s > MaxTruRisk {
			t.Fatalf("TruRisk(%d, …, %+v) = %d, out of 0–1000", acs, w, s)
		}
		if w.Validate() != nil {
			w = DefaultWeights()
		}
		score := TruRisk(acs, findings, w)
		if score < 0 || score > MaxTruRisk {
			t.Fatalf("TruRisk = %d, out of 0–1000", score)
		}
		if bd := Explain(acs, findings, w); bd.Score != score || bd.Band != Band(score) {
			t.Fatalf("Explain = %d %s, TruRisk = %d", bd.Score, bd.Band, score)
		}

		// Monotone in ACS.
		prev := 0
		for a := MinACS; a <= MaxACS; a++ {
			s := TruRisk(a, findings, w)
			if s < prev {
				t.Fatalf("TruRisk decreases from ACS %d (%d) to %d (%d)", a-1, prev, a, s)
			}
			prev = s
		}

		// ACS clamped.
		if got, want := score, TruRisk(max(MinACS, min(acs, MaxACS)), findings, w); got != want {
			t.Fatalf("ACS %d scores %d, its clamped value %d", acs, got, want)
		}

		// Fixed findings do not count: drop them, or add more.
		var notFixed []ScoredFinding
		more := slices.Clone(findings)
		for _, f := range findings {
			if f.Status != "Fixed" && f.Status != "fixed" {
				notFixed = append(notFixed, f)
			}
			more = append(more, ScoredFinding{QDS: f.QDS + 7, Status: "Fixed"})
		}
		if s := TruRisk(acs, notFixed, w); s != score {
			t.Fatalf("without Fixed findings %d, with %d", s, score)
		}
		if s := TruRisk(acs, more, w); s != score {
			t.Fatalf("with extra Fixed findings %d, without %d", s, score)
		}

		// Order does not matter.
		rev := slices.Clone(findings)
		slices.Reverse(rev)
		if s := TruRisk(acs, rev, w); s != score {
			t.Fatalf("reversed findings score %d, in order %d", s, score)
		}
	})
}

// FuzzDeriveQDS checks that a derived QDS is always 1–100, below 90 without
// a threat signal, 90 or more with one, and what QDS returns when no score
// is given.
func FuzzDeriveQDS(f *testing.F) {
	f.Add(9.8, 7.5, 4, "The Exploit-DB", "", "Exploit_Public", "poc", "")
	f.Add(-3.0, 100.0, 9, "Metasploit", "Trend Micro", "Cisa_Known_Exploited_Vulns", "weaponized,poc", "YES")
	f.Add(0.0, 0.0, 0, "", "", "", "", "")
	f.Fuzz(func(t *testing.T, c3, c2 float64, sev int, exploit, malware, ti, maturity, cisa string) {
		kb := VulnFacts{CVSS3Base: &c3, CVSS2Base: &c2, Severity: sev,
			ExploitSources: []string{exploit}, MalwareSources: []string{malware}, ThreatIntel: []string{ti}}
		fq := FindingQDS{Factors: map[string]string{"exploit_maturity": maturity, "CISA_vuln": cisa}}
		for _, kb := range []VulnFacts{kb, {Severity: sev, ThreatIntel: []string{ti}}} {
			d := DeriveQDS(fq, kb)
			if d.Score < 1 || d.Score > 100 {
				t.Fatalf("DeriveQDS = %d, out of 1–100", d.Score)
			}
			if d.Threat() != (d.Score >= 90) {
				t.Fatalf("threat %v but QDS %d", d.Threat(), d.Score)
			}
			if q, derived := QDS(fq, kb); q != d.Score || !derived {
				t.Fatalf("QDS = %d, %v; DeriveQDS = %d", q, derived, d.Score)
			}
		}
	})
}
