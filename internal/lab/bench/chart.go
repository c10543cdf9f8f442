package bench

import (
	"bytes"
	"fmt"
	"strconv"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/plotutil"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
)

// Chart draws wall time over the ideal, per scenario (groups) and tool
// (bars), in format (svg, png, pdf: gonum's formats). Each bar is labelled
// with its ratio and wall time; a run that did not complete has no bar but
// the word "failed". The dashed line is the ideal.
func Chart(rep Report, format string) ([]byte, error) {
	var names []string
	index := map[string]int{}
	for _, r := range rep.Rows {
		if _, ok := index[r.Scenario]; !ok {
			index[r.Scenario] = len(names)
			names = append(names, r.Scenario)
		}
	}
	if len(names) == 0 {
		return nil, fmt.Errorf("no results to chart")
	}
	p := plot.New()
	p.Title.Text = fmt.Sprintf("wall time / ideal, suite %s (1 = ideal, lower is better; labels: ratio, wall time)", rep.Suite.Name)
	p.Y.Label.Text = "wall / ideal"
	p.Y.Min = 0
	p.NominalX(names...)
	p.Legend.Top, p.Legend.Left = true, true

	top := 1.0
	for _, r := range rep.Rows {
		if r.Completed {
			top = max(top, r.Ratio)
		}
	}
	// Room above the bars for their labels and the legend; half a group of
	// room on each side for the bars' offsets.
	p.Y.Max = top * 1.3
	p.Y.Tick.Marker = ratioTicks{}
	p.X.Min, p.X.Max = -0.5, float64(len(names))-0.5
	width := vg.Points(16)
	for t, tool := range Tools {
		values := make(plotter.Values, len(names))
		var marks plotter.XYLabels
		for _, r := range rep.Rows {
			if r.Tool != tool {
				continue
			}
			i := index[r.Scenario]
			label := fmt.Sprintf("failed\n%.1fs", r.WallSeconds)
			if r.Completed {
				values[i], label = r.Ratio, fmt.Sprintf("%.2f\n%.1fs", r.Ratio, r.WallSeconds)
			}
			marks.XYs = append(marks.XYs, plotter.XY{X: float64(i), Y: values[i]})
			marks.Labels = append(marks.Labels, label)
		}
		bars, err := plotter.NewBarChart(values, width)
		if err != nil {
			return nil, fmt.Errorf("charting %s: %w", tool, err)
		}
		offset := width * vg.Length(t-(len(Tools)-1)/2)
		bars.Offset, bars.Color, bars.LineStyle.Width = offset, plotutil.Color(t), 0
		p.Add(bars)
		p.Legend.Add(string(tool), bars)
		if len(marks.Labels) > 0 {
			labels, err := plotter.NewLabels(marks)
			if err != nil {
				return nil, fmt.Errorf("labelling %s: %w", tool, err)
			}
			for i := range labels.TextStyle {
				labels.TextStyle[i].Font.Size = vg.Points(6)
				labels.TextStyle[i].XAlign = draw.XCenter
			}
			labels.Offset = vg.Point{X: offset, Y: vg.Points(2)}
			p.Add(labels)
		}
	}
	ideal := plotter.NewFunction(func(float64) float64 { return 1 })
	ideal.Dashes = []vg.Length{vg.Points(4), vg.Points(3)}
	p.Add(ideal)
	p.Legend.Add("ideal", ideal)

	w, err := p.WriterTo(vg.Points(float64(120*len(names)+120)), vg.Points(320), format)
	if err != nil {
		return nil, fmt.Errorf("drawing the chart: %w", err)
	}
	var buf bytes.Buffer
	if _, err := w.WriteTo(&buf); err != nil {
		return nil, fmt.Errorf("drawing the chart: %w", err)
	}
	return buf.Bytes(), nil
}

// ratioTicks labels the ratio axis every quarter, half or whole step,
// whichever gives at most about ten labels.
type ratioTicks struct{}

func (ratioTicks) Ticks(lo, hi float64) []plot.Tick {
	step := 0.25
	for (hi-lo)/step > 10 {
		step *= 2
	}
	var ticks []plot.Tick
	for v := 0.0; v <= hi; v += step {
		if v >= lo {
			ticks = append(ticks, plot.Tick{Value: v, Label: strconv.FormatFloat(v, 'f', -1, 64)})
		}
	}
	return ticks
}
