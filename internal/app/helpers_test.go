package app_test

import "github.com/nats-io/nats.go/jetstream"

func jetstreamFilter(f string) jetstream.StreamInfoOpt { return jetstream.WithSubjectFilter(f) }
