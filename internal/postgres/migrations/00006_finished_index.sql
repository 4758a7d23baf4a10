-- The estimator learns from every recently finished ticket — completed visits,
-- and the no-shows and cancellations that shorten the wait of those behind
-- them (docs/estimates.md) — not only the completed ones.

-- +goose Up
DROP INDEX tickets_queue_completed;
CREATE INDEX tickets_queue_finished ON tickets (queue_id, completed_at)
    WHERE completed_at IS NOT NULL;

-- +goose Down
DROP INDEX tickets_queue_finished;
CREATE INDEX tickets_queue_completed ON tickets (queue_id, completed_at)
    WHERE status = 'completed';
