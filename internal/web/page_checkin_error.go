package web

import (
	"errors"
	"strings"
	"time"

	"smartwait/internal/i18n"
	"smartwait/internal/queue"
)

// checkinError is a refused check-in as the patient reads it on the form: the
// field it concerns ("" for the whole form) and what to do, in the page's
// language. The API's messages are English and written for programs; each
// code and field maps here to its message in the catalogue
// (pages.checkin.error.*), so a Spanish page never shows the English API
// text. Within a field, the API's wording tells the cases apart ("is
// required"); page_lang_test.go holds every case to a message of its own.
func checkinError(p *i18n.Printer, err error, info errorInfo) (field, msg string) {
	const e = "pages.checkin.error."
	field = fieldOf(info)
	m := strings.ToLower(info.Message)
	switch info.Code {
	case queue.CodeDuplicate:
		return "phone", p.T(e + "phoneDuplicate")
	case queue.CodeRateLimited:
		var qe *queue.Error
		if errors.As(err, &qe) && field == "phone" && qe.RetryAfter > 0 {
			minutes := int((qe.RetryAfter + time.Minute - 1) / time.Minute)
			return "phone", p.T(e+"phoneLimit", "minutes", minutes)
		}
		return "", p.T(e + "rateLimited")
	case queue.CodeLineClosed:
		return "", p.T(e + "lineClosed")
	case queue.CodeLineFull:
		return "", p.T(e + "lineFull")
	case queue.CodeValidation:
		required := strings.Contains(m, "is required")
		switch field {
		case "name":
			switch {
			case required:
				return field, p.T(e + "nameRequired")
			case strings.Contains(m, "at most"):
				return field, p.T(e+"nameTooLong", "max", queue.MaxNameLen)
			}
			return field, p.T(e + "nameInvalid")
		case "phone":
			switch {
			case required:
				return field, p.T(e + "phoneRequired")
			case strings.Contains(m, "country"):
				countries := info.Message[strings.LastIndex(info.Message, ": ")+2:] // "…: US (+1)"
				return field, p.T(e+"phoneCountry", "countries", countries)
			}
			return field, p.T(e + "phoneInvalid")
		case "appointmentTime":
			if required {
				return field, p.T(e + "appointmentRequired")
			}
			return field, p.T(e+"appointmentInvalid", "max", queue.MaxAppointmentLen)
		case "line":
			if strings.Contains(m, "choose") {
				return field, p.T(e + "lineChoose")
			}
			return field, p.T(e + "lineUnavailable")
		}
	}
	return "", p.T(e + "other")
}

// fieldOf returns the field a validation error names, if any.
func fieldOf(info errorInfo) string {
	if m, ok := info.Details.(map[string]string); ok {
		return m["field"]
	}
	return ""
}
