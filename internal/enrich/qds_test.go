package enrich

import (
	"math"
	"testing"
)

func TestQDSGiven(t *testing.T) {
	kb := VulnFacts{CVSS3Base: new(9.8), ThreatIntel: []string{"Cisa_Known_Exploited_Vulns"}}
	tests := []struct {
		name        string
		f           FindingQDS
		want        int
		wantDerived bool
	}{
		{"given is used as is", FindingQDS{Score: 72}, 72, false},
		{"given 1", FindingQDS{Score: 1}, 1, false},
		{"given 100", FindingQDS{Score: 100}, 100, false},
		{"given above 100 is capped", FindingQDS{Score: 150}, 100, false},
		{"given ignores factors", FindingQDS{Score: 35, Factors: map[string]string{"CISA_vuln": "YES"}}, 35, false},
		{"absent is derived", FindingQDS{}, 90, true},
		{"negative is derived", FindingQDS{Score: -3}, 90, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, derived := QDS(tt.f, kb)
			if got != tt.want || derived != tt.wantDerived {
				t.Errorf("QDS = %d, %v; want %d, %v", got, derived, tt.want, tt.wantDerived)
			}
		})
	}
}

func TestDeriveQDS(t *testing.T) {
	type fm = map[string]string
	tests := []struct {
		name string
		f    FindingQDS
		kb   VulnFacts
		want Derivation // Raw and CVSS are checked; Formula is checked separately
	}{
		// CVSS base and its fallbacks.
		{"nothing known: floor 1", FindingQDS{}, VulnFacts{},
			Derivation{Raw: 0, Score: 1}},
		{"CVSS v3 only", FindingQDS{}, VulnFacts{CVSS3Base: new(9.8)},
			Derivation{CVSS: 9.8, CVSSSource: SourceCVSS3, Raw: 6370, Score: 64}},
		{"CVSS v3 preferred over v2", FindingQDS{}, VulnFacts{CVSS3Base: new(5.0), CVSS2Base: new(9.0), Severity: 5},
			Derivation{CVSS: 5.0, CVSSSource: SourceCVSS3, Raw: 3250, Score: 33}},
		{"CVSS v2 when no v3", FindingQDS{}, VulnFacts{CVSS2Base: new(6.8), Severity: 5},
			Derivation{CVSS: 6.8, CVSSSource: SourceCVSS2, Raw: 4420, Score: 44}},
		{"NaN v3 falls back to v2", FindingQDS{}, VulnFacts{CVSS3Base: new(math.NaN()), CVSS2Base: new(4.3)},
			Derivation{CVSS: 4.3, CVSSSource: SourceCVSS2, Raw: 2795, Score: 28}},
		{"severity when no CVSS", FindingQDS{}, VulnFacts{Severity: 2},
			Derivation{CVSS: 4.0, CVSSSource: SourceSeverity, Raw: 2600, Score: 26}},
		{"severity 5", FindingQDS{}, VulnFacts{Severity: 5},
			Derivation{CVSS: 10, CVSSSource: SourceSeverity, Raw: 6500, Score: 65}},
		{"severity above 5 clamped", FindingQDS{}, VulnFacts{Severity: 9},
			Derivation{CVSS: 10, CVSSSource: SourceSeverity, Raw: 6500, Score: 65}},
		{"CVSS above 10 clamped", FindingQDS{}, VulnFacts{CVSS3Base: new(12.0)},
			Derivation{CVSS: 10, CVSSSource: SourceCVSS3, Raw: 6500, Score: 65}},
		{"negative CVSS clamped to 0", FindingQDS{}, VulnFacts{CVSS3Base: new(-1.0)},
			Derivation{CVSS: 0, CVSSSource: SourceCVSS3, Raw: 0, Score: 1}},
		{"CVSS rounded to one decimal", FindingQDS{}, VulnFacts{CVSS3Base: new(7.66)},
			Derivation{CVSS: 7.7, CVSSSource: SourceCVSS3, Raw: 5005, Score: 50}},
		{"half rounds up", FindingQDS{}, VulnFacts{CVSS3Base: new(7.0)},
			Derivation{CVSS: 7.0, CVSSSource: SourceCVSS3, Raw: 4550, Score: 46}},

		// Exploit maturity from the KnowledgeBase.
		{"KB exploit source: poc", FindingQDS{}, VulnFacts{CVSS3Base: new(9.8), ExploitSources: []string{"The Exploit-DB"}},
			Derivation{CVSS: 9.8, CVSSSource: SourceCVSS3, Maturity: MaturityPoC, MaturitySource: SourceKB, Raw: 8120, Score: 81}},
		{"KB blank exploit source ignored", FindingQDS{}, VulnFacts{CVSS3Base: new(9.8), ExploitSources: []string{" ", ""}},
			Derivation{CVSS: 9.8, CVSSSource: SourceCVSS3, Raw: 6370, Score: 64}},
		{"KB Metasploit: weaponized, capped at 89", FindingQDS{}, VulnFacts{CVSS3Base: new(9.8), ExploitSources: []string{"nvd", "Metasploit"}},
			Derivation{CVSS: 9.8, CVSSSource: SourceCVSS3, Maturity: MaturityWeaponized, MaturitySource: SourceKB, Raw: 9870, Score: 89}},
		{"KB weaponized, below the cap", FindingQDS{}, VulnFacts{CVSS3Base: new(5.0), ExploitSources: []string{"metasploit"}},
			Derivation{CVSS: 5.0, CVSSSource: SourceCVSS3, Maturity: MaturityWeaponized, MaturitySource: SourceKB, Raw: 6750, Score: 68}},
		{"threat intel Exploit_Public: poc", FindingQDS{}, VulnFacts{CVSS3Base: new(8.1), ThreatIntel: []string{"Exploit_Public"}},
			Derivation{CVSS: 8.1, CVSSSource: SourceCVSS3, Maturity: MaturityPoC, MaturitySource: SourceKB, Raw: 7015, Score: 70}},
		{"threat intel spelled loosely", FindingQDS{}, VulnFacts{CVSS3Base: new(8.1), ThreatIntel: []string{" exploit public "}},
			Derivation{CVSS: 8.1, CVSSSource: SourceCVSS3, Maturity: MaturityPoC, MaturitySource: SourceKB, Raw: 7015, Score: 70}},
		{"threat intel Exploit_Kit: weaponized", FindingQDS{}, VulnFacts{CVSS3Base: new(6.0), ThreatIntel: []string{"Exploit_Kit"}},
			Derivation{CVSS: 6.0, CVSSSource: SourceCVSS3, Maturity: MaturityWeaponized, MaturitySource: SourceKB, Raw: 7400, Score: 74}},
		{"unrelated threat intel ignored", FindingQDS{}, VulnFacts{CVSS3Base: new(6.0), ThreatIntel: []string{"No_Patch", "Denial_of_Service"}},
			Derivation{CVSS: 6.0, CVSSSource: SourceCVSS3, Raw: 3900, Score: 39}},

		// Exploit maturity from the QDS factors.
		{"factor poc wins over KB Metasploit", FindingQDS{Factors: fm{"exploit_maturity": "poc"}}, VulnFacts{CVSS3Base: new(8.1), ExploitSources: []string{"Metasploit"}},
			Derivation{CVSS: 8.1, CVSSSource: SourceCVSS3, Maturity: MaturityPoC, MaturitySource: SourceQDSFactor, Raw: 7015, Score: 70}},
		{"factor weaponized,poc: strongest wins", FindingQDS{Factors: fm{"exploit_maturity": "poc, weaponized"}}, VulnFacts{CVSS3Base: new(5.0)},
			Derivation{CVSS: 5.0, CVSSSource: SourceCVSS3, Maturity: MaturityWeaponized, MaturitySource: SourceQDSFactor, Raw: 6750, Score: 68}},
		{"factor name case-insensitive", FindingQDS{Factors: fm{"Exploit_Maturity": "POC"}}, VulnFacts{CVSS3Base: new(8.1)},
			Derivation{CVSS: 8.1, CVSSSource: SourceCVSS3, Maturity: MaturityPoC, MaturitySource: SourceQDSFactor, Raw: 7015, Score: 70}},
		{"unrecognized factor falls back to KB", FindingQDS{Factors: fm{"exploit_maturity": "unknown"}}, VulnFacts{CVSS3Base: new(8.1), ExploitSources: []string{"seebug"}},
			Derivation{CVSS: 8.1, CVSSSource: SourceCVSS3, Maturity: MaturityPoC, MaturitySource: SourceKB, Raw: 7015, Score: 70}},

		// CISA KEV.
		{"KEV from threat intel", FindingQDS{}, VulnFacts{CVSS3Base: new(3.1), ThreatIntel: []string{"Cisa_Known_Exploited_Vulns"}},
			Derivation{CVSS: 3.1, CVSSSource: SourceCVSS3, KEV: true, Raw: 9000, Score: 90}},
		{"KEV from factor, with poc", FindingQDS{Factors: fm{"CISA_vuln": "YES", "exploit_maturity": "poc"}}, VulnFacts{CVSS3Base: new(7.8)},
			Derivation{CVSS: 7.8, CVSSSource: SourceCVSS3, Maturity: MaturityPoC, MaturitySource: SourceQDSFactor, KEV: true, Raw: 9500, Score: 95}},
		{"CISA_vuln NO is not KEV", FindingQDS{Factors: fm{"CISA_vuln": "NO"}}, VulnFacts{CVSS3Base: new(7.8)},
			Derivation{CVSS: 7.8, CVSSSource: SourceCVSS3, Raw: 5070, Score: 51}},
		{"KEV and weaponized: 100", FindingQDS{}, VulnFacts{CVSS3Base: new(7.8), ExploitSources: []string{"Metasploit"}, ThreatIntel: []string{"Exploit_Public", "Cisa_Known_Exploited_Vulns"}},
			Derivation{CVSS: 7.8, CVSSSource: SourceCVSS3, Maturity: MaturityWeaponized, MaturitySource: SourceKB, KEV: true, Raw: 10000, Score: 100}},

		// Malware.
		{"malware source", FindingQDS{}, VulnFacts{CVSS2Base: new(9.3), MalwareSources: []string{"Trend Micro"}},
			Derivation{CVSS: 9.3, CVSSSource: SourceCVSS2, Malware: true, Raw: 9000, Score: 90}},
		{"blank malware source ignored", FindingQDS{}, VulnFacts{CVSS2Base: new(9.3), MalwareSources: []string{""}},
			Derivation{CVSS: 9.3, CVSSSource: SourceCVSS2, Raw: 6045, Score: 60}},
		{"threat intel Ransomware", FindingQDS{}, VulnFacts{ThreatIntel: []string{"Ransomware"}},
			Derivation{Malware: true, Raw: 9000, Score: 90}},
		{"threat intel Malware, with poc", FindingQDS{}, VulnFacts{ExploitSources: []string{"nvd"}, ThreatIntel: []string{"MALWARE"}},
			Derivation{Maturity: MaturityPoC, MaturitySource: SourceKB, Malware: true, Raw: 9500, Score: 95}},
		{"factor malware_hash", FindingQDS{Factors: fm{"malware_hash": "e3b0c442"}}, VulnFacts{Severity: 3},
			Derivation{CVSS: 6, CVSSSource: SourceSeverity, Malware: true, Raw: 9000, Score: 90}},
		{"KEV and malware together", FindingQDS{}, VulnFacts{MalwareSources: []string{"x"}, ThreatIntel: []string{"Cisa_Known_Exploited_Vulns"}},
			Derivation{KEV: true, Malware: true, Raw: 9000, Score: 90}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := DeriveQDS(tt.f, tt.kb)
			if got != tt.want {
				t.Errorf("DeriveQDS =\n %+v\nwant\n %+v", got, tt.want)
			}
			// QDS agrees with DeriveQDS when no score is given.
			if q, derived := QDS(FindingQDS{Factors: tt.f.Factors}, tt.kb); q != got.Score || !derived {
				t.Errorf("QDS = %d, %v; want %d, true", q, derived, got.Score)
			}
		})
	}
}

func TestDeriveQDSIgnoresGivenScore(t *testing.T) {
	kb := VulnFacts{CVSS3Base: new(8.1)}
	if a, b := DeriveQDS(FindingQDS{Score: 99}, kb), DeriveQDS(FindingQDS{}, kb); a != b {
		t.Errorf("DeriveQDS depends on Score: %+v vs %+v", a, b)
	}
}

func TestDerivationFormula(t *testing.T) {
	tests := []struct {
		kb   VulnFacts
		want string
	}{
		{VulnFacts{CVSS3Base: new(8.1), ExploitSources: []string{"x"}}, "6.5×8.1 + 35×0.5 = 70.15 → 70"},
		{VulnFacts{CVSS2Base: new(6.8)}, "6.5×6.8 + 35×0 = 44.2 → 44"},
		{VulnFacts{Severity: 2}, "6.5×4.0 + 35×0 = 26"},
		{VulnFacts{CVSS3Base: new(9.8), ExploitSources: []string{"Metasploit"}}, "6.5×9.8 + 35×1 = 98.7 → 89 (cap)"},
		{VulnFacts{CVSS3Base: new(10.0), ExploitSources: []string{"Metasploit"}}, "6.5×10.0 + 35×1 = 100 → 89 (cap)"},
		{VulnFacts{}, "6.5×0.0 + 35×0 = 0 → 1 (floor)"},
		{VulnFacts{ThreatIntel: []string{"Cisa_Known_Exploited_Vulns"}}, "90 + 10×0 = 90"},
		{VulnFacts{ThreatIntel: []string{"Cisa_Known_Exploited_Vulns", "Exploit_Public"}}, "90 + 10×0.5 = 95"},
		{VulnFacts{MalwareSources: []string{"x"}, ExploitSources: []string{"Metasploit"}}, "90 + 10×1 = 100"},
	}
	for _, tt := range tests {
		if got := DeriveQDS(FindingQDS{}, tt.kb).Formula(); got != tt.want {
			t.Errorf("Formula(%+v) = %q, want %q", tt.kb, got, tt.want)
		}
	}
}

func TestMaturityString(t *testing.T) {
	for m, want := range map[Maturity]string{MaturityNone: "none", MaturityPoC: "poc", MaturityWeaponized: "weaponized", 7: "Maturity(7)"} {
		if got := m.String(); got != want {
			t.Errorf("Maturity(%d).String() = %q, want %q", int(m), got, want)
		}
	}
}
