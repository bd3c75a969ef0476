package enrich

import (
	"math"
	"testing"
)

// open returns Active findings with the given QDS values.
func open(qds ...int) []ScoredFinding {
	fs := make([]ScoredFinding, len(qds))
	for i, q := range qds {
		fs[i] = ScoredFinding{QDS: q, Status: "Active"}
	}
	return fs
}

func TestTruRisk(t *testing.T) {
	dw := DefaultWeights()
	tests := []struct {
		name     string
		acs      int
		findings []ScoredFinding
		w        Weights
		want     int
	}{
		{"no findings", 3, nil, dw, 0},
		{"only fixed", 5, []ScoredFinding{{95, "Fixed"}, {80, "fixed"}, {50, " FIXED "}}, dw, 0},
		{"no QDS", 5, open(0, -1), dw, 0},
		{"one critical, default ACS", 2, open(95), dw, 532},
		{"critical above 100 counts as 100", 1, open(250), dw, 280},
		{"statuses that count", 1, []ScoredFinding{{60, "New"}, {60, "Active"}, {60, "Re-Opened"}, {60, ""}}, dw,
			int(math.Round(0.7 * 60 * math.Pow(4, 0.01)))},
		{"fixed left out of the average", 1, []ScoredFinding{{70, "Active"}, {89, "Fixed"}}, dw, 98},
		{"count factor", 1, open(80, 80, 80, 80, 80, 80, 80, 80, 80, 80), dw, int(math.Round(1.4 * 80 * math.Pow(10, 0.01)))},
		{"capped at 1000", 5, open(100, 95, 80, 50, 10), dw, 1000},
		{"ACS below 1 clamped to 1", 0, open(95), dw, 266},
		{"ACS above 5 clamped to 5", 9, open(50), dw, 175},
		{"half rounds away from zero", 1, open(1), Weights{0.5, 0.5, 0.5, 0.5}, 1},
		{"below half rounds down", 1, open(1), Weights{0.4, 0.4, 0.4, 0.4}, 0},
		{"zero weight drops a bucket", 5, open(95, 20), Weights{Critical: 1}, 475},
		{"NaN weights: 0, no panic", 3, open(95), Weights{Critical: math.NaN()}, 0},
		{"negative weights: 0", 3, open(95), Weights{Critical: -1}, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := TruRisk(tt.acs, tt.findings, tt.w); got != tt.want {
				t.Errorf("TruRisk = %d, want %d", got, tt.want)
			}
		})
	}
}

func TestExplain(t *testing.T) {
	fs := []ScoredFinding{{95, "Active"}, {91, "New"}, {75, "Re-Opened"}, {98, "Fixed"}, {0, "Active"}}
	bd := Explain(3, fs, DefaultWeights())
	if bd.ACS != 3 || bd.Excluded != 2 {
		t.Errorf("ACS, Excluded = %d, %d; want 3, 2", bd.ACS, bd.Excluded)
	}
	c, h := bd.Buckets[Critical], bd.Buckets[High]
	if c.Bucket != Critical || c.Count != 2 || c.Total != 186 || c.Avg != 93 || c.Weight != 2.8 {
		t.Errorf("critical = %+v", c)
	}
	if h.Count != 1 || h.Avg != 75 || h.CountFactor != 1 || h.Contribution != 1.4*75 {
		t.Errorf("high = %+v", h)
	}
	for _, b := range []Bucket{Medium, Low} {
		if bs := bd.Buckets[b]; bs.Bucket != b || bs.Count != 0 || bs.Contribution != 0 || bs.CountFactor != 0 {
			t.Errorf("%v = %+v, want empty", b, bs)
		}
	}
	wantSum := 2.8*93*math.Pow(2, 0.01) + 1.4*75
	if math.Abs(bd.Sum-wantSum) > 1e-9 || math.Abs(bd.Raw-3*wantSum) > 1e-9 {
		t.Errorf("Sum, Raw = %v, %v; want %v, %v", bd.Sum, bd.Raw, wantSum, 3*wantSum)
	}
	if bd.Score != 1000 || bd.Band != BandSevere {
		t.Errorf("Score, Band = %d, %q", bd.Score, bd.Band)
	}
	if got := TruRisk(3, fs, DefaultWeights()); got != bd.Score {
		t.Errorf("TruRisk = %d, Explain.Score = %d", got, bd.Score)
	}
}

func TestBand(t *testing.T) {
	tests := []struct {
		score int
		want  string
	}{
		{-1, BandLow}, {0, BandLow}, {499, BandLow},
		{500, BandMedium}, {699, BandMedium},
		{700, BandHigh}, {849, BandHigh},
		{850, BandSevere}, {1000, BandSevere}, {1001, BandSevere},
	}
	for _, tt := range tests {
		if got := Band(tt.score); got != tt.want {
			t.Errorf("Band(%d) = %q, want %q", tt.score, got, tt.want)
		}
	}
}

// TestDefaultWeightsRationale checks the claims DefaultWeights and
// docs/risk.md make about the default weights.
func TestDefaultWeightsRationale(t *testing.T) {
	w := DefaultWeights()
	if err := w.Validate(); err != nil {
		t.Fatal(err)
	}
	// One critical finding: ACS 1, 2, 3, 4 → low, medium, high, severe, for
	// every QDS in the bucket.
	wantBand := map[int]string{1: BandLow, 2: BandMedium, 3: BandHigh, 4: BandSevere, 5: BandSevere}
	for q := 90; q <= 100; q++ {
		for acs := 1; acs <= 5; acs++ {
			if got := Band(TruRisk(acs, open(q), w)); got != wantBand[acs] {
				t.Errorf("QDS %d, ACS %d: band %s, want %s", q, acs, got, wantBand[acs])
			}
		}
	}
	// One typical finding per bucket on a default-ACS asset: 847, high.
	if got := TruRisk(DefaultACS, open(95, 80, 55, 20), w); got != 847 {
		t.Errorf("typical mix at ACS 2 = %d, want 847", got)
	}
	// Medium and low findings alone never leave the low band, even a million
	// of each at the top of their buckets on an ACS 5 asset.
	if worst := 5 * (w.Medium*69 + w.Low*39) * math.Pow(1e6, 0.01); worst >= 499.5 {
		t.Errorf("medium+low worst case = %v, reaches medium", worst)
	}
	if got := TruRisk(5, append(open(69, 69, 69), open(39, 39)...), w); Band(got) != BandLow {
		t.Errorf("medium+low at ACS 5 = %d, not low", got)
	}
	// A critical weight of 1 would cap a default-ACS asset with one critical
	// finding at 200 and an ACS 5 asset at 500.
	w1 := Weights{Critical: 1}
	if a, b := TruRisk(2, open(100), w1), TruRisk(5, open(100), w1); a != 200 || b != 500 {
		t.Errorf("critical weight 1: %d, %d; want 200, 500", a, b)
	}
	// The one-decimal critical weights with the ladder property: only 2.8.
	var found []float64
	for k := 1; k <= 100; k++ {
		c := float64(k) / 10
		ok := true
		for q := 90; q <= 100 && ok; q++ {
			for acs := 1; acs <= 4 && ok; acs++ {
				ok = Band(TruRisk(acs, open(q), Weights{Critical: c})) == wantBand[acs]
			}
		}
		if ok {
			found = append(found, c)
		}
	}
	if len(found) != 1 || found[0] != 2.8 {
		t.Errorf("one-decimal critical weights with the ladder property: %v, want [2.8]", found)
	}
}
