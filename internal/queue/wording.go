package queue

import "fmt"

// The patient-facing wording shared by the SMS texts (texts.go) and the
// real-time events (internal/events): one catalogue, so a patient reads the
// same sentence, with the same place, on their phone and on the status page.
// "{, name}" is the SMS's slot for the patient's first name; the events leave
// it empty, as they go to a page the patient already has open.
const (
	calledWording   = "It's your turn{, name}! Ticket %s, please come to %s now."
	getReadyWording = "Please get ready{, name}: you're number %d in line (ticket %s), about %d min. Please come back to the waiting room."
)

// CalledMessage is the message of patient_called: the SMS's call text without
// the clinic's and the patient's names. The place is where(t.Room), the SMS's.
func CalledMessage(t Ticket) string {
	return fill(fmt.Sprintf(calledWording, t.Number, where(t.Room)), "")
}

// GetReadyMessage is the message of get_ready: the SMS's get-ready text
// without the clinic's and the patient's names.
func GetReadyMessage(e Entry) string {
	return fill(fmt.Sprintf(getReadyWording, e.Position, e.Number, e.EstimatedWait), "")
}
