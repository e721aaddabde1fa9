package share

import (
	"context"
	"strings"
	"sync"
	"time"

	"github.com/nats-io/nats.go/jetstream"
)

// StreamStatus describes one stream of a node.
type StreamStatus struct {
	Name     string  `json:"name"`
	Messages uint64  `json:"messages"`
	Bytes    uint64  `json:"bytes"`
	LastSeq  uint64  `json:"last_seq"`
	Rate     float64 `json:"msgs_per_s"`
	// Sources of a sourcing stream, with their lag and last activity.
	Sources []SourceStatus `json:"sources,omitempty"`
}

// SourceStatus is one source of a sourcing stream.
type SourceStatus struct {
	Name   string  `json:"name"`
	Lag    uint64  `json:"lag"`
	Active float64 `json:"active_s_ago"` // -1: never active
	Error  string  `json:"error,omitempty"`
}

// NodeStatus is what the status page and /readyz show of a node.
type NodeStatus struct {
	Nation  Nation         `json:"nation"`
	Ready   bool           `json:"ready"`
	Why     string         `json:"why,omitempty"`
	Links   []LinkStatus   `json:"links"`
	Streams []StreamStatus `json:"streams"`
	// Picture, when fusion runs on the node, is its picture's digest and
	// how it compares with the partners'.
	Picture *PictureStatus `json:"picture,omitempty"`
	// Audit, when the node keeps the nation's audit log, is its size and
	// how far each partner's node has cosigned it.
	Audit *AuditStatus `json:"audit,omitempty"`
}

// AuditStatus is a nation's audit log and its witnessing by the partners.
type AuditStatus struct {
	Entries   uint64         `json:"entries"`
	Witnesses []AuditWitness `json:"witnesses"`
}

// AuditWitness is how far a partner's node has cosigned the log, and how
// many of that partner's checkpoints this node refused as forks.
type AuditWitness struct {
	Partner      Nation `json:"partner"`
	Cosigned     uint64 `json:"cosigned"`
	ForksRefused int    `json:"forks_refused"`
}

// PictureStatus is a node's picture digest and its agreement with partners.
type PictureStatus struct {
	Evidence     string            `json:"evidence"`
	Picture      string            `json:"picture"`
	Measurements int               `json:"measurements"`
	Partners     []DigestAgreement `json:"partners"`
}

// DigestAgreement compares a partner's picture with ours for the same
// evidence: "agree", "DISAGREE" (an alarm), or "pending" while one of the
// two has not yet processed the same measurements.
type DigestAgreement struct {
	Partner      Nation    `json:"partner"`
	State        string    `json:"state"`
	Compared     time.Time `json:"compared,omitzero"`
	Measurements int       `json:"measurements"`
}

// NodeStreams are the streams every node must have to be ready.
func NodeStreams(n Nation) []string {
	return []string{n.PrivateStream(), n.RelStream(), PictureStream, "KV_" + TracksBucket}
}

// Status reports nation n's links and streams, and whether it is ready: all
// streams exist and every partner link is up.
func Status(ctx context.Context, js jetstream.JetStream, n Nation, links []LinkStatus, meter *RateMeter) NodeStatus {
	st := NodeStatus{Nation: n, Links: links, Ready: true}
	var why []string
	for _, name := range NodeStreams(n) {
		s, err := js.Stream(ctx, name)
		if err != nil {
			why = append(why, "stream "+name+" missing")
			continue
		}
		info := s.CachedInfo()
		ss := StreamStatus{Name: name, Messages: info.State.Msgs, Bytes: info.State.Bytes, LastSeq: info.State.LastSeq,
			Rate: meter.Rate(name, info.State.LastSeq)}
		for _, src := range info.Sources {
			so := SourceStatus{Name: src.Name, Lag: src.Lag, Active: -1}
			if src.Active >= 0 {
				so.Active = src.Active.Round(time.Millisecond).Seconds()
			}
			if src.Error != nil {
				so.Error = src.Error.Description
			}
			ss.Sources = append(ss.Sources, so)
		}
		st.Streams = append(st.Streams, ss)
	}
	for _, l := range st.Links {
		if l.State != LinkUp {
			why = append(why, "link to "+l.Partner.String()+" "+l.State.String())
		}
	}
	if len(why) > 0 {
		st.Ready = false
		st.Why = strings.Join(why, ", ")
	}
	return st
}

// RateMeter turns successive stream sequences into message rates. Safe for
// concurrent use.
type RateMeter struct {
	mu   sync.Mutex // guards last
	last map[string]rateSample
}

type rateSample struct {
	at   time.Time
	seq  uint64
	rate float64
}

// NewRateMeter returns an empty meter.
func NewRateMeter() *RateMeter { return &RateMeter{last: map[string]rateSample{}} }

// Rate returns the rate of the named counter given its current value,
// averaged over at least a second.
func (m *RateMeter) Rate(name string, seq uint64) float64 {
	m.mu.Lock()
	defer m.mu.Unlock()
	now := time.Now()
	prev, ok := m.last[name]
	if !ok {
		m.last[name] = rateSample{at: now, seq: seq}
		return 0
	}
	if dt := now.Sub(prev.at).Seconds(); dt >= 1 {
		r := 0.0
		if seq >= prev.seq {
			r = float64(seq-prev.seq) / dt
		}
		m.last[name] = rateSample{at: now, seq: seq, rate: r}
		return r
	}
	return prev.rate
}
