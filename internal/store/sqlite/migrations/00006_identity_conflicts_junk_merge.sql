-- +goose Up
-- Identity you can trust (design.md §7): conflicts veto, learned junk never
-- matches, a record that links two assets merges them.

-- identity_conflicts: each row is a veto (a candidate asset rejected because
-- a machine identifier differs: attribute, the record's value, the asset's
-- value) or a candidate kept apart from the chosen asset for the same reason.
ALTER TABLE identity_conflicts ADD COLUMN kind TEXT NOT NULL DEFAULT 'apart';   -- veto | apart
ALTER TABLE identity_conflicts ADD COLUMN attribute TEXT;                       -- the identifier that differs (veto)
ALTER TABLE identity_conflicts ADD COLUMN value TEXT;                           -- the record's value
ALTER TABLE identity_conflicts ADD COLUMN other_value TEXT;                     -- the other asset's value
ALTER TABLE identity_conflicts ADD COLUMN other_asset_id INTEGER;               -- the asset the record was kept off
CREATE INDEX identity_conflicts_run ON identity_conflicts(run_id);

-- identity_junk: identifier values that never match. origin 'learned' (carried
-- by more than the junk threshold of different machines in one subscription)
-- or 'manual' (qflow rules junk --add).
CREATE TABLE identity_junk (
    attribute     TEXT NOT NULL,
    value         TEXT NOT NULL,
    origin        TEXT NOT NULL CHECK (origin IN ('learned','manual')),
    machines      INTEGER,          -- machines seen carrying it when learned (counting stops past the threshold)
    subscription  TEXT,             -- where it was learned
    run_id        INTEGER,
    at            TEXT NOT NULL,
    PRIMARY KEY (attribute, value)
) WITHOUT ROWID;

CREATE INDEX asset_identifiers_asset ON asset_identifiers(asset_id, attribute);

-- changes: asset_merged (old_value: the asset merged away) and asset_split
-- (old_value: the asset the records left; asset_id is the new one).
CREATE TABLE changes_new (
    id          INTEGER PRIMARY KEY,
    run_id      INTEGER NOT NULL,
    kind        TEXT NOT NULL CHECK (kind IN ('asset_new','asset_removed','asset_merged','asset_split','finding_new','finding_fixed','finding_reopened','risk_band')),
    asset_id    INTEGER NOT NULL,
    record_id   INTEGER,
    finding_id  INTEGER,
    qid         INTEGER,
    old_value   TEXT,
    new_value   TEXT,
    at          TEXT NOT NULL
);
INSERT INTO changes_new SELECT * FROM changes;
DROP TABLE changes;
ALTER TABLE changes_new RENAME TO changes;
CREATE INDEX changes_run ON changes(run_id, kind);
CREATE INDEX changes_asset ON changes(asset_id);
CREATE INDEX changes_record ON changes(record_id);

-- +goose Down
DELETE FROM changes WHERE kind IN ('asset_merged','asset_split');
CREATE TABLE changes_old (
    id          INTEGER PRIMARY KEY,
    run_id      INTEGER NOT NULL,
    kind        TEXT NOT NULL CHECK (kind IN ('asset_new','asset_removed','finding_new','finding_fixed','finding_reopened','risk_band')),
    asset_id    INTEGER NOT NULL,
    record_id   INTEGER,
    finding_id  INTEGER,
    qid         INTEGER,
    old_value   TEXT,
    new_value   TEXT,
    at          TEXT NOT NULL
);
INSERT INTO changes_old SELECT * FROM changes;
DROP TABLE changes;
ALTER TABLE changes_old RENAME TO changes;
CREATE INDEX changes_run ON changes(run_id, kind);
CREATE INDEX changes_asset ON changes(asset_id);
DROP INDEX asset_identifiers_asset;
DROP TABLE identity_junk;
DROP INDEX identity_conflicts_run;
ALTER TABLE identity_conflicts DROP COLUMN other_asset_id;
ALTER TABLE identity_conflicts DROP COLUMN other_value;
ALTER TABLE identity_conflicts DROP COLUMN value;
ALTER TABLE identity_conflicts DROP COLUMN attribute;
ALTER TABLE identity_conflicts DROP COLUMN kind;
