package main

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/jackc/pgx/v5"
	"github.com/redis/go-redis/v9"
)

// clockTick is the kernel's USER_HZ, the unit of /proc's CPU times: 100 on
// every Linux this runs on (sysconf(_SC_CLK_TCK) is not reachable without cgo).
const clockTick = 100.0

// procTimes reads /proc/<pid>/stat: the CPU seconds the process used itself
// (all its threads), those its reaped children used, and its parent's pid.
func procTimes(pid int) (self, children float64, ppid int, err error) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return 0, 0, 0, err
	}
	return parseStat(string(b))
}

// parseStat parses the text of /proc/<pid>/stat. The command name (field 2)
// may hold spaces and parentheses, so the fields are counted after its last ")".
func parseStat(s string) (self, children float64, ppid int, err error) {
	i := strings.LastIndexByte(s, ')')
	if i < 0 {
		return 0, 0, 0, errors.New("proc stat: no command name")
	}
	f := strings.Fields(s[i+1:])
	// f[0] is field 3 (state): ppid is field 4, utime..cstime fields 14..17.
	if len(f) < 15 {
		return 0, 0, 0, errors.New("proc stat: too few fields")
	}
	var v [4]float64
	for k := range v {
		n, err := strconv.ParseUint(f[11+k], 10, 64)
		if err != nil {
			return 0, 0, 0, fmt.Errorf("proc stat: %w", err)
		}
		v[k] = float64(n) / clockTick
	}
	ppid, err = strconv.Atoi(f[1])
	if err != nil {
		return 0, 0, 0, fmt.Errorf("proc stat: %w", err)
	}
	return v[0] + v[1], v[2] + v[3], ppid, nil
}

// treeCPU is the CPU seconds used so far by pid and its children, alive or
// reaped: how PostgreSQL's postmaster and its backends are counted.
func treeCPU(pid int) (float64, error) {
	self, reaped, _, err := procTimes(pid)
	if err != nil {
		return 0, err
	}
	total := self + reaped
	dirs, _ := filepath.Glob("/proc/[0-9]*")
	for _, d := range dirs {
		child, err := strconv.Atoi(filepath.Base(d))
		if err != nil || child == pid {
			continue
		}
		s, _, parent, err := procTimes(child)
		if err == nil && parent == pid {
			total += s // a live child's own time; once reaped it is in reaped
		}
	}
	return total, nil
}

// machineBusy reads /proc/stat's first line: the CPU seconds all cores spent
// not idle, whoever ran (the other engineers' work included).
func machineBusy() (float64, error) {
	f, err := os.Open("/proc/stat")
	if err != nil {
		return 0, err
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	if !sc.Scan() {
		return 0, errors.New("/proc/stat: empty")
	}
	return parseCPULine(sc.Text())
}

// parseCPULine sums user, nice, system, irq, softirq and steal of a "cpu" line.
func parseCPULine(line string) (float64, error) {
	f := strings.Fields(line)
	if len(f) < 9 || f[0] != "cpu" {
		return 0, errors.New("/proc/stat: no cpu line")
	}
	var busy float64
	for _, k := range []int{1, 2, 3, 6, 7, 8} {
		n, err := strconv.ParseUint(f[k], 10, 64)
		if err != nil {
			return 0, err
		}
		busy += float64(n)
	}
	return busy / clockTick, nil
}

// loadAverage is the 1-minute load average from /proc/loadavg.
func loadAverage() float64 {
	b, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return -1
	}
	f := strings.Fields(string(b))
	if len(f) == 0 {
		return -1
	}
	v, _ := strconv.ParseFloat(f[0], 64)
	return v
}

// postmasterPID finds the PostgreSQL server's main process through its data
// directory's postmaster.pid (the server must be on this machine and the
// connection a superuser's, as the throwaway servers of scripts/test.sh are).
func postmasterPID(ctx context.Context, server string) (int, error) {
	conn, err := pgx.Connect(ctx, server)
	if err != nil {
		return 0, err
	}
	defer conn.Close(ctx)
	var dir string
	if err := conn.QueryRow(ctx, "SHOW data_directory").Scan(&dir); err != nil {
		return 0, err
	}
	b, err := os.ReadFile(filepath.Join(dir, "postmaster.pid"))
	if err != nil {
		return 0, err
	}
	first, _, _ := strings.Cut(string(b), "\n")
	return strconv.Atoi(strings.TrimSpace(first))
}

// redisPID asks the Redis server its process id (INFO server).
func redisPID(ctx context.Context, rawURL string) (int, error) {
	opt, err := redis.ParseURL(rawURL)
	if err != nil {
		return 0, err
	}
	c := redis.NewClient(opt)
	defer c.Close()
	info, err := c.Info(ctx, "server").Result()
	if err != nil {
		return 0, err
	}
	for _, l := range strings.Split(info, "\n") {
		if v, ok := strings.CutPrefix(strings.TrimSpace(l), "process_id:"); ok {
			return strconv.Atoi(v)
		}
	}
	return 0, errors.New("redis INFO: no process_id")
}
