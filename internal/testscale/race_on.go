//go:build race

package testscale

// Race is true when the binary is built with the race detector.
const Race = true
