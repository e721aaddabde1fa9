package app

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/trilink/trilink/internal/nation"
	"github.com/trilink/trilink/internal/pki"
)

const pkiUsage = `usage: trilink pki <subcommand> [flags]

subcommands:
  init    --dir DIR [--nation jp|kr|us|all] [--domain D] [--permit-dns a,b]
          create each nation's root and issuing CA (never overwrites)
  issue   --dir DIR --nation N --kind server|leaf|sensor|user --name NAME
          [--dns a,b] [--ip a,b] [--days 90] [--rotate]
  list    --dir DIR [--nation N|all]     subject, serial, expiry, days left
  verify  --dir DIR FILE                 chain to the nation's root, with purpose
  deploy  --dir DIR --nation N --leaf NAME --route NAME --out DIR
          the files one NATS server reads (/etc/trilink/pki)
  revoke  --dir DIR --nation N --serial HEX [--reason TEXT]
          add a certificate to N's revoked.json; nodes refuse it within seconds
`

// RunPKI runs "trilink pki <subcommand> [flags]" (DESIGN.md §4): args are
// everything after "pki". Bad usage and bad input are a *UsageError.
func RunPKI(ctx context.Context, args []string, stdout io.Writer) error {
	if len(args) == 0 || args[0] == "-h" || args[0] == "--help" || args[0] == "help" {
		if len(args) == 0 {
			return &UsageError{errors.New("name a subcommand\n\n" + pkiUsage)}
		}
		fmt.Fprint(stdout, pkiUsage)
		return nil
	}
	sub, args := args[0], args[1:]
	fs := flag.NewFlagSet("trilink pki "+sub, flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	dir := fs.String("dir", "", "PKI directory (one subdirectory per nation)")
	nationFlag := fs.String("nation", "", "jp, kr or us")
	var run func() error
	switch sub {
	case "init":
		domain := fs.String("domain", pki.DefaultDomain, "DNS suffix: names are permitted under <n>.<domain>")
		permit := fs.String("permit-dns", "", "extra permitted DNS subtrees, comma-separated")
		run = func() error {
			ns, err := pkiNations(*nationFlag)
			if err != nil {
				return err
			}
			return pkiInit(*dir, ns, pki.InitOptions{Domain: *domain, PermitDNS: splitList(*permit)}, stdout)
		}
	case "issue":
		kind := fs.String("kind", "", "server, leaf, sensor or user")
		name := fs.String("name", "", "certificate name (sensor id for a sensor)")
		dns := fs.String("dns", "", "DNS SANs, comma-separated")
		ips := fs.String("ip", "", "IP SANs, comma-separated")
		days := fs.Int("days", 90, "validity in days (1 to 397)")
		rotate := fs.Bool("rotate", false, "replace an existing certificate of this name (the old one is kept under retired/)")
		run = func() error {
			n, err := pkiNation(*nationFlag)
			if err != nil {
				return err
			}
			k, err := pki.ParseKind(*kind)
			if err != nil {
				return &UsageError{fmt.Errorf("--kind: %w", err)}
			}
			if *days < 1 {
				return &UsageError{fmt.Errorf("--days %d: want 1 to 397", *days)}
			}
			req := pki.Request{Kind: k, Name: *name, DNSNames: splitList(*dns), Validity: time.Duration(*days) * 24 * time.Hour}
			for _, s := range splitList(*ips) {
				ip := net.ParseIP(s)
				if ip == nil {
					return &UsageError{fmt.Errorf("--ip %q: not an IP address", s)}
				}
				req.IPs = append(req.IPs, ip)
			}
			return pkiIssue(*dir, n, req, pki.IssueOptions{Rotate: *rotate}, stdout)
		}
	case "list":
		run = func() error {
			ns, err := pkiNations(*nationFlag)
			if err != nil {
				return err
			}
			return pkiList(*dir, ns, stdout)
		}
	case "verify":
		if len(args) > 0 && !strings.HasPrefix(args[0], "-") {
			args = append(args[1:], args[0]) // FILE may come first
		}
		run = func() error {
			if fs.NArg() != 1 {
				return &UsageError{errors.New("usage: trilink pki verify --dir DIR FILE")}
			}
			return pkiVerify(*dir, fs.Arg(0), stdout)
		}
	case "deploy":
		leaf := fs.String("leaf", "leaf", "name of the nation's leaf certificate")
		route := fs.String("route", "", "name of this server's server certificate (for routes)")
		out := fs.String("out", "", "output directory (e.g. /etc/trilink/pki)")
		run = func() error {
			n, err := pkiNation(*nationFlag)
			if err != nil {
				return err
			}
			if *out == "" {
				return &UsageError{errors.New("--out: required")}
			}
			paths, err := pki.Deploy(*dir, n, *out, pki.DeployOptions{Leaf: *leaf, Route: *route})
			if err != nil {
				return err
			}
			for _, p := range paths {
				fmt.Fprintln(stdout, p)
			}
			return nil
		}
	case "revoke":
		serial := fs.String("serial", "", "serial number in hex, as `trilink pki list` shows it")
		reason := fs.String("reason", "", "why (kept in the list)")
		run = func() error {
			n, err := pkiNation(*nationFlag)
			if err != nil {
				return err
			}
			if *serial == "" {
				return &UsageError{errors.New("--serial: required")}
			}
			r, err := pki.Revoke(*dir, n, *serial, *reason)
			if err != nil {
				return err
			}
			fmt.Fprintf(stdout, "revoked %s %s %s (serial %s) at %s\n", n, r.Kind, r.Name, r.Serial, r.Revoked.Format(time.RFC3339))
			return nil
		}
	default:
		return &UsageError{fmt.Errorf("unknown subcommand %q\n\n%s", sub, pkiUsage)}
	}
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			fmt.Fprint(stdout, pkiUsage)
			return nil
		}
		return &UsageError{err}
	}
	if sub != "verify" && fs.NArg() > 0 {
		return &UsageError{fmt.Errorf("unexpected argument %q", fs.Arg(0))}
	}
	if *dir == "" {
		return &UsageError{errors.New("--dir: required")}
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	err := run()
	var ue *UsageError
	if err != nil && !errors.As(err, &ue) && isBadInput(err) {
		return &UsageError{err}
	}
	return err
}

// isBadInput tells the pki errors that are the caller's input, not the system's.
func isBadInput(err error) bool {
	return errors.Is(err, pki.ErrExists) || errors.Is(err, pki.ErrUnknownKind) ||
		errors.Is(err, pki.ErrNoAuthority) || errors.Is(err, nation.ErrUnknownNation) ||
		errors.As(err, new(*pki.RequestError))
}

func pkiNation(s string) (nation.Nation, error) {
	if s == "" {
		return nation.NationUnknown, &UsageError{errors.New("--nation: required (jp, kr or us)")}
	}
	n, err := nation.Parse(s)
	if err != nil {
		return nation.NationUnknown, &UsageError{fmt.Errorf("--nation: %w", err)}
	}
	return n, nil
}

func pkiNations(s string) ([]nation.Nation, error) {
	if s == "all" || s == "" {
		return nation.Nations, nil
	}
	n, err := pkiNation(s)
	if err != nil {
		return nil, err
	}
	return []nation.Nation{n}, nil
}

func pkiInit(dir string, ns []nation.Nation, o pki.InitOptions, stdout io.Writer) error {
	created := 0
	var exists error
	for _, n := range ns {
		err := pki.Init(dir, n, o)
		switch {
		case errors.Is(err, pki.ErrExists):
			fmt.Fprintf(stdout, "%s: kept the existing CA (%v)\n", n, err)
			exists = err
			continue
		case err != nil:
			return err
		}
		created++
		a, err := pki.LoadNation(dir, n)
		if err != nil {
			return err
		}
		fmt.Fprintf(stdout, "%s: created %s (root, until %s) and issuing CA (until %s), names under %s\n",
			n, a.Dir(), a.Root.NotAfter.UTC().Format(time.DateOnly), a.Issuing.NotAfter.UTC().Format(time.DateOnly),
			strings.Join(a.Issuing.PermittedDNSDomains, ", "))
	}
	if created == 0 && exists != nil {
		return exists
	}
	if created > 0 {
		fmt.Fprintf(stdout, "root keys (%s) are needed only to make a new issuing CA: move them offline\n", pki.RootKeyFile)
	}
	return nil
}

func pkiIssue(dir string, n nation.Nation, req pki.Request, o pki.IssueOptions, stdout io.Writer) error {
	a, err := pki.LoadNation(dir, n)
	if err != nil {
		return err
	}
	certFile, keyFile, err := a.IssueFile(req, o)
	if err != nil {
		return err
	}
	v, err := pki.VerifyFile(dir, certFile)
	if err != nil {
		return err
	}
	c := v.Chain[0]
	fmt.Fprintf(stdout, "%s %s: %s\n  subject %s\n  serial  %x\n  expires %s\n  key     %s\n",
		n, req.Kind, certFile, c.Subject, c.SerialNumber, c.NotAfter.UTC().Format(time.RFC3339), keyFile)
	for _, d := range c.DNSNames {
		fmt.Fprintf(stdout, "  dns     %s\n", d)
	}
	for _, ip := range c.IPAddresses {
		fmt.Fprintf(stdout, "  ip      %s\n", ip)
	}
	for _, u := range c.URIs {
		fmt.Fprintf(stdout, "  uri     %s\n", u)
	}
	return nil
}

func pkiList(dir string, ns []nation.Nation, stdout io.Writer) error {
	es, err := pki.List(dir, ns...)
	if err != nil {
		return err
	}
	if len(es) == 0 {
		return &UsageError{fmt.Errorf("%w for any nation in %s", pki.ErrNoAuthority, dir)}
	}
	now := time.Now()
	tw := tabwriter.NewWriter(stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "NATION\tKIND\tNAME\tSUBJECT\tSERIAL\tEXPIRES\tDAYS\tFLAG")
	for _, e := range es {
		var flags []string
		if e.Retired {
			flags = append(flags, "retired")
		}
		switch {
		case e.DaysLeft(now) < 0 || now.After(e.Cert.NotAfter):
			flags = append(flags, "EXPIRED")
		case e.Expiring(now):
			flags = append(flags, "EXPIRING")
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%d\t%s\n", e.Nation, e.Kind, e.Name, e.Cert.Subject, e.Serial(),
			e.Cert.NotAfter.UTC().Format(time.DateOnly), e.DaysLeft(now), strings.Join(flags, ","))
	}
	return tw.Flush()
}

func pkiVerify(dir, file string, stdout io.Writer) error {
	v, err := pki.VerifyFile(dir, file)
	if err != nil {
		return &UsageError{err}
	}
	var names []string
	for _, c := range v.Chain {
		names = append(names, c.Subject.String())
	}
	c := v.Chain[0]
	fmt.Fprintf(stdout, "ok: %s %s certificate, serial %x, expires %s (%d days)\n  chain: %s\n", v.Nation, v.Kind, c.SerialNumber,
		c.NotAfter.UTC().Format(time.DateOnly), int(time.Until(c.NotAfter).Hours()/24), strings.Join(names, " → "))
	return nil
}

func splitList(s string) []string {
	var out []string
	for _, f := range strings.Split(s, ",") {
		if f = strings.TrimSpace(f); f != "" {
			out = append(out, f)
		}
	}
	return out
}
