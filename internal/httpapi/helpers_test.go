package httpapi_test

import (
	"net/netip"
	"testing"

	"github.com/trilink/trilink/internal/auth"
	"github.com/trilink/trilink/internal/httpapi"
	"github.com/trilink/trilink/internal/nation"
)

// signIn gives o a sign-in service with one watch officer of nation n
// and returns that user's bearer token.
func signIn(t *testing.T, o *httpapi.Options, n nation.Nation) string {
	t.Helper()
	users := auth.NewUsers()
	svc, err := auth.New(auth.Config{Users: users})
	if err != nil {
		t.Fatal(err)
	}
	name := n.String() + "-watch"
	if err := users.Add(auth.User{Name: name, Nation: n, Role: auth.RoleWatch, Member: n.String() + "-ops"}, testPassword); err != nil {
		t.Fatal(err)
	}
	tok, _, err := svc.Login(name, testPassword, netip.MustParseAddr("127.0.0.1"))
	if err != nil {
		t.Fatal(err)
	}
	o.Auth = svc
	return tok
}
