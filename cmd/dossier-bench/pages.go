package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"syscall"
	"time"

	"github.com/rs/xid"
	"golang.org/x/sync/errgroup"

	"dossier/archive"
	"dossier/archive/audit"
	"dossier/archive/boltdb"
	"dossier/archive/diskstore"
	dhttp "dossier/archive/http"
	"dossier/archive/identity"
	"dossier/archive/indexing"
	"dossier/archive/service"
	"dossier/archive/users"
	"dossier/archive/web"
	"dossier/search"
)

var (
	pagesCases    = flag.Int("pages-cases", 20000, "pages: how many cases the large data set holds (make bench-scale: 100000)")
	pagesBaseline = flag.Int("pages-baseline", 5000, "pages: how many cases the baseline data set holds")
)

// pagesPerWeek is the office both data sets model: it hands in this many
// cases a week, so the larger set is a longer history of the same office
// (the same open load, more decided and archived cases behind it).
const pagesPerWeek = 250

// benchPages measures the median server time of each main page on a data
// set of -pages-baseline cases and on one of -pages-cases, and prints
// the ratio: a page whose time grows with the history of the office
// shows up as a ratio above 1. Both sets are open at once and each page
// is asked of them in turn, request by request, so that the load of a
// shared machine, which drifts over minutes, falls on both sides alike.
func benchPages(ctx context.Context, e *env) error {
	sizes := []int{*pagesBaseline, *pagesCases}
	now := time.Now()
	sets := make([]*pageSet, len(sizes))
	for i, n := range sizes {
		ps, err := openPageSet(ctx, n, now)
		if err != nil {
			return err
		}
		defer ps.close()
		sets[i] = ps
	}
	fmt.Printf("page server time, median (the handler alone, one client; wall clock, and the process's CPU time, which a busy machine disturbs less;\n")
	fmt.Printf("both data sets in one process, each page asked of them in turn), an office handing in %d cases a week, embedded store\n", pagesPerWeek)
	fmt.Printf("%-34s %11s %11s %6s   %11s %11s %6s\n", "", "wall", "", "", "CPU", "", "")
	fmt.Printf("%-34s %11d %11d %6s   %11d %11d %6s\n", "page \\ cases", sizes[0], sizes[1], "ratio", sizes[0], sizes[1], "ratio")
	for _, ps := range sets {
		if err := ps.settle(); err != nil {
			return err
		}
	}
	for i, p := range sets[0].pages {
		m, err := measurePage(sets, i, e.duration)
		if err != nil {
			return err
		}
		a, b := m[0], m[1]
		fmt.Printf("%-34s %11s %11s %6.2f   %11s %11s %6.2f\n", p.name, a[0].Round(10*time.Microsecond), b[0].Round(10*time.Microsecond),
			float64(b[0])/float64(a[0]), a[1].Round(10*time.Microsecond), b[1].Round(10*time.Microsecond), float64(b[1])/float64(max(a[1], 1)))
	}
	fmt.Println()
	return nil
}

// seedAuditChunk is how many audit entries the seeding hands the log at
// once: a segment holds at most that many, at every size.
const seedAuditChunk = 64

// pageSet is a data set with a server over it, signed in as each role.
type pageSet struct {
	h        http.Handler
	sessions map[string]*pageSession
	pages    []benchPage
	close    func()
	settle   func() error
}

// benchPage is one measured page.
type benchPage struct {
	name, role, method, path string
	form                     url.Values
}

// openPageSet builds a data set of n cases, the newest at now, and a
// server over it.
func openPageSet(ctx context.Context, n int, now time.Time) (ps *pageSet, err error) {
	var closers []func()
	closeAll := func() {
		for i := len(closers) - 1; i >= 0; i-- {
			closers[i]()
		}
	}
	defer func() {
		if err != nil {
			closeAll()
		}
	}()
	dir, err := os.MkdirTemp("", "dossier-bench-pages-*")
	if err != nil {
		return nil, err
	}
	closers = append(closers, func() { os.RemoveAll(dir) })
	store, err := diskstore.Open(filepath.Join(dir, "store"))
	if err != nil {
		return nil, err
	}
	db, err := boltdb.Open(filepath.Join(dir, "dossier.db"))
	if err != nil {
		return nil, err
	}
	closers = append(closers, func() { db.Close() })
	ix, _, err := search.Open(filepath.Join(dir, "index"), nil)
	if err != nil {
		return nil, err
	}
	closers = append(closers, func() { ix.Close() })
	al, err := audit.OpenAuditLog(ctx, store, time.Now)
	if err != nil {
		return nil, err
	}
	closers = append(closers, al.Close)
	svc := service.New(service.Options{Store: store, Projection: db, Users: db, Audit: al, Index: ix, Now: func() time.Time { return now }})

	start := time.Now()
	sample, err := seedPages(ctx, db, ix, al, n, now)
	if err != nil {
		return nil, err
	}
	fmt.Printf("pages: %d cases written to BoltDB and the search index, and their audit entries to the log, in %s\n", n, time.Since(start).Round(100*time.Millisecond))

	cli := archive.Actor{UserID: archive.ByCommandLine + ":bench", Remote: "bench"}
	roles := []string{archive.RoleClerk, archive.RoleReviewer, archive.RoleSupervisor, archive.RoleArchivist, archive.RoleAuditor}
	for _, r := range roles {
		if _, _, err := svc.AddUserByCommandLine(ctx, cli, users.NewUser{Name: "bench." + r, Roles: []string{r}, Password: "bench-password"}); err != nil {
			return nil, err
		}
	}
	if err := svc.SyncUsers(ctx); err != nil {
		return nil, err
	}
	quiet := slog.New(slog.NewTextHandler(io.Discard, nil))
	api := dhttp.NewServer(svc, quiet, dhttp.Config{})
	web.Mount(api, svc, quiet, web.Config{})
	// The search index is compacted once left alone (search.CompactIdle,
	// a minute in the service); here a second after the seeding.
	ix.SetCompaction(time.Second, search.CompactEvery)
	ps = &pageSet{h: api.Handler(), sessions: map[string]*pageSession{}, close: closeAll, settle: func() error {
		for give := time.Now().Add(10 * time.Minute); ; {
			cs, ms, err := ix.Segments()
			if err != nil {
				return err
			}
			if cs <= 1 && ms <= 1 {
				break
			}
			if time.Now().After(give) {
				runs, failed := ix.Compactions()
				return fmt.Errorf("pages: the search index of %d cases still holds %d and %d segments after 10 minutes (%d compactions, %d failed)", n, cs, ms, runs, failed)
			}
			time.Sleep(100 * time.Millisecond)
		}
		// The audit page checks the whole log beside the pages once every
		// ten minutes; the first check ends before anything is measured.
		for {
			p, err := svc.AuditPage(ctx, archive.Actor{UserID: "bench", Roles: []string{archive.RoleAuditor}}, audit.AuditFilter{}, 1, 1)
			if err != nil || !p.Chain.Checked.IsZero() {
				return err
			}
			time.Sleep(100 * time.Millisecond)
		}
	}}
	for _, r := range roles {
		if ps.sessions[r], err = signIn(ps.h, "bench."+r); err != nil {
			return nil, err
		}
	}
	ps.pages = []benchPage{
		{"home: clerk", archive.RoleClerk, "GET", "/", nil},
		{"home: reviewer", archive.RoleReviewer, "GET", "/", nil},
		{"home: supervisor (office figures)", archive.RoleSupervisor, "GET", "/", nil},
		{"home: archivist", archive.RoleArchivist, "GET", "/", nil},
		{"home: auditor", archive.RoleAuditor, "GET", "/", nil},
		{"case page (archived case)", archive.RoleArchivist, "GET", "/cases/" + sample.archived, nil},
		{"case page (open case)", archive.RoleReviewer, "GET", "/cases/" + sample.open, nil},
		{"search: a case number", archive.RoleClerk, "POST", "/search", url.Values{"q": {sample.number}}},
		// The same name has more namesakes in a longer history: more hits,
		// a fuller first page, more to count (see README).
		{"search: an applicant's name", archive.RoleClerk, "POST", "/search", url.Values{"q": {sample.name}}},
		{"archives", archive.RoleArchivist, "GET", "/archives", nil},
		{"loans", archive.RoleArchivist, "GET", "/loans", nil},
		{"disposals", archive.RoleArchivist, "GET", "/disposals", nil},
		{"reports", archive.RoleSupervisor, "GET", "/reports", nil},
		{"audit log: first page", archive.RoleAuditor, "GET", "/audit", nil},
		{"audit log: by case number", archive.RoleAuditor, "GET", "/audit?case=" + sample.number, nil},
		{"audit log: by person, page 3", archive.RoleAuditor, "GET", "/audit?person=bench&page=3", nil},
		{"audit log: the archivist's", archive.RoleArchivist, "GET", "/audit", nil},
	}
	return ps, nil
}

// measurePage asks page i of each set in turn, the first of each round
// taking turns too, for d per set (at least 5 and at most 2,000 requests
// each), and returns each set's median wall and CPU time.
func measurePage(sets []*pageSet, i int, d time.Duration) ([][2]time.Duration, error) {
	times := make([][]time.Duration, len(sets))
	cpus := make([][]time.Duration, len(sets))
	deadline := time.Now().Add(time.Duration(len(sets)) * d)
	for round := 0; round < 5 || time.Now().Before(deadline) && round < 2000; round++ {
		for k := range sets {
			j := (k + round) % len(sets)
			t, c, err := sets[j].serve(sets[j].pages[i])
			if err != nil {
				return nil, err
			}
			times[j], cpus[j] = append(times[j], t), append(cpus[j], c)
		}
	}
	out := make([][2]time.Duration, len(sets))
	for j := range sets {
		slices.Sort(times[j])
		slices.Sort(cpus[j])
		out[j] = [2]time.Duration{times[j][len(times[j])/2], cpus[j][len(cpus[j])/2]}
	}
	return out, nil
}

// serve asks for p once as its role and returns the wall and CPU time
// the handler took.
func (ps *pageSet) serve(p benchPage) (time.Duration, time.Duration, error) {
	ss := ps.sessions[p.role]
	var body io.Reader
	if p.form != nil {
		form := url.Values{}
		for k, v := range p.form {
			form[k] = v
		}
		form.Set("csrf", ss.csrf)
		body = strings.NewReader(form.Encode())
	}
	req := httptest.NewRequest(p.method, p.path, body)
	if body != nil {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	req.AddCookie(ss.cookie)
	rec := httptest.NewRecorder()
	t, c := time.Now(), cpuTime()
	ps.h.ServeHTTP(rec, req)
	wall, cpu := time.Since(t), cpuTime()-c
	if rec.Code != http.StatusOK {
		return 0, 0, fmt.Errorf("%s: %s %s answered %d: %.300s", p.name, p.method, p.path, rec.Code, rec.Body.String())
	}
	return wall, cpu, nil
}

// cpuTime is the CPU time the process has used, user and system.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if syscall.Getrusage(syscall.RUSAGE_SELF, &ru) != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// pageSession is a signed-in page session.
type pageSession struct {
	cookie *http.Cookie
	csrf   string
}

var csrfField = regexp.MustCompile(`name="csrf" value="([^"]+)"`)

// signIn signs in through the login form.
func signIn(h http.Handler, name string) (*pageSession, error) {
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest("GET", "/login", nil))
	m := csrfField.FindStringSubmatch(rec.Body.String())
	if m == nil {
		return nil, fmt.Errorf("no CSRF token on the login page")
	}
	req := httptest.NewRequest("POST", "/login", strings.NewReader(url.Values{"csrf": {m[1]}, "name": {name}, "password": {"bench-password"}}.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	for _, c := range rec.Result().Cookies() {
		req.AddCookie(c)
	}
	rec = httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	if rec.Code != http.StatusSeeOther {
		return nil, fmt.Errorf("sign-in of %s answered %d", name, rec.Code)
	}
	ss := &pageSession{}
	for _, c := range rec.Result().Cookies() {
		if c.Name == "dossier_session" {
			ss.cookie = c
		}
	}
	if ss.cookie == nil {
		return nil, fmt.Errorf("sign-in of %s set no session", name)
	}
	rec = httptest.NewRecorder()
	req = httptest.NewRequest("GET", "/", nil)
	req.AddCookie(ss.cookie)
	h.ServeHTTP(rec, req)
	if m = csrfField.FindStringSubmatch(rec.Body.String()); m == nil {
		return nil, fmt.Errorf("no CSRF token on %s's home page (%d)", name, rec.Code)
	}
	ss.csrf = m[1]
	return ss, nil
}

// pageSample names cases the measured pages open: the oldest archived
// case, the newest case waiting for the initial review, and the name of
// the newest archived case's applicant to search for (the newest cases,
// and so that name and the open case, are the same at every size).
type pageSample struct {
	archived, open, name, number string
}

// seedPages writes n cases of an office handing in pagesPerWeek a week,
// the newest now, straight into the projection and the search index as
// the service's fold makes them (the pages read only these; the object
// store is not needed to read them). Stages take a random time, some
// past their limit; cases decided over two weeks ago are archived. The
// audit log gets an entry for each case's creation, one vouching for
// each event and one for its archiving, written through al (and so into
// its index) by many callers at once.
//
// Each case draws its random figures from a source of its own, seeded by
// its place counted back from now: the newest cases (every open one
// among them) are then the same at every size, so the sets differ only
// in how much history lies behind them. One source for the whole set,
// seeded by n, gave each size an open load of its own (25 cases waiting
// for the initial review at 5,000, 37 at 100,000), which a page listing
// them showed as growth.
func seedPages(ctx context.Context, db *boltdb.DB, ix *search.Index, al *audit.AuditLog, n int, now time.Time) (pageSample, error) {
	types := []string{"pension_enrolment", "pension_transfer", "pension_claim", "medical_enrolment", "medical_reimbursement",
		"unemployment_benefit", "injury_determination", "injury_benefit", "maternity_allowance"}
	gap := 7 * 24 * time.Hour / pagesPerWeek
	var sample pageSample
	const batch = 500
	cs := make([]*archive.Case, 0, batch)
	docs := make([]indexing.IndexedCase, 0, batch)
	var entries []archive.AuditEntry
	flush := func() error {
		if len(cs) == 0 {
			return nil
		}
		// A few dozen entries at a time: the log commits what is waiting
		// as one segment, so writing them all at once made segments as
		// large as the commits were slow, and commits are slower in the
		// larger set. The pages that check the segments of the entries
		// they show (the audit log by case number) then measured that,
		// not the history.
		for chunk := range slices.Chunk(entries, seedAuditChunk) {
			var g errgroup.Group
			for _, e := range chunk {
				g.Go(func() error { return al.Record(ctx, e) })
			}
			if err := g.Wait(); err != nil {
				return err
			}
		}
		entries = entries[:0]
		if err := db.PutCases(ctx, cs...); err != nil {
			return err
		}
		if err := ix.PutCases(ctx, docs); err != nil {
			return err
		}
		cs, docs = cs[:0], docs[:0]
		return nil
	}
	items := map[int]int{}
	for i := n - 1; i >= 0; i-- {
		r := rand.New(rand.NewPCG(uint64(i), 11))
		created := now.Add(-time.Duration(i)*gap - time.Duration(r.IntN(int(gap))))
		bt := types[r.IntN(len(types))]
		id := xid.NewWithTime(created).String()
		name := search.Name(r)
		idn := identity.GenerateIDNumber(r, "", time.Date(1950+r.IntN(50), time.Month(1+r.IntN(12)), 1+r.IntN(28), 0, 0, 0, 0, archive.Zone))
		evs := []archive.Event{
			{Type: archive.EventCreated, At: created, Actor: "u-clerk", Role: archive.RoleClerk, Case: &archive.CaseOpened{
				Number: fmt.Sprintf("SB%d-%06d", created.Year(), n-i), BusinessType: bt,
				Applicant: archive.Applicant{Name: name, IDNumber: idn, Phone: "13812345678"}, Summary: "申请"}},
			{Type: archive.EventMaterialAdded, At: created.Add(time.Minute), Actor: "u-clerk", Role: archive.RoleClerk, Material: &archive.Material{
				ID: "m1", Code: "id_card", Filename: "身份证.pdf", ContentType: "application/pdf", Size: 1000, SHA256: strings.Repeat("a", 64), UploadedAt: created}},
		}
		at := created
		step := func(typ, actor, role, decision string, hours int) bool {
			at = at.Add(time.Duration(1+r.IntN(hours)) * time.Hour)
			if at.After(now) {
				return false
			}
			evs = append(evs, archive.Event{Type: typ, At: at, Actor: actor, Role: role, Decision: decision, Opinion: "符合条件"})
			return true
		}
		decided := step(archive.EventAcceptance, "u-clerk", archive.RoleClerk, archive.DecisionAccept, 100) &&
			step(archive.EventReview, "u-rev", archive.RoleReviewer, archive.DecisionApprove, 40) &&
			step(archive.EventReview, "u-sup", archive.RoleSupervisor, archive.DecisionApprove, 110) &&
			step(archive.EventReview, "u-app", archive.RoleApprover, archive.DecisionApprove, 250)
		if decided && now.Sub(at) > 14*24*time.Hour {
			y := at.In(archive.Zone).Year()
			items[y]++
			at = at.Add(24 * time.Hour)
			evs = append(evs, archive.Event{Type: archive.EventArchived, At: at, Actor: "u-arc", Role: archive.RoleArchivist,
				Archive: &archive.ArchiveRecord{ArchiveNo: fmt.Sprintf("Z109-SB·%d-D30-YL-%04d", y, items[y]), Fonds: "Z109", Category: "SB",
					Year: y, Retention: "D30", Issue: "YL", Item: items[y], ArchivedAt: at}})
		}
		for k := range evs {
			evs[k].Seq, evs[k].CaseID = uint64(k+1), id
		}
		c, err := archive.Fold(evs)
		if err != nil {
			return sample, err
		}
		target := "case/" + id
		entries = append(entries, archive.AuditEntry{At: created, Actor: "u-clerk", Name: "bench.clerk", Roles: []string{archive.RoleClerk},
			Action: "case.create", Target: target, Detail: bt})
		for _, ev := range evs {
			entries = append(entries, archive.AuditEntry{At: ev.At, Actor: ev.Actor, Name: "bench." + ev.Role, Action: archive.AuditEventAction,
				Target: target, EventKey: archive.EventKey(id, ev.Seq), EventSHA256: strings.Repeat("b", 64)})
		}
		if c.Archive != nil {
			entries = append(entries, archive.AuditEntry{At: at, Actor: "u-arc", Name: "bench.archivist", Roles: []string{archive.RoleArchivist},
				Action: "case.archive", Target: target, Detail: c.Archive.ArchiveNo})
		}
		switch {
		case c.Status == archive.StatusArchived:
			if sample.archived == "" {
				sample.archived = id
			}
			sample.name, sample.number = name, c.Number
		case c.Status == archive.StatusInitialReview:
			sample.open = id
		}
		cs = append(cs, c)
		docs = append(docs, indexing.IndexedCase{Case: c, Events: evs, Texts: map[string]string{"m1": "居民身份证 " + name}})
		if len(cs) == batch {
			if err := flush(); err != nil {
				return sample, err
			}
		}
	}
	if err := flush(); err != nil {
		return sample, err
	}
	if sample.archived == "" || sample.open == "" {
		return sample, fmt.Errorf("pages: %d cases hold no archived or no open case to open", n)
	}
	return sample, nil
}
