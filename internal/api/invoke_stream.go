package api

import (
	"encoding/json"
	"io"
	"net/http"

	"github.com/aws/aws-sdk-go-v2/aws/protocol/eventstream"

	"github.com/lamina-dev/lamina/internal/awserr"
	"github.com/lamina-dev/lamina/internal/invoke"
)

// eventStream writes an InvokeWithResponseStream body: AWS event-stream
// messages, PayloadChunk for each piece of the response, then one
// InvokeComplete.
type eventStream struct {
	w    http.ResponseWriter
	rc   *http.ResponseController
	enc  *eventstream.Encoder
	gone bool // the caller went away; the rest is discarded
}

func (s *eventStream) send(event, contentType string, payload []byte) {
	if s.gone {
		return
	}
	msg := eventstream.Message{Payload: payload}
	msg.Headers.Set(":event-type", eventstream.StringValue(event))
	msg.Headers.Set(":message-type", eventstream.StringValue("event"))
	msg.Headers.Set(":content-type", eventstream.StringValue(contentType))
	if s.enc.Encode(s.w, msg) != nil || s.rc.Flush() != nil {
		s.gone = true
	}
}

// Write sends p as one PayloadChunk.
func (s *eventStream) Write(p []byte) (int, error) {
	s.send("PayloadChunk", "application/octet-stream", p)
	return len(p), nil
}

type invokeComplete struct {
	ErrorCode    string `json:"ErrorCode,omitempty"`
	ErrorDetails string `json:"ErrorDetails,omitempty"`
	LogResult    string `json:"LogResult,omitempty"`
}

// invokeStream serves InvokeWithResponseStream. Errors before the
// function runs are ordinary error responses; once the stream is open, a
// function error is reported only in InvokeComplete, as in Lambda.
func (h *Handler) invokeStream(w http.ResponseWriter, r *http.Request) error {
	req, err := h.invokeRequest(w, r)
	if err == nil && req.Type == invoke.TypeEvent {
		err = awserr.InvalidParameter("1 validation error detected: Value 'Event' at 'invocationType' failed to satisfy constraint: Member must satisfy enum value set: [RequestResponse, DryRun]")
	}
	if err != nil {
		return err
	}
	es := &eventStream{w: w, rc: http.NewResponseController(w), enc: eventstream.NewEncoder()}
	opened := false
	open := func(requestID, version, contentType string) {
		hd := w.Header()
		hd.Set("X-Amzn-Requestid", requestID)
		hd.Set("X-Amz-Executed-Version", version)
		hd.Set("Content-Type", contentType)
		w.WriteHeader(http.StatusOK)
		opened = true
	}
	req.Stream = func(st invoke.StreamStart) io.Writer {
		open(st.RequestID, st.ExecutedVersion, st.ContentType)
		return es
	}
	ctx, span := h.startInvoke(r, req)
	defer span.End()
	resp, err := h.invoker.Invoke(ctx, req)
	switch {
	case err != nil && !opened:
		if r.Context().Err() != nil {
			return nil // the caller is gone
		}
		return err
	case err != nil:
		es.send("InvokeComplete", "application/json", completion(invokeComplete{ErrorCode: "ServiceException", ErrorDetails: err.Error()}))
		return nil
	case resp.Status != http.StatusOK:
		w.Header().Set("X-Amzn-Requestid", resp.RequestID)
		w.Header().Set("X-Amz-Executed-Version", resp.ExecutedVersion)
		w.WriteHeader(resp.Status) // DryRun
		return nil
	case !opened:
		open(resp.RequestID, resp.ExecutedVersion, "application/json")
	}
	done := invokeComplete{LogResult: resp.LogResult}
	if resp.FunctionError != "" {
		var fe struct {
			Type    string `json:"errorType"`
			Message string `json:"errorMessage"`
		}
		json.Unmarshal(resp.Payload, &fe)
		done.ErrorCode, done.ErrorDetails = fe.Type, string(resp.Payload)
		if done.ErrorCode == "" {
			done.ErrorCode = resp.FunctionError
		}
	}
	es.send("InvokeComplete", "application/json", completion(done))
	return nil
}

func completion(c invokeComplete) []byte {
	b, _ := json.Marshal(c)
	return b
}
