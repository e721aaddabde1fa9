package hotline_test

import (
	"fmt"
	"time"

	"github.com/trilink/trilink/internal/hotline"
	"github.com/trilink/trilink/internal/nation"
)

func Example() {
	// Device keys; in production each nation's PKI certifies its own.
	jp, _ := hotline.GenerateDeviceKeys("jp-leader-1")
	kr, _ := hotline.GenerateDeviceKeys("kr-leader-1")
	us, _ := hotline.GenerateDeviceKeys("us-leader-1")
	nsa, _ := hotline.GenerateDeviceKeys("us-nsa-1")
	dir, err := hotline.NewDirectory([]hotline.Member{
		{ID: "jp-leader", Nation: nation.JP, Role: "leader", Devices: []hotline.Device{jp.Public()}},
		{ID: "kr-leader", Nation: nation.KR, Role: "leader", Devices: []hotline.Device{kr.Public()}},
		{ID: "us-leader", Nation: nation.US, Role: "leader", Devices: []hotline.Device{us.Public()}, Alternates: []hotline.MemberID{"us-nsa"}},
		{ID: "us-nsa", Nation: nation.US, Role: "national-security-adviser", Devices: []hotline.Device{nsa.Public()}},
	}, []hotline.Room{{ID: hotline.RoomLeaders, Kind: hotline.Standing, Members: []hotline.MemberID{"jp-leader", "kr-leader", "us-leader"}}})
	if err != nil {
		fmt.Println(err)
		return
	}
	sent := time.Date(2026, 3, 1, 22, 25, 0, 0, time.UTC)

	// Japan seals a FLASH message; the transport carries the wire form.
	env, err := hotline.Seal(jp, dir, hotline.Message{Room: hotline.RoomLeaders, Precedence: hotline.Flash,
		Body: []byte("Launch over Aomori at 22:22Z. Requesting a call.")}, sent)
	if err != nil {
		fmt.Println(err)
		return
	}
	wire, _ := env.Marshal()

	// Korea decodes, verifies and decrypts it, and acknowledges.
	got, err := hotline.DecodeEnvelope(wire)
	if err != nil {
		fmt.Println(err)
		return
	}
	p, err := hotline.Open(got, kr, dir)
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Printf("%s [%s] %s: %s\n", got.Subject(), got.Precedence, p.Envelope.Sender, p.Body)
	ack, _ := hotline.NewReceipt(kr, dir, got, hotline.Acknowledged, sent.Add(20*time.Second))

	// Japan tracks the message; the US leader does not acknowledge in time.
	tr := hotline.NewTracker(dir, hotline.DefaultDeadlines())
	_ = tr.Sent(env)
	_ = tr.Receipt(ack, sent.Add(21*time.Second))
	for _, e := range tr.Tick(sent.Add(time.Minute)) {
		fmt.Printf("escalation step %d: %s missed %s, deliver to %s\n", e.Step, e.Member, e.Deadline.Format("15:04:05"), e.Alternate)
	}
	s, _ := tr.Status(env.ID)
	for _, m := range s.Members {
		fmt.Printf("%s: %s\n", m.Member, m.State)
	}
	// Output:
	// shared.jp.hotline.leaders [flash] jp-leader: Launch over Aomori at 22:22Z. Requesting a call.
	// escalation step 1: us-leader missed 22:26:00, deliver to us-nsa
	// kr-leader: acknowledged
	// us-leader: unknown
}
