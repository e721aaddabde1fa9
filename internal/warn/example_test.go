package warn_test

import (
	"fmt"
	"time"

	"github.com/trilink/trilink/internal/geo"
	"github.com/trilink/trilink/internal/nation"
	"github.com/trilink/trilink/internal/warn"
	"github.com/trilink/trilink/internal/warn/warntest"
)

func ExampleEngine() {
	// Japan's engine, real warnings.
	e, err := warn.NewEngine[warn.Live](warn.DefaultPolicy(nation.JP), nil)
	if err != nil {
		panic(err)
	}
	// A 2022-10-04-like IRBM, estimated one minute after launch.
	f := warntest.Overflight20221004()
	ds, err := e.Update(f.Prediction("NK-20221004", time.Minute, 50, 20))
	if err != nil {
		panic(err)
	}
	for _, d := range ds {
		fmt.Println(d.Identifier, d.MsgType, d.Sent.Format(time.TimeOnly))
		fmt.Println("take shelter:", d.Regions(warn.Shelter))
		fmt.Println(d.Groups[0].Text[warn.En].Description)
		fmt.Println(d.Groups[0].Text[warn.Ja].Description)
	}
	// Output:
	// JP.trilink.NK-20221004.0001 Alert 07:23:00
	// take shelter: [JP-02 JP-03 JP-05]
	// The missile is expected to pass over Aomori, Iwate, Akita at about 07:28 JST.
	// ミサイルは、07時28分頃、青森県、岩手県、秋田県の上空を通過するものとみられます。
}

func ExampleAtlas_ZoneFor() {
	a := warn.Default()
	takeshima := geo.LLA{Lat: 37.2417, Lon: 131.8667}
	fmt.Println("neutral:", a.Zone(takeshima))
	fmt.Println("jp view:", a.ZoneFor(nation.JP, takeshima))
	fmt.Println("kr view:", a.ZoneFor(nation.KR, takeshima))
	// Output:
	// neutral: kr land KR-47 (disputed)
	// jp view: jp land JP-32 (disputed)
	// kr view: kr territorial_sea KR-47 (disputed)
}

func ExampleAtlas_Corridor() {
	a := warn.Default()
	// The ground track of the 2022-10-04 IRBM, a point every 20 km.
	var track []geo.LLA
	for d := 0.0; d <= 2000e3; d += 20e3 {
		p, _ := geo.Direct(geo.LLA{Lat: 40.61, Lon: 126.43}, 85, geo.Meters(d))
		track = append(track, p)
	}
	for _, w := range []geo.Meters{0, 50e3, 100e3} {
		fmt.Printf("%3.0f km: %v\n", w/1000, a.Corridor(nation.JP, track, w))
	}
	// Output:
	//   0 km: [JP-02]
	//  50 km: [JP-02 JP-03 JP-05]
	// 100 km: [JP-01 JP-02 JP-03 JP-05]
}

func ExampleImpactZone() {
	for _, p := range [][2]float64{{41.0, 137.0}, {35.68, 139.77}, {39.04, 125.76}, {32.2, 177.4}} {
		z := warn.ImpactZone(p[0], p[1])
		fmt.Printf("%5.2f %6.2f: %s %s\n", p[0], p[1], z.Nation, z.Kind)
	}
	// Output:
	// 41.00 137.00: jp eez
	// 35.68 139.77: jp land
	// 39.04 125.76: unknown land
	// 32.20 177.40: unknown high_seas
}
