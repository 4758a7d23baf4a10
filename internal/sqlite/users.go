package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"

	"modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"

	"smartwait/internal/auth"
)

// CreateUser stores a new staff account with its grants in one transaction and
// sets u.ID (and u.CreatedAt, when zero, to now). A taken username fails with an
// error wrapping auth.ErrExists, a grant of an unknown clinic with one wrapping
// auth.ErrNotFound.
func (db *DB) CreateUser(ctx context.Context, u *auth.User) error {
	if u.CreatedAt.IsZero() {
		u.CreatedAt = db.now().UTC()
	}
	tx, err := db.w.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("sqlite: create user %q: %w", u.Username, translate(err))
	}
	defer tx.Rollback()
	const insert = `INSERT INTO users (username, role, password_hash, created_at, clinic_bound) VALUES (?, ?, ?, ?, ?)
		RETURNING id`
	err = tx.QueryRowContext(ctx, insert, u.Username, u.Role, u.PasswordHash, u.CreatedAt.UnixMilli(), u.ClinicBound).Scan(&u.ID)
	if err != nil {
		return fmt.Errorf("sqlite: create user %q: %w", u.Username, translate(err))
	}
	for _, g := range u.Grants {
		_, err := tx.ExecContext(ctx, `INSERT INTO staff_clinics (user_id, clinic_id, role) VALUES (?, ?, ?)`, u.ID, g.ClinicID, g.Role)
		var se *sqlite.Error
		if errors.As(err, &se) && se.Code() == sqlite3.SQLITE_CONSTRAINT_FOREIGNKEY {
			return fmt.Errorf("sqlite: create user %q: clinic %d: %w", u.Username, g.ClinicID, auth.ErrNotFound)
		}
		if err != nil {
			return fmt.Errorf("sqlite: create user %q: %w", u.Username, translate(err))
		}
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("sqlite: create user %q: %w", u.Username, translate(err))
	}
	return nil
}

// userColumns selects a user with its grants, aggregated in the same
// statement (auth.FormatGrants' form) so that a session's lookup stays one
// query: the primary key of staff_clinics makes the subquery an index range.
const userColumns = `id, username, role, password_hash, created_at, clinic_bound,
	COALESCE((SELECT group_concat(g.clinic_id || ':' || g.role) FROM staff_clinics g WHERE g.user_id = users.id), '')`

func scanUser(s scanner) (auth.User, error) {
	var u auth.User
	var created int64
	var grants string
	if err := s.Scan(&u.ID, &u.Username, &u.Role, &u.PasswordHash, &created, &u.ClinicBound, &grants); err != nil {
		return auth.User{}, err
	}
	u.CreatedAt = fromMS(sql.NullInt64{Int64: created, Valid: true})
	var err error
	u.Grants, err = auth.ParseGrants(grants)
	return u, err
}

// userBy runs a query selecting one user's userColumns.
func (db *DB) userBy(ctx context.Context, what, query string, arg any) (auth.User, error) {
	u, err := scanUser(db.r.QueryRowContext(ctx, query, arg))
	if errors.Is(err, sql.ErrNoRows) {
		return auth.User{}, fmt.Errorf("sqlite: user %s: %w", what, auth.ErrNotFound)
	}
	if err != nil {
		return auth.User{}, fmt.Errorf("sqlite: user %s: %w", what, translate(err))
	}
	return u, nil
}

// UserByUsername returns the account with the username (matched exactly), or an
// error wrapping auth.ErrNotFound.
func (db *DB) UserByUsername(ctx context.Context, username string) (auth.User, error) {
	return db.userBy(ctx, fmt.Sprintf("%q", username), `SELECT `+userColumns+` FROM users WHERE username = ?`, username)
}

// UserByID returns the account with the id, or an error wrapping auth.ErrNotFound.
func (db *DB) UserByID(ctx context.Context, id int64) (auth.User, error) {
	return db.userBy(ctx, fmt.Sprint(id), `SELECT `+userColumns+` FROM users WHERE id = ?`, id)
}

// ListUsers returns every account, by username.
func (db *DB) ListUsers(ctx context.Context) ([]auth.User, error) {
	rows, err := db.r.QueryContext(ctx, `SELECT `+userColumns+` FROM users ORDER BY username`)
	if err != nil {
		return nil, fmt.Errorf("sqlite: list users: %w", translate(err))
	}
	defer rows.Close()
	var out []auth.User
	for rows.Next() {
		u, err := scanUser(rows)
		if err != nil {
			return nil, fmt.Errorf("sqlite: list users: %w", translate(err))
		}
		out = append(out, u)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("sqlite: list users: %w", translate(err))
	}
	return out, nil
}

// SetPassword replaces the user's password hash; an unknown user fails with an
// error wrapping auth.ErrNotFound.
func (db *DB) SetPassword(ctx context.Context, userID int64, hash string) error {
	res, err := db.w.ExecContext(ctx, `UPDATE users SET password_hash = ? WHERE id = ?`, hash, userID)
	if err != nil {
		return fmt.Errorf("sqlite: set password: %w", translate(err))
	}
	return mustAffect(res, fmt.Sprintf("set password of user %d", userID), auth.ErrNotFound)
}

// DeleteUser removes the user; ON DELETE CASCADE removes their sessions in the same
// statement. An unknown user fails with an error wrapping auth.ErrNotFound.
func (db *DB) DeleteUser(ctx context.Context, userID int64) error {
	res, err := db.w.ExecContext(ctx, `DELETE FROM users WHERE id = ?`, userID)
	if err != nil {
		return fmt.Errorf("sqlite: delete user: %w", translate(err))
	}
	return mustAffect(res, fmt.Sprintf("delete user %d", userID), auth.ErrNotFound)
}

// CountUsers counts the staff accounts (zero means the bootstrap admin is due).
func (db *DB) CountUsers(ctx context.Context) (int, error) {
	var n int
	if err := db.r.QueryRowContext(ctx, `SELECT COUNT(*) FROM users`).Scan(&n); err != nil {
		return 0, fmt.Errorf("sqlite: count users: %w", translate(err))
	}
	return n, nil
}
