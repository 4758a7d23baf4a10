package loadgen

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
)

// apiError is a failed API call: the HTTP status and the contract's error code.
type apiError struct {
	Status  int
	Code    string
	Message string
}

func (e *apiError) Error() string {
	return fmt.Sprintf("HTTP %d %s: %s", e.Status, e.Code, e.Message)
}

// do sends one JSON API request and decodes the envelope's data into out (when
// not nil). It returns the HTTP status and an error for anything but success.
func (r *runner) do(ctx context.Context, method, path string, body, out any) (int, error) {
	var rd io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			return 0, err
		}
		rd = bytes.NewReader(b)
	}
	req, err := http.NewRequestWithContext(ctx, method, strings.TrimRight(r.cfg.URL, "/")+path, rd)
	if err != nil {
		return 0, err
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if r.token != "" {
		req.Header.Set("Authorization", "Bearer "+r.token)
	}
	res, err := r.http.Do(req)
	if err != nil {
		return 0, err
	}
	defer res.Body.Close()
	var env struct {
		Success bool            `json:"success"`
		Data    json.RawMessage `json:"data"`
		Error   struct {
			Code    string `json:"code"`
			Message string `json:"message"`
		} `json:"error"`
	}
	if err := json.NewDecoder(io.LimitReader(res.Body, 16<<20)).Decode(&env); err != nil {
		return res.StatusCode, fmt.Errorf("HTTP %d: body is not the JSON envelope: %w", res.StatusCode, err)
	}
	if !env.Success || res.StatusCode >= 300 {
		return res.StatusCode, &apiError{Status: res.StatusCode, Code: env.Error.Code, Message: env.Error.Message}
	}
	if out != nil {
		if err := json.Unmarshal(env.Data, out); err != nil {
			return res.StatusCode, fmt.Errorf("decode %s %s: %w", method, path, err)
		}
	}
	return res.StatusCode, nil
}

// login signs the staff account in and checks that the queue is empty: a load
// run calls whoever is first, so it must never run against a live clinic's queue.
func (r *runner) login(ctx context.Context) error {
	var res struct {
		Token string `json:"token"`
	}
	if _, err := r.do(ctx, "POST", "/api/staff/login", map[string]string{"username": r.cfg.Username, "password": r.cfg.Password}, &res); err != nil {
		return fmt.Errorf("staff login as %q: %w", r.cfg.Username, err)
	}
	r.token = res.Token
	var active []json.RawMessage
	if _, err := r.do(ctx, "GET", "/api/staff/queue", nil, &active); err != nil {
		return fmt.Errorf("read the queue: %w", err)
	}
	if len(active) > 0 {
		return fmt.Errorf("the queue already has %d active patients: run load only against an empty test server", len(active))
	}
	return nil
}

// version returns the queue's current version, as a patient's status shows it.
func (r *runner) version(ctx context.Context) (int64, error) {
	var st struct {
		Version int64 `json:"version"`
	}
	if _, err := r.do(ctx, "GET", "/api/position/"+r.patients[0].id, nil, &st); err != nil {
		return 0, fmt.Errorf("read the queue version: %w", err)
	}
	if st.Version == 0 {
		return 0, errors.New("the position response carries no version")
	}
	return st.Version, nil
}
