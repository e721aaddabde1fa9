package warn

import (
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"

	"github.com/trilink/trilink/internal/nation"
)

// Template is the wording of one kind of message in one language. The
// placeholders {regions}, {time}, {place}, {zone} and {nation} are
// replaced (see [Templates]); unknown ones are left as written.
type Template struct {
	Headline, Description, Instruction string
}

// Templates is the wording of every message in one language: data, not
// code, so each nation can keep its authorities' wording and version it.
// The defaults ([DefaultTemplates]) follow the J-Alert templates of
// research/alerting-hotline.md §2.2.
//
// Placeholders: {regions} the group's region names joined by ListSep;
// {time} the group's time in TimeLayout (overflight: first entry into the
// corridor; fall and landing: impact; passed: last exit; all-clear: the
// decision; cancel: the first message); {place} where a landing was (one
// of the Place templates, which take {region}, {distance} in km,
// {direction} and {latlon}); {zone} the landing's zone (Zone or Outside,
// which take {nation}, plus NearLimit); {nation} the issuing nation's name.
type Templates struct {
	Event      string // CAP info/event, the same in every group
	SenderName string // CAP info/senderName
	Drill      string // prefix of headlines and descriptions of exercises
	TimeLayout string // Go time layout for {time}
	ListSep    string // between region names

	Overflight Template // take shelter: the object will pass over
	Fall       Template // take shelter now: it may fall on the region
	Passed     Template // it has passed over
	LandedOwn  Template // it fell on the nation's land or territorial sea
	LandedSea  Template // it fell at sea outside the territorial sea
	AllClear   Template // the call to shelter is lifted: the estimate moved away
	Lost       Template // the call to shelter is lifted: the track was lost
	Cancel     Template // the earlier message was in error

	Zone      map[Kind]string // land, territorial sea, EEZ of {nation}
	Outside   string          // outside the issuing nation's EEZ
	NearLimit string          // appended to {zone} near an EEZ limit

	PlaceOn, PlaceCoast, PlaceNear, PlaceFar string
	Directions                               [8]string // N, NE, E, SE, S, SW, W, NW
	// LatLon formats {latlon} with {lat}, {lon} (degrees, one decimal,
	// unsigned) and {ns}, {ew} from Hemispheres (N, S, E, W).
	LatLon      string
	Hemispheres [4]string
	Nations     map[nation.Nation]string
}

// DefaultTemplates returns trilink's default wording in ja, ko and en.
func DefaultTemplates() map[Lang]Templates {
	suspicious := map[Lang]string{
		Ja: "不審な物を発見した場合には、決して近寄らず、直ちに警察や消防などに連絡して下さい。",
		Ko: "수상한 물체를 발견하면 절대 가까이 가지 말고 즉시 경찰이나 소방서에 연락하십시오.",
		En: "If you find a suspicious object, do not approach it; call the police or fire service at once.",
	}
	return map[Lang]Templates{
		Ja: {
			Event: "弾道ミサイル情報", SenderName: "trilink（{nation}）", Drill: "【訓練】",
			TimeLayout: "15時04分", ListSep: "、",
			Overflight: Template{
				"ミサイル発射。ミサイル発射。北朝鮮からミサイルが発射されたものとみられます。",
				"ミサイルは、{time}頃、{regions}の上空を通過するものとみられます。",
				"建物の中、又は地下に避難して下さい。"},
			Fall: Template{
				"直ちに避難。直ちに避難。ミサイルが{regions}周辺に落下するおそれがあります。",
				"ミサイルが、{time}頃、{regions}周辺に落下するものとみられます。直ちに避難して下さい。",
				"直ちに建物の中、又は地下に避難して下さい。"},
			Passed: Template{
				"ミサイル通過。ミサイル通過。",
				"先程のミサイルは、{time}頃、{regions}の上空を通過したものとみられます。",
				suspicious[Ja]},
			LandedOwn: Template{
				"ミサイル落下。ミサイル落下。",
				"ミサイルが、{time}頃、{place}に落下したものとみられます（{zone}）。",
				"続報を伝達しますので、引き続き屋内に避難して下さい。"},
			LandedSea: Template{
				"ミサイル落下情報。",
				"先程のミサイルは、{time}頃、{place}に落下したものとみられます（{zone}）。",
				suspicious[Ja]},
			AllClear: Template{
				"避難の呼びかけを解除します。",
				"先程のミサイルは{regions}には飛来しないものとみられます。避難の呼びかけを解除します。", ""},
			Lost: Template{
				"避難の呼びかけを解除します。",
				"ミサイルの航跡は{time}頃に途絶えました。{regions}に落下するおそれはなくなったものとみられます。避難の呼びかけを解除します。", ""},
			Cancel: Template{
				"先程の情報は誤りです。",
				"{time}に発信した{regions}に関する情報は誤りです。取り消します。", ""},
			Zone: map[Kind]string{Land: "{nation}の陸地", TerritorialSea: "{nation}の領海",
				EEZ: "{nation}の排他的経済水域（EEZ）内"},
			Outside:   "{nation}の排他的経済水域（EEZ）外",
			NearLimit: "、EEZの境界付近",
			PlaceOn:   "{region}", PlaceCoast: "{region}の沿岸",
			PlaceNear: "{region}の{direction}約{distance}km", PlaceFar: "{latlon}付近",
			Directions:  [8]string{"北", "北東", "東", "南東", "南", "南西", "西", "北西"},
			LatLon:      "{ns}{lat}度、{ew}{lon}度",
			Hemispheres: [4]string{"北緯", "南緯", "東経", "西経"},
			Nations:     map[nation.Nation]string{nation.JP: "日本", nation.KR: "韓国", nation.US: "米国"},
		},
		Ko: {
			Event: "탄도미사일 정보", SenderName: "trilink({nation})", Drill: "[훈련] ",
			TimeLayout: "15시 04분", ListSep: ", ",
			Overflight: Template{
				"미사일 발사. 미사일 발사. 북한에서 미사일이 발사된 것으로 보입니다.",
				"미사일은 {time}경 {regions} 상공을 통과할 것으로 보입니다.",
				"건물 안이나 지하로 대피하십시오."},
			Fall: Template{
				"즉시 대피. 즉시 대피. 미사일이 {regions} 주변에 낙하할 우려가 있습니다.",
				"미사일이 {time}경 {regions} 주변에 낙하할 것으로 보입니다. 즉시 대피하십시오.",
				"즉시 건물 안이나 지하로 대피하십시오."},
			Passed: Template{
				"미사일 통과. 미사일 통과.",
				"조금 전의 미사일은 {time}경 {regions} 상공을 통과한 것으로 보입니다.",
				suspicious[Ko]},
			LandedOwn: Template{
				"미사일 낙하. 미사일 낙하.",
				"미사일이 {time}경 {place}에 낙하한 것으로 보입니다({zone}).",
				"추가 정보를 전달할 예정이니 계속 실내에 대피하십시오."},
			LandedSea: Template{
				"미사일 낙하 정보.",
				"조금 전의 미사일은 {time}경 {place}에 낙하한 것으로 보입니다({zone}).",
				suspicious[Ko]},
			AllClear: Template{
				"대피 요청을 해제합니다.",
				"조금 전의 미사일은 {regions}에 날아오지 않을 것으로 보입니다. 대피 요청을 해제합니다.", ""},
			Lost: Template{
				"대피 요청을 해제합니다.",
				"미사일의 항적은 {time}경 끊겼습니다. {regions}에 낙하할 우려는 없어진 것으로 보입니다. 대피 요청을 해제합니다.", ""},
			Cancel: Template{
				"조금 전의 정보는 오류입니다.",
				"{time}에 발신한 {regions}에 관한 정보는 오류이므로 취소합니다.", ""},
			Zone: map[Kind]string{Land: "{nation} 영토", TerritorialSea: "{nation} 영해",
				EEZ: "{nation} 배타적경제수역(EEZ) 내"},
			Outside:   "{nation} 배타적경제수역(EEZ) 밖",
			NearLimit: ", EEZ 경계 부근",
			PlaceOn:   "{region}", PlaceCoast: "{region} 연안",
			PlaceNear: "{region} {direction}쪽 약 {distance}km", PlaceFar: "{latlon} 부근",
			Directions:  [8]string{"북", "북동", "동", "남동", "남", "남서", "서", "북서"},
			LatLon:      "{ns} {lat}도, {ew} {lon}도",
			Hemispheres: [4]string{"북위", "남위", "동경", "서경"},
			Nations:     map[nation.Nation]string{nation.JP: "일본", nation.KR: "한국", nation.US: "미국"},
		},
		En: {
			Event: "Ballistic missile", SenderName: "trilink ({nation})", Drill: "[EXERCISE] ",
			TimeLayout: "15:04 MST", ListSep: ", ",
			Overflight: Template{
				"Missile launch. A missile appears to have been launched from North Korea.",
				"The missile is expected to pass over {regions} at about {time}.",
				"Take shelter inside a building or underground."},
			Fall: Template{
				"Take shelter now. The missile may fall around {regions}.",
				"The missile is expected to fall around {regions} at about {time}. Take shelter now.",
				"Go inside a building or underground immediately."},
			Passed: Template{
				"Missile passed.",
				"The missile appears to have passed over {regions} at about {time}.",
				suspicious[En]},
			LandedOwn: Template{
				"Missile has fallen.",
				"The missile appears to have fallen {place} at about {time} ({zone}).",
				"Stay indoors; more information will follow."},
			LandedSea: Template{
				"Missile has fallen at sea.",
				"The missile appears to have fallen {place} at about {time} ({zone}).",
				suspicious[En]},
			AllClear: Template{
				"The call to take shelter is lifted.",
				"The missile appears not to be flying to {regions}. The call to take shelter is lifted.", ""},
			Lost: Template{
				"The call to take shelter is lifted.",
				"The missile's track was lost at about {time}. It no longer appears able to fall on {regions}. The call to take shelter is lifted.", ""},
			Cancel: Template{
				"The earlier message was in error.",
				"The message about {regions} sent at {time} was in error and is withdrawn.", ""},
			Zone: map[Kind]string{Land: "on the land of {nation}", TerritorialSea: "inside the territorial sea of {nation}",
				EEZ: "inside the exclusive economic zone (EEZ) of {nation}"},
			Outside:   "outside the exclusive economic zone (EEZ) of {nation}",
			NearLimit: ", near the EEZ limit",
			PlaceOn:   "on {region}", PlaceCoast: "off the coast of {region}",
			PlaceNear: "about {distance} km {direction} of {region}", PlaceFar: "near {latlon}",
			Directions:  [8]string{"north", "northeast", "east", "southeast", "south", "southwest", "west", "northwest"},
			LatLon:      "{lat}°{ns} {lon}°{ew}",
			Hemispheres: [4]string{"N", "S", "E", "W"},
			Nations:     map[nation.Nation]string{nation.JP: "Japan", nation.KR: "the Republic of Korea", nation.US: "the United States"},
		},
	}
}

// check reports a template set missing something the engine needs.
func (t Templates) check() error {
	for name, v := range map[string]string{
		"Event": t.Event, "TimeLayout": t.TimeLayout, "Drill": t.Drill, "Outside": t.Outside,
		"PlaceOn": t.PlaceOn, "PlaceCoast": t.PlaceCoast, "PlaceNear": t.PlaceNear, "PlaceFar": t.PlaceFar, "LatLon": t.LatLon,
		"Overflight.Headline": t.Overflight.Headline, "Fall.Headline": t.Fall.Headline,
		"Passed.Headline": t.Passed.Headline, "LandedOwn.Headline": t.LandedOwn.Headline,
		"LandedSea.Headline": t.LandedSea.Headline, "AllClear.Headline": t.AllClear.Headline,
		"Lost.Headline": t.Lost.Headline, "Cancel.Headline": t.Cancel.Headline,
	} {
		if strings.TrimSpace(v) == "" {
			return fmt.Errorf("template %s is empty", name)
		}
	}
	for _, k := range []Kind{Land, TerritorialSea, EEZ} {
		if t.Zone[k] == "" {
			return fmt.Errorf("template Zone[%s] is empty", k)
		}
	}
	for _, n := range nation.Nations {
		if t.Nations[n] == "" {
			return fmt.Errorf("template Nations[%s] is empty", n)
		}
	}
	return nil
}

// vars holds placeholder values for one group.
type vars struct {
	regions []*Region
	at      time.Time
	landing *Landing
}

// render fills tp in language l for nation self.
func (t Templates) render(tp Template, l Lang, self nation.Nation, loc *time.Location, v vars, drill bool) Text {
	names := make([]string, len(v.regions))
	for i, r := range v.regions {
		names[i] = r.Name.In(l)
	}
	pairs := []string{
		"{regions}", strings.Join(names, t.ListSep),
		"{time}", v.at.In(loc).Format(t.TimeLayout),
		"{nation}", t.Nations[self],
	}
	if v.landing != nil {
		pairs = append(pairs, "{place}", t.place(l, v.landing), "{zone}", t.zone(self, v.landing.Zone))
	}
	rep := strings.NewReplacer(pairs...)
	out := Text{
		Event:       t.Event,
		SenderName:  rep.Replace(t.SenderName),
		Headline:    rep.Replace(tp.Headline),
		Description: rep.Replace(tp.Description),
		Instruction: rep.Replace(tp.Instruction),
	}
	if drill {
		out.Headline = t.Drill + out.Headline
		if out.Description != "" {
			out.Description = t.Drill + out.Description
		}
	}
	return out
}

// zone renders a landing zone as self sees it.
func (t Templates) zone(self nation.Nation, z Zone) string {
	var s string
	if z.Nation.Valid() && t.Zone[z.Kind] != "" {
		s = strings.ReplaceAll(t.Zone[z.Kind], "{nation}", t.Nations[z.Nation])
	} else {
		s = strings.ReplaceAll(t.Outside, "{nation}", t.Nations[self])
	}
	if z.NearLimit {
		s += t.NearLimit
	}
	return s
}

// place renders where a landing was.
func (t Templates) place(l Lang, ld *Landing) string {
	switch {
	case ld.Zone.Region != nil && ld.Zone.Kind == Land:
		return strings.ReplaceAll(t.PlaceOn, "{region}", ld.Zone.Region.Name.In(l))
	case ld.Zone.Region != nil && ld.Zone.Kind == TerritorialSea:
		return strings.ReplaceAll(t.PlaceCoast, "{region}", ld.Zone.Region.Name.In(l))
	case ld.Nearest != nil:
		dir := int(math.Mod(math.Round(ld.BearingDeg/45)+8, 8))
		return strings.NewReplacer(
			"{region}", ld.Nearest.Name.In(l),
			"{distance}", roundKm(ld.DistanceKm),
			"{direction}", t.Directions[dir],
		).Replace(t.PlaceNear)
	}
	lat, lon := float64(ld.Point.Lat), float64(ld.Point.Lon)
	ns, ew := t.Hemispheres[0], t.Hemispheres[2]
	if lat < 0 {
		ns = t.Hemispheres[1]
	}
	lon = math.Remainder(lon, 360)
	if lon < 0 {
		ew = t.Hemispheres[3]
	}
	ll := strings.NewReplacer(
		"{lat}", strconv.FormatFloat(math.Abs(lat), 'f', 1, 64),
		"{lon}", strconv.FormatFloat(math.Abs(lon), 'f', 1, 64),
		"{ns}", ns, "{ew}", ew,
	).Replace(t.LatLon)
	return strings.ReplaceAll(t.PlaceFar, "{latlon}", ll)
}

// roundKm rounds a distance for the public: to 10 km above 100 km, else to
// 1 km, with thousands separated by commas.
func roundKm(d float64) string {
	if d >= 100 {
		d = math.Round(d/10) * 10
	} else {
		d = math.Round(d)
	}
	s := strconv.FormatInt(int64(d), 10)
	if len(s) > 3 {
		s = s[:len(s)-3] + "," + s[len(s)-3:]
	}
	return s
}
