package web

import (
	"net/http"
	"os"
	"testing"

	"golang.org/x/sys/unix"
)

// fsImmutable is FS_IMMUTABLE_FL of linux/fs.h (chattr +i).
const fsImmutable = 0x00000010

// setImmutable sets or clears the immutable attribute of path. Tests run as root,
// and root ignores file modes (chmod 0444 does not stop it) but not this flag: the
// kernel refuses writes to an immutable file even through descriptors opened
// before it was set, as a file system remounted read-only does.
func setImmutable(tb testing.TB, path string, on bool) {
	tb.Helper()
	f, err := os.Open(path)
	if err != nil {
		tb.Fatal(err)
	}
	defer f.Close()
	flags, err := unix.IoctlGetUint32(int(f.Fd()), unix.FS_IOC_GETFLAGS)
	if err != nil {
		tb.Fatalf("read the attributes of %s (the test needs root and a file system with chattr, such as ext4): %v", path, err)
	}
	if on {
		flags |= fsImmutable
	} else {
		flags &^= fsImmutable
	}
	if err := unix.IoctlSetPointerInt(int(f.Fd()), unix.FS_IOC_SETFLAGS, int(flags)); err != nil {
		tb.Fatalf("set the immutable attribute of %s (the test needs root and a file system with chattr, such as ext4): %v", path, err)
	}
}

// TestHealthWriteReadOnlyFile: when the database file cannot be written (here the
// kernel refuses every write to it, even root's), reads still answer but
// check-ins fail, and /health says 503 "down"; writable again, it says ok.
func TestHealthWriteReadOnlyFile(t *testing.T) {
	h := newHarness(t)
	h.do("GET", "/health", "").want(t, http.StatusOK)
	files := []string{h.db.Path(), h.db.Path() + "-wal"}
	for _, f := range files {
		setImmutable(t, f, true)
	}
	writable := false
	unfreeze := func() {
		if !writable {
			for _, f := range files {
				setImmutable(t, f, false)
			}
			writable = true
		}
	}
	t.Cleanup(unfreeze) // before TempDir's cleanup, which could not remove the files

	h.clock.Add(2 * writeProbeMaxAge)
	wantHealthDown(t, h.do("GET", "/health", ""))
	h.do("POST", "/api/checkin", `{"name":"Ana","phone":"+14155552671","appointmentTime":"10:30"}`).
		wantError(t, http.StatusServiceUnavailable, "DATABASE_UNAVAILABLE")

	unfreeze()
	waitHealthOK(t, h)
}
