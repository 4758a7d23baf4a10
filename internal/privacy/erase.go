package privacy

import (
	"context"
	"time"

	"smartwait/internal/audit"
	"smartwait/internal/queue"
)

// Eraser erases one phone number's data on request: the admin's "erase this
// number" (POST /api/staff/erase) and `smartwait erase --phone`.
type Eraser struct {
	Store  Store
	Region string           // SMARTWAIT_PHONE_REGION, for numbers typed without +
	Now    func() time.Time // nil: time.Now
}

// Erasure is what ErasePhone did.
type Erasure struct {
	Phone string `json:"phone"` // the number as the audit trail names it: audit.MaskPhone
	Erased
}

// ErasePhone normalises phone as a check-in does — any form libphonenumber
// reads, Region for numbers without + — and erases every ticket and text of
// it (Store.ErasePhone). A number that is not valid is a queue
// VALIDATION_ERROR on "phone"; one with an active ticket an *ActiveError. A
// valid number with nothing stored is not an error: there was nothing to
// erase, and the answer says so with zero counts.
func (e *Eraser) ErasePhone(ctx context.Context, phone string) (Erasure, error) {
	e164, err := queue.NormalizePhone(phone, e.Region)
	if err != nil {
		return Erasure{}, err
	}
	now := time.Now()
	if e.Now != nil {
		now = e.Now()
	}
	out := Erasure{Phone: audit.MaskPhone(e164)}
	out.Erased, err = e.Store.ErasePhone(ctx, e164, now.UTC())
	return out, err
}
