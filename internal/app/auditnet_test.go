package app

import (
	"context"
	"fmt"
	"log/slog"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/trilink/trilink/internal/auth"
	"github.com/trilink/trilink/internal/hotline/audit"
	"github.com/trilink/trilink/internal/nation"
	"github.com/trilink/trilink/internal/share/sharetest"
)

// auditNodes runs a keeper and its auditNet per nation on a test
// federation, with a shared keys directory.
func auditNodes(t *testing.T, keys string) (map[nation.Nation]*auditKeeper, map[nation.Nation]*auditNet, func(nation.Nation, bool)) {
	t.Helper()
	fed := sharetest.Start(t, sharetest.Options{})
	keepers, nets := map[nation.Nation]*auditKeeper{}, map[nation.Nation]*auditNet{}
	ctx, cancel := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	cancels := map[nation.Nation]context.CancelFunc{}
	t.Cleanup(func() {
		cancel()
		wg.Wait()
		for _, k := range keepers {
			k.Close()
		}
	})
	start := func(n nation.Nation, dir string) {
		k, err := openAuditOf(dir, keys, []nation.Nation{n})
		if err != nil {
			t.Fatal(err)
		}
		an := newAuditNet(n, k, fed.Conns[n], slog.New(slog.DiscardHandler))
		an.every = 100 * time.Millisecond
		keepers[n], nets[n] = k, an
		c, stop := context.WithCancel(ctx)
		cancels[n] = stop
		wg.Add(1)
		go func() { defer wg.Done(); _ = an.Run(c) }()
	}
	base := t.TempDir()
	auditKeys(t, keys)
	for _, n := range nation.Nations {
		start(n, filepath.Join(base, n.String()))
	}
	// restart stops n's keeper and starts it again on its log directory,
	// or (forged) on an empty one: a keeper that rewrote its history.
	restart := func(n nation.Nation, forged bool) {
		cancels[n]()
		keepers[n].Close()
		dir := filepath.Join(base, n.String())
		if forged {
			dir += "-forged"
		}
		start(n, dir)
	}
	return keepers, nets, restart
}

// auditKeys makes the three nations' audit key pairs in dir.
func auditKeys(t *testing.T, dir string) {
	t.Helper()
	for _, n := range nation.Nations {
		if err := makeAuditKey(dir, n); err != nil {
			t.Fatal(err)
		}
	}
}

func appendN(k *auditKeeper, n nation.Nation, count int, what string) {
	for i := range count {
		b := fmt.Appendf(nil, "%s %d", what, i)
		k.Append(n, audit.KindMessage, n, time.Unix(1700000000+int64(i), 0), fmt.Sprintf("%s-%d", what, i), b)
	}
}

func TestAuditNetWitnesses(t *testing.T) {
	keys := t.TempDir()
	keepers, nets, restart := auditNodes(t, keys)
	for _, n := range nation.Nations {
		appendN(keepers[n], n, 5, "first")
	}
	witnessed := func(n nation.Nation, size uint64) bool {
		cos, _ := nets[n].Status()
		for _, w := range n.Partners() {
			if cos[w] != size {
				return false
			}
		}
		return true
	}
	sharetest.Eventually(t, 10*time.Second, "every log cosigned by both partners at 5", func() bool {
		return witnessed(nation.JP, 5) && witnessed(nation.KR, 5) && witnessed(nation.US, 5)
	})
	// Growth is witnessed with consistency proofs from 5.
	appendN(keepers[nation.JP], nation.JP, 4, "second")
	sharetest.Eventually(t, 10*time.Second, "jp cosigned at 9", func() bool { return witnessed(nation.JP, 9) })

	// jp restarts, knowing nothing of what its partners cosigned: they tell
	// it, and witness its growth again — without calling it a fork.
	restart(nation.JP, false)
	appendN(keepers[nation.JP], nation.JP, 2, "third")
	sharetest.Eventually(t, 10*time.Second, "jp cosigned at 11 after its restart", func() bool { return witnessed(nation.JP, 11) })
	for _, w := range nation.JP.Partners() {
		if _, refused := nets[w].Status(); refused[nation.JP] != 0 {
			t.Errorf("%s counted a fork of jp's honest restart", w)
		}
	}

	// jp shows another history of more entries: both partners refuse it,
	// and say so in their metrics.
	restart(nation.JP, true)
	appendN(keepers[nation.JP], nation.JP, 14, "forged")
	sharetest.Eventually(t, 10*time.Second, "kr and us refuse jp's forged log", func() bool {
		_, krRefused := nets[nation.KR].Status()
		_, usRefused := nets[nation.US].Status()
		return krRefused[nation.JP] > 0 && usRefused[nation.JP] > 0
	})
	time.Sleep(300 * time.Millisecond)
	if cos, _ := nets[nation.JP].Status(); cos[nation.KR] != 0 || cos[nation.US] != 0 {
		t.Errorf("the forged log got cosignatures: %v", cos)
	}
}

func FuzzAuditMessages(f *testing.F) {
	f.Add([]byte(`{"checkpoint":"trilink/jp/audit\n5\nAAAA\n\n— trilink-jp x\n","proofs":{"kr":["AAAA"]}}`))
	f.Add([]byte(`{"cosigned":"x","last_size":3}`))
	f.Add([]byte(`{"error":"fork","last_size":9}`))
	f.Add([]byte(`{"proofs":{"xx":[]}}`))
	f.Fuzz(func(t *testing.T, b []byte) {
		if m, err := parseAuditCheckpoint(b); err == nil && m.Checkpoint == "" {
			t.Fatal("an empty checkpoint accepted")
		}
		if m, err := parseAuditCosign(b); err == nil && (m.Cosigned == "") == (m.Error == "") {
			t.Fatal("a cosign answer with both or neither accepted")
		}
	})
}

// A keeper reopened on its log records what a restart replays only once.
func TestAuditKeeperRecordsOnce(t *testing.T) {
	dir := t.TempDir()
	auditKeys(t, dir)
	k, err := openAuditOf(dir, dir, []nation.Nation{nation.KR})
	if err != nil {
		t.Fatal(err)
	}
	appendN(k, nation.KR, 3, "m")
	appendN(k, nation.KR, 3, "m")
	if got := k.Size(nation.KR); got != 3 {
		t.Fatalf("size %d after the same 3 entries twice, want 3", got)
	}
	k.Close()
	k, err = openAuditOf(dir, dir, []nation.Nation{nation.KR})
	if err != nil {
		t.Fatal(err)
	}
	defer k.Close()
	appendN(k, nation.KR, 4, "m") // 3 replayed, 1 new
	if got := k.Size(nation.KR); got != 4 {
		t.Fatalf("size %d after reopening and replaying, want 4", got)
	}
	k.Append(nation.KR, audit.KindSecurity, nation.KR, time.Unix(1700000000, 1), "login:kr-ops", []byte("a"))
	k.Append(nation.KR, audit.KindSecurity, nation.KR, time.Unix(1700000000, 2), "login:kr-ops", []byte("a"))
	if got := k.Size(nation.KR); got != 6 {
		t.Fatalf("two events at different times recorded as one: size %d, want 6", got)
	}
}

// A failed sign-in with a name that is no account is a security event of
// the nation whose node was tried: it goes into that nation's log. The
// demo, serving all three, only logs it.
func TestUnknownNameAudited(t *testing.T) {
	dir := t.TempDir()
	auditKeys(t, dir)
	k, err := openAuditOf(dir, dir, []nation.Nation{nation.KR})
	if err != nil {
		t.Fatal(err)
	}
	defer k.Close()
	none := func(string) (auth.User, bool) { return auth.User{}, false }
	ev := auth.Event{Action: "login-failed", User: "mallory", Remote: "192.0.2.7", Time: time.Unix(1700000000, 0)}
	securityAudit(none, k, nation.NationUnknown, slog.New(slog.DiscardHandler))(ev)
	if got := k.Size(nation.KR); got != 0 {
		t.Fatalf("the demo's sink recorded an unknown name: size %d", got)
	}
	securityAudit(none, k, nation.KR, slog.New(slog.DiscardHandler))(ev)
	if got := k.Size(nation.KR); got != 1 {
		t.Fatalf("kr's node did not record a failed sign-in as mallory: size %d", got)
	}
	e, err := k.logs[nation.KR].Entry(0)
	if err != nil || e.Kind != audit.KindSecurity || e.Ref != "login-failed:mallory" {
		t.Fatalf("entry %+v, %v", e, err)
	}
}
