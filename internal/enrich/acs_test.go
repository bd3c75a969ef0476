package enrich

import "testing"

func TestACS(t *testing.T) {
	tests := []struct {
		name  string
		score *int
		tags  []int
		want  int
	}{
		{"nothing set: default 2", nil, nil, 2},
		{"no tags with criticality", nil, []int{0, 0}, 2},
		{"CSAM score only", new(3), nil, 3},
		{"tag only", nil, []int{5}, 5},
		{"tag of 1 lowers the default", nil, []int{1}, 1},
		{"highest wins: tag", new(3), []int{4, 2}, 4},
		{"highest wins: CSAM", new(5), []int{1, 4}, 5},
		{"CSAM 2 beats tag 1", new(2), []int{1}, 2},
		{"out-of-range values ignored", new(7), []int{0, 6, -1, 3}, 3},
		{"all out of range: default", new(0), []int{9, -2}, 2},
		{"bounds", new(1), []int{5}, 5},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := ACS(tt.score, tt.tags); got != tt.want {
				t.Errorf("ACS = %d, want %d", got, tt.want)
			}
		})
	}
}
