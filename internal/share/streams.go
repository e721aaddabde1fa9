package share

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/nats-io/nats.go/jetstream"
)

// Stream and bucket names shared by every nation.
const (
	PictureStream = "PICTURE"
	TracksBucket  = "TRACKS"
)

// Retention holds how long each stream keeps data. The release retention
// bounds the longest partner outage that can be survived without loss
// (research/nats.md §4.4).
type Retention struct {
	Private, Release, Picture time.Duration
	// TrackTTL is how long a track key lives in TRACKS without an update.
	TrackTTL time.Duration
}

// DefaultRetention keeps 30 days of everything.
var DefaultRetention = Retention{Private: 30 * 24 * time.Hour, Release: 30 * 24 * time.Hour, Picture: 30 * 24 * time.Hour, TrackTTL: 10 * time.Minute}

// DedupWindow is the release stream's duplicate window: a publisher may retry
// a message with the same Nats-Msg-Id for this long without storing it twice.
const DedupWindow = 10 * time.Minute

// StreamConfigs returns the configurations of nation n's streams
// (research/nats.md §5.2): <N>_PRIVATE, <N>_REL and PICTURE, which sources
// n's own release stream and each partner's across the border.
func StreamConfigs(n Nation, partners []Nation, replicas int, r Retention) []jetstream.StreamConfig {
	picture := jetstream.StreamConfig{
		Name:        PictureStream,
		Description: "trilateral picture: own and partners' releases",
		Storage:     jetstream.FileStorage,
		Replicas:    replicas,
		MaxAge:      r.Picture,
		AllowMsgTTL: true,
		// A safety net: a source restarted by Kick never stores a message twice.
		Duplicates: DedupWindow,
		Sources:    []*jetstream.StreamSource{{Name: n.RelStream()}},
	}
	for _, p := range partners {
		picture.Sources = append(picture.Sources, &jetstream.StreamSource{
			Name:     p.RelStream(),
			External: &jetstream.ExternalStream{APIPrefix: apiPrefix(p), DeliverPrefix: deliverPrefix(p, n)},
		})
	}
	return []jetstream.StreamConfig{
		{
			Name:        n.PrivateStream(),
			Description: "national data, never exported",
			Subjects:    []string{n.PrivatePrefix() + ">"},
			Storage:     jetstream.FileStorage,
			Replicas:    replicas,
			MaxAge:      r.Private,
		},
		{
			Name:        n.RelStream(),
			Description: "what " + n.String() + " releases to its partners",
			Subjects:    []string{n.SharedPrefix() + ">"},
			Storage:     jetstream.FileStorage,
			Replicas:    replicas,
			MaxAge:      r.Release,
			Duplicates:  DedupWindow,
			AllowMsgTTL: true,
		},
		picture,
	}
}

// TracksConfig returns the KV bucket of latest track state, built by the
// server from the release streams with a subject transform: a track
// published on shared.<o>.track.<id> becomes key <o>.<id>.
func TracksConfig(n Nation, partners []Nation, replicas int, r Retention) jetstream.KeyValueConfig {
	src := func(o Nation) *jetstream.StreamSource {
		s := &jetstream.StreamSource{
			Name:          o.RelStream(),
			FilterSubject: "",
			SubjectTransforms: []jetstream.SubjectTransformConfig{{
				Source:      o.SharedPrefix() + "track.*",
				Destination: "$KV." + TracksBucket + "." + o.String() + ".{{wildcard(1)}}",
			}},
		}
		if o != n {
			s.External = &jetstream.ExternalStream{APIPrefix: apiPrefix(o), DeliverPrefix: deliverPrefix(o, n)}
		}
		return s
	}
	cfg := jetstream.KeyValueConfig{
		Bucket:         TracksBucket,
		Description:    "latest track state of all three nations",
		History:        1,
		Storage:        jetstream.FileStorage,
		Replicas:       replicas,
		LimitMarkerTTL: 5 * time.Second,
		Sources:        []*jetstream.StreamSource{src(n)},
	}
	for _, p := range partners {
		cfg.Sources = append(cfg.Sources, src(p))
	}
	return cfg
}

// EnsureStreams creates or updates nation n's streams and the TRACKS bucket.
// It is idempotent: a node calls it at every start. Where several nations
// start together, create every nation's release stream first
// (EnsureReleaseStreams), then the sourcing ones (EnsurePicture): a source
// whose origin does not exist yet backs off for tens of seconds.
func EnsureStreams(ctx context.Context, js jetstream.JetStream, n Nation, partners []Nation, replicas int, r Retention) error {
	if err := EnsureReleaseStreams(ctx, js, n, replicas, r); err != nil {
		return err
	}
	return EnsurePicture(ctx, js, n, partners, replicas, r)
}

// EnsureReleaseStreams creates or updates <N>_PRIVATE and <N>_REL.
func EnsureReleaseStreams(ctx context.Context, js jetstream.JetStream, n Nation, replicas int, r Retention) error {
	for _, cfg := range StreamConfigs(n, nil, replicas, r)[:2] {
		if _, err := js.CreateOrUpdateStream(ctx, cfg); err != nil {
			return fmt.Errorf("share: %s stream %s: %w", n, cfg.Name, err)
		}
	}
	return nil
}

// EnsurePicture creates or updates PICTURE and the TRACKS bucket.
func EnsurePicture(ctx context.Context, js jetstream.JetStream, n Nation, partners []Nation, replicas int, r Retention) error {
	cfg := StreamConfigs(n, partners, replicas, r)[2]
	if _, err := js.CreateOrUpdateStream(ctx, cfg); err != nil {
		return fmt.Errorf("share: %s stream %s: %w", n, cfg.Name, err)
	}
	kvc := TracksConfig(n, partners, replicas, r)
	if _, err := js.CreateOrUpdateKeyValue(ctx, kvc); err != nil {
		return fmt.Errorf("share: %s bucket %s: %w", n, kvc.Bucket, err)
	}
	return nil
}

// Kick restarts the sourcing of partner p's release stream into PICTURE and
// TRACKS by taking the source out of each stream's configuration and putting
// it back. nats-server keeps each source's last sequence in the stream's
// store, so the new source consumer resumes exactly where the old one
// stopped; it is created at once instead of after the server's retry backoff
// (up to 2 minutes), which cuts the catch-up after a partner link returns
// (research/nats.md §4.4).
func Kick(ctx context.Context, js jetstream.JetStream, p Nation) error {
	var errs []error
	for _, name := range []string{PictureStream, "KV_" + TracksBucket} {
		if err := kickSource(ctx, js, name, p.RelStream()); err != nil {
			errs = append(errs, fmt.Errorf("share: kick %s source %s: %w", name, p.RelStream(), err))
		}
	}
	return errors.Join(errs...)
}

func kickSource(ctx context.Context, js jetstream.JetStream, stream, source string) error {
	st, err := js.Stream(ctx, stream)
	if err != nil {
		return err
	}
	cfg := st.CachedInfo().Config
	var kept []*jetstream.StreamSource
	var removed *jetstream.StreamSource
	for _, s := range cfg.Sources {
		if s.Name == source {
			removed = s
			continue
		}
		kept = append(kept, s)
	}
	if removed == nil {
		return fmt.Errorf("no such source")
	}
	without := cfg
	without.Sources = kept
	if _, err := js.UpdateStream(ctx, without); err != nil {
		return err
	}
	_, err = js.UpdateStream(ctx, cfg)
	return err
}
