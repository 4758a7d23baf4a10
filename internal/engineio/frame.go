package engineio

import (
	"encoding/binary"
	"errors"
	"net"
	"os"
	"sync"
	"syscall"
)

// The server writes its websocket frames itself, not through gorilla's writer:
// a fan-out then sends each socket one ready-made frame in one write(2), from
// the goroutine that delivers it, without a goroutine per message
// (docs/decisions.md, "Fan-out: one write per socket, no goroutine"). gorilla
// still does the handshake, reads the client's frames and writes the close
// frame; its ping and close handlers are replaced (setControlHandlers) so that
// it never writes while this code does.

// frameHeadroom is the largest header of an unmasked server frame (opcode byte,
// 127, 8-byte length): NewEvent keeps that much room in front of the packet so
// the frame is the packet's own bytes with the header written before them.
const frameHeadroom = 10

// websocket opcodes written here.
const (
	opText  = 0x1
	opClose = 0x8
	opPong  = 0xA
)

// frameHeaderLen is the header length of an unmasked frame of n payload bytes.
func frameHeaderLen(n int) int {
	switch {
	case n <= 125:
		return 2
	case n <= 0xFFFF:
		return 4
	}
	return 10
}

// putFrameHeader writes the header of a final, unmasked frame of n payload
// bytes into dst, which is frameHeaderLen(n) long.
func putFrameHeader(dst []byte, op byte, n int) {
	dst[0] = 0x80 | op
	switch len(dst) {
	case 2:
		dst[1] = byte(n)
	case 4:
		dst[1] = 126
		binary.BigEndian.PutUint16(dst[2:], uint16(n))
	default:
		dst[1] = 127
		binary.BigEndian.PutUint64(dst[2:], uint64(n))
	}
}

// appendFrame appends one unmasked frame carrying payload.
func appendFrame(dst []byte, op byte, payload []byte) []byte {
	h := frameHeaderLen(len(payload))
	n := len(dst)
	dst = append(dst, make([]byte, h)...)
	putFrameHeader(dst[n:n+h], op, len(payload))
	return append(dst, payload...)
}

// framed returns the text frame of a packet built with frameHeadroom bytes of
// room before it (buf[frameHeadroom:] is the packet).
func framed(buf []byte) []byte {
	n := len(buf) - frameHeadroom
	h := frameHeaderLen(n)
	f := buf[frameHeadroom-h:]
	putFrameHeader(f[:h], opText, n)
	return f
}

// maxWriteBatch bounds one write of the websocket writer: the queued frames
// go out in writes of about this size, from a pooled buffer.
const maxWriteBatch = 64 << 10

var writeBufs = sync.Pool{New: func() any { b := make([]byte, 0, 4096); return &b }}

// putWriteBuf returns a buffer taken from writeBufs (bp nil: none was),
// unless it grew too large to keep.
func putWriteBuf(bp *[]byte, buf []byte) {
	if bp == nil || cap(buf) > 4*maxWriteBatch {
		return
	}
	*bp = buf[:0]
	writeBufs.Put(bp)
}

// errWouldBlock: the socket's kernel buffer is full; the frame waits for the writer.
var errWouldBlock = errors.New("engineio: write would block")

// rawWriter writes to a TCP connection's descriptor without waiting: the
// delivering goroutine tries the write itself and leaves what the kernel did
// not take to the session's writer goroutine.
type rawWriter struct {
	rc syscall.RawConn
}

// newRawWriter returns nil when c is not a plain TCP connection (a test's
// pipe, TLS): such sessions always write from their writer goroutine.
func newRawWriter(c net.Conn) *rawWriter {
	tc, ok := c.(*net.TCPConn)
	if !ok {
		return nil
	}
	rc, err := tc.SyscallConn()
	if err != nil {
		return nil
	}
	return &rawWriter{rc: rc}
}

// tryWrite writes what the kernel takes of b now and reports how much; err is
// errWouldBlock when it took nothing, and a connection error otherwise.
func (w *rawWriter) tryWrite(b []byte) (int, error) {
	var n int
	var werr error
	err := w.rc.Write(func(fd uintptr) bool {
		for n < len(b) {
			m, e := syscall.Write(int(fd), b[n:])
			if e == syscall.EINTR {
				continue
			}
			if e != nil {
				werr = e
				break
			}
			n += m
		}
		return true // never wait for the descriptor: the writer goroutine does
	})
	if errors.Is(err, os.ErrDeadlineExceeded) {
		return n, errWouldBlock // a writer goroutine's deadline: leave the frame to it
	}
	if err != nil {
		return n, err
	}
	if werr == syscall.EAGAIN {
		if n == 0 {
			return 0, errWouldBlock
		}
		return n, nil
	}
	return n, werr
}
