-- SmartWait's first schema on SQLite. Timestamps are INTEGER unix milliseconds (UTC):
-- ordering and comparison are exact and cheap, and NULL means "not yet".

-- +goose Up
CREATE TABLE queues (
    id         TEXT PRIMARY KEY,
    name       TEXT NOT NULL,
    prefix     TEXT NOT NULL,
    version    INTEGER NOT NULL DEFAULT 0,
    service_ms INTEGER NOT NULL DEFAULT 0 -- learned per-visit service time; 0 = none yet
);

-- Every deployment starts with the default queue (queue.DefaultQueueID), so reads
-- before the first check-in find it.
INSERT INTO queues (id, name, prefix) VALUES ('default', 'Main queue', 'A');

-- The last daily ticket number handed out per queue and clinic-local day.
CREATE TABLE ticket_counters (
    queue_id TEXT NOT NULL,
    day      TEXT NOT NULL,
    last     INTEGER NOT NULL,
    PRIMARY KEY (queue_id, day)
) WITHOUT ROWID;

-- queue_id is a key, not a foreign key: queue rows are managed separately (the
-- default one is seeded above), and tickets, counters and messages only need the id.
CREATE TABLE tickets (
    id               TEXT PRIMARY KEY, -- the patient id, a UUIDv4
    queue_id         TEXT NOT NULL,
    seq              INTEGER NOT NULL, -- check-in order within the queue
    number           TEXT NOT NULL,
    day              TEXT NOT NULL,
    name             TEXT NOT NULL,
    phone            TEXT NOT NULL,
    appointment_time TEXT NOT NULL,
    status           TEXT NOT NULL CHECK (status IN ('waiting', 'called', 'completed', 'no_show', 'cancelled')),
    room             TEXT NOT NULL DEFAULT '',
    check_in_time    INTEGER NOT NULL,
    called_at        INTEGER,
    completed_at     INTEGER,
    quoted_wait      INTEGER NOT NULL DEFAULT 0,
    ready_at         INTEGER,
    UNIQUE (queue_id, seq)
);

-- One active ticket per phone and queue, enforced by the database so that two
-- concurrent check-ins cannot both pass a read-then-insert check.
CREATE UNIQUE INDEX tickets_active_phone ON tickets (queue_id, phone)
    WHERE status IN ('waiting', 'called');

-- Positions: COUNT of waiting tickets with a lower seq is a range scan of this index.
CREATE INDEX tickets_queue_status_seq ON tickets (queue_id, status, seq);

-- The day's statistics read the tickets checked in since the start of the day.
CREATE INDEX tickets_queue_check_in ON tickets (queue_id, check_in_time);

-- The estimator reads the most recently completed visits.
CREATE INDEX tickets_queue_completed ON tickets (queue_id, completed_at)
    WHERE status = 'completed';

-- The SMS outbox (docs/sms.md): written in the queue change's transaction, sent by
-- the dispatcher. claimed_until/claim_token are the dispatcher's lease on a row.
CREATE TABLE messages (
    id            INTEGER PRIMARY KEY,
    ticket_id     TEXT NOT NULL,
    kind          TEXT NOT NULL,
    to_phone      TEXT NOT NULL,
    body          TEXT NOT NULL,
    dedupe_key    TEXT NOT NULL UNIQUE, -- one cause, one message
    status        TEXT NOT NULL,
    attempts      INTEGER NOT NULL DEFAULT 0,
    last_error    TEXT NOT NULL DEFAULT '',
    provider_id   TEXT NOT NULL DEFAULT '',
    created_at    INTEGER NOT NULL,
    due_at        INTEGER NOT NULL,
    sent_at       INTEGER,
    claimed_until INTEGER,
    claim_token   TEXT
);

CREATE INDEX messages_status_due ON messages (status, due_at);
CREATE INDEX messages_ticket ON messages (ticket_id);

-- AUTOINCREMENT: a deleted account's id is never reused by a new one.
CREATE TABLE users (
    id            INTEGER PRIMARY KEY AUTOINCREMENT,
    username      TEXT NOT NULL UNIQUE,
    role          TEXT NOT NULL,
    password_hash TEXT NOT NULL,
    created_at    INTEGER NOT NULL
);

CREATE TABLE sessions (
    id         TEXT PRIMARY KEY,
    token_hash TEXT NOT NULL UNIQUE, -- hex SHA-256 of the token; the token is never stored
    user_id    INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    created_at INTEGER NOT NULL,
    expires_at INTEGER NOT NULL
);

CREATE INDEX sessions_user ON sessions (user_id);
CREATE INDEX sessions_expires ON sessions (expires_at);

-- +goose Down
DROP TABLE sessions;
DROP TABLE users;
DROP TABLE messages;
DROP TABLE tickets;
DROP TABLE ticket_counters;
DROP TABLE queues;
