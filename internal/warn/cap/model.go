package cap

import "encoding/xml"

// Namespace is the CAP 1.2 XML namespace.
const Namespace = "urn:oasis:names:tc:emergency:cap:1.2"

// Profile is the code (CAP 1.2 §3.2.1 code) of trilink's CAP profile for
// missile warnings (research/alerting-hotline.md §1.7). Documents carrying
// it are held to the profile's rules as well as CAP's; see [Validate].
const Profile = "trilink-cap-1.0"

// Alert is a CAP 1.2 alert message (CAP 1.2 §3.2.1). Field order is the
// schema's sequence, which encoding/xml follows.
type Alert struct {
	XMLName     xml.Name   `xml:"urn:oasis:names:tc:emergency:cap:1.2 alert"`
	Identifier  string     `xml:"identifier"`
	Sender      string     `xml:"sender"`
	Sent        Time       `xml:"sent"`
	Status      Status     `xml:"status"`
	MsgType     MsgType    `xml:"msgType"`
	Source      string     `xml:"source,omitempty"`
	Scope       Scope      `xml:"scope"`
	Restriction string     `xml:"restriction,omitempty"`
	Addresses   string     `xml:"addresses,omitempty"`
	Code        []string   `xml:"code"`
	Note        string     `xml:"note,omitempty"`
	References  References `xml:"references,omitempty"`
	Incidents   string     `xml:"incidents,omitempty"`
	Info        []Info     `xml:"info"`
}

// Info is one info block (CAP 1.2 §3.2.2): the event described in one
// language for one set of areas.
type Info struct {
	Language     string         `xml:"language,omitempty"`
	Category     []Category     `xml:"category"`
	Event        string         `xml:"event"`
	ResponseType []ResponseType `xml:"responseType"`
	Urgency      Urgency        `xml:"urgency"`
	Severity     Severity       `xml:"severity"`
	Certainty    Certainty      `xml:"certainty"`
	Audience     string         `xml:"audience,omitempty"`
	EventCode    []Value        `xml:"eventCode"`
	Effective    *Time          `xml:"effective,omitempty"`
	Onset        *Time          `xml:"onset,omitempty"`
	Expires      *Time          `xml:"expires,omitempty"`
	SenderName   string         `xml:"senderName,omitempty"`
	Headline     string         `xml:"headline,omitempty"`
	Description  string         `xml:"description,omitempty"`
	Instruction  string         `xml:"instruction,omitempty"`
	Web          string         `xml:"web,omitempty"`
	Contact      string         `xml:"contact,omitempty"`
	Parameter    []Value        `xml:"parameter"`
	Resource     []Resource     `xml:"resource"`
	Area         []Area         `xml:"area"`
}

// Value is a valueName/value pair (eventCode, parameter, geocode).
type Value struct {
	ValueName string `xml:"valueName"`
	Value     string `xml:"value"`
}

// Resource is a resource block (CAP 1.2 §3.2.3).
type Resource struct {
	ResourceDesc string `xml:"resourceDesc"`
	MimeType     string `xml:"mimeType"`
	Size         int64  `xml:"size,omitempty"`
	URI          string `xml:"uri,omitempty"`
	DerefURI     string `xml:"derefUri,omitempty"`
	Digest       string `xml:"digest,omitempty"`
}

// Area is an area block (CAP 1.2 §3.2.4). Altitude and Ceiling are in
// feet above mean sea level.
type Area struct {
	AreaDesc string    `xml:"areaDesc"`
	Polygon  []Polygon `xml:"polygon"`
	Circle   []Circle  `xml:"circle"`
	Geocode  []Value   `xml:"geocode"`
	Altitude *Decimal  `xml:"altitude,omitempty"`
	Ceiling  *Decimal  `xml:"ceiling,omitempty"`
}
