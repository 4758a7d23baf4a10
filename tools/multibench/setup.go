package main

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
)

// target is a line check-ins go to, and its clinic ("" without -clinics: the
// deployment's lines as before clinics existed).
type target struct {
	clinic, line string
}

// prefix is the two-letter ticket prefix of the i-th line the benchmark makes
// (AA, AB, …, ZZ): distinct from the default line's and from each other, as
// prefixes must be while they are unique deployment-wide.
func prefix(i int) string {
	return string(rune('A'+i/26%26)) + string(rune('A'+i%26))
}

// addLines creates lines − 1 lines beside the default one and returns the
// targets check-ins go to (issue 12's spread, no clinics).
func addLines(c *api, lines int) ([]target, error) {
	ts := []target{{line: "default"}}
	for i := 1; i < lines; i++ {
		slug := fmt.Sprintf("line-%d", i)
		body := fmt.Sprintf(`{"slug":%q,"name":"Line %d","prefix":%q}`, slug, i, prefix(i-1))
		if err := c.send("POST", "/api/staff/lines", body, http.StatusCreated); err != nil {
			return nil, err
		}
		ts = append(ts, target{line: slug})
	}
	return ts, nil
}

// addClinics creates clinics bench-00, bench-01, … through the staff API, each
// with perClinic lines (the lines a new clinic comes with, if any, then more
// with POST /api/staff/lines {clinic}), and returns their lines in the order
// check-ins take them: clinic by clinic within a round, so that consecutive
// check-ins land in different clinics.
func addClinics(c *api, clinics, perClinic int) ([]target, error) {
	byClinic := make([][]target, clinics)
	made := 0
	for k := range clinics {
		slug := fmt.Sprintf("bench-%02d", k)
		body := fmt.Sprintf(`{"slug":%q,"name":"Bench clinic %d","timezone":"America/New_York"}`, slug, k)
		if err := c.send("POST", "/api/staff/clinics", body, http.StatusCreated); err != nil {
			return nil, err
		}
		var have []struct {
			Slug string `json:"slug"`
		}
		if err := c.get("/api/clinics/"+slug+"/lines", &have); err != nil {
			return nil, err
		}
		for _, l := range have {
			if len(byClinic[k]) < perClinic {
				byClinic[k] = append(byClinic[k], target{clinic: slug, line: l.Slug})
			}
		}
		for j := len(byClinic[k]); j < perClinic; j++ {
			line := fmt.Sprintf("%s-l%d", slug, j)
			body := fmt.Sprintf(`{"slug":%q,"name":"Line %d","prefix":%q,"clinic":%q}`, line, j, prefix(made), slug)
			made++
			if err := c.send("POST", "/api/staff/lines", body, http.StatusCreated); err != nil {
				return nil, err
			}
			byClinic[k] = append(byClinic[k], target{clinic: slug, line: line})
		}
	}
	var ts []target
	for j := range perClinic {
		for k := range clinics {
			ts = append(ts, byClinic[k][j])
		}
	}
	return ts, nil
}

// api is the staff API of one instance, as the admin.
type api struct {
	client      *http.Client
	base, token string
}

// send makes a request with a JSON body and checks its status.
func (c *api) send(method, path, body string, want int) error {
	req, err := http.NewRequest(method, c.base+path, strings.NewReader(body))
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", "Bearer "+c.token)
	resp, err := c.client.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if resp.StatusCode != want {
		b, _ := io.ReadAll(io.LimitReader(resp.Body, 512))
		return fmt.Errorf("%s %s: status %d: %s", method, path, resp.StatusCode, b)
	}
	_, err = io.Copy(io.Discard, resp.Body)
	return err
}

// get reads the data of a {success,data} answer into out.
func (c *api) get(path string, out any) error {
	req, err := http.NewRequest("GET", c.base+path, nil)
	if err != nil {
		return err
	}
	req.Header.Set("Authorization", "Bearer "+c.token)
	resp, err := c.client.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		b, _ := io.ReadAll(io.LimitReader(resp.Body, 512))
		return fmt.Errorf("GET %s: status %d: %s", path, resp.StatusCode, b)
	}
	return json.NewDecoder(resp.Body).Decode(&struct {
		Data any `json:"data"`
	}{out})
}

// login signs the admin in on base and returns its token.
func login(client *http.Client, base string) (string, error) {
	resp, err := client.Post(base+"/api/staff/login", "application/json",
		strings.NewReader(`{"username":"admin","password":"`+adminPassword+`"}`))
	if err != nil {
		return "", err
	}
	defer resp.Body.Close()
	var env struct {
		Data struct {
			Token string `json:"token"`
		} `json:"data"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&env); err != nil || env.Data.Token == "" {
		return "", fmt.Errorf("login: status %d: %v", resp.StatusCode, err)
	}
	return env.Data.Token, nil
}
