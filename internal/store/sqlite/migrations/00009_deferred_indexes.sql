-- +goose Up
-- deferred_indexes: secondary indexes a first load into an empty table
-- dropped, to build once at the end of its run (see deferred.go). The
-- entries of these indexes (installs by software, findings by QID) arrive
-- in random order: maintained row by row, every transaction rewrites pages
-- all over the index. A row here means the index is missing until the run
-- that holds the lock ends, or the next run under that lock starts.
CREATE TABLE deferred_indexes (
    name        TEXT PRIMARY KEY,  -- the index
    lock_key    TEXT NOT NULL,     -- source/subscription of the run that dropped it
    run_id      INTEGER,
    sql         TEXT NOT NULL,     -- its CREATE INDEX statement, as sqlite_master held it
    deferred_at TEXT NOT NULL
);

-- +goose Down
DROP TABLE deferred_indexes;
