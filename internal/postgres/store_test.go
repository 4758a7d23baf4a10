package postgres_test

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	"smartwait/internal/auth"
	"smartwait/internal/postgres"
	"smartwait/internal/postgres/pgtest"
	"smartwait/internal/queue"
)

// phone returns the i-th of a set of distinct valid US numbers.
func phone(i int) string { return fmt.Sprintf("+1212736%04d", 1000+i) }

func newService(db queue.Store) *queue.Service {
	cfg := queue.DefaultConfig()
	cfg.Location = time.UTC
	return &queue.Service{Store: db, Config: cfg}
}

func checkIn(tb testing.TB, s *queue.Service, i int) queue.Entry {
	tb.Helper()
	e, err := s.CheckIn(context.Background(), queue.CheckInRequest{Name: fmt.Sprintf("Patient %d", i), Phone: phone(i), AppointmentTime: "10:00"})
	if err != nil {
		tb.Fatalf("check-in %d: %v", i, err)
	}
	return e
}

func code(err error) string {
	var de *queue.Error
	if errors.As(err, &de) {
		return de.Code
	}
	return ""
}

// TestServiceFlow runs the queue's operations on PostgreSQL end to end: the store
// round-trips what the domain writes and reads.
func TestServiceFlow(t *testing.T) {
	db := pgtest.Open(t)
	s := newService(db)
	ctx := context.Background()

	a, b, c := checkIn(t, s, 1), checkIn(t, s, 2), checkIn(t, s, 3)
	if a.Position != 1 || b.Position != 2 || c.Position != 3 {
		t.Fatalf("positions %d %d %d, want 1 2 3", a.Position, b.Position, c.Position)
	}
	if a.Number != "A-001" || c.Number != "A-003" {
		t.Errorf("ticket numbers %q %q, want A-001 A-003", a.Number, c.Number)
	}
	_, err := s.CheckIn(ctx, queue.CheckInRequest{Name: "Again", Phone: "(212) 736-1001", AppointmentTime: "11:00"})
	if code(err) != queue.CodeDuplicate {
		t.Fatalf("second active check-in of a phone: err %v, want %s", err, queue.CodeDuplicate)
	}

	called, err := s.CallNext(ctx, "", "Room 2")
	if err != nil || called.ID != a.ID || called.Status != queue.StatusCalled || called.Room != "Room 2" {
		t.Fatalf("call-next = %+v, %v; want %s called to Room 2", called, err, a.ID)
	}
	st, err := s.Status(ctx, c.ID)
	if err != nil || st.Position != 2 || st.QueueLength != 2 {
		t.Fatalf("status of third after call-next = pos %d len %d, %v; want 2, 2", st.Position, st.QueueLength, err)
	}
	if _, err := s.Complete(ctx, a.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Cancel(ctx, b.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Cancel(ctx, b.ID); code(err) != queue.CodeNotActive {
		t.Errorf("cancel twice: %v, want %s", err, queue.CodeNotActive)
	}
	entries, version, err := s.Queue(ctx, "")
	if err != nil || len(entries) != 1 || entries[0].ID != c.ID || entries[0].Position != 1 {
		t.Fatalf("queue = %+v, %v; want only the third at position 1", entries, err)
	}
	if version != 6 {
		t.Errorf("version %d after 6 mutations", version)
	}
	// A phone whose ticket left the queue may check in again.
	if _, err := s.CheckIn(ctx, queue.CheckInRequest{Name: "Back", Phone: phone(1), AppointmentTime: "12:00"}); err != nil {
		t.Errorf("check-in after completion: %v", err)
	}
	stats, err := s.Stats(ctx, "")
	if err != nil || stats.TotalCompleted != 1 || stats.TotalWaiting != 2 {
		t.Errorf("stats = %+v, %v", stats, err)
	}
	msgs, err := db.Messages(ctx, a.ID)
	if err != nil {
		t.Fatal(err)
	}
	kinds := map[queue.MessageKind]queue.MessageStatus{}
	for _, m := range msgs {
		kinds[m.Kind] = m.Status
	}
	want := map[queue.MessageKind]queue.MessageStatus{
		// Completing the visit drops every text still pending (no dispatcher ran).
		queue.MessageConfirmation: queue.MessageCancelled,
		queue.MessageCalled:       queue.MessageCancelled,
		queue.MessageFollowUp:     queue.MessageCancelled,
	}
	if !maps(kinds, want) {
		t.Errorf("messages of the first patient = %v, want %v", kinds, want)
	}
}

func maps[K comparable, V comparable](a, b map[K]V) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if w, ok := b[k]; !ok || w != v {
			return false
		}
	}
	return true
}

// TestInstancesSerialize runs check-ins and call-nexts concurrently through two
// separate pools on one schema, as two instances would: positions stay exactly
// 1..N, ticket numbers unique, and no patient is called twice.
func TestInstancesSerialize(t *testing.T) {
	url := pgtest.SchemaURL(t)
	dbA, dbB := pgtest.OpenURL(t, url), pgtest.OpenURL(t, url)
	sA, sB := newService(dbA), newService(dbB)
	const n = 120
	var wg sync.WaitGroup
	entries := make([]queue.Entry, n)
	errs := make([]error, n)
	for i := range n {
		s := sA
		if i%2 == 1 {
			s = sB
		}
		wg.Go(func() {
			entries[i], errs[i] = s.CheckIn(context.Background(), queue.CheckInRequest{
				Name: fmt.Sprintf("P%d", i), Phone: phone(i), AppointmentTime: "09:30"})
		})
	}
	wg.Wait()
	var positions []int
	numbers := map[string]bool{}
	for i := range n {
		if errs[i] != nil {
			t.Fatalf("check-in %d: %v", i, errs[i])
		}
		positions = append(positions, entries[i].Position)
		numbers[entries[i].Number] = true
	}
	slices.Sort(positions)
	for i, p := range positions {
		if p != i+1 {
			t.Fatalf("positions at check-in are not exactly 1..%d: %v", n, positions)
		}
	}
	if len(numbers) != n {
		t.Errorf("%d distinct ticket numbers for %d check-ins", len(numbers), n)
	}
	queued, version, err := sA.Queue(context.Background(), "")
	if err != nil || len(queued) != n || version != n {
		t.Fatalf("queue: %d entries, version %d, %v; want %d, %d", len(queued), version, err, n, n)
	}
	for i, e := range queued {
		if e.Position != i+1 {
			t.Fatalf("queue position %d at index %d", e.Position, i)
		}
	}

	const calls = 40
	called := make([]queue.Entry, calls)
	for i := range calls {
		s := sA
		if i%2 == 1 {
			s = sB
		}
		wg.Go(func() {
			var err error
			if called[i], err = s.CallNext(context.Background(), "", "1"); err != nil {
				t.Errorf("call-next: %v", err)
			}
		})
	}
	wg.Wait()
	seen := map[string]bool{}
	for _, c := range called {
		if seen[c.ID] {
			t.Fatalf("patient %s called twice", c.ID)
		}
		seen[c.ID] = true
	}
	// The called ones are exactly the first 40 in check-in order.
	for _, e := range queued[:calls] {
		if !seen[e.ID] {
			t.Errorf("%s (position %d) was not called, but a later patient was", e.Number, e.Position)
		}
	}
	// A patient's own position (counted from waiting_buckets) agrees with the
	// queue's layout (from the rows), on either instance.
	after, _, err := sB.Queue(context.Background(), "")
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range after {
		st, err := sA.Status(context.Background(), e.ID)
		if err != nil || st.Position != e.Position || st.QueueLength != n-calls {
			t.Fatalf("status of %s: position %d, length %d, %v; queue says position %d of %d",
				e.Number, st.Position, st.QueueLength, err, e.Position, n-calls)
		}
	}
}

// TestDuplicateAcrossInstances checks in one phone on two instances at once: the
// partial unique index lets exactly one through.
func TestDuplicateAcrossInstances(t *testing.T) {
	url := pgtest.SchemaURL(t)
	services := []*queue.Service{newService(pgtest.OpenURL(t, url)), newService(pgtest.OpenURL(t, url))}
	const tries = 10
	errs := make([]error, tries)
	var wg sync.WaitGroup
	for i := range tries {
		wg.Go(func() {
			_, errs[i] = services[i%2].CheckIn(context.Background(), queue.CheckInRequest{
				Name: "Same", Phone: "+12127360001", AppointmentTime: "now"})
		})
	}
	wg.Wait()
	ok := 0
	for _, err := range errs {
		switch {
		case err == nil:
			ok++
		case code(err) != queue.CodeDuplicate:
			t.Errorf("unexpected error %v", err)
		}
	}
	if ok != 1 {
		t.Errorf("%d check-ins of one phone succeeded, want 1", ok)
	}
}

// TestStoreDuplicateSentinel checks the raw store contract: the active-phone index
// maps to queue.ErrDuplicate and a taken username to auth.ErrExists.
func TestStoreDuplicateSentinel(t *testing.T) {
	db := pgtest.Open(t)
	ctx := context.Background()
	ins := func(id string) error {
		return db.Update(ctx, func(tx queue.Tx) error {
			if _, err := tx.LockQueue(ctx, queue.DefaultQueueID); err != nil {
				return err
			}
			return tx.InsertTicket(ctx, &queue.Ticket{ID: id, QueueID: queue.DefaultQueueID, Number: "A-1",
				Day: "2026-11-28", Name: "x", Phone: "+12127360002", AppointmentTime: "x",
				Status: queue.StatusWaiting, CheckInTime: time.Now()})
		})
	}
	if err := ins(queue.NewID()); err != nil {
		t.Fatal(err)
	}
	if err := ins(queue.NewID()); !errors.Is(err, queue.ErrDuplicate) {
		t.Errorf("second active ticket: %v, want ErrDuplicate", err)
	}
	if err := db.CreateUser(ctx, &auth.User{Username: "ana", Role: auth.RoleStaff, PasswordHash: "h"}); err != nil {
		t.Fatal(err)
	}
	if err := db.CreateUser(ctx, &auth.User{Username: "ana", Role: auth.RoleStaff, PasswordHash: "h"}); !errors.Is(err, auth.ErrExists) {
		t.Errorf("taken username: %v, want auth.ErrExists", err)
	}
	if _, err := db.UserByUsername(ctx, "bob"); !errors.Is(err, auth.ErrNotFound) {
		t.Errorf("unknown user: %v, want auth.ErrNotFound", err)
	}
}

// TestMigrateTwice opens the same schema twice: the second Open finds nothing to do.
func TestMigrateTwice(t *testing.T) {
	url := pgtest.SchemaURL(t)
	pgtest.OpenURL(t, url)
	db := pgtest.OpenURL(t, url)
	if err := db.Migrate(context.Background()); err != nil {
		t.Fatal(err)
	}
	var _ queue.Store = (*postgres.DB)(nil)
}

// TestDeleteSessionTwice: a second logout is not an error, as on SQLite.
func TestDeleteSessionTwice(t *testing.T) {
	db := pgtest.Open(t)
	ctx := context.Background()
	u := &auth.User{Username: "ana", Role: auth.RoleStaff, PasswordHash: "h"}
	if err := db.CreateUser(ctx, u); err != nil {
		t.Fatal(err)
	}
	s := auth.Session{ID: "s1", TokenHash: "abc", UserID: u.ID, ExpiresAt: time.Now().Add(time.Hour)}
	if err := db.CreateSession(ctx, s); err != nil {
		t.Fatal(err)
	}
	for i := range 2 {
		if err := db.DeleteSession(ctx, "s1"); err != nil {
			t.Errorf("DeleteSession #%d: %v", i+1, err)
		}
	}
	if _, _, err := db.SessionByTokenHash(ctx, "abc"); !errors.Is(err, auth.ErrNotFound) {
		t.Errorf("session after delete: %v, want auth.ErrNotFound", err)
	}
}
