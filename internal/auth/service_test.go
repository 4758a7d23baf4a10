package auth_test

import (
	"context"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"golang.org/x/crypto/bcrypt"

	"smartwait/internal/auth"
	"smartwait/internal/sqlite"
	"smartwait/internal/sqlite/sqlitetest"
)

// clock is a settable time source.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *clock) Add(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

// fixture is an auth.Service on a fresh SQLite file, with a controllable clock and
// a record of every session OnLogout was told about.
type fixture struct {
	svc   *auth.Service
	db    *sqlite.DB
	clock *clock
	mu    sync.Mutex
	ended []string
}

func newFixture(tb testing.TB) *fixture {
	tb.Helper()
	db, err := sqlite.Open(context.Background(), sqlitetest.Migrated(tb, "auth.db"))
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { db.Close() })
	f := &fixture{db: db, clock: &clock{t: time.Date(2026, 11, 28, 9, 0, 0, 0, time.UTC)}}
	f.svc = &auth.Service{Store: db, Now: f.clock.Now, Cost: bcrypt.MinCost,
		OnLogout: func(ids ...string) {
			f.mu.Lock()
			defer f.mu.Unlock()
			f.ended = append(f.ended, ids...)
		}}
	return f
}

func (f *fixture) endedSessions() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return slices.Clone(f.ended)
}

func (f *fixture) mustAdd(tb testing.TB, username, password string, role auth.Role) auth.User {
	tb.Helper()
	u, err := f.svc.AddUser(context.Background(), username, password, role)
	if err != nil {
		tb.Fatalf("AddUser(%q): %v", username, err)
	}
	return u
}

func (f *fixture) mustLogin(tb testing.TB, username, password string) (string, auth.Session) {
	tb.Helper()
	token, sess, _, err := f.svc.Login(context.Background(), username, password)
	if err != nil {
		tb.Fatalf("Login(%q): %v", username, err)
	}
	return token, sess
}

// wantCode fails unless err is an *auth.Error with the given code.
func wantCode(tb testing.TB, err error, code string) {
	tb.Helper()
	var ae *auth.Error
	if !errors.As(err, &ae) {
		tb.Fatalf("error = %v (%T), want *auth.Error %s", err, err, code)
	}
	if ae.ErrorCode() != code {
		tb.Fatalf("code = %s (%q), want %s", ae.ErrorCode(), ae.Message, code)
	}
}

func TestAddUserValidation(t *testing.T) {
	f := newFixture(t)
	f.mustAdd(t, "taken", "password1", auth.RoleStaff)
	tests := []struct {
		name, username, password string
		role                     auth.Role
		code                     string // "" = success
	}{
		{"staff", "nurse.joy", "correct horse", auth.RoleStaff, ""},
		{"admin", "dr_who-2", "correct horse", auth.RoleAdmin, ""},
		{"default role", "reception", "12345678", "", ""},
		{"max password", "maxpw", strings.Repeat("p", 72), auth.RoleStaff, ""},
		{"short username", "ab", "correct horse", auth.RoleStaff, auth.CodeValidation},
		{"long username", strings.Repeat("a", 33), "correct horse", auth.RoleStaff, auth.CodeValidation},
		{"uppercase", "Nurse", "correct horse", auth.RoleStaff, auth.CodeValidation},
		{"space", "nurse joy", "correct horse", auth.RoleStaff, auth.CodeValidation},
		{"unicode", "jösé", "correct horse", auth.RoleStaff, auth.CodeValidation},
		{"short password", "shortpw", "1234567", auth.RoleStaff, auth.CodeValidation},
		{"73-byte password", "longpw", strings.Repeat("p", 73), auth.RoleStaff, auth.CodeValidation},
		{"bad role", "badrole", "correct horse", "root", auth.CodeValidation},
		{"duplicate", "taken", "password2", auth.RoleStaff, auth.CodeUserExists},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			u, err := f.svc.AddUser(context.Background(), tt.username, tt.password, tt.role)
			if tt.code != "" {
				wantCode(t, err, tt.code)
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			wantRole := tt.role
			if wantRole == "" {
				wantRole = auth.RoleStaff
			}
			if u.ID == 0 || u.Username != tt.username || u.Role != wantRole {
				t.Fatalf("user = %+v", u)
			}
			if u.PasswordHash == tt.password || bcrypt.CompareHashAndPassword([]byte(u.PasswordHash), []byte(tt.password)) != nil {
				t.Fatalf("password hash %q does not verify", u.PasswordHash)
			}
		})
	}
}

func TestLogin(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	user := f.mustAdd(t, "nurse", "correct horse", auth.RoleStaff)

	token, sess, u, err := f.svc.Login(ctx, "nurse", "correct horse")
	if err != nil {
		t.Fatal(err)
	}
	if u.ID != user.ID || sess.UserID != user.ID {
		t.Fatalf("user %d, session user %d, want %d", u.ID, sess.UserID, user.ID)
	}
	raw, err := base64.RawURLEncoding.DecodeString(token)
	if err != nil || len(raw) != 32 {
		t.Fatalf("token %q is not 256 bits of base64url (%d bytes, %v)", token, len(raw), err)
	}
	sum := sha256.Sum256([]byte(token))
	if sess.TokenHash != hex.EncodeToString(sum[:]) {
		t.Fatalf("stored hash %q is not the hex SHA-256 of the token", sess.TokenHash)
	}
	if want := f.clock.Now().Add(auth.DefaultTTL); !sess.ExpiresAt.Equal(want) {
		t.Fatalf("expires %v, want %v", sess.ExpiresAt, want)
	}
	if sess.ID == "" || strings.Contains(token, sess.ID) {
		t.Fatalf("session id %q must be set and unrelated to the token", sess.ID)
	}
	token2, _ := f.mustLogin(t, "nurse", "correct horse")
	if token2 == token {
		t.Fatal("two logins produced the same token")
	}

	for _, tt := range []struct{ name, username, password string }{
		{"wrong password", "nurse", "wrong horse"},
		{"unknown user", "ghost", "correct horse"},
		{"empty password", "nurse", ""},
		{"password beyond 72 bytes", "nurse", "correct horse" + strings.Repeat("x", 70)},
	} {
		t.Run(tt.name, func(t *testing.T) {
			_, _, _, err := f.svc.Login(ctx, tt.username, tt.password)
			wantCode(t, err, auth.CodeInvalidCredentials)
		})
	}
}

func TestLoginRefusesTruncatedPassword(t *testing.T) {
	f := newFixture(t)
	pw := strings.Repeat("a", 72)
	f.mustAdd(t, "maxlen", pw, auth.RoleStaff)
	f.mustLogin(t, "maxlen", pw)
	// bcrypt would accept this (it reads 72 bytes); the service must not.
	_, _, _, err := f.svc.Login(context.Background(), "maxlen", pw+"suffix")
	wantCode(t, err, auth.CodeInvalidCredentials)
}

func TestAuthenticate(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	f.mustAdd(t, "nurse", "correct horse", auth.RoleAdmin)
	token, sess := f.mustLogin(t, "nurse", "correct horse")

	got, u, err := f.svc.Authenticate(ctx, token)
	if err != nil {
		t.Fatal(err)
	}
	if got.ID != sess.ID || u.Username != "nurse" || u.Role != auth.RoleAdmin {
		t.Fatalf("session %+v user %+v", got, u)
	}

	unknown := base64.RawURLEncoding.EncodeToString(make([]byte, 32))
	for _, tt := range []struct{ name, token string }{
		{"empty", ""},
		{"garbage", "not-a-token"},
		{"too long", token + "A"},
		{"not base64url", strings.Repeat("!", len(token))},
		{"the stored hash", sess.TokenHash},
		{"unknown", unknown},
	} {
		t.Run(tt.name, func(t *testing.T) {
			_, _, err := f.svc.Authenticate(ctx, tt.token)
			wantCode(t, err, auth.CodeUnauthorized)
		})
	}

	t.Run("expired", func(t *testing.T) {
		f.clock.Add(auth.DefaultTTL - time.Second)
		if _, _, err := f.svc.Authenticate(ctx, token); err != nil {
			t.Fatalf("one second before expiry: %v", err)
		}
		f.clock.Add(time.Second)
		_, _, err := f.svc.Authenticate(ctx, token)
		wantCode(t, err, auth.CodeInvalidToken)
	})
}

// TestKioskSession: a kiosk account signs in for KioskTTL, and only
// AuthenticateDesk accepts its session; staff sessions pass both.
func TestKioskSession(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	f.mustAdd(t, "lobby", "correct horse", auth.RoleKiosk)
	f.mustAdd(t, "nurse", "battery staple", auth.RoleStaff)
	kiosk, sess := f.mustLogin(t, "lobby", "correct horse")
	if got := sess.ExpiresAt.Sub(sess.CreatedAt); got != auth.KioskTTL {
		t.Fatalf("kiosk session lasts %v, want %v", got, auth.KioskTTL)
	}
	_, _, err := f.svc.Authenticate(ctx, kiosk)
	wantCode(t, err, auth.CodeForbidden)
	if _, u, err := f.svc.AuthenticateDesk(ctx, kiosk); err != nil || u.Role != auth.RoleKiosk {
		t.Fatalf("AuthenticateDesk(kiosk) = %+v, %v", u, err)
	}
	nurse, _ := f.mustLogin(t, "nurse", "battery staple")
	for _, fn := range []func(context.Context, string) (auth.Session, auth.User, error){f.svc.Authenticate, f.svc.AuthenticateDesk} {
		if _, u, err := fn(ctx, nurse); err != nil || u.Role != auth.RoleStaff {
			t.Fatalf("staff session: %+v, %v", u, err)
		}
	}
	_, _, err = f.svc.AuthenticateDesk(ctx, "not-a-token")
	wantCode(t, err, auth.CodeUnauthorized)
	f.clock.Add(auth.KioskTTL)
	_, _, err = f.svc.AuthenticateDesk(ctx, kiosk)
	wantCode(t, err, auth.CodeInvalidToken)
}

func TestCustomTTL(t *testing.T) {
	f := newFixture(t)
	f.svc.TTL = time.Minute
	f.mustAdd(t, "nurse", "correct horse", auth.RoleStaff)
	token, sess := f.mustLogin(t, "nurse", "correct horse")
	if got := sess.ExpiresAt.Sub(sess.CreatedAt); got != time.Minute {
		t.Fatalf("ttl %v, want 1m", got)
	}
	f.clock.Add(time.Minute)
	_, _, err := f.svc.Authenticate(context.Background(), token)
	wantCode(t, err, auth.CodeInvalidToken)
}

func TestLogout(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	f.mustAdd(t, "nurse", "correct horse", auth.RoleStaff)
	token, sess := f.mustLogin(t, "nurse", "correct horse")
	other, _ := f.mustLogin(t, "nurse", "correct horse")

	if err := f.svc.Logout(ctx, sess.ID); err != nil {
		t.Fatal(err)
	}
	_, _, err := f.svc.Authenticate(ctx, token)
	wantCode(t, err, auth.CodeUnauthorized)
	if _, _, err := f.svc.Authenticate(ctx, other); err != nil {
		t.Fatalf("the other session must survive: %v", err)
	}
	if got := f.endedSessions(); !slices.Equal(got, []string{sess.ID}) {
		t.Fatalf("OnLogout got %v, want [%s]", got, sess.ID)
	}
	if err := f.svc.Logout(ctx, sess.ID); err != nil {
		t.Fatalf("second logout: %v", err)
	}
}

func TestSetPasswordEndsSessions(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	f.mustAdd(t, "nurse", "correct horse", auth.RoleStaff)
	f.mustAdd(t, "doctor", "correct horse", auth.RoleStaff)
	t1, s1 := f.mustLogin(t, "nurse", "correct horse")
	t2, s2 := f.mustLogin(t, "nurse", "correct horse")
	td, _ := f.mustLogin(t, "doctor", "correct horse")

	wantCode(t, f.svc.SetPassword(ctx, "nurse", "short"), auth.CodeValidation)
	wantCode(t, f.svc.SetPassword(ctx, "ghost", "battery staple"), auth.CodeUserNotFound)
	if err := f.svc.SetPassword(ctx, "nurse", "battery staple"); err != nil {
		t.Fatal(err)
	}
	for _, tok := range []string{t1, t2} {
		_, _, err := f.svc.Authenticate(ctx, tok)
		wantCode(t, err, auth.CodeUnauthorized)
	}
	if _, _, err := f.svc.Authenticate(ctx, td); err != nil {
		t.Fatalf("another user's session must survive: %v", err)
	}
	got := f.endedSessions()
	slices.Sort(got)
	want := []string{s1.ID, s2.ID}
	slices.Sort(want)
	if !slices.Equal(got, want) {
		t.Fatalf("OnLogout got %v, want %v", got, want)
	}
	_, _, _, err := f.svc.Login(ctx, "nurse", "correct horse")
	wantCode(t, err, auth.CodeInvalidCredentials)
	f.mustLogin(t, "nurse", "battery staple")
}

func TestRemoveUser(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	f.mustAdd(t, "admin", "correct horse", auth.RoleAdmin)
	f.mustAdd(t, "nurse", "correct horse", auth.RoleStaff)
	tok, sess := f.mustLogin(t, "nurse", "correct horse")

	wantCode(t, f.svc.RemoveUser(ctx, "admin"), auth.CodeLastAdmin)
	wantCode(t, f.svc.RemoveUser(ctx, "ghost"), auth.CodeUserNotFound)
	if err := f.svc.RemoveUser(ctx, "nurse"); err != nil {
		t.Fatal(err)
	}
	_, _, err := f.svc.Authenticate(ctx, tok)
	wantCode(t, err, auth.CodeUnauthorized)
	if got := f.endedSessions(); !slices.Equal(got, []string{sess.ID}) {
		t.Fatalf("OnLogout got %v, want [%s]", got, sess.ID)
	}
	us, err := f.svc.ListUsers(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(us) != 1 || us[0].Username != "admin" {
		t.Fatalf("users = %+v, want only admin", us)
	}

	// With a second admin, either may go — but not both.
	f.mustAdd(t, "admin2", "correct horse", auth.RoleAdmin)
	if err := f.svc.RemoveUser(ctx, "admin"); err != nil {
		t.Fatal(err)
	}
	wantCode(t, f.svc.RemoveUser(ctx, "admin2"), auth.CodeLastAdmin)
}

func TestListUsers(t *testing.T) {
	f := newFixture(t)
	for _, n := range []string{"zoe", "adam", "mia"} {
		f.mustAdd(t, n, "correct horse", auth.RoleStaff)
	}
	us, err := f.svc.ListUsers(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, u := range us {
		names = append(names, u.Username)
	}
	if !slices.Equal(names, []string{"adam", "mia", "zoe"}) {
		t.Fatalf("users = %v, want by username", names)
	}
}

func TestEnsureAdmin(t *testing.T) {
	t.Run("given password", func(t *testing.T) {
		f := newFixture(t)
		created, pw, err := f.svc.EnsureAdmin(context.Background(), "s3cret-pass")
		if err != nil || !created || pw != "s3cret-pass" {
			t.Fatalf("EnsureAdmin = %v, %q, %v", created, pw, err)
		}
		_, _, u, err := f.svc.Login(context.Background(), auth.AdminUsername, "s3cret-pass")
		if err != nil || u.Role != auth.RoleAdmin {
			t.Fatalf("admin login: %+v, %v", u, err)
		}
		created, pw, err = f.svc.EnsureAdmin(context.Background(), "other-pass")
		if err != nil || created || pw != "" {
			t.Fatalf("second EnsureAdmin = %v, %q, %v; want no-op", created, pw, err)
		}
	})
	t.Run("random password", func(t *testing.T) {
		f := newFixture(t)
		created, pw, err := f.svc.EnsureAdmin(context.Background(), "")
		if err != nil || !created || len(pw) < 16 {
			t.Fatalf("EnsureAdmin = %v, %q, %v", created, pw, err)
		}
		f.mustLogin(t, auth.AdminUsername, pw)
	})
	t.Run("not when staff exist", func(t *testing.T) {
		f := newFixture(t)
		f.mustAdd(t, "nurse", "correct horse", auth.RoleStaff)
		created, _, err := f.svc.EnsureAdmin(context.Background(), "")
		if err != nil || created {
			t.Fatalf("EnsureAdmin = %v, %v; want no admin created", created, err)
		}
	})
	t.Run("invalid password", func(t *testing.T) {
		f := newFixture(t)
		_, _, err := f.svc.EnsureAdmin(context.Background(), "short")
		wantCode(t, err, auth.CodeValidation)
	})
}

func TestLoginSweepsExpiredSessions(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	f.mustAdd(t, "nurse", "correct horse", auth.RoleStaff)
	old, _ := f.mustLogin(t, "nurse", "correct horse")
	f.clock.Add(auth.DefaultTTL + time.Minute)
	f.mustLogin(t, "nurse", "correct horse")
	// Swept, the old token is now unknown rather than expired.
	_, _, err := f.svc.Authenticate(ctx, old)
	wantCode(t, err, auth.CodeUnauthorized)
}
