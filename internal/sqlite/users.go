package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"

	"smartwait/internal/auth"
)

// CreateUser stores a new staff account and sets u.ID (and u.CreatedAt, when zero,
// to now). A taken username fails with an error wrapping auth.ErrExists.
func (db *DB) CreateUser(ctx context.Context, u *auth.User) error {
	if u.CreatedAt.IsZero() {
		u.CreatedAt = db.now().UTC()
	}
	const insert = `INSERT INTO users (username, role, password_hash, created_at) VALUES (?, ?, ?, ?)
		RETURNING id`
	err := db.w.QueryRowContext(ctx, insert, u.Username, u.Role, u.PasswordHash, u.CreatedAt.UnixMilli()).Scan(&u.ID)
	if err != nil {
		return fmt.Errorf("sqlite: create user %q: %w", u.Username, translate(err))
	}
	return nil
}

const userColumns = `id, username, role, password_hash, created_at`

func scanUser(s scanner) (auth.User, error) {
	var u auth.User
	var created int64
	if err := s.Scan(&u.ID, &u.Username, &u.Role, &u.PasswordHash, &created); err != nil {
		return auth.User{}, err
	}
	u.CreatedAt = fromMS(sql.NullInt64{Int64: created, Valid: true})
	return u, nil
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
