package e2e

import (
	"errors"
	"io"
	"net"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/duty-project/duty/internal/pgtest"
)

// A client that sends its request body slowly is cut off once the
// request has taken --read-timeout, instead of holding its connection
// (and a goroutine of the server) for as long as it likes.
func TestASlowRequestBodyIsCutOff(t *testing.T) {
	duty := start(t, dataDir(t), pgtest.NewDatabase(t), "--read-timeout", "2s")
	conn, err := net.Dial("tcp", strings.TrimPrefix(duty.base, "http://"))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	// The headers promise a body of 1,000 bytes; one byte comes, then
	// nothing.
	if _, err := io.WriteString(conn, "POST /api/v1/login HTTP/1.1\r\nHost: duty\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n{"); err != nil {
		t.Fatal(err)
	}
	// Long past the read timeout, the server must have ended the
	// connection; a connection still open then is held for good.
	if err := conn.SetReadDeadline(time.Now().Add(60 * time.Second)); err != nil {
		t.Fatal(err)
	}
	_, err = io.ReadAll(conn)
	if errors.Is(err, os.ErrDeadlineExceeded) {
		t.Fatal("the server still held the connection of a request that stalled mid-body a minute ago")
	}
}
