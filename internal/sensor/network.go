package sensor

import (
	"math"

	"github.com/trilink/trilink/internal/geo"
	"github.com/trilink/trilink/internal/nation"
)

// Performance classes of the built-in network. No official accuracies are
// public: the numbers are the benchmark assumptions of tracking.md §3.7
// (radar-equation reasoning after Skolnik 2001 ch. 6 and Barton 2005), to
// be swept ×0.5–×4 rather than taken as real values.
var (
	// xBand is an AN/TPY-2-like X-band array: σr 10 m, σθ 0.5 mrad, 1 Hz.
	// Its 1,500 km range follows the NAS report "Making Sense of Ballistic
	// Missile Defense" (2012), fig. 5-8, for TPY-2s in Japan; Lewis and
	// Postol (2012) argue for much less in discrimination. The array faces a
	// ±60° sector.
	xBand = Sensor{
		Kind: KindRadar, MaxRange: 1500e3, Rate: 1, Pd: 0.9,
		AzWidth: 120, ElMin: 1, ElMax: 85,
		Sigma: RadarSigma{Range: 10, Az: mrad(0.5), El: mrad(0.5)},
	}
	// lBand is a Green Pine (EL/M-2080)-like L-band early-warning radar:
	// σr 50 m, σθ 2 mrad, 0.5 Hz, 800 km, facing a ±60° sector. Korean
	// reports give ">500 km" for the central sets (2012) and "around 800 km"
	// for Block C (Yonhap, 2022-10-19).
	lBand = Sensor{
		Kind: KindRadar, MaxRange: 800e3, Rate: 0.5, Pd: 0.9,
		AzWidth: 120, ElMin: 0.5, ElMax: 85,
		Sigma: RadarSigma{Range: 50, Az: mrad(2), El: mrad(2)},
	}
	// fps5 is a J/FPS-5-like early-warning radar. Its three faces cover all
	// azimuths; no range or accuracy is public, so it takes the L-band
	// accuracy and an assumed 1,000 km.
	fps5 = Sensor{
		Kind: KindRadar, MaxRange: 1000e3, Rate: 0.5, Pd: 0.9,
		ElMin: 0.5, ElMax: 90,
		Sigma: RadarSigma{Range: 50, Az: mrad(2), El: mrad(2)},
	}
	// sBandShip is an Aegis SPY-1 (S-band) on a destroyer: four faces, all
	// azimuths; σr 30 m, σθ 1.5 mrad, 0.5 Hz, 800 km. No BMD range or
	// accuracy is public; these are parameters (tracking.md §3.7). The
	// antenna is about 20 m above the sea.
	sBandShip = Sensor{
		Kind: KindRadar, MaxRange: 800e3, Rate: 0.5, Pd: 0.9,
		ElMin: 0.5, ElMax: 90,
		Sigma: RadarSigma{Range: 30, Az: mrad(1.5), El: mrad(1.5)},
	}
	// geoIR is a SBIRS GEO-like staring infrared sensor: it sees a plume
	// above 10 km (above most cloud tops) while the motor burns, anywhere in
	// its view of the Earth. LOS noise 30 µrad (about 1 km at GEO range),
	// 1 Hz and Pd 0.95 are notional; SBIRS performance is not public.
	geoIR = Sensor{
		Kind: KindSpaceIR, MinAlt: 10e3, Rate: 1, Pd: 0.95, SigmaLOS: 30e-6,
	}
)

// mrad returns x milliradians in degrees.
func mrad(x float64) geo.Degrees { return geo.Radians(x * 1e-3).Degrees() }

// aimPoint is where the fixed-face arrays are assumed to face: the middle
// of North Korea's launch areas (Sohae/Tongchang-ri in the west to
// Tonghae/Musudan-ri in the east), so that all of them lie in the sector.
var aimPoint = geo.LLA{Lat: 39.8, Lon: 127.0}

// geoAlt is the height of the geostationary orbit above the equator, m.
const geoAlt = 35786e3

// DefaultNetwork returns the built-in sensor network: twelve sensors at
// publicly known, approximate sites, each owned by one nation. Positions
// are rounded public locations (press reports, Wikipedia and commercial
// imagery discussed in open sources), good to a few kilometres; ship
// positions are notional stations in the Sea of Japan (East Sea); the
// satellites' slots are notional. Heights are approximate antenna heights
// above the ellipsoid (terrain plus a geoid of about +30 m here). Fixed-face
// arrays face the middle of North Korea's launch areas. The performance figures are assumptions (see the
// classes above and tracking.md §3.7), not real values.
//
// Every call returns new Sensors, with their sequence numbers at zero.
func DefaultNetwork() []Sensor {
	radar := func(class Sensor, id, name string, n nation.Nation, site geo.LLA) Sensor {
		s := class
		s.ID, s.Name, s.Nation, s.Site = id, name, n, site
		if s.AzWidth > 0 {
			_, az, _ := geo.Inverse(site, aimPoint)
			s.AzCenter = geo.Degrees(math.Mod(float64(az)+360, 360))
		}
		return s
	}
	ir := func(id, name string, lon geo.Degrees) Sensor {
		s := geoIR
		s.ID, s.Name, s.Nation = id, name, nation.US
		s.Site = geo.LLA{Lat: 0, Lon: lon, Alt: geoAlt}
		return s
	}
	return []Sensor{
		// US forward-based AN/TPY-2 radars in Japan: the Shariki
		// Communications Site, Tsugaru, Aomori (2006) and the Kyogamisaki
		// Communications Site, Kyotango, Kyoto (2014).
		radar(xBand, "tpy2-shariki", "AN/TPY-2, Shariki, Aomori", nation.US, geo.LLA{Lat: 40.89, Lon: 140.33, Alt: 60}),
		radar(xBand, "tpy2-kyogamisaki", "AN/TPY-2, Kyogamisaki, Kyoto", nation.US, geo.LLA{Lat: 35.77, Lon: 135.22, Alt: 100}),
		// JMSDF Aegis destroyers (Kongo/Atago/Maya classes) on BMD station
		// in the Sea of Japan; notional positions.
		radar(sBandShip, "aegis-jp-north", "JMSDF Aegis destroyer, Sea of Japan (north station)", nation.JP, geo.LLA{Lat: 39.5, Lon: 136.5, Alt: 50}),
		radar(sBandShip, "aegis-jp-west", "JMSDF Aegis destroyer, Sea of Japan (west station)", nation.JP, geo.LLA{Lat: 37.5, Lon: 133.5, Alt: 50}),
		// JASDF J/FPS-5 early-warning radars at Shimokoshiki-jima,
		// Kagoshima, and on Sado island, Niigata.
		radar(fps5, "fps5-shimokoshiki", "J/FPS-5, Shimokoshiki-jima, Kagoshima", nation.JP, geo.LLA{Lat: 31.7, Lon: 129.75, Alt: 300}),
		radar(fps5, "fps5-sado", "J/FPS-5, Sado, Niigata", nation.JP, geo.LLA{Lat: 38.2, Lon: 138.5, Alt: 300}),
		// ROK Air Force Green Pine radars: two in the central region (in
		// service 2012; the second site here is notional, north-central)
		// and the Block C set in Busan (fully operational October 2022,
		// Yonhap 2022-10-19).
		radar(lBand, "greenpine-central", "Green Pine (EL/M-2080), near Cheongju", nation.KR, geo.LLA{Lat: 36.6, Lon: 127.4, Alt: 150}),
		radar(lBand, "greenpine-north", "Green Pine (EL/M-2080), north-central (notional)", nation.KR, geo.LLA{Lat: 37.9, Lon: 127.7, Alt: 150}),
		radar(lBand, "greenpine-busan", "Green Pine Block C (EL/M-2080), Busan", nation.KR, geo.LLA{Lat: 35.2, Lon: 129.1, Alt: 150}),
		// ROK Navy Aegis destroyer (Sejong the Great class, SPY-1D) in the
		// East Sea; notional position.
		radar(sBandShip, "aegis-kr-east", "ROKN Aegis destroyer, East Sea", nation.KR, geo.LLA{Lat: 37.5, Lon: 130.0, Alt: 45}),
		// US Space-Based Infrared System: six GEO satellites launched
		// 2011–2022 plus HEO payloads. Two notional GEO slots that both see
		// the Korean peninsula give a stereo baseline (tracking.md §5.4).
		ir("sbirs-geo-pacific", "SBIRS GEO, western Pacific (notional slot 150°E)", 150),
		ir("sbirs-geo-indian", "SBIRS GEO, Indian Ocean (notional slot 90°E)", 90),
	}
}
