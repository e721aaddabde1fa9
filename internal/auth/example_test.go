package auth_test

import (
	"fmt"
	"net/netip"

	"github.com/trilink/trilink/internal/auth"
	"github.com/trilink/trilink/internal/nation"
)

func Example() {
	svc, _ := auth.New(auth.Config{Users: auth.NewUsers()})
	_ = svc.AddUser("cli", auth.User{Name: "jp-watch", Nation: nation.JP, Role: auth.RoleWatch, Member: "jp-ops"},
		"a long passphrase for the watch")
	token, sess, err := svc.Login("jp-watch", "a long passphrase for the watch", netip.MustParseAddr("127.0.0.1"))
	fmt.Println(sess.User.Name, sess.User.Role, sess.User.Member, err)
	_, err = svc.Session(token)
	fmt.Println(err)
	_, _, err = svc.Login("jp-watch", "wrong", netip.MustParseAddr("127.0.0.1"))
	fmt.Println(err)
	// Output:
	// jp-watch watch_officer jp-ops <nil>
	// <nil>
	// auth: wrong name or password
}
