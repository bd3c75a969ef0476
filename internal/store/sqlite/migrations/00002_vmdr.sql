-- +goose Up
-- VMDR findings and the KnowledgeBase.

ALTER TABLE asset_records ADD COLUMN findings INTEGER NOT NULL DEFAULT 0;

-- findings: one row per host record × QID × port × protocol × ssl (× instance),
-- as VMDR reports a detection. Never deleted by a sync: a detection that is
-- no longer reported for a host the run read is kept with state 'missing';
-- the findings of a host a full run did not see become 'stale'.
CREATE TABLE findings (
    id              INTEGER PRIMARY KEY,
    record_id       INTEGER NOT NULL REFERENCES asset_records(id) ON DELETE CASCADE,
    asset_id        INTEGER NOT NULL,
    finding_key     TEXT NOT NULL,        -- "qid/port/protocol/ssl/instance"
    qid             INTEGER NOT NULL,
    port            INTEGER,
    protocol        TEXT,
    ssl             INTEGER NOT NULL DEFAULT 0,
    instance        TEXT,
    unique_vuln_id  INTEGER,
    type            TEXT,                 -- Confirmed | Potential | Info
    severity        INTEGER,
    status          TEXT,                 -- New | Active | Fixed | Re-Opened (NULL for Info)
    qds             INTEGER,
    qds_severity    TEXT,
    qds_factors     TEXT,                 -- JSON object name → value
    results         TEXT,                 -- as Qualys sent it, HTML entities unescaped once
    first_found     TEXT,
    last_found      TEXT,
    times_found     INTEGER,
    last_test       TEXT,
    last_update     TEXT,
    last_fixed      TEXT,
    first_reopened  TEXT,
    last_reopened   TEXT,
    times_reopened  INTEGER,
    is_ignored      INTEGER,
    is_disabled     INTEGER,
    last_processed  TEXT,
    attributes      TEXT NOT NULL,        -- JSON: the finding values of the transform map but RESULTS and the
                                          -- long KnowledgeBase texts (kept once per QID in vulns)
    hash            TEXT NOT NULL,
    state           TEXT NOT NULL DEFAULT 'active' CHECK (state IN ('active','missing','stale')),
    first_seen      TEXT NOT NULL,
    last_seen       TEXT NOT NULL,
    first_run_id    INTEGER NOT NULL,
    last_run_id     INTEGER NOT NULL,
    status_run_id   INTEGER,              -- the run that last changed status
    UNIQUE (record_id, finding_key)
);
CREATE INDEX findings_asset ON findings(asset_id);
CREATE INDEX findings_qid ON findings(qid);
CREATE INDEX findings_status ON findings(status, severity);

-- vulns: the KnowledgeBase, one row per QID.
CREATE TABLE vulns (
    qid            INTEGER PRIMARY KEY,
    title          TEXT,
    vuln_type      TEXT,
    severity       INTEGER,
    category       TEXT,
    published      TEXT,
    last_modified  TEXT,
    patchable      INTEGER,
    cvss2_base     REAL,
    cvss3_base     REAL,
    cvss3_vector   TEXT,
    attributes     TEXT NOT NULL,          -- JSON: every vuln value of the transform map
    hash           TEXT NOT NULL,
    first_seen     TEXT NOT NULL,
    last_seen      TEXT NOT NULL,
    first_run_id   INTEGER NOT NULL,
    last_run_id    INTEGER NOT NULL
);

CREATE TABLE vuln_cves (
    qid    INTEGER NOT NULL REFERENCES vulns(qid) ON DELETE CASCADE,
    cve_id TEXT NOT NULL,
    PRIMARY KEY (qid, cve_id)
) WITHOUT ROWID;
CREATE INDEX vuln_cves_cve ON vuln_cves(cve_id);

-- vuln_attack: MITRE ATT&CK tactics and techniques of a QID.
CREATE TABLE vuln_attack (
    qid       INTEGER NOT NULL REFERENCES vulns(qid) ON DELETE CASCADE,
    kind      TEXT NOT NULL CHECK (kind IN ('tactic','technique')),
    attack_id TEXT NOT NULL,
    name      TEXT,
    PRIMARY KEY (qid, kind, attack_id)
) WITHOUT ROWID;

ALTER TABLE runs ADD COLUMN findings_seen INTEGER NOT NULL DEFAULT 0;
ALTER TABLE runs ADD COLUMN findings_new INTEGER NOT NULL DEFAULT 0;
ALTER TABLE runs ADD COLUMN findings_updated INTEGER NOT NULL DEFAULT 0;
ALTER TABLE runs ADD COLUMN findings_fixed INTEGER NOT NULL DEFAULT 0;
ALTER TABLE runs ADD COLUMN findings_reopened INTEGER NOT NULL DEFAULT 0;
ALTER TABLE runs ADD COLUMN findings_missing INTEGER NOT NULL DEFAULT 0;
ALTER TABLE runs ADD COLUMN findings_stale INTEGER NOT NULL DEFAULT 0;
ALTER TABLE runs ADD COLUMN vulns INTEGER NOT NULL DEFAULT 0;

-- finding_details: findings joined with their KnowledgeBase entry (the seed
-- 002 finding fields: findingName, findingDescription, impact,
-- recommendation, CVSS, isPatchAvailable, …).
CREATE VIEW finding_details AS
SELECT f.*, v.title AS vuln_title, v.vuln_type, v.category AS vuln_category, v.patchable AS vuln_patchable,
       v.cvss2_base AS vuln_cvss2_base, v.cvss3_base AS vuln_cvss3_base, v.cvss3_vector AS vuln_cvss3_vector,
       json_extract(v.attributes, '$.diagnosis') AS vuln_diagnosis,
       json_extract(v.attributes, '$.consequence') AS vuln_consequence,
       json_extract(v.attributes, '$.solution') AS vuln_solution,
       json_extract(v.attributes, '$.cve_ids') AS vuln_cve_ids
FROM findings f LEFT JOIN vulns v ON v.qid = f.qid;

-- +goose Down
DROP VIEW finding_details;
DROP TABLE vuln_attack;
DROP TABLE vuln_cves;
DROP TABLE vulns;
DROP TABLE findings;
ALTER TABLE runs DROP COLUMN findings_seen;
ALTER TABLE runs DROP COLUMN findings_new;
ALTER TABLE runs DROP COLUMN findings_updated;
ALTER TABLE runs DROP COLUMN findings_fixed;
ALTER TABLE runs DROP COLUMN findings_reopened;
ALTER TABLE runs DROP COLUMN findings_missing;
ALTER TABLE runs DROP COLUMN findings_stale;
ALTER TABLE runs DROP COLUMN vulns;
ALTER TABLE asset_records DROP COLUMN findings;
