package postgres_test

import (
	"context"
	"fmt"
	"testing"

	"github.com/jackc/pgx/v5"

	"smartwait/internal/audit"
	"smartwait/internal/audit/audittest"
	"smartwait/internal/postgres/pgtest"
	"smartwait/internal/privacy/privacytest"
)

// TestAuditStore runs the audit.Store conformance suite that SQLite passes, unchanged.
func TestAuditStore(t *testing.T) {
	audittest.RunStoreTests(t, func(tb testing.TB) audit.Store { return pgtest.Open(tb) })
}

// TestPrivacyStore runs the privacy.Store suite that SQLite passes: fill,
// erase, then read every column of every table of the schema.
func TestPrivacyStore(t *testing.T) {
	privacytest.RunStoreTests(t, func(tb testing.TB) privacytest.Fixture {
		url := pgtest.SchemaURL(tb)
		db := pgtest.OpenURL(tb, url)
		return privacytest.Fixture{Store: db, Cells: func(ctx context.Context) ([]privacytest.Cell, error) { return cells(ctx, url) }}
	})
}

// cells reads every value of every table of the test's schema, the tables
// and columns found in information_schema, each cast to text.
func cells(ctx context.Context, url string) ([]privacytest.Cell, error) {
	conn, err := pgx.Connect(ctx, url)
	if err != nil {
		return nil, err
	}
	defer conn.Close(ctx)
	rows, err := conn.Query(ctx, `SELECT table_name, column_name FROM information_schema.columns
		WHERE table_schema = current_schema() ORDER BY table_name, ordinal_position`)
	if err != nil {
		return nil, err
	}
	type col struct{ table, column string }
	cols, err := pgx.CollectRows(rows, func(row pgx.CollectableRow) (col, error) {
		var c col
		return c, row.Scan(&c.table, &c.column)
	})
	if err != nil {
		return nil, err
	}
	if len(cols) == 0 {
		return nil, fmt.Errorf("no columns in the schema")
	}
	var out []privacytest.Cell
	for _, c := range cols {
		q := fmt.Sprintf(`SELECT COALESCE(%s::text, '') FROM %s`, pgx.Identifier{c.column}.Sanitize(), pgx.Identifier{c.table}.Sanitize())
		rows, err := conn.Query(ctx, q)
		if err != nil {
			return nil, fmt.Errorf("%s.%s: %w", c.table, c.column, err)
		}
		vals, err := pgx.CollectRows(rows, pgx.RowTo[string])
		if err != nil {
			return nil, fmt.Errorf("%s.%s: %w", c.table, c.column, err)
		}
		for _, v := range vals {
			out = append(out, privacytest.Cell{Table: c.table, Column: c.column, Value: v})
		}
	}
	return out, nil
}
