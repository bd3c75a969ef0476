-- +goose Up
-- assets: one row per real machine (unified identity across sources).
CREATE TABLE assets (
    id            INTEGER PRIMARY KEY,
    name          TEXT,
    ip_address    TEXT,
    dns_name      TEXT,
    os_name       TEXT,
    os_category1  TEXT,
    os_category2  TEXT,
    bios_serial   TEXT,
    hw_uuid       TEXT,
    agent_id      TEXT,
    criticality   INTEGER,
    state         TEXT NOT NULL DEFAULT 'active' CHECK (state IN ('active','stale','deleted')),
    first_seen    TEXT NOT NULL,
    last_seen     TEXT NOT NULL
);

-- asset_records: one row per source record (a CSAM asset, a VMDR host).
CREATE TABLE asset_records (
    id            INTEGER PRIMARY KEY,
    asset_id      INTEGER NOT NULL REFERENCES assets(id),
    source        TEXT NOT NULL,
    subscription  TEXT NOT NULL,
    native_key    TEXT NOT NULL,
    raw_hash      TEXT NOT NULL,
    attributes    TEXT NOT NULL,          -- JSON: host values of the transform map
    software_installs INTEGER NOT NULL DEFAULT 0,
    state         TEXT NOT NULL DEFAULT 'active' CHECK (state IN ('active','stale','deleted')),
    first_seen    TEXT NOT NULL,
    last_seen     TEXT NOT NULL,
    first_run_id  INTEGER NOT NULL,
    last_run_id   INTEGER NOT NULL,
    UNIQUE (source, subscription, native_key)
);
CREATE INDEX asset_records_asset ON asset_records(asset_id);
CREATE INDEX asset_records_run ON asset_records(source, subscription, last_run_id);

-- software: the catalog ("Package"), one row per name × version × publisher.
CREATE TABLE software (
    id         INTEGER PRIMARY KEY,
    name       TEXT NOT NULL,
    version    TEXT NOT NULL,
    publisher  TEXT NOT NULL,
    attributes TEXT NOT NULL,
    UNIQUE (name, version, publisher)
);

-- installed_software: asset × software ("Installed Package").
CREATE TABLE installed_software (
    record_id    INTEGER NOT NULL REFERENCES asset_records(id) ON DELETE CASCADE,
    asset_id     INTEGER NOT NULL,
    software_id  INTEGER NOT NULL REFERENCES software(id),
    install_path TEXT NOT NULL,
    install_date TEXT,
    attributes   TEXT NOT NULL,
    PRIMARY KEY (record_id, software_id, install_path)
) WITHOUT ROWID;
CREATE INDEX installed_software_software ON installed_software(software_id);
CREATE INDEX installed_software_asset ON installed_software(asset_id);

CREATE TABLE open_ports (
    record_id  INTEGER NOT NULL REFERENCES asset_records(id) ON DELETE CASCADE,
    asset_id   INTEGER NOT NULL,
    ordinal    INTEGER NOT NULL,
    port       INTEGER,
    protocol   TEXT,
    attributes TEXT NOT NULL,
    PRIMARY KEY (record_id, ordinal)
) WITHOUT ROWID;
CREATE INDEX open_ports_port ON open_ports(port, protocol);

CREATE TABLE network_interfaces (
    record_id   INTEGER NOT NULL REFERENCES asset_records(id) ON DELETE CASCADE,
    asset_id    INTEGER NOT NULL,
    ordinal     INTEGER NOT NULL,
    name        TEXT,
    mac_address TEXT,
    ipv4        TEXT,
    ipv6        TEXT,
    attributes  TEXT NOT NULL,
    PRIMARY KEY (record_id, ordinal)
) WITHOUT ROWID;
CREATE INDEX network_interfaces_ipv4 ON network_interfaces(ipv4);
CREATE INDEX network_interfaces_mac ON network_interfaces(mac_address);

CREATE TABLE volumes (
    record_id  INTEGER NOT NULL REFERENCES asset_records(id) ON DELETE CASCADE,
    asset_id   INTEGER NOT NULL,
    ordinal    INTEGER NOT NULL,
    name       TEXT,
    size       INTEGER,
    free       INTEGER,
    attributes TEXT NOT NULL,
    PRIMARY KEY (record_id, ordinal)
) WITHOUT ROWID;

CREATE TABLE services (
    record_id   INTEGER NOT NULL REFERENCES asset_records(id) ON DELETE CASCADE,
    asset_id    INTEGER NOT NULL,
    ordinal     INTEGER NOT NULL,
    name        TEXT,
    status      TEXT,
    attributes  TEXT NOT NULL,
    PRIMARY KEY (record_id, ordinal)
) WITHOUT ROWID;

CREATE TABLE tags (
    record_id         INTEGER NOT NULL REFERENCES asset_records(id) ON DELETE CASCADE,
    asset_id          INTEGER NOT NULL,
    ordinal           INTEGER NOT NULL,
    tag_id            INTEGER,
    name              TEXT,
    criticality_score INTEGER,
    attributes        TEXT NOT NULL,
    PRIMARY KEY (record_id, ordinal)
) WITHOUT ROWID;
CREATE INDEX tags_name ON tags(name);

-- Other list entities of a transform map (business apps, custom attributes, …).
CREATE TABLE record_items (
    record_id  INTEGER NOT NULL REFERENCES asset_records(id) ON DELETE CASCADE,
    entity     TEXT NOT NULL,
    ordinal    INTEGER NOT NULL,
    attributes TEXT NOT NULL,
    PRIMARY KEY (record_id, entity, ordinal)
) WITHOUT ROWID;

CREATE TABLE runs (
    id                INTEGER PRIMARY KEY,
    source            TEXT NOT NULL,
    subscription      TEXT NOT NULL,
    mode              TEXT NOT NULL,
    state             TEXT NOT NULL,
    started_at        TEXT NOT NULL,
    finished_at       TEXT,
    map_name          TEXT NOT NULL,
    map_hash          TEXT NOT NULL,
    seen              INTEGER NOT NULL DEFAULT 0,
    new               INTEGER NOT NULL DEFAULT 0,
    updated           INTEGER NOT NULL DEFAULT 0,
    unchanged         INTEGER NOT NULL DEFAULT 0,
    quarantined       INTEGER NOT NULL DEFAULT 0,
    software_installs INTEGER NOT NULL DEFAULT 0,
    stale             INTEGER NOT NULL DEFAULT 0,
    api_calls         INTEGER NOT NULL DEFAULT 0,
    resumed           INTEGER NOT NULL DEFAULT 0,
    error             TEXT
);

-- cursors: the checkpoint of each source × subscription, saved in the same
-- transaction as the batch it follows.
CREATE TABLE cursors (
    source       TEXT NOT NULL,
    subscription TEXT NOT NULL,
    state        TEXT NOT NULL,
    updated_at   TEXT NOT NULL,
    PRIMARY KEY (source, subscription)
);

CREATE TABLE quarantine (
    id           INTEGER PRIMARY KEY,
    run_id       INTEGER NOT NULL,
    source       TEXT NOT NULL,
    subscription TEXT NOT NULL,
    native_key   TEXT NOT NULL,
    reason       TEXT NOT NULL,
    raw          BLOB NOT NULL,           -- gzip of the record as received
    raw_hash     TEXT NOT NULL,
    first_seen   TEXT NOT NULL,
    last_seen    TEXT NOT NULL,
    times        INTEGER NOT NULL DEFAULT 1,
    UNIQUE (source, subscription, native_key, raw_hash)
);

-- +goose Down
DROP TABLE quarantine;
DROP TABLE cursors;
DROP TABLE runs;
DROP TABLE record_items;
DROP TABLE tags;
DROP TABLE services;
DROP TABLE volumes;
DROP TABLE network_interfaces;
DROP TABLE open_ports;
DROP TABLE installed_software;
DROP TABLE software;
DROP TABLE asset_records;
DROP TABLE assets;
