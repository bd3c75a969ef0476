package enrich

import (
	"errors"
	"fmt"
	"math"
)

// Bucket is a QDS severity bucket: Critical (QDS 90–100), High (70–89),
// Medium (40–69) or Low (1–39). The zero value is Critical; buckets are
// ordered from the most to the least severe.
type Bucket int

// The four QDS buckets, most severe first.
const (
	Critical Bucket = iota // QDS 90–100
	High                   // QDS 70–89
	Medium                 // QDS 40–69
	Low                    // QDS 1–39
)

// numBuckets is the number of buckets: `for b := range numBuckets` walks
// them from Critical to Low.
const numBuckets Bucket = 4

// String returns the bucket's lower-case name ("critical", "high",
// "medium", "low"), or "Bucket(N)" for a value out of range.
func (b Bucket) String() string {
	switch b {
	case Critical:
		return "critical"
	case High:
		return "high"
	case Medium:
		return "medium"
	case Low:
		return "low"
	}
	return fmt.Sprintf("Bucket(%d)", int(b))
}

// MarshalText encodes the bucket as its name, so JSON shows "critical"
// rather than 0.
func (b Bucket) MarshalText() ([]byte, error) { return []byte(b.String()), nil }

// UnmarshalText reads a bucket name as MarshalText writes it.
func (b *Bucket) UnmarshalText(text []byte) error {
	for c := range numBuckets {
		if c.String() == string(text) {
			*b = c
			return nil
		}
	}
	return fmt.Errorf("unknown QDS bucket %q (want critical, high, medium or low)", text)
}

// BucketOf returns the bucket of a QDS: 90 and above Critical, 70–89 High,
// 40–69 Medium, 1–39 Low. A QDS of 0 or less has no bucket (ok is false);
// scores above 100 count as Critical.
func BucketOf(qds int) (b Bucket, ok bool) {
	switch {
	case qds >= 90:
		return Critical, true
	case qds >= 70:
		return High, true
	case qds >= 40:
		return Medium, true
	case qds >= 1:
		return Low, true
	}
	return 0, false
}

// MaxWeight is the largest weight Validate accepts. At 10 a single QDS 100
// finding on an ACS 1 asset already reaches the TruRisk cap of 1000, so a
// larger weight could not be told apart from it.
const MaxWeight = 10

// Weights are the per-bucket weights w_b of the TruRisk formula. Qualys
// assigns its own ("auto-assigned", critical > high > medium > low) and does
// not publish them; qflow's are configurable and documented. A weight of 0
// leaves its bucket out of the score.
type Weights struct {
	Critical float64 `json:"critical" yaml:"critical"` // weight of the QDS 90–100 bucket
	High     float64 `json:"high" yaml:"high"`         // weight of the QDS 70–89 bucket
	Medium   float64 `json:"medium" yaml:"medium"`     // weight of the QDS 40–69 bucket
	Low      float64 `json:"low" yaml:"low"`           // weight of the QDS 1–39 bucket
}

// DefaultWeights returns qflow's default weights: critical 2.8, high 1.4,
// medium 0.7, low 0.35.
//
// The critical weight is chosen so that the bands step with the asset's
// criticality: 2.8 is the one round weight for which a single critical
// finding (any QDS from 90 to 100) scores an asset of ACS 1, 2, 3 or 4
// exactly Low, Medium, High or Severe (ACS 1: 252–280; ACS 2: 504–560;
// ACS 3: 756–840; ACS 4: 1000 after the cap); the admissible interval is
// about [2.78, 2.83). With a critical weight of 1 (the "obvious" choice) a
// critical finding would lift an asset of the default ACS 2 to at most 200
// and even a mission-critical ACS 5 asset only to 500: the bands above Low
// would be reached by piling up findings, not by their severity.
//
// Each lower bucket weighs half the one above (1.4, 0.7, 0.35): the
// ordering Qualys states, with the simplest rule that keeps lower buckets
// informative without letting them dominate. One typical finding in every
// bucket (QDS 95, 80, 55, 20) on an ACS 2 asset scores 847, just under
// Severe, while the same critical finding alone on an ACS 4 asset is Severe.
func DefaultWeights() Weights {
	return Weights{Critical: 2.8, High: 1.4, Medium: 0.7, Low: 0.35}
}

// For returns the weight of bucket b (0 for a bucket out of range).
func (w Weights) For(b Bucket) float64 {
	switch b {
	case Critical:
		return w.Critical
	case High:
		return w.High
	case Medium:
		return w.Medium
	case Low:
		return w.Low
	}
	return 0
}

// Validate reports every problem with w at once (joined with errors.Join,
// one per line), or nil. Each weight must be a finite number from 0 to
// MaxWeight; weights must not increase from critical to low (a less severe
// bucket may not weigh more than a more severe one); and at least one must be
// above 0.
func (w Weights) Validate() error {
	var errs []error
	var ok [numBuckets]bool
	anyPositive := false
	for b := range numBuckets {
		v, i := w.For(b), int(b)
		switch {
		case math.IsNaN(v) || math.IsInf(v, 0):
			errs = append(errs, fmt.Errorf("weights.%s: must be a finite number, got %v", b, v))
		case v < 0:
			errs = append(errs, fmt.Errorf("weights.%s: must not be negative, got %v", b, v))
		case v > MaxWeight:
			errs = append(errs, fmt.Errorf("weights.%s: must be at most %d, got %v", b, MaxWeight, v))
		default:
			ok[i] = true
			anyPositive = anyPositive || v > 0
		}
	}
	for lo := High; lo < numBuckets; lo++ {
		hi := lo - 1
		if ok[hi] && ok[lo] && w.For(lo) > w.For(hi) {
			errs = append(errs, fmt.Errorf("weights.%s: must not exceed weights.%s (%v > %v)", lo, hi, w.For(lo), w.For(hi)))
		}
	}
	if ok == [numBuckets]bool{true, true, true, true} && !anyPositive {
		errs = append(errs, errors.New("weights: at least one weight must be above 0"))
	}
	return errors.Join(errs...)
}
