package main

import (
	"context"
	"fmt"

	"smartwait/internal/audit"
	"smartwait/internal/auth"
	"smartwait/internal/notify"
	"smartwait/internal/postgres"
	"smartwait/internal/privacy"
	"smartwait/internal/queue"
	"smartwait/internal/sqlite"
	"smartwait/internal/webhook"
)

// store is what the server needs of its database. *sqlite.DB and *postgres.DB
// both are one; DATABASE_URL chooses.
type store interface {
	queue.Store
	auth.Store
	audit.Store   // the staff actions' trail
	privacy.Store // retention and erasure
	notify.Outbox // also the staff's SMS log and Twilio's delivery reports
	webhook.Store // the webhook endpoints, their outbox and delivery logs
	Migrate(ctx context.Context) error
	CheckWrite(ctx context.Context) error // /health's write probe
	Close() error
}

var (
	_ store = (*sqlite.DB)(nil)
	_ store = (*postgres.DB)(nil)
)

// openStore opens (creating and migrating as needed) the configured database.
func openStore(ctx context.Context, cfg Config) (store, error) {
	switch cfg.Database.Driver {
	case "sqlite":
		db, err := sqlite.Open(ctx, cfg.Database.Path)
		if err != nil {
			return nil, fmt.Errorf("open database: %w", err)
		}
		return db, nil
	case "postgres":
		db, err := postgres.Open(ctx, cfg.Database.URL)
		if err != nil {
			return nil, fmt.Errorf("open database %s: %w", cfg.Database.Path, err)
		}
		return db, nil
	}
	return nil, fmt.Errorf("open database: unknown driver %q", cfg.Database.Driver)
}
