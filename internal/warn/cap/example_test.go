package cap_test

import (
	"fmt"
	"strings"
	"time"

	"github.com/trilink/trilink/internal/nation"
	"github.com/trilink/trilink/internal/warn"
	"github.com/trilink/trilink/internal/warn/cap"
	"github.com/trilink/trilink/internal/warn/warntest"
)

func ExampleCompose() {
	e, err := warn.NewEngine[warn.Live](warn.DefaultPolicy(nation.JP), nil)
	if err != nil {
		panic(err)
	}
	f := warntest.Overflight20221004()
	ds, err := e.Update(f.Prediction("NK-20221004", time.Minute, 50, 20))
	if err != nil {
		panic(err)
	}
	m, err := cap.Compose(&ds[0])
	if err != nil {
		panic(err) // never send a document that fails validation
	}
	a := m.Alert
	fmt.Println(m.Path())
	fmt.Println(a.Sent, a.Status, a.MsgType)
	for _, in := range a.Info {
		fmt.Println(in.Language, in.ResponseType, in.Urgency, in.Severity, in.Area[0].AreaDesc, len(in.Area[0].Polygon), "polygon")
	}
	// Output:
	// /cap/jp/alerts/JP.trilink.NK-20221004.0001.xml
	// 2022-10-04T07:23:00+09:00 Actual Alert
	// ja-JP [Shelter] Immediate Severe 青森県 1 polygon
	// ko-KR [Shelter] Immediate Severe 아오모리현 1 polygon
	// en-US [Shelter] Immediate Severe Aomori 1 polygon
}

func ExampleEncode() {
	sent := time.Date(2022, 10, 4, 7, 27, 0, 0, time.FixedZone("JST", 9*3600))
	a := &cap.Alert{
		Identifier: "JP.trilink.NK-20221004.0001",
		Sender:     "trilink-jp@example.invalid",
		Sent:       cap.At(sent),
		Status:     cap.Actual,
		MsgType:    cap.MsgAlert,
		Scope:      cap.Restricted, // but no restriction: invalid CAP
		Info: []cap.Info{{
			Category: []cap.Category{cap.CategorySecurity}, Event: "Missile launch",
			Urgency: cap.Immediate, Severity: cap.Extreme, Certainty: cap.Likely,
			Area: []cap.Area{{AreaDesc: "Aomori", Polygon: []cap.Polygon{{{41.0, 140.0}, {41.5, 141.5}, {41.0, 140.0}}}}},
		}},
	}
	_, err := cap.Encode(a)
	for _, p := range strings.Split(err.Error(), "; ") {
		fmt.Println(p)
	}
	// Output:
	// cap: alert "JP.trilink.NK-20221004.0001" is invalid: RESTRICTION_SCOPE_MISMATCH at restriction: scope is Restricted but there is no restriction
	// INVALID_POLYGON at info[0].area[0].polygon[0]: 3 points, want at least 4
}

func ExampleFeed() {
	e, _ := warn.NewEngine[warn.Drill](warn.DefaultPolicy(nation.KR), nil)
	f := warntest.Overflight20221004()
	var msgs []cap.Message[warn.Drill]
	// A drill in which the flight lands near Busan.
	p := f.Prediction("DRILL-1", time.Minute, 20, 10)
	p.Impact.Lat, p.Impact.Lon = 35.1, 129.05
	ds, _ := e.Update(p)
	for i := range ds {
		m, err := cap.Compose(&ds[i])
		if err != nil {
			panic(err)
		}
		msgs = append(msgs, m)
	}
	feed := string(cap.Feed(nation.KR, msgs))
	for _, line := range strings.Split(feed, "\n") {
		if strings.Contains(line, "<title>") || strings.Contains(line, "cap+xml") {
			fmt.Println(strings.TrimSpace(line))
		}
	}
	// Output:
	// <title>trilink CAP alerts: kr (Exercise)</title>
	// <title>[훈련] 즉시 대피. 즉시 대피. 미사일이 부산광역시, 경상남도 주변에 낙하할 우려가 있습니다.</title>
	// <link rel="alternate" type="application/cap+xml" href="/cap/kr/alerts/KR.trilink-exercise.DRILL-1.0001.xml"></link>
}
