package events

import (
	"strconv"
	"time"

	"smartwait/internal/realtime"
)

// Joined is the answer to a successful join: room-joined {room}.
func Joined(room string) RoomAnswer { return RoomAnswer{Room: room} }

// Left is the answer to leave-room: room-left {room}. (The contract's
// "room-joined" would be misleading for a leave.)
func Left(room string) RoomAnswer { return RoomAnswer{Room: room} }

// Refused is the error event's payload for a refused room request.
func Refused(code, message string) ErrorAnswer { return ErrorAnswer{Code: code, Message: message} }

// Test is the admin's test_message to room, sent at now: a batch with no
// stream, so it is never replayed, and an id of its own ("test-…") that is
// the same on every instance.
func Test(room, message string, now time.Time) realtime.Batch {
	var b realtime.Batch
	b.Add(room, TestMessage, TestMessageEvent{Type: TestMessage, Message: message, Room: room, Timestamp: Time(now)})
	b.Messages[0].ID = "test-" + strconv.FormatInt(now.UnixNano(), 36)
	return b
}
