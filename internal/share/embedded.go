package share

import (
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/nats-io/nats-server/v2/server"
	"github.com/nats-io/nats.go"
)

// Server is one running embedded nats-server of a nation.
type Server struct {
	Nation Nation
	*server.Server
	spec *NationSpec
}

// StartServer generates the configuration of server i of nation n, starts it
// inside this process and waits until it accepts connections. The caller
// owns the server and must call Shutdown.
func StartServer(f *Federation, n Nation, i int, logger *slog.Logger) (*Server, error) {
	conf, err := f.ServerConfig(n, i)
	if err != nil {
		return nil, err
	}
	opts := &server.Options{}
	if err := opts.ProcessConfigString(conf); err != nil {
		return nil, fmt.Errorf("share: %s generated config does not parse: %w", n, err)
	}
	opts.NoSigs = true
	spec := f.Spec(n)
	if err := os.MkdirAll(spec.Servers[i].StoreDir, 0o700); err != nil {
		return nil, fmt.Errorf("share: %s store dir: %w", n, err)
	}
	s, err := server.NewServer(opts)
	if err != nil {
		return nil, fmt.Errorf("share: %s server: %w", n, err)
	}
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	nl := &natsLogger{l: logger.With("nation", n.String(), "server", spec.Servers[i].Name), fatal: make(chan string, 1)}
	s.SetLoggerV2(nl, false, false, false)
	s.Start()
	deadline := time.Now().Add(10 * time.Second)
	for !s.ReadyForConnections(100 * time.Millisecond) {
		select {
		case msg := <-nl.fatal:
			s.Shutdown()
			if strings.Contains(msg, "listen") {
				return nil, fmt.Errorf("share: %s server %s: %w: %s", n, spec.Servers[i].Name, ErrListen, msg)
			}
			return nil, fmt.Errorf("share: %s server %s: %s", n, spec.Servers[i].Name, msg)
		default:
		}
		if time.Now().After(deadline) {
			s.Shutdown()
			return nil, fmt.Errorf("share: %s server not ready within 10s", n)
		}
	}
	return &Server{Nation: n, Server: s, spec: spec}, nil
}

// ErrListen means a server could not bind one of its ports — on loopback,
// usually because another process took a port between FreePorts and the
// bind. Callers that picked the ports themselves pick again and retry.
var ErrListen = errors.New("cannot listen")

// ConnectApp opens an in-process connection (no TCP) as the nation's
// application user.
func (s *Server) ConnectApp(opts ...nats.Option) (*nats.Conn, error) {
	base := []nats.Option{
		nats.InProcessServer(s.Server),
		nats.UserInfo(AppUserName(s.Nation), s.spec.AppPassword),
		nats.Name(s.Nation.String() + "-app"),
		nats.MaxReconnects(-1),
	}
	return nats.Connect("", append(base, opts...)...)
}

// LeafConnected reports whether the leaf link with partner p is connected on this server.
func (s *Server) LeafConnected(p Nation) bool {
	lz, err := s.Leafz(&server.LeafzOptions{Account: p.BorderAccount()})
	if err != nil {
		return false
	}
	return lz.NumLeafs > 0
}

// Stop shuts the server down and waits for it.
func (s *Server) Stop() {
	s.Shutdown()
	s.WaitForShutdown()
}

// LoopbackFederation describes the three nations on this machine: one
// embedded server each, on free loopback ports, storing under dataDir/<n>,
// with fresh random passwords. It is the demo's and the tests' federation.
func LoopbackFederation(dataDir string) (*Federation, error) {
	f := &Federation{HashPasswords: true}
	leafPass := map[[2]Nation]string{}
	for _, l := range DefaultLinks(Nations) {
		leafPass[[2]Nation{l.From, l.To}] = RandomSecret()
	}
	for _, n := range Nations {
		ports, err := FreePorts(2)
		if err != nil {
			return nil, err
		}
		spec := NationSpec{
			Nation: n,
			Servers: []ServerSpec{{
				Name: n.String() + "-1", Host: "127.0.0.1",
				ClientPort: ports[0], LeafPort: ports[1],
				StoreDir: filepath.Join(dataDir, n.String()),
			}},
			LeafURLs:      []string{fmt.Sprintf("nats-leaf://127.0.0.1:%d", ports[1])},
			AppPassword:   RandomSecret(),
			SysPassword:   RandomSecret(),
			LeafPasswords: map[Nation]string{},
		}
		for pair, pw := range leafPass {
			if pair[0] == n {
				spec.LeafPasswords[pair[1]] = pw
			}
			if pair[1] == n {
				spec.LeafPasswords[pair[0]] = pw
			}
		}
		f.Nations = append(f.Nations, spec)
	}
	return f, nil
}

// FreePorts returns n distinct free TCP ports on 127.0.0.1.
func FreePorts(n int) ([]int, error) {
	var ls []net.Listener
	defer func() {
		for _, l := range ls {
			l.Close()
		}
	}()
	var out []int
	for range n {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			return nil, fmt.Errorf("share: free port: %w", err)
		}
		ls = append(ls, l)
		out = append(out, l.Addr().(*net.TCPAddr).Port)
	}
	return out, nil
}

// RandomSecret returns a fresh random password.
func RandomSecret() string {
	b := make([]byte, 18)
	if _, err := rand.Read(b); err != nil {
		panic(err) // crypto/rand never fails on Linux
	}
	return hex.EncodeToString(b)
}

// natsLogger adapts nats-server logging to slog. Notices become Debug: the
// server is chatty at start-up, and our own logs say what matters.
type natsLogger struct {
	l     *slog.Logger
	fatal chan string // the first fatal message, for StartServer
}

func (n *natsLogger) Noticef(format string, v ...any) { n.l.Debug(fmt.Sprintf(format, v...)) }
func (n *natsLogger) Warnf(format string, v ...any) {
	msg := fmt.Sprintf(format, v...)
	// Kick re-adds a source on purpose; the server then rescans its store
	// for the source's position and says so. Expected, so not a warning.
	if strings.Contains(msg, "Sourcing state is outdated") {
		n.l.Debug(msg)
		return
	}
	n.l.Warn(msg)
}
func (n *natsLogger) Fatalf(format string, v ...any) {
	msg := fmt.Sprintf(format, v...)
	n.l.Error(msg)
	select {
	case n.fatal <- msg:
	default:
	}
}
func (n *natsLogger) Errorf(format string, v ...any) { n.l.Error(fmt.Sprintf(format, v...)) }
func (n *natsLogger) Debugf(format string, v ...any) {}
func (n *natsLogger) Tracef(format string, v ...any) {}
