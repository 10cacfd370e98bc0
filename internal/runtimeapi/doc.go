// Package runtimeapi serves the Lambda Runtime API (2018-06-01) and the
// minimal Extensions API (2020-01-01) to one execution environment.
//
// Each environment gets its own Server on its own loopback port, because a
// runtime finds the API only through AWS_LAMBDA_RUNTIME_API (host:port) and
// many runtimes parse that value strictly.
//
// The server speaks HTTP/1.1 itself (requests parsed by net/http's
// ReadRequest) instead of running net/http's Server, so that one goroutine
// can carry a warm invocation end to end: Run, called by the platform one
// invocation at a time, writes the answer to the runtime's waiting
// GET /next and reads the runtime's reply from the same connection.
//
// Concurrency: each connection has one owner at a time. A reader goroutine
// per connection answers requests until a GET /next arrives; it then
// parks the connection in Server.held and exits. Run takes a held
// connection, converses on it, and starts a new reader for it when the
// invocation has its outcome. A reply that arrives on another connection
// (runtimes that open one per request) is handed over on the
// invocation's one-slot channel and interrupts Run's read. The state the
// readers and Run share (held connections, the current invocation, the
// init error, extensions) is guarded by Server.mu.
package runtimeapi
