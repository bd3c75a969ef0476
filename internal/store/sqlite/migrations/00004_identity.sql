-- +goose Up
-- Identification: one assets row per real machine, found by ordered rules
-- over the identifiers of its source records (design.md §7).

-- asset_identifiers: the canonical identifying values of each source record
-- (junk left out), and the asset the record belongs to.
CREATE TABLE asset_identifiers (
    attribute  TEXT NOT NULL,             -- native_key, agent_id, bios_serial, hardware_uuid, cloud_instance_id, mac, fqdn, netbios_domain, ip
    value      TEXT NOT NULL,
    record_id  INTEGER NOT NULL REFERENCES asset_records(id) ON DELETE CASCADE,
    asset_id   INTEGER NOT NULL,
    PRIMARY KEY (attribute, value, record_id)
) WITHOUT ROWID;
CREATE INDEX asset_identifiers_record ON asset_identifiers(record_id);

-- identification_rules: the ordered rules; empty means the defaults.
CREATE TABLE identification_rules (
    position   INTEGER PRIMARY KEY,
    name       TEXT NOT NULL UNIQUE,
    attributes TEXT NOT NULL,             -- JSON array of attribute names
    enabled    INTEGER NOT NULL
);

-- identity_conflicts: records whose deciding rule matched several assets;
-- the chosen one and every candidate, for review.
CREATE TABLE identity_conflicts (
    id          INTEGER PRIMARY KEY,
    run_id      INTEGER NOT NULL,
    record_id   INTEGER NOT NULL,
    rule        TEXT NOT NULL,
    chosen      INTEGER NOT NULL,
    candidates  TEXT NOT NULL,            -- JSON array of asset ids
    at          TEXT NOT NULL
);

ALTER TABLE asset_records ADD COLUMN identified_by TEXT;   -- the rule that matched an existing asset, NULL when new

-- +goose Down
ALTER TABLE asset_records DROP COLUMN identified_by;
DROP TABLE identity_conflicts;
DROP TABLE identification_rules;
DROP TABLE asset_identifiers;
