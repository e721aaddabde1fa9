// Package webtest drives the operations console (package web) in headless
// Chromium through the DevTools protocol (chromedp), for the browser tests
// of issue 6: the console loads without console errors, follows the live
// picture, switches language and nation, survives an unreachable node and
// a reconnect without losing events, and meets its performance budget; and
// for the hotline page of issue 7 (hotline_test.go): a message sent from
// one nation's page is acknowledged from another's and the receipt shows.
//
// The tests start the real demo in-process (app.NewDemo) and load the
// console from the demo's own server at /. They need Debian's chromium
// (/usr/bin/chromium, installed by .ci/run) and skip, saying so, when it
// is absent. Each test saves a screenshot in its temporary directory, and
// with -update also in testdata/screenshots/:
//
//	go test ./internal/webtest -run Console -v -update
//
// The helpers here ([NewBrowser], [Browser.Screenshot], [CheckFor]) are
// for any package that tests a page in the browser.
package webtest
