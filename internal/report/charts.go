package report

import (
	"fmt"
	"math"
	"strings"
	"time"
)

// Chart geometry. The charts are drawn by the HTML template from these values (numbers and
// already-cleaned labels), so every piece of text in an SVG goes through html/template's escaping
// like the rest of the page.

var palette = []string{"#2563eb", "#7c3aed", "#0d9488", "#db2777", "#ea580c", "#0891b2", "#65a30d", "#9333ea", "#b45309", "#475569"}

var severityColors = map[string]string{"High": "#dc2626", "Medium": "#f97316", "Low": "#eab308", "Informational": "#3b82f6"}

type tick struct {
	Pos   float64
	Label string
	Sub   string
}

type point struct {
	X, Y  float64
	Title string
}

type line struct {
	Name   string
	Color  string
	Path   string // complete days
	Dashed string // the last (partial) day
	Points []point
}

type legendItem struct {
	Name  string
	Color string
	X, Y  float64
}

type lineChart struct {
	W, H                       float64
	PlotX, PlotY, PlotW, PlotH float64
	YTicks, XTicks             []tick
	Lines                      []line
	Legend                     []legendItem
	PartialX, PartialW         float64 // the shaded "today so far" band
	Unit                       string
	Empty                      bool
}

// niceStep returns a round step (1, 2, 2.5 or 5 times a power of ten) that divides max into about
// n intervals.
func niceStep(max float64, n int) float64 {
	if max <= 0 {
		return 1
	}
	raw := max / float64(n)
	p := math.Pow(10, math.Floor(math.Log10(raw)))
	for _, m := range []float64{1, 2, 2.5, 5, 10} {
		if m*p >= raw {
			return m * p
		}
	}
	return 10 * p
}

func tickLabel(v, step float64) string {
	switch {
	case step >= 1:
		return fmt.Sprintf("%.0f", v)
	case step >= 0.1:
		return fmt.Sprintf("%.1f", v)
	case step >= 0.01:
		return fmt.Sprintf("%.2f", v)
	}
	return fmt.Sprintf("%.3f", v)
}

// newLineChart lays out the daily series; the last day is drawn dashed over a shaded band, since
// it is not over.
func newLineChart(days []time.Time, series []Series) *lineChart {
	c := &lineChart{W: 560, H: 300, PlotX: 56, PlotY: 16, Unit: "MB/day"}
	legendRows := (len(series) + 2) / 3
	c.PlotW = c.W - c.PlotX - 30
	c.PlotY = 22
	c.PlotH = c.H - c.PlotY - 58 - float64(legendRows)*18
	if len(days) < 2 || len(series) == 0 {
		c.Empty = true
		return c
	}
	max := 0.0
	for _, s := range series {
		for _, v := range s.Values {
			max = math.Max(max, v)
		}
	}
	unit := 1.0
	if max >= 1000 {
		unit, c.Unit = 1000, "GB/day"
	}
	step := niceStep(max/unit, 4)
	top := math.Ceil(max/unit/step) * step
	if top <= 0 {
		top = step
	}
	x := func(i int) float64 { return c.PlotX + c.PlotW*float64(i)/float64(len(days)-1) }
	y := func(v float64) float64 { return c.PlotY + c.PlotH - c.PlotH*(v/unit)/top }
	for v := 0.0; v <= top+step/2; v += step {
		c.YTicks = append(c.YTicks, tick{Pos: y(v * unit), Label: tickLabel(v, step)})
	}
	for i, d := range days {
		label, sub := d.Format("Jan 2"), d.Format("Mon")
		if i == len(days)-1 {
			sub = "today"
		}
		c.XTicks = append(c.XTicks, tick{Pos: x(i), Label: label, Sub: sub})
	}
	c.PartialX = x(len(days) - 2)
	c.PartialW = x(len(days)-1) - c.PartialX
	for k, s := range series {
		l := line{Name: s.Name, Color: palette[k%len(palette)]}
		var b strings.Builder
		for i, v := range s.Values {
			if i == len(s.Values)-1 {
				break
			}
			cmd := "L"
			if i == 0 {
				cmd = "M"
			}
			fmt.Fprintf(&b, "%s%.1f %.1f ", cmd, x(i), y(v))
		}
		l.Path = strings.TrimSpace(b.String())
		n := len(s.Values)
		l.Dashed = fmt.Sprintf("M%.1f %.1f L%.1f %.1f", x(n-2), y(s.Values[n-2]), x(n-1), y(s.Values[n-1]))
		for i, v := range s.Values {
			l.Points = append(l.Points, point{X: x(i), Y: y(v), Title: fmt.Sprintf("%s, %s: %s", s.Name, days[i].Format("Mon Jan 2"), fmtMB(v))})
		}
		c.Lines = append(c.Lines, l)
		c.Legend = append(c.Legend, legendItem{Name: s.Name, Color: l.Color, X: c.PlotX + float64(k%3)*(c.PlotW/3),
			Y: c.PlotY + c.PlotH + 56 + float64(k/3)*18})
	}
	return c
}

type segment struct {
	X, W  float64
	Color string
	Title string
	Label string // the count, when the segment is wide enough
}

type barRow struct {
	Label  string
	Y      float64
	Segs   []segment
	Total  int
	TotalX float64
}

type barChart struct {
	W, H, PlotX, PlotW, BarH float64
	Rows                     []barRow
	XTicks                   []tick
	Legend                   []legendItem
	AxisY                    float64
	Empty                    bool
}

// newBarChart lays out one horizontal stacked bar per tenant, segments by severity.
func newBarChart(rows []TenantIncidents) *barChart {
	const maxRows = 12
	if len(rows) > maxRows {
		rows = rows[:maxRows]
	}
	c := &barChart{W: 560, PlotX: 120, BarH: 20}
	c.PlotW = c.W - c.PlotX - 40
	top := 0
	for _, r := range rows {
		top = max(top, r.Total)
	}
	if top == 0 {
		c.Empty = true
		c.H = 120
		return c
	}
	step := niceStep(float64(top), 4)
	if step < 1 {
		step = 1
	}
	axisMax := math.Ceil(float64(top)/step) * step
	xs := func(n float64) float64 { return c.PlotW * n / axisMax }
	y := 16.0
	for _, r := range rows {
		br := barRow{Label: r.Tenant, Y: y, Total: r.Total}
		at := 0.0
		for _, sev := range Severities {
			n := r.BySeverity[sev]
			if n == 0 {
				continue
			}
			seg := segment{X: c.PlotX + xs(at), W: xs(float64(n)), Color: severityColors[sev], Title: fmt.Sprintf("%s: %d %s", r.Tenant, n, sev)}
			if seg.W >= 18 {
				seg.Label = fmt.Sprint(n)
			}
			br.Segs = append(br.Segs, seg)
			at += float64(n)
		}
		br.TotalX = c.PlotX + xs(at) + 6
		c.Rows = append(c.Rows, br)
		y += c.BarH + 10
	}
	c.AxisY = y
	for v := 0.0; v <= axisMax+step/2; v += step {
		c.XTicks = append(c.XTicks, tick{Pos: c.PlotX + xs(v), Label: fmt.Sprintf("%.0f", v)})
	}
	for k, sev := range Severities {
		c.Legend = append(c.Legend, legendItem{Name: sev, Color: severityColors[sev], X: c.PlotX + float64(k)*(c.PlotW/4), Y: y + 40})
	}
	c.H = y + 56
	return c
}
