package runtimeapi

import (
	"encoding/json"
	"io"
	"net/http"
	"slices"
	"time"

	"github.com/google/uuid"
)

// extension is one registered extension and its pending events.
type extension struct {
	name   string
	events []string
	queue  chan []byte
}

func (e *extension) wants(event string) bool { return slices.Contains(e.events, event) }

func (s *Server) registerExtension(c *conn, r *http.Request) {
	name := r.Header.Get(hExtensionName)
	if name == "" {
		writeError(c, http.StatusBadRequest, "InvalidRequest", "missing "+hExtensionName+" header")
		return
	}
	var body struct {
		Events []string `json:"events"`
	}
	raw, _ := io.ReadAll(io.LimitReader(r.Body, 64<<10))
	if len(raw) > 0 {
		if err := json.Unmarshal(raw, &body); err != nil {
			writeError(c, http.StatusBadRequest, "InvalidRequestFormat", err.Error())
			return
		}
	}
	for _, ev := range body.Events {
		if ev != "INVOKE" && ev != "SHUTDOWN" {
			writeError(c, http.StatusBadRequest, "InvalidEventType", "unknown event "+ev)
			return
		}
	}
	select {
	case <-s.ready:
		writeError(c, http.StatusForbidden, "InvalidStateTransition", "extensions register during init")
		return
	default:
	}
	id := uuid.NewString()
	s.mu.Lock()
	s.exts[id] = &extension{name: name, events: body.Events, queue: make(chan []byte, maxEventBuffer)}
	s.mu.Unlock()
	reply, _ := json.Marshal(map[string]string{
		"functionName":    s.cfg.FunctionName,
		"functionVersion": s.cfg.FunctionVersion,
		"handler":         s.cfg.Handler,
	})
	c.reply(http.StatusOK, "application/json", reply, hExtensionID, id)
}

func (s *Server) nextEvent(c *conn, r *http.Request) {
	s.mu.Lock()
	ext := s.exts[r.Header.Get(hExtensionID)]
	s.mu.Unlock()
	if ext == nil {
		writeError(c, http.StatusForbidden, "Extension.InvalidExtensionIdentifier", "unknown extension identifier")
		return
	}
	select {
	case ev := <-ext.queue:
		c.reply(http.StatusOK, "application/json", ev, hExtensionID, r.Header.Get(hExtensionID))
	case <-s.closed:
		writeError(c, http.StatusInternalServerError, "Extension.Closed", "the environment is gone")
	}
}

func (s *Server) notifyInvoke(inv *Invocation) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if len(s.exts) == 0 {
		return
	}
	ev, _ := json.Marshal(map[string]any{
		"eventType":          "INVOKE",
		"deadlineMs":         inv.Deadline.UnixMilli(),
		"requestId":          inv.RequestID,
		"invokedFunctionArn": inv.FunctionARN,
		"tracing":            map[string]string{"type": "X-Amzn-Trace-Id", "value": inv.TraceID},
	})
	s.broadcastLocked("INVOKE", ev)
}

// Shutdown queues a SHUTDOWN event for every extension that asked for one.
func (s *Server) Shutdown(reason string, deadline time.Time) {
	ev, _ := json.Marshal(map[string]any{
		"eventType":      "SHUTDOWN",
		"shutdownReason": reason,
		"deadlineMs":     deadline.UnixMilli(),
	})
	s.mu.Lock()
	defer s.mu.Unlock()
	s.broadcastLocked("SHUTDOWN", ev)
}

// broadcastLocked never blocks: an extension that stopped reading loses
// events rather than stalling invocations.
func (s *Server) broadcastLocked(event string, ev []byte) {
	for _, ext := range s.exts {
		if !ext.wants(event) {
			continue
		}
		select {
		case ext.queue <- ev:
		default:
		}
	}
}
