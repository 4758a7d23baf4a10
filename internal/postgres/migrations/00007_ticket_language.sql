-- The language a patient checked in with (docs/languages.md): every text to
-- them is written in it. Empty on older tickets, which read as the deployment's
-- default language.

-- +goose Up
ALTER TABLE tickets ADD COLUMN language TEXT NOT NULL DEFAULT '';

-- +goose Down
ALTER TABLE tickets DROP COLUMN language;
