-- +goose Up
-- The summary's top software (count(DISTINCT asset_id) per name) can read
-- this index alone (an index-only scan) instead of every install; the same
-- index as SQLite's.
DROP INDEX installed_software_software;
CREATE INDEX installed_software_software ON installed_software(software_id, asset_id);

-- +goose Down
DROP INDEX installed_software_software;
CREATE INDEX installed_software_software ON installed_software(software_id);
