-- +goose Up
-- The summary every sync prints (finding totals, top QIDs) reads these
-- indexes alone instead of every findings row (some 1 KB each): an
-- incremental sync of a few hosts no longer pays for a scan of the whole
-- table. Same number of indexes, wider entries.
DROP INDEX findings_status;
CREATE INDEX findings_status ON findings(status, type, severity, is_ignored, is_disabled, state);
DROP INDEX findings_qid;
CREATE INDEX findings_qid ON findings(qid, state, status, type, record_id);

-- +goose Down
DROP INDEX findings_status;
CREATE INDEX findings_status ON findings(status, severity);
DROP INDEX findings_qid;
CREATE INDEX findings_qid ON findings(qid);
