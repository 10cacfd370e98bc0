package runtimeapi

import (
	"bufio"
	"io"
	"net"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// conn is one HTTP/1.1 connection from the runtime. Exactly one goroutine
// owns it at a time: the server's reader, or Run while it converses with
// the runtime. interrupt is the only method others may call.
type conn struct {
	nc net.Conn
	br *bufio.Reader
	bw *bufio.Writer
}

func newConn(nc net.Conn) *conn {
	return &conn{nc: nc, br: bufio.NewReaderSize(nc, 16<<10), bw: bufio.NewWriterSize(nc, 16<<10)}
}

// read returns the next request. Its body must be consumed (see finish)
// before the following read.
func (c *conn) read() (*http.Request, error) {
	req, err := http.ReadRequest(c.br)
	if err != nil {
		return nil, err
	}
	if req.Method == http.MethodPost && strings.EqualFold(req.Header.Get("Expect"), "100-continue") {
		io.WriteString(c.bw, "HTTP/1.1 100 Continue\r\n\r\n")
		if err := c.bw.Flush(); err != nil {
			return nil, err
		}
	}
	return req, nil
}

// finish discards what is left of req's body and reports whether the
// connection can carry another request.
func (c *conn) finish(req *http.Request) bool {
	if req.Close {
		return false
	}
	n, err := io.Copy(io.Discard, io.LimitReader(req.Body, maxDiscard+1))
	return err == nil && n <= maxDiscard
}

// maxDiscard bounds how much of an unread body is skipped to keep a
// connection; past it the connection is closed instead.
const maxDiscard = 256 << 10

// reply writes one response. hdr holds header name/value pairs.
func (c *conn) reply(status int, contentType string, body []byte, hdr ...string) error {
	bw := c.bw
	bw.WriteString("HTTP/1.1 ")
	bw.WriteString(strconv.Itoa(status))
	bw.WriteByte(' ')
	bw.WriteString(http.StatusText(status))
	bw.WriteString("\r\nContent-Type: ")
	bw.WriteString(headerValue(contentType))
	bw.WriteString("\r\nContent-Length: ")
	bw.WriteString(strconv.Itoa(len(body)))
	for i := 0; i+1 < len(hdr); i += 2 {
		if hdr[i+1] == "" {
			continue
		}
		bw.WriteString("\r\n")
		bw.WriteString(hdr[i])
		bw.WriteString(": ")
		bw.WriteString(headerValue(hdr[i+1]))
	}
	bw.WriteString("\r\n\r\n")
	bw.Write(body)
	return bw.Flush()
}

// headerValue keeps a value from ending its header line: values can come
// from callers (trace and client context headers).
func headerValue(v string) string {
	if !strings.ContainsAny(v, "\r\n\x00") {
		return v
	}
	return strings.Map(func(r rune) rune {
		if r == '\r' || r == '\n' || r == 0 {
			return ' '
		}
		return r
	}, v)
}

// interrupt makes a blocked read return at once.
func (c *conn) interrupt() { c.nc.SetReadDeadline(time.Unix(1, 0)) }

func (c *conn) close() { c.nc.Close() }
