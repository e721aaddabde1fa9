package resilience_test

import (
	"context"
	"fmt"
	"os/exec"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/trilink/trilink/internal/resilience"
	"github.com/trilink/trilink/internal/sensor"
	"github.com/trilink/trilink/internal/share"
)

// auditFigures reads, from nation n's /metrics, its audit log's size and
// the size each partner's node last cosigned.
func auditFigures(ctx context.Context, c *resilience.Cluster, n share.Nation) (entries uint64, cosigned map[string]uint64, err error) {
	b, err := c.Metrics(ctx, n)
	if err != nil {
		return 0, nil, err
	}
	cosigned = map[string]uint64{}
	for l := range strings.Lines(string(b)) {
		name, val, ok := strings.Cut(strings.TrimSpace(l), " ")
		if !ok {
			continue
		}
		v, _ := strconv.ParseFloat(val, 64)
		switch {
		case strings.HasPrefix(name, "trilink_audit_entries{"):
			entries = uint64(v)
		case strings.HasPrefix(name, "trilink_audit_cosigned_entries{"):
			_, w, _ := strings.Cut(name, `witness="`)
			w, _, _ = strings.Cut(w, `"`)
			cosigned[w] = uint64(v)
		}
	}
	return entries, cosigned, nil
}

// waitWitnessed waits until every nation's audit log is cosigned by both
// partners' nodes up to its current size, and returns the sizes.
func waitWitnessed(t *testing.T, c *resilience.Cluster, min map[share.Nation]uint64) map[share.Nation]uint64 {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	var last string
	for {
		sizes := map[share.Nation]uint64{}
		done := true
		var state []string
		for _, n := range share.Nations {
			e, cos, err := auditFigures(ctx, c, n)
			if err != nil {
				done = false
				state = append(state, fmt.Sprintf("%s: %v", n, err))
				continue
			}
			sizes[n] = e
			state = append(state, fmt.Sprintf("%s %d entries, cosigned %v", n, e, cos))
			if e < max(min[n], 1) {
				done = false
			}
			for _, w := range n.Partners() {
				if cos[w.String()] != e {
					done = false
				}
			}
		}
		last = strings.Join(state, "; ")
		if done {
			t.Logf("witnessed: %s", last)
			return sizes
		}
		select {
		case <-ctx.Done():
			t.Fatalf("audit logs not witnessed by both partners within 60 s: %s", last)
		case <-time.After(500 * time.Millisecond):
		}
	}
}

// TestAuditWitnessedAcrossNodes: each node keeps its nation's audit log
// (hotline messages, receipts, alerts, security actions) and the partners'
// node processes cosign its checkpoints over the backbone, checking each
// against the last they cosigned. A keeper killed and restarted — which no
// longer knows what its partners cosigned — is witnessed again once they
// tell it, and every node's log verifies offline with `trilink audit
// verify` afterwards.
func TestAuditWitnessedAcrossNodes(t *testing.T) {
	needBinary(t)
	c := startCluster(t, []sensor.Measurement{{Time: time.Now()}}, 1, time.Hour, resilience.Options{})
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()
	for _, n := range share.Nations {
		if _, err := c.SendHotline(ctx, n, "audit check from "+n.String()); err != nil {
			t.Fatal(err)
		}
	}
	before := waitWitnessed(t, c, nil)
	// kr's node dies and comes back; it sends more.
	if err := c.Kill(share.KR); err != nil {
		t.Fatal(err)
	}
	if err := c.Restart(ctx, share.KR); err != nil {
		t.Fatal(err)
	}
	for range 3 {
		if _, err := c.SendHotline(ctx, share.KR, "after the restart"); err != nil {
			t.Fatal(err)
		}
	}
	after := waitWitnessed(t, c, map[share.Nation]uint64{share.KR: before[share.KR] + 3})
	// The node's status says the same, for the console's status page.
	for _, n := range share.Nations {
		var st struct {
			Nations []share.NodeStatus `json:"nations"`
		}
		if _, err := c.Do(ctx, n, "GET", "/api/v1/status", nil, &st); err != nil {
			t.Fatal(err)
		}
		if len(st.Nations) != 1 || st.Nations[0].Audit == nil {
			t.Fatalf("%s's status has no audit: %+v", n, st)
		}
		a := st.Nations[0].Audit
		if a.Entries < after[n] || len(a.Witnesses) != 2 {
			t.Errorf("%s's status audit %+v, want at least %d entries and two witnesses", n, a, after[n])
		}
		for _, w := range a.Witnesses {
			if w.Cosigned == 0 || w.ForksRefused != 0 {
				t.Errorf("%s's status: witness %+v", n, w)
			}
		}
	}
	if after[share.KR] <= before[share.KR] {
		t.Errorf("kr's log did not grow across the restart: %d then %d", before[share.KR], after[share.KR])
	}
	// kr's restart replays its hotline stream: what was recorded before is
	// not recorded again, so kr's log grows like jp's (which saw the same
	// traffic) plus kr's own few security events of the restart.
	if kr, jp := after[share.KR]-before[share.KR], after[share.JP]-before[share.JP]; kr > jp+5 {
		t.Errorf("kr's log grew by %d across its restart, jp's by %d: entries recorded twice", kr, jp)
	}
	c.Close()
	for _, n := range share.Nations {
		out, err := exec.Command(binary, "audit", "verify", "--data", c.DataDir(n), "--keys", c.AuditKeysDir(n)).CombinedOutput()
		if err != nil || !strings.Contains(string(out), ": OK") {
			t.Errorf("trilink audit verify of %s's node: %v\n%s", n, err, out)
			continue
		}
		t.Logf("%s", strings.TrimSpace(string(out)))
	}
}

// TestUsersFileChangesTakeEffect: `trilink user disable` on a running
// node's users file cuts the user off within seconds — their session ends
// and they cannot sign in again — without a restart.
func TestUsersFileChangesTakeEffect(t *testing.T) {
	needBinary(t)
	c := startCluster(t, []sensor.Measurement{{Time: time.Now()}}, 1, time.Hour, resilience.Options{})
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	if _, err := c.Do(ctx, share.US, "GET", "/api/v1/rooms", nil, nil); err != nil {
		t.Fatalf("us-ops before: %v", err)
	}
	out, err := exec.Command(binary, "user", "disable", "--users", c.UsersFile(share.US), "--name", "us-ops").CombinedOutput()
	if err != nil {
		t.Fatalf("trilink user disable: %v\n%s", err, out)
	}
	start := time.Now()
	for {
		_, err := c.Do(ctx, share.US, "GET", "/api/v1/rooms", nil, nil)
		if err != nil {
			t.Logf("us-ops cut off %v after the file changed: %v", time.Since(start).Round(100*time.Millisecond), err)
			break
		}
		if time.Since(start) > 10*time.Second {
			t.Fatal("us-ops still served 10 s after being disabled in the users file")
		}
		time.Sleep(200 * time.Millisecond)
	}
	// The other nations' operations centres are untouched.
	if _, err := c.Do(ctx, share.JP, "GET", "/api/v1/rooms", nil, nil); err != nil {
		t.Errorf("jp-ops after us-ops was disabled: %v", err)
	}
}
