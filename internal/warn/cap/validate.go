package cap

import (
	"errors"
	"fmt"
	"math"
	"regexp"
	"strings"
	"unicode/utf8"
)

// ErrInvalid is wrapped by every validation error ([*ValidationError]).
var ErrInvalid = errors.New("cap: invalid alert")

// Problem is one rule a document breaks. Rule names follow the reasons of
// the Google CAP validator (google/cap-library CapException.ReasonType)
// where one exists; trilink's profile rules start with PROFILE_.
type Problem struct {
	Rule   string // such as "INVALID_POLYGON"
	Path   string // where, such as "info[2].area[0].polygon[1]"
	Detail string
}

// String returns "RULE at path: detail".
func (p Problem) String() string { return p.Rule + " at " + p.Path + ": " + p.Detail }

// ValidationError lists every problem found in a document.
type ValidationError struct {
	Identifier string
	Problems   []Problem
}

// Error lists every problem.
func (e *ValidationError) Error() string {
	parts := make([]string, len(e.Problems))
	for i, p := range e.Problems {
		parts[i] = p.String()
	}
	return fmt.Sprintf("cap: alert %q is invalid: %s", e.Identifier, strings.Join(parts, "; "))
}

// Unwrap returns [ErrInvalid].
func (e *ValidationError) Unwrap() error { return ErrInvalid }

// HeadlineMax is the longest headline, in characters, that the trilink
// profile allows (CAP 1.2 §3.2.2 suggests 160).
const HeadlineMax = 160

var (
	langPattern   = regexp.MustCompile(`^[A-Za-z]{1,8}(-[A-Za-z0-9]{1,8})*$`)
	profileID     = regexp.MustCompile(`^[A-Z]{2}\.trilink(-exercise)?\.[A-Za-z0-9_~-]{1,80}\.[0-9]{4,}$`)
	htmlTag       = regexp.MustCompile(`<[A-Za-z/!]`)
	exerciseNote  = "EXERCISE"
	exerciseMark  = ".trilink-exercise."
	actualMark    = ".trilink."
	maxSelfChecks = 2000 // polygon vertices beyond which self-intersection is not checked
)

// Validate checks a against the rules of CAP 1.2 that the schema does not
// enforce (research/alerting-hotline.md §1.3, §1.6) and, if a carries the
// [Profile] code, against trilink's profile (§1.7). It returns nil or a
// [*ValidationError] listing every problem.
//
// CAP rules: identifier and sender without spaces, commas, '<' or '&';
// whole-second times, effective not after expires; known enumeration
// values; restriction when scope is Restricted and addresses when Private;
// references for Update, Cancel, Ack and Error, each well formed, not
// after the alert and not to itself; a note for Error; info language tags;
// at least one category and an event; the same event for infos of one
// language; no HTML tags or control characters in texts; areas with a
// description; polygons closed, of at least four points, in range and not
// self-intersecting; circles in range with a non-negative radius; ceiling
// only with altitude and not below it; resources with a description and a
// MIME type; value names.
//
// Profile rules: status Actual, Exercise or System; an Exercise alert (and
// only one) has a note starting "EXERCISE" and the exercise identifier
// form, and so do all it references (never mixing Actual and Exercise);
// identifiers in the form NN.trilink[-exercise].<event>.<seq>; incidents;
// every info with a language, expires, at least one area and a headline of
// at most [HeadlineMax] characters.
func Validate(a *Alert) error {
	v := &validator{}
	v.alert(a)
	if len(v.problems) == 0 {
		return nil
	}
	return &ValidationError{Identifier: a.Identifier, Problems: v.problems}
}

type validator struct{ problems []Problem }

func (v *validator) add(rule, path, format string, args ...any) {
	v.problems = append(v.problems, Problem{Rule: rule, Path: path, Detail: fmt.Sprintf(format, args...)})
}

// badID reports whether s is empty or has a character CAP forbids in
// identifiers and senders (or a control character).
func badID(s string) bool {
	return s == "" || strings.ContainsAny(s, " ,<&") || badText(s)
}

// badText reports invalid UTF-8 or control characters other than tab and
// line breaks: they cannot round-trip through XML.
func badText(s string) bool {
	if !utf8.ValidString(s) {
		return true
	}
	for _, r := range s {
		if (r < 0x20 && r != '\t' && r != '\n' && r != '\r') || r == 0xFFFE || r == 0xFFFF || (r >= 0xD800 && r <= 0xDFFF) {
			return true
		}
	}
	return false
}

func (v *validator) time(path string, t Time) {
	if _, err := t.MarshalText(); err != nil {
		v.add("INVALID_DATE", path, "%v", err)
	}
}

func (v *validator) text(path, s string) {
	switch {
	case badText(s):
		v.add("INVALID_TEXT", path, "invalid UTF-8 or a control character")
	case htmlTag.MatchString(s):
		v.add("TEXT_CONTAINS_HTML_TAGS", path, "text contains a markup tag")
	}
}

func (v *validator) alert(a *Alert) {
	profile := false
	for i, c := range a.Code {
		v.text(fmt.Sprintf("code[%d]", i), c)
		if c == Profile {
			profile = true
		}
	}
	if badID(a.Identifier) {
		v.add("INVALID_IDENTIFIER", "identifier", "%q is empty or has a space, comma, '<', '&' or control character", a.Identifier)
	}
	if badID(a.Sender) {
		v.add("INVALID_SENDER", "sender", "%q is empty or has a space, comma, '<', '&' or control character", a.Sender)
	}
	v.time("sent", a.Sent)
	if !a.Status.Valid() {
		v.add("INVALID_STATUS", "status", "not set")
	}
	if !a.MsgType.Valid() {
		v.add("INVALID_MSGTYPE", "msgType", "not set")
	}
	if !a.Scope.Valid() {
		v.add("INVALID_SCOPE", "scope", "not set")
	}
	for _, f := range []struct{ path, s string }{
		{"source", a.Source}, {"restriction", a.Restriction}, {"addresses", a.Addresses}, {"note", a.Note}, {"incidents", a.Incidents},
	} {
		v.text(f.path, f.s)
	}
	if a.Scope == Restricted && strings.TrimSpace(a.Restriction) == "" {
		v.add("RESTRICTION_SCOPE_MISMATCH", "restriction", "scope is Restricted but there is no restriction")
	}
	if a.Scope == Private && strings.TrimSpace(a.Addresses) == "" {
		v.add("ADDRESSES_SCOPE_MISMATCH", "addresses", "scope is Private but there are no addresses")
	}
	if a.MsgType == MsgError && strings.TrimSpace(a.Note) == "" {
		v.add("NOTE_REQUIRED", "note", "msgType Error needs a note")
	}
	switch a.MsgType {
	case MsgUpdate, MsgCancel, MsgAck, MsgError:
		if len(a.References) == 0 {
			v.add("INVALID_REFERENCES", "references", "msgType %v needs references", a.MsgType)
		}
	}
	for i, r := range a.References {
		path := fmt.Sprintf("references[%d]", i)
		if badID(r.Sender) || badID(r.Identifier) {
			v.add("INVALID_REFERENCES", path, "sender %q or identifier %q is malformed", r.Sender, r.Identifier)
		}
		v.time(path, r.Sent)
		if !r.Sent.IsZero() && !a.Sent.IsZero() && r.Sent.After(a.Sent.Time) {
			v.add("POSTDATED_REFERENCE", path, "refers to a message sent at %v, after this one (%v)", r.Sent, a.Sent)
		}
		if r.Sender == a.Sender && r.Identifier == a.Identifier {
			v.add("CIRCULAR_REFERENCE", path, "refers to itself")
		}
	}
	events := map[string]string{}
	for i := range a.Info {
		in := &a.Info[i]
		v.info(fmt.Sprintf("info[%d]", i), in, profile)
		lang := in.Language
		if lang == "" {
			lang = "en-US"
		}
		if ev, ok := events[lang]; ok && ev != in.Event {
			v.add("DIFFERENT_EVENT_SAME_LANGUAGE", fmt.Sprintf("info[%d].event", i), "%q differs from %q in another %s info", in.Event, ev, lang)
		} else {
			events[lang] = in.Event
		}
	}
	if profile {
		v.profile(a)
	}
}

func (v *validator) values(path string, vs []Value) {
	for i, x := range vs {
		p := fmt.Sprintf("%s[%d]", path, i)
		if strings.TrimSpace(x.ValueName) == "" {
			v.add("INVALID_VALUE", p, "empty valueName")
		}
		v.text(p+".valueName", x.ValueName)
		v.text(p+".value", x.Value)
	}
}

func (v *validator) info(path string, in *Info, profile bool) {
	if in.Language != "" && !langPattern.MatchString(in.Language) {
		v.add("INVALID_LANGUAGE", path+".language", "%q is not an RFC 3066 tag", in.Language)
	}
	if len(in.Category) == 0 {
		v.add("INVALID_CATEGORY", path+".category", "no category")
	}
	for i, c := range in.Category {
		if !c.Valid() {
			v.add("INVALID_CATEGORY", fmt.Sprintf("%s.category[%d]", path, i), "not set")
		}
	}
	if strings.TrimSpace(in.Event) == "" {
		v.add("INVALID_EVENT", path+".event", "empty")
	}
	for i, r := range in.ResponseType {
		if !r.Valid() {
			v.add("INVALID_RESPONSE_TYPE", fmt.Sprintf("%s.responseType[%d]", path, i), "not set")
		}
	}
	if !in.Urgency.Valid() {
		v.add("INVALID_URGENCY", path+".urgency", "not set")
	}
	if !in.Severity.Valid() {
		v.add("INVALID_SEVERITY", path+".severity", "not set")
	}
	if !in.Certainty.Valid() {
		v.add("INVALID_CERTAINTY", path+".certainty", "not set")
	}
	for _, f := range []struct{ path, s string }{
		{".event", in.Event}, {".audience", in.Audience}, {".senderName", in.SenderName}, {".headline", in.Headline},
		{".description", in.Description}, {".instruction", in.Instruction}, {".web", in.Web}, {".contact", in.Contact},
	} {
		v.text(path+f.path, f.s)
	}
	v.values(path+".eventCode", in.EventCode)
	v.values(path+".parameter", in.Parameter)
	for _, t := range []struct {
		name string
		t    *Time
	}{{"effective", in.Effective}, {"onset", in.Onset}, {"expires", in.Expires}} {
		if t.t != nil {
			v.time(path+"."+t.name, *t.t)
		}
	}
	if in.Effective != nil && in.Expires != nil && in.Effective.After(in.Expires.Time) {
		v.add("INVALID_DATE", path+".expires", "expires %v is before effective %v", in.Expires, in.Effective)
	}
	for i, r := range in.Resource {
		p := fmt.Sprintf("%s.resource[%d]", path, i)
		if strings.TrimSpace(r.ResourceDesc) == "" || strings.TrimSpace(r.MimeType) == "" {
			v.add("INVALID_RESOURCE", p, "resourceDesc and mimeType are required")
		}
		if r.Size < 0 {
			v.add("INVALID_RESOURCE", p, "negative size")
		}
		for _, s := range []string{r.ResourceDesc, r.MimeType, r.URI, r.DerefURI, r.Digest} {
			v.text(p, s)
		}
	}
	for i := range in.Area {
		v.area(fmt.Sprintf("%s.area[%d]", path, i), &in.Area[i])
	}
	if profile {
		if in.Language == "" {
			v.add("PROFILE_INFO", path+".language", "no language")
		}
		if in.Expires == nil {
			v.add("PROFILE_INFO", path+".expires", "no expires")
		}
		if len(in.Area) == 0 {
			v.add("PROFILE_INFO", path+".area", "no area")
		}
		if n := utf8.RuneCountInString(in.Headline); n == 0 || n > HeadlineMax {
			v.add("HEADLINE_TOO_LONG", path+".headline", "%d characters, want 1 to %d", n, HeadlineMax)
		}
	}
}

func (v *validator) area(path string, ar *Area) {
	if strings.TrimSpace(ar.AreaDesc) == "" {
		v.add("INVALID_AREA", path+".areaDesc", "empty")
	}
	v.text(path+".areaDesc", ar.AreaDesc)
	for i, pg := range ar.Polygon {
		v.polygon(fmt.Sprintf("%s.polygon[%d]", path, i), pg)
	}
	for i, c := range ar.Circle {
		if !c.Center.Valid() || !finite(c.RadiusKm) || c.RadiusKm < 0 {
			v.add("INVALID_CIRCLE", fmt.Sprintf("%s.circle[%d]", path, i), "centre %v or radius %v km out of range", c.Center, c.RadiusKm)
		}
	}
	v.values(path+".geocode", ar.Geocode)
	if ar.Ceiling != nil && ar.Altitude == nil {
		v.add("INVALID_AREA", path+".ceiling", "ceiling without altitude")
	}
	for _, f := range []*Decimal{ar.Altitude, ar.Ceiling} {
		if f != nil && !finite(float64(*f)) {
			v.add("INVALID_AREA", path, "altitude or ceiling not finite")
		}
	}
	if ar.Ceiling != nil && ar.Altitude != nil && *ar.Ceiling < *ar.Altitude {
		v.add("INVALID_ALTITUDE_CEILING_RANGE", path+".ceiling", "ceiling %v below altitude %v", *ar.Ceiling, *ar.Altitude)
	}
}

func (v *validator) polygon(path string, pg Polygon) {
	if len(pg) < 4 {
		v.add("INVALID_POLYGON", path, "%d points, want at least 4", len(pg))
		return
	}
	for i, p := range pg {
		if !p.Valid() {
			v.add("INVALID_POLYGON", path, "point %d (%v) out of range", i, p)
			return
		}
	}
	if pg[0] != pg[len(pg)-1] {
		v.add("INVALID_POLYGON", path, "not closed: first point %v, last %v", pg[0], pg[len(pg)-1])
		return
	}
	if len(pg) <= maxSelfChecks {
		if i, j, ok := selfIntersection(pg); ok {
			v.add("INVALID_POLYGON_SELF_INTERSECTION", path, "edges %d and %d meet", i, j)
		}
	}
}

// selfIntersection finds two non-adjacent edges of the closed ring pg that
// meet, or reports false. Repeated consecutive points are merged first;
// the edge numbers are those of the merged ring.
func selfIntersection(pg Polygon) (int, int, bool) {
	r := make(Polygon, 0, len(pg))
	for _, p := range pg {
		if len(r) == 0 || p != r[len(r)-1] {
			r = append(r, p)
		}
	}
	n := len(r) - 1 // edges
	if n < 3 {
		return 0, 0, n > 0 // a ring of fewer than three distinct edges is degenerate
	}
	for i := range n {
		a, b := r[i], r[i+1]
		for j := i + 2; j < n; j++ {
			if i == 0 && j == n-1 {
				continue // the closing edge shares r[0]
			}
			if segmentsMeet(a, b, r[j], r[j+1]) {
				return i, j, true
			}
		}
	}
	return 0, 0, false
}

func orient(a, b, c Point) float64 {
	return (b.Lon-a.Lon)*(c.Lat-a.Lat) - (b.Lat-a.Lat)*(c.Lon-a.Lon)
}

func sign(x float64) int {
	switch {
	case x > 0:
		return 1
	case x < 0:
		return -1
	}
	return 0
}

func onSegment(a, b, p Point) bool {
	return math.Min(a.Lon, b.Lon) <= p.Lon && p.Lon <= math.Max(a.Lon, b.Lon) &&
		math.Min(a.Lat, b.Lat) <= p.Lat && p.Lat <= math.Max(a.Lat, b.Lat)
}

// segmentsMeet reports whether segments ab and cd share a point.
func segmentsMeet(a, b, c, d Point) bool {
	d1, d2 := sign(orient(a, b, c)), sign(orient(a, b, d))
	d3, d4 := sign(orient(c, d, a)), sign(orient(c, d, b))
	if d1*d2 < 0 && d3*d4 < 0 {
		return true
	}
	return (d1 == 0 && onSegment(a, b, c)) || (d2 == 0 && onSegment(a, b, d)) ||
		(d3 == 0 && onSegment(c, d, a)) || (d4 == 0 && onSegment(c, d, b))
}

// profile applies trilink's profile rules.
func (v *validator) profile(a *Alert) {
	switch a.Status {
	case Actual, Exercise, System:
	default:
		v.add("PROFILE_STATUS", "status", "%v is not used by trilink on public channels", a.Status)
	}
	if !profileID.MatchString(a.Identifier) {
		v.add("PROFILE_IDENTIFIER", "identifier", "%q is not NN.trilink[-exercise].<event>.<seq>", a.Identifier)
	}
	exercise := a.Status == Exercise
	if exercise != strings.HasPrefix(a.Note, exerciseNote) {
		v.add("PROFILE_EXERCISE_MARKING", "note", "status %v with note %q: only an Exercise note starts %q", a.Status, a.Note, exerciseNote)
	}
	if exercise != strings.Contains(a.Identifier, exerciseMark) {
		v.add("PROFILE_EXERCISE_MARKING", "identifier", "status %v with identifier %q", a.Status, a.Identifier)
	}
	for i, r := range a.References {
		if exercise && !strings.Contains(r.Identifier, exerciseMark) || !exercise && strings.Contains(r.Identifier, exerciseMark) {
			v.add("PROFILE_EXERCISE_MARKING", fmt.Sprintf("references[%d]", i), "a %v alert refers to %q: Actual and Exercise never mix", a.Status, r.Identifier)
		}
		if !exercise && !strings.Contains(r.Identifier, actualMark) {
			v.add("PROFILE_IDENTIFIER", fmt.Sprintf("references[%d]", i), "%q is not a trilink identifier", r.Identifier)
		}
	}
	if strings.TrimSpace(a.Incidents) == "" {
		v.add("PROFILE_INCIDENTS", "incidents", "no incident")
	}
	if a.Status != System && len(a.Info) == 0 {
		v.add("PROFILE_INFO", "info", "no info")
	}
}
