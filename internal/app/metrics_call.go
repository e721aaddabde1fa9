package app

import (
	"github.com/prometheus/client_golang/prometheus"
)

var (
	descCallSessions = prometheus.NewDesc("trilink_call_sessions",
		"Members' browser sessions open on the nation's call SFU.", []string{"nation"}, nil)
	descCallPCs = prometheus.NewDesc("trilink_call_peer_connections",
		"WebRTC peer connections open on the nation's call SFU, trunks to partners included (two per partner when idle).", []string{"nation"}, nil)
	descCallSources = prometheus.NewDesc("trilink_call_streams_in",
		"Media streams coming into the nation's SFU, from local members and from partners' trunks.", []string{"nation"}, nil)
	descCallTrunk = prometheus.NewDesc("trilink_call_streams_exported",
		"Media streams the nation's SFU sends to partners over its trunks.", []string{"nation"}, nil)
	descCallFwd = prometheus.NewDesc("trilink_call_forwarded_packets_total",
		"RTP packets forwarded by the nation's SFU (one per receiving slot or trunk).", []string{"nation"}, nil)
)

// callCollector reads the SFUs' counts at scrape time.
type callCollector struct{ c *Calls }

func (c *callCollector) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range []*prometheus.Desc{descCallSessions, descCallPCs, descCallSources, descCallTrunk, descCallFwd} {
		ch <- d
	}
}

func (c *callCollector) Collect(ch chan<- prometheus.Metric) {
	for n, s := range c.c.sfu {
		st, ns := s.Stats(), n.String()
		ch <- prometheus.MustNewConstMetric(descCallSessions, prometheus.GaugeValue, float64(st.Sessions), ns)
		ch <- prometheus.MustNewConstMetric(descCallPCs, prometheus.GaugeValue, float64(st.PeerConnections), ns)
		ch <- prometheus.MustNewConstMetric(descCallSources, prometheus.GaugeValue, float64(st.Sources), ns)
		ch <- prometheus.MustNewConstMetric(descCallTrunk, prometheus.GaugeValue, float64(st.TrunkTracks), ns)
		ch <- prometheus.MustNewConstMetric(descCallFwd, prometheus.CounterValue, float64(st.Forwarded), ns)
	}
}
