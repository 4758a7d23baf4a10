package sqlitetest

import (
	"context"
	"database/sql"
	"fmt"

	"smartwait/internal/privacy/privacytest"
)

// Cells reads every value of every table of the SQLite file at path, the
// tables found in sqlite_master (not a list a new table could be missing
// from), each as text, through a read-only connection of its own.
func Cells(ctx context.Context, path string) ([]privacytest.Cell, error) {
	conn, err := sql.Open("sqlite", "file:"+path+"?mode=ro")
	if err != nil {
		return nil, err
	}
	defer conn.Close()
	tables, err := tableNames(ctx, conn)
	if err != nil {
		return nil, err
	}
	var out []privacytest.Cell
	for _, table := range tables {
		cells, err := tableCells(ctx, conn, table)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", table, err)
		}
		out = append(out, cells...)
	}
	return out, nil
}

func tableNames(ctx context.Context, conn *sql.DB) ([]string, error) {
	rows, err := conn.QueryContext(ctx, `SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var s string
		if err := rows.Scan(&s); err != nil {
			return nil, err
		}
		out = append(out, s)
	}
	return out, rows.Err()
}

func tableCells(ctx context.Context, conn *sql.DB, table string) ([]privacytest.Cell, error) {
	rows, err := conn.QueryContext(ctx, fmt.Sprintf(`SELECT * FROM %q`, table))
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	cols, err := rows.Columns()
	if err != nil {
		return nil, err
	}
	var out []privacytest.Cell
	for rows.Next() {
		vals := make([]any, len(cols))
		ptrs := make([]any, len(cols))
		for i := range vals {
			ptrs[i] = &vals[i]
		}
		if err := rows.Scan(ptrs...); err != nil {
			return nil, err
		}
		for i, v := range vals {
			if b, ok := v.([]byte); ok {
				v = string(b)
			}
			out = append(out, privacytest.Cell{Table: table, Column: cols[i], Value: fmt.Sprint(v)})
		}
	}
	return out, rows.Err()
}
