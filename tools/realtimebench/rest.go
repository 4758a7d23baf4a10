package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
)

// client is a minimal REST client.
type client struct{ base string }

func (c *client) do(method, path, token string, body, out any) error {
	var rd io.Reader
	if body != nil {
		b, _ := json.Marshal(body)
		rd = bytes.NewReader(b)
	}
	req, err := http.NewRequest(method, c.base+path, rd)
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "application/json")
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		return err
	}
	defer res.Body.Close()
	raw, _ := io.ReadAll(res.Body)
	if res.StatusCode >= 300 {
		return fmt.Errorf("%s %s: %d %s", method, path, res.StatusCode, strings.TrimSpace(string(raw)))
	}
	if out == nil {
		return nil
	}
	var env struct {
		Data json.RawMessage `json:"data"`
	}
	if err := json.Unmarshal(raw, &env); err != nil {
		return err
	}
	return json.Unmarshal(env.Data, out)
}

func (c *client) post(path, token string, body, out any) error {
	return c.do("POST", path, token, body, out)
}

func (c *client) get(path string, out any) error { return c.do("GET", path, "", nil, out) }

// memStats is the part of /health/detailed the benchmark reads.
type memStats struct {
	HeapInuse, Sys int64
	Goroutines     int
}

func (c *client) memory(token string) (memStats, error) {
	var d struct {
		Memory struct {
			HeapInuseBytes int64 `json:"heapInuseBytes"`
			SysBytes       int64 `json:"sysBytes"`
		} `json:"memory"`
		Goroutines int `json:"goroutines"`
	}
	err := c.do("GET", "/health/detailed", token, nil, &d)
	return memStats{d.Memory.HeapInuseBytes, d.Memory.SysBytes, d.Goroutines}, err
}

func (c *client) login() (string, error) {
	var r struct {
		Token string `json:"token"`
	}
	err := c.post("/api/staff/login", "", map[string]string{"username": "admin", "password": adminPassword}, &r)
	return r.Token, err
}

func (c *client) checkIn(i int) (string, error) {
	var r struct {
		PatientID string `json:"patientId"`
	}
	err := c.post("/api/checkin", "", map[string]string{
		"name": fmt.Sprintf("Bench Patient %d", i), "phone": fmt.Sprintf("+1415%07d", 2000000+i), "appointmentTime": "10:00",
	}, &r)
	return r.PatientID, err
}
