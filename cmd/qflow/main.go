// Command qflow is the open-source dataflow connector for Qualys: CLI,
// simulator and sync engine in one binary.
package main

import (
	"context"
	"os"
	"os/signal"
	"syscall"

	"github.com/qflow/qflow/internal/cli"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := cli.Execute(ctx, cli.DefaultEnv(), os.Args[1:])
	stop()
	os.Exit(code)
}
