package workload_test

import (
	"context"
	"dossier/archive"
	"dossier/archive/cases"
	"dossier/archive/service"
	"dossier/archive/servicetest"
	"dossier/archive/storetest"
	"dossier/archive/workload"
	"path/filepath"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"dossier/archive/boltdb"
)

func TestMain(m *testing.M) { storetest.Main(m) }

var (
	clerk      = archive.Actor{UserID: "u-clerk", Name: "clerk", Roles: []string{archive.RoleClerk}}
	reviewer   = archive.Actor{UserID: "u-rev", Name: "reviewer", Roles: []string{archive.RoleReviewer}}
	supervisor = archive.Actor{UserID: "u-sup", Name: "supervisor", Roles: []string{archive.RoleSupervisor}}
	approver   = archive.Actor{UserID: "u-app", Name: "approver", Roles: []string{archive.RoleApprover}}
)

// at is a time on a day of late 2026 in Beijing (no holidays between 23
// November and 7 December; 30 November is a Monday).
func at(day string, hour int) time.Time {
	d, err := time.ParseInLocation(time.DateOnly, day, archive.Zone)
	if err != nil {
		panic(err)
	}
	return d.Add(time.Duration(hour) * time.Hour)
}

// office is a small office whose figures are known: six cases filed
// and decided on given days, read on Wednesday 2 December 2026 at 10:00.
type office struct {
	t   *testing.T
	st  *servicetest.Stack
	svc *service.Service
	now time.Time
}

func newOffice(t *testing.T) *office {
	o := &office{t: t, st: servicetest.New(t, 1<<20)}
	o.svc = o.st.Service(func() time.Time { return o.now })
	return o
}

// file files a case of bt at when, with its mandatory materials.
func (o *office) file(bt, when string) string {
	o.t.Helper()
	o.now = at(when, 9)
	ctx := context.Background()
	v, err := o.svc.CreateCase(ctx, clerk, cases.NewCase{BusinessType: bt, Applicant: archive.Applicant{Name: "王五🙂", IDNumber: "11010519491231002X"}})
	if err != nil {
		o.t.Fatal(err)
	}
	typ, _ := o.svc.Catalogue().Lookup(bt)
	for _, m := range typ.Materials {
		if m.Mandatory {
			if _, err := o.svc.AddMaterial(ctx, clerk, v.ID, m.Code, m.Code+".txt", strings.NewReader("材料 "+m.Name)); err != nil {
				o.t.Fatal(err)
			}
		}
	}
	return v.ID
}

func (o *office) accept(id, when string) {
	o.t.Helper()
	o.now = at(when, 11)
	if _, err := o.svc.Acceptance(context.Background(), clerk, id, archive.AcceptanceInput{Decision: archive.DecisionAccept}); err != nil {
		o.t.Fatal(err)
	}
}

func (o *office) approve(a archive.Actor, id, when string) {
	o.t.Helper()
	o.now = at(when, 15)
	if _, err := o.svc.Review(context.Background(), a, id, archive.ReviewInput{Decision: archive.DecisionApprove, Opinion: "符合条件"}); err != nil {
		o.t.Fatal(err)
	}
}

// seed files the six cases:
//
//	A pension_claim  filed Mon 23 Nov, accepted 24 Nov (due 26 Nov), 初审 26 Nov
//	  (due 25 Nov: late), 复审 27 Nov (due 1 Dec), 终审 30 Nov: approved
//	B pension_claim  filed and accepted Mon 30 Nov: 初审 due 1 Dec, overdue
//	C unemployment   filed Wed 2 Dec: acceptance due Mon 7 Dec, later
//	D pension_claim  filed and accepted Tue 1 Dec: 初审 due today
//	E pension_claim  filed Fri 27 Nov, accepted 1 Dec (due 2 Dec), 初审 2 Dec:
//	  复审 due Mon 7 Dec, later
//	F maternity      filed and accepted Mon 30 Nov, 初审 1 Dec: 复审 due Fri 4 Dec,
//	  this week
func (o *office) seed() map[string]string {
	ids := map[string]string{}
	ids["A"] = o.file("pension_claim", "2026-11-23")
	o.accept(ids["A"], "2026-11-24")
	o.approve(reviewer, ids["A"], "2026-11-26")
	o.approve(supervisor, ids["A"], "2026-11-27")
	o.approve(approver, ids["A"], "2026-11-30")
	ids["E"] = o.file("pension_claim", "2026-11-27")
	ids["B"] = o.file("pension_claim", "2026-11-30")
	o.accept(ids["B"], "2026-11-30")
	ids["F"] = o.file("maternity_allowance", "2026-11-30")
	o.accept(ids["F"], "2026-11-30")
	o.approve(reviewer, ids["F"], "2026-12-01")
	ids["D"] = o.file("pension_claim", "2026-12-01")
	o.accept(ids["D"], "2026-12-01")
	o.accept(ids["E"], "2026-12-01")
	o.approve(reviewer, ids["E"], "2026-12-02")
	ids["C"] = o.file("unemployment_benefit", "2026-12-02")
	o.now = at("2026-12-02", 10)
	return ids
}

// open reads the open cases as the pages do, through ListCases.
func (o *office) open(a archive.Actor) []*archive.CaseView {
	o.t.Helper()
	var out []*archive.CaseView
	for _, st := range workload.OpenStatuses {
		pg, err := o.svc.ListCases(context.Background(), a, archive.CaseFilter{Status: st}, "", 500)
		if err != nil {
			o.t.Fatal(err)
		}
		out = append(out, pg.Cases...)
	}
	return out
}

func TestFigures(t *testing.T) {
	o := newOffice(t)
	ids := o.seed()
	views := o.open(supervisor)
	byID := map[string]string{}
	for _, v := range views {
		byID[v.ID] = workload.Bucket(v, o.now)
	}
	want := map[string]string{ids["B"]: workload.DueOverdue, ids["C"]: workload.DueLater, ids["D"]: workload.DueToday,
		ids["E"]: workload.DueLater, ids["F"]: workload.DueWeek}
	if !reflect.DeepEqual(byID, want) {
		t.Errorf("buckets %v, want %v", byID, want)
	}
	mine := workload.MyStages(reviewer)
	c := workload.Count(slices.DeleteFunc(slices.Clone(views), func(v *archive.CaseView) bool { return !slices.Contains(mine, v.Stage) }), o.now)
	if c.Total != 2 || c.Cells[archive.StageInitial][workload.DueOverdue] != 1 || c.Cells[archive.StageInitial][workload.DueToday] != 1 {
		t.Errorf("the reviewer's counts: %+v", c)
	}
	if got := workload.MyStages(archive.Actor{Roles: []string{archive.RoleClerk, archive.RoleApprover}}); !reflect.DeepEqual(got,
		[]string{archive.StageAcceptance, archive.StageCorrection, archive.StageFinal}) {
		t.Errorf("a clerk and approver's stages: %v", got)
	}
	load := workload.OfficeLoad(views, o.svc.Catalogue())
	var got []string
	for _, l := range load {
		got = append(got, l.BusinessType)
	}
	if !reflect.DeepEqual(got, []string{"pension_claim", "unemployment_benefit", "maternity_allowance"}) ||
		load[0].Total != 3 || load[0].TotalOverdue != 1 || load[0].Open[archive.StageInitial] != 2 || load[0].Open[archive.StageSecond] != 1 {
		t.Errorf("office load: %+v", load)
	}

	f, err := o.svc.Office(context.Background(), supervisor, archive.CivilDayOf(at("2026-11-23", 0)), archive.CivilDayOf(o.now))
	if err != nil {
		t.Fatal(err)
	}
	rates := map[string][2]int{}
	for _, r := range f.ByStage {
		rates[r.Stage] = [2]int{r.OnTime, r.Decided}
	}
	wantRates := map[string][2]int{archive.StageAcceptance: {5, 5}, archive.StageInitial: {2, 3}, archive.StageSecond: {1, 1}, archive.StageFinal: {1, 1}}
	if !reflect.DeepEqual(rates, wantRates) {
		t.Errorf("on-time per stage %v, want %v", rates, wantRates)
	}
	var types []string
	for _, r := range f.ByType {
		if r.Stage == archive.StageAcceptance {
			types = append(types, r.BusinessType+":"+strconv.Itoa(r.OnTime)+"/"+strconv.Itoa(r.Decided))
		}
	}
	if !reflect.DeepEqual(types, []string{"pension_claim:4/4", "maternity_allowance:1/1"}) {
		t.Errorf("acceptance per business type: %v", types)
	}
	if r := f.ByStage[1]; r.Percent() != 66 {
		t.Errorf("初审 on time %d%%", r.Percent())
	}
	if len(f.Weeks) != workload.TrendWeeks {
		t.Fatalf("%d weeks", len(f.Weeks))
	}
	last, prev := f.Weeks[len(f.Weeks)-1], f.Weeks[len(f.Weeks)-2]
	if last.Monday != archive.CivilDayOf(at("2026-11-30", 0)) || last.HandedIn != 4 || last.Decided != 1 || last.Late != 0 {
		t.Errorf("this week: %+v", last)
	}
	if prev.HandedIn != 2 || prev.Decided != 0 || prev.Late != 1 {
		t.Errorf("last week: %+v", prev)
	}
	for _, w := range f.Weeks[:len(f.Weeks)-2] {
		if w.HandedIn+w.Decided+w.Late != 0 {
			t.Errorf("an empty week counts: %+v", w)
		}
	}

	// Only the office head reads the office's figures; a period is checked.
	if _, err := o.svc.Office(context.Background(), reviewer, 1, 2); archive.ErrorCode(err) != archive.EFORBIDDEN {
		t.Errorf("a reviewer reads the office's figures: %v", err)
	}
	if _, err := o.svc.Office(context.Background(), supervisor, 20, 10); archive.ErrorCode(err) != archive.EINVALID {
		t.Errorf("a period ending before it starts: %v", err)
	}

	// The milestone log is a projection: rebuilt from the events alone
	// it gives the same figures.
	db2, err := boltdb.Open(filepath.Join(t.TempDir(), "again.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer db2.Close()
	for _, id := range ids {
		evs, err := o.st.DB.Events(context.Background(), id)
		if err != nil {
			t.Fatal(err)
		}
		c, err := archive.Fold(evs)
		if err != nil {
			t.Fatal(err)
		}
		if err := db2.PutCases(context.Background(), c); err != nil {
			t.Fatal(err)
		}
	}
	opts := o.st.Options
	opts.Projection, opts.Now = db2, func() time.Time { return o.now }
	f2, err := service.New(opts).Office(context.Background(), supervisor, f.From, f.To)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(f, f2) {
		t.Errorf("rebuilt figures differ:\n%+v\n%+v", f, f2)
	}
}
