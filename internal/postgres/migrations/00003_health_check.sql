-- One row that /health updates to prove a write can commit now, as SQLite's
-- migration 00003 (a full disk, a read-only server or a lock on the row fail it,
-- while reads still work). Every instance updates the same row, at most once a
-- second each: HOT updates and autovacuum keep it one small page.

-- +goose Up
CREATE TABLE health_check (
    id         integer PRIMARY KEY CHECK (id = 1),
    n          bigint NOT NULL,
    checked_at timestamptz NOT NULL
);
INSERT INTO health_check (id, n, checked_at) VALUES (1, 0, now());

-- +goose Down
DROP TABLE health_check;
