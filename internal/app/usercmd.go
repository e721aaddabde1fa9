package app

import (
	"bufio"
	"errors"
	"flag"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"

	"github.com/trilink/trilink/internal/auth"
	"github.com/trilink/trilink/internal/nation"
)

const userUsage = `usage: trilink user <subcommand> --users FILE [flags]

subcommands:
  add      --name NAME --nation jp|kr|us --role ROLE [--member ID] [--display TEXT] [--password-stdin]
           roles: leader, official, watch_officer, observer, admin; without
           --password-stdin a password is made and printed once
  list     name, nation, role, member, passkeys, disabled
  disable  --name NAME     (a running node ends the sessions within 2 s)
  enable   --name NAME
  passwd   --name NAME [--password-stdin]

FILE is the node's users file (security.users_file, default DATA/users.json).
A running node reads it at start: restart it after add/enable/passwd.
`

// RunUser runs "trilink user <subcommand>": args are everything after
// "user". Bad usage and bad input are a *UsageError.
func RunUser(args []string, stdin io.Reader, stdout io.Writer) error {
	if len(args) == 0 || args[0] == "-h" || args[0] == "--help" || args[0] == "help" {
		if len(args) == 0 {
			return &UsageError{errors.New("name a subcommand\n\n" + userUsage)}
		}
		fmt.Fprint(stdout, userUsage)
		return nil
	}
	sub, args := args[0], args[1:]
	fs := flag.NewFlagSet("trilink user "+sub, flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	file := fs.String("users", "", "users file")
	name := fs.String("name", "", "login name")
	nat := fs.String("nation", "", "jp, kr or us")
	role := fs.String("role", "", "leader, official, watch_officer, observer or admin")
	member := fs.String("member", "", "hotline member id the user acts as")
	display := fs.String("display", "", "display name")
	fromStdin := fs.Bool("password-stdin", false, "read the password from the first line of stdin")
	if err := fs.Parse(args); err != nil {
		return &UsageError{fmt.Errorf("%v\n\n%s", err, userUsage)}
	}
	if *file == "" {
		return &UsageError{errors.New("--users: required (the node's users file)")}
	}
	users, err := auth.OpenUsers(*file)
	if err != nil {
		return &UsageError{err}
	}
	svc, err := auth.New(auth.Config{Users: users})
	if err != nil {
		return err
	}
	password := func() (string, bool, error) {
		if !*fromStdin {
			p, err := demoPassword()
			return p, true, err
		}
		line, err := bufio.NewReader(stdin).ReadString('\n')
		if err != nil && line == "" {
			return "", false, &UsageError{errors.New("--password-stdin: no password on stdin")}
		}
		return strings.TrimRight(line, "\r\n"), false, nil
	}
	needName := func() error {
		if *name == "" {
			return &UsageError{errors.New("--name: required")}
		}
		return nil
	}
	switch sub {
	case "add":
		if err := needName(); err != nil {
			return err
		}
		n, err := nation.Parse(*nat)
		if err != nil {
			return &UsageError{fmt.Errorf("--nation: %v", err)}
		}
		r, err := auth.ParseRole(*role)
		if err != nil {
			return &UsageError{fmt.Errorf("--role: %v", err)}
		}
		pw, made, err := password()
		if err != nil {
			return err
		}
		if err := svc.AddUser("cli", auth.User{Name: *name, Display: *display, Nation: n, Role: r, Member: *member}, pw); err != nil {
			return &UsageError{err}
		}
		fmt.Fprintf(stdout, "added %s (%s %s)\n", *name, n, r)
		if made {
			fmt.Fprintf(stdout, "password (shown once): %s\n", pw)
		}
	case "passwd":
		if err := needName(); err != nil {
			return err
		}
		pw, made, err := password()
		if err != nil {
			return err
		}
		if err := svc.SetPassword("cli", *name, pw); err != nil {
			return &UsageError{err}
		}
		fmt.Fprintf(stdout, "password of %s changed\n", *name)
		if made {
			fmt.Fprintf(stdout, "password (shown once): %s\n", pw)
		}
	case "disable", "enable":
		if err := needName(); err != nil {
			return err
		}
		if err := svc.Disable("cli", *name, sub == "disable"); err != nil {
			return &UsageError{err}
		}
		fmt.Fprintf(stdout, "%sd %s\n", sub, *name)
	case "list":
		tw := tabwriter.NewWriter(stdout, 0, 4, 2, ' ', 0)
		fmt.Fprintln(tw, "NAME\tNATION\tROLE\tMEMBER\tPASSKEYS\tDISABLED")
		for _, u := range users.List() {
			fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%d\t%v\n", u.Name, u.Nation, u.Role, u.Member, len(u.Passkeys), u.Disabled)
		}
		return tw.Flush()
	default:
		return &UsageError{fmt.Errorf("unknown subcommand %q\n\n%s", sub, userUsage)}
	}
	return nil
}
