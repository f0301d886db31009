package main

import (
	"bytes"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/urfave/cli/v2"

	"dossier/archive"
	"dossier/archive/refdata"
	"dossier/archive/storetest"
	"dossier/demo"
)

// The newcomer's path of README.md, as a new user follows it: `make run`
// on an empty data dir (its own, and a free port, through the environment
// variables README.md names) installs what is missing, seeds the demo
// data, starts the server and prints how to log in; every figure README.md
// gives of the demo data is what the demo created; and the shell blocks of
// README's First steps, run as written with bash against that server,
// work. Only the address is replaced, and curl is made to fail on an HTTP
// error, so that a broken step stops the walk.
func TestMakeRunAndFirstSteps(t *testing.T) {
	raw, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	readme := string(raw)
	r := startMakeRun(t, t.TempDir())
	out := parseRunOutput(t, r.out.String(), r.url)
	checkDemoFigures(t, readme, r, out)
	walkFirstSteps(t, readme, r)
	r.stop()
	if !strings.Contains(r.out.String(), "stopped cleanly") {
		t.Errorf("the server did not stop cleanly on SIGTERM:\n%s", r.out.String())
	}
}

// makeRun is `make run` running: its output, the server's address, and
// the directory whose bin/dossier it built, in which the README's
// commands run.
type makeRun struct {
	cmd    *exec.Cmd
	url    string
	dir    string
	env    []string // a newcomer's: no DOSSIER_* setting but the data dir
	out    *lockedBuffer
	exited chan struct{}
	err    error
	once   sync.Once
}

// lockedBuffer is an output that a process writes while the test reads.
type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// startMakeRun runs `make run` from the repository with BIN in dir, on
// dir/data and a free port, and waits until the server answers /readyz.
func startMakeRun(t *testing.T, dir string) *makeRun {
	t.Helper()
	port, err := storetest.FreePort()
	if err != nil {
		t.Fatal(err)
	}
	addr := fmt.Sprintf("127.0.0.1:%d", port)
	r := &makeRun{url: "http://" + addr, dir: dir, out: &lockedBuffer{}, exited: make(chan struct{})}
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "DOSSIER_") {
			r.env = append(r.env, kv)
		}
	}
	r.env = append(r.env, "DOSSIER_DATA_DIR="+filepath.Join(dir, "data"))
	r.cmd = exec.Command("make", "-C", "../..", "run", "BIN="+filepath.Join(dir, "bin", "dossier"))
	r.cmd.Env = append(slices.Clone(r.env), "DOSSIER_LISTEN="+addr)
	r.cmd.Stdout, r.cmd.Stderr = r.out, r.out
	// Its own process group, so that stopping it stops make and the server.
	r.cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if err := r.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() { r.err = r.cmd.Wait(); close(r.exited) }()
	t.Cleanup(r.stop)
	// Seeding takes minutes; give up a little before the test binary's
	// deadline, to show what make printed.
	giveUp := make(<-chan time.Time)
	if d, ok := t.Deadline(); ok {
		giveUp = time.After(time.Until(d) - 30*time.Second)
	}
	for {
		select {
		case <-r.exited:
			t.Fatalf("make run ended before the server was ready: %v\n%s", r.err, r.out.String())
		case <-giveUp:
			t.Fatalf("make run: the server is still not ready:\n%s", r.out.String())
		case <-time.After(250 * time.Millisecond):
		}
		// The server prints its login help before it serves, but exec
		// copies the output into r.out in a goroutine of its own: the
		// last line it prints before serving may arrive after /readyz
		// answers, so wait for both.
		if !strings.Contains(r.out.String(), "API description: ") {
			continue
		}
		if res, err := http.Get(r.url + "/readyz"); err == nil {
			res.Body.Close()
			if res.StatusCode == http.StatusOK {
				return r
			}
		}
	}
}

// stop sends SIGTERM to make and the server and waits for them.
func (r *makeRun) stop() {
	r.once.Do(func() {
		syscall.Kill(-r.cmd.Process.Pid, syscall.SIGTERM)
		<-r.exited
	})
}

// token is a new API token of a user, as README's First steps get one.
func (r *makeRun) token(t *testing.T, name string) string {
	t.Helper()
	cmd := exec.Command(filepath.Join(r.dir, "bin", "dossier"), "user", "token", "--name", name)
	cmd.Env = r.env
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("bin/dossier user token --name %s: %v", name, err)
	}
	return lastToken(t, string(out))
}

// get answers a GET of the API's path with token; it fails on any status
// but 200.
func (r *makeRun) get(t *testing.T, token, path string) map[string]any {
	t.Helper()
	code, body, err := call("GET", r.url+"/api/v1"+path, token, "", nil)
	if err != nil || code != http.StatusOK {
		t.Fatalf("GET %s: %d %v %v", path, code, body, err)
	}
	return body
}

// cases lists every case the token's user may see.
func (r *makeRun) cases(t *testing.T, token string) []map[string]any {
	t.Helper()
	var all []map[string]any
	for cursor := ""; ; {
		page := r.get(t, token, "/cases?limit=500&cursor="+cursor)
		for _, c := range page["cases"].([]any) {
			all = append(all, c.(map[string]any))
		}
		if cursor, _ = page["next_cursor"].(string); cursor == "" {
			return all
		}
	}
}

// runOutput is what `make run` printed of the demo data and the logins.
type runOutput struct {
	users, total, pastRetention int
	byStatus                    map[string]int
	held                        string
	overdue                     []string
	password                    string
	logins                      []loginRow
	portalCase                  string
}

type loginRow struct{ name, roles, display string }

func (o runOutput) login(name string) (loginRow, bool) {
	i := slices.IndexFunc(o.logins, func(l loginRow) bool { return l.name == name })
	if i < 0 {
		return loginRow{}, false
	}
	return o.logins[i], true
}

// parseRunOutput reads the demo's counts and the server's logins from the
// output of `make run`: the demo (with --if-empty) leaves the logins to
// the server, which prints them once, with the address it listens on.
func parseRunOutput(t *testing.T, out, url string) runOutput {
	t.Helper()
	// Progress bars redraw their line after a carriage return.
	out = strings.ReplaceAll(out, "\r", "\n")
	line := func(pattern string) []string {
		t.Helper()
		m := regexp.MustCompile("(?m)^" + pattern + "$").FindStringSubmatch(out)
		if m == nil {
			t.Fatalf("make run printed no line like %q:\n%s", pattern, out)
		}
		return m[1:]
	}
	var o runOutput
	o.users, _ = strconv.Atoi(line(`seeded in \S+: (\d+) users, \d+ notices`)[0])
	m := line(`(\d+) cases: (.+)`)
	o.total, _ = strconv.Atoi(m[0])
	o.byStatus = map[string]int{}
	for _, part := range strings.Split(m[1], ", ") {
		st, n, _ := strings.Cut(part, " ")
		o.byStatus[st], _ = strconv.Atoi(n)
	}
	m = line(`under legal hold: (\S+); past retention: (\d+); overdue: (.*)`)
	o.held, o.overdue = m[0], strings.Fields(m[2])
	o.pastRetention, _ = strconv.Atoi(m[1])
	line(`the server prints the demo logins when it starts`)
	o.password = line(regexp.QuoteMeta("log in at "+url+"/ as any of these users, password: ") + `(\S+)`)[0]
	if n := strings.Count(out, "as any of these users"); n != 1 {
		t.Errorf("make run printed the logins %d times, want once (by the server):\n%s", n, out)
	}
	line(`  user +role +name`)
	table := out[strings.Index(out, "  user "):]
	for _, l := range strings.Split(table, "\n")[1:] {
		f := strings.Fields(l)
		if !strings.HasPrefix(l, "  ") || len(f) != 3 {
			break
		}
		o.logins = append(o.logins, loginRow{f[0], f[1], f[2]})
	}
	o.portalCase = line(regexp.QuoteMeta("applicant without an account: "+url+"/portal with case ") + `(\S+), verification code \S+, date of birth \d{8}`)[0]
	line(`an API token for a demo user: bin/dossier user token --data-dir \S+ --name NAME`)
	return o
}

// section is the part of README.md under heading, to the next heading of
// its level, with its white space collapsed: sentences wrap anywhere.
func section(t *testing.T, readme, heading string) string {
	t.Helper()
	i := strings.Index(readme, "\n"+heading)
	if i < 0 {
		t.Fatalf("README.md has no section %q", heading)
	}
	s := readme[i+1:]
	if j := strings.Index(s[len(heading):], "\n## "); j >= 0 {
		s = s[:len(heading)+j]
	}
	return strings.Join(strings.Fields(s), " ")
}

// figure returns the groups of pattern in text; the test fails when
// README.md no longer says it.
func figure(t *testing.T, text, pattern string) []string {
	t.Helper()
	m := regexp.MustCompile(pattern).FindStringSubmatch(text)
	if m == nil {
		t.Fatalf("README.md no longer says %s: say it again, or change this test with it", pattern)
	}
	return m[1:]
}

var numberWords = strings.Fields("zero one two three four five six seven eight nine ten eleven twelve thirteen fourteen fifteen sixteen")

// number reads a figure written in digits or in words.
func number(t *testing.T, s string) int {
	t.Helper()
	if n, err := strconv.Atoi(s); err == nil {
		return n
	}
	if i := slices.Index(numberWords, strings.ToLower(s)); i >= 0 {
		return i
	}
	t.Fatalf("README.md: %q is not a number this test reads", s)
	return 0
}

// backticked lists the plain names in backticks in s.
func backticked(s string) []string {
	var names []string
	for _, m := range regexp.MustCompile("`([a-z0-9]+)`").FindAllStringSubmatch(s, -1) {
		names = append(names, m[1])
	}
	return names
}

// checkDemoFigures holds every figure README.md gives of the demo data
// against the data `make run` created, read through the API.
func checkDemoFigures(t *testing.T, readme string, r *makeRun, out runOutput) {
	text, setup := section(t, readme, "## Demo data"), section(t, readme, "## Set-up")
	var names []string
	for _, l := range out.logins {
		names = append(names, l.name)
	}
	slices.Sort(names)

	// Users.
	g := figure(t, text, "\\*\\*Users\\*\\* \\(`demo/demo.go`\\), (\\w+): (.*?) All share the password `([^`]+)`")
	listed := backticked(g[1])
	slices.Sort(listed)
	if n := number(t, g[0]); n != len(out.logins) || n != out.users || !slices.Equal(listed, names) || g[2] != out.password || g[2] != demo.DefaultPassword {
		t.Errorf("README: %s users %v, password %s; the demo created %d (printed %d) %v, password %s",
			g[0], listed, g[2], out.users, len(out.logins), names, out.password)
	}
	g = figure(t, text, "(\\w+) of each deciding role — (.*?) —")
	for _, role := range []string{archive.RoleClerk, archive.RoleReviewer, archive.RoleSupervisor, archive.RoleApprover} {
		n := 0
		for _, l := range out.logins {
			if l.roles == role {
				n++
			}
		}
		if n != number(t, g[0]) {
			t.Errorf("README: %s of each deciding role; the demo created %d %s", g[0], n, role)
		}
	}
	g = figure(t, setup, "sign in as (.*?) \\(all (\\w+) are in \"Demo data\"\\) with the password `([^`]+)`")
	for _, name := range backticked(g[0]) {
		if _, ok := out.login(name); !ok {
			t.Errorf("README's set-up signs in as %s, which the demo did not create", name)
		}
	}
	if number(t, g[1]) != len(out.logins) || g[2] != out.password {
		t.Errorf("README's set-up: all %s users, password %s; the demo created %d, password %s", g[1], g[2], len(out.logins), out.password)
	}
	g = figure(t, text, "`applicant` \\((\\S+), (\\w+) cases of his own at different stages\\)")
	applicant := r.token(t, "applicant")
	stages := map[string]bool{}
	own := r.cases(t, applicant)
	for _, c := range own {
		stages[c["stage"].(string)] = true
	}
	if l, _ := out.login("applicant"); l.display != g[0] || len(own) != number(t, g[1]) || len(stages) != len(own) {
		t.Errorf("README: applicant %s with %s cases at different stages; the demo created %s with %d cases at stages %v", g[0], g[1], l.display, len(own), stages)
	}

	// Cases.
	auditor := r.token(t, "auditor")
	all := r.cases(t, auditor)
	g = figure(t, text, "\\(`--cases`, default (\\d+)\\)")
	flag := slices.IndexFunc(demoCommand().Flags, func(f cli.Flag) bool { return f.Names()[0] == "cases" })
	if n := number(t, g[0]); n != out.total || n != len(all) || n != demoCommand().Flags[flag].(*cli.IntFlag).Value {
		t.Errorf("README: %s cases by default; the demo printed %d, the API lists %d", g[0], out.total, len(all))
	}
	figure(t, text, "every business type of the catalogue")
	types := map[string]bool{}
	for _, c := range all {
		types[c["business_type"].(string)] = true
	}
	for _, bt := range refdata.DefaultCatalogue().Types() {
		if !types[bt.Code] {
			t.Errorf("README: every business type; no demo case is %s", bt.Code)
		}
	}
	figure(t, text, "every status")
	for _, st := range archive.Statuses {
		if out.byStatus[st] == 0 {
			t.Errorf("README: every status; no demo case is %s (%v)", st, out.byStatus)
		}
	}
	g = figure(t, text, "about (\\d+)% archived with 档号")
	if pct := 100 * (out.byStatus[archive.StatusArchived] + out.byStatus[archive.StatusDisposed]) / out.total; pct < number(t, g[0])-5 || pct > number(t, g[0])+5 {
		t.Errorf("README: about %s%% archived; the demo archived %d%% (%v)", g[0], pct, out.byStatus)
	}
	g = figure(t, text, "about one in (\\w+) identity cards is a scanned PNG or JPEG")
	cards, scans := 0, 0
	for _, c := range all {
		for _, m := range c["materials"].([]any) {
			m := m.(map[string]any)
			if m["code"] == "id_card" {
				cards++
				if m["content_type"] == "image/png" || m["content_type"] == "image/jpeg" {
					scans++
				}
			}
		}
	}
	if n := float64(number(t, g[0])); float64(scans) < float64(cards)/n/1.5 || float64(scans) > float64(cards)/n*1.5 {
		t.Errorf("README: one identity card in %s is a scan; the demo scanned %d of %d", g[0], scans, cards)
	}

	// Time.
	now := time.Now()
	g = figure(t, text, "(\\w+) files decided in (\\d{4}) with (\\d+)-year retention are past their retention: (\\w+) were destroyed by an approved \\*\\*disposal\\*\\* \\(销毁\\), and (\\w+) are \\*\\*past retention\\*\\*")
	year, _ := strconv.Atoi(g[1])
	old, destroyed := 0, 0
	months := figure(t, text, "Decided and archived cases are spread over the last (\\d+) months")[0]
	since := now.AddDate(0, -number(t, months), 0)
	oldest := now
	for _, c := range all {
		at, ok := c["decided_at"].(string)
		if !ok {
			continue
		}
		decided, err := time.Parse(time.RFC3339, at)
		if err != nil {
			t.Fatal(err)
		}
		if decided.In(archive.Zone).Year() == year {
			old++
			bt, _ := refdata.DefaultCatalogue().Lookup(c["business_type"].(string))
			if bt.Retention != "D"+g[2] {
				t.Errorf("README: decided in %d with %s-year retention; case %s has %s", year, g[2], c["number"], bt.Retention)
			}
			if c["status"] == archive.StatusDisposed {
				destroyed++
			}
			continue
		}
		if decided.Before(since) {
			t.Errorf("README: decided within the last %s months; case %s was decided %s", months, c["number"], at)
		}
		if decided.Before(oldest) {
			oldest = decided
		}
	}
	if oldest.After(now.AddDate(0, 6-number(t, months), 0)) {
		t.Errorf("README: spread over the last %s months; the oldest decision is of %s", months, oldest)
	}
	if old != number(t, g[0]) || destroyed != number(t, g[3]) || destroyed != out.byStatus[archive.StatusDisposed] || out.pastRetention != number(t, g[4]) {
		t.Errorf("README: %s files of %d, %s destroyed, %s past retention; the demo decided %d in %d, destroyed %d (printed %d), printed %d past retention",
			g[0], year, g[3], g[4], old, year, destroyed, out.byStatus[archive.StatusDisposed], out.pastRetention)
	}
	g = figure(t, text, "except (\\w+) that are \\*\\*overdue\\*\\* \\(([^)]*)\\)")
	want := strings.Split(strings.NewReplacer(" review", "", " and ", ", ").Replace(g[1]), ", ")
	var late, lateStages []string
	for _, c := range all {
		if c["overdue"] == true {
			late, lateStages = append(late, c["number"].(string)), append(lateStages, c["stage"].(string))
		}
	}
	slices.Sort(late)
	slices.Sort(lateStages)
	slices.Sort(want)
	slices.Sort(out.overdue)
	if len(late) != number(t, g[0]) || !slices.Equal(lateStages, want) || !slices.Equal(late, out.overdue) {
		t.Errorf("README: %s overdue (%v); the demo has %v at %v (printed %v)", g[0], want, late, lateStages, out.overdue)
	}
	g = figure(t, text, "(\\w+) archived work-injury file is under a \\*\\*legal hold\\*\\*")
	holds := r.get(t, auditor, "/holds")["holds"].([]any)
	if len(holds) != number(t, g[0]) || holds[0].(map[string]any)["archive_no"] != out.held {
		t.Errorf("README: %s held file; the demo holds %v (printed %s)", g[0], holds, out.held)
	} else {
		held := r.get(t, auditor, "/cases/"+holds[0].(map[string]any)["case_id"].(string))
		if !strings.HasPrefix(held["business_type"].(string), "injury_") {
			t.Errorf("README: the held file is a work-injury one; it is %s", held["business_type"])
		}
	}
	g = figure(t, text, "(\\w+) loans \\(借阅\\): one file lent for (\\d+) days is \\*\\*overdue\\*\\* for return, and a request for another waits for an archivist's approval")
	loans := r.get(t, auditor, "/loans")["loans"].([]any)
	var lent, waiting int
	for _, l := range loans {
		l := l.(map[string]any)
		switch {
		case l["status"] == archive.LoanApproved && l["overdue"] == true && fmt.Sprint(l["days"]) == g[1]:
			lent++
		case l["status"] == archive.LoanRequested:
			waiting++
		}
	}
	if len(loans) != number(t, g[0]) || lent != 1 || waiting != 1 {
		t.Errorf("README: %s loans, one overdue lent for %s days, one waiting; the demo made %v", g[0], g[1], loans)
	}
	if c := slices.IndexFunc(own, func(c map[string]any) bool { return c["number"] == out.portalCase }); c < 0 || own[c]["status"] != archive.StatusCorrectionRequested {
		t.Errorf("the portal case %s printed is not the demo applicant's waiting for correction", out.portalCase)
	}

	// Four-properties check.
	figure(t, text, "The seeding ends with a `dossier verify` run whose report is stored")
	if rep := r.get(t, auditor, "/reports/fixity"); rep["result"] == "fail" || rep["cases"] != float64(out.total) {
		t.Errorf("the stored four-properties report after the demo: %v %v", rep["result"], rep["cases"])
	}
}

// walkFirstSteps runs the shell blocks of README's First steps, in one
// bash, as a newcomer pastes them: in the directory holding bin/dossier,
// with the data dir of `make run`. Each answer a comment announces
// (`# → …`) must come out, in order; the case walked through ends
// approved, with its notices, and found by search; the scans of the demo
// are found by their OCR text.
func walkFirstSteps(t *testing.T, readme string, r *makeRun) {
	i := strings.Index(readme, "\n## First steps")
	if i < 0 {
		t.Fatal("README.md has no section First steps")
	}
	sec := readme[i+1:]
	sec = sec[:strings.Index(sec[3:], "\n## ")+3]
	var blocks []string
	for _, m := range regexp.MustCompile("(?s)```sh\n(.*?)```").FindAllStringSubmatch(sec, -1) {
		blocks = append(blocks, m[1])
	}
	script := strings.Join(blocks, "\n")
	if n := strings.Count(script, "http://127.0.0.1:8080"); n != 1 {
		t.Fatalf("README's First steps name the address %d times; name it once (BASE=), which this test replaces", n)
	}
	script = strings.Replace(script, "http://127.0.0.1:8080", r.url, 1)
	cmd := exec.Command("bash", "-c", "set -euo pipefail\n"+
		"curl() { command curl --fail-with-body \"$@\"; }\n"+ // an HTTP error fails the step
		script+"\necho \"CASE=$CASE\"\n")
	cmd.Dir, cmd.Env = r.dir, r.env
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		t.Fatalf("README's First steps failed: %v\n--- output\n%s--- errors\n%s", err, stdout.String(), stderr.String())
	}
	t.Logf("README's First steps:\n%s", stdout.String())
	lines := strings.Split(stdout.String(), "\n")
	at := 0
	for _, m := range regexp.MustCompile(`(?m)# → (.+)$`).FindAllStringSubmatch(script, -1) {
		for _, want := range strings.Split(strings.TrimSpace(m[1]), ", ") {
			j := slices.Index(lines[at:], want)
			if j < 0 {
				t.Fatalf("README's First steps announce %s, which did not come out (after line %d):\n%s", want, at, stdout.String())
			}
			at += j + 1
		}
	}
	var id string
	for _, l := range lines {
		if v, ok := strings.CutPrefix(l, "CASE="); ok {
			id = v
		}
	}
	auditor := r.token(t, "auditor")
	c := r.get(t, auditor, "/cases/"+id)
	if c["status"] != archive.StatusApproved || len(c["notices"].([]any)) != 3 {
		t.Errorf("the case of README's First steps: %v, %d notices; want approved with its acceptance, correction and result notices", c["status"], len(c["notices"].([]any)))
	}
	found, ocr := false, false
	own := r.cases(t, r.token(t, "applicant"))
	for _, l := range lines {
		number, rest, _ := strings.Cut(l, "  ")
		if !strings.Contains(rest, "<mark>") {
			continue
		}
		if number == c["number"] {
			found = true
			continue
		}
		if slices.ContainsFunc(own, func(c map[string]any) bool { return c["number"] == number && c["id"] != id }) {
			ocr = true
		}
	}
	if !found || !ocr {
		t.Errorf("README's First steps: search found the new case: %v; found the demo applicant's scans: %v", found, ocr)
	}
}
