package httpapi

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"strconv"

	"github.com/trilink/trilink/internal/nation"
)

// Hotline is what the hotline routes need from the node. Values returned as
// any are encoded as JSON. Errors that implement StatusError choose the
// HTTP status; others answer 500.
//
// member names the member the caller acts as: the console's login (until
// sessions exist, the demo's console lets the watch officer pick one).
type Hotline interface {
	Members(n nation.Nation) any
	Rooms(member string) (any, error)
	Messages(member, room string, limit int) (any, error)
	Send(ctx context.Context, member, room string, req SendRequest) (any, error)
	// Mark signs member's receipt of message id: state "read" or
	// "acknowledged".
	Mark(ctx context.Context, member, room, id, state string) error
	Attachment(member, room, id string, i int) (name, mediaType string, data []byte, err error)
	Search(member, q string, limit int) (any, error)
	Escalations(member string) (any, error)
	LinkTests(n nation.Nation) any
	// SubmitEnvelope and SubmitReceipt take signed objects in their wire
	// form from clients that hold their own keys; Transcript serves the
	// ciphertext transcript to them.
	SubmitEnvelope(ctx context.Context, n nation.Nation, wire []byte) (any, error)
	SubmitReceipt(ctx context.Context, n nation.Nation, wire []byte) (any, error)
	Transcript(n nation.Nation, after uint64, limit int) (any, error)
}

// SendRequest is the body of POST /api/v1/rooms/{room}/messages.
type SendRequest struct {
	Precedence  string              `json:"precedence"`
	Body        string              `json:"body"`
	Attachments []AttachmentRequest `json:"attachments,omitempty"`
}

// AttachmentRequest is one attachment of a SendRequest; Data is base64.
type AttachmentRequest struct {
	Name string `json:"name"`
	Type string `json:"type"`
	Data []byte `json:"data"`
}

// StatusError is an error that knows its HTTP status.
type StatusError interface {
	error
	HTTPStatus() int
}

// Body limits of the hotline routes.
const (
	maxMessageBody = 8 << 20 // a message with attachments, base64 in JSON
	maxWireBody    = 8 << 20 // a signed envelope
	maxSmallBody   = 4 << 10 // receipts and marks
)

func (s *server) hotlineRoutes(mux *http.ServeMux) {
	s.handle(mux, "GET /api/v1/hotline/members", HotlineUser, s.byNation(s.hlMembers))
	s.handle(mux, "GET /api/v1/rooms", HotlineUser, s.asMember(s.hlRooms))
	s.handle(mux, "GET /api/v1/rooms/{room}/messages", HotlineUser, s.asMember(s.hlMessages))
	s.handle(mux, "POST /api/v1/rooms/{room}/messages", HotlineUser, s.asMember(s.hlSend))
	s.handle(mux, "POST /api/v1/rooms/{room}/messages/{id}/read", HotlineUser, s.asMember(s.hlMark("read")))
	s.handle(mux, "POST /api/v1/rooms/{room}/messages/{id}/ack", HotlineUser, s.asMember(s.hlMark("acknowledged")))
	s.handle(mux, "GET /api/v1/rooms/{room}/messages/{id}/attachments/{i}", HotlineUser, s.asMember(s.hlAttachment))
	s.handle(mux, "GET /api/v1/hotline/search", HotlineUser, s.asMember(s.hlSearch))
	s.handle(mux, "GET /api/v1/hotline/escalations", HotlineUser, s.asMember(s.hlEscalations))
	s.handle(mux, "GET /api/v1/hotline/linktests", SignedIn, s.byNation(s.hlLinkTests))
	s.handle(mux, "POST /api/v1/hotline/envelopes", HotlineUser, s.byNation(s.hlSubmitEnvelope))
	s.handle(mux, "POST /api/v1/hotline/receipts", HotlineUser, s.byNation(s.hlSubmitReceipt))
	s.handle(mux, "GET /api/v1/hotline/transcript", HotlineUser, s.byNation(s.hlTranscript))
}

// asMember wraps a route that acts as the signed-in user's hotline
// member; it answers 404 without a hotline and 403 for a user who is no
// member. A ?member= naming anyone else is refused.
func (s *server) asMember(f func(http.ResponseWriter, *http.Request, Hotline, string)) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		m, ok := s.member(w, r)
		if !ok {
			return
		}
		if h, ok := s.hotline(w); ok {
			f(w, r, h, m)
		}
	}
}

// byNation wraps a route about the nation named by ?nation=.
func (s *server) byNation(f func(http.ResponseWriter, *http.Request, Hotline, nation.Nation)) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		n, ok := s.nationParam(w, r)
		if !ok {
			return
		}
		if h, ok := s.hotline(w); ok {
			f(w, r, h, n)
		}
	}
}

// hotline returns the Hotline or answers 404.
func (s *server) hotline(w http.ResponseWriter) (Hotline, bool) {
	if s.o.Hotline == nil {
		writeError(w, http.StatusNotFound, "no hotline on this node")
		return nil, false
	}
	return s.o.Hotline, true
}

// member is the hotline member the signed-in user acts as.
func (s *server) member(w http.ResponseWriter, r *http.Request) (string, bool) {
	sess, _ := sessionFrom(r.Context())
	m := sess.User.Member
	if m == "" {
		s.reject(w, r, http.StatusForbidden, "no_member", "user "+sess.User.Name+" is not a hotline member")
		return "", false
	}
	if q := r.URL.Query().Get("member"); q != "" && q != m {
		s.reject(w, r, http.StatusForbidden, "other_member", "member: "+strconv.Quote(q)+" is not you ("+m+")")
		return "", false
	}
	return m, true
}

func intParam(w http.ResponseWriter, r *http.Request, name string, def, max int) (int, bool) {
	v := r.URL.Query().Get(name)
	if v == "" {
		return def, true
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < 0 || n > max {
		writeError(w, http.StatusBadRequest, fmt.Sprintf("%s: %q (want 0–%d)", name, v, max))
		return 0, false
	}
	return n, true
}

// writeResult answers with v, or with err's status and message.
func writeResult(w http.ResponseWriter, code int, v any, err error) {
	if err != nil {
		writeHotlineError(w, err)
		return
	}
	writeJSON(w, code, v)
}

func writeHotlineError(w http.ResponseWriter, err error) {
	code := http.StatusInternalServerError
	var se StatusError
	if errors.As(err, &se) {
		code = se.HTTPStatus()
	}
	writeError(w, code, err.Error())
}

// readBody reads a JSON (or, with wire, any) POST body of at most max bytes.
// Requiring application/json keeps plain cross-site forms out: a browser
// sends that type across origins only after a CORS preflight, which this
// server never grants.
func readBody(w http.ResponseWriter, r *http.Request, max int64) ([]byte, bool) {
	mt, _, err := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if err != nil || mt != "application/json" {
		writeError(w, http.StatusUnsupportedMediaType, "Content-Type: want application/json")
		return nil, false
	}
	b, err := io.ReadAll(http.MaxBytesReader(w, r.Body, max))
	if err != nil {
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			writeError(w, http.StatusRequestEntityTooLarge, fmt.Sprintf("body: larger than %d bytes", mbe.Limit))
		} else {
			writeError(w, http.StatusBadRequest, "body: "+err.Error())
		}
		return nil, false
	}
	return b, true
}

func (s *server) hlMembers(w http.ResponseWriter, r *http.Request, h Hotline, n nation.Nation) {
	writeJSON(w, http.StatusOK, h.Members(n))
}

func (s *server) hlRooms(w http.ResponseWriter, r *http.Request, h Hotline, m string) {
	v, err := h.Rooms(m)
	writeResult(w, http.StatusOK, v, err)
}

func (s *server) hlMessages(w http.ResponseWriter, r *http.Request, h Hotline, m string) {
	limit, ok := intParam(w, r, "limit", 200, 10000)
	if !ok {
		return
	}
	v, err := h.Messages(m, r.PathValue("room"), limit)
	writeResult(w, http.StatusOK, v, err)
}

func (s *server) hlSend(w http.ResponseWriter, r *http.Request, h Hotline, m string) {
	b, ok := readBody(w, r, maxMessageBody)
	if !ok {
		return
	}
	var req SendRequest
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&req); err != nil {
		writeError(w, http.StatusBadRequest, "body: "+err.Error())
		return
	}
	v, err := h.Send(r.Context(), m, r.PathValue("room"), req)
	writeResult(w, http.StatusCreated, v, err)
}

func (s *server) hlMark(state string) func(http.ResponseWriter, *http.Request, Hotline, string) {
	return func(w http.ResponseWriter, r *http.Request, h Hotline, m string) {
		if _, ok := readBody(w, r, maxSmallBody); !ok {
			return
		}
		if err := h.Mark(r.Context(), m, r.PathValue("room"), r.PathValue("id"), state); err != nil {
			writeHotlineError(w, err)
			return
		}
		writeJSON(w, http.StatusOK, map[string]string{"id": r.PathValue("id"), "state": state})
	}
}

func (s *server) hlAttachment(w http.ResponseWriter, r *http.Request, h Hotline, m string) {
	i, err := strconv.Atoi(r.PathValue("i"))
	if err != nil || i < 0 {
		writeError(w, http.StatusBadRequest, "attachment index: "+strconv.Quote(r.PathValue("i")))
		return
	}
	name, mt, data, err := h.Attachment(m, r.PathValue("room"), r.PathValue("id"), i)
	if err != nil {
		writeHotlineError(w, err)
		return
	}
	// Always a download: an attachment is never rendered in the console's
	// origin.
	w.Header().Set("Content-Type", "application/octet-stream")
	w.Header().Set("Content-Disposition", mime.FormatMediaType("attachment", map[string]string{"filename": name}))
	w.Header().Set("X-Trilink-Media-Type", mt)
	w.Header().Set("Cache-Control", "no-store")
	_, _ = w.Write(data)
}

func (s *server) hlSearch(w http.ResponseWriter, r *http.Request, h Hotline, m string) {
	limit, ok := intParam(w, r, "limit", 50, 1000)
	if !ok {
		return
	}
	v, err := h.Search(m, r.URL.Query().Get("q"), limit)
	writeResult(w, http.StatusOK, v, err)
}

func (s *server) hlEscalations(w http.ResponseWriter, r *http.Request, h Hotline, m string) {
	v, err := h.Escalations(m)
	writeResult(w, http.StatusOK, v, err)
}

func (s *server) hlLinkTests(w http.ResponseWriter, r *http.Request, h Hotline, n nation.Nation) {
	writeJSON(w, http.StatusOK, h.LinkTests(n))
}

func (s *server) hlSubmitEnvelope(w http.ResponseWriter, r *http.Request, h Hotline, n nation.Nation) {
	b, ok := readBody(w, r, maxWireBody)
	if !ok {
		return
	}
	v, err := h.SubmitEnvelope(r.Context(), n, b)
	writeResult(w, http.StatusCreated, v, err)
}

func (s *server) hlSubmitReceipt(w http.ResponseWriter, r *http.Request, h Hotline, n nation.Nation) {
	b, ok := readBody(w, r, maxSmallBody)
	if !ok {
		return
	}
	v, err := h.SubmitReceipt(r.Context(), n, b)
	writeResult(w, http.StatusCreated, v, err)
}

func (s *server) hlTranscript(w http.ResponseWriter, r *http.Request, h Hotline, n nation.Nation) {
	after, ok := intParam(w, r, "after", 0, 1<<62)
	if !ok {
		return
	}
	limit, ok := intParam(w, r, "limit", 500, 5000)
	if !ok {
		return
	}
	v, err := h.Transcript(n, uint64(after), limit)
	writeResult(w, http.StatusOK, v, err)
}
