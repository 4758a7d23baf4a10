package auth

import (
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"fmt"

	"golang.org/x/crypto/bcrypt"
)

// Limits on credentials. bcrypt reads at most 72 bytes of a password, so a longer
// one would be silently truncated: it is refused instead.
const (
	MinPasswordLen = 8
	MaxPasswordLen = 72
	MinUsernameLen = 3
	MaxUsernameLen = 32
	tokenBytes     = 32 // 256-bit session tokens
)

// ValidateUsername checks a username: 3–32 characters of a-z, 0-9, '.', '_', '-'.
func ValidateUsername(name string) error {
	if len(name) < MinUsernameLen || len(name) > MaxUsernameLen {
		return validation("username must be %d-%d characters", MinUsernameLen, MaxUsernameLen)
	}
	for i := 0; i < len(name); i++ {
		c := name[i]
		if !('a' <= c && c <= 'z' || '0' <= c && c <= '9' || c == '.' || c == '_' || c == '-') {
			return validation("username may contain only a-z, 0-9, '.', '_' and '-'")
		}
	}
	return nil
}

// ValidatePassword checks a new password's length: 8–72 bytes.
func ValidatePassword(pw string) error {
	if len(pw) < MinPasswordLen || len(pw) > MaxPasswordLen {
		return validation("password must be %d-%d bytes long", MinPasswordLen, MaxPasswordLen)
	}
	return nil
}

// ValidateRole checks a role name.
func ValidateRole(r Role) error {
	if r != RoleStaff && r != RoleAdmin && r != RoleKiosk {
		return validation("role must be %q, %q or %q", RoleStaff, RoleAdmin, RoleKiosk)
	}
	return nil
}

func (s *Service) hash(pw string) (string, error) {
	h, err := bcrypt.GenerateFromPassword([]byte(pw), s.cost())
	if err != nil {
		return "", fmt.Errorf("hash password: %w", err)
	}
	return string(h), nil
}

// checkPassword reports whether pw matches the bcrypt hash. bcrypt compares in
// constant time.
func checkPassword(hash, pw string) bool {
	err := bcrypt.CompareHashAndPassword([]byte(hash), []byte(pw))
	return err == nil
}

// dummyHash returns a hash of a random password at the service's cost, made once,
// so that a login for an unknown user spends the same bcrypt time as a real one.
func (s *Service) dummyHash() string {
	s.dummyOnce.Do(func() {
		h, err := bcrypt.GenerateFromPassword([]byte(randomString(16)), s.cost())
		if err != nil {
			panic("auth: bcrypt failed: " + err.Error()) // only for an invalid cost
		}
		s.dummy = string(h)
	})
	return s.dummy
}

// newToken returns a fresh 256-bit token (base64url, no padding) and its stored hash.
func newToken() (token, hash string) {
	token = randomString(tokenBytes)
	return token, hashToken(token)
}

// hashToken is the form a token is stored in: hex SHA-256.
func hashToken(token string) string {
	sum := sha256.Sum256([]byte(token))
	return hex.EncodeToString(sum[:])
}

// wellFormedToken reports whether token could have come from newToken, so that
// garbage is refused without a storage lookup.
func wellFormedToken(token string) bool {
	if len(token) != base64.RawURLEncoding.EncodedLen(tokenBytes) {
		return false
	}
	_, err := base64.RawURLEncoding.DecodeString(token)
	return err == nil
}

// randomString returns n random bytes as unpadded base64url.
func randomString(n int) string {
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		panic("auth: crypto/rand failed: " + err.Error()) // never happens on supported platforms
	}
	return base64.RawURLEncoding.EncodeToString(b)
}

// RandomPassword returns a random 20-character password (120 bits).
func RandomPassword() string { return randomString(15) }
