-- +goose Up
-- Enrichment, risk and the change feed (design.md §8).

-- The KnowledgeBase facts of a finding as columns (seed 002's findingName,
-- cvss3Base, exploitedByList, isPatchAvailable, vector, …), and the QDS risk
-- is computed from: Qualys's, or derived from the KnowledgeBase.
ALTER TABLE findings ADD COLUMN title TEXT;
ALTER TABLE findings ADD COLUMN cvss2_base REAL;
ALTER TABLE findings ADD COLUMN cvss3_base REAL;
ALTER TABLE findings ADD COLUMN vector TEXT;
ALTER TABLE findings ADD COLUMN patchable INTEGER;
ALTER TABLE findings ADD COLUMN cve_ids TEXT;            -- JSON array
ALTER TABLE findings ADD COLUMN exploited_by TEXT;       -- JSON array: exploit sources
ALTER TABLE findings ADD COLUMN malware TEXT;            -- JSON array: malware sources
ALTER TABLE findings ADD COLUMN threat_intel TEXT;       -- JSON array
ALTER TABLE findings ADD COLUMN mitre_tactics TEXT;      -- JSON array of tactic ids
ALTER TABLE findings ADD COLUMN mitre_techniques TEXT;   -- JSON array of technique ids
ALTER TABLE findings ADD COLUMN risk_qds INTEGER;        -- the QDS TruRisk uses (1–100), NULL when none
ALTER TABLE findings ADD COLUMN qds_derived INTEGER NOT NULL DEFAULT 0;

-- vulns.changed_run_id: the run that last changed the entry (last_run_id
-- moves on every sighting).
ALTER TABLE vulns ADD COLUMN changed_run_id INTEGER;
UPDATE vulns SET changed_run_id = last_run_id;

-- Risk per asset.
ALTER TABLE assets ADD COLUMN acs INTEGER;
ALTER TABLE assets ADD COLUMN trurisk INTEGER;
ALTER TABLE assets ADD COLUMN risk_band TEXT;
ALTER TABLE assets ADD COLUMN risk_run_id INTEGER;
CREATE INDEX assets_trurisk ON assets(trurisk);

-- changes: what each run changed, for `qflow changes`.
CREATE TABLE changes (
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
CREATE INDEX changes_run ON changes(run_id, kind);
CREATE INDEX changes_asset ON changes(asset_id);

-- settings: small key → JSON value pairs (risk weights).
CREATE TABLE settings (
    key    TEXT PRIMARY KEY,
    value  TEXT NOT NULL
);

-- Existing findings take Qualys's QDS; the KnowledgeBase columns and the
-- derived QDS are filled when the store opens (Store.migrate).
UPDATE findings SET risk_qds = min(qds, 100) WHERE qds > 0;

-- finding_details: findings with the long KnowledgeBase texts.
DROP VIEW finding_details;
CREATE VIEW finding_details AS
SELECT f.*, v.vuln_type, v.category AS vuln_category, v.cvss3_vector AS vuln_cvss3_vector,
       json_extract(v.attributes, '$.diagnosis') AS description,
       json_extract(v.attributes, '$.consequence') AS impact,
       json_extract(v.attributes, '$.solution') AS recommendation
FROM findings f LEFT JOIN vulns v ON v.qid = f.qid;

-- +goose Down
DROP VIEW finding_details;
CREATE VIEW finding_details AS
SELECT f.*, v.title AS vuln_title, v.vuln_type, v.category AS vuln_category, v.patchable AS vuln_patchable,
       v.cvss2_base AS vuln_cvss2_base, v.cvss3_base AS vuln_cvss3_base, v.cvss3_vector AS vuln_cvss3_vector,
       json_extract(v.attributes, '$.diagnosis') AS vuln_diagnosis,
       json_extract(v.attributes, '$.consequence') AS vuln_consequence,
       json_extract(v.attributes, '$.solution') AS vuln_solution,
       json_extract(v.attributes, '$.cve_ids') AS vuln_cve_ids
FROM findings f LEFT JOIN vulns v ON v.qid = f.qid;
DROP TABLE settings;
DROP TABLE changes;
DROP INDEX assets_trurisk;
ALTER TABLE assets DROP COLUMN risk_run_id;
ALTER TABLE assets DROP COLUMN risk_band;
ALTER TABLE assets DROP COLUMN trurisk;
ALTER TABLE assets DROP COLUMN acs;
ALTER TABLE vulns DROP COLUMN changed_run_id;
ALTER TABLE findings DROP COLUMN qds_derived;
ALTER TABLE findings DROP COLUMN risk_qds;
ALTER TABLE findings DROP COLUMN mitre_techniques;
ALTER TABLE findings DROP COLUMN mitre_tactics;
ALTER TABLE findings DROP COLUMN threat_intel;
ALTER TABLE findings DROP COLUMN malware;
ALTER TABLE findings DROP COLUMN exploited_by;
ALTER TABLE findings DROP COLUMN cve_ids;
ALTER TABLE findings DROP COLUMN patchable;
ALTER TABLE findings DROP COLUMN vector;
ALTER TABLE findings DROP COLUMN cvss3_base;
ALTER TABLE findings DROP COLUMN cvss2_base;
ALTER TABLE findings DROP COLUMN title;
