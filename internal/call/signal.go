package call

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"regexp"
	"strings"
	"time"

	"github.com/pion/sdp/v3"

	"github.com/trilink/trilink/internal/nation"
)

// Limits of signalling input.
const (
	// MaxSlots is the most audio (and the most video) sections a browser
	// may offer: its own microphone or camera plus the receive slots for the
	// other participants.
	MaxSlots = 8
	// MaxSDP is the largest session description accepted, in bytes.
	MaxSDP = 64 << 10
)

// Errors. They wrap into *Error values that carry an HTTP status.
var (
	ErrMalformed = errors.New("call: malformed request")
	ErrForbidden = errors.New("call: not allowed")
	ErrNoSession = errors.New("call: no such session")
	ErrClosed    = errors.New("call: SFU closed")
)

// Error is a signalling error naming the field at fault; HTTPStatus gives
// the status httpapi answers with.
type Error struct {
	Status int    // HTTP status
	Field  string // the request field at fault, or ""
	Err    error
}

func (e *Error) Error() string {
	if e.Field != "" {
		return e.Field + ": " + e.Err.Error()
	}
	return e.Err.Error()
}

// Unwrap returns the cause.
func (e *Error) Unwrap() error { return e.Err }

// HTTPStatus implements httpapi.StatusError.
func (e *Error) HTTPStatus() int { return e.Status }

func badField(field, format string, a ...any) error {
	return &Error{Status: http.StatusBadRequest, Field: field, Err: fmt.Errorf("%w: "+format, append([]any{ErrMalformed}, a...)...)}
}

// JoinRequest is the body of POST /api/v1/rooms/{room}/call: the browser's
// offer, with every ICE candidate gathered (no trickle).
type JoinRequest struct {
	Type string `json:"type"` // "offer"
	SDP  string `json:"sdp"`
	// Precedence of the call if this join starts it: flash, immediate,
	// priority or routine; "" means immediate.
	Precedence string `json:"precedence,omitempty"`
	// Video says the member's camera is on.
	Video bool `json:"video,omitempty"`
}

// JoinResponse answers a JoinRequest.
type JoinResponse struct {
	Type    string `json:"type"` // "answer"
	SDP     string `json:"sdp"`
	Session string `json:"session"`
	Call    string `json:"call"`
	Started bool   `json:"started"` // this join started the call
}

// MediaRequest is the body of POST /api/v1/rooms/{room}/call/{session}/media:
// the member's microphone and camera switches, shown to the others.
type MediaRequest struct {
	Muted  *bool `json:"muted"`
	Camera *bool `json:"camera"`
}

// ParseJoinRequest decodes and checks a JoinRequest; errors name the field.
func ParseJoinRequest(b []byte) (JoinRequest, error) {
	var r JoinRequest
	if err := decodeStrict(b, &r); err != nil {
		return r, err
	}
	if r.Type != "offer" {
		return r, badField("type", "%q (want \"offer\")", r.Type)
	}
	if r.Precedence != "" {
		if _, ok := precedences[strings.ToLower(r.Precedence)]; !ok {
			return r, badField("precedence", "%q (want flash, immediate, priority or routine)", r.Precedence)
		}
		r.Precedence = strings.ToLower(r.Precedence)
	}
	if _, _, err := checkOffer(r.SDP); err != nil {
		return r, err
	}
	return r, nil
}

// ParseMediaRequest decodes and checks a MediaRequest.
func ParseMediaRequest(b []byte) (MediaRequest, error) {
	var r MediaRequest
	if err := decodeStrict(b, &r); err != nil {
		return r, err
	}
	if r.Muted == nil && r.Camera == nil {
		return r, badField("muted", "missing (give muted, camera or both)")
	}
	return r, nil
}

var precedences = map[string]bool{"flash": true, "immediate": true, "priority": true, "routine": true}

func decodeStrict(b []byte, v any) error {
	dec := json.NewDecoder(strings.NewReader(string(b)))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		var ute *json.UnmarshalTypeError
		if errors.As(err, &ute) && ute.Field != "" {
			return badField(ute.Field, "want a JSON %s", ute.Type)
		}
		if f, ok := strings.CutPrefix(err.Error(), "json: unknown field "); ok {
			if f = strings.Trim(f, `"`); f == "" {
				f = `""`
			}
			return badField(f, "unknown field")
		}
		return badField("body", "%v", err)
	}
	if dec.More() {
		return badField("body", "trailing data after the JSON object")
	}
	return nil
}

// checkOffer parses an offer and counts its audio and video sections. It
// wants at least one audio section, at most MaxSlots of each kind, an ICE
// ufrag and password and a DTLS fingerprint.
func checkOffer(s string) (audio, video int, err error) {
	if s == "" {
		return 0, 0, badField("sdp", "missing")
	}
	if len(s) > MaxSDP {
		return 0, 0, badField("sdp", "%d bytes (limit %d)", len(s), MaxSDP)
	}
	var d sdp.SessionDescription
	if err := d.UnmarshalString(s); err != nil {
		return 0, 0, badField("sdp", "not a session description: %v", err)
	}
	fp := hasAttr(d.Attributes, "fingerprint")
	for _, m := range d.MediaDescriptions {
		switch m.MediaName.Media {
		case "audio":
			audio++
		case "video":
			video++
		}
		if !hasAttr(m.Attributes, "ice-ufrag") && !hasAttr(d.Attributes, "ice-ufrag") {
			return 0, 0, badField("sdp", "media section %d (%s) has no a=ice-ufrag", audio+video, m.MediaName.Media)
		}
		fp = fp || hasAttr(m.Attributes, "fingerprint")
	}
	switch {
	case audio == 0:
		return 0, 0, badField("sdp", "no audio section (want 1–%d)", MaxSlots)
	case audio > MaxSlots:
		return 0, 0, badField("sdp", "%d audio sections (want 1–%d)", audio, MaxSlots)
	case video > MaxSlots:
		return 0, 0, badField("sdp", "%d video sections (want 0–%d)", video, MaxSlots)
	case !fp:
		return 0, 0, badField("sdp", "no a=fingerprint (DTLS-SRTP is required)")
	}
	return audio, video, nil
}

func hasAttr(as []sdp.Attribute, key string) bool {
	for _, a := range as {
		if a.Key == key {
			return true
		}
	}
	return false
}

// trunkMsg is an offer or answer between two nations' SFUs, on
// shared.<from>.call.trunk.<to>.offer|answer.
type trunkMsg struct {
	V     int    `json:"v"`
	Type  string `json:"type"`  // offer | answer
	Epoch string `json:"epoch"` // names the sending side's trunk PeerConnection
	Seq   int    `json:"seq"`   // negotiation number within the epoch
	SDP   string `json:"sdp"`
}

// rosterMsg is a nation's calls, on shared.<n>.call.roster: who is in
// which room's call.
type rosterMsg struct {
	V      int           `json:"v"`
	Nation nation.Nation `json:"nation"`
	Sent   time.Time     `json:"sent"`
	Rooms  []rosterRoom  `json:"rooms"`
}

type rosterRoom struct {
	Room         string        `json:"room"`
	Call         string        `json:"call"`
	Precedence   string        `json:"precedence"`
	Started      time.Time     `json:"started"`
	Participants []Participant `json:"participants"`
	// LastLeave is when this nation's last participant left; set only on
	// a room without participants (announced for a few seconds).
	LastLeave time.Time `json:"last_leave,omitzero"`
}

var token = regexp.MustCompile(`^[a-z0-9][a-z0-9._-]{0,63}$`)

// parseTrunkMsg decodes and checks a trunk message of type typ.
func parseTrunkMsg(b []byte, typ string) (trunkMsg, error) {
	var m trunkMsg
	if err := decodeStrict(b, &m); err != nil {
		return m, err
	}
	switch {
	case m.V != 1:
		return m, badField("v", "%d (want 1)", m.V)
	case m.Type != typ:
		return m, badField("type", "%q (want %q)", m.Type, typ)
	case !token.MatchString(m.Epoch):
		return m, badField("epoch", "%q", m.Epoch)
	case m.Seq < 1:
		return m, badField("seq", "%d (want ≥ 1)", m.Seq)
	case m.SDP == "" || len(m.SDP) > 4*MaxSDP:
		return m, badField("sdp", "%d bytes (want 1–%d)", len(m.SDP), 4*MaxSDP)
	}
	return m, nil
}

// parseRoster decodes and checks a roster from nation from.
func parseRoster(b []byte, from nation.Nation) (rosterMsg, error) {
	var m rosterMsg
	if err := decodeStrict(b, &m); err != nil {
		return m, err
	}
	if m.V != 1 {
		return m, badField("v", "%d (want 1)", m.V)
	}
	if m.Nation != from {
		return m, badField("nation", "%s on %s's subject", m.Nation, from)
	}
	if len(m.Rooms) > 1024 {
		return m, badField("rooms", "%d rooms (limit 1024)", len(m.Rooms))
	}
	for i, r := range m.Rooms {
		if !token.MatchString(r.Room) || !token.MatchString(r.Call) {
			return m, badField(fmt.Sprintf("rooms[%d]", i), "room %q call %q", r.Room, r.Call)
		}
		if len(r.Participants) > 256 {
			return m, badField(fmt.Sprintf("rooms[%d].participants", i), "%d (limit 256)", len(r.Participants))
		}
		for j, p := range r.Participants {
			if !token.MatchString(p.Member) || p.Nation != from {
				return m, badField(fmt.Sprintf("rooms[%d].participants[%d]", i, j), "member %q of %s", p.Member, p.Nation)
			}
		}
	}
	return m, nil
}
