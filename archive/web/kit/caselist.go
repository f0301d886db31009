package kit

import (
	"cmp"
	"dossier/archive"
	"strconv"
	"strings"
	"time"
)

// Lists of cases (worklist sections, the cases waiting to be archived)
// share their columns, their filters and the "caselist" template
// (templates/_list.html), with its bulk actions.

// CaseSorts are the columns a list of cases sorts by.
var CaseSorts = []string{"number", "business", "applicant", "status", "deadline", "case_deadline", "decided"}

// CaseFilters are the filters of a list of cases: business type, stage,
// year filed (YYYY), overdue ("1" only overdue, "0" only not), and due
// (YYYY-MM-DD: the stage deadline, else the case's, on or before).
var CaseFilters = []string{"business_type", "stage", "year", "overdue", "due"}

// dueDate is the date a case is due by: its stage deadline, else its
// case deadline; "" when it has neither.
func dueDate(v *archive.CaseView) string {
	if v.Deadline != nil {
		return v.Deadline.Date
	}
	if v.CaseDeadline != nil {
		return v.CaseDeadline.Date
	}
	return ""
}

func deadlineDate(d *archive.Deadline) string {
	if d == nil {
		return ""
	}
	return d.Date
}

// lastEmpty compares two texts, an empty one after any other (in an
// ascending sort; a descending sort shows them first).
func lastEmpty(a, b string) int {
	switch {
	case a == b:
		return 0
	case a == "":
		return 1
	case b == "":
		return -1
	}
	return strings.Compare(a, b)
}

var caseOrder = map[string]func(a, b *archive.CaseView) int{
	"number":   func(a, b *archive.CaseView) int { return cmp.Compare(a.Number, b.Number) },
	"business": func(a, b *archive.CaseView) int { return cmp.Compare(a.BusinessName, b.BusinessName) },
	"applicant": func(a, b *archive.CaseView) int {
		return cmp.Compare(a.Applicant.Name, b.Applicant.Name)
	},
	"status": func(a, b *archive.CaseView) int {
		return cmp.Compare(archive.StageOf(a.Status)+a.Status, archive.StageOf(b.Status)+b.Status)
	},
	"deadline": func(a, b *archive.CaseView) int { return lastEmpty(deadlineDate(a.Deadline), deadlineDate(b.Deadline)) },
	"case_deadline": func(a, b *archive.CaseView) int {
		return lastEmpty(deadlineDate(a.CaseDeadline), deadlineDate(b.CaseDeadline))
	},
	"decided": func(a, b *archive.CaseView) int {
		return lastEmpty(whenDate(a.DecidedAt), whenDate(b.DecidedAt))
	},
}

// whenDate is t as text that sorts in time order; "" for none.
func whenDate(t *time.Time) string {
	if t == nil || t.IsZero() {
		return ""
	}
	return t.UTC().Format("2006-01-02T15:04:05.000000000")
}

// SortCases sorts cases by the list's column; with none, it puts the
// most urgent first: overdue cases, then the earliest deadline (the
// stage's, else the case's), then the oldest case.
func SortCases(l *List, cs []*archive.CaseView) {
	if l.Sort != "" {
		SortRows(l, cs, caseOrder)
		return
	}
	SortRows(&List{Sort: "urgency"}, cs, map[string]func(a, b *archive.CaseView) int{"urgency": func(x, y *archive.CaseView) int {
		if x.Overdue != y.Overdue {
			if x.Overdue {
				return -1
			}
			return 1
		}
		if d := lastEmpty(dueDate(x), dueDate(y)); d != 0 {
			return d
		}
		return x.CreatedAt.Compare(y.CreatedAt)
	}})
}

// CaseFilter is the part of the list's filters the Service applies
// (business type, stage, overdue).
func (l *List) CaseFilter() archive.CaseFilter {
	f := archive.CaseFilter{BusinessType: l.Filter("business_type"), Stage: l.Filter("stage")}
	switch l.Filter("overdue") {
	case "1":
		yes := true
		f.Overdue = &yes
	case "0":
		no := false
		f.Overdue = &no
	}
	return f
}

// Narrow merges the list's Service filters into f, a list's own filter:
// where f sets a field, f's value wins (a worklist section of decided
// cases stays one).
func (l *List) Narrow(f archive.CaseFilter) archive.CaseFilter {
	g := l.CaseFilter()
	if f.Status == "" {
		f.Status = g.Status
	}
	if f.Stage == "" {
		f.Stage = g.Stage
	}
	if f.BusinessType == "" {
		f.BusinessType = g.BusinessType
	}
	if f.Overdue == nil {
		f.Overdue = g.Overdue
	}
	return f
}

// FilterCases keeps the cases that match the filters the Service does
// not apply: the year filed and the due date. A year or date that is not
// one is an EINVALID error that says what to type.
func FilterCases(l *List, cs []*archive.CaseView) ([]*archive.CaseView, error) {
	year, due := l.Filter("year"), l.Filter("due")
	if year != "" {
		if n, err := strconv.Atoi(year); err != nil || n < 1900 || n > 9999 {
			return nil, archive.Errorf(archive.EINVALID, "year: a four-digit year")
		}
	}
	if due != "" {
		if _, err := time.Parse("2006-01-02", due); err != nil {
			return nil, archive.Errorf(archive.EINVALID, "due: a date as YYYY-MM-DD")
		}
	}
	if year == "" && due == "" {
		return cs, nil
	}
	out := cs[:0:0]
	for _, v := range cs {
		if year != "" && strconv.Itoa(v.CreatedAt.In(archive.Zone).Year()) != year {
			continue
		}
		if d := dueDate(v); due != "" && (d == "" || d > due) {
			continue
		}
		out = append(out, v)
	}
	return out, nil
}
