-- One index on a text's ticket instead of two (issue 11), as on SQLite:
-- messages_ticket (ticket_id) and the partial messages_ticket_told (ticket_id,
-- created_at, where told_until is set) each cost every confirmation an index
-- write. (ticket_id, created_at) for every text serves both: a ticket's texts
-- (the SMS log, cancelling, erasure) and its latest told text (LastTold), among
-- the few texts one ticket has.

-- +goose Up
CREATE INDEX messages_ticket_created ON messages (ticket_id, created_at);
DROP INDEX messages_ticket;
DROP INDEX messages_ticket_told;

-- +goose Down
CREATE INDEX messages_ticket_told ON messages (ticket_id, created_at) WHERE told_until IS NOT NULL;
CREATE INDEX messages_ticket ON messages (ticket_id);
DROP INDEX messages_ticket_created;
