-- Numbers that texted STOP (docs/sms.md, two-way SMS): no text of any kind
-- goes to them until they text START.

-- +goose Up
CREATE TABLE sms_opt_outs (
    phone        text PRIMARY KEY,
    opted_out_at timestamptz NOT NULL
);

-- When a patient texted HERE (docs/sms.md): the desk sees who is in the building.
ALTER TABLE tickets ADD COLUMN arrived_at timestamptz;

-- How often the patient texted LATE this visit (at most twice).
ALTER TABLE tickets ADD COLUMN delays integer NOT NULL DEFAULT 0;

-- The help text for an unknown word goes at most once an hour per number.
CREATE INDEX messages_to_phone ON messages (to_phone, kind, created_at);

-- +goose Down
ALTER TABLE tickets DROP COLUMN delays;
ALTER TABLE tickets DROP COLUMN arrived_at;
DROP INDEX messages_to_phone;
DROP TABLE sms_opt_outs;
