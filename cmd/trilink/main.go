// Command trilink is the trilateral missile-warning exchange and hotline:
// one binary for the demo, a nation's node, the simulator and the tools.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"strings"
	"syscall"

	"github.com/trilink/trilink/internal/app"
)

const usage = `usage: trilink <command> [flags]

commands:
  demo       all three nations in one process on embedded NATS, with the console
  node       one nation's node against its own NATS (embedded or an external cluster)
  sim        simulate sensors and publish their measurements
  analyze    offline: simulate, fuse, estimate, warn; print each event
  export     offline: one event of a scenario as KML, CZML or GeoJSON
  scenarios  list the built-in scenarios
  pki        certificate authorities and certificates per nation
  user       accounts of a node (add, list, disable, enable, passwd)
  audit      verify the hotline/alert Merkle log; make a nation's audit key pair (keygen)
  hotline    make a nation's member devices' keys for its node (keygen)
  bench      print performance figures (backbone, sim, warn, estimator, hotline, cot, calls, e2e)
  version    print the version

Run 'trilink <command> -h' for the command's flags.
`

func main() {
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

func run(args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 {
		fmt.Fprint(stderr, usage)
		return 2
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	cmd, args := args[0], args[1:]
	fs := flag.NewFlagSet("trilink "+cmd, flag.ContinueOnError)
	fs.SetOutput(stderr)
	logLevel := fs.String("log-level", "info", "log level: debug, info, warn, error")
	logJSON := fs.Bool("log-json", false, "log as JSON (for production) instead of text")
	var exec func(*slog.Logger) error
	if (cmd == "audit" || cmd == "hotline") && len(args) > 0 && !strings.HasPrefix(args[0], "-") {
		// "verify" may come before or after the flags.
		args = append(args[1:], args[0])
	}
	switch cmd {
	case "demo":
		var c app.DemoConfig
		fs.StringVar(&c.HTTP, "http", "127.0.0.1:8080", "console listen address")
		fs.StringVar(&c.DataDir, "data", app.DefaultDataDir(), "state directory (streams survive restarts)")
		fs.StringVar(&c.Scenario, "scenario", "2022-10-04-irbm-overflight", "scenario to replay in a loop: a built-in name (trilink scenarios) or a file; \"\" for none")
		fs.Float64Var(&c.Speed, "speed", 1, "replay speed")
		fs.StringVar(&c.TAK, "tak", "127.0.0.1:8087", "TAK streaming endpoint (CoT over TCP, protocol v0/v1) for ATAK/WinTAK/iTAK; \"\" for none")
		fs.StringVar(&c.TAKNation, "tak-nation", "jp", "the nation whose picture the TAK endpoint serves")
		fs.BoolVar(&c.TLS, "tls", false, "serve HTTPS with the demo's own certificates (made on first start) and take sensor measurements over mutual TLS")
		exec = func(l *slog.Logger) error { return app.RunDemo(ctx, c, l, stdout) }
	case "node":
		var o app.NodeOptions
		fs.StringVar(&o.Nation, "nation", "", "jp, kr or us")
		fs.StringVar(&o.ConfigFile, "config", "", "node configuration file (YAML)")
		fs.BoolVar(&o.PrintNATSConfig, "print-nats-config", false, "print the nation's production nats-server configuration (3 servers, mTLS leaf links) and exit")
		fs.StringVar(&o.OutDir, "out", "", "with --print-nats-config: write one file per server into this directory")
		exec = func(l *slog.Logger) error { return app.RunNode(ctx, o, l, stdout) }
	case "bench":
		var o app.BenchOptions
		// The benchmark's name may come before or after the flags.
		if len(args) > 0 && !strings.HasPrefix(args[0], "-") {
			o.Name, args = args[0], args[1:]
		}
		fs.BoolVar(&o.JSON, "json", false, "print one JSON object")
		fs.StringVar(&o.Dir, "data", "", "scratch directory (default: a temporary one)")
		fs.IntVar(&o.Seeds, "seeds", 50, "estimator: Monte Carlo runs per scenario")
		fs.Float64Var(&o.Seconds, "seconds", 0, "length of each measured phase (default: backbone 5, hotline 20, e2e 15)")
		fs.StringVar(&o.CPUProfile, "cpuprofile", "", "write a CPU profile of the run to this file")
		fs.BoolVar(&o.XML, "xml", false, "cot: TAK protocol v0 (XML) clients instead of v1 (protobuf)")
		fs.DurationVar(&o.AllHandsEvery, "all-hands-every", 0, "hotline: period of the FLASH to all 500 members (default 2s; negative: none)")
		fs.StringVar(&o.Rates, "rates", "", "e2e: offered loads to try, measurements/s across the nations, comma-separated (default 500,1000,2000,2500,3000,4000,5000,10000,20000)")
		fs.StringVar(&o.Phases, "phases", "", "e2e: phases to run, comma-separated: salvo, sustained, flood (default all)")
		exec = func(l *slog.Logger) error {
			if o.Name == "" && fs.NArg() == 1 {
				o.Name = fs.Arg(0)
			}
			if o.Name == "" || fs.NArg() > 1 || (fs.NArg() == 1 && fs.Arg(0) != o.Name) {
				return &app.UsageError{Err: errors.New("name one benchmark: backbone, sim, warn, estimator, hotline, cot, calls or e2e")}
			}
			return app.RunBench(ctx, o, l, stdout)
		}
	case "sim":
		var o app.SimOptions
		seed := scenarioFlags(fs, &o.Scenario)
		fs.Float64Var(&o.Speed, "speed", 1, "replay speed with --nats")
		fs.StringVar(&o.Out, "out", "", "write measurements as JSON lines to this file (- for stdout)")
		fs.StringVar(&o.NATS, "nats", "", "publish to this nation's NATS (URL) on shared.<n>.meas.<sensor>")
		fs.StringVar(&o.Nation, "nation", "", "with --nats: the nation whose sensors publish there")
		fs.StringVar(&o.User, "user", "", "with --nats: user name (password from $TRILINK_NATS_PASSWORD)")
		fs.BoolVar(&o.Clutter, "clutter", false, "add radar false alarms")
		exec = func(l *slog.Logger) error {
			var err error
			if o.Seed, err = seed(); err != nil {
				return err
			}
			return app.RunSim(ctx, o, l, stdout)
		}
	case "analyze":
		var o app.AnalyzeOptions
		seed := scenarioFlags(fs, &o.Scenario)
		fs.BoolVar(&o.JSON, "json", false, "print JSON (DESIGN §4 schema)")
		exec = func(l *slog.Logger) error {
			var err error
			if o.Seed, err = seed(); err != nil {
				return err
			}
			return app.RunAnalyze(ctx, o, stdout)
		}
	case "export":
		var o app.ExportOptions
		seed := scenarioFlags(fs, &o.Scenario)
		fs.StringVar(&o.Event, "event", "", "event id (default: the scenario's first event)")
		fs.StringVar(&o.Format, "format", "", "kml, czml or geojson")
		fs.StringVar(&o.Nation, "nation", "jp", "whose alerted regions to draw")
		fs.StringVar(&o.Out, "out", "", "output file (default stdout)")
		exec = func(l *slog.Logger) error {
			var err error
			if o.Seed, err = seed(); err != nil {
				return err
			}
			return app.RunExport(ctx, o, stdout)
		}
	case "scenarios":
		asJSON := fs.Bool("json", false, "print JSON")
		exec = func(*slog.Logger) error { return app.RunScenarios(stdout, *asJSON) }
	case "version":
		exec = func(*slog.Logger) error { fmt.Fprintln(stdout, "trilink", app.Version); return nil }
	case "audit":
		dataDir := fs.String("data", app.DefaultDataDir(), "verify: state directory of the demo, or a node's data_dir")
		keysDir := fs.String("keys", "", "verify: the nations' audit public keys (default: beside the logs); keygen: where to write the key pair")
		nationFlag := fs.String("nation", "", "keygen: the nation whose key pair to make")
		exec = func(*slog.Logger) error {
			switch {
			case fs.NArg() == 1 && fs.Arg(0) == "verify":
				return app.VerifyAudit(*dataDir, *keysDir, stdout)
			case fs.NArg() == 1 && fs.Arg(0) == "keygen":
				return app.AuditKeygen(*keysDir, *nationFlag, stdout)
			}
			return &app.UsageError{Err: errors.New("usage: trilink audit verify [--data DIR] [--keys DIR] | trilink audit keygen --keys DIR --nation N")}
		}
	case "hotline":
		keysDir := fs.String("keys", "", "where to write the keys (the node's hotline.keys_dir)")
		nationFlag := fs.String("nation", "", "the nation whose member devices' keys to make")
		exec = func(*slog.Logger) error {
			if fs.NArg() != 1 || fs.Arg(0) != "keygen" {
				return &app.UsageError{Err: errors.New("usage: trilink hotline keygen --keys DIR --nation N")}
			}
			return app.HotlineKeygen(*keysDir, *nationFlag, stdout)
		}
	case "pki":
		// The subcommand parses its own flags.
		pkiArgs := args
		args = nil
		exec = func(*slog.Logger) error { return app.RunPKI(ctx, pkiArgs, stdout) }
	case "user":
		userArgs := args
		args = nil
		exec = func(*slog.Logger) error { return app.RunUser(userArgs, os.Stdin, stdout) }
	case "help", "-h", "--help":
		fmt.Fprint(stdout, usage)
		return 0
	default:
		fmt.Fprintf(stderr, "trilink: unknown command %q\n\n%s", cmd, usage)
		return 2
	}
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return 0
		}
		return 2
	}
	if cmd != "bench" && cmd != "audit" && cmd != "hotline" && fs.NArg() > 0 {
		fmt.Fprintf(stderr, "trilink %s: unexpected argument %q\n", cmd, fs.Arg(0))
		return 2
	}
	var level slog.Level
	if err := level.UnmarshalText([]byte(*logLevel)); err != nil {
		fmt.Fprintf(stderr, "trilink %s: --log-level: %v\n", cmd, err)
		return 2
	}
	hopts := &slog.HandlerOptions{Level: level}
	var h slog.Handler = slog.NewTextHandler(stderr, hopts)
	if *logJSON {
		h = slog.NewJSONHandler(stderr, hopts)
	}
	if err := exec(slog.New(h)); err != nil {
		fmt.Fprintf(stderr, "trilink %s: %v\n", cmd, err)
		if ue := (*app.UsageError)(nil); errors.As(err, &ue) {
			return 2
		}
		return 1
	}
	return 0
}

// scenarioFlags adds --scenario (into scenario) and --seed to fs. The
// function it returns checks that a scenario was named and gives the seed:
// nil for the scenario's own.
func scenarioFlags(fs *flag.FlagSet, scenario *string) func() (*uint64, error) {
	fs.StringVar(scenario, "scenario", "", "built-in scenario name or YAML file")
	seed := fs.Int64("seed", -1, "random seed (default: the scenario's)")
	return func() (*uint64, error) {
		if *scenario == "" {
			return nil, &app.UsageError{Err: errors.New("--scenario: required")}
		}
		if *seed < 0 {
			return nil, nil
		}
		s := uint64(*seed)
		return &s, nil
	}
}
