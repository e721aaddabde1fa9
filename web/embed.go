// Package web holds the operations console's front end (TypeScript, Vite;
// sources in src/, display geodata in public/geo/) and embeds its built
// files, so that `go build` gives one self-contained binary without Node.
//
// The built files in dist/ are committed. After changing the front end,
// rebuild them with
//
//	cd web && npm ci && npm run build
//
// internal/httpapi serves [Dist] at / (index.html, hashed assets/ and
// geo/*.json); the console routes with the URL fragment (#/events/ID), so
// the server needs no fallback for client routes.
package web

import (
	"embed"
	"io/fs"
)

//go:embed all:dist
var dist embed.FS

// Dist is the built console: index.html at its root, assets/ with
// content-hashed names (safe to cache for ever), and geo/ with the
// display geodata.
var Dist fs.FS = mustSub(dist, "dist")

func mustSub(f fs.FS, dir string) fs.FS {
	s, err := fs.Sub(f, dir)
	if err != nil {
		panic("web: " + err.Error()) // the directive above guarantees dist exists
	}
	return s
}
