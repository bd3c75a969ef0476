// Command qflow is the open-source dataflow connector for Qualys: CLI,
// simulator and sync engine in one binary.
package main

import (
	"context"
	"os"
	"os/signal"
	"runtime/debug"
	"syscall"

	"github.com/qflow/qflow/internal/cli"
)

func main() {
	gcDefaults()
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := cli.Execute(ctx, cli.DefaultEnv(), os.Args[1:])
	stop()
	os.Exit(code)
}

// gcDefaults paces the garbage collector for qflow's work unless the user
// set GOGC or GOMEMLIMIT: a sync allocates gigabytes of short-lived records
// over a live heap of some 30-50 MB per source, and at Go's default (a
// collection each time the heap doubles) collecting was about a tenth of
// its CPU. At GOGC=200, a sync of 10,000 VMDR hosts took 21.1 and 22.7 s
// against 22.3 and 24.3 s, with peak RSS 115-121 MB against 96 MB (qflow
// sync against qflow sim, runs alternated; docs/benchmarks.md). The soft
// limit keeps the heap of a sync of all sources at once (three chains)
// from tripling too: the collector works harder past it instead.
func gcDefaults() {
	if _, set := os.LookupEnv("GOGC"); !set {
		debug.SetGCPercent(200)
	}
	if _, set := os.LookupEnv("GOMEMLIMIT"); !set {
		debug.SetMemoryLimit(128 << 20)
	}
}
