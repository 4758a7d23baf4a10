package postgres

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"smartwait/internal/auth"
)

// authErr translates err and adds the auth package's not-found sentinel for a
// missing row, so auth callers need not know about queue's sentinels.
func authErr(ctx context.Context, what string, err error) error {
	if errors.Is(err, pgx.ErrNoRows) {
		return fmt.Errorf("postgres: %s: %w", what, auth.ErrNotFound)
	}
	return fmt.Errorf("postgres: %s: %w", what, translate(ctx, err))
}

// CreateUser stores u with its grants in one transaction and sets u.ID; a
// taken username fails with auth.ErrExists, a grant of an unknown clinic with
// auth.ErrNotFound. A zero CreatedAt is stored as now.
func (db *DB) CreateUser(ctx context.Context, u *auth.User) error {
	ctx, cancel := db.bound(ctx)
	defer cancel()
	if u.CreatedAt.IsZero() {
		u.CreatedAt = db.now().UTC()
	}
	u.CreatedAt = u.CreatedAt.UTC().Truncate(time.Millisecond)
	const insert = `INSERT INTO users (username, role, password_hash, created_at, clinic_bound) VALUES ($1, $2, $3, $4, $5) RETURNING id`
	err := db.retry(ctx, func() error {
		return pgx.BeginFunc(ctx, db.pool, func(tx pgx.Tx) error {
			if err := tx.QueryRow(ctx, insert, u.Username, string(u.Role), u.PasswordHash, u.CreatedAt, u.ClinicBound).Scan(&u.ID); err != nil {
				return err
			}
			for _, g := range u.Grants {
				_, err := tx.Exec(ctx, `INSERT INTO staff_clinics (user_id, clinic_id, role) VALUES ($1, $2, $3)`, u.ID, g.ClinicID, string(g.Role))
				var pe *pgconn.PgError
				if errors.As(err, &pe) && pe.Code == "23503" { // foreign_key_violation
					return fmt.Errorf("clinic %d: %w", g.ClinicID, auth.ErrNotFound)
				}
				if err != nil {
					return err
				}
			}
			return nil
		})
	})
	if err != nil {
		return authErr(ctx, "create user", err)
	}
	return nil
}

// userColumns selects a user with its grants, aggregated in the same statement
// (auth.FormatGrants' form) so that a session's lookup stays one query.
const userColumns = `users.id, users.username, users.role, users.password_hash, users.created_at, users.clinic_bound,
	COALESCE((SELECT string_agg(g.clinic_id::text || ':' || g.role, ',') FROM staff_clinics g WHERE g.user_id = users.id), '')`

func scanUser(row pgx.Row) (auth.User, error) {
	var u auth.User
	var grants string
	err := row.Scan(&u.ID, &u.Username, &u.Role, &u.PasswordHash, &u.CreatedAt, &u.ClinicBound, &grants)
	if err != nil {
		return u, err
	}
	u.CreatedAt = u.CreatedAt.UTC()
	u.Grants, err = auth.ParseGrants(grants)
	return u, err
}

// UserByUsername returns the user, or an error wrapping auth.ErrNotFound.
func (db *DB) UserByUsername(ctx context.Context, username string) (auth.User, error) {
	ctx, cancel := db.bound(ctx)
	defer cancel()
	var u auth.User
	err := db.retry(ctx, func() (err error) {
		u, err = scanUser(db.pool.QueryRow(ctx, `SELECT `+userColumns+` FROM users WHERE username = $1`, username))
		return err
	})
	if err != nil {
		return auth.User{}, authErr(ctx, "user by username", err)
	}
	return u, nil
}

// UserByID returns the user, or an error wrapping auth.ErrNotFound.
func (db *DB) UserByID(ctx context.Context, id int64) (auth.User, error) {
	ctx, cancel := db.bound(ctx)
	defer cancel()
	var u auth.User
	err := db.retry(ctx, func() (err error) {
		u, err = scanUser(db.pool.QueryRow(ctx, `SELECT `+userColumns+` FROM users WHERE id = $1`, id))
		return err
	})
	if err != nil {
		return auth.User{}, authErr(ctx, "user by id", err)
	}
	return u, nil
}

// ListUsers returns every user, by username.
func (db *DB) ListUsers(ctx context.Context) ([]auth.User, error) {
	ctx, cancel := db.bound(ctx)
	defer cancel()
	var out []auth.User
	err := db.retry(ctx, func() error {
		rows, err := db.pool.Query(ctx, `SELECT `+userColumns+` FROM users ORDER BY username`)
		if err != nil {
			return err
		}
		out, err = pgx.CollectRows(rows, func(r pgx.CollectableRow) (auth.User, error) { return scanUser(r) })
		return err
	})
	if err != nil {
		return nil, authErr(ctx, "list users", err)
	}
	return out, nil
}

// SetPassword replaces the user's password hash; an unknown user fails with
// auth.ErrNotFound.
func (db *DB) SetPassword(ctx context.Context, userID int64, hash string) error {
	ctx, cancel := db.bound(ctx)
	defer cancel()
	var tag pgconn.CommandTag
	err := db.retry(ctx, func() (err error) {
		tag, err = db.pool.Exec(ctx, `UPDATE users SET password_hash = $1 WHERE id = $2`, hash, userID)
		return err
	})
	if err != nil {
		return authErr(ctx, "set password", err)
	}
	if tag.RowsAffected() == 0 {
		return fmt.Errorf("postgres: set password: %w", auth.ErrNotFound)
	}
	return nil
}

// DeleteUser removes the user and, by the foreign key's ON DELETE CASCADE, all of
// their sessions. An unknown user fails with auth.ErrNotFound.
func (db *DB) DeleteUser(ctx context.Context, userID int64) error {
	ctx, cancel := db.bound(ctx)
	defer cancel()
	var tag pgconn.CommandTag
	err := db.retry(ctx, func() (err error) {
		tag, err = db.pool.Exec(ctx, `DELETE FROM users WHERE id = $1`, userID)
		return err
	})
	if err != nil {
		return authErr(ctx, "delete user", err)
	}
	if tag.RowsAffected() == 0 {
		return fmt.Errorf("postgres: delete user: %w", auth.ErrNotFound)
	}
	return nil
}

// CountUsers counts the staff accounts.
func (db *DB) CountUsers(ctx context.Context) (int, error) {
	ctx, cancel := db.bound(ctx)
	defer cancel()
	var n int
	if err := db.retry(ctx, func() error { return db.pool.QueryRow(ctx, `SELECT COUNT(*) FROM users`).Scan(&n) }); err != nil {
		return 0, authErr(ctx, "count users", err)
	}
	return n, nil
}

// CreateSession stores s.
func (db *DB) CreateSession(ctx context.Context, s auth.Session) error {
	ctx, cancel := db.bound(ctx)
	defer cancel()
	if s.CreatedAt.IsZero() {
		s.CreatedAt = db.now()
	}
	const insert = `INSERT INTO sessions (id, token_hash, user_id, created_at, expires_at) VALUES ($1, $2, $3, $4, $5)`
	err := db.retry(ctx, func() error {
		_, err := db.pool.Exec(ctx, insert, s.ID, s.TokenHash, s.UserID,
			s.CreatedAt.UTC().Truncate(time.Millisecond), s.ExpiresAt.UTC().Truncate(time.Millisecond))
		return err
	})
	if err != nil {
		return authErr(ctx, "create session", err)
	}
	return nil
}

// SessionByTokenHash returns the session with the token hash and its user, or an
// error wrapping auth.ErrNotFound. Expired sessions are returned too: deciding that
// they no longer count is auth's business.
func (db *DB) SessionByTokenHash(ctx context.Context, hash string) (auth.Session, auth.User, error) {
	ctx, cancel := db.bound(ctx)
	defer cancel()
	const query = `SELECT s.id, s.token_hash, s.user_id, s.created_at, s.expires_at, ` + userColumns + `
		FROM sessions s JOIN users ON users.id = s.user_id WHERE s.token_hash = $1`
	var s auth.Session
	var u auth.User
	var grants string
	err := db.retry(ctx, func() error {
		return db.pool.QueryRow(ctx, query, hash).Scan(&s.ID, &s.TokenHash, &s.UserID, &s.CreatedAt, &s.ExpiresAt,
			&u.ID, &u.Username, &u.Role, &u.PasswordHash, &u.CreatedAt, &u.ClinicBound, &grants)
	})
	if err != nil {
		return auth.Session{}, auth.User{}, authErr(ctx, "session", err)
	}
	s.CreatedAt, s.ExpiresAt, u.CreatedAt = s.CreatedAt.UTC(), s.ExpiresAt.UTC(), u.CreatedAt.UTC()
	if u.Grants, err = auth.ParseGrants(grants); err != nil {
		return auth.Session{}, auth.User{}, fmt.Errorf("postgres: session: %w", err)
	}
	return s, u, nil
}

// DeleteSession removes the session. Deleting one that does not exist is not an
// error (a second logout), as on SQLite.
func (db *DB) DeleteSession(ctx context.Context, id string) error {
	if _, err := db.exec(ctx, `DELETE FROM sessions WHERE id = $1`, id); err != nil {
		return fmt.Errorf("postgres: delete session: %w", err)
	}
	return nil
}

// DeleteUserSessions removes every session of the user and returns their ids.
func (db *DB) DeleteUserSessions(ctx context.Context, userID int64) ([]string, error) {
	ctx, cancel := db.bound(ctx)
	defer cancel()
	var ids []string
	err := db.retry(ctx, func() error {
		rows, err := db.pool.Query(ctx, `DELETE FROM sessions WHERE user_id = $1 RETURNING id`, userID)
		if err != nil {
			return err
		}
		ids, err = pgx.CollectRows(rows, pgx.RowTo[string])
		return err
	})
	if err != nil {
		return nil, authErr(ctx, "delete user sessions", err)
	}
	return ids, nil
}

// DeleteExpiredSessions removes sessions that expired before now and returns how
// many.
func (db *DB) DeleteExpiredSessions(ctx context.Context, now time.Time) (int, error) {
	ctx, cancel := db.bound(ctx)
	defer cancel()
	var tag pgconn.CommandTag
	err := db.retry(ctx, func() (err error) {
		tag, err = db.pool.Exec(ctx, `DELETE FROM sessions WHERE expires_at < $1`, now.UTC())
		return err
	})
	if err != nil {
		return 0, authErr(ctx, "delete expired sessions", err)
	}
	return int(tag.RowsAffected()), nil
}
