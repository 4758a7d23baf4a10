package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"

	"smartwait/internal/audit"
	"smartwait/internal/privacy"
)

// cliActor is the audit log's actor for an operator's command.
const cliActor = "cli"

// erase runs `smartwait erase --phone NUMBER`: every ticket and text of the
// number is anonymised now, as an admin's POST /api/staff/erase does, on the
// configured database (also while the server runs). The audit log records
// it with actor "cli" and the number's last two digits. A number still in
// the queue is refused: the visit must end first, through the server, so
// that its live pages hear of it.
func erase(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	fs := newFlagSet("erase", stderr)
	var phone string
	fs.StringVar(&phone, "phone", "", "the phone number whose data to erase (any form a check-in accepts)")
	pos, err := parseArgs(fs, args)
	if err != nil {
		return err
	}
	if len(pos) > 0 {
		return fmt.Errorf("erase: unexpected argument %q (the number goes in --phone)", pos[0])
	}
	if strings.TrimSpace(phone) == "" {
		return errors.New("erase: --phone is required, e.g. smartwait erase --phone +14155552671")
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
	res, err := (&privacy.Eraser{Store: db, Region: cfg.PhoneRegion}).ErasePhone(ctx, phone)
	entry := audit.Entry{Actor: cliActor, Action: audit.ErasePhone, Result: audit.ResultOK}
	if res.Phone != "" {
		entry.Target = audit.Target{Kind: audit.TargetPhone, ID: res.Phone}
	}
	if err == nil {
		entry.Detail = fmt.Sprintf("tickets=%d messages=%d", res.Tickets, res.Messages)
	}
	if err != nil {
		var c interface{ ErrorCode() string }
		if !errors.As(err, &c) {
			return fmt.Errorf("erase: %w", err)
		}
		entry.Result = c.ErrorCode()
	}
	if res.Phone != "" { // an unreadable number erased nothing and names nothing
		if aerr := db.AppendAudit(ctx, &entry); aerr != nil {
			err = errors.Join(err, fmt.Errorf("erase: the audit log did not record it: %w", aerr))
		}
	}
	if err != nil {
		return fmt.Errorf("erase: %w", err)
	}
	fmt.Fprintf(stdout, "Erased the data of the number ending %s: %d tickets, %d texts.\n",
		strings.TrimPrefix(res.Phone, "…"), res.Tickets, res.Messages)
	return nil
}
