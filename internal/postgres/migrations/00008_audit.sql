-- The audit trail and erasure (docs/security.md, "Audit log", "Retention and
-- erasure"); internal/sqlite's migration of the same number, column for column.
--
-- audit_log is append-only: SmartWait inserts rows and never updates or
-- deletes one, except the retention job's clearing of personal fields (ip;
-- the username a failed login tried) of rows older than the retention
-- period. id grows with every insert, so it orders the trail and pages it.
--
-- tickets.erased_at marks a ticket whose personal data was erased: its name,
-- phone and appointment are '' from then on, its number, status and times
-- stay for the statistics. Erased tickets are finished, and a '' phone is
-- outside tickets_active_phone, so they never clash with a check-in.

-- +goose Up
CREATE TABLE audit_log (
    id            bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    at            timestamptz NOT NULL,
    actor         text NOT NULL,
    ip            text NOT NULL DEFAULT '',
    action        text NOT NULL,
    target_kind   text NOT NULL DEFAULT '',
    target_id     text NOT NULL DEFAULT '',
    ticket_number text NOT NULL DEFAULT '',
    detail        text NOT NULL DEFAULT '',
    result        text NOT NULL,
    request_id    text NOT NULL DEFAULT ''
);

-- The admin's filters: a day (at), an actor or an action within it, newest first.
CREATE INDEX audit_log_at ON audit_log (at);
CREATE INDEX audit_log_actor ON audit_log (actor, id);
CREATE INDEX audit_log_action ON audit_log (action, id);

ALTER TABLE tickets ADD COLUMN erased_at timestamptz;

-- The retention job's hourly question: finished tickets not yet erased, by
-- when they finished. Once erased they leave the index.
CREATE INDEX tickets_unerased_finished ON tickets (completed_at)
    WHERE erased_at IS NULL AND completed_at IS NOT NULL;

-- +goose Down
DROP INDEX tickets_unerased_finished;
ALTER TABLE tickets DROP COLUMN erased_at;
DROP TABLE audit_log;
