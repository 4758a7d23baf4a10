package auth

import (
	"cmp"
	"slices"
	"strconv"
	"strings"
)

// Staff and clinics (docs/clinics.md, "Staff and clinics"). An account is one
// of:
//
//   - a deployment admin: Role admin and not ClinicBound. It sees and manages
//     everything: every clinic, accounts, webhooks, the audit log.
//   - a pre-clinic account: Role staff or kiosk and not ClinicBound. It acts
//     with its role at the default clinic only, so an upgraded one-clinic
//     deployment keeps working unchanged.
//   - a clinic-bound account (ClinicBound): it acts only at the clinics its
//     Grants name, with each grant's role there. A clinic admin (an admin
//     grant) manages that clinic's lines, rooms and the accounts granted only
//     to its clinics, never clinics or deployment-wide settings.
//
// ClinicBound stays set when every granted clinic is removed: such an account
// then sees nothing, rather than falling back to the pre-clinic mapping.

// DefaultClinicID is the id of the clinic every deployment has; it matches
// queue.DefaultClinicID (auth does not import queue; a web test holds them
// equal).
const DefaultClinicID int64 = 1

// Grant is a role at one clinic.
type Grant struct {
	ClinicID int64
	Role     Role
}

// rank orders the roles: a higher role may do what a lower one may.
func rank(r Role) int {
	switch r {
	case RoleKiosk:
		return 1
	case RoleStaff:
		return 2
	case RoleAdmin:
		return 3
	}
	return 0
}

// DeploymentAdmin reports whether u manages the whole deployment.
func (u User) DeploymentAdmin() bool { return u.Role == RoleAdmin && !u.ClinicBound }

// RoleAt returns u's role at the clinic, "" when u has none there.
func (u User) RoleAt(clinicID int64) Role {
	switch {
	case u.DeploymentAdmin():
		return RoleAdmin
	case !u.ClinicBound:
		if clinicID == DefaultClinicID {
			return u.Role
		}
		return ""
	}
	for _, g := range u.Grants {
		if g.ClinicID == clinicID {
			if rank(g.Role) > rank(u.Role) { // never above the account's own role
				return u.Role
			}
			return g.Role
		}
	}
	return ""
}

// MayUse reports whether u may act with role need at the clinic: its role
// there is need or higher (admin > staff > kiosk). It is the one grant check
// REST, SSE and Socket.IO share; it reads only u, so it costs no lookup.
func (u User) MayUse(clinicID int64, need Role) bool {
	have := u.RoleAt(clinicID)
	return have != "" && rank(have) >= rank(need)
}

// Clinics returns the clinics u may act at with role need or higher, and
// all=true when that is every clinic (a deployment admin), ids then nil.
func (u User) Clinics(need Role) (ids []int64, all bool) {
	if u.DeploymentAdmin() {
		return nil, true
	}
	if !u.ClinicBound {
		if rank(u.Role) >= rank(need) {
			return []int64{DefaultClinicID}, false
		}
		return nil, false
	}
	for _, g := range u.Grants {
		if u.MayUse(g.ClinicID, need) && !slices.Contains(ids, g.ClinicID) {
			ids = append(ids, g.ClinicID)
		}
	}
	return ids, false
}

// Covers reports whether u, as an admin, may manage account o: a deployment
// admin manages everyone; a clinic admin only accounts that act nowhere but at
// clinics u administers (and never a deployment admin).
func (u User) Covers(o User) bool {
	if u.DeploymentAdmin() {
		return true
	}
	if o.DeploymentAdmin() {
		return false
	}
	ids, _ := o.Clinics(RoleKiosk)
	for _, id := range ids {
		if !u.MayUse(id, RoleAdmin) {
			return false
		}
	}
	return len(ids) > 0
}

// ValidateGrants checks the grants of an account with role: each a known
// role no higher than the account's (a kiosk account holds only kiosk
// grants), one per clinic.
func ValidateGrants(role Role, grants []Grant) error {
	seen := map[int64]bool{}
	for _, g := range grants {
		if err := ValidateRole(g.Role); err != nil {
			return err
		}
		if rank(g.Role) > rank(role) {
			return validation("a %s account cannot hold the %s role at a clinic", role, g.Role)
		}
		if g.ClinicID <= 0 {
			return validation("unknown clinic")
		}
		if seen[g.ClinicID] {
			return validation("one role per clinic")
		}
		seen[g.ClinicID] = true
	}
	return nil
}

// FormatGrants is the text form stores may read grants back in, one query
// with the user: "1:admin,3:staff", by clinic id.
func FormatGrants(gs []Grant) string {
	parts := make([]string, len(gs))
	for i, g := range gs {
		parts[i] = strconv.FormatInt(g.ClinicID, 10) + ":" + string(g.Role)
	}
	return strings.Join(parts, ",")
}

// ParseGrants reads FormatGrants' text (or a store's aggregate of the same
// form, in any order), sorted by clinic id; "" is none.
func ParseGrants(s string) ([]Grant, error) {
	if s == "" {
		return nil, nil
	}
	var out []Grant
	for _, part := range strings.Split(s, ",") {
		id, role, ok := strings.Cut(part, ":")
		n, err := strconv.ParseInt(id, 10, 64)
		if !ok || err != nil {
			return nil, &Error{Code: CodeValidation, Message: "malformed grants " + strconv.Quote(s)}
		}
		out = append(out, Grant{ClinicID: n, Role: Role(role)})
	}
	slices.SortFunc(out, func(a, b Grant) int { return cmp.Compare(a.ClinicID, b.ClinicID) })
	return out, nil
}
