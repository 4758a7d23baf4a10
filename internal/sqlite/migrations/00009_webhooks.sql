-- Signed outbound webhooks (docs/integrations.md). Endpoints registered by an
-- admin; the outbox of deliveries, one row per event and endpoint, written in
-- the queue change's transaction and deleted once delivered; and each
-- endpoint's delivery log, trimmed to its newest entries. The outbox is leased
-- per endpoint (claim_token, claimed_until on the endpoint) so that one
-- dispatcher at a time delivers an endpoint's events, in order. events holds
-- the subscribed types as ",ticket.created,sms.status," so that one
-- instr() finds the subscribers of a type. Times are unix milliseconds.

-- +goose Up
CREATE TABLE webhook_endpoints (
	id              TEXT PRIMARY KEY,
	url             TEXT NOT NULL,
	description     TEXT NOT NULL DEFAULT '',
	events          TEXT NOT NULL,
	personal        INTEGER NOT NULL DEFAULT 0,
	secret          TEXT NOT NULL,
	enabled         INTEGER NOT NULL DEFAULT 1,
	created_at      INTEGER NOT NULL,
	updated_at      INTEGER NOT NULL,
	disabled_at     INTEGER,
	disabled_reason TEXT NOT NULL DEFAULT '',
	failing_since   INTEGER,
	failures        INTEGER NOT NULL DEFAULT 0,
	retry_at        INTEGER NOT NULL DEFAULT 0,
	last_error      TEXT NOT NULL DEFAULT '',
	last_success_at INTEGER,
	claim_token     TEXT,
	claimed_until   INTEGER
);

CREATE TABLE webhook_deliveries (
	id          INTEGER PRIMARY KEY AUTOINCREMENT,
	endpoint_id TEXT NOT NULL REFERENCES webhook_endpoints (id) ON DELETE CASCADE,
	event_id    TEXT NOT NULL,
	event_type  TEXT NOT NULL,
	ticket_id   TEXT NOT NULL DEFAULT '',
	body        TEXT NOT NULL,
	created_at  INTEGER NOT NULL,
	attempts    INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX webhook_deliveries_endpoint ON webhook_deliveries (endpoint_id, id);
CREATE INDEX webhook_deliveries_ticket ON webhook_deliveries (ticket_id);

CREATE TABLE webhook_attempts (
	id          INTEGER PRIMARY KEY AUTOINCREMENT,
	endpoint_id TEXT NOT NULL REFERENCES webhook_endpoints (id) ON DELETE CASCADE,
	event_id    TEXT NOT NULL,
	event_type  TEXT NOT NULL,
	at          INTEGER NOT NULL,
	status_code INTEGER NOT NULL DEFAULT 0,
	error       TEXT NOT NULL DEFAULT '',
	duration_ms INTEGER NOT NULL DEFAULT 0,
	ok          INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX webhook_attempts_endpoint ON webhook_attempts (endpoint_id, id);

-- +goose Down
DROP TABLE webhook_attempts;
DROP TABLE webhook_deliveries;
DROP TABLE webhook_endpoints;
