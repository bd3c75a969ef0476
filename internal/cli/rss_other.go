//go:build !unix

package cli

import "os"

// peakRSSMB is not measured on this system.
func peakRSSMB(*os.ProcessState) float64 { return 0 }
