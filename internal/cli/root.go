// Package cli is qflow's command tree: it builds explicit values (client,
// source, store, engine) from flags and environment and runs them.
package cli

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net"
	"os"
	"strings"

	"github.com/spf13/cobra"
)

// Env is what the commands get from the process: streams and environment.
type Env struct {
	Stdout, Stderr io.Writer
	Getenv         func(string) string
	// IsTerminal reports whether stderr is an interactive terminal.
	IsTerminal bool
	// DialContext, when set, makes every connection to Qualys (tests point
	// it at a simulator on an in-memory network); nil dials the network.
	DialContext func(ctx context.Context, network, addr string) (net.Conn, error)
}

type globals struct {
	env      Env
	logLevel string
	logJSON  bool
}

func (g *globals) logger() *slog.Logger {
	var lvl slog.Level
	if err := lvl.UnmarshalText([]byte(g.logLevel)); err != nil {
		lvl = slog.LevelInfo
	}
	opts := &slog.HandlerOptions{Level: lvl}
	if g.logJSON {
		return slog.New(slog.NewJSONHandler(g.env.Stderr, opts))
	}
	return slog.New(slog.NewTextHandler(g.env.Stderr, opts))
}

// Execute runs the qflow command line with args and returns the exit code.
func Execute(ctx context.Context, env Env, args []string) int {
	g := &globals{env: env}
	root := &cobra.Command{
		Use:   "qflow",
		Short: "qflow pulls Qualys CSAM and VMDR data into a database you own",
		Long: `qflow is an open-source dataflow connector for Qualys: it extracts host assets
(CSAM) and vulnerability detections (VMDR), transforms them through declarative
transform maps, and loads them into SQLite (default) or PostgreSQL.

Quick start:  qflow demo`,
		SilenceUsage:  true,
		SilenceErrors: true,
	}
	root.SetOut(env.Stdout)
	root.SetErr(env.Stderr)
	root.SetArgs(args)
	root.PersistentFlags().StringVar(&g.logLevel, "log-level", "info", "log level: debug, info, warn, error")
	root.PersistentFlags().BoolVar(&g.logJSON, "log-json", false, "write logs as JSON lines")
	root.AddCommand(newDemoCmd(g), newSyncCmd(g), newSimCmd(g), newMapCmd(g), newRulesCmd(g), newChangesCmd(g), newRiskCmd(g), newCopyCmd(g), newBenchCmd(g))
	if err := root.ExecuteContext(ctx); err != nil {
		msg := err.Error()
		if !strings.HasPrefix(msg, "qflow") {
			msg = "qflow: " + msg
		}
		fmt.Fprintln(env.Stderr, msg)
		return 1
	}
	return 0
}

// DefaultEnv returns the Env of the running process.
func DefaultEnv() Env {
	return Env{Stdout: os.Stdout, Stderr: os.Stderr, Getenv: os.Getenv, IsTerminal: isTerminal(os.Stderr)}
}
