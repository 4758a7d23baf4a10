package sqlite

import (
	"context"
	"testing"
	"time"

	"smartwait/internal/queue"
	"smartwait/internal/webhook"
)

// HasWebhookEndpoints says whether an enabled endpoint exists, as of the
// transaction that asks.
func TestHasWebhookEndpoints(t *testing.T) {
	db := openCk(t, ckEvery, ckMaxFrames)
	ctx := context.Background()
	has := func() bool {
		t.Helper()
		var got bool
		err := db.Update(ctx, func(tx queue.Tx) (err error) {
			got, err = tx.HasWebhookEndpoints(ctx)
			if again, err2 := tx.HasWebhookEndpoints(ctx); err == nil && (err2 != nil || again != got) {
				t.Errorf("asked twice in one transaction: %v then %v, %v", got, again, err2)
			}
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
		return got
	}
	if has() {
		t.Fatal("HasWebhookEndpoints with none = true")
	}
	now := time.Now().UTC()
	e := webhook.Endpoint{ID: queue.NewID(), URL: "https://hooks.example.com/a", Events: []queue.WebhookEventType{queue.EventTicketCreated},
		Secret: "s", Enabled: false, CreatedAt: now, UpdatedAt: now}
	if err := db.CreateWebhook(ctx, e, 10); err != nil {
		t.Fatal(err)
	}
	if has() {
		t.Error("HasWebhookEndpoints with only a disabled endpoint = true")
	}
	e.Enabled = true
	if err := db.SaveWebhook(ctx, e); err != nil {
		t.Fatal(err)
	}
	if !has() {
		t.Error("HasWebhookEndpoints with an enabled endpoint = false")
	}
}
