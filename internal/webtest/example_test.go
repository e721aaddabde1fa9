package webtest_test

import (
	"fmt"
	"testing"

	"github.com/trilink/trilink/internal/webtest"
)

// A test opens a page in headless Chromium, reads it, and saves a
// screenshot (skipped where no Chromium is installed).
func ExampleNewBrowser() {
	_ = func(t *testing.T, url string) {
		b := webtest.NewBrowser(t, webtest.Options{Lang: "ja"})
		if err := webtest.Navigate(b, url); err != nil {
			t.Fatal(err)
		}
		title, err := webtest.Eval[string](b, `document.title`)
		if err != nil {
			t.Fatal(err)
		}
		t.Log(title)
		b.Screenshot(t, "front_page", "")
	}
}

func ExampleJSString() {
	sel := `tr[data-event="E1"]`
	fmt.Println("document.querySelector(" + webtest.JSString(sel) + ")")
	// Output: document.querySelector("tr[data-event=\"E1\"]")
}
