package web

import (
	"context"
	"testing"

	"smartwait/internal/auth"
	"smartwait/internal/queue"
)

// TestAuthDefaultClinicIsQueues: auth cannot import queue, so it keeps its
// own copy of the default clinic's id.
func TestAuthDefaultClinicIsQueues(t *testing.T) {
	if auth.DefaultClinicID != queue.DefaultClinicID {
		t.Fatalf("auth.DefaultClinicID = %d, queue.DefaultClinicID = %d", auth.DefaultClinicID, queue.DefaultClinicID)
	}
}

// TestClinicGate: the hook the Socket.IO and SSE staff rooms take lets each
// account follow only its clinics; "" is the default clinic (the transports
// resolve it to its id), and an unknown clinic (which the transports refuse
// before the gate) is no.
func TestClinicGate(t *testing.T) {
	w := newAuthzWorld(t)
	gate := ClinicGate()
	ids := map[string]int64{"": queue.DefaultClinicID, "main": queue.DefaultClinicID, "nowhere": 9999}
	for _, c := range []string{"north"} {
		cl, err := w.h.deps.Queue.Clinic(context.Background(), c)
		if err != nil {
			t.Fatal(err)
		}
		ids[c] = cl.ID
	}
	for _, tc := range []struct {
		user, clinic string
		want         bool
	}{
		{"boss", "north", true}, {"boss", "main", true}, {"boss", "", true}, {"boss", "nowhere", true},
		{northStaff, "north", true}, {northStaff, "main", false}, {northStaff, "", false},
		{northAdmin, "north", true}, {northAdmin, "main", false},
		{northKiosk, "north", false}, // a kiosk follows no staff room
		{mainStaff, "main", true}, {mainStaff, "", true}, {mainStaff, "north", false}, {mainStaff, "nowhere", false},
		{"nurse", "main", true}, {"nurse", "north", false}, // an account from before clinics
	} {
		u, err := w.h.deps.Auth.UserNamed(context.Background(), tc.user)
		if err != nil {
			t.Fatal(err)
		}
		if got := gate(u, ids[tc.clinic], tc.clinic); got != tc.want {
			t.Errorf("gate(%s, %q) = %v, want %v", tc.user, tc.clinic, got, tc.want)
		}
	}
}
