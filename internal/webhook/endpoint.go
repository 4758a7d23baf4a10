package webhook

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"net/netip"
	"net/url"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"smartwait/internal/queue"
)

// Webhook is a receiver an admin registered. Secret signs every delivery; it
// is shown once, when the endpoint is created, and never again.
type Endpoint struct {
	ID          string
	URL         string
	Description string
	Events      []queue.WebhookEventType
	// Personal: the endpoint also receives the patient id, name and phone.
	Personal  bool
	Secret    string
	Enabled   bool
	CreatedAt time.Time
	UpdatedAt time.Time

	// DisabledAt and DisabledReason say when and why the dispatcher disabled
	// the endpoint (it kept failing for a day); zero when an admin disabled it
	// or it is enabled.
	DisabledAt     time.Time
	DisabledReason string
	// FailingSince is the first failure of the current run of failures, zero
	// after a success; Failures counts that run, RetryAt is when the next
	// attempt may be made, LastError the last failure (kept as history).
	FailingSince time.Time
	Failures     int
	RetryAt      time.Time
	LastError    string
	LastSuccess  time.Time
	// Pending counts the endpoint's outbox rows (read-only; set by the store).
	Pending int
}

// Wants reports whether the endpoint is subscribed to events of type t.
func (e Endpoint) Wants(t queue.WebhookEventType) bool { return slices.Contains(e.Events, t) }

// Error codes of the webhook routes (the web layer maps them to statuses).
const (
	CodeNotFound = "WEBHOOK_NOT_FOUND"
	CodeTooMany  = "TOO_MANY_WEBHOOKS"
)

// Limits and defaults.
const (
	// DefaultMaxEndpoints is the default bound on registered endpoints
	// (SMARTWAIT_WEBHOOK_MAX_ENDPOINTS).
	DefaultMaxEndpoints = 20
	// MaxURLLen bounds an endpoint's URL.
	MaxURLLen = 2048
	// MaxDescriptionLen bounds its description, in characters.
	MaxDescriptionLen = 200
)

// Service manages the endpoints for admins. Set its fields before use; it is
// safe for concurrent use.
type Service struct {
	Store Store
	// MaxEndpoints bounds the endpoints; 0: DefaultMaxEndpoints.
	MaxEndpoints int
	// AllowPrivate admits URLs whose host is a loopback, private, link-local
	// or otherwise non-public address (SMARTWAIT_WEBHOOK_ALLOW_PRIVATE). The
	// dispatcher enforces the same rule on the address it connects to.
	AllowPrivate bool
	Now          func() time.Time // nil: time.Now
}

func (s *Service) now() time.Time {
	if s.Now != nil {
		return s.Now().UTC()
	}
	return time.Now().UTC()
}

func (s *Service) max() int {
	if s.MaxEndpoints > 0 {
		return s.MaxEndpoints
	}
	return DefaultMaxEndpoints
}

// Patch is a change to an endpoint; nil fields stay as they are.
type Patch struct {
	URL         *string
	Description *string
	Events      []queue.WebhookEventType // nil: unchanged
	Personal    *bool
	Enabled     *bool
}

// Create registers an endpoint (enabled) with a new secret, which the returned
// Webhook carries: the only time it is shown. Errors: queue.CodeValidation for
// a bad URL, description or event list, CodeTooMany past MaxEndpoints.
func (s *Service) Create(ctx context.Context, p Patch) (Endpoint, error) {
	now := s.now()
	e := Endpoint{ID: queue.NewID(), Enabled: true, CreatedAt: now, UpdatedAt: now, Secret: newSecret()}
	if p.URL == nil {
		return Endpoint{}, invalid("url", "url is required")
	}
	if p.Events == nil {
		return Endpoint{}, invalid("events", "events is required: a list of event types")
	}
	if err := s.apply(&e, p); err != nil {
		return Endpoint{}, err
	}
	if err := s.Store.CreateWebhook(ctx, e, s.max()); err != nil {
		if errors.Is(err, ErrTooMany) {
			return Endpoint{}, &queue.Error{Code: CodeTooMany, Message: fmt.Sprintf(
				"At most %d webhook endpoints may be registered (SMARTWAIT_WEBHOOK_MAX_ENDPOINTS)", s.max())}
		}
		return Endpoint{}, err
	}
	return e, nil
}

// List returns every endpoint, oldest first, without secrets.
func (s *Service) List(ctx context.Context) ([]Endpoint, error) {
	es, err := s.Store.Webhooks(ctx)
	for i := range es {
		es[i].Secret = ""
	}
	return es, err
}

// Get returns one endpoint, without its secret; CodeNotFound when unknown.
func (s *Service) Get(ctx context.Context, id string) (Endpoint, error) {
	e, err := s.Store.Webhook(ctx, id)
	if err != nil {
		return Endpoint{}, notFound(err)
	}
	e.Secret = ""
	return e, nil
}

// Update changes an endpoint. Enabling a disabled endpoint clears its failure
// state, so the dispatcher resumes its held deliveries at once, in order.
func (s *Service) Update(ctx context.Context, id string, p Patch) (Endpoint, error) {
	e, err := s.Store.Webhook(ctx, id)
	if err != nil {
		return Endpoint{}, notFound(err)
	}
	was := e.Enabled
	if err := s.apply(&e, p); err != nil {
		return Endpoint{}, err
	}
	now := s.now()
	e.UpdatedAt = now
	if e.Enabled && !was {
		e.DisabledAt, e.DisabledReason = time.Time{}, ""
		e.FailingSince, e.Failures, e.RetryAt = time.Time{}, 0, time.Time{}
	}
	if !e.Enabled && was {
		e.DisabledAt, e.DisabledReason = time.Time{}, "" // by an admin: nothing to explain
	}
	if err := s.Store.SaveWebhook(ctx, e); err != nil {
		return Endpoint{}, notFound(err)
	}
	e.Secret = ""
	return e, nil
}

// Delete removes an endpoint with its undelivered events and its log.
func (s *Service) Delete(ctx context.Context, id string) error {
	return notFound(s.Store.DeleteWebhook(ctx, id))
}

// WebhookAttempts returns an endpoint's delivery log, newest first.
func (s *Service) Attempts(ctx context.Context, id string) ([]Attempt, error) {
	if _, err := s.Store.Webhook(ctx, id); err != nil {
		return nil, notFound(err)
	}
	return s.Store.WebhookAttempts(ctx, id)
}

// apply validates p and applies it to e.
func (s *Service) apply(e *Endpoint, p Patch) error {
	if p.URL != nil {
		u, err := CheckURL(*p.URL, s.AllowPrivate)
		if err != nil {
			return err
		}
		e.URL = u
	}
	if p.Description != nil {
		d := strings.TrimSpace(*p.Description)
		if utf8.RuneCountInString(d) > MaxDescriptionLen {
			return invalid("description", "description must be at most %d characters", MaxDescriptionLen)
		}
		e.Description = d
	}
	if p.Events != nil {
		if len(p.Events) == 0 {
			return invalid("events", "events must name at least one event type")
		}
		var evs []queue.WebhookEventType
		for _, t := range p.Events {
			if !queue.ValidWebhookEventType(t) {
				return invalid("events", "unknown event type %q; the types are %s", t, typeList())
			}
			if !slices.Contains(evs, t) {
				evs = append(evs, t)
			}
		}
		e.Events = evs
	}
	if p.Personal != nil {
		e.Personal = *p.Personal
	}
	if p.Enabled != nil {
		e.Enabled = *p.Enabled
	}
	return nil
}

// CheckURL validates an endpoint URL and returns it as it will be stored:
// http or https, a host, no user info (a password would show in the admin
// page), no fragment, at most MaxURLLen bytes. Unless allowPrivate, a host that
// is an IP address must be public (ValidAddr), and "localhost" is refused; a
// name is checked again, on every connection, against what it resolves to.
func CheckURL(raw string, allowPrivate bool) (string, error) {
	raw = strings.TrimSpace(raw)
	if len(raw) > MaxURLLen {
		return "", invalid("url", "url must be at most %d bytes", MaxURLLen)
	}
	u, err := url.Parse(raw)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || u.Hostname() == "" {
		return "", invalid("url", "url must be an absolute http or https URL with a host")
	}
	if u.User != nil {
		return "", invalid("url", "url must not carry a user name or password")
	}
	if u.Fragment != "" {
		return "", invalid("url", "url must not have a fragment (#…)")
	}
	if !allowPrivate {
		host := strings.ToLower(strings.TrimSuffix(u.Hostname(), "."))
		if host == "localhost" || strings.HasSuffix(host, ".localhost") {
			return "", invalid("url", "url must not point at this machine (SMARTWAIT_WEBHOOK_ALLOW_PRIVATE allows it)")
		}
		if a, err := netip.ParseAddr(host); err == nil && !ValidAddr(a) {
			return "", invalid("url", "url must not point at a private, loopback or link-local address (SMARTWAIT_WEBHOOK_ALLOW_PRIVATE allows it)")
		}
	}
	return u.String(), nil
}

// ValidAddr reports whether a is a public unicast address, one a webhook may
// be delivered to without SMARTWAIT_WEBHOOK_ALLOW_PRIVATE: not loopback,
// private (RFC 1918, fc00::/7), link-local (the cloud metadata service at
// 169.254.169.254 among them), multicast, unspecified, shared (100.64/10) or
// an IPv4-mapped form of one of those.
func ValidAddr(a netip.Addr) bool {
	a = a.Unmap()
	switch {
	case !a.IsValid(), a.IsLoopback(), a.IsPrivate(), a.IsLinkLocalUnicast(), a.IsLinkLocalMulticast(),
		a.IsInterfaceLocalMulticast(), a.IsMulticast(), a.IsUnspecified():
		return false
	}
	for _, p := range blocked {
		if p.Contains(a) {
			return false
		}
	}
	return true
}

// blocked are the non-public ranges the netip predicates do not name.
var blocked = []netip.Prefix{
	netip.MustParsePrefix("0.0.0.0/8"),
	netip.MustParsePrefix("100.64.0.0/10"), // carrier-grade NAT
	netip.MustParsePrefix("192.0.0.0/24"),
	netip.MustParsePrefix("198.18.0.0/15"), // benchmarking
	netip.MustParsePrefix("240.0.0.0/4"),
	netip.MustParsePrefix("64:ff9b::/96"), // NAT64 of any IPv4 address
	netip.MustParsePrefix("2001:db8::/32"),
}

// newSecret returns a signing secret: 32 random bytes, hex, with a prefix that
// tells it apart in a configuration file.
func newSecret() string {
	var b [32]byte
	rand.Read(b[:])
	return "whsec_" + hex.EncodeToString(b[:])
}

func typeList() string {
	s := make([]string, len(queue.WebhookEventTypes))
	for i, t := range queue.WebhookEventTypes {
		s[i] = string(t)
	}
	return strings.Join(s, ", ")
}

func invalid(field, format string, args ...any) error {
	return &queue.Error{Code: queue.CodeValidation, Message: "Validation error: " + fmt.Sprintf(format, args...),
		Details: map[string]string{"field": field}}
}

// notFound turns the store's queue.ErrNotFound into CodeNotFound.
func notFound(err error) error {
	if errors.Is(err, queue.ErrNotFound) {
		return &queue.Error{Code: CodeNotFound, Message: "Webhook endpoint not found"}
	}
	return err
}
