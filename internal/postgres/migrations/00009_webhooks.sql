-- Signed outbound webhooks (docs/integrations.md). Endpoints registered by an
-- admin; the outbox of deliveries, one row per event and endpoint, written in
-- the queue change's transaction and deleted once delivered; and each
-- endpoint's delivery log, trimmed to its newest entries. The outbox is leased
-- per endpoint (claim_token, claimed_until on the endpoint) so that one
-- dispatcher at a time delivers an endpoint's events, in order. events holds
-- the subscribed types as ",ticket.created,sms.status," so that one strpos()
-- finds the subscribers of a type.

-- +goose Up
CREATE TABLE webhook_endpoints (
	id              TEXT PRIMARY KEY,
	url             TEXT NOT NULL,
	description     TEXT NOT NULL DEFAULT '',
	events          TEXT NOT NULL,
	personal        BOOLEAN NOT NULL DEFAULT FALSE,
	secret          TEXT NOT NULL,
	enabled         BOOLEAN NOT NULL DEFAULT TRUE,
	created_at      TIMESTAMPTZ NOT NULL,
	updated_at      TIMESTAMPTZ NOT NULL,
	disabled_at     TIMESTAMPTZ,
	disabled_reason TEXT NOT NULL DEFAULT '',
	failing_since   TIMESTAMPTZ,
	failures        INTEGER NOT NULL DEFAULT 0,
	retry_at        TIMESTAMPTZ NOT NULL DEFAULT 'epoch',
	last_error      TEXT NOT NULL DEFAULT '',
	last_success_at TIMESTAMPTZ,
	claim_token     TEXT,
	claimed_until   TIMESTAMPTZ
);

CREATE TABLE webhook_deliveries (
	id          BIGSERIAL PRIMARY KEY,
	endpoint_id TEXT NOT NULL REFERENCES webhook_endpoints (id) ON DELETE CASCADE,
	event_id    TEXT NOT NULL,
	event_type  TEXT NOT NULL,
	ticket_id   TEXT NOT NULL DEFAULT '',
	body        TEXT NOT NULL,
	created_at  TIMESTAMPTZ NOT NULL,
	attempts    INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX webhook_deliveries_endpoint ON webhook_deliveries (endpoint_id, id);
CREATE INDEX webhook_deliveries_ticket ON webhook_deliveries (ticket_id);

CREATE TABLE webhook_attempts (
	id          BIGSERIAL PRIMARY KEY,
	endpoint_id TEXT NOT NULL REFERENCES webhook_endpoints (id) ON DELETE CASCADE,
	event_id    TEXT NOT NULL,
	event_type  TEXT NOT NULL,
	at          TIMESTAMPTZ NOT NULL,
	status_code INTEGER NOT NULL DEFAULT 0,
	error       TEXT NOT NULL DEFAULT '',
	duration_ms INTEGER NOT NULL DEFAULT 0,
	ok          BOOLEAN NOT NULL DEFAULT FALSE
);
CREATE INDEX webhook_attempts_endpoint ON webhook_attempts (endpoint_id, id);

-- +goose Down
DROP TABLE webhook_attempts;
DROP TABLE webhook_deliveries;
DROP TABLE webhook_endpoints;
