package main

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"smartwait/internal/auth"
	"smartwait/internal/queue"
)

// clinicList is `staff add`'s repeatable --clinic: SLUG or SLUG:ROLE, each
// flag one or a comma list (docs/clinics.md, "Staff and clinics").
type clinicList []string

func (c *clinicList) String() string { return strings.Join(*c, ",") }

// Set adds one flag's clinics.
func (c *clinicList) Set(v string) error {
	for _, s := range strings.Split(v, ",") {
		if s = strings.TrimSpace(s); s != "" {
			*c = append(*c, s)
		}
	}
	return nil
}

// validate checks the slugs and roles before anything is opened.
func (c clinicList) validate() error {
	for _, e := range c {
		slug, role, _ := strings.Cut(e, ":")
		if !queue.ValidSlug(slug) {
			return fmt.Errorf("--clinic %q: not a clinic slug", e)
		}
		if role != "" {
			if err := auth.ValidateRole(auth.Role(role)); err != nil {
				return fmt.Errorf("--clinic %q: %w", e, err)
			}
		}
	}
	return nil
}

// grants resolves the slugs in the store; an unknown one is an error.
func (c clinicList) grants(ctx context.Context, db queue.Store) ([]auth.Grant, error) {
	var out []auth.Grant
	for _, e := range c {
		slug, role, _ := strings.Cut(e, ":")
		var cl queue.Clinic
		err := db.View(ctx, func(tx queue.Tx) error {
			var err error
			cl, err = tx.Clinic(ctx, slug)
			return err
		})
		if errors.Is(err, queue.ErrNotFound) {
			return nil, fmt.Errorf("no clinic %q (smartwait clinic list)", slug)
		}
		if err != nil {
			return nil, err
		}
		out = append(out, auth.Grant{ClinicID: queue.ClinicIDOf(cl.ID), Role: auth.Role(role)})
	}
	return out, nil
}

// at is the clinics for add's message: "" when none.
func (c clinicList) at() string {
	if len(c) == 0 {
		return ""
	}
	return " at " + c.String()
}

// clinicNames returns how list shows where an account acts: "deployment"
// for a deployment admin, else its clinics with their roles.
func clinicNames(ctx context.Context, db queue.Store) (func(auth.User) string, error) {
	var cs []queue.Clinic
	err := db.View(ctx, func(tx queue.Tx) error {
		var err error
		cs, err = tx.Clinics(ctx)
		return err
	})
	if err != nil {
		return nil, err
	}
	slugs := map[int64]string{}
	for _, c := range cs {
		slugs[queue.ClinicIDOf(c.ID)] = c.Slug
	}
	return func(u auth.User) string {
		if u.DeploymentAdmin() {
			return "deployment"
		}
		ids, _ := u.Clinics(auth.RoleKiosk)
		var parts []string
		for _, id := range ids {
			parts = append(parts, slugs[id]+":"+string(u.RoleAt(id)))
		}
		if len(parts) == 0 {
			return "-"
		}
		return strings.Join(parts, ",")
	}, nil
}
