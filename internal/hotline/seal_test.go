package hotline_test

import (
	"bytes"
	"encoding/base64"
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/trilink/trilink/internal/hotline"
	"github.com/trilink/trilink/internal/hotline/hotlinetest"
	"github.com/trilink/trilink/internal/nation"
)

var t0 = time.Date(2026, 3, 1, 22, 22, 0, 0, time.UTC)

func mustSeal(tb testing.TB, w *hotlinetest.World, from hotline.MemberID, m hotline.Message) *hotline.Envelope {
	tb.Helper()
	env, err := hotline.Seal(w.Keys(tb, from), w.Dir, m, t0)
	if err != nil {
		tb.Fatalf("Seal from %s: %v", from, err)
	}
	return env
}

// roundTrip sends env through its wire form, as every receiver gets it.
func roundTrip(tb testing.TB, env *hotline.Envelope) *hotline.Envelope {
	tb.Helper()
	b, err := env.Marshal()
	if err != nil {
		tb.Fatal(err)
	}
	got, err := hotline.DecodeEnvelope(b)
	if err != nil {
		tb.Fatalf("DecodeEnvelope(Marshal()): %v", err)
	}
	return got
}

// resign re-signs a modified envelope with the keys of member by.
func resign(tb testing.TB, w *hotlinetest.World, env *hotline.Envelope, by hotline.MemberID) {
	tb.Helper()
	sig, err := w.Keys(tb, by).Sign(env.Canonical())
	if err != nil {
		tb.Fatal(err)
	}
	env.Signature = sig
}

func TestSealOpenThreeNations(t *testing.T) {
	w := hotlinetest.NewWorld(t)
	body := []byte("北朝鮮が弾道ミサイルを発射。 북한 탄도미사일 발사. DPRK launch at 22:22Z.")
	att := hotline.Attachment{Name: "track-T7.pdf", MediaType: "application/pdf", Data: bytes.Repeat([]byte{0xde, 0xad}, 5000)}
	for _, from := range nation.Nations {
		sender := hotlinetest.ID(from, "leader")
		t.Run(from.String(), func(t *testing.T) {
			env := roundTrip(t, mustSeal(t, w, sender, hotline.Message{Room: hotline.RoomLeaders, Precedence: hotline.Flash,
				Body: body, Attachments: []hotline.Attachment{att}}))
			if env.Sender != sender || env.Nation != from || env.Precedence != hotline.Flash || env.Kind != hotline.KindText || !env.Created.Equal(t0) {
				t.Errorf("header = %s %s %s %s %s", env.Sender, env.Nation, env.Precedence, env.Kind, env.Created)
			}
			if got, want := env.Subject(), "shared."+from.String()+".hotline.leaders"; got != want {
				t.Errorf("Subject() = %q, want %q", got, want)
			}
			// Every leader, every alternate and every one of their devices can read it.
			var readers int
			for _, n := range nation.Nations {
				for _, suffix := range []string{"leader", "nsa", "ops"} {
					for _, k := range w.AllKeys(hotlinetest.ID(n, suffix)) {
						p, err := hotline.Open(env, k, w.Dir)
						if err != nil {
							t.Fatalf("Open by %s: %v", k.Device(), err)
						}
						if !bytes.Equal(p.Body, body) || len(p.Attachments) != 1 || p.Attachments[0].Name != att.Name ||
							p.Attachments[0].MediaType != att.MediaType || !bytes.Equal(p.Attachments[0].Data, att.Data) {
							t.Errorf("Open by %s: got body %q and %d attachments", k.Device(), p.Body, len(p.Attachments))
						}
						readers++
					}
				}
			}
			if readers != len(env.Recipients) || readers != 12 {
				t.Errorf("%d devices opened, envelope has %d recipients; want 12", readers, len(env.Recipients))
			}
		})
	}
}

func TestRelaySeesOnlyCiphertext(t *testing.T) {
	w := hotlinetest.NewWorld(t)
	secret := "Plan BLUE-7: move the Aegis ship to the Sea of Japan."
	att := hotline.Attachment{Name: "blue7-annex.txt", MediaType: "text/plain", Data: []byte("annex: coordinates 38.9N 132.1E")}
	env := mustSeal(t, w, "kr-dm", hotline.Message{Room: hotline.RoomDefenceMinisters, Precedence: hotline.Immediate,
		Body: []byte(secret), Attachments: []hotline.Attachment{att}})
	wire, err := env.Marshal()
	if err != nil {
		t.Fatal(err)
	}
	// The relay (a NATS server, a partner node) holds only the wire bytes and
	// the public directory.
	for _, leak := range []string{secret, "BLUE-7", att.Name, att.MediaType, string(att.Data), "38.9N"} {
		for _, form := range []string{leak, base64.StdEncoding.EncodeToString([]byte(leak))} {
			if bytes.Contains(wire, []byte(form)) {
				t.Errorf("the wire form contains %q", form)
			}
		}
	}
	got, err := hotline.DecodeEnvelope(wire)
	if err != nil {
		t.Fatal(err)
	}
	if err := hotline.Verify(got, w.Dir); err != nil {
		t.Errorf("a relay cannot verify: %v", err)
	}
	// Metadata stays visible, as the package documentation says.
	for _, meta := range []string{`"room":"defence-ministers"`, `"sender":"kr-dm"`, `"precedence":"immediate"`} {
		if !bytes.Contains(wire, []byte(meta)) {
			t.Errorf("the wire form lacks %s", meta)
		}
	}
	// A device of the same nation but outside the room cannot open it.
	if _, err := hotline.Open(got, w.Keys(t, "kr-leader"), w.Dir); !errors.Is(err, hotline.ErrNotRecipient) {
		t.Errorf("Open by kr-leader-1 (not in the room) = %v, want ErrNotRecipient", err)
	}
	// Keys for a recipient's device id, but not the device's own, decrypt nothing.
	impostor, err := hotline.GenerateDeviceKeys("us-dm-1")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := hotline.Open(got, impostor, w.Dir); !errors.Is(err, hotline.ErrDecrypt) {
		t.Errorf("Open with the wrong key for us-dm-1 = %v, want ErrDecrypt", err)
	}
}

func TestTamperedEnvelopeRejected(t *testing.T) {
	w := hotlinetest.NewWorld(t)
	orig := mustSeal(t, w, "jp-leader", hotline.Message{Room: hotline.RoomLeaders, Precedence: hotline.Routine,
		Body: []byte("meeting at 10:00"), Attachments: []hotline.Attachment{{Name: "a.txt", MediaType: "text/plain", Data: []byte("x")}}})
	for _, tt := range []struct {
		name   string
		tamper func(e *hotline.Envelope)
		want   error
	}{
		{"body_byte", func(e *hotline.Envelope) { e.Body[3] ^= 1 }, hotline.ErrBadSignature},
		{"attachment_byte", func(e *hotline.Envelope) { e.Attachments[0][0] ^= 1 }, hotline.ErrBadSignature},
		{"attachment_dropped", func(e *hotline.Envelope) { e.Attachments = nil }, hotline.ErrBadSignature},
		{"signature_byte", func(e *hotline.Envelope) { e.Signature[10] ^= 1 }, hotline.ErrBadSignature},
		{"precedence", func(e *hotline.Envelope) { e.Precedence = hotline.Flash }, hotline.ErrBadSignature},
		{"created", func(e *hotline.Envelope) { e.Created = e.Created.Add(time.Hour) }, hotline.ErrBadSignature},
		{"id", func(e *hotline.Envelope) { e.ID[0] ^= 1 }, hotline.ErrBadSignature},
		{"kind", func(e *hotline.Envelope) { e.Kind = hotline.KindLinkTest }, hotline.ErrBadSignature},
		{"room", func(e *hotline.Envelope) { e.Room = hotline.RoomOps }, hotline.ErrBadSignature},
		{"nation", func(e *hotline.Envelope) { e.Nation = nation.US }, hotline.ErrBadSignature},
		{"recipient_key", func(e *hotline.Envelope) { e.Recipients[2].Key[40] ^= 1 }, hotline.ErrBadSignature},
		{"recipient_dropped", func(e *hotline.Envelope) { e.Recipients = slices.Delete(e.Recipients, 4, 5) }, hotline.ErrBadSignature},
		{"sender_and_device", func(e *hotline.Envelope) { e.Sender, e.Device = "kr-leader", "kr-leader-1" }, hotline.ErrBadSignature},
		{"sender_only", func(e *hotline.Envelope) { e.Sender = "kr-leader" }, hotline.ErrUnknownDevice},
		{"device_unknown", func(e *hotline.Envelope) { e.Device = "jp-leader-9" }, hotline.ErrUnknownDevice},
		{"signature_short", func(e *hotline.Envelope) { e.Signature = e.Signature[:63] }, hotline.ErrMalformed},
	} {
		t.Run(tt.name, func(t *testing.T) {
			e := roundTrip(t, orig) // a deep copy
			tt.tamper(e)
			err := hotline.Verify(e, w.Dir)
			if !errors.Is(err, tt.want) {
				t.Fatalf("Verify = %v, want %v", err, tt.want)
			}
			if _, err := hotline.Open(e, w.Keys(t, "us-leader"), w.Dir); !errors.Is(err, tt.want) {
				t.Errorf("Open = %v, want %v", err, tt.want)
			}
		})
	}
	if err := hotline.Verify(roundTrip(t, orig), w.Dir); err != nil {
		t.Fatalf("the untouched envelope does not verify: %v", err)
	}
}

// A sender who signs a bad ciphertext is caught at decryption, not before:
// the signature proves who sent it.
func TestSignedGarbageDoesNotDecrypt(t *testing.T) {
	w := hotlinetest.NewWorld(t)
	e := mustSeal(t, w, "jp-ops", hotline.Message{Room: hotline.RoomOps, Precedence: hotline.Priority, Body: []byte("x")})
	e.Body[0] ^= 1
	resign(t, w, e, "jp-ops")
	if err := hotline.Verify(e, w.Dir); err != nil {
		t.Fatalf("Verify = %v, want nil (signature is good)", err)
	}
	if _, err := hotline.Open(e, w.Keys(t, "kr-ops"), w.Dir); !errors.Is(err, hotline.ErrDecrypt) {
		t.Errorf("Open = %v, want ErrDecrypt", err)
	}
}

func TestWronglyAddressedRejected(t *testing.T) {
	w := hotlinetest.NewWorld(t)
	if _, err := hotline.Seal(w.Keys(t, "jp-fm"), w.Dir, hotline.Message{Room: hotline.RoomLeaders, Precedence: hotline.Flash, Body: []byte("x")}, t0); !errors.Is(err, hotline.ErrNotMember) {
		t.Errorf("Seal by jp-fm into leaders = %v, want ErrNotMember", err)
	}
	if _, err := hotline.Seal(w.Keys(t, "jp-fm"), w.Dir, hotline.Message{Room: "nowhere", Precedence: hotline.Flash, Body: []byte("x")}, t0); !errors.Is(err, hotline.ErrUnknownRoom) {
		t.Errorf("Seal into an unknown room = %v, want ErrUnknownRoom", err)
	}
	// Correctly signed envelopes that a modified client could produce.
	for _, tt := range []struct {
		name   string
		from   hotline.MemberID
		room   hotline.RoomID
		forge  func(e *hotline.Envelope)
		signer hotline.MemberID
		want   error
	}{
		{"sender_not_member", "jp-fm", hotline.RoomForeignMinisters, func(e *hotline.Envelope) { e.Room = hotline.RoomLeaders }, "jp-fm", hotline.ErrNotMember},
		{"unknown_room", "jp-fm", hotline.RoomForeignMinisters, func(e *hotline.Envelope) { e.Room = "nowhere" }, "jp-fm", hotline.ErrUnknownRoom},
		{"device_of_other_member", "jp-leader", hotline.RoomLeaders, func(e *hotline.Envelope) { e.Sender = "jp-nsa" }, "jp-leader", hotline.ErrUnknownDevice},
		{"wrong_nation", "jp-leader", hotline.RoomLeaders, func(e *hotline.Envelope) { e.Nation = nation.KR }, "jp-leader", hotline.ErrMalformed},
		{"member_left_out", "jp-leader", hotline.RoomLeaders, func(e *hotline.Envelope) {
			e.Recipients = slices.DeleteFunc(e.Recipients, func(r hotline.Recipient) bool { return r.Device == "kr-leader-1" })
		}, "jp-leader", hotline.ErrNotAddressed},
		{"outsider_added", "jp-leader", hotline.RoomLeaders, func(e *hotline.Envelope) {
			dev, _, _ := w.Dir.Device("jp-fm-1")
			key, err := hotline.SealKey(dev.KEM, hotline.KeyInfo(e.ID, dev.ID), make([]byte, 32))
			if err != nil {
				t.Fatal(err)
			}
			e.Recipients = append(e.Recipients, hotline.Recipient{Device: "jp-fm-1", Key: key})
			slices.SortFunc(e.Recipients, func(a, b hotline.Recipient) int { return strings.Compare(string(a.Device), string(b.Device)) })
		}, "jp-leader", hotline.ErrNotAddressed},
	} {
		t.Run(tt.name, func(t *testing.T) {
			e := mustSeal(t, w, tt.from, hotline.Message{Room: tt.room, Precedence: hotline.Flash, Body: []byte("x")})
			tt.forge(e)
			resign(t, w, e, tt.signer)
			if err := hotline.Verify(roundTrip(t, e), w.Dir); !errors.Is(err, tt.want) {
				t.Errorf("Verify = %v, want %v", err, tt.want)
			}
		})
	}
}

func TestReplayedIDRejected(t *testing.T) {
	w := hotlinetest.NewWorld(t)
	seen := hotline.NewSeen(100)
	env := mustSeal(t, w, "us-ops", hotline.Message{Room: hotline.RoomOps, Precedence: hotline.Flash, Body: []byte("launch")})
	wire, _ := env.Marshal()
	accept := func() error {
		e, err := hotline.DecodeEnvelope(wire)
		if err != nil {
			return err
		}
		if err := hotline.Verify(e, w.Dir); err != nil {
			return err
		}
		return seen.Add(e.ID, e.Created)
	}
	if err := accept(); err != nil {
		t.Fatalf("first delivery: %v", err)
	}
	if err := accept(); !errors.Is(err, hotline.ErrReplay) {
		t.Errorf("second delivery = %v, want ErrReplay", err)
	}
	// A replay with a fresh id breaks the signature.
	e := roundTrip(t, env)
	e.ID = hotline.NewMessageID()
	if err := hotline.Verify(e, w.Dir); !errors.Is(err, hotline.ErrBadSignature) {
		t.Errorf("replay under a new id = %v, want ErrBadSignature", err)
	}
}

func TestSealRefusesBadMessages(t *testing.T) {
	w := hotlinetest.NewWorld(t)
	big := hotline.Attachment{Name: "big.bin", MediaType: "application/octet-stream", Data: make([]byte, hotline.MaxAttachmentsSize/2)}
	for _, tt := range []struct {
		name string
		m    hotline.Message
		now  time.Time
		want error
	}{
		{"no_precedence", hotline.Message{Room: hotline.RoomOps, Body: []byte("x")}, t0, hotline.ErrMalformed},
		{"empty", hotline.Message{Room: hotline.RoomOps, Precedence: hotline.Flash}, t0, hotline.ErrMalformed},
		{"body_too_long", hotline.Message{Room: hotline.RoomOps, Precedence: hotline.Flash, Body: make([]byte, hotline.MaxBody+1)}, t0, hotline.ErrTooLarge},
		{"body_not_utf8", hotline.Message{Room: hotline.RoomOps, Precedence: hotline.Flash, Body: []byte{0xff}}, t0, hotline.ErrMalformed},
		{"attachments_too_big", hotline.Message{Room: hotline.RoomOps, Precedence: hotline.Flash, Attachments: []hotline.Attachment{big, big}}, t0, hotline.ErrTooLarge},
		{"too_many_attachments", hotline.Message{Room: hotline.RoomOps, Precedence: hotline.Flash,
			Attachments: slices.Repeat([]hotline.Attachment{{Name: "a", MediaType: "text/plain"}}, hotline.MaxAttachments+1)}, t0, hotline.ErrTooLarge},
		{"attachment_no_name", hotline.Message{Room: hotline.RoomOps, Precedence: hotline.Flash,
			Attachments: []hotline.Attachment{{MediaType: "text/plain", Data: []byte("x")}}}, t0, hotline.ErrMalformed},
		{"attachment_name_control", hotline.Message{Room: hotline.RoomOps, Precedence: hotline.Flash,
			Attachments: []hotline.Attachment{{Name: "a\nb", MediaType: "text/plain"}}}, t0, hotline.ErrMalformed},
		{"attachment_bad_type", hotline.Message{Room: hotline.RoomOps, Precedence: hotline.Flash,
			Attachments: []hotline.Attachment{{Name: "a", MediaType: "text/plain; charset=utf-8"}}}, t0, hotline.ErrMalformed},
		{"kind_bad", hotline.Message{Room: hotline.RoomOps, Kind: 7, Precedence: hotline.Flash, Body: []byte("x")}, t0, hotline.ErrMalformed},
		{"time_zero", hotline.Message{Room: hotline.RoomOps, Precedence: hotline.Flash, Body: []byte("x")}, time.Time{}, hotline.ErrMalformed},
	} {
		t.Run(tt.name, func(t *testing.T) {
			if _, err := hotline.Seal(w.Keys(t, "jp-ops"), w.Dir, tt.m, tt.now); !errors.Is(err, tt.want) {
				t.Errorf("Seal = %v, want %v", err, tt.want)
			}
		})
	}
	// Exactly at the limits is fine, and survives the wire.
	atLimit := hotline.Message{Room: hotline.RoomOps, Precedence: hotline.Flash, Body: bytes.Repeat([]byte("a"), hotline.MaxBody),
		Attachments: []hotline.Attachment{{Name: "big.bin", MediaType: "application/octet-stream", Data: make([]byte, hotline.MaxAttachmentsSize-len("big.bin")-len("application/octet-stream")-4)}}}
	env, err := hotline.Seal(w.Keys(t, "jp-ops"), w.Dir, atLimit, t0)
	if err != nil {
		t.Fatalf("Seal at the limits: %v", err)
	}
	wire, _ := env.Marshal()
	if len(wire) > hotline.MaxEnvelopeSize {
		t.Errorf("an envelope at the limits is %d bytes on the wire, over MaxEnvelopeSize %d", len(wire), hotline.MaxEnvelopeSize)
	}
	if p, err := hotline.Open(roundTrip(t, env), w.Keys(t, "us-ops"), w.Dir); err != nil || len(p.Attachments[0].Data) != len(atLimit.Attachments[0].Data) {
		t.Errorf("Open at the limits: %v", err)
	}
}

func TestSealRefusesMismatchedKeys(t *testing.T) {
	w := hotlinetest.NewWorld(t)
	other, err := hotline.GenerateDeviceKeys("jp-ops-1")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := hotline.Seal(other, w.Dir, hotline.Message{Room: hotline.RoomOps, Precedence: hotline.Flash, Body: []byte("x")}, t0); !errors.Is(err, hotline.ErrBadSignature) {
		t.Errorf("Seal with keys the directory does not hold = %v, want ErrBadSignature", err)
	}
}
