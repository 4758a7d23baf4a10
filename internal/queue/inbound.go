package queue

import (
	"context"
	"errors"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode"

	"golang.org/x/text/runes"
	"golang.org/x/text/transform"
	"golang.org/x/text/unicode/norm"
)

// Two-way SMS (docs/sms.md): a patient answers a text, and the first word of
// what they send says what they want. Every reply goes through the outbox, in
// the transaction that records what the text asked, never inline in the
// webhook's answer; its dedupe key is the provider's message id, so a webhook
// the provider retries is answered once.
//
// With several clinics (docs/clinics.md, "Texts"), the number a text was sent
// to names the clinic: the one whose sender (Clinic.SMSFrom) it is, else the
// default clinic. A sender with an active ticket is answered about it, by its
// line's clinic, from that clinic's number; anyone else by the clinic they
// texted, and JOIN checks them in to that clinic.

// InboundText is a text a patient sent to one of the deployment's numbers.
type InboundText struct {
	SID  string // the provider's id of the text (Twilio's MessageSid)
	From string // the sender's number, E.164
	To   string // the number the text was sent to (a clinic's SMSFrom); "": the deployment's
	Body string
}

// Keyword is what an inbound text asks for.
type Keyword string

// The keywords (first word, any case, accents ignored).
const (
	KeywordStatus Keyword = "status" // STATUS, WHERE: position, estimate and link
	KeywordHelp   Keyword = "help"   // HELP: the keywords
	KeywordStop   Keyword = "stop"   // the carriers' opt-out words: no text of any kind
	KeywordStart  Keyword = "start"  // START, UNSTOP: texts again
	KeywordLeave  Keyword = "leave"  // LEAVE, CANCEL: leave the queue
	KeywordJoin   Keyword = "join"   // JOIN <name>: check in to the default line
	KeywordHere   Keyword = "here"   // HERE, ARRIVED: in the building
	KeywordLate   Keyword = "late"   // LATE [minutes], DELAY [minutes]: be seen later
	KeywordOther  Keyword = "other"  // anything else: one short help text an hour
)

// keywords maps a first word to its keyword. STOP and its kin are the words
// US carriers and Twilio treat as an opt-out; CANCEL, which Twilio's Advanced
// Opt-Out also treats as one by default, means leaving the queue here, as the
// issue asks (docs/sms.md says to take it off the carrier's list).
var keywords = map[string]Keyword{
	"STATUS": KeywordStatus, "WHERE": KeywordStatus, "ESTADO": KeywordStatus, "DONDE": KeywordStatus,
	"HELP": KeywordHelp, "INFO": KeywordHelp, "AYUDA": KeywordHelp,
	"STOP": KeywordStop, "STOPALL": KeywordStop, "UNSUBSCRIBE": KeywordStop, "END": KeywordStop, "QUIT": KeywordStop,
	"START": KeywordStart, "UNSTOP": KeywordStart, "YES": KeywordStart,
	"LEAVE": KeywordLeave, "CANCEL": KeywordLeave, "SALIR": KeywordLeave, "CANCELAR": KeywordLeave,
	"JOIN": KeywordJoin,
	"HERE": KeywordHere, "ARRIVED": KeywordHere, "AQUI": KeywordHere, "LLEGUE": KeywordHere,
	"LATE": KeywordLate, "DELAY": KeywordLate, "TARDE": KeywordLate,
}

// A LATE text puts the patient's due time at least DefaultDelay later, or the
// minutes it names, up to MaxDelay; twice a visit at most.
const (
	DefaultDelay = 15 * time.Minute
	MaxDelay     = 60 * time.Minute
	MaxDelays    = 2
)

// ParseKeyword reads the keyword of a text: its first word, folded to capitals
// without accents and punctuation ("¿Dónde?" is WHERE's Spanish).
func ParseKeyword(body string) Keyword {
	first := ""
	if f := strings.Fields(body); len(f) > 0 {
		first = f[0]
	}
	folded, _, _ := transform.String(transform.Chain(norm.NFD, runes.Remove(runes.In(unicode.Mn)), norm.NFC), first)
	folded = strings.ToUpper(strings.TrimFunc(folded, func(r rune) bool { return !unicode.IsLetter(r) }))
	if k, ok := keywords[folded]; ok {
		return k
	}
	return KeywordOther
}

// helpEvery is how often, at most, a number that sends an unknown word gets
// the short help text.
const helpEvery = time.Hour

// Reply handles a text a patient sent: it records an opt-out or opt-in, or
// writes the answer to the outbox. A number that opted out gets no answer of
// any kind; STOP and START get none from us either, as the carrier (Twilio's
// Advanced Opt-Out) answers those words itself. Nothing in an answer is about
// any ticket but the newest active one of the sender's own number.
func (s *Service) Reply(ctx context.Context, in InboundText) (Keyword, error) {
	kw := ParseKeyword(in.Body)
	phone, err := NormalizePhone(in.From, s.Config.PhoneRegion)
	if err != nil {
		return kw, err
	}
	if strings.TrimSpace(in.SID) == "" {
		return kw, validationError("MessageSid", "MessageSid is required")
	}
	now := s.now()
	switch kw {
	case KeywordStop:
		return kw, s.Store.Update(ctx, func(tx Tx) error { return tx.OptOut(ctx, phone, now) })
	case KeywordStart:
		return kw, s.Store.Update(ctx, func(tx Tx) error { return tx.OptIn(ctx, phone) })
	}
	// The ticket and its figures as a patient's status read sees them, and
	// the line whose clinic answers: the ticket's, else the clinic texted.
	var (
		t     Ticket
		q     Queue
		found bool
	)
	err = s.Store.View(ctx, func(tx Tx) error {
		var err error
		t, err = tx.ActiveTicketByPhone(ctx, phone)
		switch {
		case errors.Is(err, ErrNotFound):
		case err != nil:
			return err
		default:
			found = true
		}
		if !found || kw == KeywordJoin { // JOIN is to the clinic texted, ticket or not
			q, err = textedClinic(ctx, tx, in.To)
			return err
		}
		q, err = tx.Queue(ctx, t.QueueID)
		if errors.Is(err, ErrNotFound) {
			q, err = Queue{}, nil // a line removed under it: the default clinic answers
		}
		return err
	})
	if err != nil {
		return kw, err
	}
	if kw == KeywordJoin {
		return kw, s.joinByText(ctx, in, q, phone, now)
	}
	if found && kw == KeywordLeave {
		p := printer(t.Language)
		_, err := s.finishTicket(ctx, t.ID, StatusCancelled, ChangeCancelled, func(ctx context.Context, tx Tx, q Queue, t Ticket, now time.Time) error {
			return s.addReply(ctx, tx, q, phone, t.ID, in.SID, s.compose(q, "", p.T("sms.reply.left", "ticket", t.Number)), now)
		})
		var qe *Error
		if errors.As(err, &qe) && qe.Code == CodeNotActive {
			err = nil // it ended in the meantime: as if it had been found so
		}
		return kw, err
	}
	if found && kw == KeywordLate && t.Status == StatusWaiting && t.Delays < MaxDelays {
		return kw, s.postpone(ctx, t.ID, phone, in, now)
	}
	if found && kw == KeywordHere && t.ArrivedAt.IsZero() {
		return kw, s.arrived(ctx, t.ID, phone, in.SID)
	}
	st := PatientStatus{Entry: Entry{Ticket: t}}
	if found && kw == KeywordStatus {
		if st, err = s.Status(ctx, t.ID); err != nil {
			return kw, err
		}
	}
	lang := t.Language
	if !found {
		lang = s.Config.languages().DefaultLanguage()
	}
	body := s.replyText(q, kw, lang, found, st)
	return kw, s.Store.Update(ctx, func(tx Tx) error {
		if kw == KeywordOther {
			sent, err := tx.TextedSince(ctx, phone, MessageReply, now.Add(-helpEvery))
			if err != nil || sent {
				return err
			}
		}
		var told time.Time
		if kw == KeywordStatus && found && st.Status == StatusWaiting {
			told = toldUntil(st.Entry, now)
		}
		_, err := s.replyOnce(ctx, tx, q, phone, t.ID, in.SID, body, now, told)
		return err
	})
}

// textedClinic is a line value standing for the clinic whose sender is the
// number to — only its Clinic is set — or the zero Queue, the default
// clinic's, when no clinic sends from it (the deployment's own number, a
// messaging service's pool, or none given). Two clinics that share a number
// share it with the older one's patients: the first by id answers.
func textedClinic(ctx context.Context, tx Tx, to string) (Queue, error) {
	if to == "" {
		return Queue{}, nil
	}
	cs, err := tx.Clinics(ctx)
	if err != nil {
		return Queue{}, err
	}
	for _, c := range cs {
		if c.SMSFrom == to {
			if c.ID == DefaultClinicID {
				break // its texts are signed and sent as the deployment's (Queue.Clinic)
			}
			return Queue{Clinic: c}, nil
		}
	}
	return Queue{}, nil
}

// addReply writes the answer to the text sid to the outbox, from the sender of
// q's clinic, unless the number opted out; a second answer to the same text
// is dropped by its dedupe key.
func (s *Service) addReply(ctx context.Context, tx Tx, q Queue, phone, ticketID, sid, body string, now time.Time) error {
	_, err := s.replyOnce(ctx, tx, q, phone, ticketID, sid, body, now, time.Time{})
	return err
}

// replyOnce is addReply that also says whether the text sid was answered
// before (a webhook the provider retried).
func (s *Service) replyOnce(ctx context.Context, tx Tx, q Queue, phone, ticketID, sid, body string, now, told time.Time) (again bool, err error) {
	if at, err := tx.OptedOut(ctx, phone); err != nil || !at.IsZero() {
		return false, err
	}
	m := &Message{
		TicketID: ticketID, Kind: MessageReply, To: phone, From: q.Clinic.SMSFrom, Body: body, DedupeKey: "reply:" + sid,
		Status: MessagePending, CreatedAt: now, DueAt: now, ToldUntil: told,
	}
	if err := tx.AddMessage(ctx, m); err != nil {
		return false, err
	}
	return m.ID == 0, nil
}

// errAnswered undoes the work of a text that was already answered: a webhook
// the provider retried must not put a visit back twice.
var errAnswered = errors.New("queue: this text was answered already")

// joinByText checks the sender in under the name after JOIN to the clinic
// texted (q, textedClinic): the default clinic's default line, or another
// clinic's first public line (CheckInLine). The web check-in's validation,
// duplicate and pumping rules apply; the confirmation is the reply, from the
// line's clinic's number. A refusal is answered in words, from the clinic
// texted, except the pumping limit's, which must not make us text.
func (s *Service) joinByText(ctx context.Context, in InboundText, q Queue, phone string, now time.Time) error {
	name := strings.TrimSpace(strings.Join(strings.Fields(in.Body)[1:], " "))
	p := printer(s.Config.languages().DefaultLanguage())
	line, err := s.CheckInLine(ctx, q.ClinicSlug(), "")
	if err == nil {
		_, err = s.CheckIn(ctx, CheckInRequest{Name: name, Phone: phone, AppointmentTime: "walk-in", ReplyTo: in.SID, QueueID: line})
	}
	var qe *Error
	if err == nil || !errors.As(err, &qe) {
		return err
	}
	var body string
	switch qe.Code {
	case CodeDuplicate:
		body = p.T("sms.reply.joinedAlready")
	case CodeValidation:
		if qe.Field() == "name" {
			body = p.T("sms.reply.joinHow")
		} else {
			body = p.T("sms.reply.joinRefused")
		}
	case CodeLineClosed, CodeLineFull, CodeLineNotFound: // not found: a clinic without public lines
		body = p.T("sms.reply.joinRefused")
	default:
		return nil // the per-phone limit (CodeRateLimited) and the like: no text
	}
	return s.Store.Update(ctx, func(tx Tx) error { return s.addReply(ctx, tx, q, phone, "", in.SID, s.compose(q, "", body), now) })
}

// replyText is the answer to kw in lang, one segment, of q's clinic.
func (s *Service) replyText(q Queue, kw Keyword, lang string, found bool, st PatientStatus) string {
	p := printer(lang)
	switch {
	case kw == KeywordStatus && found && st.Status == StatusCalled:
		w := where(p, st.Room)
		return s.compose(q, "", p.T("sms.followUp.short", "ticket", st.Number, "where", w))
	case kw == KeywordStatus && found:
		facts := p.T("sms.facts", "ticket", st.Number, "position", st.Position, "minutes", st.EstimatedWait)
		var variants []string
		if link := s.statusLink(q, st.ID); link != "" {
			variants = append(variants, p.T("sms.reply.statusLink", "facts", facts, "link", link))
		}
		return s.compose(q, "", append(variants, p.T("sms.reply.status", "facts", facts))...)
	case !found && (kw == KeywordStatus || kw == KeywordLeave || kw == KeywordHere || kw == KeywordLate): // no active ticket
		if link := s.checkinLink(q); link != "" {
			return s.compose(q, "", p.T("sms.reply.noTicket", "link", link), p.T("sms.reply.noTicketShort"))
		}
		return s.compose(q, "", p.T("sms.reply.noTicketShort"))
	case kw == KeywordLate && found && st.Status == StatusCalled:
		return s.compose(q, "", p.T("sms.followUp.short", "ticket", st.Number, "where", where(p, st.Room)))
	case kw == KeywordLate && found: // LATE twice already
		return s.compose(q, "", p.T("sms.reply.lateNoMore", "n", MaxDelays))
	case kw == KeywordHere && found: // again: nothing changes, they are told again
		return s.compose(q, "", p.T("sms.reply.here", "ticket", st.Number))
	case kw == KeywordHelp:
		return s.compose(q, "", p.T("sms.reply.help"))
	}
	return s.compose(q, "", p.T("sms.reply.unknown"))
}

// checkinLink is the check-in page of q's clinic — /checkin for the default
// clinic, /c/{slug}/ for another — or "" when the public URL is not GSM-7.
func (s *Service) checkinLink(q Queue) string {
	if q.ClinicSlug() == "" {
		return s.pageLink(q, "checkin")
	}
	return s.pageLink(q, "")
}

// arrived records that the patient of ticket id is in the building (HERE):
// the desk sees it (Ticket.ArrivedAt, the staff queue's arrivedAt and a
// patient_arrived update), and the patient is told, in the same transaction.
// Nobody's place changes; the first HERE counts.
func (s *Service) arrived(ctx context.Context, id, phone, sid string) error {
	var next basis
	_, err := s.mutateTicket(ctx, id, &next, func(ctx context.Context, tx Tx, q *Queue, t *Ticket, now time.Time, ch *Change) error {
		if !t.Status.Active() {
			return Errorf(CodeNotActive, "This check-in is no longer active")
		}
		b, err := s.loadBasis(ctx, tx, *q)
		if err != nil {
			return err
		}
		if t.ArrivedAt.IsZero() {
			t.ArrivedAt = now
			if err := tx.UpdateTicket(ctx, *t); err != nil {
				return err
			}
		}
		// The next basis is this one with the ticket as stored now: a copy,
		// as bases share their lists.
		next = b
		next.active = slices.Clone(b.active)
		entries := make([]Entry, len(next.active))
		for i := range next.active {
			if next.active[i].ID == t.ID {
				next.active[i] = *t
			}
			entries[i].Ticket = next.active[i]
		}
		next.version = q.Version + 1
		ch.Kind, ch.Ticket = ChangeArrived, Entry{Ticket: *t}
		ch.Waiting, ch.Called, ch.NowServing = counts(entries)
		p := printer(t.Language)
		return s.addReply(ctx, tx, *q, phone, t.ID, sid, s.compose(*q, "", p.T("sms.reply.here", "ticket", t.Number)), now)
	})
	var qe *Error
	if errors.As(err, &qe) && qe.Code == CodeNotActive {
		return nil // it ended in the meantime
	}
	return err
}

// delayOf is the delay a LATE text asks for: the number after the keyword in
// minutes ("LATE 20", "late 20 min"), else DefaultDelay; at most MaxDelay, at
// least a minute.
func delayOf(body string) time.Duration {
	f := strings.Fields(body)
	if len(f) < 2 {
		return DefaultDelay
	}
	n, err := strconv.Atoi(strings.TrimRightFunc(f[1], func(r rune) bool { return !unicode.IsDigit(r) }))
	if err != nil || n < 1 {
		return DefaultDelay
	}
	return min(time.Duration(n)*time.Minute, MaxDelay)
}

// postpone moves the waiting ticket id later in its line: due no earlier than
// now plus the delay the text asks for, as a booked patient due then would be
// placed (the ordering rule, docs/lines.md). Positions, estimates and the
// get-ready text follow from the new place; the patient is told it in the
// same transaction.
func (s *Service) postpone(ctx context.Context, id, phone string, in InboundText, now time.Time) error {
	until := now.Add(delayOf(in.Body))
	_, err := s.reorder(ctx, id, func(ctx context.Context, tx Tx, q Queue, e Entry, now time.Time) error {
		p := printer(e.Language)
		facts := p.T("sms.facts", "ticket", e.Number, "position", e.Position, "minutes", e.EstimatedWait)
		again, err := s.replyOnce(ctx, tx, q, phone, e.ID, in.SID, s.compose(q, "", p.T("sms.reply.late", "facts", facts)), now, toldUntil(e, now))
		if err == nil && again {
			return errAnswered
		}
		return err
	}, func(t *Ticket, _ []Ticket) error {
		if t.Delays >= MaxDelays {
			return Errorf(CodeValidation, "This visit was put back twice already")
		}
		t.Delays++
		if until.After(t.DueAt) {
			t.DueAt = until
		}
		t.Seq = OrderKey(t.Urgent, t.DueAt)
		return nil
	})
	var qe *Error
	if errors.Is(err, errAnswered) || errors.As(err, &qe) && (qe.Code == CodeNotWaiting || qe.Code == CodeValidation) {
		return nil // answered before, or called or put back twice in the meantime
	}
	return err
}

// OptedOutReason is the last error of a text not sent because its number
// texted STOP at at: what the staff SMS log shows.
func OptedOutReason(at time.Time) string {
	return "not sent: the number texted STOP at " + at.UTC().Format(time.RFC3339)
}
