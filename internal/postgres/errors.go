package postgres

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"strings"
	"syscall"

	"github.com/jackc/pgx/v5/pgconn"

	"smartwait/internal/auth"
	"smartwait/internal/queue"
)

// Constraint names (the migrations' unique indexes, or PostgreSQL's defaults for
// their UNIQUE clauses and primary keys) whose violations mean something to the
// domain. The prefix and room ones are only met by a write racing another
// transaction's: SaveQueue and SaveRoom skip a clash they can see instead of
// failing on it, and the creates use ON CONFLICT.
const (
	constraintActivePhone = "tickets_active_phone"
	constraintUsername    = "users_username_key"
	constraintQueuePrefix = "queues_prefix"
	constraintRoomName    = "rooms_pkey"
)

// translate maps driver errors to the storage sentinels: a violation of the
// active-phone index, of a queue's prefix or of a room's name to
// queue.ErrDuplicate, of users.username to auth.ErrExists, and errors meaning
// the database cannot be reached or used (refused or dropped connections, a
// server shutting down, too many connections, our own timeout) to
// queue.ErrUnavailable. Errors that already carry a sentinel, domain errors and
// others pass as they are. ctx is the operation's context: when it ended because
// of DB.Timeout the error is unavailable, when the caller cancelled it is not.
func translate(ctx context.Context, err error) error {
	if err == nil {
		return nil
	}
	if errors.Is(err, queue.ErrUnavailable) || errors.Is(err, queue.ErrDuplicate) ||
		errors.Is(err, queue.ErrNotFound) || errors.Is(err, auth.ErrExists) || errors.Is(err, auth.ErrNotFound) {
		return err
	}
	var de *queue.Error
	if errors.As(err, &de) {
		return err
	}
	var pe *pgconn.PgError
	if errors.As(err, &pe) && pe.Code == "23505" {
		switch pe.ConstraintName {
		case constraintActivePhone, constraintQueuePrefix, constraintRoomName:
			return fmt.Errorf("%w: %w", queue.ErrDuplicate, err)
		case constraintUsername:
			return fmt.Errorf("%w: %w", auth.ErrExists, err)
		}
		return err
	}
	if ctx != nil && errors.Is(context.Cause(ctx), errTimeout) {
		return fmt.Errorf("%w: %w", queue.ErrUnavailable, err)
	}
	if unavailable(err) {
		return fmt.Errorf("%w: %w", queue.ErrUnavailable, err)
	}
	return err
}

// unavailable reports whether err means the server cannot be reached or the
// connection is unusable, as opposed to a problem with the statement.
func unavailable(err error) bool {
	var pe *pgconn.PgError
	if errors.As(err, &pe) {
		switch {
		case strings.HasPrefix(pe.Code, "08"): // connection exception
			return true
		case strings.HasPrefix(pe.Code, "53"): // insufficient resources: too many connections, disk full
			return true
		case pe.Code == "57P01", pe.Code == "57P02", pe.Code == "57P03": // admin/crash shutdown, cannot connect now
			return true
		case pe.Code == "25006" && strings.Contains(pe.Message, "read-only"): // a standby after failover
			return true
		}
		return false
	}
	var ce *pgconn.ConnectError
	var ne net.Error
	switch {
	case errors.As(err, &ce), errors.As(err, &ne), pgconn.Timeout(err), pgconn.SafeToRetry(err):
		return true
	case errors.Is(err, io.EOF), errors.Is(err, io.ErrUnexpectedEOF), errors.Is(err, net.ErrClosed),
		errors.Is(err, syscall.ECONNREFUSED), errors.Is(err, syscall.ECONNRESET), errors.Is(err, syscall.EPIPE):
		return true
	}
	msg := err.Error()
	return strings.Contains(msg, "closed pool") || strings.Contains(msg, "conn closed") ||
		strings.Contains(msg, "connection refused") || strings.Contains(msg, "failed to connect")
}

// notRun reports whether err proves its statement did not run: nothing was sent,
// the connection could not be made, or the server had ended the session before.
func notRun(err error) bool {
	var pe *pgconn.PgError
	if errors.As(err, &pe) {
		return pe.Code == "57P01" || pe.Code == "57P02" || pe.Code == "57P03"
	}
	var ce *pgconn.ConnectError
	return errors.As(err, &ce) || pgconn.SafeToRetry(err)
}
