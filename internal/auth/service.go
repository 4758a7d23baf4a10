package auth

import (
	"context"
	"crypto/subtle"
	"errors"
	"fmt"
	"sync"
	"time"

	"golang.org/x/crypto/bcrypt"
)

// Defaults of a Service.
const (
	DefaultTTL  = 8 * time.Hour
	DefaultCost = 12 // bcrypt cost: ~300 ms per hash on the reference machine
	// KioskTTL is a kiosk session's lifetime: a lobby tablet stays signed in
	// for weeks rather than a shift. Removing the account or changing its
	// password ends the session at once.
	KioskTTL = 30 * 24 * time.Hour
)

// Service manages staff accounts and sessions on a Store. It is safe for concurrent
// use; set its fields before the first call.
type Service struct {
	Store Store
	Now   func() time.Time // nil: time.Now
	TTL   time.Duration    // session lifetime; 0: DefaultTTL
	Cost  int              // bcrypt cost; 0: DefaultCost (tests use bcrypt.MinCost)
	// OnLogout, if set, is told the ids of sessions that ended (logout, password
	// change, account removal) so that their live connections can be closed.
	// It must not block.
	OnLogout func(sessionIDs ...string)

	dummyOnce sync.Once
	dummy     string
}

func (s *Service) now() time.Time {
	if s.Now != nil {
		return s.Now().UTC()
	}
	return time.Now().UTC()
}

func (s *Service) ttl() time.Duration {
	if s.TTL > 0 {
		return s.TTL
	}
	return DefaultTTL
}

func (s *Service) cost() int {
	if s.Cost >= bcrypt.MinCost && s.Cost <= bcrypt.MaxCost {
		return s.Cost
	}
	return DefaultCost
}

// Login checks username and password and starts a session. It returns the
// session's token, which is shown to the client once and stored only as a hash.
// Wrong usernames and wrong passwords both fail with CodeInvalidCredentials after
// the same bcrypt work, so timing does not tell which usernames exist.
func (s *Service) Login(ctx context.Context, username, password string) (string, Session, User, error) {
	u, err := s.Store.UserByUsername(ctx, username)
	switch {
	case errors.Is(err, ErrNotFound):
		checkPassword(s.dummyHash(), password)
		return "", Session{}, User{}, invalidCredentials()
	case err != nil:
		return "", Session{}, User{}, fmt.Errorf("login: %w", err)
	}
	// bcrypt would read only the first 72 bytes; a longer password never matches.
	if !checkPassword(u.PasswordHash, password) || len(password) > MaxPasswordLen {
		return "", Session{}, User{}, invalidCredentials()
	}
	now := s.now()
	// Expired sessions are useless rows; a login is a rare, cheap moment to sweep them.
	if _, err := s.Store.DeleteExpiredSessions(ctx, now); err != nil {
		return "", Session{}, User{}, fmt.Errorf("login: sweep sessions: %w", err)
	}
	token, hash := newToken()
	ttl := s.ttl()
	if u.Role == RoleKiosk {
		ttl = KioskTTL
	}
	sess := Session{
		ID: randomString(16), TokenHash: hash, UserID: u.ID,
		CreatedAt: now, ExpiresAt: now.Add(ttl),
	}
	if err := s.Store.CreateSession(ctx, sess); err != nil {
		return "", Session{}, User{}, fmt.Errorf("login: create session: %w", err)
	}
	return token, sess, u, nil
}

// Authenticate returns the session and user a token belongs to. A missing,
// malformed or unknown token fails with CodeUnauthorized, an expired one with
// CodeInvalidToken, a kiosk's with CodeForbidden: everything behind
// Authenticate (the queue, the staff streams and pages) is staff-only.
func (s *Service) Authenticate(ctx context.Context, token string) (Session, User, error) {
	sess, u, err := s.AuthenticateDesk(ctx, token)
	if err == nil && u.Role == RoleKiosk {
		return Session{}, User{}, errorf(CodeForbidden, "A kiosk account may only check patients in")
	}
	return sess, u, err
}

// AuthenticateDesk is Authenticate that also accepts a kiosk's session: for
// the front-desk check-in, the kiosk page, and a session's own me and logout.
func (s *Service) AuthenticateDesk(ctx context.Context, token string) (Session, User, error) {
	if !wellFormedToken(token) {
		return Session{}, User{}, unauthorized()
	}
	hash := hashToken(token)
	sess, u, err := s.Store.SessionByTokenHash(ctx, hash)
	switch {
	case errors.Is(err, ErrNotFound):
		return Session{}, User{}, unauthorized()
	case err != nil:
		return Session{}, User{}, fmt.Errorf("authenticate: %w", err)
	}
	// The lookup is by hash, so its timing reveals nothing about the token; the
	// constant-time comparison guards against a store that matches loosely.
	if subtle.ConstantTimeCompare([]byte(sess.TokenHash), []byte(hash)) != 1 {
		return Session{}, User{}, unauthorized()
	}
	if !s.now().Before(sess.ExpiresAt) {
		return Session{}, User{}, errorf(CodeInvalidToken, "Session expired, please log in again")
	}
	return sess, u, nil
}

// Logout ends the session with the given id. Ending an unknown session is not an
// error: the outcome (no such session) is the same.
func (s *Service) Logout(ctx context.Context, sessionID string) error {
	if err := s.Store.DeleteSession(ctx, sessionID); err != nil && !errors.Is(err, ErrNotFound) {
		return fmt.Errorf("logout: %w", err)
	}
	s.ended(sessionID)
	return nil
}

func (s *Service) ended(ids ...string) {
	if s.OnLogout != nil && len(ids) > 0 {
		s.OnLogout(ids...)
	}
}
