package dashboard

import (
	"dossier/archive/workload"
	"fmt"
	"strconv"
	"strings"
	"time"
)

// The charts are inline SVG drawn on the server: no script, and the page
// font (the SVG's text inherits it). Each has a title and a description
// with its figures, named by aria-labelledby, and the page shows the
// same figures in a table.

// bar is one bar of a bar chart: Value long, the first Part of it
// marked (overdue), Text said at its end.
type bar struct {
	Label       string
	Value, Part int
	Text        string
	// Drawn geometry, in the chart's units.
	Y, W, PW, TextX float64
}

// barChart is a horizontal bar chart.
type barChart struct {
	ID, Title, Desc string
	Bars            []bar
	Width, Height   float64
	LabelW          float64
}

// Charts are drawn 420 units wide and shown at most 520 pixels wide
// (app.css), so that their text stays legible on a phone too.
const (
	chartWidth = 420.0
	barLabelW  = 52.0
	barRow     = 28.0
	barTextW   = 112.0
)

// newBarChart lays out bars against scale (0: the largest value).
func newBarChart(id, title string, bars []bar, scale int) barChart {
	top := 0
	var desc []string
	for _, b := range bars {
		top = max(top, b.Value)
		desc = append(desc, b.Label+" "+b.Text)
	}
	if scale == 0 {
		scale = max(top, 1)
	}
	span := chartWidth - barLabelW - barTextW
	for i := range bars {
		b := &bars[i]
		b.Y = float64(i) * barRow
		b.W = span * float64(b.Value) / float64(scale)
		b.PW = span * float64(b.Part) / float64(scale)
		b.TextX = barLabelW + b.W + 6
	}
	return barChart{ID: id, Title: title, Desc: strings.Join(desc, "；"), Bars: bars, Width: chartWidth,
		Height: float64(len(bars)) * barRow, LabelW: barLabelW}
}

// series is one line of the trend chart.
type series struct {
	Name, Class string
	Points      string // the polyline's
	Dots        []point
}

type point struct {
	X, Y  float64
	Value int
}

// tick is a label on an axis: at At along it, drawn at X, Y.
type tick struct {
	At, X, Y float64
	Label    string
}

// lineChart is the weekly trend: handed in, decided, decided late.
type lineChart struct {
	ID, Title, Desc string
	Series          []series
	XTicks, YTicks  []tick
	Width, Height   float64
	Left, Bottom    float64
	Right, Top      float64
}

// newTrendChart draws the weeks, oldest on the left.
func newTrendChart(weeks []workload.Week) lineChart {
	ch := lineChart{ID: "trend", Title: fmt.Sprintf("近 %d 周趋势：新收、办结、逾期决定（件）", len(weeks)),
		Width: chartWidth, Height: 190, Left: 30, Right: chartWidth - 20, Top: 10, Bottom: 160}
	top := 1
	for _, w := range weeks {
		top = max(top, w.HandedIn, w.Decided, w.Late)
	}
	top = niceCeil(top)
	x := func(i int) float64 {
		if len(weeks) < 2 {
			return ch.Left
		}
		return ch.Left + (ch.Right-ch.Left)*float64(i)/float64(len(weeks)-1)
	}
	y := func(v int) float64 { return ch.Bottom - (ch.Bottom-ch.Top)*float64(v)/float64(top) }
	for _, v := range []int{0, top / 2, top} {
		ch.YTicks = append(ch.YTicks, tick{At: y(v), X: ch.Left - 6, Y: y(v), Label: strconv.Itoa(v)})
	}
	for i, w := range weeks {
		if (len(weeks)-1-i)%2 == 0 { // every other week, the current one labelled
			ch.XTicks = append(ch.XTicks, tick{At: x(i), X: x(i), Y: ch.Bottom + 18, Label: w.Monday.Time().Format("1/2")})
		}
	}
	var desc []string
	for _, s := range []struct {
		name, class string
		of          func(workload.Week) int
	}{
		{"新收", "s-in", func(w workload.Week) int { return w.HandedIn }},
		{"办结", "s-done", func(w workload.Week) int { return w.Decided }},
		{"逾期决定", "s-late", func(w workload.Week) int { return w.Late }},
	} {
		sr := series{Name: s.name, Class: s.class}
		var pts, vals []string
		for i, w := range weeks {
			p := point{X: x(i), Y: y(s.of(w)), Value: s.of(w)}
			sr.Dots = append(sr.Dots, p)
			pts = append(pts, fmt.Sprintf("%.1f,%.1f", p.X, p.Y))
			vals = append(vals, strconv.Itoa(p.Value))
		}
		sr.Points = strings.Join(pts, " ")
		ch.Series = append(ch.Series, sr)
		desc = append(desc, s.name+"："+strings.Join(vals, "、"))
	}
	if len(weeks) > 0 {
		desc = append([]string{"自 " + weeks[0].Monday.Time().Format(time.DateOnly) + " 所在周起每周"}, desc...)
	}
	ch.Desc = strings.Join(desc, "；")
	return ch
}

// niceCeil rounds n up to 2, 4 or 10 times a power of ten, so that half
// of it is a whole tick.
func niceCeil(n int) int {
	for p := 1; ; p *= 10 {
		for _, m := range []int{2, 4, 10} {
			if m*p >= n {
				return m * p
			}
		}
	}
}
