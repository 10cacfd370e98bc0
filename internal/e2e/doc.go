// Package e2e holds lamina's end-to-end tests: they build the real lamina
// binary and a real aws-lambda-go function, start lamina as a process and
// drive it through the AWS SDK, the aws CLI and lamina's own CLI.
package e2e
