// Package gateway serves functions over plain HTTP the way Lambda function
// URLs and API Gateway HTTP APIs do: it turns each request into the
// payload format 2.0 event, invokes the function through the same path as
// the Invoke API, and maps the function's answer back onto HTTP (status,
// headers, cookies, base64 bodies, the plain-JSON shortcut), answering
// CORS preflights itself when a URL has a CORS policy.
//
// The gateway holds no state of its own: URL configs are read from the
// catalog's memory on every request, so changes apply at once.
package gateway
