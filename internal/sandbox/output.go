package sandbox

import (
	"bytes"
	"os"
	"sync"

	"golang.org/x/sys/unix"
)

// maxLine bounds one log line; longer output is split.
const maxLine = 256 << 10

// output reads a process's stdout and stderr (one pipe, so their order is
// kept) and hands each line to the sink with the request it belongs to.
//
// Every read of the pipe happens under mu together with the handling of
// what it read, so sync can drain the pipe itself and know that nothing
// read earlier is still on its way to the sink.
type output struct {
	r    *os.File
	sink func(requestID string, line []byte)
	done chan struct{}

	mu      sync.Mutex // guards buf, partial, reqID and reads of r
	buf     []byte
	partial []byte
	reqID   string
}

func newOutput(r *os.File, sink func(string, []byte)) *output {
	o := &output{r: r, sink: sink, done: make(chan struct{}), buf: make([]byte, 32<<10)}
	go o.loop()
	return o
}

func (o *output) loop() {
	defer close(o.done)
	defer o.r.Close()
	rc, err := o.r.SyscallConn()
	if err != nil {
		return
	}
	for {
		var n int
		var rerr error
		err := rc.Read(func(fd uintptr) bool {
			o.mu.Lock()
			defer o.mu.Unlock()
			n, rerr = o.readLocked(int(fd))
			return rerr != unix.EAGAIN
		})
		if err != nil || rerr != nil || n <= 0 {
			o.mu.Lock()
			o.flushLocked()
			o.mu.Unlock()
			return
		}
	}
}

func (o *output) readLocked(fd int) (int, error) {
	n, err := unix.Read(fd, o.buf)
	if n > 0 {
		o.splitLocked(o.buf[:n])
	}
	return n, err
}

func (o *output) splitLocked(b []byte) {
	for len(b) > 0 {
		i := bytes.IndexByte(b, '\n')
		if i < 0 {
			o.partial = append(o.partial, b...)
			if len(o.partial) >= maxLine {
				o.flushLocked()
			}
			return
		}
		line := b[:i]
		if len(o.partial) > 0 {
			line = append(o.partial, line...)
			o.partial = o.partial[:0]
		}
		o.sink(o.reqID, line)
		b = b[i+1:]
	}
}

func (o *output) flushLocked() {
	if len(o.partial) > 0 {
		o.sink(o.reqID, o.partial)
		o.partial = o.partial[:0]
	}
}

// setRequest attributes the lines that follow to id ("" outside an
// invocation).
func (o *output) setRequest(id string) {
	o.mu.Lock()
	o.reqID = id
	o.mu.Unlock()
}

// sync hands every byte the process wrote so far to the sink, with a last
// unterminated line. A runtime writes its log before it posts its
// response, so after sync an invocation's lines are all in the sink, in
// order, ahead of its END line.
func (o *output) sync() {
	rc, err := o.r.SyscallConn()
	o.mu.Lock()
	defer o.mu.Unlock()
	if err == nil {
		rc.Control(func(fd uintptr) {
			for {
				if n, err := o.readLocked(int(fd)); n <= 0 || err != nil {
					return
				}
			}
		})
	}
	o.flushLocked()
}
