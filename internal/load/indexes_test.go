package load_test

import (
	"context"
	"database/sql"
	"fmt"
	"path/filepath"
	"testing"
	"time"

	_ "modernc.org/sqlite"

	"github.com/qflow/qflow/internal/load"
	"github.com/qflow/qflow/internal/store/sqlite"
	"github.com/qflow/qflow/internal/sync"
)

// stalling is a docs source that, before its record at, waits until
// ready says so (or gives up after a while), as a source waits for its
// last pages.
type stalling struct {
	docs
	at    int
	ready func() bool
}

func (s stalling) Extract(ctx context.Context, since time.Time, parts []sync.Partition, emit func(sync.Record) error) error {
	for i, raw := range s.docs {
		if i == s.at {
			for deadline := time.Now().Add(20 * time.Second); !s.ready() && time.Now().Before(deadline); {
				time.Sleep(10 * time.Millisecond)
			}
		}
		if err := emit(sync.Record{Partition: "all", Position: fmt.Sprint(i), Key: fmt.Sprint(i), Raw: []byte(raw)}); err != nil {
			return err
		}
	}
	return emit(sync.Record{Partition: "all", PartitionDone: true})
}

// A first CSAM load into SQLite builds its deferred software index while
// the source waits for its last tenth, and the records written after it
// update the index: the run ends with every install in it, with nothing
// deferred, and the source never waited in vain.
func TestFirstLoadBuildsIndexWhileWaitingForTheLast(t *testing.T) {
	ctx := t.Context()
	path := filepath.Join(t.TempDir(), "q.db")
	st, err := sqlite.Open(ctx, path, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	db, err := sql.Open("sqlite", "file:"+path+"?mode=ro")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	indexed := func() bool {
		var n int
		err := db.QueryRowContext(ctx, `SELECT count(*) FROM sqlite_master WHERE type = 'index' AND name = 'installed_software_software'`).Scan(&n)
		return err == nil && n == 1
	}
	tm := csamMap(t)
	var d docs
	for i := range 20 {
		d = append(d, fmt.Sprintf(`{"assetId":%d,"assetName":"a%d","softwareListData":{"software":[{"fullName":"app%d 1.0","name":"app%d","version":"1.0"},{"fullName":"bash 5","name":"bash","version":"5"}]}}`, i+1, i, i%4, i%4))
	}
	var asks, readyAt int
	src := stalling{docs: d, at: 18, ready: func() bool {
		asks++
		if indexed() {
			if asks == 1 {
				t.Errorf("the software index was there when the source reached its last tenth: the load did not defer it")
			}
			readyAt++
			return true
		}
		return false
	}}
	eng, err := sync.New(sync.Options{Source: src, Store: load.New(st, nil), Transformer: tm, MapName: tm.Map().Name, MapHash: tm.Hash(), BatchSize: 3})
	if err != nil {
		t.Fatal(err)
	}
	run, err := eng.Run(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if readyAt != 1 {
		t.Errorf("the software index was not built while the source waited for its last tenth")
	}
	if run.Counts.New != 20 || run.Counts.SoftwareInstalls != 40 {
		t.Errorf("counts %+v, want 20 new records with 40 installs", run.Counts)
	}
	var viaIndex, all, deferred int
	if err := db.QueryRowContext(ctx, `SELECT (SELECT count(*) FROM installed_software INDEXED BY installed_software_software WHERE software_id > 0),
		(SELECT count(*) FROM installed_software), (SELECT count(*) FROM deferred_indexes)`).Scan(&viaIndex, &all, &deferred); err != nil {
		t.Fatal(err)
	}
	if viaIndex != 40 || all != 40 || deferred != 0 {
		t.Errorf("the index holds %d of %d installs, %d indexes still deferred; want 40 of 40, none", viaIndex, all, deferred)
	}
}
