// Package scale holds lamina's scaling decisions, apart from the mechanism
// that carries them out. Every type here is a deterministic state machine:
// it is told what happened and what time it is, and it answers what to do;
// it never reads a clock, starts a goroutine or touches an environment.
//
//   - Bucket bounds how fast a function may add environments (Lambda: 1,000
//     new environments per 10 s, refilled continuously).
//   - Policy decides, for one function version, which idle environments to
//     keep, when to stop them, when to start one ahead of traffic, and how
//     many to keep for provisioned concurrency. Its keep-alive adapts to
//     the function's observed idle times with the hybrid histogram policy
//     of Shahrad et al., "Serverless in the Wild" (USENIX ATC 2020).
//   - Victims orders idle environments for eviction when the node's memory
//     budget is short, least valuable first.
//
// The scenario tests in testdata/ script observations and ticks and
// compare the decisions with the expected output.
package scale
