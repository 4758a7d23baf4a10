package auth

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"slices"
)

// AdminUsername is the name of the bootstrap account EnsureAdmin creates.
const AdminUsername = "admin"

// AddUser creates a staff account not bound to clinics (clinics.go): an
// admin is a deployment admin, staff and kiosk act at the default clinic.
// role "" means RoleStaff. It fails with CodeValidation for a bad username,
// password or role and CodeUserExists when the username is taken.
func (s *Service) AddUser(ctx context.Context, username, password string, role Role) (User, error) {
	return s.AddUserAt(ctx, username, password, role, nil)
}

// AddUserAt is AddUser for an account bound to the clinics grants name (none:
// AddUser's unbound account). A grant's role "" is the account's; a grant
// above the account's role or a second grant at one clinic is CodeValidation.
// The caller has checked that the clinics exist and that it may grant them.
func (s *Service) AddUserAt(ctx context.Context, username, password string, role Role, grants []Grant) (User, error) {
	if role == "" {
		role = RoleStaff
	}
	grants = slices.Clone(grants)
	for i := range grants {
		if grants[i].Role == "" {
			grants[i].Role = role
		}
	}
	if err := ValidateUsername(username); err != nil {
		return User{}, err
	}
	if err := ValidatePassword(password); err != nil {
		return User{}, err
	}
	if err := ValidateRole(role); err != nil {
		return User{}, err
	}
	if err := ValidateGrants(role, grants); err != nil {
		return User{}, err
	}
	slices.SortFunc(grants, func(a, b Grant) int { return cmp.Compare(a.ClinicID, b.ClinicID) })
	hash, err := s.hash(password)
	if err != nil {
		return User{}, err
	}
	u := User{Username: username, Role: role, PasswordHash: hash, CreatedAt: s.now(),
		ClinicBound: len(grants) > 0, Grants: grants}
	if err := s.Store.CreateUser(ctx, &u); err != nil {
		if errors.Is(err, ErrExists) {
			return User{}, errorf(CodeUserExists, "User %q already exists", username)
		}
		if errors.Is(err, ErrNotFound) { // a clinic removed meanwhile
			return User{}, validation("unknown clinic")
		}
		return User{}, fmt.Errorf("add user: %w", err)
	}
	return u, nil
}

// ListUsers returns every account, by username.
func (s *Service) ListUsers(ctx context.Context) ([]User, error) {
	us, err := s.Store.ListUsers(ctx)
	if err != nil {
		return nil, fmt.Errorf("list users: %w", err)
	}
	return us, nil
}

// SetPassword changes a user's password and ends all of their sessions, so a
// leaked password or token stops working at once.
func (s *Service) SetPassword(ctx context.Context, username, password string) error {
	if err := ValidatePassword(password); err != nil {
		return err
	}
	u, err := s.user(ctx, username)
	if err != nil {
		return err
	}
	hash, err := s.hash(password)
	if err != nil {
		return err
	}
	if err := s.Store.SetPassword(ctx, u.ID, hash); err != nil {
		return fmt.Errorf("set password: %w", err)
	}
	ids, err := s.Store.DeleteUserSessions(ctx, u.ID)
	if err != nil {
		return fmt.Errorf("set password: end sessions: %w", err)
	}
	s.ended(ids...)
	return nil
}

// RemoveUser deletes an account and ends its sessions. It refuses, with
// CodeLastAdmin, to remove the last deployment admin: nobody could manage
// accounts and clinics after.
func (s *Service) RemoveUser(ctx context.Context, username string) error {
	u, err := s.user(ctx, username)
	if err != nil {
		return err
	}
	if u.DeploymentAdmin() {
		us, err := s.Store.ListUsers(ctx)
		if err != nil {
			return fmt.Errorf("remove user: %w", err)
		}
		admins := 0
		for _, o := range us {
			if o.DeploymentAdmin() {
				admins++
			}
		}
		if admins <= 1 {
			return errorf(CodeLastAdmin, "Cannot remove the last admin account")
		}
	}
	// Collect the session ids first: DeleteUser removes them with the user.
	ids, err := s.Store.DeleteUserSessions(ctx, u.ID)
	if err != nil {
		return fmt.Errorf("remove user: end sessions: %w", err)
	}
	if err := s.Store.DeleteUser(ctx, u.ID); err != nil {
		if errors.Is(err, ErrNotFound) {
			return errorf(CodeUserNotFound, "User %q not found", username)
		}
		return fmt.Errorf("remove user: %w", err)
	}
	s.ended(ids...)
	return nil
}

// EnsureAdmin creates the bootstrap admin account when there are no accounts at
// all (first start). password "" means a random one. It returns whether it created
// the account and the password it used, so the caller can print it once.
func (s *Service) EnsureAdmin(ctx context.Context, password string) (bool, string, error) {
	n, err := s.Store.CountUsers(ctx)
	if err != nil {
		return false, "", fmt.Errorf("ensure admin: %w", err)
	}
	if n > 0 {
		return false, "", nil
	}
	if password == "" {
		password = RandomPassword()
	}
	if _, err := s.AddUser(ctx, AdminUsername, password, RoleAdmin); err != nil {
		var ae *Error
		if errors.As(err, &ae) && ae.Code == CodeUserExists {
			return false, "", nil // another instance created it first
		}
		return false, "", err
	}
	return true, password, nil
}

func (s *Service) user(ctx context.Context, username string) (User, error) {
	u, err := s.Store.UserByUsername(ctx, username)
	if errors.Is(err, ErrNotFound) {
		return User{}, errorf(CodeUserNotFound, "User %q not found", username)
	}
	if err != nil {
		return User{}, fmt.Errorf("find user: %w", err)
	}
	return u, nil
}

// UserNamed returns the account with the username, or CodeUserNotFound: for
// an admin's checks before changing another account.
func (s *Service) UserNamed(ctx context.Context, username string) (User, error) {
	return s.user(ctx, username)
}
