package webtest

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// ChromiumPath returns the Chromium (or Chrome) binary to drive: $CHROMIUM
// if set, else /usr/bin/chromium, else the first of chromium,
// chromium-browser and google-chrome on $PATH; or "" when there is none.
func ChromiumPath() string {
	if p := os.Getenv("CHROMIUM"); p != "" {
		return p
	}
	if st, err := os.Stat("/usr/bin/chromium"); err == nil && !st.IsDir() {
		return "/usr/bin/chromium"
	}
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	return ""
}

// Browser is one headless Chromium with one tab, owned by a test. Its
// console is recorded from the start.
type Browser struct {
	// Ctx is the chromedp context of the tab; it ends with the test.
	Ctx context.Context

	mu       sync.Mutex // guards messages
	messages []chromedp.ConsoleMessage
}

// Options configure [NewBrowser].
type Options struct {
	// Width and Height of the window in CSS pixels; 0 means 1280×800.
	Width, Height int
	// Lang is the browser's UI and Accept-Language language, e.g. "ja";
	// "" means en-US.
	Lang string
	// Flags are extra command-line switches, e.g.
	// {"use-fake-device-for-media-stream": true}.
	Flags map[string]any
}

// NewBrowser starts headless Chromium with a fresh profile in a temporary
// directory and opens a tab; both close when tb ends. It skips tb when no
// Chromium is installed.
func NewBrowser(tb testing.TB, o Options) *Browser {
	tb.Helper()
	path := ChromiumPath()
	if path == "" {
		tb.Skip("no Chromium: install Debian's chromium (apt-get install -y chromium) or set $CHROMIUM")
	}
	if o.Width == 0 {
		o.Width, o.Height = 1280, 800
	}
	if o.Lang == "" {
		o.Lang = "en-US"
	}
	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(path),
		chromedp.UserDataDir(tb.TempDir()),
		chromedp.NoSandbox,
		chromedp.DisableGPU,
		chromedp.NoFirstRun,
		chromedp.WindowSize(o.Width, o.Height),
		chromedp.Flag("disable-quic", true),
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("lang", o.Lang),
		chromedp.Flag("accept-lang", o.Lang),
	)
	for k, v := range o.Flags {
		opts = append(opts, chromedp.Flag(k, v))
	}
	actx, acancel := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancel := chromedp.NewContext(actx)
	tb.Cleanup(func() {
		cancel()
		acancel()
	})
	b := &Browser{Ctx: ctx}
	msgs := chromedp.Console(ctx)
	go func() {
		for m, err := range msgs {
			if err != nil {
				return
			}
			b.mu.Lock()
			b.messages = append(b.messages, m)
			b.mu.Unlock()
		}
	}()
	return b
}

// Messages returns what the page wrote to its console so far, uncaught
// exceptions and the browser's log included.
func (b *Browser) Messages() []chromedp.ConsoleMessage {
	b.mu.Lock()
	defer b.mu.Unlock()
	return append([]chromedp.ConsoleMessage(nil), b.messages...)
}

// Errors returns the console errors and uncaught exceptions so far, as
// text. Entries of the browser's log (failed requests, for example) count
// only when logToo is set.
func (b *Browser) Errors(logToo bool) []string {
	var out []string
	for _, m := range b.Messages() {
		isErr := m.Type == chromedp.ConsoleError || m.IsException()
		if !isErr || (m.Source != "" && !logToo) {
			continue
		}
		out = append(out, fmt.Sprintf("%s %s:%d: %s", m.Type, m.URL, m.Line+1, m.String()))
	}
	return out
}

// Screenshot captures the viewport as PNG into tb's temporary directory
// and, when dir is not "", into dir as well (tests pass their testdata
// directory under -update). It returns the path in the temporary directory.
func (b *Browser) Screenshot(tb testing.TB, name, dir string) string {
	tb.Helper()
	png, err := chromedp.Run(b.Ctx, chromedp.CaptureScreenshot())
	if err != nil {
		tb.Errorf("screenshot %s: %v", name, err)
		return ""
	}
	p := filepath.Join(tb.TempDir(), name+".png")
	if err := os.WriteFile(p, png, 0o644); err != nil {
		tb.Errorf("save screenshot: %v", err)
	}
	if dir != "" {
		if err := os.MkdirAll(dir, 0o755); err != nil {
			tb.Errorf("screenshot dir: %v", err)
		} else if err := os.WriteFile(filepath.Join(dir, name+".png"), png, 0o644); err != nil {
			tb.Errorf("save screenshot: %v", err)
		}
	}
	tb.Logf("screenshot %s (%d bytes)", p, len(png))
	return p
}

// Eval evaluates a JavaScript expression in the page and decodes its value.
func Eval[T any](b *Browser, expr string) (T, error) {
	return chromedp.Run(b.Ctx, chromedp.Evaluate[T](expr))
}

// CheckFor calls f every interval until it returns nil, and fails tb with
// f's last error when timeout passes first.
func CheckFor(tb testing.TB, timeout, interval time.Duration, f func() error) {
	tb.Helper()
	deadline := time.Now().Add(timeout)
	for {
		err := f()
		if err == nil {
			return
		}
		if time.Now().After(deadline) {
			tb.Fatalf("after %v: %v", timeout, err)
		}
		time.Sleep(interval)
	}
}

// JSString returns s as a JavaScript string literal, for building
// expressions to [Eval].
func JSString(s string) string {
	r := strings.NewReplacer(`\`, `\\`, `"`, `\"`, "\n", `\n`, "\r", `\r`, "\u2028", `\u2028`, "\u2029", `\u2029`)
	return `"` + r.Replace(s) + `"`
}

// Text returns the text content of the first element matching the CSS
// selector, or an error when there is none.
func (b *Browser) Text(selector string) (string, error) {
	return Eval[string](b, fmt.Sprintf(`(() => { const e = document.querySelector(%s); if (!e) throw new Error("no element " + %s); return e.textContent; })()`, JSString(selector), JSString(selector)))
}

// Navigate loads url in the tab and waits for its load event.
func Navigate(b *Browser, url string) error {
	return chromedp.Do(b.Ctx, chromedp.Navigate(url))
}
