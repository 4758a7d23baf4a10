-- The wait a text told the patient (docs/sms.md, delay alerts): when it said
-- they would be seen. A waiting patient whose quote grows well past the last
-- such moment gets one "running late" text.

-- +goose Up
ALTER TABLE messages ADD COLUMN told_until timestamptz;
CREATE INDEX messages_ticket_told ON messages (ticket_id, created_at) WHERE told_until IS NOT NULL;

-- +goose Down
DROP INDEX messages_ticket_told;
ALTER TABLE messages DROP COLUMN told_until;
