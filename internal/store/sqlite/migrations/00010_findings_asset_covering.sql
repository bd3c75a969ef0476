-- +goose Up
-- The end of every VMDR run scores the assets it touched (TruRisk) from
-- their counted findings: with the columns it filters and reads in the
-- asset index, that read no longer looks up each finding's row (some
-- 1.6 KB each, scattered over the table). The entries grow with the load
-- (asset ids), so the wider index costs bytes, not page rewrites.
DROP INDEX findings_asset;
CREATE INDEX findings_asset ON findings(asset_id, state, status, is_ignored, is_disabled, risk_qds);

-- +goose Down
DROP INDEX findings_asset;
CREATE INDEX findings_asset ON findings(asset_id);
