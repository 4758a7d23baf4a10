package queue

import (
	"context"
	"errors"
)

// ClinicRooms is a clinic as the real-time transports address it: what a
// join naming the clinic needs to pick its rooms, check the staff's grant and
// read its lines' snapshots.
type ClinicRooms struct {
	// ID is the clinic's id (DefaultClinicID for the default clinic): what
	// a staff account's per-clinic grants name.
	ID int64
	// Slug is the clinic's slug ("main" for a new deployment's default
	// clinic): what an authorization check names.
	Slug string
	// Rooms is the slug its rooms carry (Queue.ClinicSlug): "" for the
	// default clinic, whose rooms keep today's unprefixed names.
	Rooms string
	// Lines are the slugs of its lines, by position.
	Lines []string
}

// ClinicRooms returns the clinic with the slug ("": the default clinic) and
// its lines, read in one transaction. An unknown slug is CodeClinicNotFound.
func (s *Service) ClinicRooms(ctx context.Context, slug string) (ClinicRooms, error) {
	if slug != "" && !ValidSlug(slug) {
		return ClinicRooms{}, clinicNotFound(slug)
	}
	var out ClinicRooms
	err := s.Store.View(ctx, func(tx Tx) error {
		var c Clinic
		if slug == "" {
			all, err := tx.Clinics(ctx) // by id: the default clinic first
			if err != nil {
				return err
			}
			if len(all) > 0 {
				c = all[0]
			}
		} else {
			var err error
			if c, err = tx.Clinic(ctx, slug); errors.Is(err, ErrNotFound) {
				return clinicNotFound(slug)
			} else if err != nil {
				return err
			}
		}
		id := ClinicIDOf(c.ID)
		out = ClinicRooms{ID: id, Slug: c.Slug}
		if out.Slug == "" {
			out.Slug = DefaultClinicSlug
		}
		if id != DefaultClinicID {
			out.Rooms = c.Slug
		}
		lines, err := tx.Lines(ctx)
		for _, q := range lines {
			if q.ClinicID() == id {
				out.Lines = append(out.Lines, q.ID)
			}
		}
		return err
	})
	return out, storeError(err)
}

// LineClinics returns, for each line named that exists, the slug its
// clinic's rooms carry (Queue.ClinicSlug: "" for the default clinic). A
// display that names lines follows their clinics' events.
func (s *Service) LineClinics(ctx context.Context, lines []string) (map[string]string, error) {
	out := make(map[string]string, len(lines))
	err := s.Store.View(ctx, func(tx Tx) error {
		for _, l := range lines {
			q, err := tx.Queue(ctx, l)
			if errors.Is(err, ErrNotFound) {
				continue
			}
			if err != nil {
				return err
			}
			out[l] = q.ClinicSlug()
		}
		return nil
	})
	return out, storeError(err)
}
