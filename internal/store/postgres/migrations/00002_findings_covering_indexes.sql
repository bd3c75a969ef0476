-- +goose Up
-- The summary every sync prints (finding totals, top QIDs) can read these
-- indexes alone (index-only scans) instead of every findings row; the same
-- indexes as SQLite's.
DROP INDEX findings_status;
CREATE INDEX findings_status ON findings(status, type, severity, is_ignored, is_disabled, state);
DROP INDEX findings_qid;
CREATE INDEX findings_qid ON findings(qid, state, status, type, record_id);

-- +goose Down
DROP INDEX findings_status;
CREATE INDEX findings_status ON findings(status, severity);
DROP INDEX findings_qid;
CREATE INDEX findings_qid ON findings(qid);
