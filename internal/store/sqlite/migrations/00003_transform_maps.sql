-- +goose Up
-- Transform maps users import (qflow map import), and the text of every map a
-- run used.

-- transform_maps: user maps, one per name. The built-in maps (csam-default,
-- vmdr-default, kb-default) live in the binary and never here.
CREATE TABLE transform_maps (
    name        TEXT PRIMARY KEY,
    source      TEXT NOT NULL,            -- CSAM | VMDR | KB
    description TEXT NOT NULL DEFAULT '',
    yaml        TEXT NOT NULL,            -- the file as imported, comments included
    hash        TEXT NOT NULL,            -- transform.Compiled.Hash of the map's content
    imported_at TEXT NOT NULL,
    updated_at  TEXT NOT NULL
);

-- run_maps: the map text of each hash a run recorded (runs.map_hash), whether
-- the map came from a file, from transform_maps or from the binary, so that
-- the map a past run used can be read back (qflow map show --hash H).
CREATE TABLE run_maps (
    hash       TEXT PRIMARY KEY,
    name       TEXT NOT NULL,
    yaml       TEXT NOT NULL,
    first_used TEXT NOT NULL
);

-- +goose Down
DROP TABLE run_maps;
DROP TABLE transform_maps;
