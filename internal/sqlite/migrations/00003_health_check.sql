-- One row that /health updates to prove a write can commit now (a full disk, a
-- read-only file or a write lock held by another process all fail it, while
-- reads still work). n counts the probes; checked_at is unix milliseconds.

-- +goose Up
CREATE TABLE health_check (
    id         INTEGER PRIMARY KEY CHECK (id = 1),
    n          INTEGER NOT NULL,
    checked_at INTEGER NOT NULL
);
INSERT INTO health_check (id, n, checked_at) VALUES (1, 0, 0);

-- +goose Down
DROP TABLE health_check;
