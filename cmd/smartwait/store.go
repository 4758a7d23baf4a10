package main

import (
	"context"
	"fmt"

	"smartwait/internal/auth"
	"smartwait/internal/postgres"
	"smartwait/internal/queue"
	"smartwait/internal/sqlite"
)

// store is what the server needs of its database. *sqlite.DB and *postgres.DB
// both are one; DATABASE_URL chooses.
type store interface {
	queue.Store
	auth.Store
	// Messages and CountMessages read the SMS outbox for staff and /health.
	Messages(ctx context.Context, ticketID string) ([]queue.Message, error)
	CountMessages(ctx context.Context, status queue.MessageStatus) (int, error)
	Migrate(ctx context.Context) error
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
