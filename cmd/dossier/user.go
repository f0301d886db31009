package main

import (
	"bufio"
	"context"
	"dossier/archive"
	"dossier/archive/audit"
	"dossier/archive/service"
	"dossier/archive/users"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os/user"
	"strings"
	"time"

	"github.com/urfave/cli/v2"
)

// The user subcommands write to the object store only and never open
// BoltDB, so they work while `dossier serve` holds it: the server finds a
// new user on the token's first use and a revocation at its next sync.
func userCommand() *cli.Command {
	nameFlag := func() cli.Flag {
		return &cli.StringFlag{Name: "name", Required: true, Usage: "the user's login name"}
	}
	return &cli.Command{
		Name:  "user",
		Usage: "add users and manage their API tokens and passwords (works while the server runs)",
		Subcommands: []*cli.Command{
			{
				Name:      "add",
				Usage:     "create a user; prints its API token alone on the last line",
				UsageText: "dossier user add --name NAME --role ROLE [--role ROLE…] [--password-stdin]",
				Flags: append(storageFlags(), nameFlag(),
					&cli.StringFlag{Name: "display-name", Usage: "the name others see"},
					&cli.StringFlag{Name: "id-number", Usage: "the member of staff's identity number: they then never decide a case they applied for"},
					&cli.StringSliceFlag{Name: "role", Required: true, Usage: "a role, repeat for several: " + strings.Join(archive.Roles, ", ")},
					&cli.BoolFlag{Name: "password-stdin", Usage: "read a web-interface password (10 characters or more) from the first line of standard input"},
				),
				Action: userAdd,
			},
			{
				Name:      "token",
				Usage:     "issue another API token to a user; prints it alone on the last line",
				UsageText: "dossier user token --name NAME [--label LABEL]",
				Flags: append(storageFlags(), nameFlag(),
					&cli.StringFlag{Name: "label", Usage: "what the token is for"},
				),
				Action: userToken,
			},
			{
				Name:      "revoke",
				Usage:     "revoke one of a user's API tokens",
				UsageText: "dossier user revoke --name NAME --token-id ID",
				Flags: append(storageFlags(), nameFlag(),
					&cli.StringFlag{Name: "token-id", Required: true, Usage: "the token's id, as `user add` or `user token` printed it"},
				),
				Action: userRevoke,
			},
			{
				Name:      "password",
				Usage:     "set a user's web-interface password, read from the first line of standard input",
				UsageText: "dossier user password --name NAME < password-file",
				Flags:     append(storageFlags(), nameFlag()),
				Action:    userPassword,
			},
		},
	}
}

// userService is the domain over the object store alone (a running
// server may hold BoltDB), with the audit log the server shares.
func userService(c *cli.Context) (*service.Service, func(), error) {
	cfg, err := loadConfig(c)
	if err != nil {
		return nil, nil, err
	}
	store, err := openStore(c.Context, cfg)
	if err != nil {
		return nil, nil, err
	}
	return storeService(c.Context, store)
}

func userAdd(c *cli.Context) error {
	in := users.NewUser{Name: c.String("name"), DisplayName: c.String("display-name"), Roles: c.StringSlice("role"), IDNumber: c.String("id-number")}
	if c.Bool("password-stdin") {
		pw, err := readPassword(c.App.Reader)
		if err != nil {
			return err
		}
		in.Password = pw
	}
	svc, done, err := userService(c)
	if err != nil {
		return err
	}
	defer done()
	u, token, err := svc.AddUserByCommandLine(c.Context, cliBy(), in)
	if err != nil {
		return err
	}
	printToken(c, u, token)
	return nil
}

// storeService is the domain over the object store alone, with the audit
// log that a server shares: what the commands that run beside a server
// use. done closes the audit log.
func storeService(ctx context.Context, store archive.ObjectStore) (*service.Service, func(), error) {
	l, err := audit.OpenAuditLog(ctx, store, nil)
	if err != nil {
		return nil, nil, fmt.Errorf("open the audit log: %w", err)
	}
	return service.New(service.Options{Store: store, Audit: l}), l.Close, nil
}

// cliBy is the command line's actor: the operating-system user, from
// this machine.
func cliBy() archive.Actor {
	return archive.Actor{UserID: cliActor(), Remote: "localhost"}
}

// cliActor names the operating-system user in the audit log.
func cliActor() string {
	who := archive.ByCommandLine
	if u, err := user.Current(); err == nil {
		who += ":" + u.Username
	}
	return who
}

func userToken(c *cli.Context) error {
	svc, done, err := userService(c)
	if err != nil {
		return err
	}
	defer done()
	u, token, err := svc.IssueTokenByCommandLine(c.Context, cliBy(), c.String("name"), c.String("label"))
	if err != nil {
		return err
	}
	printToken(c, u, token)
	return nil
}

// printToken describes the user and the new token, the last of its
// tokens, on one line, and the token alone on the last line, so that
// scripts can take it with `tail -n 1`.
func printToken(c *cli.Context, u *users.User, token string) {
	t := u.Tokens[len(u.Tokens)-1]
	fmt.Fprintf(c.App.Writer, "user %s name=%s roles=%s token_id=%s\n", u.ID, u.Name, strings.Join(u.Roles, ","), t.ID)
	fmt.Fprintln(c.App.ErrWriter, "the token below is shown only this once; keep it safe")
	fmt.Fprintln(c.App.Writer, token)
}

func userRevoke(c *cli.Context) error {
	svc, done, err := userService(c)
	if err != nil {
		return err
	}
	defer done()
	u, err := svc.RevokeTokenByCommandLine(c.Context, cliBy(), c.String("name"), c.String("token-id"))
	if err != nil {
		return err
	}
	fmt.Fprintf(c.App.Writer, "revoked token %s of user %s; a running server refuses it within %s\n", c.String("token-id"), u.Name, userSyncEvery)
	return nil
}

func userPassword(c *cli.Context) error {
	pw, err := readPassword(c.App.Reader)
	if err != nil {
		return err
	}
	svc, done, err := userService(c)
	if err != nil {
		return err
	}
	defer done()
	u, err := svc.SetPasswordByCommandLine(c.Context, cliBy(), c.String("name"), pw)
	if err != nil {
		return err
	}
	fmt.Fprintf(c.App.Writer, "set the password of user %s; a running server takes it within %s\n", u.Name, userSyncEvery)
	return nil
}

// readPassword takes the first line of r, without its line ending.
func readPassword(r io.Reader) (string, error) {
	line, err := bufio.NewReader(r).ReadString('\n')
	if err != nil && !errors.Is(err, io.EOF) {
		return "", fmt.Errorf("read the password from standard input: %w", err)
	}
	line = strings.TrimRight(line, "\r\n")
	if line == "" {
		return "", fmt.Errorf("--password-stdin: standard input has no password")
	}
	return line, nil
}

// rebuildUsers refills the users of the projection from the object store.
// The rebuild command calls it after svc.Rebuild, whose Reset empties
// them too.
func rebuildUsers(ctx context.Context, w io.Writer, svc *service.Service) error {
	n, err := svc.RebuildUsers(ctx)
	fmt.Fprintf(w, "rebuilt %d users\n", n)
	return err
}

// userSyncEvery is how often the server folds in user changes that the
// command line made, such as revoked tokens.
var userSyncEvery = 5 * time.Second

// startUserSync syncs users once and then every userSyncEvery until ctx
// ends; serve calls it after opening the projection. Failures are logged:
// authentication still finds new users through the object store.
func startUserSync(ctx context.Context, svc *service.Service, log *slog.Logger) {
	sync := func() {
		if err := svc.SyncUsers(ctx); err != nil && ctx.Err() == nil {
			log.Warn("sync users with the object store", "err", err)
		}
	}
	sync()
	go func() {
		t := time.NewTicker(userSyncEvery)
		defer t.Stop()
		for {
			select {
			case <-ctx.Done():
				return
			case <-t.C:
				sync()
			}
		}
	}()
}
