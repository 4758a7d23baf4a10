package main

import (
	"context"
	"fmt"
	"io"
)

// migrate runs `smartwait migrate`: applies the database migrations the database
// has not seen and exits, for deployments that migrate before starting new
// instances. serve migrates on start too, so this is never required.
func migrate(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	fs := newFlagSet("migrate", stderr)
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("migrate: unexpected argument %q", fs.Arg(0))
	}
	cfg, err := loadConfig(fs, getenv)
	if err != nil {
		return err
	}
	db, err := openStore(ctx, cfg)
	if err != nil {
		return err
	}
	defer db.Close()
	// Open migrated already; Migrate again is a no-op that proves the schema is
	// current rather than assuming it.
	if err := db.Migrate(ctx); err != nil {
		return err
	}
	fmt.Fprintf(stdout, "Database %s is up to date.\n", cfg.Database.Path)
	return nil
}
