package enrich

import (
	"fmt"
	"math"
	"strconv"
	"strings"
)

// FindingQDS is what a VMDR detection says about its own QDS.
type FindingQDS struct {
	// Score is the detection's <QDS> (1–100), or 0 when it has none (the
	// detection list was pulled without show_qds, or Qualys sent none).
	Score int
	// Factors are the detection's QDS_FACTOR name → value pairs (for example
	// "exploit_maturity" → "weaponized,poc", "CISA_vuln" → "YES"). Names are
	// matched case-insensitively. May be nil.
	Factors map[string]string
}

// VulnFacts are the KnowledgeBase facts about a finding's QID that a
// derived QDS is computed from.
type VulnFacts struct {
	// CVSS3Base is CVSS_V3/BASE (0–10), nil when absent.
	CVSS3Base *float64
	// CVSS2Base is CVSS/BASE (0–10), nil when absent; used only when there is
	// no CVSS v3 base.
	CVSS2Base *float64
	// Severity is SEVERITY_LEVEL (1–5), used only when neither CVSS base is
	// present; 0 when unknown.
	Severity int
	// ExploitSources are the CORRELATION/EXPLOITS/EXPLT_SRC/SRC_NAME values
	// ("The Exploit-DB", "Metasploit", …). Blank names are ignored.
	ExploitSources []string
	// MalwareSources are the CORRELATION/MALWARE/MW_SRC/SRC_NAME values
	// ("Trend Micro", …). Blank names are ignored.
	MalwareSources []string
	// ThreatIntel are the THREAT_INTELLIGENCE/THREAT_INTEL texts
	// ("Exploit_Public", "Cisa_Known_Exploited_Vulns", …), matched
	// case-insensitively with spaces and hyphens taken as underscores.
	ThreatIntel []string
}

// Maturity is how far exploit code for a vulnerability has come.
type Maturity int

// Exploit maturities, weakest first.
const (
	MaturityNone       Maturity = iota // no known exploit code
	MaturityPoC                        // proof-of-concept code exists
	MaturityWeaponized                 // ready-to-use exploit (framework module, exploit kit)
)

// String returns "none", "poc" or "weaponized".
func (m Maturity) String() string {
	switch m {
	case MaturityNone:
		return "none"
	case MaturityPoC:
		return "poc"
	case MaturityWeaponized:
		return "weaponized"
	}
	return fmt.Sprintf("Maturity(%d)", int(m))
}

// percent is the maturity's factor m in hundredths: 0, 50 or 100.
func (m Maturity) percent() int {
	switch m {
	case MaturityPoC:
		return 50
	case MaturityWeaponized:
		return 100
	}
	return 0
}

// Where a derivation input came from, as recorded in Derivation.
const (
	SourceCVSS3     = "cvss3"      // CVSS v3 base from the KnowledgeBase
	SourceCVSS2     = "cvss2"      // CVSS v2 base from the KnowledgeBase
	SourceSeverity  = "severity"   // 2 × the KnowledgeBase severity level
	SourceQDSFactor = "qds_factor" // a QDS_FACTOR of the detection
	SourceKB        = "kb"         // KnowledgeBase correlation or threat intelligence
)

// Derivation is a QDS derived from the KnowledgeBase (and the detection's
// QDS factors, when it has some), with the inputs that produced it.
type Derivation struct {
	// CVSS is the base score used, 0–10, rounded to one decimal; 0 when none.
	CVSS float64
	// CVSSSource is SourceCVSS3, SourceCVSS2, SourceSeverity, or "" when the
	// finding has none of them.
	CVSSSource string
	// Maturity is the exploit maturity.
	Maturity Maturity
	// MaturitySource is SourceQDSFactor, SourceKB, or "" when none is known.
	MaturitySource string
	// KEV is true when the vulnerability is in CISA's Known Exploited
	// Vulnerabilities catalog.
	KEV bool
	// Malware is true when malware is known to use the vulnerability.
	Malware bool
	// Raw is the formula's value in hundredths, before rounding and limits.
	Raw int
	// Score is the derived QDS, 1–100.
	Score int
}

// Threat reports whether the derivation took the threat branch (KEV or
// malware).
func (d Derivation) Threat() bool { return d.KEV || d.Malware }

// Formula renders the computation with its numbers, e.g.
// "6.5×8.1 + 35×0.5 = 70.15 → 70" or "90 + 10×1 = 100".
func (d Derivation) Formula() string {
	m := hundredths(d.Maturity.percent())
	var s string
	if d.Threat() {
		s = fmt.Sprintf("90 + 10×%s = %s", m, hundredths(d.Raw))
	} else {
		s = fmt.Sprintf("6.5×%.1f + 35×%s = %s", d.CVSS, m, hundredths(d.Raw))
	}
	switch r := roundHundredths(d.Raw); {
	case d.Score < r:
		return fmt.Sprintf("%s → %d (cap)", s, d.Score)
	case d.Score > r:
		return fmt.Sprintf("%s → %d (floor)", s, d.Score)
	case d.Raw%100 != 0:
		return fmt.Sprintf("%s → %d", s, d.Score)
	}
	return s
}

// MaxDerivedWithoutThreat is the highest QDS DeriveQDS gives a vulnerability
// with no threat signal (neither CISA KEV nor malware): Qualys reserves the
// critical bucket (90–100) for vulnerabilities that are exploited in the wild.
const MaxDerivedWithoutThreat = 89

// QDS returns the finding's QDS and whether it was derived. Qualys's score
// is returned as given when the detection has one (Score ≥ 1; values above
// 100 are taken as 100); otherwise the score comes from DeriveQDS and derived
// is true.
func QDS(f FindingQDS, kb VulnFacts) (score int, derived bool) {
	if f.Score > 0 {
		return min(f.Score, 100), false
	}
	return DeriveQDS(f, kb).Score, true
}

// DeriveQDS derives a QDS (1–100) from the KnowledgeBase facts and the
// detection's QDS factors, ignoring f.Score. It follows the split Qualys
// documents for its vulnerability score (QVS): when a threat attribute is
// present, threat carries 90% and exploit maturity the rest; otherwise CVSS
// carries 65% and exploit maturity 35%. EPSS and trending, which Qualys also
// weighs, are not in the KnowledgeBase and are left out.
//
// Inputs:
//
//	c   CVSS base 0–10, one decimal: CVSS3Base, else CVSS2Base, else
//	    2 × Severity (1–5), else 0. Out-of-range values are clamped.
//	m   exploit maturity: 0 none, 0.5 poc, 1 weaponized. From the QDS factor
//	    exploit_maturity when it names "weaponized" or "poc"; otherwise from
//	    the KB: weaponized if an exploit source is Metasploit or the threat
//	    intel has Exploit_Kit, poc if any exploit source is named or the
//	    threat intel has Exploit_Public, else none.
//	KEV threat intel Cisa_Known_Exploited_Vulns, or QDS factor CISA_vuln
//	    YES (or true, 1).
//	MW  any malware source, threat intel Malware or Ransomware, or a
//	    non-blank QDS factor malware or malware_hash.
//
// Formula:
//
//	KEV or MW:  QDS = 90 + 10·m                    (90, 95 or 100)
//	otherwise:  QDS = min(89, round(6.5·c + 35·m))  (0–89)
//	then        QDS = max(1, QDS)
//
// round is half away from zero, computed exactly in hundredths (c has one
// decimal, m two), so 70.5 rounds to 71 and no float error can move a score.
func DeriveQDS(f FindingQDS, kb VulnFacts) Derivation {
	var d Derivation
	c10 := 0 // CVSS in tenths
	switch {
	case validScore(kb.CVSS3Base):
		c10, d.CVSSSource = tenths(*kb.CVSS3Base), SourceCVSS3
	case validScore(kb.CVSS2Base):
		c10, d.CVSSSource = tenths(*kb.CVSS2Base), SourceCVSS2
	case kb.Severity >= 1:
		c10, d.CVSSSource = 20*min(kb.Severity, 5), SourceSeverity
	}
	d.CVSS = float64(c10) / 10

	d.Maturity, d.MaturitySource = factorMaturity(f.Factors)
	if d.MaturitySource == "" {
		if m := kbMaturity(kb); m != MaturityNone {
			d.Maturity, d.MaturitySource = m, SourceKB
		}
	}

	ti := normalizedSet(kb.ThreatIntel)
	d.KEV = ti["cisa_known_exploited_vulns"] || isYes(factor(f.Factors, "CISA_vuln"))
	d.Malware = anyNamed(kb.MalwareSources) || ti["malware"] || ti["ransomware"] ||
		strings.TrimSpace(factor(f.Factors, "malware")) != "" ||
		strings.TrimSpace(factor(f.Factors, "malware_hash")) != ""

	m := d.Maturity.percent()
	if d.Threat() {
		d.Raw = 9000 + 10*m
		d.Score = roundHundredths(d.Raw)
	} else {
		d.Raw = 65*c10 + 35*m
		d.Score = min(roundHundredths(d.Raw), MaxDerivedWithoutThreat)
	}
	d.Score = max(1, min(d.Score, 100))
	return d
}

// validScore reports whether p points at a number (not NaN).
func validScore(p *float64) bool { return p != nil && !math.IsNaN(*p) }

// tenths returns a CVSS score in tenths, clamped to 0–100.
func tenths(v float64) int {
	return int(math.Round(max(0, min(v, 10)) * 10))
}

// roundHundredths rounds a non-negative value in hundredths to an integer,
// half up.
func roundHundredths(h int) int { return (h + 50) / 100 }

// hundredths renders a non-negative value in hundredths without trailing
// zeros: 7015 → "70.15", 4420 → "44.2", 2600 → "26".
func hundredths(h int) string {
	s := strconv.Itoa(h/100) + "." + fmt.Sprintf("%02d", h%100)
	s = strings.TrimRight(s, "0")
	return strings.TrimSuffix(s, ".")
}

// factorMaturity reads the exploit_maturity QDS factor, a comma-separated
// list such as "weaponized,poc". The strongest recognized value wins; source
// is "" when the factor is absent or names neither value.
func factorMaturity(factors map[string]string) (Maturity, string) {
	m, found := MaturityNone, false
	for tok := range strings.SplitSeq(factor(factors, "exploit_maturity"), ",") {
		switch strings.ToLower(strings.TrimSpace(tok)) {
		case "weaponized":
			m, found = MaturityWeaponized, true
		case "poc":
			if m < MaturityPoC {
				m = MaturityPoC
			}
			found = true
		}
	}
	if !found {
		return MaturityNone, ""
	}
	return m, SourceQDSFactor
}

// kbMaturity reads the exploit maturity from the KnowledgeBase.
func kbMaturity(kb VulnFacts) Maturity {
	ti := normalizedSet(kb.ThreatIntel)
	for _, s := range kb.ExploitSources {
		if strings.Contains(strings.ToLower(s), "metasploit") {
			return MaturityWeaponized
		}
	}
	if ti["exploit_kit"] {
		return MaturityWeaponized
	}
	if anyNamed(kb.ExploitSources) || ti["exploit_public"] {
		return MaturityPoC
	}
	return MaturityNone
}

// factor returns the value of the named QDS factor (case-insensitive name),
// or "".
func factor(factors map[string]string, name string) string {
	if v, ok := factors[name]; ok {
		return v
	}
	for k, v := range factors {
		if strings.EqualFold(strings.TrimSpace(k), name) {
			return v
		}
	}
	return ""
}

// isYes reports whether a flag value means yes.
func isYes(v string) bool {
	switch strings.ToLower(strings.TrimSpace(v)) {
	case "yes", "y", "true", "1":
		return true
	}
	return false
}

// anyNamed reports whether any of names is non-blank.
func anyNamed(names []string) bool {
	for _, n := range names {
		if strings.TrimSpace(n) != "" {
			return true
		}
	}
	return false
}

// normalizedSet returns the threat-intel texts lower-cased, trimmed, with
// spaces and hyphens as underscores.
func normalizedSet(texts []string) map[string]bool {
	set := make(map[string]bool, len(texts))
	r := strings.NewReplacer(" ", "_", "-", "_")
	for _, t := range texts {
		set[r.Replace(strings.ToLower(strings.TrimSpace(t)))] = true
	}
	return set
}
