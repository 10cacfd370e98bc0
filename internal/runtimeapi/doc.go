// Package runtimeapi serves the Lambda Runtime API (2018-06-01) and the
// minimal Extensions API (2020-01-01) to one execution environment.
//
// Each environment gets its own Server on its own loopback port, because a
// runtime finds the API only through AWS_LAMBDA_RUNTIME_API (host:port) and
// many runtimes parse that value strictly.
//
// Concurrency: the runtime's GET /next handler blocks on the invocations
// channel; Run (called by the platform, one invocation at a time) sends an
// invocation there and waits for its outcome. The state that the HTTP
// handlers and Run share (the current invocation, the init error) is
// guarded by Server.mu. Outcomes travel on a per-invocation channel with
// room for exactly one value, so no handler ever blocks on a slow caller.
package runtimeapi
