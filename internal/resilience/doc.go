// Package resilience runs three `trilink node` processes on loopback — each
// with its own data directory, its partner links through cuttable TCP
// proxies — drives scenarios through them, injects faults (kill -9,
// partitions, a full store, floods, malformed traffic) and checks the
// invariants of issue 11: every accepted measurement, alert and hotline
// message is present in every nation once the dust settles, nothing is
// duplicated, and the three picture digests agree.
//
// Its tests (and `trilink bench e2e`) use Cluster; RESILIENCE.md at the
// repository root lists each fault tried and what held.
package resilience
