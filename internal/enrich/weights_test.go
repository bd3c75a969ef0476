package enrich

import (
	"math"
	"strings"
	"testing"
)

func TestWeightsValidate(t *testing.T) {
	tests := []struct {
		name string
		w    Weights
		want []string // one substring per expected problem, in order; nil means valid
	}{
		{"defaults", DefaultWeights(), nil},
		{"equal weights", Weights{1, 1, 1, 1}, nil},
		{"zeros below", Weights{Critical: 1}, nil},
		{"maximum", Weights{10, 10, 10, 10}, nil},
		{"all zero", Weights{}, []string{"weights: at least one weight must be above 0"}},
		{"negative", Weights{1, 0.5, -0.1, 0}, []string{"weights.medium: must not be negative, got -0.1"}},
		{"NaN", Weights{math.NaN(), 1, 0.5, 0.1}, []string{"weights.critical: must be a finite number, got NaN"}},
		{"infinite", Weights{2, 1, 0.5, math.Inf(1)}, []string{"weights.low: must be a finite number, got +Inf"}},
		{"too large", Weights{12, 1, 0.5, 0.1}, []string{"weights.critical: must be at most 10, got 12"}},
		{"increasing", Weights{1, 2, 0.5, 0.1}, []string{"weights.high: must not exceed weights.critical (2 > 1)"}},
		{"every problem at once", Weights{math.NaN(), -1, 0.5, 0.6}, []string{
			"weights.critical: must be a finite number",
			"weights.high: must not be negative",
			"weights.low: must not exceed weights.medium (0.6 > 0.5)",
		}},
		{"two orderings", Weights{0.1, 0.2, 0.3, 0.4}, []string{
			"weights.high: must not exceed weights.critical",
			"weights.medium: must not exceed weights.high",
			"weights.low: must not exceed weights.medium",
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.w.Validate()
			if tt.want == nil {
				if err != nil {
					t.Fatalf("Validate() = %v, want nil", err)
				}
				return
			}
			if err == nil {
				t.Fatalf("Validate() = nil, want %d problems", len(tt.want))
			}
			lines := strings.Split(err.Error(), "\n")
			if len(lines) != len(tt.want) {
				t.Fatalf("Validate() reported %d problems, want %d:\n%v", len(lines), len(tt.want), err)
			}
			for i, w := range tt.want {
				if !strings.Contains(lines[i], w) {
					t.Errorf("problem %d = %q, want it to contain %q", i, lines[i], w)
				}
			}
		})
	}
}

func TestWeightsFor(t *testing.T) {
	w := Weights{4, 3, 2, 1}
	for b, want := range map[Bucket]float64{Critical: 4, High: 3, Medium: 2, Low: 1, Bucket(9): 0} {
		if got := w.For(b); got != want {
			t.Errorf("For(%v) = %v, want %v", b, got, want)
		}
	}
}

func TestBucket(t *testing.T) {
	tests := []struct {
		qds  int
		want Bucket
		ok   bool
	}{
		{-5, 0, false}, {0, 0, false},
		{1, Low, true}, {39, Low, true},
		{40, Medium, true}, {69, Medium, true},
		{70, High, true}, {89, High, true},
		{90, Critical, true}, {100, Critical, true}, {101, Critical, true},
	}
	for _, tt := range tests {
		if got, ok := BucketOf(tt.qds); got != tt.want || ok != tt.ok {
			t.Errorf("BucketOf(%d) = %v, %v; want %v, %v", tt.qds, got, ok, tt.want, tt.ok)
		}
	}
	for b, want := range map[Bucket]string{Critical: "critical", High: "high", Medium: "medium", Low: "low", -1: "Bucket(-1)"} {
		if got := b.String(); got != want {
			t.Errorf("Bucket(%d).String() = %q, want %q", int(b), got, want)
		}
	}
}
