package auth

import (
	"encoding/json"
	"testing"
)

// FuzzParseUsers: a users file never panics the node, and whatever it
// accepts is a set of valid users that writes back and reads again the same.
func FuzzParseUsers(f *testing.F) {
	f.Add([]byte(`[{"name":"jp-admin","nation":"jp","role":"admin","handle":"AAAA","created":"2026-11-27T00:00:00Z"}]`))
	f.Add([]byte(`[null]`))
	f.Add([]byte(`[{"name":"a","nation":"jp","role":"admin"}]`))
	f.Add([]byte(`[{"name":"ab","nation":"kr","role":"watch-officer","passkeys":[{"id":"AQ","publicKey":"AQ"}]}]`))
	f.Fuzz(func(t *testing.T, b []byte) {
		u := NewUsers()
		if err := u.parse(b); err != nil {
			return
		}
		for _, x := range u.List() {
			if !ValidName(x.Name) || !x.Nation.Valid() {
				t.Fatalf("accepted %+v", x)
			}
			if r, err := ParseRole(string(x.Role)); err != nil || r != x.Role {
				t.Fatalf("accepted role %q", x.Role)
			}
		}
		out, err := json.Marshal(u.List())
		if err != nil {
			t.Fatal(err)
		}
		again := NewUsers()
		if err := again.parse(out); err != nil {
			t.Fatalf("written back, refused: %v\n%s", err, out)
		}
		if len(again.List()) != len(u.List()) {
			t.Fatalf("%d users, then %d", len(u.List()), len(again.List()))
		}
	})
}
