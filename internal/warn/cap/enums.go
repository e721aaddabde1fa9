package cap

import "fmt"

// CAP's enumerations. Each is an int whose zero value is not a CAP value
// and does not marshal, so a field left unset makes encoding fail. For
// urgency, severity and certainty, whose CAP value lists include the
// literal "Unknown", the zero value is XxxUnset and XxxUnknown is CAP's
// "Unknown".

// enum is the shared text form of CAP's enumerations.
type enum struct {
	kind  string
	names []string
}

func (e enum) text(v int) ([]byte, error) {
	if v <= 0 || v >= len(e.names) {
		return nil, fmt.Errorf("cap: %s %d is not a CAP value", e.kind, v)
	}
	return []byte(e.names[v]), nil
}

func (e enum) parse(b []byte) (int, error) {
	for i := 1; i < len(e.names); i++ {
		if string(b) == e.names[i] {
			return i, nil
		}
	}
	return 0, fmt.Errorf("cap: %s %q is not a CAP value", e.kind, b)
}

func (e enum) valid(v int) bool { return v > 0 && v < len(e.names) }

func (e enum) str(v int) string {
	if !e.valid(v) {
		return "unset"
	}
	return e.names[v]
}

// Status is alert/status (CAP 1.2 §3.2.1). The values are persisted: do not reorder.
type Status int

const (
	StatusUnknown Status = iota
	Actual               // Actual
	Exercise             // Exercise
	System               // System
	Test                 // Test
	Draft                // Draft
)

var statusEnum = enum{"status", []string{"", "Actual", "Exercise", "System", "Test", "Draft"}}

// String returns the CAP value, or "unset".
func (v Status) String() string { return statusEnum.str(int(v)) }

// Valid reports whether v is a CAP value.
func (v Status) Valid() bool { return statusEnum.valid(int(v)) }

// MarshalText implements encoding.TextMarshaler; it fails for a value that
// is not CAP's.
func (v Status) MarshalText() ([]byte, error) { return statusEnum.text(int(v)) }

// UnmarshalText implements encoding.TextUnmarshaler.
func (v *Status) UnmarshalText(b []byte) error {
	i, err := statusEnum.parse(b)
	*v = Status(i)
	return err
}

// MsgType is alert/msgType (CAP 1.2 §3.2.1). The values are persisted: do not reorder.
type MsgType int

const (
	MsgTypeUnknown MsgType = iota
	MsgAlert               // Alert
	MsgUpdate              // Update
	MsgCancel              // Cancel
	MsgAck                 // Ack
	MsgError               // Error
)

var msgTypeEnum = enum{"msgType", []string{"", "Alert", "Update", "Cancel", "Ack", "Error"}}

// String returns the CAP value, or "unset".
func (v MsgType) String() string { return msgTypeEnum.str(int(v)) }

// Valid reports whether v is a CAP value.
func (v MsgType) Valid() bool { return msgTypeEnum.valid(int(v)) }

// MarshalText implements encoding.TextMarshaler; it fails for a value that
// is not CAP's.
func (v MsgType) MarshalText() ([]byte, error) { return msgTypeEnum.text(int(v)) }

// UnmarshalText implements encoding.TextUnmarshaler.
func (v *MsgType) UnmarshalText(b []byte) error {
	i, err := msgTypeEnum.parse(b)
	*v = MsgType(i)
	return err
}

// Scope is alert/scope (CAP 1.2 §3.2.1). The values are persisted: do not reorder.
type Scope int

const (
	ScopeUnknown Scope = iota
	Public             // Public
	Restricted         // Restricted
	Private            // Private
)

var scopeEnum = enum{"scope", []string{"", "Public", "Restricted", "Private"}}

// String returns the CAP value, or "unset".
func (v Scope) String() string { return scopeEnum.str(int(v)) }

// Valid reports whether v is a CAP value.
func (v Scope) Valid() bool { return scopeEnum.valid(int(v)) }

// MarshalText implements encoding.TextMarshaler; it fails for a value that
// is not CAP's.
func (v Scope) MarshalText() ([]byte, error) { return scopeEnum.text(int(v)) }

// UnmarshalText implements encoding.TextUnmarshaler.
func (v *Scope) UnmarshalText(b []byte) error {
	i, err := scopeEnum.parse(b)
	*v = Scope(i)
	return err
}

// Category is info/category (CAP 1.2 §3.2.2). The values are persisted: do not reorder.
type Category int

const (
	CategoryUnknown   Category = iota
	CategoryGeo                // Geo
	CategoryMet                // Met
	CategorySafety             // Safety
	CategorySecurity           // Security
	CategoryRescue             // Rescue
	CategoryFire               // Fire
	CategoryHealth             // Health
	CategoryEnv                // Env
	CategoryTransport          // Transport
	CategoryInfra              // Infra
	CategoryCBRNE              // CBRNE
	CategoryOther              // Other
)

var categoryEnum = enum{"category", []string{"", "Geo", "Met", "Safety", "Security", "Rescue", "Fire", "Health", "Env", "Transport", "Infra", "CBRNE", "Other"}}

// String returns the CAP value, or "unset".
func (v Category) String() string { return categoryEnum.str(int(v)) }

// Valid reports whether v is a CAP value.
func (v Category) Valid() bool { return categoryEnum.valid(int(v)) }

// MarshalText implements encoding.TextMarshaler; it fails for a value that
// is not CAP's.
func (v Category) MarshalText() ([]byte, error) { return categoryEnum.text(int(v)) }

// UnmarshalText implements encoding.TextUnmarshaler.
func (v *Category) UnmarshalText(b []byte) error {
	i, err := categoryEnum.parse(b)
	*v = Category(i)
	return err
}

// ResponseType is info/responseType (CAP 1.2 §3.2.2). The values are persisted: do not reorder.
type ResponseType int

const (
	ResponseTypeUnknown ResponseType = iota
	ResponseShelter                  // Shelter
	ResponseEvacuate                 // Evacuate
	ResponsePrepare                  // Prepare
	ResponseExecute                  // Execute
	ResponseAvoid                    // Avoid
	ResponseMonitor                  // Monitor
	ResponseAssess                   // Assess
	ResponseAllClear                 // AllClear
	ResponseNone                     // None
)

var responseTypeEnum = enum{"responseType", []string{"", "Shelter", "Evacuate", "Prepare", "Execute", "Avoid", "Monitor", "Assess", "AllClear", "None"}}

// String returns the CAP value, or "unset".
func (v ResponseType) String() string { return responseTypeEnum.str(int(v)) }

// Valid reports whether v is a CAP value.
func (v ResponseType) Valid() bool { return responseTypeEnum.valid(int(v)) }

// MarshalText implements encoding.TextMarshaler; it fails for a value that
// is not CAP's.
func (v ResponseType) MarshalText() ([]byte, error) { return responseTypeEnum.text(int(v)) }

// UnmarshalText implements encoding.TextUnmarshaler.
func (v *ResponseType) UnmarshalText(b []byte) error {
	i, err := responseTypeEnum.parse(b)
	*v = ResponseType(i)
	return err
}

// Urgency is info/urgency (CAP 1.2 §3.2.2). The values are persisted: do not reorder.
type Urgency int

const (
	UrgencyUnset   Urgency = iota
	Immediate              // Immediate
	Expected               // Expected
	Future                 // Future
	Past                   // Past
	UrgencyUnknown         // Unknown
)

var urgencyEnum = enum{"urgency", []string{"", "Immediate", "Expected", "Future", "Past", "Unknown"}}

// String returns the CAP value, or "unset".
func (v Urgency) String() string { return urgencyEnum.str(int(v)) }

// Valid reports whether v is a CAP value.
func (v Urgency) Valid() bool { return urgencyEnum.valid(int(v)) }

// MarshalText implements encoding.TextMarshaler; it fails for a value that
// is not CAP's.
func (v Urgency) MarshalText() ([]byte, error) { return urgencyEnum.text(int(v)) }

// UnmarshalText implements encoding.TextUnmarshaler.
func (v *Urgency) UnmarshalText(b []byte) error {
	i, err := urgencyEnum.parse(b)
	*v = Urgency(i)
	return err
}

// Severity is info/severity (CAP 1.2 §3.2.2). The values are persisted: do not reorder.
type Severity int

const (
	SeverityUnset   Severity = iota
	Extreme                  // Extreme
	Severe                   // Severe
	Moderate                 // Moderate
	Minor                    // Minor
	SeverityUnknown          // Unknown
)

var severityEnum = enum{"severity", []string{"", "Extreme", "Severe", "Moderate", "Minor", "Unknown"}}

// String returns the CAP value, or "unset".
func (v Severity) String() string { return severityEnum.str(int(v)) }

// Valid reports whether v is a CAP value.
func (v Severity) Valid() bool { return severityEnum.valid(int(v)) }

// MarshalText implements encoding.TextMarshaler; it fails for a value that
// is not CAP's.
func (v Severity) MarshalText() ([]byte, error) { return severityEnum.text(int(v)) }

// UnmarshalText implements encoding.TextUnmarshaler.
func (v *Severity) UnmarshalText(b []byte) error {
	i, err := severityEnum.parse(b)
	*v = Severity(i)
	return err
}

// Certainty is info/certainty (CAP 1.2 §3.2.2). The values are persisted: do not reorder.
type Certainty int

const (
	CertaintyUnset   Certainty = iota
	Observed                   // Observed
	Likely                     // Likely
	Possible                   // Possible
	Unlikely                   // Unlikely
	CertaintyUnknown           // Unknown
)

var certaintyEnum = enum{"certainty", []string{"", "Observed", "Likely", "Possible", "Unlikely", "Unknown"}}

// String returns the CAP value, or "unset".
func (v Certainty) String() string { return certaintyEnum.str(int(v)) }

// Valid reports whether v is a CAP value.
func (v Certainty) Valid() bool { return certaintyEnum.valid(int(v)) }

// MarshalText implements encoding.TextMarshaler; it fails for a value that
// is not CAP's.
func (v Certainty) MarshalText() ([]byte, error) { return certaintyEnum.text(int(v)) }

// UnmarshalText implements encoding.TextUnmarshaler.
func (v *Certainty) UnmarshalText(b []byte) error {
	i, err := certaintyEnum.parse(b)
	*v = Certainty(i)
	return err
}
