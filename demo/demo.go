// Package demo seeds a realistic data set through archive.Service: staff
// for every role, applicants, a few hundred cases of every business type
// at every stage with their materials and notices, archived files with
// 档号, a legal hold, overdue cases, and records past their retention. It
// writes only through the Service, so the data obeys every rule the
// service enforces.
package demo

import (
	"bytes"
	"context"
	"dossier/archive"
	"dossier/archive/cases"
	"dossier/archive/disposal"
	"dossier/archive/identity"
	"dossier/archive/loans"
	"dossier/archive/refdata"
	"dossier/archive/service"
	"dossier/archive/users"
	"fmt"
	"math/rand/v2"
	"slices"
	"sort"
	"sync"
	"sync/atomic"
	"time"

	"dossier/render"
	"dossier/search"
)

// DefaultPassword is the web password of every demo user unless another
// is given; the README prints it, so it protects nothing.
const DefaultPassword = "dossier-demo"

// Options says what to seed.
type Options struct {
	// NewService returns a Service over the data set whose clock is now;
	// Seed makes one per worker and moves their clocks into the past.
	NewService func(now func() time.Time) *service.Service
	// Calendar counts working days; nil means the built-in one.
	Calendar *refdata.Calendar
	// Catalogue lists the business types; nil means the built-in one.
	Catalogue *refdata.Catalogue
	// Font draws the material PDFs and scans.
	Font *render.Font
	// Cases is how many cases to file (at least 40, so that every status
	// is there).
	Cases int
	// Password is every user's web password; empty means DefaultPassword.
	Password string
	// Now is the present of the data set: every event lies before it.
	Now time.Time
	// Seed makes the data set reproducible.
	Seed uint64
	// Workers run cases concurrently; 0 means 4.
	Workers int
	// Progress, when set, is told how many actions of how many are done.
	Progress func(done, total int)
}

// Login is a demo user.
type Login struct {
	Name        string
	DisplayName string
	Roles       []string
	ID          string
}

// PortalCase is a case an applicant can look up without an account.
type PortalCase struct {
	Number string
	// Birth is the date of birth in the identity number, the portal's
	// second factor.
	Birth      string
	VerifyCode string
	Status     string
}

// Result says what was seeded.
type Result struct {
	Logins   []Login
	Password string
	// ByStatus counts the cases per status.
	ByStatus map[string]int
	// ByType counts the cases per business type.
	ByType map[string]int
	// Held is the 档号 of the file under a legal hold.
	Held string
	// Overdue are the numbers of the cases seeded past a deadline.
	Overdue []string
	// Expired counts archived files past the end of their retention.
	Expired int
	// Portal is the demo applicant's case waiting for a material.
	Portal PortalCase
	// Notices counts the notices issued.
	Notices int
	// Fixity is the result of the four-properties check run last.
	Fixity string
}

// accounts are the demo accounts: two of each deciding role, so that the
// statistics compare people and a second archivist can approve what the
// first proposes.
var accounts = []struct {
	name, display string
	roles         []string
}{
	{"admin", "系统管理员", []string{archive.RoleAdmin}},
	{"clerk", "张敏", []string{archive.RoleClerk}},
	{"clerk2", "李娜", []string{archive.RoleClerk}},
	{"reviewer", "王强", []string{archive.RoleReviewer}},
	{"reviewer2", "赵磊", []string{archive.RoleReviewer}},
	{"supervisor", "陈静", []string{archive.RoleSupervisor}},
	{"supervisor2", "刘洋", []string{archive.RoleSupervisor}},
	{"approver", "杨帆", []string{archive.RoleApprover}},
	{"approver2", "黄海", []string{archive.RoleApprover}},
	{"archivist", "周红", []string{archive.RoleArchivist}},
	{"archivist2", "吴兰", []string{archive.RoleArchivist}},
	{"auditor", "孙莉", []string{archive.RoleAuditor}},
	{"finance", "钱芳", []string{archive.RoleFinance}},
	{"finance2", "郑伟", []string{archive.RoleFinance}},
	{"applicant", "王小明", []string{archive.RoleApplicant}},
	{"employer", "华夏机械制造有限公司", []string{archive.RoleApplicant}},
}

// Seed creates the demo data set. It refuses (ECONFLICT) a store that
// already holds users or cases. Errors: those of the Service, which name
// what failed.
func Seed(ctx context.Context, o Options) (*Result, error) {
	if o.Cases < 40 {
		return nil, archive.Errorf(archive.EINVALID, "demo: at least 40 cases are needed to show every stage, not %d", o.Cases)
	}
	if o.Password == "" {
		o.Password = DefaultPassword
	}
	if o.Workers <= 0 {
		o.Workers = 4
	}
	if o.Calendar == nil {
		o.Calendar = refdata.DefaultCalendar()
	}
	if o.Catalogue == nil {
		o.Catalogue = refdata.DefaultCatalogue()
	}
	empty, err := o.NewService(func() time.Time { return o.Now }).Empty(ctx)
	if err != nil {
		return nil, err
	}
	if !empty {
		return nil, archive.Errorf(archive.ECONFLICT, "the data set already holds users or cases; demo data goes into an empty one (another data dir or bucket)")
	}
	mats, err := newMaterials(o.Font)
	if err != nil {
		return nil, err
	}
	s := &seeder{o: o, mats: mats, actors: map[string]archive.Actor{},
		pl: &planner{r: rand.New(rand.NewPCG(o.Seed, o.Seed^0x5eed)), cal: o.Calendar, now: o.Now}}
	res := &Result{Password: o.Password, ByStatus: map[string]int{}, ByType: map[string]int{}}
	if err := s.users(ctx, res); err != nil {
		return nil, err
	}
	plans := s.plans()
	total := len(accounts)
	for _, p := range plans {
		total += 1 + len(p.steps)
		if !p.archiveAt.IsZero() {
			total++
		}
	}
	var done atomic.Int64
	s.tick = func() {
		n := done.Add(1)
		if o.Progress != nil {
			o.Progress(int(n), total)
		}
	}
	passwords := make(chan error, 1)
	go func() { passwords <- s.setPasswords(ctx) }()
	err = s.run(ctx, plans)
	if perr := <-passwords; err == nil {
		err = perr
	}
	if err != nil {
		return nil, err
	}
	s.result(ctx, plans, res)
	// A saved search (常用查询) of the archivist's, so that 我的待办 shows one.
	if _, err := o.NewService(func() time.Time { return o.Now }).SaveSearch(ctx, s.actors["archivist"], "待归档的养老保险参保登记", "worklist",
		"arc-sort=decided&business_type=pension_enrolment"); err != nil {
		return nil, err
	}
	// A first four-properties check (四性检测), stored, so that the
	// reports page has a report to open.
	rep, _, err := o.NewService(func() time.Time { return o.Now }).Check(ctx, true, nil)
	if err != nil {
		return nil, err
	}
	res.Fixity = rep.Result
	return res, nil
}

// demoOperator is who seeds, in the audit log: the command line.
var demoOperator = archive.Actor{UserID: archive.ByCommandLine + ":demo", Remote: "demo"}

// seeder carries the state of one Seed call.
type seeder struct {
	o      Options
	mats   *materials
	pl     *planner
	actors map[string]archive.Actor // by login name
	tick   func()
}

// users creates the accounts: the administrator straight in the store
// (as `dossier user add` does), the others by the administrator. The
// passwords are set afterwards, by setPasswords, since hashing them
// (argon2id) is slow and can overlap with filing the cases.
func (s *seeder) users(ctx context.Context, res *Result) error {
	svc := s.o.NewService(func() time.Time { return s.o.Now })
	for _, u := range accounts {
		in := users.NewUser{Name: u.name, DisplayName: u.display, Roles: u.roles}
		var created *users.User
		var err error
		if u.name == "admin" {
			created, _, err = svc.AddUserByCommandLine(ctx, demoOperator, in)
		} else {
			created, _, err = svc.CreateUser(ctx, s.actors["admin"], in)
		}
		if err != nil {
			return fmt.Errorf("demo: create user %s: %w", u.name, err)
		}
		s.actors[u.name] = archive.Actor{UserID: created.ID, Name: created.Name, Roles: created.Roles, Remote: "demo"}
		res.Logins = append(res.Logins, Login{Name: u.name, DisplayName: u.display, Roles: u.roles, ID: created.ID})
	}
	return svc.SyncUsers(ctx)
}

// setPasswords gives every user the demo password, two at a time.
func (s *seeder) setPasswords(ctx context.Context) error {
	svc := s.o.NewService(func() time.Time { return s.o.Now })
	names := make(chan string, len(accounts))
	for _, u := range accounts {
		names <- u.name
	}
	close(names)
	errs := make(chan error, 2)
	var wg sync.WaitGroup
	for range 2 {
		wg.Go(func() {
			for name := range names {
				// Seeding is the operator's: passwords are set as the
				// command line sets them.
				if _, err := svc.SetPasswordByCommandLine(ctx, demoOperator, name, s.o.Password); err != nil {
					errs <- fmt.Errorf("demo: password of %s: %w", name, err)
					return
				}
				s.tick()
			}
		})
	}
	wg.Wait()
	close(errs)
	if err := <-errs; err != nil {
		return err
	}
	return svc.SyncUsers(ctx)
}

// newPerson draws an applicant.
func (s *seeder) newPerson(born time.Time) person {
	r := s.pl.r
	return person{
		Name:     search.Name(r),
		IDNumber: identity.GenerateIDNumber(r, "", born),
		Phone:    fmt.Sprintf("1%d%d%08d", 3+r.IntN(6), r.IntN(10), r.IntN(100000000)),
		Male:     r.IntN(2) == 0,
		Address:  fmt.Sprintf("%s%d号%d单元%d室", pick(r, streets), 1+r.IntN(300), 1+r.IntN(6), 101+r.IntN(20)*100+r.IntN(4)),
		Employer: pick(r, companies),
		Hospital: pick(r, hospitals),
	}
}

// birthFor draws a birth date that fits the business: pensioners are
// about 60, mothers 24 to 38, everyone else 20 to 55.
func (s *seeder) birthFor(bt string, at time.Time) time.Time {
	r := s.pl.r
	age := 20 + r.IntN(36)
	switch bt {
	case "pension_claim":
		age = 59 + r.IntN(3)
	case "maternity_allowance":
		age = 24 + r.IntN(15)
	}
	return time.Date(at.Year()-age, time.Month(1+r.IntN(12)), 1+r.IntN(28), 0, 0, 0, 0, beijing)
}

// plans draws the data set: special cases first (the demo applicants',
// the held file, the overdue ones, records past retention), the rest by
// weighted outcome.
func (s *seeder) plans() []*plan {
	pl, r := s.pl, s.pl.r
	types := s.o.Catalogue.Types()
	var plans []*plan
	add := func(bt *archive.BusinessType, o outcome, end time.Time, compact bool) *plan {
		p := &plan{bt: bt, outcome: o, steps: pl.steps(bt, o, compact)}
		pl.schedule(p, end)
		p.person = s.newPerson(s.birthFor(bt.Code, p.created))
		p.summary = summary(r, bt.Code)
		if k := r.IntN(100); k < 5 {
			p.imageID = 1
		} else if k < 9 {
			p.imageID = 2
		}
		if o.archive {
			p.archiveAt = pl.officeTime(pl.workdayFrom(end.AddDate(0, 0, 3+r.IntN(20))))
			if !p.archiveAt.Before(s.o.Now.Add(-time.Hour)) {
				p.archiveAt = s.o.Now.Add(-time.Duration(1+r.IntN(5)) * time.Hour)
			}
		}
		plans = append(plans, p)
		return p
	}
	typeOf := func(code string) *archive.BusinessType {
		for i := range types {
			if types[i].Code == code {
				return &types[i]
			}
		}
		return &types[r.IntN(len(types))]
	}
	anyType := func() *archive.BusinessType { return &types[r.IntN(len(types))] }
	recent := func(maxDays int) time.Time {
		return pl.before(pl.lastOfficeMoment(), r.IntN(maxDays+1), 0)
	}
	past := func(fromDays, toDays int) time.Time {
		return pl.officeTime(pl.prevWorkingDay(s.o.Now.AddDate(0, 0, 1-(fromDays+r.IntN(toDays-fromDays+1))), 1))
	}

	// The demo applicant 王小明 follows five cases of his own; his
	// identity is the same on all of them.
	me := s.newPerson(time.Date(1986, 5, 17, 0, 0, 0, 0, beijing))
	me.Name, me.Male = "王小明", true
	mine := []struct {
		bt      string
		o       outcome
		end     time.Time
		compact bool
	}{
		{"unemployment_benefit", outcome{status: archive.StatusCorrectionRequested}, recent(1), true},
		{"medical_reimbursement", outcome{status: archive.StatusApproved}, past(5, 12), false},
		{"pension_enrolment", outcome{status: archive.StatusApproved, archive: true}, past(200, 300), false},
		{"medical_enrolment", outcome{status: archive.StatusInitialReview}, recent(0), true},
		{"pension_transfer", outcome{status: archive.StatusSubmitted}, recent(0), true},
	}
	for i, m := range mine {
		p := add(typeOf(m.bt), m.o, m.end, m.compact)
		p.person, p.owner, p.byOwner = me, "applicant", i%2 == 0
		p.imageID = 1 // his identity card is a PNG scan
	}
	// The employer files work-injury cases for its staff.
	for _, p := range []*plan{
		add(typeOf("injury_determination"), outcome{status: archive.StatusSecondReview}, recent(1), true),
		add(typeOf("injury_determination"), outcome{status: archive.StatusApproved}, past(6, 20), false),
	} {
		p.owner, p.byOwner, p.person.Employer = "employer", true, "华夏机械制造有限公司"
		p.imageID = 2 // photographed with a phone: JPEG
	}
	// A file under a legal hold: a denied work-injury claim in court.
	add(typeOf("injury_determination"), outcome{status: archive.StatusDenied, archive: true}, past(120, 200), false).hold = true
	// Overdue: waiting for acceptance, initial and final review too long.
	for _, o := range []struct {
		status string
		days   int
	}{{archive.StatusSubmitted, 5}, {archive.StatusInitialReview, 3}, {archive.StatusFinalReview, 9}} {
		add(anyType(), outcome{status: o.status}, pl.before(pl.lastOfficeMoment(), o.days, 0), true)
	}
	// Records formed in 2015 whose 10-year retention has ended: material
	// for appraisal and disposal.
	for i := 0; i < 6; i++ {
		bt := typeOf([]string{"unemployment_benefit", "maternity_allowance", "medical_reimbursement"}[i%3])
		end := pl.officeTime(time.Date(2015, time.Month(3+i), 10+i, 0, 0, 0, 0, beijing))
		p := add(bt, outcome{status: archive.StatusApproved, archive: true}, end, false)
		p.archiveAt = pl.officeTime(time.Date(2015, 12, 14+i, 0, 0, 0, 0, beijing))
	}
	// The rest, by weight.
	weights := []struct {
		o      outcome
		weight int
	}{
		{outcome{archive.StatusApproved, true}, 32},
		{outcome{archive.StatusDenied, true}, 5},
		{outcome{archive.StatusNotAccepted, true}, 3},
		{outcome{archive.StatusApproved, false}, 10},
		{outcome{archive.StatusDenied, false}, 3},
		{outcome{archive.StatusNotAccepted, false}, 2},
		{outcome{archive.StatusCorrectionRequested, false}, 6},
		{outcome{archive.StatusSubmitted, false}, 10},
		{outcome{archive.StatusInitialReview, false}, 10},
		{outcome{archive.StatusSecondReview, false}, 10},
		{outcome{archive.StatusFinalReview, false}, 9},
	}
	sum := 0
	for _, w := range weights {
		sum += w.weight
	}
	for i := 0; len(plans) < s.o.Cases; i++ {
		// Every outcome once, then by weight.
		var o outcome
		if i < len(weights) {
			o = weights[i].o
		} else {
			k := r.IntN(sum)
			for _, w := range weights {
				if k < w.weight {
					o = w.o
					break
				}
				k -= w.weight
			}
		}
		switch {
		case o.archive:
			add(anyType(), o, past(25, 540), false)
		case slices.Contains([]string{archive.StatusApproved, archive.StatusDenied, archive.StatusNotAccepted}, o.status):
			add(anyType(), o, past(1, 20), false)
		case o.status == archive.StatusCorrectionRequested:
			add(anyType(), o, recent(6), true)
		case o.status == archive.StatusInitialReview:
			// Initial review has one working day: a case that entered it
			// before the last working day would be overdue on a weekend
			// or before office hours, beside the three that are meant to be.
			add(anyType(), o, recent(0), true)
		default:
			add(anyType(), o, recent(1), true)
		}
	}
	return plans
}

// clock is a worker's time, moved to each action's moment.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) now() time.Time  { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *clock) set(t time.Time) { c.mu.Lock(); c.t = t; c.mu.Unlock() }

// run files every case in the order of filing (so case numbers follow
// time), plays their steps on several workers, then archives in the
// order of archiving (so 件号 follow time).
func (s *seeder) run(ctx context.Context, plans []*plan) error {
	byTime := slices.Clone(plans)
	sort.SliceStable(byTime, func(i, j int) bool { return byTime[i].created.Before(byTime[j].created) })
	var clk clock
	svc := s.o.NewService(clk.now)
	for _, p := range byTime {
		clk.set(p.created)
		if err := s.file(ctx, svc, p); err != nil {
			return err
		}
		s.tick()
	}
	wctx, cancel := context.WithCancel(ctx)
	defer cancel()
	work := make(chan *plan)
	errs := make(chan error, s.o.Workers)
	var wg sync.WaitGroup
	for w := 0; w < s.o.Workers; w++ {
		clk := &clock{}
		svc := s.o.NewService(clk.now)
		r := rand.New(rand.NewPCG(s.o.Seed+uint64(w)+1, 99))
		wg.Go(func() {
			for p := range work {
				if err := s.play(wctx, svc, clk, r, p); err != nil {
					errs <- fmt.Errorf("demo: case %s (%s): %w", p.number, p.bt.Code, err)
					cancel()
					return
				}
			}
		})
	}
feed:
	for _, p := range plans {
		select {
		case work <- p:
		case <-wctx.Done():
			break feed
		}
	}
	close(work)
	wg.Wait()
	close(errs)
	if err := <-errs; err != nil {
		return err
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	if err := s.archive(ctx, plans); err != nil {
		return err
	}
	return s.aftercare(ctx, plans)
}

// aftercare leaves the archive lived-in: an executed disposal of two
// records past retention (the others wait for an appraisal), a loan past
// its due date and a request waiting for approval.
func (s *seeder) aftercare(ctx context.Context, plans []*plan) error {
	clk := &clock{}
	svc := s.o.NewService(clk.now)
	clk.set(s.o.Now)
	// One listing of the archive (not a read of each case, which the audit
	// log would record as somebody looking at it).
	byID := map[string]*plan{}
	for _, p := range plans {
		byID[p.id] = p
	}
	var expired, lendable []string
	for cursor := ""; ; {
		page, err := svc.ListCases(ctx, s.actors["archivist"], archive.CaseFilter{Status: archive.StatusArchived}, cursor, 500)
		if err != nil {
			return fmt.Errorf("demo: list the archive: %w", err)
		}
		for _, v := range page.Cases {
			switch p := byID[v.ID]; {
			case p == nil || p.hold || v.ArchiveNo == "":
			case p.archiveAt.Year() == 2015:
				expired = append(expired, v.ArchiveNo)
			default:
				lendable = append(lendable, v.ArchiveNo)
			}
		}
		if cursor = page.NextCursor; cursor == "" {
			break
		}
	}
	sort.Strings(expired)
	sort.Strings(lendable)
	if len(expired) >= 2 {
		clk.set(s.o.Now.Add(-4 * 24 * time.Hour))
		d, err := svc.CreateDisposal(ctx, s.actors["archivist"], disposal.NewDisposal{ArchiveNos: expired[:2],
			Appraisal: "经鉴定，下列档案保管期限已满，业务已办结，无继续保存价值，拟予销毁。"})
		if err != nil {
			return fmt.Errorf("demo: disposal: %w", err)
		}
		clk.set(s.o.Now.Add(-3 * 24 * time.Hour))
		if _, err := svc.DecideDisposal(ctx, s.actors["archivist2"], d.ID, disposal.DisposalDecision{Decision: "approve", Opinion: "同意销毁。"}); err != nil {
			return fmt.Errorf("demo: approve disposal %s: %w", d.ID, err)
		}
	}
	if len(lendable) >= 2 {
		days := 14
		clk.set(s.o.Now.Add(-20 * 24 * time.Hour))
		l, err := svc.RequestLoan(ctx, s.actors["reviewer2"], lendable[0], loans.LoanRequest{Purpose: "复核同类待遇核定口径", Days: &days})
		if err != nil {
			return fmt.Errorf("demo: loan of %s: %w", lendable[0], err)
		}
		if _, err := svc.DecideLoan(ctx, s.actors["archivist"], lendable[0], l.ID, loans.LoanDecision{Action: "approve", Note: "同意借阅，请按期归还。"}); err != nil {
			return fmt.Errorf("demo: approve loan of %s: %w", lendable[0], err)
		}
		clk.set(s.o.Now.Add(-2 * time.Hour))
		if _, err := svc.RequestLoan(ctx, s.actors["clerk2"], lendable[1], loans.LoanRequest{Purpose: "申请人来电查询原件，核对材料", Days: &days}); err != nil {
			return fmt.Errorf("demo: loan of %s: %w", lendable[1], err)
		}
	}
	clk.set(s.o.Now.Add(-time.Hour))
	if err := s.handovers(ctx, svc); err != nil {
		return err
	}
	return s.payments(ctx, svc)
}

// archive files the decided cases that the plans archive. 件号 run per
// fonds, year of decision and retention; within each such series the
// cases are archived in the order of archiving, so numbers follow time,
// and the series run side by side.
func (s *seeder) archive(ctx context.Context, plans []*plan) error {
	series := map[string][]*plan{}
	for _, p := range plans {
		if !p.archiveAt.IsZero() {
			k := fmt.Sprintf("%d/%s", p.steps[len(p.steps)-1].at.In(beijing).Year(), p.bt.Retention)
			series[k] = append(series[k], p)
		}
	}
	work := make(chan []*plan, len(series))
	for _, ps := range series {
		sort.SliceStable(ps, func(i, j int) bool { return ps[i].archiveAt.Before(ps[j].archiveAt) })
		work <- ps
	}
	close(work)
	errs := make(chan error, s.o.Workers)
	var wg sync.WaitGroup
	for w := 0; w < s.o.Workers; w++ {
		clk := &clock{}
		svc := s.o.NewService(clk.now)
		wg.Go(func() {
			for ps := range work {
				for i, p := range ps {
					if err := s.archiveOne(ctx, svc, clk, p, s.actors[[]string{"archivist", "archivist2"}[i%2]]); err != nil {
						errs <- err
						return
					}
					s.tick()
				}
			}
		})
	}
	wg.Wait()
	close(errs)
	return <-errs
}

func (s *seeder) archiveOne(ctx context.Context, svc *service.Service, clk *clock, p *plan, by archive.Actor) error {
	if err := s.settle(ctx, svc, clk, p); err != nil {
		return err
	}
	clk.set(p.archiveAt)
	rec, err := svc.ArchiveCase(ctx, by, p.id)
	if err != nil {
		return fmt.Errorf("demo: archive case %s: %w", p.number, err)
	}
	if p.hold {
		clk.set(s.o.Now.Add(-26 * time.Hour))
		if _, err := svc.PlaceHold(ctx, by, rec.ArchiveNo, holdReasons[0]); err != nil {
			return fmt.Errorf("demo: hold on %s: %w", rec.ArchiveNo, err)
		}
	}
	return nil
}

// file creates the case, as its owner or a clerk.
func (s *seeder) file(ctx context.Context, svc *service.Service, p *plan) error {
	in := cases.NewCase{BusinessType: p.bt.Code, Summary: p.summary,
		Applicant: archive.Applicant{Name: p.person.Name, IDNumber: p.person.IDNumber, Phone: p.person.Phone}}
	by := s.actors[[]string{"clerk", "clerk2"}[s.pl.r.IntN(2)]]
	if p.owner != "" {
		if p.byOwner {
			by = s.actors[p.owner]
		} else {
			in.ApplicantUserID = s.actors[p.owner].UserID
		}
	}
	v, err := svc.CreateCase(ctx, by, in)
	if err != nil {
		return fmt.Errorf("demo: file a %s case: %w", p.bt.Code, err)
	}
	p.id, p.number = v.ID, v.Number
	return nil
}

// play performs a case's steps at their moments.
func (s *seeder) play(ctx context.Context, svc *service.Service, clk *clock, r *rand.Rand, p *plan) error {
	// The same people see a case through, as in an office.
	pickOf := func(a, b string) archive.Actor { return s.actors[[]string{a, b}[r.IntN(2)]] }
	clerk := pickOf("clerk", "clerk2")
	deciders := map[string]archive.Actor{
		archive.StatusInitialReview: pickOf("reviewer", "reviewer2"),
		archive.StatusSecondReview:  pickOf("supervisor", "supervisor2"),
		archive.StatusFinalReview:   pickOf("approver", "approver2"),
	}
	handIn := clerk
	if p.owner != "" && p.byOwner {
		handIn = s.actors[p.owner]
	}
	status := archive.StatusSubmitted
	attachment := ""
	for _, st := range p.steps {
		clk.set(st.at)
		switch st.kind {
		case stepUpload:
			if err := s.upload(ctx, svc, r, p, handIn, st.code, st.at); err != nil {
				return err
			}
		case stepAttachment:
			by := deciders[status]
			data, err := s.mats.pdf(r, "investigation", "工伤事故调查笔录", p.bt, p.person, st.at)
			if err != nil {
				return err
			}
			m, err := svc.AddMaterial(ctx, by, p.id, "attachment", "调查笔录.pdf", bytes.NewReader(data))
			if err != nil {
				return fmt.Errorf("attachment: %w", err)
			}
			attachment = m.ID
		case stepExtend:
			if _, err := svc.ExtendAcceptance(ctx, clerk, p.id, pick(r, extensions)); err != nil {
				return fmt.Errorf("extend: %w", err)
			}
		case stepAccept:
			in := archive.AcceptanceInput{Decision: st.decision, Missing: st.missing}
			switch st.decision {
			case archive.DecisionCorrect:
				in.Reason = pick(r, corrections)
			case archive.DecisionReject:
				in.Reason = pick(r, notAccepted)
			}
			v, err := svc.Acceptance(ctx, clerk, p.id, in)
			if err != nil {
				return fmt.Errorf("acceptance %s: %w", st.decision, err)
			}
			status = v.Status
		case stepResubmit:
			if _, err := svc.Resubmit(ctx, handIn, p.id); err != nil {
				return fmt.Errorf("resubmit: %w", err)
			}
			status = archive.StatusSubmitted
		case stepReview:
			in := archive.ReviewInput{Decision: st.decision}
			k := kinds[p.bt.Code]
			switch {
			case st.decision == archive.DecisionReturn:
				in.Opinion = pick(r, returnOpinions)
			case st.decision == archive.DecisionReject:
				in.Opinion, in.Basis = pick(r, k.deny), k.basis
			case status == archive.StatusFinalReview:
				in.Opinion, in.Basis = pick(r, k.approve), k.basis
			case status == archive.StatusSecondReview:
				in.Opinion = pick(r, secondOpinions)
			default:
				in.Opinion = pick(r, initialOpinions)
			}
			if attachment != "" {
				in.Attachments, attachment = []string{attachment}, ""
			}
			v, err := svc.Review(ctx, deciders[status], p.id, in)
			if err != nil {
				return fmt.Errorf("review %s at %s: %w", st.decision, status, err)
			}
			status = v.Status
		}
		s.tick()
	}
	return nil
}

// upload hands in one material: forms as PDF, the identity card now and
// then as a scanned image.
func (s *seeder) upload(ctx context.Context, svc *service.Service, r *rand.Rand, p *plan, by archive.Actor, code string, at time.Time) error {
	spec, _ := p.bt.Material(code)
	var data []byte
	var err error
	name := spec.Name + ".pdf"
	if code == "id_card" && p.imageID > 0 {
		data, err = s.mats.idCardScan(p.person, p.imageID == 2)
		name = map[int]string{1: "身份证扫描件.png", 2: "身份证照片.jpg"}[p.imageID]
	} else {
		data, err = s.mats.pdf(r, code, spec.Name, p.bt, p.person, at)
	}
	if err != nil {
		return fmt.Errorf("draw %s: %w", code, err)
	}
	if _, err := svc.AddMaterial(ctx, by, p.id, code, name, bytes.NewReader(data)); err != nil {
		return fmt.Errorf("upload %s: %w", code, err)
	}
	return nil
}

// result reads back what was made.
func (s *seeder) result(ctx context.Context, plans []*plan, res *Result) {
	svc := s.o.NewService(func() time.Time { return s.o.Now })
	auditor := s.actors["auditor"]
	for _, p := range plans {
		v, err := svc.GetCase(ctx, auditor, p.id, false)
		if err != nil {
			continue
		}
		res.ByStatus[v.Status]++
		res.ByType[v.BusinessType]++
		res.Notices += len(v.Notices)
		if v.Overdue {
			res.Overdue = append(res.Overdue, v.Number)
		}
		if p.hold {
			res.Held = v.ArchiveNo
		}
		if p.owner == "applicant" && v.Status == archive.StatusCorrectionRequested && len(v.Notices) > 0 {
			res.Portal = PortalCase{Number: v.Number, Birth: p.person.IDNumber[6:14], Status: v.Status,
				VerifyCode: v.Notices[len(v.Notices)-1].VerifyCode}
		}
		if p.archiveAt.Year() == 2015 && v.Status == archive.StatusArchived {
			res.Expired++
		}
	}
}
