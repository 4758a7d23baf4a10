package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"smartwait/internal/auth"
)

// CreateSession stores a login session (a zero CreatedAt is stored as now). The
// user must exist.
func (db *DB) CreateSession(ctx context.Context, s auth.Session) error {
	if s.CreatedAt.IsZero() {
		s.CreatedAt = db.now()
	}
	const insert = `INSERT INTO sessions (id, token_hash, user_id, created_at, expires_at) VALUES (?, ?, ?, ?, ?)`
	_, err := db.w.ExecContext(ctx, insert, s.ID, s.TokenHash, s.UserID, s.CreatedAt.UnixMilli(), s.ExpiresAt.UnixMilli())
	if err != nil {
		return fmt.Errorf("sqlite: create session: %w", translate(err))
	}
	return nil
}

var sessionByTokenHash = prepared(`SELECT s.id, s.token_hash, s.user_id, s.created_at, s.expires_at,
		users.id, users.username, users.role, users.password_hash, users.created_at, users.clinic_bound,
		COALESCE((SELECT group_concat(g.clinic_id || ':' || g.role) FROM staff_clinics g WHERE g.user_id = users.id), '')
	FROM sessions s JOIN users ON users.id = s.user_id
	WHERE s.token_hash = ?`)

// SessionByTokenHash returns the session with the token hash and its user, expired
// or not (the caller tells an expired token from an unknown one), or an error
// wrapping auth.ErrNotFound.
func (db *DB) SessionByTokenHash(ctx context.Context, hash string) (auth.Session, auth.User, error) {
	var s auth.Session
	var u auth.User
	var sCreated, sExpires, uCreated int64
	var grants string
	err := db.rstmts[sessionByTokenHash.i].QueryRowContext(ctx, hash).Scan(&s.ID, &s.TokenHash, &s.UserID, &sCreated, &sExpires,
		&u.ID, &u.Username, &u.Role, &u.PasswordHash, &uCreated, &u.ClinicBound, &grants)
	if errors.Is(err, sql.ErrNoRows) {
		return auth.Session{}, auth.User{}, fmt.Errorf("sqlite: session: %w", auth.ErrNotFound)
	}
	if err != nil {
		return auth.Session{}, auth.User{}, fmt.Errorf("sqlite: session: %w", translate(err))
	}
	s.CreatedAt = time.UnixMilli(sCreated).UTC()
	s.ExpiresAt = time.UnixMilli(sExpires).UTC()
	u.CreatedAt = time.UnixMilli(uCreated).UTC()
	if u.Grants, err = auth.ParseGrants(grants); err != nil {
		return auth.Session{}, auth.User{}, fmt.Errorf("sqlite: session: %w", err)
	}
	return s, u, nil
}

// DeleteSession removes the session. Removing one that does not exist (a second
// logout) is not an error: the session is gone either way.
func (db *DB) DeleteSession(ctx context.Context, id string) error {
	if _, err := db.w.ExecContext(ctx, `DELETE FROM sessions WHERE id = ?`, id); err != nil {
		return fmt.Errorf("sqlite: delete session: %w", translate(err))
	}
	return nil
}

// DeleteUserSessions removes every session of the user and returns their ids, so
// the caller can disconnect the sockets they opened.
func (db *DB) DeleteUserSessions(ctx context.Context, userID int64) ([]string, error) {
	rows, err := db.w.QueryContext(ctx, `DELETE FROM sessions WHERE user_id = ? RETURNING id`, userID)
	if err != nil {
		return nil, fmt.Errorf("sqlite: delete user sessions: %w", translate(err))
	}
	defer rows.Close()
	var ids []string
	for rows.Next() {
		var id string
		if err := rows.Scan(&id); err != nil {
			return nil, fmt.Errorf("sqlite: delete user sessions: %w", translate(err))
		}
		ids = append(ids, id)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("sqlite: delete user sessions: %w", translate(err))
	}
	return ids, nil
}

// DeleteExpiredSessions removes the sessions that expired before now and returns
// how many.
func (db *DB) DeleteExpiredSessions(ctx context.Context, now time.Time) (int, error) {
	res, err := db.w.ExecContext(ctx, `DELETE FROM sessions WHERE expires_at < ?`, now.UnixMilli())
	if err != nil {
		return 0, fmt.Errorf("sqlite: delete expired sessions: %w", translate(err))
	}
	n, err := res.RowsAffected()
	if err != nil {
		return 0, fmt.Errorf("sqlite: delete expired sessions: %w", translate(err))
	}
	return int(n), nil
}
