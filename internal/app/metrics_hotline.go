package app

import (
	"github.com/prometheus/client_golang/prometheus"
)

var (
	descHLItems = prometheus.NewDesc("trilink_hotline_items_total",
		"Hotline items taken into the nation's transcript, by kind (envelope, receipt, escalation).", []string{"nation", "kind"}, nil)
	descHLSubmit = prometheus.NewDesc("trilink_hotline_submissions_total",
		"Local submissions of messages and receipts, by result (accepted, refused: bad input from the nation's own members' clients).", []string{"nation", "result"}, nil)
	descHLRejected = prometheus.NewDesc("trilink_hotline_rejected_total",
		"Items from the backbone that failed verification and were dropped. Any increase is an alarm: someone released traffic that is not what it claims.", []string{"nation"}, nil)
	descHLLinkTest = prometheus.NewDesc("trilink_hotline_link_test_ok",
		"1 if the nation's latest hotline link test was acknowledged by every partner, 0 if missed or pending.", []string{"nation"}, nil)
	descHLLinkRTT = prometheus.NewDesc("trilink_hotline_link_test_rtt_seconds",
		"Round-trip time of the latest link test, per partner.", []string{"nation", "partner"}, nil)
)

// hotlineCollector reads the exchanges' counters and link tests at scrape
// time.
type hotlineCollector struct{ h *Hotline }

func (c *hotlineCollector) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range []*prometheus.Desc{descHLItems, descHLSubmit, descHLRejected, descHLLinkTest, descHLLinkRTT} {
		ch <- d
	}
}

func (c *hotlineCollector) Collect(ch chan<- prometheus.Metric) {
	counter := func(d *prometheus.Desc, v uint64, l ...string) {
		ch <- prometheus.MustNewConstMetric(d, prometheus.CounterValue, float64(v), l...)
	}
	for n, x := range c.h.x {
		s := x.Stats()
		ns := n.String()
		counter(descHLItems, s.Envelopes, ns, "envelope")
		counter(descHLItems, s.Receipts, ns, "receipt")
		counter(descHLItems, s.Escalations, ns, "escalation")
		counter(descHLSubmit, s.Submitted, ns, "accepted")
		counter(descHLSubmit, s.Refused, ns, "refused")
		counter(descHLRejected, s.Rejected, ns)
		c.h.mu.Lock()
		lts := c.h.links[n]
		var last *LinkTest
		if len(lts) > 0 {
			cp := *lts[len(lts)-1]
			last = &cp
		}
		c.h.mu.Unlock()
		if last == nil {
			continue
		}
		ch <- prometheus.MustNewConstMetric(descHLLinkTest, prometheus.GaugeValue, b2f(last.State == "ok"), ns)
		for _, r := range last.Results {
			if r.OK {
				ch <- prometheus.MustNewConstMetric(descHLLinkRTT, prometheus.GaugeValue, r.RTTms/1000, ns, r.Nation.String())
			}
		}
	}
}
