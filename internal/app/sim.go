package app

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"strconv"
	"strings"
	"sync"
	"text/tabwriter"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/trilink/trilink/internal/nation"
	"github.com/trilink/trilink/internal/sensor"
	"github.com/trilink/trilink/internal/share"
	"github.com/trilink/trilink/internal/sim"
)

// RunScenarios lists the built-in scenarios.
func RunScenarios(stdout io.Writer, asJSON bool) error {
	all, err := sim.Builtin()
	if err != nil {
		return err
	}
	if asJSON {
		type row struct {
			Name        string   `json:"name"`
			Launches    int      `json:"launches"`
			First       string   `json:"first_launch"`
			Description string   `json:"description"`
			Sources     []string `json:"sources"`
		}
		var rows []row
		for _, sc := range all {
			rows = append(rows, row{sc.Name, len(sc.Launches), sc.Launches[0].Time.Format(time.RFC3339), sc.Description, sc.Sources})
		}
		enc := json.NewEncoder(stdout)
		enc.SetIndent("", "  ")
		return enc.Encode(rows)
	}
	tw := tabwriter.NewWriter(stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "NAME\tLAUNCHES\tFIRST LAUNCH (UTC)\tDESCRIPTION")
	for _, sc := range all {
		desc := sc.Description
		if len(desc) > 90 {
			desc = desc[:87] + "..."
		}
		fmt.Fprintf(tw, "%s\t%d\t%s\t%s\n", sc.Name, len(sc.Launches), sc.Launches[0].Time.Format("2006-01-02 15:04"), desc)
	}
	return tw.Flush()
}

// SimOptions are the flags of `trilink sim`.
type SimOptions struct {
	Scenario string
	Speed    float64
	// Seed overrides the scenario's seed when set.
	Seed    *uint64
	Out     string // JSONL file ("-" for stdout)
	NATS    string // URL of a nation's NATS system
	Nation  string // with NATS: the nation whose sensors publish there
	User    string // with NATS: user, password from $TRILINK_NATS_PASSWORD
	Clutter bool
}

// loadRun resolves, plans and sets up a scenario run.
func loadRun(name string, seed *uint64) (*sim.Scenario, *sim.Run, error) {
	sc, err := sim.Resolve(name)
	if err != nil {
		return nil, nil, &UsageError{err}
	}
	var src []byte
	if !strings.HasPrefix(sc.File, "builtin:") {
		src, _ = os.ReadFile(sc.File)
	}
	flights, err := sim.Plan(sc, src)
	if err != nil {
		return nil, nil, &UsageError{err}
	}
	sensors, err := sim.Sensors(sc)
	if err != nil {
		return nil, nil, &UsageError{err}
	}
	r := &sim.Run{Flights: flights, Sensors: sensors, Seed: sc.Seed}
	if seed != nil {
		r.Seed = *seed
	}
	return sc, r, nil
}

// RunSim simulates a scenario's sensors and writes their measurements as
// JSON lines, or publishes them on shared.<n>.meas.<sensor> in (scaled)
// real time.
func RunSim(ctx context.Context, o SimOptions, log *slog.Logger, stdout io.Writer) error {
	if o.Speed <= 0 {
		return usagef("--speed: %v (want > 0)", o.Speed)
	}
	if (o.Out == "") == (o.NATS == "") {
		return usagef("give exactly one of --out FILE.jsonl and --nats URL")
	}
	sc, run, err := loadRun(o.Scenario, o.Seed)
	if err != nil {
		return err
	}
	run.Clutter = o.Clutter
	if o.Out != "" {
		w := stdout
		if o.Out != "-" {
			f, err := os.Create(o.Out)
			if err != nil {
				return usagef("--out: %v", err)
			}
			defer f.Close()
			w = f
		}
		bw := bufio.NewWriterSize(w, 1<<16)
		n := 0
		err := run.Simulate(ctx, func(_ context.Context, m sensor.Measurement) error {
			b, err := json.Marshal(&m)
			if err != nil {
				return err
			}
			n++
			bw.Write(b)
			return bw.WriteByte('\n')
		})
		if err != nil {
			return err
		}
		log.Info("simulated", "scenario", sc.Name, "measurements", n, "seed", run.Seed)
		return bw.Flush()
	}
	n, err := nation.Parse(o.Nation)
	if err != nil {
		return usagef("--nation: %v (required with --nats: the nation whose sensors publish there)", err)
	}
	var own []*sensor.Sensor
	for _, s := range run.Sensors {
		if s.Nation == n {
			own = append(own, s)
		}
	}
	run.Sensors = own
	opts := []nats.Option{nats.Name("trilink-sim-" + n.String()), nats.MaxReconnects(-1)}
	if o.User != "" {
		opts = append(opts, nats.UserInfo(o.User, os.Getenv("TRILINK_NATS_PASSWORD")))
	}
	nc, err := nats.Connect(o.NATS, opts...)
	if err != nil {
		return fmt.Errorf("--nats %s: %w", o.NATS, err)
	}
	defer nc.Close()
	js, err := jetstream.New(nc)
	if err != nil {
		return err
	}
	pubs := map[nation.Nation]*share.Publisher{n: share.NewPublisher(js, n)}
	// Start the scenario a few seconds from now, as if it were happening.
	start, _ := run.Span()
	run.Shift = time.Since(start)
	log.Info("simulating", "scenario", sc.Name, "nation", n.String(), "sensors", len(own), "speed", o.Speed)
	return Replay(ctx, run, o.Speed, pubs, nil, log)
}

// MeasurementID is a measurement's message id on the backbone:
// <sensor>:<seq>:<time in Unix ns> — what fusion tells measurements apart
// by. A radar reports every object of a salvo in the same scan, at the same
// instant, so the sensor and time alone are not unique (and the stream's
// duplicate window would drop all plots of a scan but the first).
func MeasurementID(m sensor.Measurement) string {
	return m.Sensor + ":" + strconv.FormatUint(m.Seq, 10) + ":" + strconv.FormatInt(m.Time.UnixNano(), 10)
}

// Replay runs a simulation against the wall clock (scaled by speed) and
// publishes each measurement with its nation's publisher on
// shared.<n>.meas.<sensor>. The message id is MeasurementID, so a replay
// retried after a failure is stored once, and a later replay of the same
// scenario (shifted to a new time) is new.
func Replay(ctx context.Context, run *sim.Run, speed float64, pubs map[nation.Nation]*share.Publisher, clock *SimClock, log *slog.Logger) error {
	simStart, _ := run.Span()
	wallStart := time.Now()
	if clock != nil {
		clock.Set(simStart, wallStart, speed)
	}
	sent := 0
	err := run.Simulate(ctx, func(ctx context.Context, m sensor.Measurement) error {
		due := wallStart.Add(time.Duration(float64(m.Time.Sub(simStart)) / speed))
		if d := time.Until(due); d > 0 {
			select {
			case <-ctx.Done():
				return ctx.Err()
			case <-time.After(d):
			}
		}
		p := pubs[m.Nation]
		if p == nil {
			return nil
		}
		b, err := json.Marshal(&m)
		if err != nil {
			return err
		}
		_, err = p.Publish(ctx, share.Msg{
			Subject: m.Nation.SharedPrefix() + "meas." + m.Sensor,
			ID:      MeasurementID(m),
			Data:    b,
		})
		sent++
		return err
	})
	if errors.Is(err, context.Canceled) {
		err = nil
	}
	log.Info("replay done", "published", sent)
	return err
}

// SimClock is the scenario's clock during a replay: it runs speed times as
// fast as the wall clock from the replay's start, so that nodes judge
// measurement times (too far in the future? old enough to fuse?) against
// the scenario, not the wall. Before any replay it is the wall clock. Safe
// for concurrent use.
type SimClock struct {
	mu          sync.Mutex // guards the fields below
	sim0, wall0 time.Time
	speed       float64
}

// Set starts the mapping: sim0 happens at wall0, and time runs speed times
// as fast.
func (c *SimClock) Set(sim0, wall0 time.Time, speed float64) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.sim0, c.wall0, c.speed = sim0, wall0, speed
}

// Now returns the scenario time.
func (c *SimClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	now := time.Now()
	if c.speed == 0 {
		return now
	}
	return c.sim0.Add(time.Duration(float64(now.Sub(c.wall0)) * c.speed))
}
