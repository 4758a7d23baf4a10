package queue

import "testing"

// TestEventWordingIsTheSMSWording: the messages of patient_called and
// get_ready are the SMS texts without the clinic's and the patient's names,
// with the same place phrase (the events used to keep characters the SMS
// drops, and so named a different room).
func TestEventWordingIsTheSMSWording(t *testing.T) {
	s := textService("Clinic", "")
	for _, room := range []string{"3", "Desk B", "room 12", "", "  ", "Salle ① Est", "Sala 2 ✚"} {
		tk := Ticket{Number: "A-007", Room: room}
		if sms, ev := s.calledText(Queue{}, tk), "Clinic: "+CalledMessage(tk); sms != ev {
			t.Errorf("room %q: SMS %q, event %q", room, sms, ev)
		}
	}
	e := Entry{Ticket: Ticket{Number: "A-008"}, Position: 2, EstimatedWait: 9}
	if sms, ev := s.getReadyText(Queue{}, e), "Clinic: "+GetReadyMessage(e); sms != ev {
		t.Errorf("get ready: SMS %q, event %q", sms, ev)
	}
}
