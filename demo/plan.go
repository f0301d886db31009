package demo

import (
	"math/rand/v2"
	"time"

	"dossier/archive"
	"dossier/archive/refdata"
)

var beijing = archive.Zone

// stepKind is one thing done to a case.
type stepKind int

const (
	stepUpload     stepKind = iota // the applicant's or clerk's material
	stepAttachment                 // a reviewer's document, cited by the next review
	stepAccept                     // acceptance decision: accept, correct or reject
	stepResubmit
	stepExtend
	stepReview
)

// step is one action on a case after it was filed, and how long after
// the previous action it happens.
type step struct {
	kind     stepKind
	code     string // material
	decision string
	missing  []string
	// days is the gap from the previous step in working days; within the
	// same day it is minutes.
	days, minutes int
	at            time.Time
}

// plan is one case of the data set: who files it, what it asks, what
// happens to it and when.
type plan struct {
	bt        *archive.BusinessType
	outcome   outcome // where the steps lead
	person    person
	owner     string // applicant account that follows it, by login name
	byOwner   bool   // the owner filed it, not a clerk
	summary   string
	created   time.Time
	steps     []step
	archiveAt time.Time // zero: not archived
	hold      bool
	imageID   int // 0: identity card as PDF; 1 PNG scan; 2 JPEG scan
	// filled in while seeding
	id, number string
}

// outcome is what a plan is drawn towards.
type outcome struct {
	status  string // where the case ends up before archiving
	archive bool
}

// planner draws plans; it is deterministic for a seed.
type planner struct {
	r   *rand.Rand
	cal *refdata.Calendar
	now time.Time
}

// materialsOf returns the materials a complete application hands in:
// every mandatory one, some optional ones.
func (pl *planner) materialsOf(bt *archive.BusinessType) []string {
	var codes []string
	for _, m := range bt.Materials {
		if m.Mandatory || pl.r.IntN(10) < 4 {
			codes = append(codes, m.Code)
		}
	}
	return codes
}

// steps lists what happens to a case of type bt to reach o, with gaps.
// compact keeps the gaps short, for cases still running that must not
// look late.
func (pl *planner) steps(bt *archive.BusinessType, o outcome, compact bool) []step {
	r := pl.r
	wd := func(lo, hi int) int {
		if compact {
			hi = min(hi, 1)
			lo = min(lo, hi)
		}
		return lo + r.IntN(hi-lo+1)
	}
	codes := pl.materialsOf(bt)
	correction := o.status != archive.StatusSubmitted && r.IntN(100) < 15 || o.status == archive.StatusCorrectionRequested
	var missing string
	var out []step
	for _, c := range codes {
		m, _ := bt.Material(c)
		if correction && missing == "" && m.Mandatory && c != "id_card" {
			missing = c
			continue
		}
		out = append(out, step{kind: stepUpload, code: c, minutes: 1 + r.IntN(4)})
	}
	if o.status == archive.StatusSubmitted {
		return out
	}
	if r.IntN(100) < 5 && !compact {
		out = append(out, step{kind: stepExtend, days: 1 + r.IntN(2)})
	}
	if correction {
		out = append(out, step{kind: stepAccept, decision: archive.DecisionCorrect, missing: []string{missing}, days: wd(0, 2)})
		if o.status == archive.StatusCorrectionRequested {
			return out
		}
		out = append(out, step{kind: stepUpload, code: missing, days: wd(1, 4)},
			step{kind: stepResubmit, minutes: 2 + r.IntN(5)})
	}
	if o.status == archive.StatusNotAccepted {
		return append(out, step{kind: stepAccept, decision: archive.DecisionReject, days: wd(0, 2)})
	}
	out = append(out, step{kind: stepAccept, decision: archive.DecisionAccept, days: wd(0, 2)})
	// The reviews up to the outcome; a denial falls at some stage.
	reviews := map[string]int{archive.StatusInitialReview: 0, archive.StatusSecondReview: 1, archive.StatusFinalReview: 2,
		archive.StatusApproved: 3, archive.StatusDenied: 1 + r.IntN(3)}[o.status]
	gaps := [][2]int{{0, 1}, {0, 2}, {1, 4}}
	for i := 0; i < reviews; i++ {
		decision := archive.DecisionApprove
		if o.status == archive.StatusDenied && i == reviews-1 {
			decision = archive.DecisionReject
		}
		if bt.Code == "injury_determination" && i == 0 && r.IntN(2) == 0 {
			out = append(out, step{kind: stepAttachment, days: wd(0, 1)})
			out = append(out, step{kind: stepReview, decision: decision, minutes: 10 + r.IntN(60)})
		} else {
			out = append(out, step{kind: stepReview, decision: decision, days: wd(gaps[i][0], gaps[i][1])})
		}
		// Now and then a supervisor sends the case back for another look.
		if i == 1 && decision == archive.DecisionApprove && !compact && r.IntN(100) < 10 {
			out = append(out[:len(out)-1], step{kind: stepReview, decision: archive.DecisionReturn, days: wd(0, 2)},
				step{kind: stepReview, decision: archive.DecisionApprove, days: wd(0, 1)},
				step{kind: stepReview, decision: archive.DecisionApprove, days: wd(0, 2)})
		}
	}
	// A few closed cases were decided late, as in any office.
	if !compact && r.IntN(100) < 6 && len(out) > 0 {
		out[len(out)-1].days += 8
	}
	return out
}

// officeTime is a random moment of the office day of d.
func (pl *planner) officeTime(d time.Time) time.Time {
	y, m, day := d.In(beijing).Date()
	return time.Date(y, m, day, 9, 0, 0, 0, beijing).Add(time.Duration(pl.r.IntN(8*60)) * time.Minute)
}

// prevWorkingDay is the working day n working days before t's date.
func (pl *planner) prevWorkingDay(t time.Time, n int) time.Time {
	d := t.In(beijing)
	for n > 0 {
		d = d.AddDate(0, 0, -1)
		if w, _ := pl.cal.IsWorkingDay(d); w {
			n--
		}
	}
	return d
}

// workdayFrom is the first working day on or after d.
func (pl *planner) workdayFrom(d time.Time) time.Time {
	for {
		if w, _ := pl.cal.IsWorkingDay(d); w {
			return d
		}
		d = d.AddDate(0, 0, 1)
	}
}

// lastOfficeMoment is the latest office-hours moment before now on a
// working day.
func (pl *planner) lastOfficeMoment() time.Time {
	t := pl.now.In(beijing)
	y, m, d := t.Date()
	open, closeAt := time.Date(y, m, d, 9, 0, 0, 0, beijing), time.Date(y, m, d, 17, 30, 0, 0, beijing)
	if w, _ := pl.cal.IsWorkingDay(t); w && t.After(open.Add(30*time.Minute)) {
		if t.After(closeAt) {
			t = closeAt
		}
		return t.Add(-time.Duration(1+pl.r.IntN(20)) * time.Minute)
	}
	prev := pl.prevWorkingDay(t, 1)
	y, m, d = prev.Date()
	return time.Date(y, m, d, 16, 0, 0, 0, beijing).Add(time.Duration(pl.r.IntN(80)) * time.Minute)
}

// schedule gives the steps times, backwards from end for the last step;
// created is the filing time.
func (pl *planner) schedule(p *plan, end time.Time) {
	t := end
	for i := len(p.steps) - 1; i >= 0; i-- {
		s := &p.steps[i]
		s.at = t
		t = pl.before(t, s.days, s.minutes)
	}
	p.created = t
}

// before is the moment days working days (or, when days is 0, minutes
// minutes) before t, in office hours.
func (pl *planner) before(t time.Time, days, minutes int) time.Time {
	if days == 0 {
		if minutes == 0 {
			minutes = 5 + pl.r.IntN(120)
		}
		u := t.Add(-time.Duration(minutes) * time.Minute)
		y, m, d := t.In(beijing).Date()
		if !u.Before(time.Date(y, m, d, 8, 30, 0, 0, beijing)) {
			return u
		}
		days = 1
	}
	d := pl.prevWorkingDay(t, days)
	y, m, dd := d.Date()
	u := time.Date(y, m, dd, 9, 0, 0, 0, beijing).Add(time.Duration(pl.r.IntN(8*60)) * time.Minute)
	return u
}
