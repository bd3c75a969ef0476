-- +goose Up
-- The summary every sync prints counts the findings by status, type,
-- severity, ignored, disabled and state, and ranks the QIDs by the hosts
-- they are open on: each a scan of an index of every finding (0.1 s at
-- 281,000 findings, ten times that at 100,000 hosts), for an incremental
-- run that wrote a few thousand. These two tables keep those counts, by
-- triggers on findings; a row is one group and its findings (n, 0 once the
-- group is empty). k is the group's values, quoted, so that NULL and each
-- type stay apart. A first load drops the triggers with findings_qid and
-- counts the groups when it builds the index (deferred.go).
CREATE TABLE finding_counts (
    k           TEXT PRIMARY KEY,
    status      TEXT,
    type        TEXT,
    severity    INTEGER,
    is_ignored  INTEGER,
    is_disabled INTEGER,
    state       TEXT NOT NULL,
    n           INTEGER NOT NULL
) WITHOUT ROWID;

CREATE TABLE finding_qid_counts (
    k      TEXT PRIMARY KEY,
    qid    INTEGER NOT NULL,
    state  TEXT NOT NULL,
    status TEXT,
    type   TEXT,
    n      INTEGER NOT NULL
) WITHOUT ROWID;

INSERT INTO finding_counts (k, status, type, severity, is_ignored, is_disabled, state, n)
SELECT quote(status) || ',' || quote(type) || ',' || quote(severity) || ',' || quote(is_ignored) || ',' || quote(is_disabled) || ',' || quote(state),
       status, type, severity, is_ignored, is_disabled, state, count(*)
FROM findings GROUP BY status, type, severity, is_ignored, is_disabled, state;

INSERT INTO finding_qid_counts (k, qid, state, status, type, n)
SELECT quote(qid) || ',' || quote(state) || ',' || quote(status) || ',' || quote(type), qid, state, status, type, count(*)
FROM findings GROUP BY qid, state, status, type;

-- One trigger per kind of write, each keeping both tables: a trigger's
-- program costs more to start than its statements do to run.
-- +goose StatementBegin
CREATE TRIGGER finding_counts_insert AFTER INSERT ON findings BEGIN
    INSERT INTO finding_counts (k, status, type, severity, is_ignored, is_disabled, state, n)
    VALUES (quote(new.status) || ',' || quote(new.type) || ',' || quote(new.severity) || ',' || quote(new.is_ignored) || ',' || quote(new.is_disabled) || ',' || quote(new.state),
            new.status, new.type, new.severity, new.is_ignored, new.is_disabled, new.state, 1)
    ON CONFLICT (k) DO UPDATE SET n = n + 1;
    INSERT INTO finding_qid_counts (k, qid, state, status, type, n)
    VALUES (quote(new.qid) || ',' || quote(new.state) || ',' || quote(new.status) || ',' || quote(new.type), new.qid, new.state, new.status, new.type, 1)
    ON CONFLICT (k) DO UPDATE SET n = n + 1;
END;
-- +goose StatementEnd

-- +goose StatementBegin
CREATE TRIGGER finding_counts_delete AFTER DELETE ON findings BEGIN
    UPDATE finding_counts SET n = n - 1
    WHERE k = quote(old.status) || ',' || quote(old.type) || ',' || quote(old.severity) || ',' || quote(old.is_ignored) || ',' || quote(old.is_disabled) || ',' || quote(old.state);
    UPDATE finding_qid_counts SET n = n - 1
    WHERE k = quote(old.qid) || ',' || quote(old.state) || ',' || quote(old.status) || ',' || quote(old.type);
END;
-- +goose StatementEnd

-- An update moves the finding from its old groups to its new ones (the
-- same group when only the other table's columns changed: no change).
-- +goose StatementBegin
CREATE TRIGGER finding_counts_update AFTER UPDATE OF qid, state, status, type, severity, is_ignored, is_disabled ON findings
WHEN old.qid IS NOT new.qid OR old.state IS NOT new.state OR old.status IS NOT new.status OR old.type IS NOT new.type
  OR old.severity IS NOT new.severity OR old.is_ignored IS NOT new.is_ignored OR old.is_disabled IS NOT new.is_disabled
BEGIN
    UPDATE finding_counts SET n = n - 1
    WHERE k = quote(old.status) || ',' || quote(old.type) || ',' || quote(old.severity) || ',' || quote(old.is_ignored) || ',' || quote(old.is_disabled) || ',' || quote(old.state);
    UPDATE finding_qid_counts SET n = n - 1
    WHERE k = quote(old.qid) || ',' || quote(old.state) || ',' || quote(old.status) || ',' || quote(old.type);
    INSERT INTO finding_counts (k, status, type, severity, is_ignored, is_disabled, state, n)
    VALUES (quote(new.status) || ',' || quote(new.type) || ',' || quote(new.severity) || ',' || quote(new.is_ignored) || ',' || quote(new.is_disabled) || ',' || quote(new.state),
            new.status, new.type, new.severity, new.is_ignored, new.is_disabled, new.state, 1)
    ON CONFLICT (k) DO UPDATE SET n = n + 1;
    INSERT INTO finding_qid_counts (k, qid, state, status, type, n)
    VALUES (quote(new.qid) || ',' || quote(new.state) || ',' || quote(new.status) || ',' || quote(new.type), new.qid, new.state, new.status, new.type, 1)
    ON CONFLICT (k) DO UPDATE SET n = n + 1;
END;
-- +goose StatementEnd

-- +goose Down
DELETE FROM deferred_indexes WHERE name IN ('finding_counts_insert', 'finding_counts_delete', 'finding_counts_update');
DROP TRIGGER IF EXISTS finding_counts_insert;
DROP TRIGGER IF EXISTS finding_counts_delete;
DROP TRIGGER IF EXISTS finding_counts_update;
DROP TABLE finding_counts;
DROP TABLE finding_qid_counts;
