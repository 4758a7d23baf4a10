package queue

import (
	"context"
	"errors"
	"slices"
)

// DefaultClinicSlug is the default clinic's slug in a new deployment; an
// admin may rename it (UpdateClinic), its id stays DefaultClinicID.
const DefaultClinicSlug = "main"

// ClinicPatch changes some fields of a clinic; nil fields stay as they are.
type ClinicPatch struct {
	Slug, Name, TimeZone, SMSFrom *string
	Hours                         *Hours
}

func (p ClinicPatch) apply(c *Clinic) error {
	for _, f := range []struct {
		to   *string
		from *string
	}{{&c.Slug, p.Slug}, {&c.Name, p.Name}, {&c.TimeZone, p.TimeZone}, {&c.SMSFrom, p.SMSFrom}} {
		if f.from != nil {
			*f.to = *f.from
		}
	}
	if p.Hours != nil {
		c.Hours = *p.Hours
	}
	return validClinic(c)
}

// Clinics returns every clinic, the default one first, as patients and staff
// see them: the default clinic's unset name and time zone are the
// deployment's (SMARTWAIT_CLINIC_NAME, SMARTWAIT_TIMEZONE).
func (s *Service) Clinics(ctx context.Context) ([]Clinic, error) {
	var out []Clinic
	err := s.Store.View(ctx, func(tx Tx) error {
		var err error
		out, err = tx.Clinics(ctx)
		return err
	})
	for i := range out {
		out[i] = s.effective(out[i])
	}
	return out, storeError(err)
}

// Clinic returns the clinic with the slug as Clinics shows it, or a
// CodeClinicNotFound error.
func (s *Service) Clinic(ctx context.Context, slug string) (Clinic, error) {
	if !ValidSlug(slug) {
		return Clinic{}, clinicNotFound(slug)
	}
	var c Clinic
	err := s.Store.View(ctx, func(tx Tx) error {
		var err error
		c, err = tx.Clinic(ctx, slug)
		return err
	})
	if errors.Is(err, ErrNotFound) {
		return Clinic{}, clinicNotFound(slug)
	}
	return s.effective(c), storeError(err)
}

// effective fills in the default clinic's deployment-wide name and zone.
func (s *Service) effective(c Clinic) Clinic {
	if c.Name == "" {
		c.Name = s.Config.ClinicName
	}
	if c.TimeZone == "" {
		c.TimeZone = s.location().String()
	}
	return c
}

// CreateClinic adds a clinic. A slug already used is a CodeValidation error.
// The new clinic has no lines: its admin adds them (CreateLine).
func (s *Service) CreateClinic(ctx context.Context, c Clinic) (Clinic, error) {
	c.ID, c.CreatedAt = 0, s.now()
	if err := validClinic(&c); err != nil {
		return Clinic{}, err
	}
	err := s.Store.Update(ctx, func(tx Tx) error { return tx.CreateClinic(ctx, &c) })
	if errors.Is(err, ErrDuplicate) {
		return Clinic{}, validationError("slug", "there is already a clinic %q", c.Slug)
	}
	return c, storeError(err)
}

// UpdateClinic changes a clinic's fields. Its lines read the clinic with every
// operation, so a new time zone, name or sender applies from the next one.
func (s *Service) UpdateClinic(ctx context.Context, slug string, p ClinicPatch) (Clinic, error) {
	var out Clinic
	err := s.Store.Update(ctx, func(tx Tx) error {
		c, err := tx.Clinic(ctx, slug)
		if errors.Is(err, ErrNotFound) {
			return clinicNotFound(slug)
		}
		if err != nil {
			return err
		}
		if err := p.apply(&c); err != nil {
			return err
		}
		if err := tx.SaveClinic(ctx, c); err != nil {
			if errors.Is(err, ErrDuplicate) {
				return validationError("slug", "there is already a clinic %q", c.Slug)
			}
			return err
		}
		out = c
		return nil
	})
	if err != nil {
		return Clinic{}, storeError(err)
	}
	return s.effective(out), nil
}

// DeleteClinic removes a clinic with its lines and rooms; their tickets stay,
// as history. A clinic with someone waiting or called is CodeClinicNotEmpty;
// the default clinic cannot be removed. Every line of the clinic is locked
// first, so a check-in racing the removal either lands before it (and the
// removal is refused) or finds no line.
func (s *Service) DeleteClinic(ctx context.Context, slug string) error {
	err := s.Store.Update(ctx, func(tx Tx) error {
		c, err := tx.Clinic(ctx, slug)
		if errors.Is(err, ErrNotFound) {
			return clinicNotFound(slug)
		}
		if err != nil {
			return err
		}
		if c.ID == DefaultClinicID {
			return validationError("clinic", "the default clinic cannot be removed")
		}
		lines, err := tx.Lines(ctx)
		if err != nil {
			return err
		}
		for _, q := range lines {
			if q.ClinicID() != c.ID {
				continue
			}
			if _, err := tx.LockQueue(ctx, q.ID); err != nil {
				return err
			}
			waiting, called, err := tx.CountActive(ctx, q.ID)
			if err != nil {
				return err
			}
			if waiting+called > 0 {
				return Errorf(CodeClinicNotEmpty, "The clinic still has %d patients in line %q; transfer or finish them first", waiting+called, q.ID)
			}
		}
		return tx.DeleteClinic(ctx, c.ID)
	})
	return storeError(err)
}

// ClinicLines returns the lines of the clinic with the slug, with their
// figures now, by position; publicOnly keeps the lines patients may pick.
func (s *Service) ClinicLines(ctx context.Context, slug string, publicOnly bool) ([]LineStatus, error) {
	c, err := s.Clinic(ctx, slug)
	if err != nil {
		return nil, err
	}
	all, err := s.Lines(ctx, publicOnly)
	return slices.DeleteFunc(all, func(l LineStatus) bool { return l.ClinicID() != c.ID }), err
}

// CheckInLine decides the line of a check-in that names a clinic, a line or
// both (docs/clinics.md): the line decides, and a clinic that is not the
// line's is a CodeValidation error; a clinic alone means its first public
// line; neither means the default line. An unknown clinic is
// CodeClinicNotFound; a clinic without public lines, CodeLineNotFound.
func (s *Service) CheckInLine(ctx context.Context, clinicSlug, line string) (string, error) {
	if clinicSlug == "" {
		return line, nil
	}
	c, err := s.Clinic(ctx, clinicSlug)
	if err != nil {
		return "", err
	}
	var lines []Queue
	err = s.Store.View(ctx, func(tx Tx) error {
		lines, err = tx.Lines(ctx)
		return err
	})
	if err != nil {
		return "", storeError(err)
	}
	if line != "" {
		i := slices.IndexFunc(lines, func(q Queue) bool { return q.ID == line })
		if i >= 0 && lines[i].ClinicID() != c.ID {
			return "", notClinicsLine(line, clinicSlug)
		}
		return line, nil // an unknown line is the check-in's LINE_NOT_FOUND
	}
	for _, q := range lines { // by position
		if q.ClinicID() == c.ID && q.Public {
			return q.ID, nil
		}
	}
	return "", Errorf(CodeLineNotFound, "Clinic %q has no lines yet", clinicSlug)
}

// lineNotOf is the error of a check-in naming line and a clinic that is not
// the line's: CodeClinicNotFound for an unknown clinic, else CodeValidation.
// Only this path reads the clinic, so an agreeing check-in costs no read.
func lineNotOf(ctx context.Context, tx Tx, line, clinicSlug string) error {
	if _, err := tx.Clinic(ctx, clinicSlug); errors.Is(err, ErrNotFound) {
		return clinicNotFound(clinicSlug)
	} else if err != nil {
		return err
	}
	return notClinicsLine(line, clinicSlug)
}

func notClinicsLine(line, clinicSlug string) *Error {
	return validationError("clinic", "line %q is not a line of clinic %q", line, clinicSlug)
}

// ClinicOf returns the clinic of line slug as Clinics shows it, from the
// line's own read (the default clinic without its hours: pages name it only).
func (s *Service) ClinicOf(ctx context.Context, line string) (Clinic, error) {
	var q Queue
	err := s.Store.View(ctx, func(tx Tx) error {
		var err error
		q, err = tx.Queue(ctx, line)
		return err
	})
	if errors.Is(err, ErrNotFound) {
		return Clinic{}, LineNotFound(line)
	}
	if err != nil {
		return Clinic{}, storeError(err)
	}
	// The line read its clinic with it; the default clinic's comes with ID 0
	// and unset fields the deployment's settings fill in.
	c := q.Clinic
	c.ID = q.ClinicID()
	return s.effective(c), nil
}
