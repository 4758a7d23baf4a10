package sms_test

import (
	"bytes"
	"context"
	"log/slog"
	"strings"
	"testing"

	"smartwait/internal/queue"
	"smartwait/internal/sms"
)

func TestLogSenderRedactsAtInfo(t *testing.T) {
	for _, level := range []slog.Level{slog.LevelInfo, slog.LevelDebug} {
		t.Run(level.String(), func(t *testing.T) {
			var buf bytes.Buffer
			l := &sms.Log{Logger: slog.New(slog.NewTextHandler(&buf, &slog.HandlerOptions{Level: level}))}
			id := queue.NewID()
			m := queue.Message{ID: 3, TicketID: id, Kind: queue.MessageConfirmation, To: "+14155552671",
				Body: "SmartWait: Hi Ana, you're checked in. http://localhost:3001/status/" + id}
			pid, err := l.Send(context.Background(), m)
			if err != nil || pid != "log-3" {
				t.Fatalf("Send = %q, %v; want a provider id and no error", pid, err)
			}
			out := buf.String()
			if !strings.Contains(out, "you're checked in") || !strings.Contains(out, "[redacted]") {
				t.Errorf("log does not show the redacted message:\n%s", out)
			}
			leaked := strings.Contains(out, id) || strings.Contains(out, "+14155552671")
			if level == slog.LevelInfo && leaked {
				t.Errorf("INFO log shows the patient id or phone:\n%s", out)
			}
			if level == slog.LevelDebug && !leaked {
				t.Errorf("DEBUG log should carry the full message:\n%s", out)
			}
		})
	}
}

func TestMaskPhone(t *testing.T) {
	for in, want := range map[string]string{"+14155552671": "+14*******71", "+44": "***", "": ""} {
		if got := sms.MaskPhone(in); got != want {
			t.Errorf("MaskPhone(%q) = %q, want %q", in, got, want)
		}
	}
}
