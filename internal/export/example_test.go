package export_test

import (
	"bytes"
	"fmt"
	"time"

	"github.com/trilink/trilink/internal/export"
	"github.com/trilink/trilink/internal/export/exporttest"
)

func ExampleWrite() {
	f, err := export.ParseFormat("geojson")
	if err != nil {
		fmt.Println(err)
		return
	}
	launch := time.Date(2022, 10, 3, 22, 22, 0, 0, time.UTC)
	ev := exporttest.Overflight(launch).At(launch.Add(400 * time.Second))
	var buf bytes.Buffer
	if err := export.Write(&buf, f, ev, exporttest.Areas()); err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(f.MediaType(), export.CheckGeoJSON(buf.Bytes()))
	_, err = export.ParseFormat("kmz")
	fmt.Println(err)
	// Output:
	// application/geo+json <nil>
	// export: unknown format "kmz" (want kml, czml or geojson)
}
