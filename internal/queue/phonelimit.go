package queue

import (
	"context"
	"fmt"
	"time"
)

// checkPhoneLimit refuses a check-in when the phone already checked in
// Config.CheckInsPerPhone times within CheckInsPerPhoneWindow before now. It runs
// inside the check-in's transaction, after the queue lock, and counts from the
// tickets table, so the bound holds across restarts and instances and exactly under
// concurrency: RecentCheckIns serializes the transactions that count one phone.
// Every check-in counts, whatever became of it: cancelling and checking in again
// is what a toll-fraud script would do to get one more text.
func (s *Service) checkPhoneLimit(ctx context.Context, tx Tx, phone string, now time.Time) error {
	limit := s.Config.CheckInsPerPhone
	if limit <= 0 {
		return nil
	}
	// The window is the hour before now, its first millisecond (the stores' unit)
	// left out: a check-in exactly an hour old no longer counts.
	since := now.Add(-CheckInsPerPhoneWindow + time.Millisecond)
	recent, err := tx.RecentCheckIns(ctx, phone, since, limit)
	if err != nil {
		return err
	}
	if len(recent) < limit {
		return nil
	}
	// The oldest of the last limit check-ins leaving the window makes room.
	wait := recent[len(recent)-1].Add(CheckInsPerPhoneWindow).Sub(now)
	wait = max(wait.Round(time.Second), time.Second)
	minutes := int((wait + time.Minute - 1) / time.Minute)
	return &Error{
		Code: CodeRateLimited,
		Message: fmt.Sprintf("This phone number has checked in %s in the last hour, the most allowed. "+
			"Please try again in %s, or ask at the front desk.", count(limit, "time"), count(minutes, "minute")),
		Details:    map[string]string{"field": "phone"},
		RetryAfter: wait,
	}
}

// count writes n and the noun, plural unless n is 1: "1 minute", "3 times".
func count(n int, noun string) string {
	if n == 1 {
		return "1 " + noun
	}
	return fmt.Sprintf("%d %ss", n, noun)
}
