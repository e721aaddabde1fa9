package httpapi

import "time"

// SetSessionRecheck sets how often live streams check their session, for
// tests; it returns the restore.
func SetSessionRecheck(d time.Duration) func() {
	old := sessionRecheck
	sessionRecheck = d
	return func() { sessionRecheck = old }
}
