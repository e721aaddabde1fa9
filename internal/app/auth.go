package app

import (
	"context"
	"crypto/rand"
	"encoding/json"
	"fmt"
	"log/slog"
	"math/big"
	"net"
	"strings"

	"github.com/trilink/trilink/internal/auth"
	"github.com/trilink/trilink/internal/hotline/audit"
	"github.com/trilink/trilink/internal/nation"
	"github.com/trilink/trilink/internal/share"
)

// demoRole is the console role of each demo hotline member.
func demoRole(suffix string) auth.Role {
	switch suffix {
	case "leader":
		return auth.RoleLeader
	case "ops", "ops-deputy":
		return auth.RoleWatch
	}
	return auth.RoleOfficial
}

// DemoLogins describes the demo's accounts: every one shares Password,
// made afresh at each start and valid only from loopback.
type DemoLogins struct {
	Password string
	Users    []string
	Port     string // of the console, for the passkey hint
}

// demoAuth makes the demo's users: per nation each hotline member of the
// roster (leader, officials, watch officers), an observer and an admin.
// Passkeys work at http://localhost:<port> (WebAuthn refuses IP
// addresses as relying party ids).
func demoAuth(ln net.Addr, keeper *auditKeeper, onDisable func(auth.User), log *slog.Logger) (*auth.Service, DemoLogins, error) {
	pw, err := demoPassword()
	if err != nil {
		return nil, DemoLogins{}, err
	}
	// One hash for all: the accounts share the password, and 30 argon2id
	// hashes would cost the demo's start ~2 s.
	hash, err := auth.HashPassword(pw)
	if err != nil {
		return nil, DemoLogins{}, err
	}
	users := auth.NewUsers()
	var names []string
	for _, n := range share.Nations {
		for _, r := range demoRoster {
			id := n.String() + "-" + r.suffix
			names = append(names, id)
			if err := users.AddHashed(auth.User{Name: id, Display: n.Upper() + " " + r.names[n-nation.JP], Nation: n,
				Role: demoRole(r.suffix), Member: id, Hash: hash}); err != nil {
				return nil, DemoLogins{}, err
			}
		}
		for _, x := range []struct {
			name    string
			role    auth.Role
			display string
		}{{"observer", auth.RoleObserver, "Observer"}, {"admin", auth.RoleAdmin, "Administrator"}} {
			id := n.String() + "-" + x.name
			names = append(names, id)
			if err := users.AddHashed(auth.User{Name: id, Display: n.Upper() + " " + x.display, Nation: n, Role: x.role, Hash: hash}); err != nil {
				return nil, DemoLogins{}, err
			}
		}
	}
	_, port, _ := net.SplitHostPort(ln.String())
	svc, err := auth.New(auth.Config{Users: users, LoopbackOnly: true, Audit: securityAudit(users.Get, keeper, nation.NationUnknown, log), OnDisable: onDisable,
		RPID: "localhost", RPOrigins: []string{"http://localhost:" + port, "https://localhost:" + port}})
	if err != nil {
		return nil, DemoLogins{}, err
	}
	return svc, DemoLogins{Password: pw, Users: names, Port: port}, nil
}

// demoPassword is 4 groups of 5 letters and digits without look-alikes:
// about 103 bits, easy to type from the terminal.
func demoPassword() (string, error) {
	const alphabet = "abcdefghjkmnpqrstuvwxyz23456789"
	var b strings.Builder
	for i := 0; i < 20; i++ {
		if i > 0 && i%5 == 0 {
			b.WriteByte('-')
		}
		v, err := rand.Int(rand.Reader, big.NewInt(int64(len(alphabet))))
		if err != nil {
			return "", err
		}
		b.WriteByte(alphabet[v.Int64()])
	}
	return b.String(), nil
}

// securityAudit returns the sink of auth events: the log, and the user's
// nation's Merkle audit log (keeper may be nil). Events of names that are
// no account (failed sign-ins with a made-up name) go to home's log: the
// nation whose node was tried; home is NationUnknown in the demo, which
// serves all three, and such events are then only logged.
func securityAudit(users func(string) (auth.User, bool), keeper *auditKeeper, home nation.Nation, log *slog.Logger) func(auth.Event) {
	return func(e auth.Event) {
		lvl := slog.LevelInfo
		if strings.HasSuffix(e.Action, "failed") || strings.Contains(e.Action, "warning") {
			lvl = slog.LevelWarn
		}
		log.Log(context.Background(), lvl, "security", "action", e.Action, "user", e.User, "actor", e.Actor, "remote", e.Remote, "detail", e.Detail)
		if keeper == nil {
			return
		}
		n := nation.NationUnknown
		if u, ok := users(e.User); ok {
			n = u.Nation
		} else if a, ok := users(e.Actor); ok {
			n = a.Nation
		}
		if !n.Valid() {
			n = home
		}
		if !n.Valid() {
			return // an unknown name on the demo: logged above, no one nation's log to hold it
		}
		b, _ := json.Marshal(e)
		keeper.Append(n, audit.KindSecurity, n, e.Time, e.Action+":"+e.User, b)
	}
}

// String is the demo's start-up note about its accounts.
func (l DemoLogins) String() string {
	var b strings.Builder
	fmt.Fprintf(&b, "sign in from this machine with password %s as any of these %d accounts:\n", l.Password, len(l.Users))
	line := " "
	for _, u := range l.Users {
		if len(line)+len(u) > 96 {
			b.WriteString(line + "\n")
			line = " "
		}
		line += " " + u
	}
	b.WriteString(line + "\n")
	fmt.Fprintf(&b, "leaders and officials may enrol a passkey at http://localhost:%s/ (the accounts last until the demo stops)\n", l.Port)
	return b.String()
}
