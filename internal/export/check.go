package export

import (
	"bytes"
	"encoding/json"
	"encoding/xml"
	"fmt"
	"io"
	"math"
	"regexp"
	"strconv"
	"strings"
	"time"
)

// kmlModel is the content model of each KML 2.2 element this package
// writes: its allowed children in schema order, each with its maximum
// count (0 for unbounded). Names starting with "@" are substitution
// groups. Taken from OGC 07-147r2 and ogckml22.xsd's sequences
// (AbstractFeatureType: name, visibility, open, …, Snippet, description,
// AbstractViewGroup, AbstractTimePrimitiveGroup, styleUrl,
// AbstractStyleSelectorGroup*, Region, ExtendedData).
var kmlModel = map[string][]kmlChild{
	"kml":             {{"@feature", 1}},
	"Document":        append(featureChildren(), kmlChild{"Schema", 0}, kmlChild{"@feature", 0}),
	"Folder":          append(featureChildren(), kmlChild{"@feature", 0}),
	"Placemark":       append(featureChildren(), kmlChild{"@geometry", 1}),
	"Style":           {{"IconStyle", 1}, {"LabelStyle", 1}, {"LineStyle", 1}, {"PolyStyle", 1}, {"BalloonStyle", 1}, {"ListStyle", 1}},
	"IconStyle":       {{"color", 1}, {"colorMode", 1}, {"scale", 1}, {"heading", 1}, {"Icon", 1}, {"hotSpot", 1}},
	"LabelStyle":      {{"color", 1}, {"colorMode", 1}, {"scale", 1}},
	"LineStyle":       {{"color", 1}, {"colorMode", 1}, {"width", 1}},
	"PolyStyle":       {{"color", 1}, {"colorMode", 1}, {"fill", 1}, {"outline", 1}},
	"Icon":            {{"href", 1}},
	"TimeStamp":       {{"when", 1}},
	"TimeSpan":        {{"begin", 1}, {"end", 1}},
	"ExtendedData":    {{"Data", 0}},
	"Data":            {{"displayName", 1}, {"value", 1}},
	"Point":           {{"extrude", 1}, {"altitudeMode", 1}, {"coordinates", 1}},
	"LineString":      {{"extrude", 1}, {"tessellate", 1}, {"altitudeMode", 1}, {"coordinates", 1}},
	"LinearRing":      {{"extrude", 1}, {"tessellate", 1}, {"altitudeMode", 1}, {"coordinates", 1}},
	"Polygon":         {{"extrude", 1}, {"tessellate", 1}, {"altitudeMode", 1}, {"outerBoundaryIs", 1}, {"innerBoundaryIs", 0}},
	"outerBoundaryIs": {{"LinearRing", 1}},
	"innerBoundaryIs": {{"LinearRing", 1}},
	"MultiGeometry":   {{"@geometry", 0}},
}

type kmlChild struct {
	name string
	max  int
}

func featureChildren() []kmlChild {
	return []kmlChild{{"name", 1}, {"visibility", 1}, {"open", 1}, {"Snippet", 1}, {"description", 1},
		{"@time", 1}, {"styleUrl", 1}, {"@style", 0}, {"Region", 1}, {"ExtendedData", 1}}
}

var kmlGroups = map[string]string{
	"Document": "@feature", "Folder": "@feature", "Placemark": "@feature",
	"Point": "@geometry", "LineString": "@geometry", "LinearRing": "@geometry", "Polygon": "@geometry", "MultiGeometry": "@geometry",
	"TimeStamp": "@time", "TimeSpan": "@time",
	"Style": "@style",
}

// kmlLeaf checks the text of each simple-content element.
var kmlLeaf = map[string]func(string) error{
	"name": anyText, "description": anyText, "Snippet": anyText, "styleUrl": anyText, "href": anyText,
	"value": anyText, "displayName": anyText,
	"visibility": kmlBool, "open": kmlBool, "extrude": kmlBool, "tessellate": kmlBool, "fill": kmlBool, "outline": kmlBool,
	"color": func(s string) error {
		if !kmlColorRE.MatchString(s) {
			return fmt.Errorf("color %q is not aabbggrr hex", s)
		}
		return nil
	},
	"colorMode":    enum("normal", "random"),
	"altitudeMode": enum("clampToGround", "relativeToGround", "absolute"),
	"scale":        kmlDouble, "heading": kmlDouble, "width": kmlDouble,
	"when": kmlDateTime, "begin": kmlDateTime, "end": kmlDateTime,
	"coordinates": func(s string) error { _, err := kmlCoordinates(s); return err },
}

var (
	kmlColorRE = regexp.MustCompile(`^[0-9a-fA-F]{8}$`)
	ncNameRE   = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_.\-]*$`)
)

func anyText(string) error { return nil }

func kmlBool(s string) error {
	switch s {
	case "0", "1", "true", "false":
		return nil
	}
	return fmt.Errorf("%q is not a boolean", s)
}

func kmlDouble(s string) error {
	if _, err := strconv.ParseFloat(s, 64); err != nil {
		return fmt.Errorf("%q is not a double", s)
	}
	return nil
}

func kmlDateTime(s string) error {
	if _, err := time.Parse(time.RFC3339Nano, s); err != nil {
		return fmt.Errorf("%q is not an xs:dateTime with a zone", s)
	}
	return nil
}

func enum(vals ...string) func(string) error {
	return func(s string) error {
		for _, v := range vals {
			if s == v {
				return nil
			}
		}
		return fmt.Errorf("%q is not one of %s", s, strings.Join(vals, ", "))
	}
}

// kmlCoordinates parses a KML coordinates string: whitespace-separated
// tuples lon,lat[,alt] with longitude in [−180, 180] and latitude in
// [−90, 90].
func kmlCoordinates(s string) ([][]float64, error) {
	var out [][]float64
	for _, tup := range strings.Fields(s) {
		parts := strings.Split(tup, ",")
		if len(parts) < 2 || len(parts) > 3 {
			return nil, fmt.Errorf("coordinate tuple %q: want lon,lat[,alt]", tup)
		}
		t := make([]float64, len(parts))
		for i, p := range parts {
			v, err := strconv.ParseFloat(p, 64)
			if err != nil || math.IsNaN(v) || math.IsInf(v, 0) {
				return nil, fmt.Errorf("coordinate tuple %q: %q is not a finite number", tup, p)
			}
			t[i] = v
		}
		if t[0] < -180 || t[0] > 180 || t[1] < -90 || t[1] > 90 {
			return nil, fmt.Errorf("coordinate tuple %q out of range", tup)
		}
		out = append(out, t)
	}
	return out, nil
}

type kmlNode struct {
	name     string
	attrs    []xml.Attr
	children []*kmlNode
	text     strings.Builder
	path     string
}

// CheckKML checks that b is a KML 2.2 document as this package writes them
// (see the package documentation): well-formed XML whose root is kml in the
// OGC KML 2.2 namespace, every element known, in its schema order and
// count, simple values of their schema types, coordinates in range,
// geometries with enough positions, closed LinearRings, unique NCName ids
// and styleUrls that name a Style of the document. The error names the
// first problem and its element path.
func CheckKML(b []byte) error {
	d := xml.NewDecoder(bytes.NewReader(b))
	var stack []*kmlNode
	var root *kmlNode
	for {
		tok, err := d.Token()
		if err == io.EOF {
			break
		}
		if err != nil {
			return fmt.Errorf("export: kml: %w", err)
		}
		switch t := tok.(type) {
		case xml.StartElement:
			if t.Name.Space != KMLNamespace {
				return fmt.Errorf("export: kml: element %s in namespace %q, want %q", t.Name.Local, t.Name.Space, KMLNamespace)
			}
			n := &kmlNode{name: t.Name.Local, attrs: t.Attr}
			if len(stack) == 0 {
				if root != nil {
					return fmt.Errorf("export: kml: more than one root element")
				}
				root = n
				n.path = n.name
			} else {
				p := stack[len(stack)-1]
				p.children = append(p.children, n)
				n.path = p.path + "/" + n.name
			}
			stack = append(stack, n)
		case xml.EndElement:
			stack = stack[:len(stack)-1]
		case xml.CharData:
			if len(stack) > 0 {
				stack[len(stack)-1].text.Write(t)
			}
		case xml.Directive:
			return fmt.Errorf("export: kml: unexpected directive")
		}
	}
	if root == nil || root.name != "kml" {
		return fmt.Errorf("export: kml: root element is not kml")
	}
	ids := map[string]bool{}
	styles := map[string]bool{}
	var urls []*kmlNode
	var walk func(n *kmlNode) error
	walk = func(n *kmlNode) error {
		for _, a := range n.attrs {
			if a.Name.Local == "id" && a.Name.Space == "" {
				if !ncNameRE.MatchString(a.Value) {
					return fmt.Errorf("%s: id %q is not an NCName", n.path, a.Value)
				}
				if ids[a.Value] {
					return fmt.Errorf("%s: id %q is not unique", n.path, a.Value)
				}
				ids[a.Value] = true
				if n.name == "Style" {
					styles[a.Value] = true
				}
			}
		}
		if leaf, ok := kmlLeaf[n.name]; ok {
			if len(n.children) > 0 {
				return fmt.Errorf("%s: simple element has child elements", n.path)
			}
			if err := leaf(strings.TrimSpace(n.text.String())); err != nil {
				return fmt.Errorf("%s: %w", n.path, err)
			}
			if n.name == "styleUrl" {
				urls = append(urls, n)
			}
			return nil
		}
		model, ok := kmlModel[n.name]
		if !ok {
			return fmt.Errorf("%s: unknown element", n.path)
		}
		if strings.TrimSpace(n.text.String()) != "" {
			return fmt.Errorf("%s: unexpected text", n.path)
		}
		if err := checkOrder(n, model); err != nil {
			return err
		}
		if err := checkGeometry(n); err != nil {
			return err
		}
		for _, c := range n.children {
			if err := walk(c); err != nil {
				return err
			}
		}
		return nil
	}
	if err := walk(root); err != nil {
		return fmt.Errorf("export: kml: %w", err)
	}
	for _, u := range urls {
		s := strings.TrimSpace(u.text.String())
		if !strings.HasPrefix(s, "#") || !styles[s[1:]] {
			return fmt.Errorf("export: kml: %s: %q names no Style of the document", u.path, s)
		}
	}
	return nil
}

// checkOrder checks n's children against its content model.
func checkOrder(n *kmlNode, model []kmlChild) error {
	pos, count := 0, 0
	for _, c := range n.children {
		name := c.name
		if g, ok := kmlGroups[name]; ok && !has(model, name) {
			name = g
		}
		i := pos
		for i < len(model) && model[i].name != name {
			i++
		}
		if i == len(model) {
			return fmt.Errorf("%s: %s not allowed here (out of order or unknown)", n.path, c.name)
		}
		if i != pos {
			pos, count = i, 0
		}
		count++
		if model[i].max > 0 && count > model[i].max {
			return fmt.Errorf("%s: too many %s", n.path, c.name)
		}
	}
	return nil
}

func has(model []kmlChild, name string) bool {
	for _, m := range model {
		if m.name == name {
			return true
		}
	}
	return false
}

// checkGeometry checks the number of positions of a geometry and that
// LinearRings close.
func checkGeometry(n *kmlNode) error {
	want := map[string]int{"Point": 1, "LineString": 2, "LinearRing": 4}[n.name]
	if want == 0 {
		return nil
	}
	var coords *kmlNode
	for _, c := range n.children {
		if c.name == "coordinates" {
			coords = c
		}
	}
	if coords == nil {
		return fmt.Errorf("%s: no coordinates", n.path)
	}
	pts, err := kmlCoordinates(coords.text.String())
	if err != nil {
		return fmt.Errorf("%s: %w", n.path, err)
	}
	switch {
	case n.name == "Point" && len(pts) != 1:
		return fmt.Errorf("%s: %d positions, want 1", n.path, len(pts))
	case len(pts) < want:
		return fmt.Errorf("%s: %d positions, want at least %d", n.path, len(pts), want)
	case n.name == "LinearRing" && !equalPos(pts[0], pts[len(pts)-1]):
		return fmt.Errorf("%s: ring not closed", n.path)
	}
	return nil
}

func equalPos(a, b []float64) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// CheckGeoJSON checks that b is an RFC 7946 GeoJSON object: known types
// with their required members (§3), positions of two or three finite
// numbers with longitude in [−180, 180] and latitude in [−90, 90] (§3.1.1),
// LineStrings of at least two positions, closed linear rings of at least
// four positions with exterior rings counterclockwise and holes clockwise
// (§3.1.6), no edge crossing the antimeridian (§3.1.9) except along a
// pole, no "crs" member
// (§4), and ids that are strings or numbers (§3.2). The error names the
// first problem and where it is.
func CheckGeoJSON(b []byte) error {
	d := json.NewDecoder(bytes.NewReader(b))
	d.UseNumber()
	var v any
	if err := d.Decode(&v); err != nil {
		return fmt.Errorf("export: geojson: %w", err)
	}
	if d.More() {
		return fmt.Errorf("export: geojson: trailing data")
	}
	if err := checkGeoObject(v, "$"); err != nil {
		return fmt.Errorf("export: geojson: %w", err)
	}
	return nil
}

func checkGeoObject(v any, at string) error {
	o, ok := v.(map[string]any)
	if !ok {
		return fmt.Errorf("%s: not an object", at)
	}
	if _, ok := o["crs"]; ok {
		return fmt.Errorf("%s: crs member (removed in RFC 7946)", at)
	}
	typ, _ := o["type"].(string)
	switch typ {
	case "FeatureCollection":
		fs, ok := o["features"].([]any)
		if !ok {
			return fmt.Errorf("%s: FeatureCollection without a features array", at)
		}
		for i, f := range fs {
			fo, ok := f.(map[string]any)
			if !ok || fo["type"] != "Feature" {
				return fmt.Errorf("%s.features[%d]: not a Feature", at, i)
			}
			if err := checkGeoObject(f, fmt.Sprintf("%s.features[%d]", at, i)); err != nil {
				return err
			}
		}
		return nil
	case "Feature":
		g, ok := o["geometry"]
		if !ok {
			return fmt.Errorf("%s: Feature without a geometry member", at)
		}
		p, ok := o["properties"]
		if !ok {
			return fmt.Errorf("%s: Feature without a properties member", at)
		}
		if _, isObj := p.(map[string]any); p != nil && !isObj {
			return fmt.Errorf("%s: properties is neither an object nor null", at)
		}
		if id, ok := o["id"]; ok {
			switch id.(type) {
			case string, json.Number:
			default:
				return fmt.Errorf("%s: id is neither a string nor a number", at)
			}
		}
		if g == nil {
			return nil
		}
		return checkGeoObject(g, at+".geometry")
	case "GeometryCollection":
		gs, ok := o["geometries"].([]any)
		if !ok {
			return fmt.Errorf("%s: GeometryCollection without a geometries array", at)
		}
		for i, g := range gs {
			if err := checkGeoObject(g, fmt.Sprintf("%s.geometries[%d]", at, i)); err != nil {
				return err
			}
		}
		return nil
	case "Point", "MultiPoint", "LineString", "MultiLineString", "Polygon", "MultiPolygon":
		c, ok := o["coordinates"]
		if !ok {
			return fmt.Errorf("%s: %s without coordinates", at, typ)
		}
		return checkCoords(typ, c, at+".coordinates")
	}
	return fmt.Errorf("%s: unknown type %q", at, typ)
}

func checkCoords(typ string, c any, at string) error {
	arr := func(v any, at string) ([]any, error) {
		a, ok := v.([]any)
		if !ok {
			return nil, fmt.Errorf("%s: not an array", at)
		}
		return a, nil
	}
	switch typ {
	case "Point":
		_, err := position(c, at)
		return err
	case "MultiPoint":
		a, err := arr(c, at)
		if err != nil {
			return err
		}
		for i, p := range a {
			if _, err := position(p, fmt.Sprintf("%s[%d]", at, i)); err != nil {
				return err
			}
		}
		return nil
	case "LineString":
		_, err := line(c, 2, at)
		return err
	case "MultiLineString", "Polygon":
		a, err := arr(c, at)
		if err != nil {
			return err
		}
		if typ == "Polygon" && len(a) == 0 {
			return fmt.Errorf("%s: polygon without rings", at)
		}
		for i, l := range a {
			if typ == "MultiLineString" {
				if _, err := line(l, 2, fmt.Sprintf("%s[%d]", at, i)); err != nil {
					return err
				}
				continue
			}
			if err := ring(l, i == 0, fmt.Sprintf("%s[%d]", at, i)); err != nil {
				return err
			}
		}
		return nil
	case "MultiPolygon":
		a, err := arr(c, at)
		if err != nil {
			return err
		}
		for i, pg := range a {
			if err := checkCoords("Polygon", pg, fmt.Sprintf("%s[%d]", at, i)); err != nil {
				return err
			}
		}
		return nil
	}
	return fmt.Errorf("%s: unknown geometry type %q", at, typ)
}

func position(v any, at string) ([]float64, error) {
	a, ok := v.([]any)
	if !ok || len(a) < 2 || len(a) > 3 {
		return nil, fmt.Errorf("%s: position is not an array of 2 or 3 numbers", at)
	}
	p := make([]float64, len(a))
	for i, x := range a {
		n, ok := x.(json.Number)
		if !ok {
			return nil, fmt.Errorf("%s: position element %d is not a number", at, i)
		}
		f, err := n.Float64()
		if err != nil || math.IsInf(f, 0) || math.IsNaN(f) {
			return nil, fmt.Errorf("%s: position element %d is not finite", at, i)
		}
		p[i] = f
	}
	if p[0] < -180 || p[0] > 180 || p[1] < -90 || p[1] > 90 {
		return nil, fmt.Errorf("%s: position [%v, %v] outside [-180, 180] x [-90, 90]", at, p[0], p[1])
	}
	return p, nil
}

func line(v any, min int, at string) ([][]float64, error) {
	a, ok := v.([]any)
	if !ok {
		return nil, fmt.Errorf("%s: not an array of positions", at)
	}
	if len(a) < min {
		return nil, fmt.Errorf("%s: %d positions, want at least %d", at, len(a), min)
	}
	pts := make([][]float64, len(a))
	for i, p := range a {
		q, err := position(p, fmt.Sprintf("%s[%d]", at, i))
		if err != nil {
			return nil, err
		}
		// An edge along a pole (between ±180 at latitude ±90) is how
		// polygons round a pole are written.
		atPole := math.Abs(q[1]) == 90 && q[1] == pts[max(i-1, 0)][1]
		if i > 0 && math.Abs(q[0]-pts[i-1][0]) > 180 && !atPole {
			return nil, fmt.Errorf("%s[%d]: edge crosses the antimeridian", at, i)
		}
		pts[i] = q
	}
	return pts, nil
}

func ring(v any, exterior bool, at string) error {
	pts, err := line(v, 4, at)
	if err != nil {
		return err
	}
	if pts[0][0] != pts[len(pts)-1][0] || pts[0][1] != pts[len(pts)-1][1] {
		return fmt.Errorf("%s: ring not closed", at)
	}
	var a2 float64
	for i := 0; i+1 < len(pts); i++ {
		a2 += pts[i][0]*pts[i+1][1] - pts[i+1][0]*pts[i][1]
	}
	switch {
	case a2 == 0:
		return fmt.Errorf("%s: ring has no area", at)
	case exterior && a2 < 0:
		return fmt.Errorf("%s: exterior ring runs clockwise", at)
	case !exterior && a2 > 0:
		return fmt.Errorf("%s: hole runs counterclockwise", at)
	}
	return nil
}
