package httpapi

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"
	"sync"
	"time"

	"github.com/trilink/trilink/internal/nation"
)

// Live message kinds on /api/v1/live.
const (
	LiveStatus   = "status"
	LiveEvent    = "event"
	LiveAlert    = "alert"
	LiveSnapshot = "snapshot"
)

// liveMsg is one server-sent event.
type liveMsg struct {
	id   uint64
	kind string
	data []byte
}

// Hub fans live updates out to /api/v1/live subscribers, per nation, and
// keeps the last messages so that a client that reconnects with
// Last-Event-ID gets what it missed. Safe for concurrent use.
type Hub struct {
	size int

	mu     sync.Mutex // guards the fields below
	nextID uint64
	ring   map[nation.Nation][]liveMsg
	subs   map[nation.Nation]map[chan liveMsg]struct{}
}

// NewHub returns a hub that keeps the last size messages per nation.
func NewHub(size int) *Hub {
	return &Hub{size: size, ring: map[nation.Nation][]liveMsg{}, subs: map[nation.Nation]map[chan liveMsg]struct{}{}}
}

// Publish sends v (as JSON) to nation n's subscribers under kind.
func (h *Hub) Publish(n nation.Nation, kind string, v any) {
	b, err := json.Marshal(v)
	if err != nil {
		return
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	h.nextID++
	m := liveMsg{id: h.nextID, kind: kind, data: b}
	r := append(h.ring[n], m)
	if len(r) > h.size {
		r = r[len(r)-h.size:]
	}
	h.ring[n] = r
	for c := range h.subs[n] {
		select {
		case c <- m:
		default: // a slow client: it will resume from its last id
			close(c)
			delete(h.subs[n], c)
		}
	}
}

// subscribe returns a channel of n's messages and those it missed after
// lastID; ok is false when lastID is older than what the hub keeps (the
// caller must then send a snapshot).
func (h *Hub) subscribe(n nation.Nation, lastID uint64, resume bool) (c chan liveMsg, missed []liveMsg, ok bool) {
	h.mu.Lock()
	defer h.mu.Unlock()
	c = make(chan liveMsg, 1024)
	if h.subs[n] == nil {
		h.subs[n] = map[chan liveMsg]struct{}{}
	}
	h.subs[n][c] = struct{}{}
	if !resume {
		return c, nil, false
	}
	r := h.ring[n]
	if len(r) > 0 && r[0].id > lastID+1 || lastID > h.nextID {
		// Fell out of the ring, or an id from before a restart of this
		// server: the client's picture may be stale either way.
		return c, nil, false
	}
	for _, m := range r {
		if m.id > lastID {
			missed = append(missed, m)
		}
	}
	return c, missed, true
}

func (h *Hub) unsubscribe(n nation.Nation, c chan liveMsg) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if _, ok := h.subs[n][c]; ok {
		delete(h.subs[n], c)
		close(c)
	}
}

// lastID returns the id of the newest message.
func (h *Hub) lastID() uint64 {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.nextID
}

// sessionRecheck is how often a live stream checks its session.
var sessionRecheck = 5 * time.Second

// live serves /api/v1/live?nation=N as Server-Sent Events.
func (s *server) live(w http.ResponseWriter, r *http.Request) {
	n, ok := s.nationParam(w, r)
	if !ok {
		return
	}
	fl, canFlush := w.(http.Flusher)
	if !canFlush || s.o.Hub == nil {
		writeError(w, http.StatusNotImplemented, "live updates are not available")
		return
	}
	var last uint64
	resume := false
	if v := r.Header.Get("Last-Event-ID"); v != "" {
		id, err := strconv.ParseUint(v, 10, 64)
		if err != nil {
			writeError(w, http.StatusBadRequest, "Last-Event-ID: not a number")
			return
		}
		last, resume = id, true
	}
	c, missed, ok := s.o.Hub.subscribe(n, last, resume)
	defer s.o.Hub.unsubscribe(n, c)
	hd := w.Header()
	hd.Set("Content-Type", "text/event-stream")
	hd.Set("Cache-Control", "no-store")
	hd.Set("X-Accel-Buffering", "no")
	w.WriteHeader(http.StatusOK)
	write := func(m liveMsg) error {
		_, err := fmt.Fprintf(w, "id: %d\nevent: %s\ndata: %s\n\n", m.id, m.kind, m.data)
		return err
	}
	if !ok {
		var snap any = map[string]any{}
		if s.o.Snapshot != nil {
			snap = s.o.Snapshot(n)
		}
		b, _ := json.Marshal(snap)
		if err := write(liveMsg{id: s.o.Hub.lastID(), kind: LiveSnapshot, data: b}); err != nil {
			return
		}
	}
	for _, m := range missed {
		if err := write(m); err != nil {
			return
		}
	}
	fl.Flush()
	ping := time.NewTicker(15 * time.Second)
	defer ping.Stop()
	// The stream lives as long as its session: checked every few seconds,
	// which also keeps a watched console's session from going idle, and
	// ends the stream of a user who is disabled or signed out.
	recheck := time.NewTicker(sessionRecheck)
	defer recheck.Stop()
	tok := sessionToken(r)
	for {
		select {
		case <-r.Context().Done():
			return
		case <-recheck.C:
			if s.o.Auth == nil || tok == "" {
				continue
			}
			if _, err := s.o.Auth.Session(tok); err != nil {
				return // the client's reconnect is answered 401
			}
		case m, open := <-c:
			if !open {
				return // dropped as too slow; the client resumes
			}
			if err := write(m); err != nil {
				return
			}
			fl.Flush()
		case <-ping.C:
			if _, err := fmt.Fprint(w, ": ping\n\n"); err != nil {
				return
			}
			fl.Flush()
		}
	}
}
