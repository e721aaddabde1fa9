package sim

import (
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path"
	"sort"
	"strings"
	"sync"
)

// The built-in library: scenarios shaped on publicly reported launches, each
// file citing its sources.
//
//go:embed scenarios/*.yaml
var library embed.FS

var (
	builtinOnce sync.Once
	builtin     []*Scenario
	builtinErr  error
)

// Builtin returns the built-in scenarios, sorted by name.
func Builtin() ([]*Scenario, error) {
	builtinOnce.Do(func() {
		names, _ := fs.Glob(library, "scenarios/*.yaml")
		for _, n := range names {
			b, _ := library.ReadFile(n)
			sc, err := Parse("builtin:"+path.Base(n), b)
			if err != nil {
				builtinErr = errors.Join(builtinErr, err)
				continue
			}
			builtin = append(builtin, sc)
		}
		sort.Slice(builtin, func(i, j int) bool { return builtin[i].Name < builtin[j].Name })
	})
	return builtin, builtinErr
}

// ErrNoScenario is returned by Resolve for a name that is neither a file nor
// a built-in scenario.
var ErrNoScenario = errors.New("no such scenario")

// Resolve returns the scenario named by a built-in name, or read from a file
// path (anything with a slash or ending in .yaml/.yml that exists).
func Resolve(nameOrFile string) (*Scenario, error) {
	if strings.ContainsRune(nameOrFile, os.PathSeparator) || strings.HasSuffix(nameOrFile, ".yaml") || strings.HasSuffix(nameOrFile, ".yml") {
		if _, err := os.Stat(nameOrFile); err == nil {
			return LoadFile(nameOrFile)
		}
	}
	all, err := Builtin()
	if err != nil {
		return nil, err
	}
	for _, sc := range all {
		if sc.Name == nameOrFile {
			return sc, nil
		}
	}
	return nil, fmt.Errorf("%w: %q (see trilink scenarios, or give a file)", ErrNoScenario, nameOrFile)
}
