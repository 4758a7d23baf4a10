package sms

import (
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"smartwait/internal/notify"
	"smartwait/internal/queue"
)

// DefaultTwilioURL is Twilio's API base URL.
const DefaultTwilioURL = "https://api.twilio.com"

// StatusCallbackPath is where Twilio posts delivery reports (docs/sms.md).
const StatusCallbackPath = "/api/webhooks/twilio/status"

// Twilio sends messages through Twilio's REST API:
// POST {BaseURL}/2010-04-01/Accounts/{AccountSID}/Messages.json with basic auth.
// It is a notify.Sender and safe for concurrent use.
type Twilio struct {
	AccountSID string
	AuthToken  string
	// From is the deployment's sender: a number (E.164) or a messaging service
	// SID ("MG…"). A message with its own From (a clinic's number,
	// queue.Message.From) is sent from that instead.
	From string
	// BaseURL is the API base, DefaultTwilioURL when empty; tests point it at a fake.
	BaseURL string
	// StatusCallback is the absolute URL Twilio reports delivery to (PublicURL +
	// StatusCallbackPath); empty: no delivery reports.
	StatusCallback string
	// Client is the HTTP client; nil: a client with a 15-second timeout.
	Client *http.Client
}

var _ notify.Sender = (*Twilio)(nil)

// defaultClient is shared by Twilio values without their own Client. Its timeout
// bounds a request whose context has none.
var defaultClient = NewHTTPClient(15 * time.Second)

// NewHTTPClient returns a client for an SMS provider with the given overall
// timeout and its own transport, which keeps up to 32 idle connections to the
// provider: the default keeps 2, so a dispatcher with more workers than that
// would open a new TLS connection for most messages.
func NewHTTPClient(timeout time.Duration) *http.Client {
	t := http.DefaultTransport.(*http.Transport).Clone()
	t.MaxIdleConnsPerHost = 32
	return &http.Client{Timeout: timeout, Transport: t}
}

// StatusCallbackURL returns the webhook URL for the public base URL.
func StatusCallbackURL(publicURL string) string {
	return strings.TrimRight(publicURL, "/") + StatusCallbackPath
}

// twilioError is the body of a Twilio error response.
type twilioError struct {
	Code     int    `json:"code"`
	Message  string `json:"message"`
	MoreInfo string `json:"more_info"`
	Status   int    `json:"status"`
}

// temporaryCodes are Twilio error codes that come with a 4xx status but are worth
// retrying: the account or the sending number is momentarily over a limit.
var temporaryCodes = map[int]bool{
	14107: true, // message rate limit exceeded
	20429: true, // too many requests
	21611: true, // the From number has too many queued messages
}

// Send posts m to Twilio, from m.From or else t.From, and returns the message
// SID. Network errors, timeouts,
// 429 and 5xx answers are temporary *notify.SendErrors (429 carries Retry-After);
// any other 4xx — e.g. 21211 invalid To, 21610 recipient unsubscribed — is
// permanent.
func (t *Twilio) Send(ctx context.Context, m queue.Message) (string, error) {
	form := url.Values{"To": {m.To}, "Body": {m.Body}}
	from := cmp.Or(m.From, t.From)
	if strings.HasPrefix(from, "MG") {
		form.Set("MessagingServiceSid", from) // Twilio picks the number from the service's pool
	} else {
		form.Set("From", from)
	}
	if t.StatusCallback != "" {
		form.Set("StatusCallback", t.StatusCallback)
	}
	base := t.BaseURL
	if base == "" {
		base = DefaultTwilioURL
	}
	endpoint := strings.TrimRight(base, "/") + "/2010-04-01/Accounts/" + url.PathEscape(t.AccountSID) + "/Messages.json"
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, endpoint, strings.NewReader(form.Encode()))
	if err != nil {
		return "", notify.Permanent(fmt.Errorf("twilio: build request: %w", err))
	}
	req.SetBasicAuth(t.AccountSID, t.AuthToken)
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Accept", "application/json")
	client := t.Client
	if client == nil {
		client = defaultClient
	}
	resp, err := client.Do(req)
	if err != nil {
		// Network error or timeout: the request may or may not have arrived, but
		// a retry is the only way to get the text out.
		return "", &notify.SendError{Err: fmt.Errorf("twilio: %w", redactURL(err))}
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, 64<<10))
	if resp.StatusCode >= 200 && resp.StatusCode < 300 {
		var ok struct {
			SID string `json:"sid"`
		}
		if err == nil {
			err = json.Unmarshal(body, &ok)
		}
		if err != nil || ok.SID == "" {
			// Twilio took the message; sending it again would double it. Record it
			// as sent without an id rather than retry.
			return "", nil
		}
		return ok.SID, nil
	}
	return "", classify(resp, body, m.To)
}

// classify turns a non-2xx Twilio answer into a *notify.SendError. Twilio's
// message may quote the number; it is masked, as the error goes to logs.
func classify(resp *http.Response, body []byte, to string) error {
	var te twilioError
	_ = json.Unmarshal(body, &te) // a proxy's HTML error page has no code: status decides
	msg := te.Message
	if to != "" {
		msg = strings.ReplaceAll(msg, to, MaskPhone(to))
	}
	if msg == "" {
		msg = http.StatusText(resp.StatusCode)
	}
	se := &notify.SendError{Err: fmt.Errorf("twilio: HTTP %d: %s", resp.StatusCode, msg)}
	if te.Code != 0 {
		se.Code = strconv.Itoa(te.Code)
	}
	switch {
	case resp.StatusCode == http.StatusTooManyRequests:
		se.RetryAfter = parseRetryAfter(resp.Header.Get("Retry-After"))
	case resp.StatusCode >= 500:
	case temporaryCodes[te.Code]:
	default:
		se.Permanent = true
	}
	return se
}

// parseRetryAfter reads Retry-After in seconds (Twilio's form), capped at 10
// minutes so a bad header cannot park a message for a day.
func parseRetryAfter(v string) time.Duration {
	n, err := strconv.Atoi(strings.TrimSpace(v))
	if err != nil || n <= 0 {
		return 0
	}
	return min(time.Duration(n)*time.Second, 10*time.Minute)
}

// redactURL drops the request URL (it names the account SID) from a client error.
func redactURL(err error) error {
	var ue *url.Error
	if errors.As(err, &ue) {
		return fmt.Errorf("%s: %w", ue.Op, ue.Err)
	}
	return err
}
