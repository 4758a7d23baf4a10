// Package benchserver starts the real smartwait binary for the benchmark tools
// (tools/multibench, tools/realtimebench), so both measure the shipped program with
// the same settings.
package benchserver

import (
	"bufio"
	"errors"
	"io"
	"os"
	"os/exec"
	"regexp"
)

var listening = regexp.MustCompile(`listening on (http://\S+)`)

// Start runs `bin serve --addr 127.0.0.1:0` in dir with the benchmark settings —
// the given admin password, cheap bcrypt, no rate limits, no follow-up texts, no
// breaker on confirmation texts — plus env (which may override them), and returns
// once the server prints its listening line: the running process and its base URL.
// The caller stops the process.
func Start(bin, dir, adminPassword string, env ...string) (*exec.Cmd, string, error) {
	cmd := exec.Command(bin, "serve", "--addr", "127.0.0.1:0")
	cmd.Dir = dir
	cmd.Env = append(os.Environ(),
		"SMARTWAIT_ADMIN_PASSWORD="+adminPassword,
		"SMARTWAIT_BCRYPT_COST=4",
		"SMARTWAIT_CHECKIN_RATE_LIMIT=0",
		"SMARTWAIT_MAX_CONNECTIONS_PER_IP=0", // every benchmark socket comes from loopback
		"SMARTWAIT_LOGIN_RATE_LIMIT=0",
		"SMARTWAIT_FOLLOW_UP_AFTER=0",
		// A benchmark's thousands of check-ins a minute would trip the breaker on
		// confirmation texts and leave them held; measure them all sent, as before.
		"SMARTWAIT_SMS_CONFIRMATIONS_PER_MINUTE=0",
	)
	cmd.Env = append(cmd.Env, env...)
	cmd.Stderr = os.Stderr
	out, err := cmd.StdoutPipe()
	if err != nil {
		return nil, "", err
	}
	if err := cmd.Start(); err != nil {
		return nil, "", err
	}
	sc := bufio.NewScanner(out)
	for sc.Scan() {
		if m := listening.FindStringSubmatch(sc.Text()); m != nil {
			go func() { _, _ = io.Copy(io.Discard, out) }() // keep the pipe drained
			return cmd, m[1], nil
		}
	}
	_ = cmd.Wait()
	return nil, "", errors.New("server exited before listening")
}
