-- Lines, rooms and order keys, as SQLite's migration 00005 (docs/lines.md,
-- queue/line.go).
--
-- A queue row is now a line with settings; rooms serve lines. A ticket's seq is
-- no longer its check-in count in the queue but its order key (queue.OrderKey):
-- the due time in microseconds since the epoch, plus 2^53 unless the ticket is
-- urgent. Existing tickets are rewritten into that key space in their old order,
-- due at their check-in.
--
-- Keys are now microsecond-spaced, so waiting_buckets blocks grow from 256 to
-- 2^18 keys (262 ms of due times), and the bucket of a key becomes seq >> 18 (a
-- floor, unlike seq / 256, also right for negative keys). A second level,
-- waiting_coarse, counts blocks of 2^27 keys (512 buckets, 134 s), so that a
-- count stays a few hundred rows when thousands wait who came a second apart,
-- one to a bucket (SQLite's 00005 has the figures). tickets.go (waitingShift,
-- coarseShift) repeats both sizes.

-- +goose Up
ALTER TABLE queues
    ADD COLUMN open           boolean NOT NULL DEFAULT true,
    ADD COLUMN public         boolean NOT NULL DEFAULT true,
    ADD COLUMN position       integer NOT NULL DEFAULT 0,
    ADD COLUMN visit_prior_ms bigint  NOT NULL DEFAULT 0,      -- 0: the deployment's
    ADD COLUMN get_ready      integer NOT NULL DEFAULT 0,      -- 0: the deployment's
    ADD COLUMN grace_ms       bigint  NOT NULL DEFAULT 900000, -- queue.DefaultGrace
    ADD COLUMN hours          text    NOT NULL DEFAULT '',     -- queue.Hours.String(); '' = always
    ADD COLUMN serving_rooms  integer NOT NULL DEFAULT 0,
    ADD COLUMN open_rooms     integer NOT NULL DEFAULT 0,
    ADD COLUMN appointments   boolean NOT NULL DEFAULT false;  -- order booked patients by their appointment

-- Ticket numbers ("A-007") tell the lines apart by their prefix.
CREATE UNIQUE INDEX queues_prefix ON queues (prefix);

-- lines: the slugs of the lines the room serves, comma-separated, in order of
-- preference (slugs never contain a comma). A room is read whole, never queried
-- by line, so one column is enough.
CREATE TABLE rooms (
    name     text PRIMARY KEY,
    lines    text NOT NULL DEFAULT '',
    open     boolean NOT NULL DEFAULT true,
    position integer NOT NULL DEFAULT 0
);

ALTER TABLE tickets
    ADD COLUMN urgent boolean NOT NULL DEFAULT false,
    ADD COLUMN due_at timestamptz; -- NULL: not set

-- The old trigger would count the rewrite below in blocks of 256; the buckets
-- are recomputed after it instead.
DROP TRIGGER tickets_waiting_buckets ON tickets;

-- Old seqs were 1, 2, 3… per queue, in check-in order. The new key is the
-- normal ticket's, due at check-in (2^53 + check-in µs), with the old seq's
-- last three digits as the microseconds, so tickets of one millisecond keep
-- their order (unless their old seqs straddle a multiple of 1000; a thousand
-- check-ins of one queue in one millisecond would be needed for two to get one
-- key). check_in_time is a timestamptz, written truncated to the millisecond:
-- its epoch, an absolute instant whatever the session's time zone, is taken in
-- whole milliseconds (date_trunc first, so the cast has nothing to round even
-- on a server whose EXTRACT returns a double). The key then counts whole
-- milliseconds * 1000, as SQLite's does from its unix-ms column, so both stores
-- give an upgraded ticket the same key. UNIQUE (queue_id, seq) is checked row by
-- row while an UPDATE runs, so the keys are first made negative (-1 - seq:
-- distinct, below every new key), which also keeps the rewrite right if a
-- database comes back up after the Down below, with old seqs near the new keys.
UPDATE tickets SET seq = -1 - seq;
UPDATE tickets SET
    due_at = check_in_time,
    seq = 9007199254740992
        + (EXTRACT(EPOCH FROM date_trunc('milliseconds', check_in_time)) * 1000)::bigint * 1000
        + (-1 - seq) % 1000;

DELETE FROM waiting_buckets;
INSERT INTO waiting_buckets (queue_id, bucket, n)
    SELECT queue_id, seq >> 18, COUNT(*) FROM tickets WHERE status = 'waiting' GROUP BY queue_id, seq >> 18;

CREATE TABLE waiting_coarse (
    queue_id text NOT NULL,
    bucket   bigint NOT NULL, -- seq >> 27
    n        integer NOT NULL,
    PRIMARY KEY (queue_id, bucket)
);

INSERT INTO waiting_coarse (queue_id, bucket, n)
    SELECT queue_id, seq >> 27, COUNT(*) FROM tickets WHERE status = 'waiting' GROUP BY queue_id, seq >> 27;

-- The trigger keeps both levels. A waiting ticket now also leaves one bucket
-- for another when MoveTicket changes its queue or its seq; the trigger fires
-- on those columns too, and does nothing while the ticket stays waiting in the
-- same bucket (UpdateTicket rewrites status on every call). A move between two
-- buckets of one coarse block takes the ticket out of that block and puts it
-- back: right, for two writes that could have been none.
-- +goose StatementBegin
CREATE OR REPLACE FUNCTION tickets_waiting_buckets() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    leaves boolean := false; -- OLD counted in its block, to take out
    enters boolean := false; -- NEW to count in its block
BEGIN
    IF TG_OP = 'INSERT' THEN
        enters := NEW.status = 'waiting';
    ELSIF TG_OP = 'DELETE' THEN
        leaves := OLD.status = 'waiting';
    ELSIF OLD.status = 'waiting' AND NEW.status = 'waiting' THEN
        leaves := OLD.queue_id <> NEW.queue_id OR (OLD.seq >> 18) <> (NEW.seq >> 18);
        enters := leaves;
    ELSE
        leaves := OLD.status = 'waiting';
        enters := NEW.status = 'waiting';
    END IF;
    IF leaves THEN
        UPDATE waiting_buckets SET n = n - 1 WHERE queue_id = OLD.queue_id AND bucket = OLD.seq >> 18;
        DELETE FROM waiting_buckets WHERE queue_id = OLD.queue_id AND bucket = OLD.seq >> 18 AND n <= 0;
        UPDATE waiting_coarse SET n = n - 1 WHERE queue_id = OLD.queue_id AND bucket = OLD.seq >> 27;
        DELETE FROM waiting_coarse WHERE queue_id = OLD.queue_id AND bucket = OLD.seq >> 27 AND n <= 0;
    END IF;
    IF enters THEN
        INSERT INTO waiting_buckets (queue_id, bucket, n) VALUES (NEW.queue_id, NEW.seq >> 18, 1)
            ON CONFLICT (queue_id, bucket) DO UPDATE SET n = waiting_buckets.n + 1;
        INSERT INTO waiting_coarse (queue_id, bucket, n) VALUES (NEW.queue_id, NEW.seq >> 27, 1)
            ON CONFLICT (queue_id, bucket) DO UPDATE SET n = waiting_coarse.n + 1;
    END IF;
    RETURN NULL;
END;
$$;
-- +goose StatementEnd

CREATE TRIGGER tickets_waiting_buckets AFTER INSERT OR DELETE OR UPDATE OF status, seq, queue_id ON tickets
    FOR EACH ROW EXECUTE FUNCTION tickets_waiting_buckets();

-- Front-desk patients without a phone never clash with each other. The name
-- stays: errors.go maps a violation of it to queue.ErrDuplicate.
DROP INDEX tickets_active_phone;
CREATE UNIQUE INDEX tickets_active_phone ON tickets (queue_id, phone)
    WHERE status IN ('waiting', 'called') AND phone <> '';

-- +goose Down
-- Back to migration 00004's schema. Seqs stay in the key space: the old
-- InsertTicket (MAX + 1) keeps working above them. Two active phoneless tickets
-- of one queue would fail the old index: give them phones first.
DROP INDEX tickets_active_phone;
CREATE UNIQUE INDEX tickets_active_phone ON tickets (queue_id, phone)
    WHERE status IN ('waiting', 'called');

DROP TRIGGER tickets_waiting_buckets ON tickets;
DROP TABLE waiting_coarse;

DELETE FROM waiting_buckets;
INSERT INTO waiting_buckets (queue_id, bucket, n)
    SELECT queue_id, seq / 256, COUNT(*) FROM tickets WHERE status = 'waiting' GROUP BY queue_id, seq / 256;

-- +goose StatementBegin
CREATE OR REPLACE FUNCTION tickets_waiting_buckets() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    -- A ticket that stops waiting (or is deleted) leaves its block.
    IF TG_OP IN ('UPDATE', 'DELETE') AND OLD.status = 'waiting'
        AND (TG_OP = 'DELETE' OR NEW.status <> 'waiting') THEN
        UPDATE waiting_buckets SET n = n - 1 WHERE queue_id = OLD.queue_id AND bucket = OLD.seq / 256;
        DELETE FROM waiting_buckets WHERE queue_id = OLD.queue_id AND bucket = OLD.seq / 256 AND n <= 0;
    END IF;
    -- A ticket that starts waiting (inserted, or back to waiting) joins its block.
    IF TG_OP IN ('INSERT', 'UPDATE') AND NEW.status = 'waiting'
        AND (TG_OP = 'INSERT' OR OLD.status <> 'waiting') THEN
        INSERT INTO waiting_buckets (queue_id, bucket, n) VALUES (NEW.queue_id, NEW.seq / 256, 1)
            ON CONFLICT (queue_id, bucket) DO UPDATE SET n = waiting_buckets.n + 1;
    END IF;
    RETURN NULL;
END;
$$;
-- +goose StatementEnd

CREATE TRIGGER tickets_waiting_buckets AFTER INSERT OR DELETE OR UPDATE OF status ON tickets
    FOR EACH ROW EXECUTE FUNCTION tickets_waiting_buckets();

ALTER TABLE tickets DROP COLUMN due_at, DROP COLUMN urgent;
DROP TABLE rooms;
DROP INDEX queues_prefix;
ALTER TABLE queues
    DROP COLUMN appointments, DROP COLUMN open_rooms, DROP COLUMN serving_rooms, DROP COLUMN hours, DROP COLUMN grace_ms,
    DROP COLUMN get_ready, DROP COLUMN visit_prior_ms, DROP COLUMN position, DROP COLUMN public, DROP COLUMN open;
