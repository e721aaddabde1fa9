package cap_test

import (
	"errors"
	"math"
	"strings"
	"testing"
	"time"

	"github.com/trilink/trilink/internal/warn/cap"
)

var jst = time.FixedZone("JST", 9*3600)

// base returns a valid trilink alert (the research's §1.7 example, with
// all three languages' worth of one info).
func base() *cap.Alert {
	sent := time.Date(2022, 10, 4, 7, 27, 0, 0, jst)
	return &cap.Alert{
		Identifier: "JP.trilink.NK-20221004.0002",
		Sender:     "trilink-jp@example.invalid",
		Sent:       cap.At(sent),
		Status:     cap.Actual,
		MsgType:    cap.MsgUpdate,
		Scope:      cap.Public,
		Code:       []string{cap.Profile},
		References: cap.References{{Sender: "trilink-jp@example.invalid", Identifier: "JP.trilink.NK-20221004.0001", Sent: cap.At(sent.Add(-time.Minute))}},
		Incidents:  "NK-20221004",
		Info: []cap.Info{{
			Language:     "ja-JP",
			Category:     []cap.Category{cap.CategorySecurity},
			Event:        "ミサイル発射",
			ResponseType: []cap.ResponseType{cap.ResponseShelter},
			Urgency:      cap.Immediate,
			Severity:     cap.Extreme,
			Certainty:    cap.Likely,
			EventCode:    []cap.Value{{ValueName: "trilink:phase", Value: "LAUNCH"}},
			Expires:      cap.AtPtr(sent.Add(time.Hour)),
			Headline:     "ミサイル発射。ミサイル発射。",
			Area: []cap.Area{{
				AreaDesc: "青森県",
				Polygon:  []cap.Polygon{{{41.0, 140.0}, {41.5, 141.5}, {40.5, 141.5}, {41.0, 140.0}}},
				Circle:   []cap.Circle{{Center: cap.Point{Lat: 40.8, Lon: 140.7}, RadiusKm: 10}},
				Geocode:  []cap.Value{{ValueName: "JIS X 0401", Value: "02"}},
			}},
		}},
	}
}

func ptr(v float64) *cap.Decimal { d := cap.Decimal(v); return &d }

func TestValidate(t *testing.T) {
	if err := cap.Validate(base()); err != nil {
		t.Fatalf("base alert: %v", err)
	}
	for _, tt := range []struct {
		name string
		edit func(a *cap.Alert)
		rule string
	}{
		{"identifier_space", func(a *cap.Alert) { a.Identifier = "JP trilink" }, "INVALID_IDENTIFIER"},
		{"identifier_comma", func(a *cap.Alert) { a.Identifier = "JP,1" }, "INVALID_IDENTIFIER"},
		{"sender_amp", func(a *cap.Alert) { a.Sender = "a&b" }, "INVALID_SENDER"},
		{"sent_zero", func(a *cap.Alert) { a.Sent = cap.Time{} }, "INVALID_DATE"},
		{"sent_fraction", func(a *cap.Alert) { a.Sent = cap.Time{Time: a.Sent.Add(time.Millisecond)} }, "INVALID_DATE"},
		{"status_unset", func(a *cap.Alert) { a.Status = cap.StatusUnknown }, "INVALID_STATUS"},
		{"scope_unset", func(a *cap.Alert) { a.Scope = 0 }, "INVALID_SCOPE"},
		{"restricted_without_restriction", func(a *cap.Alert) { a.Scope = cap.Restricted }, "RESTRICTION_SCOPE_MISMATCH"},
		{"private_without_addresses", func(a *cap.Alert) { a.Scope = cap.Private }, "ADDRESSES_SCOPE_MISMATCH"},
		{"update_without_references", func(a *cap.Alert) { a.References = nil }, "INVALID_REFERENCES"},
		{"reference_bad_sender", func(a *cap.Alert) { a.References[0].Sender = "a b" }, "INVALID_REFERENCES"},
		{"reference_postdated", func(a *cap.Alert) { a.References[0].Sent = cap.At(a.Sent.Add(time.Hour)) }, "POSTDATED_REFERENCE"},
		{"reference_circular", func(a *cap.Alert) { a.References[0].Identifier = a.Identifier }, "CIRCULAR_REFERENCE"},
		{"error_without_note", func(a *cap.Alert) { a.MsgType = cap.MsgError }, "NOTE_REQUIRED"},
		{"language", func(a *cap.Alert) { a.Info[0].Language = "日本語" }, "INVALID_LANGUAGE"},
		{"no_category", func(a *cap.Alert) { a.Info[0].Category = nil }, "INVALID_CATEGORY"},
		{"no_event", func(a *cap.Alert) { a.Info[0].Event = " " }, "INVALID_EVENT"},
		{"urgency_unset", func(a *cap.Alert) { a.Info[0].Urgency = cap.UrgencyUnset }, "INVALID_URGENCY"},
		{"severity_unset", func(a *cap.Alert) { a.Info[0].Severity = cap.SeverityUnset }, "INVALID_SEVERITY"},
		{"certainty_unset", func(a *cap.Alert) { a.Info[0].Certainty = cap.CertaintyUnset }, "INVALID_CERTAINTY"},
		{"response_unset", func(a *cap.Alert) { a.Info[0].ResponseType = []cap.ResponseType{0} }, "INVALID_RESPONSE_TYPE"},
		{"html", func(a *cap.Alert) { a.Info[0].Description = "<b>take shelter</b>" }, "TEXT_CONTAINS_HTML_TAGS"},
		{"control_char", func(a *cap.Alert) { a.Info[0].Description = "a\x00b" }, "INVALID_TEXT"},
		{"bad_utf8", func(a *cap.Alert) { a.Note = "\xff" }, "INVALID_TEXT"},
		{"expires_before_effective", func(a *cap.Alert) { a.Info[0].Effective = cap.AtPtr(a.Info[0].Expires.Add(time.Hour)) }, "INVALID_DATE"},
		{"same_language_other_event", func(a *cap.Alert) {
			in := a.Info[0]
			in.Event = "別の事象"
			a.Info = append(a.Info, in)
		}, "DIFFERENT_EVENT_SAME_LANGUAGE"},
		{"empty_area_desc", func(a *cap.Alert) { a.Info[0].Area[0].AreaDesc = "" }, "INVALID_AREA"},
		{"polygon_3_points", func(a *cap.Alert) { a.Info[0].Area[0].Polygon[0] = cap.Polygon{{41, 140}, {41.5, 141.5}, {41, 140}} }, "INVALID_POLYGON"},
		{"polygon_open", func(a *cap.Alert) { a.Info[0].Area[0].Polygon[0][3] = cap.Point{Lat: 41, Lon: 140.1} }, "INVALID_POLYGON"},
		{"polygon_out_of_range", func(a *cap.Alert) { a.Info[0].Area[0].Polygon[0][1] = cap.Point{Lat: 91, Lon: 140} }, "INVALID_POLYGON"},
		{"polygon_bowtie", func(a *cap.Alert) {
			a.Info[0].Area[0].Polygon[0] = cap.Polygon{{40, 140}, {41, 141}, {41, 140}, {40, 141}, {40, 140}}
		}, "INVALID_POLYGON_SELF_INTERSECTION"},
		{"circle_negative", func(a *cap.Alert) { a.Info[0].Area[0].Circle[0].RadiusKm = -1 }, "INVALID_CIRCLE"},
		{"circle_nan", func(a *cap.Alert) { a.Info[0].Area[0].Circle[0].RadiusKm = math.NaN() }, "INVALID_CIRCLE"},
		{"ceiling_without_altitude", func(a *cap.Alert) { a.Info[0].Area[0].Ceiling = ptr(100) }, "INVALID_AREA"},
		{"ceiling_below_altitude", func(a *cap.Alert) {
			a.Info[0].Area[0].Altitude, a.Info[0].Area[0].Ceiling = ptr(100), ptr(50)
		}, "INVALID_ALTITUDE_CEILING_RANGE"},
		{"resource_without_mime", func(a *cap.Alert) { a.Info[0].Resource = []cap.Resource{{ResourceDesc: "map"}} }, "INVALID_RESOURCE"},
		{"geocode_without_name", func(a *cap.Alert) { a.Info[0].Area[0].Geocode[0].ValueName = "" }, "INVALID_VALUE"},
		// The trilink profile.
		{"profile_test_status", func(a *cap.Alert) { a.Status = cap.Test }, "PROFILE_STATUS"},
		{"profile_identifier", func(a *cap.Alert) { a.Identifier = "JP-1" }, "PROFILE_IDENTIFIER"},
		{"profile_exercise_without_note", func(a *cap.Alert) {
			a.Status = cap.Exercise
			a.Identifier = "JP.trilink-exercise.NK-20221004.0002"
			a.References[0].Identifier = "JP.trilink-exercise.NK-20221004.0001"
		}, "PROFILE_EXERCISE_MARKING"},
		{"profile_exercise_with_actual_id", func(a *cap.Alert) { a.Status, a.Note = cap.Exercise, cap.ExerciseNote }, "PROFILE_EXERCISE_MARKING"},
		{"profile_actual_with_exercise_note", func(a *cap.Alert) { a.Note = cap.ExerciseNote }, "PROFILE_EXERCISE_MARKING"},
		{"profile_actual_refers_to_exercise", func(a *cap.Alert) {
			a.References[0].Identifier = "JP.trilink-exercise.NK-20221004.0001"
		}, "PROFILE_EXERCISE_MARKING"},
		{"profile_exercise_refers_to_actual", func(a *cap.Alert) {
			a.Status, a.Note = cap.Exercise, cap.ExerciseNote
			a.Identifier = "JP.trilink-exercise.NK-20221004.0002"
		}, "PROFILE_EXERCISE_MARKING"},
		{"profile_no_incidents", func(a *cap.Alert) { a.Incidents = "" }, "PROFILE_INCIDENTS"},
		{"profile_no_expires", func(a *cap.Alert) { a.Info[0].Expires = nil }, "PROFILE_INFO"},
		{"profile_no_area", func(a *cap.Alert) { a.Info[0].Area = nil }, "PROFILE_INFO"},
		{"profile_long_headline", func(a *cap.Alert) { a.Info[0].Headline = strings.Repeat("ミ", 161) }, "HEADLINE_TOO_LONG"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			a := base()
			tt.edit(a)
			err := cap.Validate(a)
			var ve *cap.ValidationError
			if !errors.As(err, &ve) || !errors.Is(err, cap.ErrInvalid) {
				t.Fatalf("Validate() = %v, want a ValidationError", err)
			}
			found := false
			for _, p := range ve.Problems {
				found = found || p.Rule == tt.rule
			}
			if !found {
				t.Errorf("problems %v lack %s", ve.Problems, tt.rule)
			}
			b, err := cap.Encode(a)
			if b != nil || !strings.Contains(err.Error(), tt.rule) {
				t.Errorf("Encode returned %d bytes and %v; want no document and an error naming %s", len(b), err, tt.rule)
			}
		})
	}
}

// TestExerciseValid: a properly marked exercise passes.
func TestExerciseValid(t *testing.T) {
	a := base()
	a.Status, a.Note = cap.Exercise, cap.ExerciseNote
	a.Identifier = "JP.trilink-exercise.NK-20221004.0002"
	a.References[0].Identifier = "JP.trilink-exercise.NK-20221004.0001"
	if err := cap.Validate(a); err != nil {
		t.Errorf("marked exercise: %v", err)
	}
	// Without the profile code the profile rules do not apply.
	b := base()
	b.Code, b.Identifier = nil, "anything-1"
	if err := cap.Validate(b); err != nil {
		t.Errorf("alert without the profile: %v", err)
	}
}

// TestEncodeSchema: the base alert and its variants pass the XSD too.
func TestEncodeSchema(t *testing.T) {
	docs := map[string][]byte{}
	a := base()
	b, err := cap.Encode(a)
	if err != nil {
		t.Fatal(err)
	}
	docs["base"] = b
	a.Scope, a.Restriction = cap.Restricted, "national operations centres"
	a.Info[0].Area[0].Altitude, a.Info[0].Area[0].Ceiling = ptr(0), ptr(3.3e6)
	a.Info[0].Resource = []cap.Resource{{ResourceDesc: "map", MimeType: "image/png", Size: 1024, URI: "https://example.invalid/m.png"}}
	if b, err = cap.Encode(a); err != nil {
		t.Fatal(err)
	}
	docs["restricted"] = b
	validateXSD(t, docs)
}
