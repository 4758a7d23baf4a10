package web

import "smartwait/internal/queue"

// The JSON shapes of the REST API (api/openapi.yaml, docs/api.md). Field names are the contract's; extra fields are
// additions clients may ignore.

// checkInView is the 201 body of POST /api/checkin and POST /api/staff/checkin.
// estimatedWaitLow/High (an addition) are the range the wait will likely fall
// in (10th–90th percentile); line (an addition) is the line's slug.
type checkInView struct {
	PatientID         string   `json:"patientId"`
	Position          int      `json:"position"`
	EstimatedWait     int      `json:"estimatedWait"`
	EstimatedWaitLow  int      `json:"estimatedWaitLow"`
	EstimatedWaitHigh int      `json:"estimatedWaitHigh"`
	Status            string   `json:"status"`
	TicketNumber      string   `json:"ticketNumber"`
	CheckInTime       jsonTime `json:"checkInTime"`
	Line              string   `json:"line"`
	Clinic            string   `json:"clinic"`   // the slug of the line's clinic
	Language          string   `json:"language"` // the patient's texts are written in it
}

func newCheckInView(e queue.Entry, clinic string) checkInView {
	return checkInView{
		PatientID: e.ID, Position: e.Position, EstimatedWait: e.EstimatedWait,
		EstimatedWaitLow: e.EstimatedWaitLow, EstimatedWaitHigh: e.EstimatedWaitHigh,
		Status: string(e.Status), TicketNumber: e.Number, CheckInTime: jsonTime(e.CheckInTime),
		Line: e.QueueID, Clinic: clinic, Language: e.Language,
	}
}

// positionView is what GET /api/position/{id} shows a patient, with the range of
// the estimate (estimatedWaitLow/High, as in checkInView) and the line.
type positionView struct {
	PatientID            string   `json:"patientId"`
	Position             int      `json:"position"`
	Status               string   `json:"status"`
	EstimatedWait        int      `json:"estimatedWait"`
	EstimatedWaitMinutes int      `json:"estimatedWaitMinutes"`
	EstimatedWaitLow     int      `json:"estimatedWaitLow"`
	EstimatedWaitHigh    int      `json:"estimatedWaitHigh"`
	TicketNumber         string   `json:"ticketNumber"`
	QueueLength          int      `json:"queueLength"`
	CheckInTime          jsonTime `json:"checkInTime"`
	CalledAt             jsonTime `json:"calledAt,omitzero"`
	CompletedAt          jsonTime `json:"completedAt,omitzero"`
	Room                 string   `json:"room,omitempty"`
	Ready                bool     `json:"ready"` // the get-ready notice went out, so a re-read restores the stage
	Version              int64    `json:"version"`
	Line                 string   `json:"line"`               // the line's slug; queueLength and position are the line's
	Clinic               string   `json:"clinic,omitempty"`   // the slug of the line's clinic; absent once the line is removed
	Language             string   `json:"language,omitempty"` // the patient's language; empty on tickets from before languages
}

func newPositionView(st queue.PatientStatus) positionView {
	return positionView{
		PatientID: st.ID, Position: st.Position, Status: string(st.Status),
		EstimatedWait: st.EstimatedWait, EstimatedWaitMinutes: st.EstimatedWait,
		EstimatedWaitLow: st.EstimatedWaitLow, EstimatedWaitHigh: st.EstimatedWaitHigh,
		TicketNumber: st.Number, QueueLength: st.QueueLength,
		CheckInTime: jsonTime(st.CheckInTime), CalledAt: jsonTime(st.CalledAt),
		CompletedAt: jsonTime(st.CompletedAt), Room: st.Room, Ready: !st.ReadyAt.IsZero(), Version: st.Version,
		Line: st.QueueID, Clinic: st.Clinic, Language: st.Language,
	}
}

// calledView is the data of POST /api/staff/call-next.
type calledView struct {
	ID           string        `json:"id"`
	PatientID    string        `json:"patientId"`
	Name         string        `json:"name"`
	Phone        string        `json:"phone"`
	TicketNumber string        `json:"ticketNumber"`
	Status       string        `json:"status"`
	CalledAt     jsonTime      `json:"calledAt"`
	Room         string        `json:"room"`
	Patient      calledPatient `json:"patient"`
	Line         string        `json:"line"` // the line the patient was called from
}

type calledPatient struct {
	ID    string `json:"id"`
	Name  string `json:"name"`
	Phone string `json:"phone"`
}

func newCalledView(e queue.Entry) calledView {
	return calledView{
		ID: e.ID, PatientID: e.ID, Name: e.Name, Phone: e.Phone, TicketNumber: e.Number,
		Status: string(e.Status), CalledAt: jsonTime(e.CalledAt), Room: e.Room,
		Patient: calledPatient{ID: e.ID, Name: e.Name, Phone: e.Phone}, Line: e.QueueID,
	}
}

// ticketView is the data of the staff's single-ticket operations and of a cancel.
type ticketView struct {
	PatientID    string   `json:"patientId"`
	TicketNumber string   `json:"ticketNumber"`
	Status       string   `json:"status"`
	CalledAt     jsonTime `json:"calledAt"`
	CompletedAt  jsonTime `json:"completedAt"`
}

func newTicketView(e queue.Entry) ticketView {
	return ticketView{
		PatientID: e.ID, TicketNumber: e.Number, Status: string(e.Status),
		CalledAt: jsonTime(e.CalledAt), CompletedAt: jsonTime(e.CompletedAt),
	}
}

// messageView is one SMS of GET /api/staff/notifications.
type messageView struct {
	ID         int64    `json:"id"`
	PatientID  string   `json:"patientId"`
	Kind       string   `json:"kind"`
	To         string   `json:"to"`
	Body       string   `json:"body"`
	Status     string   `json:"status"`
	Attempts   int      `json:"attempts"`
	LastError  string   `json:"lastError"`
	ProviderID string   `json:"providerId"`
	CreatedAt  jsonTime `json:"createdAt"`
	SentAt     jsonTime `json:"sentAt"`
}

func newMessageView(m queue.Message) messageView {
	return messageView{
		ID: m.ID, PatientID: m.TicketID, Kind: string(m.Kind), To: m.To, Body: m.Body,
		Status: string(m.Status), Attempts: m.Attempts, LastError: m.LastError,
		ProviderID: m.ProviderID, CreatedAt: jsonTime(m.CreatedAt), SentAt: jsonTime(m.SentAt),
	}
}
