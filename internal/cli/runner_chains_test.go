package cli

import (
	"slices"
	"testing"
)

// CSAM (the gateway) runs side by side with the API server's sources, which
// go one after the other, the KnowledgeBase before VMDR.
func TestSourceChains(t *testing.T) {
	for _, tc := range []struct {
		source string
		want   [][]string
	}{
		{"all", [][]string{{"csam"}, {"kb", "vmdr"}}},
		{"csam", [][]string{{"csam"}}},
		{"vmdr", [][]string{{"vmdr"}}},
		{"kb", [][]string{{"kb"}}},
	} {
		names, err := sourceNames(tc.source)
		if err != nil {
			t.Fatal(err)
		}
		got := sourceChains(names)
		if !slices.EqualFunc(got, tc.want, slices.Equal) {
			t.Errorf("--source %s: chains %v, want %v", tc.source, got, tc.want)
		}
	}
}
