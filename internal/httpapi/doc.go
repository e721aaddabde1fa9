// Package httpapi serves a node's HTTP interface (DESIGN §4): health and
// readiness probes, Prometheus metrics, the JSON API and the pages.
//
// Errors become HTTP statuses here and nowhere else; internal details are
// logged, not shown.
package httpapi
