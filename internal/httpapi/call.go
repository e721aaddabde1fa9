package httpapi

import (
	"context"
	"net/http"
)

// Calls is what the call routes need from the node: the hotline's voice and
// video (internal/call). Bodies are passed as read; the implementation
// decodes them and answers malformed ones with a StatusError naming the
// field.
type Calls interface {
	// Join answers member's WebRTC offer (POST body) to join room's call.
	Join(ctx context.Context, member, room string, body []byte) (any, error)
	// Leave ends member's session.
	Leave(member, room, session string) error
	// Media records member's microphone and camera switches.
	Media(member, room, session string, body []byte) error
	// State returns room's call: participants, who is speaking.
	State(member, room string) (any, error)
}

// maxOfferBody bounds a join request: an SDP offer with every candidate.
const maxOfferBody = 128 << 10

func (s *server) callRoutes(mux *http.ServeMux) {
	s.handle(mux, "GET /api/v1/rooms/{room}/call", HotlineUser, s.asMember(s.withCalls(s.callState)))
	s.handle(mux, "POST /api/v1/rooms/{room}/call", HotlineUser, s.asMember(s.withCalls(s.callJoin)))
	s.handle(mux, "DELETE /api/v1/rooms/{room}/call/{session}", HotlineUser, s.asMember(s.withCalls(s.callLeave)))
	s.handle(mux, "POST /api/v1/rooms/{room}/call/{session}/media", HotlineUser, s.asMember(s.withCalls(s.callMedia)))
}

// withCalls answers 404 when this node runs no calls.
func (s *server) withCalls(f func(http.ResponseWriter, *http.Request, Calls, string)) func(http.ResponseWriter, *http.Request, Hotline, string) {
	return func(w http.ResponseWriter, r *http.Request, _ Hotline, m string) {
		if s.o.Calls == nil {
			writeError(w, http.StatusNotFound, "no calls on this node")
			return
		}
		f(w, r, s.o.Calls, m)
	}
}

func (s *server) callState(w http.ResponseWriter, r *http.Request, c Calls, m string) {
	v, err := c.State(m, r.PathValue("room"))
	writeResult(w, http.StatusOK, v, err)
}

func (s *server) callJoin(w http.ResponseWriter, r *http.Request, c Calls, m string) {
	b, ok := readBody(w, r, maxOfferBody)
	if !ok {
		return
	}
	v, err := c.Join(r.Context(), m, r.PathValue("room"), b)
	writeResult(w, http.StatusCreated, v, err)
}

func (s *server) callLeave(w http.ResponseWriter, r *http.Request, c Calls, m string) {
	if err := c.Leave(m, r.PathValue("room"), r.PathValue("session")); err != nil {
		writeHotlineError(w, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]string{"session": r.PathValue("session"), "state": "left"})
}

func (s *server) callMedia(w http.ResponseWriter, r *http.Request, c Calls, m string) {
	b, ok := readBody(w, r, maxSmallBody)
	if !ok {
		return
	}
	if err := c.Media(m, r.PathValue("room"), r.PathValue("session"), b); err != nil {
		writeHotlineError(w, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]string{"session": r.PathValue("session")})
}
