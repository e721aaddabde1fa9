// Package warn decides public missile warnings: which of a nation's
// regions to tell to take shelter, and when to say the object has passed,
// where it came down, and that the call is lifted (DESIGN.md §6). It is
// pure computation over the predictions the estimator hands it; it imports
// no NATS or HTTP, and its subpackage cap turns its decisions into CAP 1.2
// documents.
//
// # Regions
//
// An [Atlas] holds each partner's warning regions and the maritime zones
// of the theatre, from the files of package geodata (sources, licences and
// attribution in geodata/ATTRIBUTION.md): Japan's 47 prefectures (GSI
// Global Map Japan; JIS X 0401 codes), the Republic of Korea's 17
// first-level divisions (KOSTAT 2018; KOSTAT codes, names as renamed in
// 2023 and 2024), and the US states and territories (Census 2017; FIPS
// codes), Guam, the Northern Mariana Islands, Hawaii and Alaska included.
// A [Region] is named by its ISO 3166-2 code ("JP-02") and has names in
// Japanese, Korean and English. Other countries' land (Natural Earth),
// every country's territorial sea (OpenStreetMap) and the EEZs (Marine
// Regions v10, simplified) complete the picture. [Default] loads the
// embedded copy once.
//
// # Zones
//
// [Atlas.Zone] says whose land or sea a point is in, testing land first,
// then the territorial sea, then the EEZ, as the data's README prescribes:
// the EEZ layer is coarse (outer limits under-stated by up to about 20 km,
// land holes degraded), so it is only consulted where the finer layers say
// nothing, and an answer within 20 km of an EEZ limit is flagged
// [Zone].NearLimit. [ImpactZone] is the "impact.zone" of `trilink analyze`.
//
// # Disputed areas
//
// Each nation warns by its own view of its territory; the data sources
// disagree exactly where the nations do, and the choice is made here:
//
//   - Takeshima/Dokdo. Japan's regions follow GSI, which puts the islets in
//     Shimane (JP-32); Korea's follow KOSTAT, which puts them in
//     Gyeongsangbuk-do (KR-47). So Japan's engine may alert Shimane and
//     Korea's may alert Gyeongsangbuk-do for the same point, and each
//     counts the islets' 12-nm sea and the Marine Regions "disputed area"
//     polygon as its own territorial sea and EEZ. The neutral answer
//     ([Atlas.Zone]) follows de-facto control: Korea.
//   - The Northern Territories/Southern Kurils. GSI puts Etorofu,
//     Kunashiri, Shikotan and the Habomai islets in Hokkaido (JP-01), so
//     Japan's engine treats them, their 12-nm sea and the disputed maritime
//     area as Japan's. The neutral answer follows de-facto control:
//     Russia (no partner); Korea and the US take the neutral view.
//   - Senkaku. GSI puts Uotsuri-jima and its neighbours in Okinawa (JP-47);
//     no other source draws land or a territorial sea there. Japan's view
//     and the neutral answer (Japan administers the islands) agree: Japan,
//     flagged disputed.
//
// Each nation's [Region].Shape is its own view; [Atlas.ZoneFor] gives a
// nation's view of a point and [Atlas.Zone] the neutral one. Zones in
// disputed areas carry [Zone].Disputed and the claimants. The 1974
// Japan–Korea joint development zone is EEZ of whichever party asks
// ([Zone].Joint).
//
// # Spatial index
//
// Every shape is indexed in one uniform grid of 0.25° cells over the
// theatre window (90°E eastward to 60°W, 30°S to 85°N). Each cell keeps,
// per shape, whether its centre is inside and the shape's edges crossing
// it, so a point-in-region test looks at one cell's edges only.
// [Atlas.Corridor] ("which regions lie within w of this ground track")
// and [Atlas.Ellipse] ("which regions does this impact ellipse touch") test
// only the cells near the query, with distances on a local equirectangular
// plane (WGS-84 radii at the query's latitude; within 2° of it the error is
// under 2 %). A 4,600 km track queried at 50 km takes about 0.15 ms.
//
// # Warning policy
//
// An [Engine] applies one nation's [Policy] to the [Prediction]s of each
// event and returns [Decision]s, each a complete picture that supersedes
// the nation's earlier messages for the event:
//
//   - take shelter (CAP Alert, then Update) for the nation's regions within
//     the corridor half-width of the predicted ground track, before the
//     object passes over them (J-Alert warns for any overflight of Japan's
//     territory whatever the altitude; the ceiling is off by default), and
//     for regions whose probability of impact on their land or territorial
//     sea exceeds the threshold (from the impact samples, or a fixed sample
//     of the 95 % ellipse);
//   - Update when regions are added, passed over (each once) or dropped
//     (the estimate moved away: all-clear for those regions), with
//     hysteresis so a region on the edge does not flap;
//   - a landing report ("fell … inside/outside Japan's EEZ") that also lifts
//     every remaining call, sent if the nation said anything about the
//     event or if the object fell in the nation's own zones;
//   - an all-clear when a lost (or silent) track's calls are held
//     LostHold past its last predicted impact ([Engine.Tick]);
//   - a Cancel of every message when the event is retracted
//     ([Engine.Retract]).
//
// Each nation alerts only its own regions. Wording is data ([Templates],
// defaults after the J-Alert templates) in Japanese, Korean and English.
//
// # Drills
//
// An engine's type parameter fixes its status: Engine[Live] decides Actual
// messages and Engine[Drill] Exercise ones, and the two kinds of
// [Decision] are different types, so a drill cannot be passed where a real
// message is expected. Drill identifiers, notes and texts are marked too,
// and cap's validator rejects any mixture.
//
// # Concurrency
//
// An Atlas is immutable and safe for concurrent use; an Engine serialises
// its methods with a mutex.
package warn
