package app

import (
	"context"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"

	"github.com/trilink/trilink/internal/share"
)

// newRegistry returns a registry with the Go and process collectors and the
// backbone collector of sys.
func newRegistry(sys *System) *prometheus.Registry {
	reg := prometheus.NewRegistry()
	reg.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}), &backboneCollector{sys: sys})
	return reg
}

var (
	descReady     = prometheus.NewDesc("trilink_ready", "1 when the nation's streams exist and all its partner links are up.", []string{"nation"}, nil)
	descLinkState = prometheus.NewDesc("trilink_link_state", "Partner link state: 1 up, 2 degraded, 3 down, 0 unknown.", []string{"nation", "partner"}, nil)
	descLinkUp    = prometheus.NewDesc("trilink_link_up", "1 when the partner link is up.", []string{"nation", "partner"}, nil)
	descBehind    = prometheus.NewDesc("trilink_link_behind_messages", "Partner releases not yet in PICTURE, by the partner's last heartbeat.", []string{"nation", "partner"}, nil)
	descKicks     = prometheus.NewDesc("trilink_link_kicks_total", "Restarts of the partner's durable sourcing.", []string{"nation", "partner"}, nil)
	descMsgs      = prometheus.NewDesc("trilink_stream_messages", "Messages in the stream.", []string{"nation", "stream"}, nil)
	descBytes     = prometheus.NewDesc("trilink_stream_bytes", "Bytes in the stream.", []string{"nation", "stream"}, nil)
	descLastSeq   = prometheus.NewDesc("trilink_stream_last_sequence", "Last sequence stored in the stream.", []string{"nation", "stream"}, nil)
	descLag       = prometheus.NewDesc("trilink_source_lag_messages", "Lag of a stream's source as the server reports it.", []string{"nation", "stream", "source"}, nil)
)

// backboneCollector reads the nodes' state at scrape time.
type backboneCollector struct{ sys *System }

func (c *backboneCollector) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range []*prometheus.Desc{descReady, descLinkState, descLinkUp, descBehind, descKicks, descMsgs, descBytes, descLastSeq, descLag} {
		ch <- d
	}
}

func (c *backboneCollector) Collect(ch chan<- prometheus.Metric) {
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Second)
	defer cancel()
	gauge := func(d *prometheus.Desc, v float64, l ...string) {
		ch <- prometheus.MustNewConstMetric(d, prometheus.GaugeValue, v, l...)
	}
	for _, st := range c.sys.Status(ctx) {
		n := st.Nation.String()
		gauge(descReady, b2f(st.Ready), n)
		for _, l := range st.Links {
			p := l.Partner.String()
			gauge(descLinkState, float64(l.State), n, p)
			gauge(descLinkUp, b2f(l.State == share.LinkUp), n, p)
			gauge(descBehind, float64(l.Behind), n, p)
			ch <- prometheus.MustNewConstMetric(descKicks, prometheus.CounterValue, float64(l.Kicks), n, p)
		}
		for _, s := range st.Streams {
			gauge(descMsgs, float64(s.Messages), n, s.Name)
			gauge(descBytes, float64(s.Bytes), n, s.Name)
			gauge(descLastSeq, float64(s.LastSeq), n, s.Name)
			for _, src := range s.Sources {
				gauge(descLag, float64(src.Lag), n, s.Name, src.Name)
			}
		}
	}
}

func b2f(b bool) float64 {
	if b {
		return 1
	}
	return 0
}
