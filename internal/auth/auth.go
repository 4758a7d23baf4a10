// Package auth is SmartWait's staff side: accounts with roles, password hashing,
// and sessions whose 256-bit random tokens are stored only as a SHA-256 hash.
package auth

import (
	"context"
	"errors"
	"time"
)

// Role is what a staff account may do.
type Role string

// The roles. Admins also manage staff accounts. A kiosk account is a lobby
// tablet's: it may only check patients in (docs/lines.md, "Kiosk"), so
// Authenticate refuses its sessions and only AuthenticateDesk accepts them.
const (
	RoleStaff Role = "staff"
	RoleAdmin Role = "admin"
	RoleKiosk Role = "kiosk"
)

// User is a staff account.
type User struct {
	ID           int64
	Username     string
	Role         Role
	PasswordHash string // bcrypt
	CreatedAt    time.Time
	// ClinicBound limits the account to the clinics Grants name (clinics.go);
	// false keeps the pre-clinic meaning of Role.
	ClinicBound bool
	Grants      []Grant // by clinic id
}

// Session is one login. The token itself is never stored: TokenHash is the hex
// SHA-256 of it. ID is a random public identifier (safe to log and to return).
type Session struct {
	ID        string
	TokenHash string
	UserID    int64
	CreatedAt time.Time
	ExpiresAt time.Time
}

// Store is the storage auth needs. Lookups of a missing row return an error wrapping
// ErrNotFound; creating a user whose username exists returns one wrapping ErrExists.
//
// Users come back with their Grants (by clinic id) and ClinicBound, the
// session's user too, read in the same statement. Removing a clinic removes
// the grants naming it.
type Store interface {
	// CreateUser stores u with its grants in one transaction and sets u.ID.
	// A grant naming no clinic fails with an error wrapping ErrNotFound.
	CreateUser(ctx context.Context, u *User) error
	UserByUsername(ctx context.Context, username string) (User, error)
	UserByID(ctx context.Context, id int64) (User, error)
	ListUsers(ctx context.Context) ([]User, error) // by username
	SetPassword(ctx context.Context, userID int64, hash string) error
	// DeleteUser removes the user and all of their sessions.
	DeleteUser(ctx context.Context, userID int64) error
	CountUsers(ctx context.Context) (int, error)

	CreateSession(ctx context.Context, s Session) error
	// SessionByTokenHash returns the session and its user.
	SessionByTokenHash(ctx context.Context, hash string) (Session, User, error)
	DeleteSession(ctx context.Context, id string) error
	// DeleteUserSessions removes every session of the user and returns their ids.
	DeleteUserSessions(ctx context.Context, userID int64) ([]string, error)
	// DeleteExpiredSessions removes sessions that expired before now.
	DeleteExpiredSessions(ctx context.Context, now time.Time) (int, error)
}

// Storage sentinels.
var (
	ErrNotFound = errors.New("not found")
	ErrExists   = errors.New("already exists")
)
