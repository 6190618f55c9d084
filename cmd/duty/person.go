package main

import (
	"bufio"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/duty-project/duty"
	"github.com/duty-project/duty/auth"
)

const personUsage = `Usage:
  duty person link-identity   --login LOGIN --subject SUBJECT [--issuer URL] [flags]
  duty person unlink-identity --subject SUBJECT [--issuer URL] [flags]
  duty person identities      [--login LOGIN] [flags]
  duty person set-password    --login LOGIN [flags] < password

Links a duty person to who they are at the province's identity provider
(政务服务统一身份认证, --oidc-issuer), so that signing in there logs them in
as that person. SUBJECT is the provider's identifier for them (the ID
token's "sub"): a person whose sign-in is refused because the subject is
linked to nobody is shown it on the login page, and gives it to the
district administrator, who runs link-identity. A subject belongs to one
person: linking it again moves it. Sessions already begun are not ended
by unlinking; the person's next sign-in is refused.

set-password sets the password a person logs in with, read from the first
line of standard input (never from an argument, which other users of the
machine could see): for a person recorded through the organisation's
administration, who has none until then. Their sessions go on.

--issuer defaults to DUTY_OIDC_ISSUER, as the server is configured. Like
'duty audit', it uses DATABASE_URL, or the local cluster in the data folder.

Flags:
`

func cmdPerson(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	if len(args) == 0 || args[0] == "-h" || args[0] == "--help" || args[0] == "help" {
		fmt.Fprint(stderr, personUsage)
		var login, subject, issuer string
		personFlags(new(config), &login, &subject, &issuer, stderr).PrintDefaults()
		if len(args) == 0 {
			return errUsage
		}
		return flag.ErrHelp
	}
	sub := args[0]
	switch sub {
	case "link-identity", "unlink-identity", "identities", "set-password":
	default:
		fmt.Fprintf(stderr, "duty person: unknown subcommand %q\n\n%s", sub, personUsage)
		return errUsage
	}
	var cfg config
	var login, subject, issuer string
	fs := personFlags(&cfg, &login, &subject, &issuer, stderr)
	fs.Usage = func() {
		fmt.Fprint(stderr, personUsage)
		fs.PrintDefaults()
	}
	if err := fs.Parse(args[1:]); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("unexpected arguments %q", fs.Args())
	}
	login, subject, issuer = strings.TrimSpace(login), strings.TrimSpace(subject), strings.TrimSpace(issuer)
	var password string
	if sub == "set-password" {
		if login == "" {
			return errors.New("--login is required: the duty person whose password to set")
		}
		line, err := bufio.NewReader(os.Stdin).ReadString('\n')
		if err != nil && !errors.Is(err, io.EOF) {
			return err
		}
		password = strings.TrimRight(line, "\r\n")
		if len([]rune(password)) < 8 {
			return errors.New("the password (the first line of standard input) must have at least 8 characters")
		}
	} else if sub != "identities" && (subject == "" || issuer == "") {
		return errors.New("--subject and --issuer (or DUTY_OIDC_ISSUER) are required")
	}
	if sub == "link-identity" && login == "" {
		return errors.New("--login is required: the duty person to link")
	}
	say := func(format string, a ...any) { fmt.Fprintf(stderr, "duty: "+format+"\n", a...) }
	st, done, err := operatorStore(ctx, cfg, say)
	if err != nil {
		return err
	}
	defer done()
	switch sub {
	case "set-password":
		hash, err := auth.HashPassword(password)
		if err != nil {
			return err
		}
		p, err := st.SetPassword(ctx, login, hash)
		if err != nil {
			return userError(err)
		}
		fmt.Fprintf(stdout, "set the password of %s (person %d)\n", p.Login, p.ID)
	case "link-identity":
		id, err := st.LinkIdentity(ctx, login, issuer, subject, time.Now())
		if err != nil {
			return userError(err)
		}
		fmt.Fprintf(stdout, "linked: subject %s at %s signs in as %s (person %d)\n", id.Subject, id.Issuer, id.Login, id.PersonID)
	case "unlink-identity":
		ok, err := st.UnlinkIdentity(ctx, issuer, subject)
		if err != nil {
			return err
		}
		if !ok {
			return fmt.Errorf("subject %s at %s is linked to nobody", subject, issuer)
		}
		fmt.Fprintf(stdout, "unlinked: subject %s at %s signs in as nobody\n", subject, issuer)
	case "identities":
		ids, err := st.Identities(ctx, login)
		if err != nil {
			return err
		}
		tw := tabwriter.NewWriter(stdout, 0, 4, 2, ' ', 0)
		fmt.Fprintln(tw, "LOGIN\tISSUER\tSUBJECT\tLINKED")
		for _, id := range ids {
			fmt.Fprintf(tw, "%s\t%s\t%s\t%s\n", id.Login, id.Issuer, id.Subject, id.LinkedAt.Format(time.RFC3339))
		}
		return tw.Flush()
	}
	return nil
}

// userError is err's message when it is meant for people (no person with
// that login), err itself otherwise.
func userError(err error) error {
	if code := duty.ErrorCode(err); code != duty.EInternal {
		return errors.New(duty.ErrorMessage(err))
	}
	return err
}

func personFlags(cfg *config, login, subject, issuer *string, stderr io.Writer) *flag.FlagSet {
	fs := newFlags("person", cfg, stderr)
	fs.StringVar(login, "login", "", "the duty person's login")
	fs.StringVar(subject, "subject", "", "the person's subject identifier at the identity provider (the ID token's sub)")
	fs.StringVar(issuer, "issuer", os.Getenv("DUTY_OIDC_ISSUER"), "the identity provider's issuer URL (env DUTY_OIDC_ISSUER)")
	return fs
}
