package takproto_test

import (
	"fmt"

	"github.com/trilink/trilink/internal/cot/takproto"
	"google.golang.org/protobuf/proto"
)

func ExampleTakMessage() {
	m := &takproto.TakMessage{CotEvent: &takproto.CotEvent{Type: "a-h-A-W-M-S-S", Uid: "trilink.E-1", How: "m-f",
		SendTime: 1767225600000, StartTime: 1767225600000, StaleTime: 1767225620000, Lat: 39.1, Lon: 131.5, Hae: 212000,
		Ce: 9999999, Le: 9999999, Detail: &takproto.Detail{Track: &takproto.Track{Course: 112, Speed: 2400}}}}
	b, err := proto.Marshal(m)
	if err != nil {
		fmt.Println(err)
		return
	}
	var back takproto.TakMessage
	if err := proto.Unmarshal(b, &back); err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(back.GetCotEvent().GetUid(), back.GetCotEvent().GetDetail().GetTrack().GetSpeed())
	// Output: trilink.E-1 2400
}
