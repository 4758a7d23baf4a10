-- Clinics (docs/clinics.md, queue/clinic.go): a deployment serves one or more
-- sites, each with its lines, rooms, time zone, SMS name and sender.
--
-- Every deployment has the default clinic, id 1 (queue.DefaultClinicID), slug
-- 'main' (SMARTWAIT_CLINIC_SLUG renames it at start). Its name and time zone
-- stay '' so that SMARTWAIT_CLINIC_NAME and SMARTWAIT_TIMEZONE keep deciding
-- them, as before clinics. Existing lines and rooms belong to it.
--
-- Lines and rooms refer to the clinic by id, so a renamed slug moves nothing.
-- No REFERENCES clause: SQLite refuses one on an added column with a non-NULL
-- default; queue.Service keeps the ids right and DeleteClinic removes a
-- clinic's lines and rooms with it.

-- +goose Up
CREATE TABLE clinics (
    id         INTEGER PRIMARY KEY,
    slug       TEXT NOT NULL UNIQUE,
    name       TEXT NOT NULL DEFAULT '',  -- '': the deployment's (default clinic only)
    timezone   TEXT NOT NULL DEFAULT '',  -- IANA; '': the deployment's (default clinic only)
    sms_from   TEXT,                      -- E.164; NULL: the deployment's number
    hours      TEXT NOT NULL DEFAULT '',  -- queue.Hours.String()
    created_at INTEGER NOT NULL           -- unix ms
);
INSERT INTO clinics (id, slug, created_at) VALUES (1, 'main', CAST(strftime('%s', 'now') AS INTEGER) * 1000);

ALTER TABLE queues ADD COLUMN clinic_id INTEGER NOT NULL DEFAULT 1;
ALTER TABLE rooms ADD COLUMN clinic_id INTEGER NOT NULL DEFAULT 1;
CREATE INDEX queues_clinic ON queues (clinic_id);

-- Ticket number prefixes tell a clinic's lines apart; two clinics may both
-- have an "A" line.
DROP INDEX queues_prefix;
CREATE UNIQUE INDEX queues_prefix ON queues (clinic_id, prefix);

-- The number a text went from: its clinic's sender; NULL: the deployment's.
ALTER TABLE messages ADD COLUMN from_phone TEXT;

-- +goose Down
ALTER TABLE messages DROP COLUMN from_phone;
DROP INDEX queues_prefix;
CREATE UNIQUE INDEX queues_prefix ON queues (prefix);
DROP INDEX queues_clinic;
ALTER TABLE rooms DROP COLUMN clinic_id;
ALTER TABLE queues DROP COLUMN clinic_id;
DROP TABLE clinics;
