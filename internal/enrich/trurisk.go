package enrich

import (
	"math"
	"strings"
)

// MaxTruRisk is the TruRisk cap.
const MaxTruRisk = 1000

// StatusFixed is the VMDR detection status of a fixed finding; such findings
// do not count toward TruRisk.
const StatusFixed = "Fixed"

// ScoredFinding is one finding of an asset as TruRisk sees it.
type ScoredFinding struct {
	// QDS is the finding's QDS (given or derived, see QDS). Findings with a
	// QDS of 0 or less are left out; values above 100 count as 100.
	QDS int
	// Status is the VMDR status: New, Active, Re-Opened or Fixed. Fixed
	// (case-insensitive) findings are left out.
	Status string
}

// counts reports whether f takes part in TruRisk: not Fixed, QDS ≥ 1.
func (f ScoredFinding) counts() bool {
	return f.QDS > 0 && !strings.EqualFold(strings.TrimSpace(f.Status), StatusFixed)
}

// BucketScore is one bucket's term of the TruRisk sum.
type BucketScore struct {
	Bucket Bucket  // the bucket
	Weight float64 // w_b
	Count  int     // n_b, findings counted in the bucket
	Total  int     // sum of their QDS
	// Avg is Total / Count, 0 when Count is 0.
	Avg float64
	// CountFactor is Count^(1/100), 0 when Count is 0.
	CountFactor float64
	// Contribution is Weight × Avg × CountFactor, 0 when Count is 0.
	Contribution float64
}

// Breakdown is a TruRisk score with every step that produced it.
type Breakdown struct {
	// ACS is the Asset Criticality Score used (the argument clamped to 1–5).
	ACS int
	// Buckets are the four terms, in the order Critical, High, Medium, Low.
	Buckets [4]BucketScore
	// Excluded is the number of findings left out (Fixed, or QDS ≤ 0).
	Excluded int
	// Sum is Σ_b Contribution.
	Sum float64
	// Raw is ACS × Sum, before rounding and the cap.
	Raw float64
	// Score is min(1000, Raw rounded half away from zero).
	Score int
	// Band is Band(Score).
	Band string
}

// TruRisk returns an asset's TruRisk score, 0–1000:
//
//	TruRisk = min(1000, round(ACS × Σ_b w_b × avg_b × n_b^(1/100)))
//
// over the four QDS buckets b (critical 90–100, high 70–89, medium 40–69,
// low 1–39), where n_b is the number of the asset's findings in b, avg_b
// their mean QDS, and w_b the bucket's weight; buckets with no findings add
// nothing. Fixed findings and findings without a QDS (≤ 0) are left out. acs
// is clamped to 1–5 (see ACS). The sum is computed in float64 and rounded
// half away from zero to an integer once, at the end; an asset with no
// counted finding scores 0. The weights are used as given: check them with
// Weights.Validate first (invalid weights still give a score from 0 to 1000,
// but not a meaningful one).
func TruRisk(acs int, findings []ScoredFinding, w Weights) int {
	return Explain(acs, findings, w).Score
}

// Explain computes TruRisk like TruRisk and returns every intermediate
// value, for display and for checking a score by hand.
func Explain(acs int, findings []ScoredFinding, w Weights) Breakdown {
	var bd Breakdown
	bd.ACS = max(MinACS, min(acs, MaxACS))
	for b := range numBuckets {
		bd.Buckets[b] = BucketScore{Bucket: b, Weight: w.For(b)}
	}
	for _, f := range findings {
		if !f.counts() {
			bd.Excluded++
			continue
		}
		q := min(f.QDS, 100)
		b, _ := BucketOf(q)
		bd.Buckets[b].Count++
		bd.Buckets[b].Total += q
	}
	for b := range bd.Buckets {
		bs := &bd.Buckets[b]
		if bs.Count == 0 {
			continue
		}
		n := float64(bs.Count)
		bs.Avg = float64(bs.Total) / n
		bs.CountFactor = math.Pow(n, 0.01)
		bs.Contribution = bs.Weight * bs.Avg * bs.CountFactor
		bd.Sum += bs.Contribution
	}
	bd.Raw = float64(bd.ACS) * bd.Sum
	if r := math.Round(bd.Raw); r > 0 { // false for NaN, from invalid weights
		bd.Score = int(min(r, MaxTruRisk))
	}
	bd.Band = Band(bd.Score)
	return bd
}

// TruRisk bands, as returned by Band.
const (
	BandLow    = "low"    // 0–499
	BandMedium = "medium" // 500–699
	BandHigh   = "high"   // 700–849
	BandSevere = "severe" // 850–1000
)

// Band names the range a TruRisk score falls in: 0–499 BandLow, 500–699
// BandMedium, 700–849 BandHigh, 850–1000 BandSevere. Scores below 0 are
// BandLow and above 1000 BandSevere.
func Band(score int) string {
	switch {
	case score >= 850:
		return BandSevere
	case score >= 700:
		return BandHigh
	case score >= 500:
		return BandMedium
	}
	return BandLow
}
