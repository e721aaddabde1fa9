package app_test

import (
	"bytes"
	"encoding/json"
	"net/http"
	"sync"
	"testing"

	"github.com/nats-io/nats.go/jetstream"
)

func jetstreamFilter(f string) jetstream.StreamInfoOpt { return jetstream.WithSubjectFilter(f) }

// demoPasswords holds each started demo's password by base URL; tokens
// the bearer tokens of users signed in to it.
var demoPasswords, tokens sync.Map

// signRequest signs req in as the user the test acts as: the ?member= it
// names, else the watch officer of its ?nation=, else jp-ops. Requests to
// servers that are no demo of this package go out unsigned.
func signRequest(t *testing.T, req *http.Request) {
	t.Helper()
	base := req.URL.Scheme + "://" + req.URL.Host
	pw, ok := demoPasswords.Load(base)
	if !ok {
		return
	}
	user := req.URL.Query().Get("member")
	if user == "" {
		user = "jp-ops"
		if n := req.URL.Query().Get("nation"); n != "" {
			user = n + "-ops"
		}
	}
	if tok, ok := tokens.Load(base + " " + user); ok {
		req.Header.Set("Authorization", "Bearer "+tok.(string))
		return
	}
	body, _ := json.Marshal(map[string]any{"name": user, "password": pw, "bearer": true})
	resp, err := http.Post(base+"/api/v1/auth/login", "application/json", bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var out struct {
		Token string `json:"token"`
		Error string `json:"error"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&out); err != nil || out.Token == "" {
		// An unknown member: the request goes out unsigned and is refused.
		return
	}
	tokens.Store(base+" "+user, out.Token)
	req.Header.Set("Authorization", "Bearer "+out.Token)
}
