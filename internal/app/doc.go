// Package app wires trilink's parts into the processes the CLI starts: the
// demo (three nations in one process on embedded NATS) and a nation's node.
// It holds no domain logic: that lives in share, sim, fusion, warn and
// hotline; app builds them from configuration and runs them.
package app
