package cap

import (
	"crypto/sha1"
	"encoding/hex"
	"encoding/xml"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/trilink/trilink/internal/nation"
	"github.com/trilink/trilink/internal/warn"
)

// atomFeed and atomEntry are the parts of an Atom feed (RFC 4287) that
// trilink writes.
type atomFeed struct {
	XMLName xml.Name    `xml:"http://www.w3.org/2005/Atom feed"`
	ID      string      `xml:"id"`
	Title   string      `xml:"title"`
	Updated string      `xml:"updated"`
	Author  atomAuthor  `xml:"author"`
	Link    []atomLink  `xml:"link"`
	Entries []atomEntry `xml:"entry"`
}

type atomAuthor struct {
	Name string `xml:"name"`
}

type atomLink struct {
	Rel  string `xml:"rel,attr,omitempty"`
	Type string `xml:"type,attr,omitempty"`
	Href string `xml:"href,attr"`
}

type atomEntry struct {
	ID        string     `xml:"id"`
	Title     string     `xml:"title"`
	Updated   string     `xml:"updated"`
	Published string     `xml:"published"`
	Link      []atomLink `xml:"link"`
	Summary   string     `xml:"summary,omitempty"`
}

// urn returns a name-based (SHA-1, version 5, RFC 9562 §5.5) UUID URN for
// name in the URL namespace, so a message's Atom id is stable.
func urn(name string) string {
	ns := [16]byte{0x6b, 0xa7, 0xb8, 0x11, 0x9d, 0xad, 0x11, 0xd1, 0x80, 0xb4, 0x00, 0xc0, 0x4f, 0xd4, 0x30, 0xc8}
	h := sha1.New()
	h.Write(ns[:])
	h.Write([]byte(name))
	s := h.Sum(nil)[:16]
	s[6] = s[6]&0x0f | 0x50
	s[8] = s[8]&0x3f | 0x80
	x := hex.EncodeToString(s)
	return "urn:uuid:" + x[:8] + "-" + x[8:12] + "-" + x[12:16] + "-" + x[16:20] + "-" + x[20:]
}

// Feed returns the Atom feed (RFC 4287) of nation n's CAP messages,
// served at /cap/{n}/alerts.atom: newest first, each entry linking to the
// document at [Message.Path] with type application/cap+xml. The feed's
// status is M's, so Actual and Exercise messages cannot share a feed.
// Messages of other nations are left out. An empty feed is dated
// 1970-01-01.
func Feed[M warn.Mode](n nation.Nation, msgs []Message[M]) []byte {
	status := warn.StatusOf[M]()
	self := "/cap/" + n.String() + "/alerts.atom"
	f := atomFeed{
		ID:     urn("trilink:cap:" + n.String() + ":" + status.String()),
		Title:  fmt.Sprintf("trilink CAP alerts: %s (%s)", n, status),
		Author: atomAuthor{Name: "trilink (" + n.String() + ")"},
		Link:   []atomLink{{Rel: "self", Type: "application/atom+xml", Href: self}},
	}
	var own []Message[M]
	for _, m := range msgs {
		if m.Nation == n && m.Alert != nil {
			own = append(own, m)
		}
	}
	slices.SortStableFunc(own, func(a, b Message[M]) int {
		if c := b.Alert.Sent.Compare(a.Alert.Sent.Time); c != 0 {
			return c
		}
		return strings.Compare(b.Alert.Identifier, a.Alert.Identifier)
	})
	updated := time.Unix(0, 0).UTC()
	for _, m := range own {
		a := m.Alert
		if a.Sent.After(updated) {
			updated = a.Sent.Time
		}
		e := atomEntry{
			ID:        urn(a.Sender + "," + a.Identifier),
			Title:     a.Identifier,
			Updated:   a.Sent.Format(time.RFC3339),
			Published: a.Sent.Format(time.RFC3339),
			Link:      []atomLink{{Rel: "alternate", Type: "application/cap+xml", Href: m.Path()}},
		}
		if len(a.Info) > 0 {
			e.Title = a.Info[0].Headline
			e.Summary = a.Info[0].Description
		}
		f.Entries = append(f.Entries, e)
	}
	f.Updated = updated.Format(time.RFC3339)
	b, err := xml.MarshalIndent(f, "", "  ")
	if err != nil {
		panic(fmt.Sprintf("cap: feed: %v", err)) // only strings: cannot fail
	}
	return append(append([]byte(xml.Header), b...), '\n')
}
