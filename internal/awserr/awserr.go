// Package awserr defines the Lambda-shaped errors lamina returns and the one
// adapter that writes them as HTTP responses the AWS SDKs understand.
package awserr

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strconv"
)

// Error is an API error as Lambda reports it: an HTTP status, an exception
// type (X-Amzn-ErrorType) and a message; throttles also carry a Reason.
type Error struct {
	Status  int
	Type    string
	Message string
	Reason  string // only for TooManyRequestsException
	// RetryAfter, in seconds, is sent as Retry-After when positive.
	RetryAfter int
}

func (e *Error) Error() string { return e.Type + ": " + e.Message }

// Exception types returned by lamina, with the HTTP status Lambda uses.
const (
	TypeInvalidParameterValue = "InvalidParameterValueException"
	TypeInvalidRequestContent = "InvalidRequestContentException"
	TypeResourceNotFound      = "ResourceNotFoundException"
	TypeResourceConflict      = "ResourceConflictException"
	TypePreconditionFailed    = "PreconditionFailedException"
	TypeRequestTooLarge       = "RequestTooLargeException"
	TypeTooManyRequests       = "TooManyRequestsException"
	TypeService               = "ServiceException"
)

// Throttle reasons, as Lambda names them.
const (
	ReasonConcurrentLimit         = "ConcurrentInvocationLimitExceeded"
	ReasonReservedConcurrentLimit = "ReservedFunctionConcurrentInvocationLimitExceeded"
	ReasonRateLimit               = "FunctionInvocationRateLimitExceeded"
	ReasonReservedRateLimit       = "ReservedFunctionInvocationRateLimitExceeded"
)

// InvalidParameter returns a 400 InvalidParameterValueException.
func InvalidParameter(format string, args ...any) *Error {
	return &Error{Status: http.StatusBadRequest, Type: TypeInvalidParameterValue, Message: fmt.Sprintf(format, args...)}
}

// InvalidContent returns a 400 InvalidRequestContentException.
func InvalidContent(format string, args ...any) *Error {
	return &Error{Status: http.StatusBadRequest, Type: TypeInvalidRequestContent, Message: fmt.Sprintf(format, args...)}
}

// NotFound returns a 404 ResourceNotFoundException.
func NotFound(format string, args ...any) *Error {
	return &Error{Status: http.StatusNotFound, Type: TypeResourceNotFound, Message: fmt.Sprintf(format, args...)}
}

// Conflict returns a 409 ResourceConflictException.
func Conflict(format string, args ...any) *Error {
	return &Error{Status: http.StatusConflict, Type: TypeResourceConflict, Message: fmt.Sprintf(format, args...)}
}

// PreconditionFailed returns a 412 PreconditionFailedException.
func PreconditionFailed(format string, args ...any) *Error {
	return &Error{Status: http.StatusPreconditionFailed, Type: TypePreconditionFailed, Message: fmt.Sprintf(format, args...)}
}

// TooLarge returns a 413 RequestTooLargeException.
func TooLarge(format string, args ...any) *Error {
	return &Error{Status: http.StatusRequestEntityTooLarge, Type: TypeRequestTooLarge, Message: fmt.Sprintf(format, args...)}
}

// TooManyRequests returns a 429 TooManyRequestsException with a Reason.
func TooManyRequests(reason, message string) *Error {
	return &Error{Status: http.StatusTooManyRequests, Type: TypeTooManyRequests, Message: message, Reason: reason, RetryAfter: 1}
}

// Service returns a 500 ServiceException.
func Service(format string, args ...any) *Error {
	return &Error{Status: http.StatusInternalServerError, Type: TypeService, Message: fmt.Sprintf(format, args...)}
}

// Write sends err as a Lambda API error. Errors that are not *Error become
// a 500 ServiceException, so callers never leak a bare Go error string as a
// different status.
func Write(w http.ResponseWriter, err error) {
	var e *Error
	if !errors.As(err, &e) {
		e = Service("%s", err.Error())
	}
	body := map[string]string{"Type": "User", "message": e.Message}
	switch e.Status {
	case http.StatusNotFound, http.StatusInternalServerError, http.StatusBadGateway:
		// Lambda capitalises Message for these exceptions.
		body = map[string]string{"Type": "User", "Message": e.Message}
	}
	if e.Status >= 500 {
		body["Type"] = "Service"
	}
	if e.Reason != "" {
		body["Reason"] = e.Reason
	}
	h := w.Header()
	h.Set("Content-Type", "application/json")
	h.Set("X-Amzn-ErrorType", e.Type)
	if e.RetryAfter > 0 {
		h.Set("Retry-After", strconv.Itoa(e.RetryAfter))
	}
	w.WriteHeader(e.Status)
	json.NewEncoder(w).Encode(body)
}
