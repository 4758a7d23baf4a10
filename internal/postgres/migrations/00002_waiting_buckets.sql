-- Positions at scale, as SQLite's migration 00002. COUNT(*) over the waiting
-- tickets ahead steps through every index entry; waiting_buckets keeps, per queue,
-- the number of waiting tickets in each block of 256 consecutive seqs, maintained
-- by a trigger in the same transaction as the ticket change, so a count is the sum
-- of the full blocks ahead (few rows) plus an index count inside one block (< 256
-- entries). Empty blocks are deleted. The block size 256 is also in tickets.go
-- (waitingBucket). Writers of a queue hold its row lock (LockQueue), so the
-- upserts below never contend between instances.

-- +goose Up
CREATE TABLE waiting_buckets (
    queue_id text NOT NULL,
    bucket   bigint NOT NULL, -- seq / 256
    n        integer NOT NULL,
    PRIMARY KEY (queue_id, bucket)
);

INSERT INTO waiting_buckets (queue_id, bucket, n)
    SELECT queue_id, seq / 256, COUNT(*) FROM tickets WHERE status = 'waiting' GROUP BY queue_id, seq / 256;

-- +goose StatementBegin
CREATE FUNCTION tickets_waiting_buckets() RETURNS trigger LANGUAGE plpgsql AS $$
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

-- seq and queue_id never change after insert (UpdateTicket writes neither); the
-- trigger relies on that.
CREATE TRIGGER tickets_waiting_buckets AFTER INSERT OR DELETE OR UPDATE OF status ON tickets
    FOR EACH ROW EXECUTE FUNCTION tickets_waiting_buckets();

-- +goose Down
DROP TRIGGER tickets_waiting_buckets ON tickets;
DROP FUNCTION tickets_waiting_buckets();
DROP TABLE waiting_buckets;
