package app

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/trilink/trilink/internal/hotline/audit"
	"github.com/trilink/trilink/internal/nation"
)

// auditNet has a node's audit log witnessed by the partners' nodes over
// the backbone, and witnesses theirs. Every round (auditEvery) the keeper
// signs a checkpoint of its log if any partner has not cosigned its
// current size, and publishes it on shared.<k>.audit.checkpoint with, for
// each witness, the consistency proof from the size that witness last
// cosigned. A witness answers on shared.<w>.audit.cosign.<k>: the
// checkpoint with its cosignature, or why not and the size it last
// cosigned, from which the next round's proof starts (after a keeper's
// restart, say). A keeper that shows two histories is refused by every
// witness (audit.ErrFork), logged and counted.
//
// The messages ride on released subjects that the border accounts already
// export to the partners; a lost message costs a round.
type auditNet struct {
	me    nation.Nation
	a     *auditKeeper // holds me's log and me's witness
	nc    *nats.Conn
	log   *slog.Logger
	every time.Duration

	mu       sync.Mutex
	refused  map[nation.Nation]int    // forks refused, by keeper
	cosigned map[nation.Nation]uint64 // size the witness last cosigned, by witness
}

// auditEvery is how often a node offers its checkpoint to its partners.
const auditEvery = 5 * time.Second

// auditCheckpointMsg is a keeper's checkpoint for its partners' witnesses.
type auditCheckpointMsg struct {
	Checkpoint string              `json:"checkpoint"`       // the signed note
	Proofs     map[string][][]byte `json:"proofs,omitempty"` // by witness nation
}

// auditCosignMsg is a witness's answer.
type auditCosignMsg struct {
	Cosigned string `json:"cosigned,omitempty"` // the note with the witness's signature
	Error    string `json:"error,omitempty"`
	LastSize uint64 `json:"last_size"` // the size the witness last cosigned
}

func newAuditNet(me nation.Nation, a *auditKeeper, nc *nats.Conn, log *slog.Logger) *auditNet {
	return &auditNet{me: me, a: a, nc: nc, log: log, every: auditEvery, refused: map[nation.Nation]int{}, cosigned: map[nation.Nation]uint64{}}
}

func auditCheckpointSubject(k nation.Nation) string {
	return "shared." + k.String() + ".audit.checkpoint"
}
func auditCosignSubject(w, k nation.Nation) string {
	return "shared." + w.String() + ".audit.cosign." + k.String()
}

// Run witnesses the partners and offers checkpoints until ctx ends.
func (an *auditNet) Run(ctx context.Context) error {
	var subs []*nats.Subscription
	defer func() {
		for _, s := range subs {
			_ = s.Unsubscribe()
		}
	}()
	for _, sub := range []struct {
		subj string
		f    nats.MsgHandler
	}{
		{"shared.*.audit.checkpoint", an.onCheckpoint},
		{"shared.*.audit.cosign." + an.me.String(), an.onCosign},
	} {
		s, err := an.nc.Subscribe(sub.subj, sub.f)
		if err != nil {
			return fmt.Errorf("audit: subscribe %s: %w", sub.subj, err)
		}
		subs = append(subs, s)
	}
	t := time.NewTicker(an.every)
	defer t.Stop()
	for {
		an.round()
		select {
		case <-ctx.Done():
			return nil
		case <-t.C:
		}
	}
}

// round offers the current checkpoint to every partner that has not
// cosigned it.
func (an *auditNet) round() {
	cp, proofs, err := an.a.offer(an.me)
	if err != nil {
		an.log.Error("audit checkpoint", "err", err)
		return
	}
	if cp == nil {
		return // every partner has cosigned the current size
	}
	m := auditCheckpointMsg{Checkpoint: string(cp), Proofs: map[string][][]byte{}}
	for w, p := range proofs {
		m.Proofs[w.String()] = p
	}
	b, err := json.Marshal(m)
	if err != nil {
		an.log.Error("audit checkpoint", "err", err)
		return
	}
	if err := an.nc.Publish(auditCheckpointSubject(an.me), b); err != nil {
		an.log.Warn("audit checkpoint not offered", "err", err)
	}
}

// parseAuditCheckpoint decodes a keeper's checkpoint message.
func parseAuditCheckpoint(b []byte) (auditCheckpointMsg, error) {
	var m auditCheckpointMsg
	d := json.NewDecoder(strings.NewReader(string(b)))
	d.DisallowUnknownFields()
	if err := d.Decode(&m); err != nil {
		return m, fmt.Errorf("audit checkpoint message: %w", err)
	}
	if m.Checkpoint == "" {
		return m, errors.New("audit checkpoint message: checkpoint: empty")
	}
	for w := range m.Proofs {
		if _, err := nation.Parse(w); err != nil {
			return m, fmt.Errorf("audit checkpoint message: proofs: %w", err)
		}
	}
	return m, nil
}

// parseAuditCosign decodes a witness's answer.
func parseAuditCosign(b []byte) (auditCosignMsg, error) {
	var m auditCosignMsg
	d := json.NewDecoder(strings.NewReader(string(b)))
	d.DisallowUnknownFields()
	if err := d.Decode(&m); err != nil {
		return m, fmt.Errorf("audit cosign message: %w", err)
	}
	if (m.Cosigned == "") == (m.Error == "") {
		return m, errors.New("audit cosign message: want exactly one of cosigned and error")
	}
	return m, nil
}

// onCheckpoint witnesses a partner's checkpoint.
func (an *auditNet) onCheckpoint(msg *nats.Msg) {
	k, ok := nation.OfShared(msg.Subject)
	if !ok || k == an.me {
		return
	}
	m, err := parseAuditCheckpoint(msg.Data)
	if err != nil {
		an.log.Warn("audit: bad checkpoint from a partner", "from", k.String(), "err", err)
		return
	}
	w := an.a.witnesses[an.me]
	if w == nil {
		return
	}
	var ans auditCosignMsg
	lastSize := cosignedSize(w, k)
	proof := m.Proofs[an.me.String()]
	cp, perr := audit.ParseCheckpoint(checkpointText([]byte(m.Checkpoint)))
	if perr == nil && lastSize > 0 && cp.Size > lastSize && len(proof) == 0 {
		// A keeper that restarted does not know what we cosigned: tell it,
		// and the next round brings the proof. Not a fork (yet).
		ans.Error, ans.LastSize = fmt.Sprintf("a consistency proof from size %d is needed", lastSize), lastSize
		an.answer(k, ans)
		return
	}
	cos, err := w.Cosign([]byte(m.Checkpoint), proof)
	if err != nil {
		ans.Error = err.Error()
		if errors.Is(err, audit.ErrFork) {
			an.mu.Lock()
			an.refused[k]++
			an.mu.Unlock()
			an.log.Error("audit: a partner's checkpoint is not consistent with what we cosigned", "keeper", k.String(), "err", err)
		} else {
			an.log.Warn("audit: partner's checkpoint not cosigned", "keeper", k.String(), "err", err)
		}
	} else {
		ans.Cosigned = string(cos)
	}
	ans.LastSize = cosignedSize(w, k) // after this cosignature, if any
	an.answer(k, ans)
}

// cosignedSize is the size of keeper k's log that witness w last cosigned.
func cosignedSize(w *audit.Witness, k nation.Nation) uint64 {
	if last := w.Last(k); last != nil {
		if cp, err := audit.ParseCheckpoint(checkpointText(last)); err == nil {
			return cp.Size
		}
	}
	return 0
}

// answer sends our answer to keeper k's checkpoint.
func (an *auditNet) answer(k nation.Nation, ans auditCosignMsg) {
	b, _ := json.Marshal(ans)
	if err := an.nc.Publish(auditCosignSubject(an.me, k), b); err != nil {
		an.log.Warn("audit: cosignature not sent", "keeper", k.String(), "err", err)
	}
}

// onCosign takes a partner's cosignature of our checkpoint.
func (an *auditNet) onCosign(msg *nats.Msg) {
	w, ok := nation.OfShared(msg.Subject)
	if !ok || w == an.me {
		return
	}
	m, err := parseAuditCosign(msg.Data)
	if err != nil {
		an.log.Warn("audit: bad answer from a witness", "witness", w.String(), "err", err)
		return
	}
	if m.Error != "" {
		an.log.Info("audit: witness did not cosign our checkpoint", "witness", w.String(), "err", m.Error, "last_size", m.LastSize)
		an.a.witnessedAt(w, an.me, m.LastSize)
		return
	}
	size, err := an.a.addCosignature(w, an.me, []byte(m.Cosigned))
	if err != nil {
		an.log.Warn("audit: cosignature not taken", "witness", w.String(), "err", err)
		return
	}
	an.mu.Lock()
	an.cosigned[w] = size
	an.mu.Unlock()
}

// checkpointText is the text of a checkpoint note, without signatures.
func checkpointText(note []byte) string {
	body, _, _ := strings.Cut(string(note), "\n\n")
	return body + "\n"
}

// Status returns, per witness, the size of our log it last cosigned, and
// the number of forks refused per keeper.
func (an *auditNet) Status() (cosigned map[nation.Nation]uint64, refused map[nation.Nation]int) {
	an.mu.Lock()
	defer an.mu.Unlock()
	cosigned, refused = map[nation.Nation]uint64{}, map[nation.Nation]int{}
	for k, v := range an.cosigned {
		cosigned[k] = v
	}
	for k, v := range an.refused {
		refused[k] = v
	}
	return cosigned, refused
}

var (
	descAuditEntries = prometheus.NewDesc("trilink_audit_entries", "Entries in the nation's audit log.", []string{"nation"}, nil)
	descAuditCosign  = prometheus.NewDesc("trilink_audit_cosigned_entries", "Size of the nation's audit log that a partner's node last cosigned.", []string{"nation", "witness"}, nil)
	descAuditForks   = prometheus.NewDesc("trilink_audit_forks_refused_total", "Partners' checkpoints refused as inconsistent with what this node cosigned before (a keeper showing two histories).", []string{"keeper"}, nil)
)

// auditCollector exports a node's audit log and witnessing.
type auditCollector struct {
	a  *auditKeeper
	an *auditNet
}

func (c *auditCollector) Describe(ch chan<- *prometheus.Desc) {
	ch <- descAuditEntries
	ch <- descAuditCosign
	ch <- descAuditForks
}

func (c *auditCollector) Collect(ch chan<- prometheus.Metric) {
	me := c.an.me
	ch <- prometheus.MustNewConstMetric(descAuditEntries, prometheus.GaugeValue, float64(c.a.Size(me)), me.String())
	cosigned, refused := c.an.Status()
	for _, w := range me.Partners() {
		ch <- prometheus.MustNewConstMetric(descAuditCosign, prometheus.GaugeValue, float64(cosigned[w]), me.String(), w.String())
		ch <- prometheus.MustNewConstMetric(descAuditForks, prometheus.CounterValue, float64(refused[w]), w.String())
	}
}
