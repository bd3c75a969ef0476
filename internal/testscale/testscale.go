// Package testscale sizes the data of tests to what they prove. Under the
// race detector, or with -short, a test gets its small size: a few hundred
// records still make several pages, partitions and batches, so every path
// is taken. Otherwise it gets its full size. CI runs the suite both ways:
// `go test -race ./...` (small) and, in a step of its own, the end-to-end
// packages without -race (full).
package testscale

import "testing"

// Small reports whether tests run at their small size: under the race
// detector or with -short.
func Small() bool { return Race || testing.Short() }

// N returns small or full for a test's data size (see Small).
func N(t testing.TB, small, full int) int {
	t.Helper()
	if Small() {
		return small
	}
	return full
}
