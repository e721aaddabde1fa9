package share_test

import (
	"fmt"
	"strings"

	"github.com/trilink/trilink/internal/share"
)

// The nats-server configuration of one nation, generated from the
// federation description: kr accepts jp's link into its JP_BORDER account.
func ExampleFederation_ServerConfig() {
	f := fixedFederation()
	conf, err := f.ServerConfig(share.KR, 0)
	if err != nil {
		fmt.Println(err)
		return
	}
	for _, line := range strings.Split(conf, "\n") {
		if strings.Contains(line, "user: \"jp_leaf\"") || strings.HasPrefix(strings.TrimSpace(line), "domain:") {
			fmt.Println(strings.TrimSpace(line))
		}
	}
	// Output:
	// domain: kr
	// {user: "jp_leaf", password: "leaf-jp-kr", account: JP_BORDER}
}

// A leaf-link graph with a loop is rejected before any server starts.
func ExampleCheckLinks() {
	err := share.CheckLinks([]share.Link{
		{From: share.JP, To: share.KR, FromAccount: "SHARE", ToAccount: "SHARE"},
		{From: share.KR, To: share.US, FromAccount: "SHARE", ToAccount: "SHARE"},
		{From: share.US, To: share.JP, FromAccount: "SHARE", ToAccount: "SHARE"},
	})
	fmt.Println(err)
	// Output: share: leaf links form a loop in the account graph: link us→jp (us/SHARE↔jp/SHARE) closes a cycle
}
