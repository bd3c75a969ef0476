package sqlite

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/qflow/qflow/internal/store"
)

// Committed pages reach the database file while the store is open, well
// before the writer's own checkpoint (every 8192 pages of WAL) would copy
// them: the background checkpointer does it. Close stops it.
func TestBackgroundCheckpoint(t *testing.T) {
	path := filepath.Join(t.TempDir(), "ckpt.db")
	st, err := Open(t.Context(), path, nil)
	if err != nil {
		t.Fatal(err)
	}
	size := func() int64 {
		fi, err := os.Stat(path)
		if err != nil {
			t.Fatal(err)
		}
		return fi.Size()
	}
	before := size()
	big := strings.Repeat("x", 2<<20) // 128 pages of 16 KiB: far below the writer's checkpoint
	err = st.Update(t.Context(), store.Lock{}, func(tx store.Tx) error { return tx.SetSetting(t.Context(), "big", big) })
	if err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(10 * time.Second)
	for size() < before+int64(len(big)) && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	if got := size(); got < before+int64(len(big)) {
		t.Errorf("database file %d bytes after a 2 MiB commit (%d before): the commit was not checkpointed", got, before)
	}
	done := make(chan error, 1)
	go func() { done <- st.Close() }()
	select {
	case err := <-done:
		if err != nil {
			t.Error(err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("Close did not return: the checkpointer did not stop")
	}
}

// When a run ends, its last commits reach the database file at once, not
// after the checkpointer's interval nor in Close: the caller's summary reads
// overlap that copy (and its fsync) instead of waiting for it at the end.
func TestCheckpointWhenARunEnds(t *testing.T) {
	path := filepath.Join(t.TempDir(), "ckpt.db")
	st, err := open(t.Context(), path, nil, time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	size := func() int64 {
		fi, err := os.Stat(path)
		if err != nil {
			t.Fatal(err)
		}
		return fi.Size()
	}
	grows := func(from int64, what string) int64 {
		t.Helper()
		deadline := time.Now().Add(10 * time.Second)
		for size() < from+2<<20 && time.Now().Before(deadline) {
			time.Sleep(10 * time.Millisecond)
		}
		got := size()
		if got < from+2<<20 {
			t.Fatalf("database file %d bytes (%d before) after %s: not checkpointed", got, from, what)
		}
		return got
	}
	set := func(lock store.Lock, key string) {
		t.Helper()
		big := strings.Repeat(key, 2<<20)
		if err := st.Update(t.Context(), lock, func(tx store.Tx) error { return tx.SetSetting(t.Context(), key, big) }); err != nil {
			t.Fatal(err)
		}
	}
	// The first commit is checkpointed at once; then the checkpointer
	// waits its interval (an hour here) before the next.
	set(store.Lock{}, "a")
	n := grows(size(), "the first commit")
	lock := store.Lock{Source: "vmdr", Subscription: "default"}
	unlock, err := st.LockRun(t.Context(), lock)
	if err != nil {
		t.Fatal(err)
	}
	set(lock, "b")
	unlock() // the run ends
	grows(n, "the run ended")
}
