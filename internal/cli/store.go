package cli

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"os"
	"strings"

	"github.com/spf13/pflag"

	"github.com/qflow/qflow/internal/load"
	"github.com/qflow/qflow/internal/store"
	"github.com/qflow/qflow/internal/store/postgres"
	"github.com/qflow/qflow/internal/store/sqlite"
)

// envDatabaseURL names the environment variable that selects the store when
// --database-url is not given.
const envDatabaseURL = "QFLOW_DATABASE_URL"

// dbFlags select a store: --database-url (postgres://… or sqlite:FILE),
// else --db FILE when given, else QFLOW_DATABASE_URL, else the SQLite file
// qflow.db.
type dbFlags struct {
	File string
	URL  string
	// fl is the flag set holding --db, to tell an explicit --db from the
	// default (nil: File is explicit).
	fl *pflag.FlagSet
}

// register adds --db and --database-url to fl.
func (d *dbFlags) register(fl *pflag.FlagSet, what string) {
	d.fl = fl
	fl.StringVar(&d.File, "db", "qflow.db", "SQLite database file "+what+" (the embedded default)")
	fl.StringVar(&d.URL, "database-url", "", "database URL instead of --db: postgres://user@host:5432/db or sqlite:FILE (default $"+envDatabaseURL+")")
}

// target resolves the flags and the environment to a driver and where.
func (d dbFlags) target(g *globals) (driver, where string, err error) {
	u := d.URL
	explicitFile := d.fl == nil || d.fl.Changed("db")
	if u == "" && !explicitFile && g.env.Getenv != nil {
		u = g.env.Getenv(envDatabaseURL)
	}
	switch {
	case u == "":
		return "sqlite", d.File, nil
	case strings.HasPrefix(u, "postgres://"), strings.HasPrefix(u, "postgresql://"):
		return "postgres", u, nil
	case strings.HasPrefix(u, "sqlite:"):
		return "sqlite", strings.TrimPrefix(strings.TrimPrefix(u, "sqlite:"), "//"), nil
	}
	return "", "", fmt.Errorf("--database-url %q: want postgres://user@host:5432/db or sqlite:FILE", redactURL(u))
}

// label says where the data is, for messages and summaries (no password).
func (d dbFlags) label(g *globals) string {
	drv, where, err := d.target(g)
	if err != nil {
		return ""
	}
	if drv == "postgres" {
		return redactURL(where)
	}
	return where
}

// flag names the flags that select this store, for hints in messages.
func (d dbFlags) flag(g *globals) string {
	drv, where, _ := d.target(g)
	if drv == "postgres" || d.URL != "" {
		return "--database-url " + redactURL(where)
	}
	return "--db " + where
}

// redactURL hides the password of a database URL.
func redactURL(u string) string {
	at := strings.LastIndex(u, "@")
	scheme := strings.Index(u, "://")
	if at < 0 || scheme < 0 || at < scheme {
		return u
	}
	userinfo := u[scheme+3 : at]
	if i := strings.Index(userinfo, ":"); i >= 0 {
		return u[:scheme+3] + userinfo[:i] + ":xxxxx" + u[at:]
	}
	return u
}

// openMode says what to do when the store does not exist yet.
type openMode int

const (
	// openCreate creates the store (writers: sync, demo, map import).
	openCreate openMode = iota
	// openMustExist fails with a hint (read commands never create one).
	openMustExist
	// openIfExists returns a nil store.
	openIfExists
)

// openStore opens the store the flags select, migrates it and finishes an
// upgrade that needs the engine (load.Upgrade). It is the one place of the
// CLI that knows the drivers.
func openStore(ctx context.Context, g *globals, d dbFlags, mode openMode, log *slog.Logger) (store.Store, error) {
	drv, where, err := d.target(g)
	if err != nil {
		return nil, err
	}
	var st store.Store
	switch drv {
	case "postgres":
		pg, err := postgres.Open(ctx, where, log)
		if err != nil {
			return nil, err
		}
		st = pg
	default:
		if mode != openCreate {
			if _, err := os.Stat(where); errors.Is(err, fs.ErrNotExist) {
				if mode == openIfExists {
					return nil, nil
				}
				return nil, fmt.Errorf("no database at %s: run `qflow sync` (or `qflow demo`) first, or pass --db or --database-url", where)
			}
		}
		lite, err := sqlite.Open(ctx, where, log)
		if err != nil {
			return nil, err
		}
		st = lite
	}
	if err := load.Upgrade(ctx, st); err != nil {
		st.Close()
		return nil, err
	}
	return st, nil
}
