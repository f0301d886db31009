package main

import (
	"bufio"
	"context"
	"dossier/archive"
	"dossier/archive/audit"
	"dossier/archive/service"
	"dossier/archive/users"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os/user"
	"strconv"
	"strings"
	"time"

	"github.com/urfave/cli/v2"
	"golang.org/x/text/width"
)

// The user subcommands write to the object store only and never open
// BoltDB, so they work while `dossier serve` holds it: the server finds a
// new user on the token's first use and a revocation at its next sync.
func userCommand() *cli.Command {
	nameFlag := func() cli.Flag {
		return &cli.StringFlag{Name: "name", Required: true, Usage: "the user's login name"}
	}
	jsonFlag := func() cli.Flag {
		return &cli.BoolFlag{Name: "json", Usage: "print JSON for programs instead of text"}
	}
	return &cli.Command{
		Name:  "user",
		Usage: "add, list and change users, manage their API tokens and passwords (works while the server runs)",
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
				Usage:     "revoke one of a user's API tokens, or all of them",
				UsageText: "dossier user revoke --name NAME (--token-id ID | --all)",
				Flags: append(storageFlags(), nameFlag(),
					&cli.StringFlag{Name: "token-id", Usage: "the token's id, as `user add`, `user token` or `user show` printed it"},
					&cli.BoolFlag{Name: "all", Usage: "revoke every token of the user"},
				),
				Action: userRevoke,
			},
			{
				Name:      "list",
				Usage:     "list users, in the order they were created",
				UsageText: "dossier user list [--role ROLE] [--query TEXT] [--json]",
				Flags: append(storageFlags(),
					&cli.StringFlag{Name: "role", Usage: "only users holding this role"},
					&cli.StringFlag{Name: "query", Usage: "only users whose login or display name contains this, regardless of case"},
					jsonFlag(),
				),
				Action: userList,
			},
			{
				Name:      "show",
				Usage:     "show a user and their tokens",
				UsageText: "dossier user show --name NAME [--json]",
				Flags:     append(storageFlags(), nameFlag(), jsonFlag()),
				Action:    userShow,
			},
			{
				Name:      "set",
				Usage:     "change a user's roles or display name",
				UsageText: "dossier user set --name NAME [--role ROLE…] [--display-name NAME] [--json]",
				Flags: append(storageFlags(), nameFlag(),
					&cli.StringSliceFlag{Name: "role", Usage: "the new roles, replacing the old, repeat for several: " + strings.Join(archive.Roles, ", ")},
					&cli.StringFlag{Name: "display-name", Usage: "the new name others see; \"\" clears it"},
					jsonFlag(),
				),
				Action: userSet,
			},
			{
				Name:      "disable",
				Usage:     "disable a user: their tokens, password and web sessions stop working",
				UsageText: "dossier user disable --name NAME [--json]",
				Flags:     append(storageFlags(), nameFlag(), jsonFlag()),
				Action:    userSetDisabled(true),
			},
			{
				Name:      "enable",
				Usage:     "enable a disabled user again: the tokens that were not revoked work again",
				UsageText: "dossier user enable --name NAME [--json]",
				Flags:     append(storageFlags(), nameFlag(), jsonFlag()),
				Action:    userSetDisabled(false),
			},
			{
				Name:      "reset",
				Usage:     "reset a user's password: clear it, revoke their tokens, and print an activation token (alone on the last line) with which they choose a new one",
				UsageText: "dossier user reset --name NAME [--json]",
				Flags:     append(storageFlags(), nameFlag(), jsonFlag()),
				Action:    userReset,
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
	if c.Bool("all") == (c.String("token-id") != "") {
		return fmt.Errorf("give either --token-id ID or --all")
	}
	svc, done, err := userService(c)
	if err != nil {
		return err
	}
	defer done()
	if c.Bool("all") {
		u, n, err := svc.RevokeTokensByCommandLine(c.Context, cliBy(), c.String("name"))
		if err != nil {
			return err
		}
		fmt.Fprintf(c.App.Writer, "revoked %d tokens of user %s; a running server refuses them within %s\n", n, u.Name, userSyncEvery)
		return nil
	}
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

// printJSON writes v as indented JSON, for programs.
func printJSON(c *cli.Context, v any) error {
	enc := json.NewEncoder(c.App.Writer)
	enc.SetIndent("", "  ")
	return enc.Encode(v)
}

func userList(c *cli.Context) error {
	svc, done, err := userService(c)
	if err != nil {
		return err
	}
	defer done()
	list, err := svc.ListUsersByCommandLine(c.Context, users.UserFilter{Role: c.String("role"), Query: c.String("query")})
	if err != nil {
		return err
	}
	if c.Bool("json") {
		return printJSON(c, users.UserPage{Users: list})
	}
	rows := [][]string{{"NAME", "DISPLAY NAME", "ROLES", "STATUS", "TOKENS", "PASSWORD", "CREATED", "ID"}}
	for _, u := range list {
		rows = append(rows, []string{u.Name, u.DisplayName, strings.Join(u.Roles, ","), status(u), strconv.Itoa(len(u.LiveTokens())),
			passwordState(u), u.CreatedAt.In(archive.Zone).Format("2006-01-02 15:04"), u.ID})
	}
	printTable(c.App.Writer, rows)
	fmt.Fprintf(c.App.Writer, "%d users\n", len(list))
	return nil
}

func status(u *users.User) string {
	if u.Disabled {
		return "disabled"
	}
	return "enabled"
}

func passwordState(u *users.User) string {
	if u.PasswordHash == "" {
		return "none"
	}
	return "set"
}

// printTable writes rows in columns two spaces apart, Chinese characters
// counted as two columns, as a terminal shows them.
func printTable(w io.Writer, rows [][]string) {
	var widths []int
	for _, row := range rows {
		for i, cell := range row {
			if i == len(widths) {
				widths = append(widths, 0)
			}
			widths[i] = max(widths[i], cellWidth(cell))
		}
	}
	for _, row := range rows {
		var b strings.Builder
		for i, cell := range row {
			b.WriteString(cell)
			if i < len(row)-1 {
				b.WriteString(strings.Repeat(" ", widths[i]-cellWidth(cell)+2))
			}
		}
		fmt.Fprintln(w, b.String())
	}
}

func cellWidth(s string) int {
	n := 0
	for _, r := range s {
		switch width.LookupRune(r).Kind() {
		case width.EastAsianWide, width.EastAsianFullwidth:
			n += 2
		default:
			n++
		}
	}
	return n
}

func userShow(c *cli.Context) error {
	svc, done, err := userService(c)
	if err != nil {
		return err
	}
	defer done()
	u, err := svc.UserByCommandLine(c.Context, c.String("name"))
	if err != nil {
		return err
	}
	if c.Bool("json") {
		return printJSON(c, u)
	}
	when := func(t time.Time) string { return t.In(archive.Zone).Format("2006-01-02 15:04") }
	printTable(c.App.Writer, [][]string{
		{"id", u.ID},
		{"name", u.Name},
		{"display name", u.DisplayName},
		{"roles", strings.Join(u.Roles, ", ")},
		{"status", status(u)},
		{"password", passwordState(u)},
		{"created", when(u.CreatedAt) + " by " + u.CreatedBy},
		{"changed", when(u.UpdatedAt)},
	})
	rows := [][]string{{"TOKEN ID", "LABEL", "ISSUED", "STATE"}}
	for _, t := range u.Tokens {
		state := "live"
		switch {
		case t.Revoked:
			state = "revoked " + when(t.RevokedAt)
		case t.Activation:
			state = "activation, until " + when(t.IssuedAt.Add(users.ActivationValid))
		}
		rows = append(rows, []string{t.ID, t.Label, when(t.IssuedAt), state})
	}
	fmt.Fprintln(c.App.Writer)
	printTable(c.App.Writer, rows)
	return nil
}

// userChanged tells what a change made of u, or prints u as JSON.
func userChanged(c *cli.Context, u *users.User) error {
	if c.Bool("json") {
		return printJSON(c, u)
	}
	fmt.Fprintf(c.App.Writer, "user %s name=%s display_name=%q roles=%s status=%s; a running server takes it within %s\n",
		u.ID, u.Name, u.DisplayName, strings.Join(u.Roles, ","), status(u), userSyncEvery)
	return nil
}

func userSet(c *cli.Context) error {
	var up users.UserUpdate
	if c.IsSet("role") {
		up.Roles = c.StringSlice("role")
	}
	if c.IsSet("display-name") {
		name := c.String("display-name")
		up.DisplayName = &name
	}
	if up.Roles == nil && up.DisplayName == nil {
		return fmt.Errorf("nothing to change: give --role or --display-name")
	}
	return userUpdate(c, up)
}

func userSetDisabled(disabled bool) cli.ActionFunc {
	return func(c *cli.Context) error {
		return userUpdate(c, users.UserUpdate{Disabled: &disabled})
	}
}

func userUpdate(c *cli.Context, up users.UserUpdate) error {
	svc, done, err := userService(c)
	if err != nil {
		return err
	}
	defer done()
	u, err := svc.UpdateUserByCommandLine(c.Context, cliBy(), c.String("name"), up)
	if err != nil {
		return err
	}
	return userChanged(c, u)
}

func userReset(c *cli.Context) error {
	svc, done, err := userService(c)
	if err != nil {
		return err
	}
	defer done()
	u, act, err := svc.ResetPasswordByCommandLine(c.Context, cliBy(), c.String("name"))
	if err != nil {
		return err
	}
	if c.Bool("json") {
		return printJSON(c, struct {
			UserID string `json:"user_id"`
			users.ActivationToken
		}{u.ID, act})
	}
	fmt.Fprintf(c.App.Writer, "reset the password of user %s: no password, every token revoked (a running server refuses them within %s)\n", u.Name, userSyncEvery)
	fmt.Fprintf(c.App.ErrWriter, "hand the activation token below to %s, and to nobody else: until %s it lets them choose a new password (POST /api/v1/users/%s/activation) and nothing else; it is shown only this once\n",
		u.Name, act.ExpiresAt.In(archive.Zone).Format("2006-01-02 15:04"), u.ID)
	fmt.Fprintln(c.App.Writer, act.Token)
	return nil
}
