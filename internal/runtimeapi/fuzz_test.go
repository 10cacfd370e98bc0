package runtimeapi

import (
	"io"
	"net"
	"testing"
	"time"
)

// FuzzServeConn feeds arbitrary bytes to the Runtime API as a runtime
// would send them: the function is untrusted code, so nothing it sends may
// panic the server or hang the connection's reader.
func FuzzServeConn(f *testing.F) {
	f.Add([]byte("GET /2018-06-01/runtime/invocation/next HTTP/1.1\r\nHost: x\r\n\r\n"))
	f.Add([]byte("POST /2018-06-01/runtime/invocation/id/response HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\nTrailer: Lambda-Runtime-Function-Error-Type\r\n\r\n3\r\nabc\r\n0\r\nLambda-Runtime-Function-Error-Type: X\r\n\r\n"))
	f.Add([]byte("POST /2018-06-01/runtime/init/error HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\nExpect: 100-continue\r\n\r\n{}"))
	f.Add([]byte("POST /2020-01-01/extension/register HTTP/1.1\r\nHost: x\r\nLambda-Extension-Name: e\r\nContent-Length: 20\r\n\r\n{\"events\":[\"INVOKE\"]}"))
	f.Add([]byte("GET /2020-01-01/extension/event/next HTTP/1.1\r\nHost: x\r\n\r\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		s := New(Config{FunctionName: "fn"})
		server, client := net.Pipe()
		c := newConn(server)
		s.conns[c] = struct{}{}
		s.wg.Add(1)
		go s.serveConn(c)
		go io.Copy(io.Discard, client)
		client.SetWriteDeadline(time.Now().Add(time.Second))
		client.Write(data)
		client.Close()
		s.Abort() // ends an extension's blocked event/next
		done := make(chan struct{})
		go func() {
			s.mu.Lock()
			for c := range s.conns {
				c.close()
			}
			s.mu.Unlock()
			s.wg.Wait()
			close(done)
		}()
		select {
		case <-done:
		case <-time.After(5 * time.Second):
			t.Fatal("connection reader did not end")
		}
	})
}
