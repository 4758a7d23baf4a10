// Package sms holds SmartWait's SMS senders, both notify.Senders: Twilio, a plain
// net/http client of Twilio's Messages API with its webhook signature check, and
// Log, used when Twilio is not configured, which prints each message and reports it
// sent.
package sms
