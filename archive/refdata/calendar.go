package refdata

import (
	"bytes"
	"dossier/archive"
	_ "embed"
	"encoding/json"
	"errors"
	"io"
	"maps"
	"os"
	"slices"
	"strings"
	"sync"
	"time"
)

// maxWorkingDays bounds AddWorkingDays: statutory limits are tens of days,
// so a larger count is an input error, and the search walks day by day.
const maxWorkingDays = 100000

//go:embed calendar_data.json
var calendarData []byte

// Calendar is the official working-day calendar: weekends off, public
// holidays off and make-up working days (调休) on, as the State Council
// General Office publishes them year by year. Years it does not list fall
// back to Monday–Friday. A Calendar is immutable and safe for concurrent use.
type Calendar struct {
	years map[int]calendarYear
}

// calendarYear holds the dates a year's notice lists: true for a make-up
// working day, false for a holiday. Unlisted dates follow Monday–Friday.
type calendarYear map[archive.CivilDay]bool

// calendarFile is the JSON shape documented at LoadCalendar.
type calendarFile struct {
	Years []calendarFileYear `json:"years"`
}

type calendarFileYear struct {
	Year     int      `json:"year"`
	Source   string   `json:"source"`
	Holidays []string `json:"holidays"`
	Workdays []string `json:"workdays"`
}

// LoadCalendar reads a calendar from JSON of this shape:
//
//	{"years": [
//	  {"year": 2026,
//	   "source": "国务院办公厅关于2026年部分节假日安排的通知",
//	   "holidays": ["2026-01-01", "2026-01-02", …],
//	   "workdays": ["2026-01-04", …]}
//	]}
//
// Each year lists every day off individually (weekend days inside a holiday
// period may be listed or not) and every make-up working day, which must fall
// on a Saturday or Sunday. source is required: it names the notice the
// dates were taken from, so that a reader can check them.
//
// The whole file is checked before anything is used. Malformed JSON, unknown
// fields, a missing or repeated year, an empty source, a date that is not
// YYYY-MM-DD, lies in another year, is listed twice, is both holiday and
// working day, or is a make-up working day on a weekday return an *Error with Code EINVALID whose message names the
// year, field and date at fault. An error from r itself is returned as
// EINTERNAL.
func LoadCalendar(r io.Reader) (*Calendar, error) {
	var f calendarFile
	if err := decodeDataJSON(r, &f, "calendar"); err != nil {
		return nil, err
	}
	if len(f.Years) == 0 {
		return nil, archive.Errorf(archive.EINVALID, `calendar: field "years": no years listed`)
	}
	c := &Calendar{years: make(map[int]calendarYear, len(f.Years))}
	for i, fy := range f.Years {
		if fy.Year < 1000 || fy.Year > 9999 {
			return nil, archive.Errorf(archive.EINVALID, `calendar entry #%d: field "year": %d is not a four-digit year`, i+1, fy.Year)
		}
		if _, dup := c.years[fy.Year]; dup {
			return nil, archive.Errorf(archive.EINVALID, `calendar year %d: listed twice`, fy.Year)
		}
		y, err := fy.parse()
		if err != nil {
			return nil, err
		}
		c.years[fy.Year] = y
	}
	return c, nil
}

func (fy calendarFileYear) parse() (calendarYear, error) {
	if strings.TrimSpace(fy.Source) == "" {
		return nil, archive.Errorf(archive.EINVALID, `calendar year %d: field "source": empty; name the notice the dates come from`, fy.Year)
	}
	y := make(calendarYear, len(fy.Holidays)+len(fy.Workdays))
	add := func(field, s string, working bool) error {
		t, err := time.ParseInLocation(time.DateOnly, s, archive.Zone)
		if err != nil || t.Format(time.DateOnly) != s {
			return archive.Errorf(archive.EINVALID, `calendar year %d: field %q: %q is not a date in YYYY-MM-DD form`, fy.Year, field, s)
		}
		if t.Year() != fy.Year {
			return archive.Errorf(archive.EINVALID, `calendar year %d: field %q: %s lies in another year`, fy.Year, field, s)
		}
		d := archive.CivilDayOf(t)
		if prev, seen := y[d]; seen {
			if prev == working {
				return archive.Errorf(archive.EINVALID, `calendar year %d: field %q: %s is listed twice`, fy.Year, field, s)
			}
			return archive.Errorf(archive.EINVALID, `calendar year %d: field %q: %s is listed both as holiday and as working day`, fy.Year, field, s)
		}
		// A make-up day on a weekday would change nothing, so it can only
		// be a typo for some other date.
		if working && isWeekday(d) {
			return archive.Errorf(archive.EINVALID, `calendar year %d: field %q: %s is a %s; make-up working days fall on weekends`, fy.Year, field, s, t.Weekday())
		}
		y[d] = working
		return nil
	}
	for _, s := range fy.Holidays {
		if err := add("holidays", s, false); err != nil {
			return nil, err
		}
	}
	for _, s := range fy.Workdays {
		if err := add("workdays", s, true); err != nil {
			return nil, err
		}
	}
	return y, nil
}

var defaultCalendar = sync.OnceValue(func() *Calendar {
	c, err := LoadCalendar(bytes.NewReader(calendarData))
	if err != nil {
		panic("refdata: embedded calendar_data.json: " + err.Error())
	}
	return c
})

// DefaultCalendar returns the calendar built into the binary (2025 and
// 2026). It cannot fail: the embedded file is checked by the tests.
func DefaultCalendar() *Calendar { return defaultCalendar() }

// LoadCalendarFile reads the calendar file at path (DOSSIER_CALENDAR) and
// lays it over the built-in calendar: a year in the file replaces that year
// entirely, other built-in years stay. So an office adds next year's notice,
// or corrects one, without a rebuild.
//
// A file that cannot be opened or read returns an *Error with Code EINVALID
// wrapping the os error (errors.Is(err, fs.ErrNotExist) works); a file with
// bad content returns LoadCalendar's EINVALID error, prefixed with the path.
func LoadCalendarFile(path string) (*Calendar, error) {
	f, err := loadDataFile(path, "calendar", LoadCalendar)
	if err != nil {
		return nil, err
	}
	c := &Calendar{years: maps.Clone(DefaultCalendar().years)}
	maps.Copy(c.years, f.years)
	return c, nil
}

// Years returns the years the calendar lists, ascending; all other years
// fall back to Monday–Friday.
func (c *Calendar) Years() []int {
	ys := make([]int, 0, len(c.years))
	for y := range c.years {
		ys = append(ys, y)
	}
	slices.Sort(ys)
	return ys
}

// IsWorkingDay reports whether the calendar date of d in China Standard Time
// is a working day. known is false when that year is not in the calendar, in
// which case working follows Monday–Friday.
func (c *Calendar) IsWorkingDay(d time.Time) (working, known bool) {
	return c.isWorking(archive.CivilDayOf(d))
}

func (c *Calendar) isWorking(d archive.CivilDay) (working, known bool) {
	y, ok := c.years[yearOf(d)]
	if !ok {
		return isWeekday(d), false
	}
	if w, listed := y[d]; listed {
		return w, true
	}
	return isWeekday(d), true
}

// AddWorkingDays returns the deadline n working days after receipt at
// start: the receipt day itself does not count, the due date is the n-th
// working day after it, and n = 0 gives the receipt date. start may be in
// any zone; the result is midnight of the due date in China Standard Time.
// Due.Estimated is set when any year after the receipt date up to the due
// date is missing from the calendar.
//
// A negative n, or one above 100000, returns an *Error with Code EINVALID.
func (c *Calendar) AddWorkingDays(start time.Time, n int) (archive.Due, error) {
	if n < 0 || n > maxWorkingDays {
		return archive.Due{}, archive.Errorf(archive.EINVALID, "working days: %d is not between 0 and %d", n, maxWorkingDays)
	}
	d := archive.CivilDayOf(start)
	estimated := false
	for n > 0 {
		d++
		working, known := c.isWorking(d)
		estimated = estimated || !known
		if working {
			n--
		}
	}
	return archive.Due{Date: d.Time(), Estimated: estimated}, nil
}

// WorkingDaysBetween counts the working days after the calendar date of from
// up to and including that of to (China Standard Time); it is 0 when to is
// not after from. It is the inverse of AddWorkingDays: adding the count to
// from lands on the last working day not after to. estimated is set when a
// year in that span is missing from the calendar.
func (c *Calendar) WorkingDaysBetween(from, to time.Time) (n int, estimated bool) {
	a, b := archive.CivilDayOf(from), archive.CivilDayOf(to)
	if b <= a {
		return 0, false
	}
	// Count Monday–Friday arithmetically, then correct by the listed dates
	// of the known years, so that long spans cost no day-by-day walk.
	n = int(weekdaysBefore(b+1) - weekdaysBefore(a+1))
	first, last := yearOf(a+1), yearOf(b)
	known := 0
	for y, days := range c.years {
		if y < first || y > last {
			continue
		}
		known++
		for d, working := range days {
			if d <= a || d > b || working == isWeekday(d) {
				continue
			}
			if working {
				n++
			} else {
				n--
			}
		}
	}
	return n, known < last-first+1
}

// yearOf returns the year of d.
func yearOf(d archive.CivilDay) int { return time.Unix(int64(d)*86400, 0).UTC().Year() }

// isWeekday reports Monday–Friday. Shifting by 3 makes Monday 0 and
// Sunday 6, since 1970-01-01 was a Thursday.
func isWeekday(d archive.CivilDay) bool { return floorMod(int64(d)+3, 7) < 5 }

// weekdaysBefore counts the Mondays–Fridays before d, from a fixed origin
// (Monday 1969-12-29); only differences of it are meaningful.
func weekdaysBefore(d archive.CivilDay) int64 {
	k := int64(d) + 3
	return 5*floorDiv(k, 7) + min(floorMod(k, 7), 5)
}

func floorDiv(a, b int64) int64 {
	q := a / b
	if a%b != 0 && a < 0 {
		q--
	}
	return q
}

func floorMod(a, b int64) int64 { return a - b*floorDiv(a, b) }

// decodeDataJSON decodes the one JSON value in r into v for the data files
// (calendar, catalogue): unknown fields and trailing data are rejected, and
// JSON errors become EINVALID messages that name the file kind (what) and,
// where the decoder knows it, the field.
func decodeDataJSON(r io.Reader, v any, what string) error {
	dec := json.NewDecoder(r)
	dec.DisallowUnknownFields()
	err := dec.Decode(v)
	if err == nil {
		if _, err = dec.Token(); err == io.EOF {
			return nil
		}
		if err == nil {
			return archive.Errorf(archive.EINVALID, "%s: unexpected data after the JSON object", what)
		}
	}
	var (
		syntax *json.SyntaxError
		typ    *json.UnmarshalTypeError
	)
	switch {
	case errors.As(err, &syntax):
		return archive.Errorf(archive.EINVALID, "%s: not valid JSON at byte %d: %v", what, syntax.Offset, err)
	case errors.As(err, &typ):
		return archive.Errorf(archive.EINVALID, "%s: field %q: wrong type (JSON %s)", what, typ.Field, typ.Value)
	case err == io.EOF:
		return archive.Errorf(archive.EINVALID, "%s: empty file", what)
	case errors.Is(err, io.ErrUnexpectedEOF):
		return archive.Errorf(archive.EINVALID, "%s: truncated JSON", what)
	case strings.HasPrefix(err.Error(), "json: "):
		// Unknown fields and the like have no error type of their own.
		return archive.Errorf(archive.EINVALID, "%s: %s", what, strings.TrimPrefix(err.Error(), "json: "))
	}
	return &archive.Error{Code: archive.EINTERNAL, Op: "read " + what, Err: err}
}

// loadDataFile opens path and parses it with load, so that every data
// file reports an unreadable path and bad content the same way.
func loadDataFile[T any](path, what string, load func(io.Reader) (T, error)) (T, error) {
	var zero T
	f, err := os.Open(path)
	if err != nil {
		return zero, archive.Wrapf("", archive.EINVALID, err, "%s file %q cannot be opened", what, path)
	}
	defer f.Close()
	v, err := load(f)
	if err != nil {
		var e *archive.Error
		if errors.As(err, &e) && e.Code == archive.EINVALID {
			return zero, archive.Errorf(archive.EINVALID, "%s file %q: %s", what, path, e)
		}
		return zero, archive.Wrapf("", archive.EINVALID, err, "%s file %q cannot be read", what, path)
	}
	return v, nil
}
