-- The per-phone check-in limit (SMARTWAIT_CHECKINS_PER_PHONE) counts a phone's
-- check-ins of the last hour, in every queue and status, at each check-in: an index
-- range instead of a scan of every ticket ever stored.

-- +goose Up
CREATE INDEX tickets_phone_check_in ON tickets (phone, check_in_time);

-- +goose Down
DROP INDEX tickets_phone_check_in;
