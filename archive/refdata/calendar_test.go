package refdata

import (
	"bytes"
	"dossier/archive"
	"errors"
	"io/fs"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// calDay is midnight of a calendar date in China Standard Time.
func calDay(y int, m time.Month, d int) time.Time {
	return time.Date(y, m, d, 0, 0, 0, 0, archive.Zone)
}

// calSpecSchedule is SPEC §2 transcribed as written: holiday periods as
// inclusive ranges and make-up working days, so that the shipped file is
// checked against the text rather than against itself.
var calSpecSchedule = map[int]struct {
	holidays [][2]time.Time
	workdays []time.Time
	count    int // holiday dates the ranges hold
}{
	2025: {
		holidays: [][2]time.Time{
			{calDay(2025, 1, 1), calDay(2025, 1, 1)},
			{calDay(2025, 1, 28), calDay(2025, 2, 4)},
			{calDay(2025, 4, 4), calDay(2025, 4, 6)},
			{calDay(2025, 5, 1), calDay(2025, 5, 5)},
			{calDay(2025, 5, 31), calDay(2025, 6, 2)},
			{calDay(2025, 10, 1), calDay(2025, 10, 8)},
		},
		workdays: []time.Time{calDay(2025, 1, 26), calDay(2025, 2, 8), calDay(2025, 4, 27), calDay(2025, 9, 28), calDay(2025, 10, 11)},
		count:    1 + 8 + 3 + 5 + 3 + 8,
	},
	2026: {
		holidays: [][2]time.Time{
			{calDay(2026, 1, 1), calDay(2026, 1, 3)},
			{calDay(2026, 2, 15), calDay(2026, 2, 23)},
			{calDay(2026, 4, 4), calDay(2026, 4, 6)},
			{calDay(2026, 5, 1), calDay(2026, 5, 5)},
			{calDay(2026, 6, 19), calDay(2026, 6, 21)},
			{calDay(2026, 9, 25), calDay(2026, 9, 27)},
			{calDay(2026, 10, 1), calDay(2026, 10, 7)},
		},
		workdays: []time.Time{calDay(2026, 1, 4), calDay(2026, 2, 14), calDay(2026, 2, 28), calDay(2026, 5, 9), calDay(2026, 9, 20), calDay(2026, 10, 10)},
		count:    3 + 9 + 3 + 5 + 3 + 3 + 7,
	},
}

func TestDefaultCalendarMatchesSpec(t *testing.T) {
	c := DefaultCalendar()
	if got := c.Years(); len(got) != 2 || got[0] != 2025 || got[1] != 2026 {
		t.Fatalf("Years() = %v, want [2025 2026]", got)
	}
	for year, spec := range calSpecSchedule {
		off := map[time.Time]bool{}
		for _, r := range spec.holidays {
			for d := r[0]; !d.After(r[1]); d = d.AddDate(0, 0, 1) {
				off[d] = true
			}
		}
		if len(off) != spec.count {
			t.Fatalf("%d: SPEC ranges hold %d dates, want %d", year, len(off), spec.count)
		}
		on := map[time.Time]bool{}
		for _, d := range spec.workdays {
			on[d] = true
		}
		// Every day of the year: holiday off, make-up day on, else Mon–Fri.
		for d := calDay(year, 1, 1); d.Year() == year; d = d.AddDate(0, 0, 1) {
			want := d.Weekday() != time.Saturday && d.Weekday() != time.Sunday
			switch {
			case off[d]:
				want = false
			case on[d]:
				want = true
			}
			working, known := c.IsWorkingDay(d)
			if working != want || !known {
				t.Errorf("IsWorkingDay(%s) = %v, %v; want %v, true", d.Format(time.DateOnly), working, known, want)
			}
		}
		// The file lists each holiday date individually, weekend ones too.
		listed := map[bool]int{}
		for _, working := range c.years[year] {
			listed[working]++
		}
		if listed[false] != spec.count || listed[true] != len(spec.workdays) {
			t.Errorf("%d: file lists %d holidays and %d make-up days, want %d and %d", year, listed[false], listed[true], spec.count, len(spec.workdays))
		}
	}
}

func TestCalendarIsWorkingDay(t *testing.T) {
	c := DefaultCalendar()
	tests := []struct {
		day            time.Time
		working, known bool
	}{
		{calDay(2026, 2, 14), true, true},  // Saturday, make-up day
		{calDay(2026, 2, 16), false, true}, // Monday, Spring Festival
		{calDay(2026, 2, 21), false, true}, // Saturday inside the holiday
		{calDay(2026, 3, 2), true, true},   // ordinary Monday
		{calDay(2026, 3, 7), false, true},  // ordinary Saturday
		{calDay(2027, 1, 1), true, false},  // Friday of an unknown year
		{calDay(2027, 1, 2), false, false}, // Saturday of an unknown year
		// 2026-02-13 16:30 UTC is already Saturday 2026-02-14 in Beijing.
		{time.Date(2026, 2, 13, 16, 30, 0, 0, time.UTC), true, true},
		// 2026-02-15 15:59 UTC is still Sunday 2026-02-15 in Beijing.
		{time.Date(2026, 2, 15, 15, 59, 0, 0, time.UTC), false, true},
	}
	for _, tt := range tests {
		working, known := c.IsWorkingDay(tt.day)
		if working != tt.working || known != tt.known {
			t.Errorf("IsWorkingDay(%s) = %v, %v; want %v, %v", tt.day, working, known, tt.working, tt.known)
		}
	}
}

func TestCalendarAddWorkingDays(t *testing.T) {
	c := DefaultCalendar()
	tests := []struct {
		name      string
		start     time.Time
		n         int
		want      time.Time
		estimated bool
	}{
		{"n=0 is the receipt date", calDay(2026, 3, 2), 0, calDay(2026, 3, 2), false},
		{"n=0 on a holiday", calDay(2026, 2, 17), 0, calDay(2026, 2, 17), false},
		{"n=0 in an unknown year", calDay(2027, 1, 1), 0, calDay(2027, 1, 1), false},
		{"ordinary week", calDay(2026, 3, 2), 4, calDay(2026, 3, 6), false},
		{"over a plain weekend", calDay(2026, 3, 6), 1, calDay(2026, 3, 9), false},

		// 2026 Spring Festival: off 15–23 Feb, make-up Sat 14 and Sat 28 Feb.
		{"Fri before make-up Sat", calDay(2026, 2, 13), 1, calDay(2026, 2, 14), false},
		{"across the Spring Festival", calDay(2026, 2, 13), 2, calDay(2026, 2, 24), false},
		{"receipt on make-up Sat", calDay(2026, 2, 14), 1, calDay(2026, 2, 24), false},
		{"receipt inside the holiday", calDay(2026, 2, 18), 1, calDay(2026, 2, 24), false},
		{"Thu before the festival", calDay(2026, 2, 12), 3, calDay(2026, 2, 24), false},
		{"due on make-up Sat 28 Feb", calDay(2026, 2, 24), 4, calDay(2026, 2, 28), false},
		{"Fri before make-up Sat 28 Feb", calDay(2026, 2, 27), 1, calDay(2026, 2, 28), false},
		{"statutory 10 over the festival", calDay(2026, 2, 10), 10, calDay(2026, 3, 2), false},

		// 2026 Mid-Autumn and National Day: off 25–27 Sep and 1–7 Oct,
		// make-up Sun 20 Sep and Sat 10 Oct.
		{"due on make-up Sun 20 Sep", calDay(2026, 9, 18), 1, calDay(2026, 9, 20), false},
		{"over Mid-Autumn", calDay(2026, 9, 24), 1, calDay(2026, 9, 28), false},
		{"into National Day", calDay(2026, 9, 24), 4, calDay(2026, 10, 8), false},
		{"due on make-up Sat 10 Oct", calDay(2026, 9, 24), 6, calDay(2026, 10, 10), false},
		{"last day before National Day", calDay(2026, 9, 30), 1, calDay(2026, 10, 8), false},
		{"statutory 20 over both", calDay(2026, 9, 15), 20, calDay(2026, 10, 19), false},

		// 2025.
		{"2025 due on make-up Sun 26 Jan", calDay(2025, 1, 24), 1, calDay(2025, 1, 26), false},
		{"2025 Mon before the festival", calDay(2025, 1, 24), 2, calDay(2025, 1, 27), false},
		{"2025 across the Spring Festival", calDay(2025, 1, 24), 3, calDay(2025, 2, 5), false},
		{"2025 due on make-up Sat 8 Feb", calDay(2025, 2, 7), 1, calDay(2025, 2, 8), false},
		{"2025 due on make-up Sun 27 Apr", calDay(2025, 4, 25), 1, calDay(2025, 4, 27), false},
		{"2025 across Labour Day", calDay(2025, 4, 30), 1, calDay(2025, 5, 6), false},
		{"2025 across Dragon Boat", calDay(2025, 5, 30), 1, calDay(2025, 6, 3), false},
		{"2025 due on make-up Sun 28 Sep", calDay(2025, 9, 26), 1, calDay(2025, 9, 28), false},
		{"2025 across National Day", calDay(2025, 9, 30), 1, calDay(2025, 10, 9), false},
		{"2025 due on make-up Sat 11 Oct", calDay(2025, 9, 30), 3, calDay(2025, 10, 11), false},

		// Year boundaries and years the file does not list.
		{"into 2026 New Year, make-up Sun 4 Jan", calDay(2025, 12, 31), 1, calDay(2026, 1, 4), false},
		{"whole of 2026", calDay(2025, 12, 31), 248, calDay(2026, 12, 31), false},
		{"whole of 2025", calDay(2024, 12, 31), 248, calDay(2025, 12, 31), false},
		{"end of 2026 stays known", calDay(2026, 12, 30), 1, calDay(2026, 12, 31), false},
		{"into 2027 is estimated", calDay(2026, 12, 30), 3, calDay(2027, 1, 4), true},
		{"whole of 2026 and 2027", calDay(2025, 12, 31), 248 + 261, calDay(2027, 12, 31), true},
		{"2027 alone, Mon–Fri", calDay(2027, 2, 5), 5, calDay(2027, 2, 12), true},
		{"2024 alone, Mon–Fri", calDay(2024, 12, 27), 2, calDay(2024, 12, 31), true},

		// Instants are taken as Beijing calendar dates.
		{"UTC evening is Beijing Saturday", time.Date(2026, 2, 13, 16, 30, 0, 0, time.UTC), 1, calDay(2026, 2, 24), false},
		{"UTC afternoon is Beijing Friday", time.Date(2026, 2, 13, 15, 59, 0, 0, time.UTC), 1, calDay(2026, 2, 14), false},
		{"time of day is dropped", time.Date(2026, 3, 2, 17, 45, 0, 0, archive.Zone), 0, calDay(2026, 3, 2), false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := c.AddWorkingDays(tt.start, tt.n)
			if err != nil {
				t.Fatal(err)
			}
			if !got.Date.Equal(tt.want) || got.Estimated != tt.estimated {
				t.Errorf("AddWorkingDays(%s, %d) = %s, estimated %v; want %s, estimated %v",
					tt.start.Format(time.DateTime), tt.n, got.Date.Format(time.DateOnly), got.Estimated, tt.want.Format(time.DateOnly), tt.estimated)
			}
			if got.Date != got.Date.Truncate(0) || got.Date.Location().String() != "CST" || got.Date.Hour() != 0 || got.Date.Minute() != 0 {
				t.Errorf("due %v is not midnight CST", got.Date)
			}
			if n, est := c.WorkingDaysBetween(tt.start, got.Date); n != tt.n || est != tt.estimated {
				t.Errorf("WorkingDaysBetween(start, due) = %d, %v; want %d, %v", n, est, tt.n, tt.estimated)
			}
		})
	}
}

func TestCalendarAddWorkingDaysRejectsBadCount(t *testing.T) {
	for _, n := range []int{-1, maxWorkingDays + 1} {
		_, err := DefaultCalendar().AddWorkingDays(calDay(2026, 1, 5), n)
		if archive.ErrorCode(err) != archive.EINVALID {
			t.Errorf("AddWorkingDays(n=%d) error = %v, want code %s", n, err, archive.EINVALID)
		}
	}
}

func TestCalendarWorkingDaysBetween(t *testing.T) {
	c := DefaultCalendar()
	tests := []struct {
		name      string
		from, to  time.Time
		n         int
		estimated bool
	}{
		{"same day", calDay(2026, 3, 2), calDay(2026, 3, 2), 0, false},
		{"same day, later hour", calDay(2026, 3, 2), calDay(2026, 3, 2).Add(20 * time.Hour), 0, false},
		{"to before from", calDay(2026, 3, 9), calDay(2026, 3, 2), 0, false},
		{"to before from, unknown year", calDay(2027, 3, 9), calDay(2027, 3, 2), 0, false},
		{"Spring Festival 2026", calDay(2026, 2, 13), calDay(2026, 2, 24), 2, false},
		{"ends on a holiday", calDay(2026, 2, 13), calDay(2026, 2, 20), 1, false},
		{"National Day 2026", calDay(2026, 9, 18), calDay(2026, 10, 10), 11, false},
		{"2025 working days", calDay(2024, 12, 31), calDay(2025, 12, 31), 248, false},
		{"2026 working days", calDay(2025, 12, 31), calDay(2026, 12, 31), 248, false},
		{"into 2027", calDay(2026, 12, 31), calDay(2027, 1, 4), 2, true},
		{"2027 working days", calDay(2026, 12, 31), calDay(2027, 12, 31), 261, true},
		{"from in 2024, span inside 2025", calDay(2024, 12, 31), calDay(2025, 1, 2), 1, false},
		{"Beijing date of a UTC instant", time.Date(2026, 2, 13, 20, 0, 0, 0, time.UTC), calDay(2026, 2, 24), 1, false},
	}
	for _, tt := range tests {
		n, est := c.WorkingDaysBetween(tt.from, tt.to)
		if n != tt.n || est != tt.estimated {
			t.Errorf("%s: WorkingDaysBetween = %d, %v; want %d, %v", tt.name, n, est, tt.n, tt.estimated)
		}
	}
}

// TestCalendarRoundTrip checks AddWorkingDays and WorkingDaysBetween
// against each other and against a day-by-day walk over IsWorkingDay, on
// random dates around the years the calendar lists.
func TestCalendarRoundTrip(t *testing.T) {
	c := DefaultCalendar()
	rng := rand.New(rand.NewPCG(1, 2))
	base := calDay(2024, 6, 1)
	for range 2000 {
		// Random instants, also at odd hours and in another zone.
		from := base.Add(time.Duration(rng.Int64N(int64(4 * 365 * 24 * time.Hour)))).In(time.UTC)
		n := rng.IntN(400)
		due, err := c.AddWorkingDays(from, n)
		if err != nil {
			t.Fatal(err)
		}
		if got, est := c.WorkingDaysBetween(from, due.Date); got != n || est != due.Estimated {
			t.Fatalf("from %s n %d: due %s, but WorkingDaysBetween = %d, %v (due estimated %v)", from, n, due.Date, got, est, due.Estimated)
		}
		if working, _ := c.IsWorkingDay(due.Date); n > 0 && !working {
			t.Fatalf("from %s n %d: due %s is not a working day", from, n, due.Date)
		}

		to := from.Add(time.Duration(rng.Int64N(int64(500 * 24 * time.Hour))))
		k, est := c.WorkingDaysBetween(from, to)
		walked, walkedEst := calWalk(c, from, to)
		if k != walked || est != walkedEst {
			t.Fatalf("WorkingDaysBetween(%s, %s) = %d, %v; walking gives %d, %v", from, to, k, est, walked, walkedEst)
		}
		back, err := c.AddWorkingDays(from, k)
		if err != nil {
			t.Fatal(err)
		}
		// back is the last working day not after to (or from's date).
		if back.Date.After(to) {
			t.Fatalf("AddWorkingDays(%s, %d) = %s, after %s", from, k, back.Date, to)
		}
		if n, _ := calWalk(c, back.Date, to); n != 0 {
			t.Fatalf("AddWorkingDays(%s, %d) = %s, but %d working days follow it up to %s", from, k, back.Date, n, to)
		}
	}
}

// calWalk counts working days in (from, to] one date at a time.
func calWalk(c *Calendar, from, to time.Time) (n int, estimated bool) {
	f, l := from.In(archive.Zone), to.In(archive.Zone)
	d := calDay(f.Year(), f.Month(), f.Day()).AddDate(0, 0, 1)
	end := calDay(l.Year(), l.Month(), l.Day())
	for ; !d.After(end); d = d.AddDate(0, 0, 1) {
		working, known := c.IsWorkingDay(d)
		if working {
			n++
		}
		estimated = estimated || !known
	}
	return n, estimated
}

const calValidYear = `{"year": 2026, "source": "notice", "holidays": ["2026-02-16"], "workdays": ["2026-02-14"]}`

func TestLoadCalendarRejects(t *testing.T) {
	tests := []struct {
		name string
		json string
		want []string // each must appear in the message
	}{
		{"empty", ``, []string{"empty"}},
		{"truncated", `{"years": [`, []string{"truncated"}},
		{"not JSON", `{"years": x}`, []string{"not valid JSON"}},
		{"null", `null`, []string{`"years"`, "no years"}},
		{"no years", `{"years": []}`, []string{`"years"`, "no years"}},
		{"unknown top field", `{"years": [` + calValidYear + `], "extra": 1}`, []string{`"extra"`}},
		{"unknown year field", `{"years": [{"year": 2026, "source": "s", "holiday": []}]}`, []string{`"holiday"`}},
		{"trailing data", `{"years": [` + calValidYear + `]} {}`, []string{"after the JSON"}},
		{"wrong type", `{"years": [{"year": 2026, "source": "s", "holidays": "2026-01-01"}]}`, []string{"holidays"}},
		{"year missing", `{"years": [{"source": "s"}]}`, []string{"#1", `"year"`, "0"}},
		{"five-digit year", `{"years": [{"year": 20260, "source": "s"}]}`, []string{`"year"`, "20260"}},
		{"year twice", `{"years": [` + calValidYear + `, ` + calValidYear + `]}`, []string{"2026", "twice"}},
		{"no source", `{"years": [{"year": 2026, "holidays": []}]}`, []string{"2026", `"source"`}},
		{"impossible date", `{"years": [{"year": 2026, "source": "s", "holidays": ["2026-02-30"]}]}`, []string{"2026", `"holidays"`, "2026-02-30"}},
		{"unpadded date", `{"years": [{"year": 2026, "source": "s", "workdays": ["2026-2-14"]}]}`, []string{"2026", `"workdays"`, "2026-2-14"}},
		{"date with time", `{"years": [{"year": 2026, "source": "s", "holidays": ["2026-02-16T00:00:00Z"]}]}`, []string{`"holidays"`, "2026-02-16T00:00:00Z"}},
		{"date of another year", `{"years": [{"year": 2026, "source": "s", "holidays": ["2025-12-31"]}]}`, []string{"year 2026", `"holidays"`, "2025-12-31", "another year"}},
		{"holiday twice", `{"years": [{"year": 2026, "source": "s", "holidays": ["2026-02-16", "2026-02-16"]}]}`, []string{"2026", `"holidays"`, "2026-02-16", "twice"}},
		{"holiday and workday", `{"years": [{"year": 2026, "source": "s", "holidays": ["2026-02-14"], "workdays": ["2026-02-14"]}]}`, []string{"2026", `"workdays"`, "2026-02-14", "both"}},
		{"make-up day on a weekday", `{"years": [{"year": 2026, "source": "s", "workdays": ["2026-02-16"]}]}`, []string{"2026", `"workdays"`, "2026-02-16", "Monday"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, err := LoadCalendar(strings.NewReader(tt.json))
			if err == nil {
				t.Fatalf("LoadCalendar succeeded with years %v", c.Years())
			}
			if archive.ErrorCode(err) != archive.EINVALID {
				t.Fatalf("code = %s, want %s (%v)", archive.ErrorCode(err), archive.EINVALID, err)
			}
			msg := archive.ErrorMessage(err)
			t.Log(msg)
			for _, w := range tt.want {
				if !strings.Contains(msg, w) {
					t.Errorf("message %q does not mention %q", msg, w)
				}
			}
		})
	}
}

func TestLoadCalendarReaderError(t *testing.T) {
	_, err := LoadCalendar(iotestErrReader{})
	if archive.ErrorCode(err) != archive.EINTERNAL {
		t.Fatalf("error = %v, want code %s", err, archive.EINTERNAL)
	}
}

type iotestErrReader struct{}

func (iotestErrReader) Read([]byte) (int, error) { return 0, errors.New("disk on fire") }

func TestLoadCalendarFile(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "calendar.json")
	// 2026 is replaced by a year without holidays, 2027 is added.
	data := `{"years": [
		{"year": 2026, "source": "test", "holidays": ["2026-03-02"]},
		{"year": 2027, "source": "test", "holidays": ["2027-01-01"], "workdays": ["2027-01-02"]}
	]}`
	if err := os.WriteFile(path, []byte(data), 0o600); err != nil {
		t.Fatal(err)
	}
	c, err := LoadCalendarFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if got := c.Years(); len(got) != 3 || got[0] != 2025 || got[2] != 2027 {
		t.Fatalf("Years() = %v, want [2025 2026 2027]", got)
	}
	tests := []struct {
		day            time.Time
		working, known bool
	}{
		{calDay(2025, 1, 28), false, true}, // built-in 2025 stays
		{calDay(2026, 2, 16), true, true},  // built-in 2026 is gone
		{calDay(2026, 2, 14), false, true},
		{calDay(2026, 3, 2), false, true}, // the file's 2026
		{calDay(2027, 1, 1), false, true},
		{calDay(2027, 1, 2), true, true},
	}
	for _, tt := range tests {
		working, known := c.IsWorkingDay(tt.day)
		if working != tt.working || known != tt.known {
			t.Errorf("IsWorkingDay(%s) = %v, %v; want %v, %v", tt.day.Format(time.DateOnly), working, known, tt.working, tt.known)
		}
	}
	// The built-in calendar is untouched.
	if working, _ := DefaultCalendar().IsWorkingDay(calDay(2026, 2, 16)); working {
		t.Error("LoadCalendarFile changed DefaultCalendar")
	}

	_, err = LoadCalendarFile(filepath.Join(dir, "missing.json"))
	if archive.ErrorCode(err) != archive.EINVALID || !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("missing file: error = %v, want %s wrapping fs.ErrNotExist", err, archive.EINVALID)
	}

	bad := filepath.Join(dir, "bad.json")
	if err := os.WriteFile(bad, []byte(`{"years": [{"year": 2027, "source": "s", "holidays": ["2027-13-01"]}]}`), 0o600); err != nil {
		t.Fatal(err)
	}
	_, err = LoadCalendarFile(bad)
	if msg := archive.ErrorMessage(err); archive.ErrorCode(err) != archive.EINVALID || !strings.Contains(msg, bad) || !strings.Contains(msg, "2027-13-01") {
		t.Errorf("bad file: error = %v, want %s naming the path and the date", err, archive.EINVALID)
	}
}

func FuzzLoadCalendar(f *testing.F) {
	f.Add(calendarData)
	f.Add([]byte(`{"years": [` + calValidYear + `]}`))
	f.Add([]byte(`{"years": [{"year": 9999, "source": "s", "holidays": ["9999-12-31"], "workdays": ["9999-12-25"]}]}`))
	f.Add([]byte(`{"years": [{"year": 1000, "source": "s", "holidays": ["1000-01-01"]}]}`))
	f.Add([]byte(`{"years": [{"year": 2026, "source": "s", "holidays": ["2026-02-30"]}]}`))
	f.Add([]byte(`{"years": null}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		c, err := LoadCalendar(bytes.NewReader(data))
		if err != nil {
			if archive.ErrorCode(err) != archive.EINVALID || archive.ErrorMessage(err) == "" {
				t.Fatalf("error %v: want code %s with a message", err, archive.EINVALID)
			}
			return
		}
		years := c.Years()
		if len(years) == 0 {
			t.Fatal("loaded a calendar without years")
		}
		// Whatever loads must count consistently.
		for _, y := range years {
			from := calDay(y, 1, 1).AddDate(0, 0, -1)
			to := calDay(y, 12, 31)
			n, est := c.WorkingDaysBetween(from, to)
			if est {
				t.Fatalf("year %d is listed but counted as estimated", y)
			}
			due, err := c.AddWorkingDays(from, n)
			if err != nil {
				t.Fatal(err)
			}
			if due.Date.After(to) || due.Estimated {
				t.Fatalf("year %d: %d working days from %s end at %s (estimated %v)", y, n, from, due.Date, due.Estimated)
			}
		}
	})
}
