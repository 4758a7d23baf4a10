-- Staff accounts per clinic (docs/clinics.md, "Staff and clinics";
-- auth/clinics.go): a grant gives an account a role (admin, staff, kiosk) at
-- one clinic. users.clinic_bound marks an account limited to its grants; an
-- account without it keeps its pre-clinic meaning (an admin manages the
-- deployment, staff and kiosk accounts act at the default clinic), so every
-- existing account works unchanged. The flag outlives the grants: removing a
-- clinic removes its grants (ON DELETE CASCADE) and its staff then see
-- nothing, rather than becoming deployment admins.

-- +goose Up
ALTER TABLE users ADD COLUMN clinic_bound INTEGER NOT NULL DEFAULT 0;

CREATE TABLE staff_clinics (
    user_id   INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    clinic_id INTEGER NOT NULL REFERENCES clinics (id) ON DELETE CASCADE,
    role      TEXT NOT NULL,
    PRIMARY KEY (user_id, clinic_id)
) WITHOUT ROWID;
CREATE INDEX staff_clinics_clinic ON staff_clinics (clinic_id);

-- +goose Down
DROP TABLE staff_clinics;
ALTER TABLE users DROP COLUMN clinic_bound;
