package archive

import "time"

// Calendar counts working days for deadlines; refdata.Calendar
// implements it with the official working-day calendar.
type Calendar interface {
	// AddWorkingDays returns the deadline n working days after receipt
	// at start: the receipt day itself does not count, and n = 0 gives
	// the receipt date. A negative or huge n returns an *Error with Code
	// EINVALID.
	AddWorkingDays(start time.Time, n int) (Due, error)
}

// Due is a deadline. Estimated reports that some year between receipt and
// the deadline is missing from the calendar, so Monday–Friday stood in for
// the official schedule and the date may move once that year is published.
type Due struct {
	Date      time.Time `json:"date"`
	Estimated bool      `json:"estimated"`
}

// CivilDay is a calendar date as days since 1970-01-01, so that dates
// compare, step and subtract as integers.
type CivilDay int64

// CivilDayOf returns the calendar date of t in China Standard Time.
func CivilDayOf(t time.Time) CivilDay {
	y, m, d := t.In(Zone).Date()
	return CivilDay(time.Date(y, m, d, 0, 0, 0, 0, time.UTC).Unix() / 86400)
}

// Time returns midnight of d in China Standard Time.
func (d CivilDay) Time() time.Time {
	y, m, dd := time.Unix(int64(d)*86400, 0).UTC().Date()
	return time.Date(y, m, dd, 0, 0, 0, 0, Zone)
}
