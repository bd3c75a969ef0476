// Package sqlite is qflow's embedded store: SQLite through the pure-Go
// modernc.org/sqlite driver, in WAL mode, with one writer connection and
// batched transactions. It implements store.Store: it looks up, applies
// and answers reads; internal/load decides.
package sqlite

import (
	"context"
	"database/sql"
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"net/url"
	"os"
	"path/filepath"
	gosync "sync"
	"time"

	"github.com/pressly/goose/v3"

	"github.com/qflow/qflow/internal/store"
	_ "modernc.org/sqlite" // registers the "sqlite" driver
)

//go:embed migrations/*.sql
var migrations embed.FS

// Store is a SQLite database holding qflow's data.
type Store struct {
	path string
	w    *sql.DB // the one writer connection
	r    *sql.DB // readers
	log  *slog.Logger
	// swCache maps software catalog keys to ids of committed entries. It
	// is filled after a commit, when the next transaction may already hold
	// the writer: swMu guards it.
	swMu    gosync.Mutex
	swCache map[swKey]int64

	mu      gosync.Mutex
	running map[string]bool // run locks held in this process

	// The checkpointer copies committed WAL frames into the database file
	// on its own connection, off the writer's path (see checkpointer).
	ckpt     chan struct{} // a commit happened (buffer 1)
	ckptNow  chan struct{} // a run ended: checkpoint without waiting (buffer 1)
	ckptStop context.CancelFunc
	ckptDone chan struct{}
}

var _ store.Store = (*Store)(nil)

// Open opens (creating if needed) the database at path and applies pending
// migrations.
func Open(ctx context.Context, path string, logger *slog.Logger) (*Store, error) {
	return open(ctx, path, logger, checkpointInterval)
}

// open is Open with the background checkpoints at most every ckptEvery.
func open(ctx context.Context, path string, logger *slog.Logger, ckptEvery time.Duration) (*Store, error) {
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	abs, err := filepath.Abs(path)
	if err != nil {
		return nil, fmt.Errorf("sqlite: database path %q: %w", path, err)
	}
	if err := create(ctx, abs); err != nil {
		return nil, err
	}
	// Page caches are what bounds the store's memory: the writer gets 16 MiB,
	// each of the (at most 4) readers 4 MiB, whatever the data size. Larger
	// caches bought no speed (`qflow bench`, 10k hosts or assets: the same
	// wall time with 64/16 MiB) but cost up to 128 MiB of RSS once filled.
	// The writer checkpoints the WAL every 8192 pages (128 MiB of 16 KiB
	// pages, 32 MiB in a file of 4 KiB pages) instead of SQLite's 1000: a
	// sync rewrites the same index pages batch after batch, and each
	// checkpoint copies them into the file again (BenchmarkLoad: ~6 %). At
	// 16 KiB pages a 32 MiB limit made the writer checkpoint, with an
	// fsync, in the middle of an incremental VMDR run of 100 hosts, whose
	// random updates write whole pages: 1.01-1.07 s against 0.79-0.90 s at
	// 8192 pages and 0.89-0.93 s with 4 KiB pages (`qflow bench
	// --incremental-after 1%`, alternated; full syncs the same).
	dsn := func(txlock string, cacheKiB int) string {
		q := url.Values{}
		for _, p := range []string{"journal_mode(WAL)", "busy_timeout(15000)", "foreign_keys(1)", "synchronous(NORMAL)", fmt.Sprintf("wal_autocheckpoint(%d)", walPages), fmt.Sprintf("cache_size(-%d)", cacheKiB)} {
			q.Add("_pragma", p)
		}
		if txlock != "" {
			q.Set("_txlock", txlock)
		}
		return "file:" + abs + "?" + q.Encode()
	}
	w, err := sql.Open("sqlite", dsn("immediate", writerCacheKiB))
	if err != nil {
		return nil, fmt.Errorf("sqlite: open %s: %w", abs, err)
	}
	w.SetMaxOpenConns(1)
	if err := w.PingContext(ctx); err != nil {
		w.Close()
		return nil, fmt.Errorf("sqlite: open %s: %w (is the directory writable?)", abs, err)
	}
	r, err := sql.Open("sqlite", dsn("", 4096))
	if err != nil {
		w.Close()
		return nil, fmt.Errorf("sqlite: open %s: %w", abs, err)
	}
	r.SetMaxOpenConns(4)
	s := &Store{path: abs, w: w, r: r, log: logger, swCache: map[swKey]int64{}, running: map[string]bool{},
		ckpt: make(chan struct{}, 1), ckptNow: make(chan struct{}, 1), ckptDone: make(chan struct{})}
	cctx, stop := context.WithCancel(context.WithoutCancel(ctx))
	s.ckptStop = stop
	go s.checkpointer(cctx, ckptEvery)
	if err := s.migrate(ctx); err != nil {
		s.Close()
		return nil, err
	}
	return s, nil
}

// pageSize is the page size of a database qflow creates. With SQLite's
// default of 4 KiB every page written to the WAL costs its own system
// calls. With 16 KiB pages (runs alternated with 4 KiB): a full VMDR sync
// of 10,000 hosts into a filled database took 15 % less time, a first CSAM
// load 6 % less, a first VMDR load the same; peak RSS fell by 10-25 MB (the
// caches are sized in KiB, not pages) and the VMDR file by 7 %.
const pageSize = 16384

// walPages is how many WAL pages the writer lets grow before it
// checkpoints (see Open).
const walPages = 8192

// create gives a new (absent or empty) database file at path its page
// size, and checks that a file that exists is a database. The page size
// is fixed once the file has a header, and Open's connections set
// journal_mode=WAL, which writes one, before any other pragma could run;
// so a plain connection writes the header first. An existing database
// keeps its page size (VACUUM would change it).
func create(ctx context.Context, path string) error {
	db, err := sql.Open("sqlite", "file:"+path+"?_pragma=busy_timeout(15000)")
	if err != nil {
		return fmt.Errorf("sqlite: create %s: %w", path, err)
	}
	defer db.Close()
	if fi, err := os.Stat(path); err != nil || fi.Size() == 0 {
		for _, q := range []string{fmt.Sprintf("PRAGMA page_size=%d", pageSize), "PRAGMA journal_mode=WAL"} {
			if _, err := db.ExecContext(ctx, q); err != nil {
				return fmt.Errorf("sqlite: create %s: %s: %w (is the directory writable?)", path, q, err)
			}
		}
	}
	// schema_version reads the header, which page_size alone does not.
	var v int
	if err := db.QueryRowContext(ctx, "PRAGMA schema_version").Scan(&v); err != nil {
		return fmt.Errorf("sqlite: open %s: %w (is it an SQLite database?)", path, err)
	}
	return db.Close()
}

// Page cache sizes (KiB) of the writer connection, and of the writer while
// it builds a deferred index (see restoreIndexes).
const (
	writerCacheKiB = 16384
	buildCacheKiB  = 2048
)

// checkpointInterval is the least time between two background checkpoints.
const checkpointInterval = 200 * time.Millisecond

// checkpointer runs passive WAL checkpoints on a reader connection after
// commits, at most one per interval every, until ctx ends. A passive
// checkpoint never blocks the writer; it copies the frames committed so
// far into the database file, so that the writer's own checkpoint (every
// 8192 pages of WAL) finds little left to copy: in the profiles that copy
// was some 5 % of the writer's time, on the sync's critical path.
//
// When a run ends (its run lock is released) it checkpoints at once: the
// last transactions' frames then go into the file, with their fsync, while
// the caller reads its summary, instead of in Close, which copies whatever
// is left and is the last thing a `qflow sync` waits for. In an
// incremental VMDR sync of 100 changed hosts Close took 0.17-0.25 s, most
// of it that copy. A checkpoint is never interrupted: Close waits for the
// one under way, whose work it would otherwise redo.
func (s *Store) checkpointer(ctx context.Context, every time.Duration) {
	defer close(s.ckptDone)
	run := context.WithoutCancel(ctx)
	for {
		select {
		case <-ctx.Done():
			return
		case <-s.ckpt:
		case <-s.ckptNow:
		}
		var busy, log, done int
		if err := s.r.QueryRowContext(run, `PRAGMA wal_checkpoint(PASSIVE)`).Scan(&busy, &log, &done); err != nil {
			s.log.Debug("sqlite: background checkpoint", "error", err)
		}
		select {
		case <-ctx.Done():
			return
		case <-time.After(every):
		case <-s.ckptNow:
			wake(s.ckpt)
		}
	}
}

// wake signals ch (buffer 1) unless a signal is pending.
func wake(ch chan struct{}) {
	select {
	case ch <- struct{}{}:
	default:
	}
}

func (s *Store) migrate(ctx context.Context) error {
	sub, err := fs.Sub(migrations, "migrations")
	if err != nil {
		return fmt.Errorf("sqlite: migrations: %w", err)
	}
	p, err := goose.NewProvider(goose.DialectSQLite3, s.w, sub)
	if err != nil {
		return fmt.Errorf("sqlite: migrations: %w", err)
	}
	res, err := p.Up(ctx)
	if err != nil {
		return fmt.Errorf("sqlite: migrate %s: %w", s.path, err)
	}
	for _, r := range res {
		s.log.Debug("migration applied", "version", r.Source.Version, "path", r.Source.Path)
		if r.Source.Version == 5 {
			// Findings stored before enrichment and risk existed: ask for
			// their KnowledgeBase columns, derived QDS and asset scores
			// (load.Upgrade does it when the store is opened).
			if _, err := s.w.ExecContext(ctx, `INSERT INTO settings (key, value) VALUES ('upgrade.rescore', '1') ON CONFLICT (key) DO NOTHING`); err != nil {
				return fmt.Errorf("sqlite: migrate %s: %w", s.path, err)
			}
		}
	}
	return nil
}

// Path returns the database file's absolute path.
func (s *Store) Path() string { return s.path }

// Dialect implements store.Store.
func (s *Store) Dialect() string { return "sqlite" }

// Location implements store.Store: the file's path.
func (s *Store) Location() string { return s.path }

// DB returns a read-only handle pool for queries.
func (s *Store) DB() *sql.DB { return s.r }

// Close closes the database.
func (s *Store) Close() error {
	s.ckptStop()
	<-s.ckptDone
	return errors.Join(s.r.Close(), s.w.Close())
}
