//! Draws one time-series chart on a canvas: axes with units, the lines (gaps
//! where a bucket has no data), and labelled vertical markers for faults and
//! toggles.
//!
//! Drawn with the canvas's own 2D context, in the layout the charts had when
//! plotters drew them (the same margins, label areas, tick choice and styles):
//! plotters' generic drawing layers cost the page's wasm about 14 KB gzipped
//! for the handful of shapes a chart needs.
//!
//! The canvas backing store is sized by the caller to CSS size × devicePixelRatio;
//! everything here is in device pixels, so sizes are multiplied by `dpr`.

use std::f64::consts::PI;

use wasm_bindgen::JsCast;
use web_sys::{CanvasRenderingContext2d, HtmlCanvasElement};

use super::format;
use super::theme::{Rgb, Theme};
use crate::sim::kernel::decimal::clamp;

/// A vertical line on a chart.
#[derive(Clone, Debug, PartialEq)]
pub struct Marker {
    pub at_s: f64,
    pub label: String,
    /// On the fault timeline but not yet happened (drawn dashed).
    pub planned: bool,
}

/// What one chart shows.
pub struct Plot<'a> {
    pub unit: &'a str,
    /// Per line: (bucket index, value); NaN is a bucket without data.
    pub lines: &'a [Vec<(u64, f64)>],
    pub bucket_s: f64,
    /// Visible time range, simulated seconds.
    pub x_range: (f64, f64),
    pub markers: &'a [Marker],
    /// Shown in the middle when there is nothing to draw yet.
    pub hint: Option<&'a str>,
    /// Per line: `Some(states)` draws it as a band of state colours (see
    /// [`state_colour`]) instead of a line.
    pub bands: &'a [Option<&'a [(i32, &'a str)]>],
    /// Per line: its colour (an index into the theme's line colours) and
    /// whether it is dashed.
    pub styles: &'a [(usize, bool)],
    /// Per line: its label (a band writes it at its start).
    pub labels: &'a [&'a str],
    /// Lines from this index on are B's while comparing (A/B): drawn dotted,
    /// in their A line's colour.
    pub b_from: usize,
}

/// The colour of the `k`-th named state of a band: the first (quiet) state a
/// pale green, later ones amber, a dark vermillion, sky blue (Okabe–Ito
/// hues, far apart in lightness too).
pub fn state_colour(k: usize, _theme: &Theme) -> Rgb {
    match k {
        0 => Rgb(0x8c, 0xd1, 0xb8),
        1 => Rgb(0xe6, 0x9f, 0x00),
        // Darker than amber, not only redder: a deuteranope or protanope
        // tells them apart by lightness.
        2 => Rgb(0xa6, 0x3c, 0x00),
        _ => Rgb(0x56, 0xb4, 0xe9),
    }
}

/// Dark or light text, whichever reads on `c`.
fn ink_on(c: Rgb) -> Rgb {
    let luma = 0.299 * c.0 as f64 + 0.587 * c.1 as f64 + 0.114 * c.2 as f64;
    if luma > 140.0 {
        Rgb(0x1a, 0x1a, 0x1a)
    } else {
        Rgb(0xff, 0xff, 0xff)
    }
}

/// Runs of equal state in a band line: (x from, x to, state position), in axis
/// units; buckets with no data or an unnamed value leave a gap.
fn band_runs(
    line: &[(u64, f64)],
    states: &[(i32, &str)],
    bucket_w: f64,
    x0: f64,
    x1: f64,
) -> Vec<(f64, f64, usize)> {
    let mut runs: Vec<(f64, f64, usize)> = Vec::new();
    for &(i, v) in line {
        let (xa, xb) = (i as f64 * bucket_w, (i + 1) as f64 * bucket_w);
        if xb < x0 || xa > x1 || !v.is_finite() {
            continue;
        }
        let Some(k) = states.iter().position(|s| s.0 as f64 == v.round()) else {
            continue;
        };
        match runs.last_mut() {
            Some(r) if r.2 == k && (r.1 - xa).abs() < bucket_w * 0.01 => r.1 = xb,
            _ => runs.push((xa.max(x0), xb.min(x1), k)),
        }
    }
    runs
}

const FONT: &str = "system-ui, -apple-system, Segoe UI, Roboto, sans-serif";

/// Where text hangs from its point.
#[derive(Clone, Copy)]
enum Anchor {
    LeftTop,
    CentreTop,
    CentreMiddle,
    CentreBottom,
    RightMiddle,
}

/// The canvas's 2D context with the few shapes a chart is made of.
struct Pen(CanvasRenderingContext2d);

impl Pen {
    fn stroke_style(&self, c: Rgb, width: f64) {
        self.0.set_stroke_style_str(&c.css(1.0));
        self.0.set_line_width(width);
    }

    /// A straight line; `crisp` moves a horizontal or vertical one half a
    /// pixel so it covers whole pixels.
    fn line(&self, a: (f64, f64), b: (f64, f64), crisp: bool) {
        let (mut a, mut b) = (a, b);
        if crisp && a.0 == b.0 {
            a.0 -= 0.5;
            b.0 -= 0.5;
        }
        if crisp && a.1 == b.1 {
            a.1 -= 0.5;
            b.1 -= 0.5;
        }
        self.0.begin_path();
        self.0.move_to(a.0, a.1);
        self.0.line_to(b.0, b.1);
        self.0.stroke();
    }

    fn fill_rect(&self, a: (f64, f64), b: (f64, f64), c: Rgb, alpha: f64) {
        self.0.set_fill_style_str(&c.css(alpha));
        self.0.fill_rect(a.0, a.1, b.0 - a.0, b.1 - a.1);
    }

    fn text(&self, text: &str, at: (f64, f64), size: f64, c: Rgb, anchor: Anchor, upright: bool) {
        let (align, baseline) = match anchor {
            Anchor::LeftTop => ("start", "top"),
            Anchor::CentreTop => ("center", "top"),
            Anchor::CentreMiddle => ("center", "middle"),
            Anchor::CentreBottom => ("center", "bottom"),
            Anchor::RightMiddle => ("end", "middle"),
        };
        let mut at = at;
        if upright {
            self.0.save();
            let _ = self.0.translate(at.0, at.1);
            let _ = self.0.rotate(1.5 * PI);
            at = (0.0, 0.0);
        }
        self.0.set_text_baseline(baseline);
        self.0.set_text_align(align);
        self.0.set_fill_style_str(&c.css(1.0));
        self.0
            .set_font(&format!("normal {}px {FONT}", format::num(size)));
        let _ = self.0.fill_text(text, at.0, at.1);
        if upright {
            self.0.restore();
        }
    }
}

/// One axis: a value range on a pixel range, mapped as plotters maps it (to
/// whole pixels, the far end exclusive).
#[derive(Clone, Copy)]
struct Axis {
    lo: f64,
    hi: f64,
    from: f64,
    to: f64,
}

impl Axis {
    fn map(&self, v: f64) -> f64 {
        if self.hi == self.lo {
            return ((self.to - self.from) / 2.0).trunc();
        }
        let f = (v - self.lo) / (self.hi - self.lo);
        let len = self.to - self.from;
        if len == 0.0 {
            return self.to;
        }
        if f.is_infinite() {
            return if f > 0.0 { self.to } else { self.from };
        }
        if len > 0.0 {
            self.from + (len * f + 1e-3).floor()
        } else {
            self.from + (len * f - 1e-3).ceil()
        }
    }
}

/// Draws `plot` on `canvas` (whose backing store is already sized).
pub fn draw(
    canvas: &HtmlCanvasElement,
    dpr: f64,
    plot: &Plot,
    theme: &Theme,
) -> Result<(), String> {
    let ctx = canvas
        .get_context("2d")
        .ok()
        .flatten()
        .and_then(|c| c.dyn_into::<CanvasRenderingContext2d>().ok())
        .ok_or("no 2d context")?;
    let pen = Pen(ctx);
    let (w, h) = (canvas.width() as f64, canvas.height() as f64);
    pen.fill_rect((0.0, 0.0), (w, h), theme.background, 1.0);
    let px = |v: f64| (v * dpr).round();
    // Text and the room for it follow the page's font size (bigger on a projector).
    let text_scale = dpr * clamp(theme.rem_px / 16.0, 0.9, 1.4) * theme.text_scale;
    let tx = |v: f64| (v * text_scale).round();
    let lw = |v: f64| (v * dpr * theme.line_scale).round();

    // The time axis is in a unit that suits the span (s, min, h, d, wk, mo), so that
    // the ticks are round in that unit.
    let (unit_s, unit_name) = format::time_unit(plot.x_range.1 - plot.x_range.0);
    let (x0, x1) = (plot.x_range.0 / unit_s, plot.x_range.1 / unit_s);
    let width_px = w / dpr;
    let columns = (width_px - 70.0).max(50.0);
    let is_band = |i: usize| plot.bands.get(i).is_some_and(|b| b.is_some());
    // Band lines have no segments: they are drawn as strips, not on the y axis.
    let series: Vec<Vec<Vec<(f64, f64)>>> = plot
        .lines
        .iter()
        .enumerate()
        .map(|(i, l)| {
            if is_band(i) {
                Vec::new()
            } else {
                segments(l, plot.bucket_s / unit_s, x0, x1, columns)
            }
        })
        .collect();
    let bands_only = !plot.lines.is_empty() && (0..plot.lines.len()).all(is_band);
    let (y0, y1) = if bands_only {
        (0.0, 1.0)
    } else {
        y_range(&series)
    };

    // The plotting area: margins, then room for the y labels on the left and
    // the x labels below (pixel ranges, the far end exclusive).
    let (left, right) = (px(4.0) + tx(50.0), w - px(14.0));
    // Compact (presenter mode): no axis descriptions, the time's unit at the
    // end of its labels, so the lines get the height.
    let compact = !theme.axis_names;
    let (top, bottom) = (px(8.0), h - px(2.0) - tx(if compact { 22.0 } else { 38.0 }));
    let xa = Axis {
        lo: x0,
        hi: x1,
        from: left,
        to: right - 1.0,
    };
    let ya = Axis {
        lo: y0,
        hi: y1,
        from: bottom - 1.0,
        to: top,
    };
    let at = |(x, y): (f64, f64)| (xa.map(x), ya.map(y));

    // The mesh: grid lines at round values (moved half a pixel onto whole
    // pixels), axes, tick marks and labels.
    let x_ticks = clamp(width_px / (95.0 * text_scale / dpr), 2.0, 10.0) as usize;
    let xs = key_points(x0, x1, x_ticks);
    let ys = key_points(y0, y1, if bands_only { 0 } else { 5 });
    let (label_px, desc_px) = (12.0 * text_scale, 12.5 * text_scale);
    let (x_label_area, y_label_area) = (
        (left, bottom, right, h - px(2.0)),
        (px(4.0), top, left, bottom),
    );
    // Axis descriptions: the time below its labels, the unit up the left side.
    let mut x_labels_end = right;
    if compact {
        let text = format!("time ({unit_name})");
        let at = right - measure(&pen, &text, label_px);
        pen.text(
            &text,
            (at, bottom + px(4.0)),
            label_px,
            theme.muted,
            Anchor::LeftTop,
            false,
        );
        x_labels_end = at - px(6.0);
    } else {
        pen.text(
            &format!("simulated time ({unit_name})"),
            (
                x_label_area.0 + ((x_label_area.2 - x_label_area.0) / 2.0).trunc(),
                x_label_area.3,
            ),
            desc_px,
            theme.muted,
            Anchor::CentreBottom,
            false,
        );
        pen.text(
            plot.unit,
            (
                y_label_area.0,
                y_label_area.1 + ((y_label_area.3 - y_label_area.1) / 2.0).trunc(),
            ),
            desc_px,
            theme.muted,
            Anchor::CentreTop,
            true,
        );
    }
    pen.stroke_style(theme.grid, px(1.0));
    for &x in &xs {
        let x = xa.map(x);
        pen.line((x, ya.from), (x, ya.to), true);
    }
    for &y in &ys {
        let y = ya.map(y);
        pen.line((xa.from, y), (xa.to, y), true);
    }
    let tick = (0.05 * (right - left).min(bottom - top)).round().min(5.0);
    pen.stroke_style(theme.muted, px(1.0));
    let axis_x = y_label_area.2 - 1.0;
    pen.line((axis_x, top), (axis_x, bottom - 1.0), false);
    for &v in &ys {
        let y = ya.map(v);
        if y < top || y > bottom - 1.0 {
            continue;
        }
        pen.text(
            &format::tick(v),
            (axis_x + 1.0 - 2.0 * tick, y),
            label_px,
            theme.muted,
            Anchor::RightMiddle,
            false,
        );
        pen.line((axis_x - tick, y), (axis_x, y), false);
    }
    pen.line((left, bottom), (right - 1.0, bottom), false);
    for &x in &xs {
        let xp = xa.map(x);
        let label = format::tick(x);
        if xp < left
            || xp > right - 1.0
            || xp + measure(&pen, &label, label_px) / 2.0 > x_labels_end
        {
            continue;
        }
        pen.text(
            &label,
            (xp, bottom + 2.0 * tick),
            label_px,
            theme.muted,
            Anchor::CentreTop,
            false,
        );
        pen.line((xp, bottom), (xp, bottom + tick), false);
    }

    // Bands: stacked over the whole chart when it shows only states, else a
    // strip along the top for each.
    let band_lines: Vec<usize> = (0..plot.lines.len()).filter(|&i| is_band(i)).collect();
    for (k, &i) in band_lines.iter().enumerate() {
        let states = plot.bands[i].unwrap_or(&[]);
        let n = band_lines.len() as f64;
        let (ba, bb) = if bands_only {
            let h = (y1 - y0) / n;
            (
                y1 - h * (k as f64 + 1.0) + h * 0.08,
                y1 - h * k as f64 - h * 0.08,
            )
        } else {
            let h = (y1 - y0) * 0.06;
            (y1 - h * (k as f64 + 1.0), y1 - h * k as f64)
        };
        let runs = band_runs(&plot.lines[i], states, plot.bucket_s / unit_s, x0, x1);
        for &(ra, rb, s) in &runs {
            pen.fill_rect(at((ra, ba)), at((rb, bb)), state_colour(s, theme), 1.0);
        }
        if bands_only {
            // The state written in each run wide enough for it, and the
            // row's label at its start: a band's colour is never the only
            // way to tell what it says (colour-blind readers, a projector).
            let font = label_px;
            pen.0
                .set_font(&format!("normal {}px {FONT}", format::num(font)));
            for &(ra, rb, s) in &runs {
                let (pa, pb) = (at((ra, ba)), at((rb, bb)));
                let name = states.get(s).map_or("", |st| st.1);
                let room = (pb.0 - pa.0).abs();
                let fits = pen
                    .0
                    .measure_text(name)
                    .is_ok_and(|m| m.width() + tx(8.0) < room);
                if fits {
                    let mid = ((pa.0 + pb.0) / 2.0, (pa.1 + pb.1) / 2.0);
                    pen.text(
                        name,
                        mid,
                        font,
                        ink_on(state_colour(s, theme)),
                        Anchor::CentreMiddle,
                        false,
                    );
                }
            }
            if let Some(label) = plot.labels.get(i) {
                // Inside the band's top-left corner, on a patch of the
                // chart's background.
                let (x, y) = at((x0, bb));
                let w = pen.0.measure_text(label).map_or(0.0, |m| m.width());
                let (pad, h) = (tx(3.0), font + tx(4.0));
                pen.fill_rect(
                    (x + tx(2.0), y + tx(2.0)),
                    (x + tx(2.0) + w + 2.0 * pad, y + tx(2.0) + h),
                    theme.background,
                    0.85,
                );
                pen.text(
                    label,
                    (x + tx(2.0) + pad, y + tx(4.0)),
                    font,
                    theme.text,
                    Anchor::LeftTop,
                    false,
                );
            }
        }
    }

    for (i, segs) in series.iter().enumerate() {
        let (hue, dashed) = plot.styles.get(i).copied().unwrap_or((i, false));
        let colour = theme.lines[hue % theme.lines.len()];
        let b = i >= plot.b_from;
        let dash = if b {
            js_sys::Array::of2(&lw(1.0).into(), &lw(4.0).into())
        } else if dashed {
            js_sys::Array::of2(&lw(7.0).into(), &lw(5.0).into())
        } else {
            js_sys::Array::new()
        };
        let _ = pen.0.set_line_dash(&dash);
        pen.0.set_line_cap(if b { "round" } else { "butt" });
        for seg in segs {
            if seg.len() == 1 {
                let (cx, cy) = at(seg[0]);
                pen.0.set_fill_style_str(&colour.css(1.0));
                pen.0.begin_path();
                let _ = pen.0.arc(cx, cy, lw(3.0), 0.0, 2.0 * PI);
                pen.0.fill();
            } else {
                pen.stroke_style(colour, lw(if b { 3.0 } else { 2.0 }));
                pen.0.begin_path();
                for (k, p) in seg.iter().enumerate() {
                    let (x, y) = at(*p);
                    if k == 0 {
                        pen.0.move_to(x, y);
                    } else {
                        pen.0.line_to(x, y);
                    }
                }
                pen.0.stroke();
            }
        }
    }

    let _ = pen.0.set_line_dash(&js_sys::Array::new());
    pen.0.set_line_cap("butt");

    let markers: Vec<Marker> = plot
        .markers
        .iter()
        .map(|m| Marker {
            at_s: m.at_s / unit_s,
            ..m.clone()
        })
        .collect();
    draw_markers(&pen, &markers, (&xa, &ya), right, dpr, theme);
    if let Some(hint) = plot.hint {
        let centre = (
            ((left + right) / 2.0).trunc(),
            ((top + bottom) / 2.0).trunc(),
        );
        pen.text(
            hint,
            centre,
            14.0 * text_scale,
            theme.muted,
            Anchor::CentreMiddle,
            false,
        );
    }
    Ok(())
}

fn draw_markers(
    pen: &Pen,
    markers: &[Marker],
    (xa, ya): (&Axis, &Axis),
    right: f64,
    dpr: f64,
    theme: &Theme,
) {
    let px = |v: f64| (v * dpr).round();
    let text_scale = dpr * clamp(theme.rem_px / 16.0, 0.9, 1.4) * theme.text_scale;
    let row_h = (15.0 * text_scale).round();
    let top = ya.to;
    // The labels placed in each row, so labels do not overlap.
    let mut rows: [Vec<(f64, f64)>; 3] = Default::default();
    let font_px = 11.5 * text_scale;
    for m in markers
        .iter()
        .filter(|m| m.at_s >= xa.lo && m.at_s <= xa.hi)
    {
        let x_line = xa.map(m.at_s);
        let (bottom, top_pt) = ((x_line, ya.map(ya.lo)), (x_line, ya.map(ya.hi)));
        if m.planned {
            pen.stroke_style(theme.muted, px(1.0));
            let dash = js_sys::Array::of2(&px(4.0).into(), &px(4.0).into());
            let _ = pen.0.set_line_dash(&dash);
            pen.line(bottom, top_pt, false);
            let _ = pen.0.set_line_dash(&js_sys::Array::new());
        } else {
            pen.stroke_style(theme.marker, (px(1.0) * theme.line_scale).max(1.0));
            pen.line(bottom, top_pt, false);
        }
        // Right of the line, or left of it when it would run off the plot;
        // when it fits neither side, against the plot's right edge, across
        // the line (never over the value axis's labels, nor off the canvas).
        let text_w = measure(pen, &m.label, font_px) + px(4.0);
        let mut x = bottom.0 + px(3.0);
        if x + text_w > right {
            x = bottom.0 - px(3.0) - text_w;
            if x < xa.from {
                x = (right - text_w).max(xa.from);
            }
        }
        let free = |row: &Vec<(f64, f64)>| {
            row.iter()
                .all(|&(a, b)| x + text_w + px(4.0) < a || x > b + px(4.0))
        };
        let Some(row) = rows.iter().position(free) else {
            continue; // no room: the line alone, the log has the words
        };
        rows[row].push((x, x + text_w));
        let y = top + px(2.0) + row as f64 * row_h;
        pen.fill_rect(
            (x - px(2.0), y),
            (x + text_w, y + row_h - px(2.0)),
            theme.background,
            0.85,
        );
        let colour = if m.planned { theme.muted } else { theme.text };
        pen.text(
            &m.label,
            (x + px(2.0), y + px(1.0)),
            font_px,
            colour,
            Anchor::LeftTop,
            false,
        );
    }
}

/// Width in device pixels of `text` in the marker font.
fn measure(pen: &Pen, text: &str, font_px: f64) -> f64 {
    pen.0
        .set_font(&format!("{}px {FONT}", format::num(font_px)));
    let width = pen.0.measure_text(text).ok().map(|m| m.width());
    width
        .unwrap_or(0.6 * font_px * text.chars().count() as f64)
        .ceil()
}

/// Round values in `lo..=hi` for grid lines and labels, at most `max_points`
/// of them: steps of 1, 2 or 5 times a power of ten (plotters' choice, so the
/// axes read as they always have).
fn key_points(lo: f64, hi: f64, max_points: usize) -> Vec<f64> {
    if max_points == 0 {
        return vec![];
    }
    let range = (lo.min(hi), hi.max(lo));
    if range.0.is_nan() || range.1.is_nan() {
        return vec![];
    }
    if (range.0 - range.1).abs() < f64::EPSILON {
        return vec![range.0];
    }
    let mut scale = 10f64.powf((range.1 - range.0).log(10.0).floor());
    // Values are rounded to a granularity, so that no key point reads
    // 1.00000000001.
    let mut granularity = scale / 10.0;
    fn rem_euclid(a: f64, b: f64) -> f64 {
        let r = if b > 0.0 {
            a - (a / b).floor() * b
        } else {
            a - (a / b).ceil() * b
        };
        if (r - b).abs() < f64::EPSILON {
            0.0
        } else {
            r
        }
    }
    if 1 + ((range.1 - range.0) / scale).floor() as usize > max_points {
        scale *= 10.0;
        granularity *= 10.0;
    }
    'outer: loop {
        let old_scale = scale;
        for nxt in [2.0, 5.0, 10.0] {
            let mut new_left = range.0 - rem_euclid(range.0, old_scale / nxt);
            if new_left < range.0 {
                new_left += old_scale / nxt;
            }
            let new_right = range.1 - rem_euclid(range.1, old_scale / nxt);
            let npoints = 1.0 + ((new_right - new_left) / old_scale * nxt);
            if npoints.round() as usize > max_points {
                break 'outer;
            }
            scale = old_scale / nxt;
        }
        scale = old_scale / 10.0;
        granularity /= 10.0;
    }
    let mut points = vec![];
    // Two parts, so that a left far bigger than the step cannot stall the loop.
    let left = {
        let mut v = range.0 - rem_euclid(range.0, scale);
        if v < range.0 {
            v += scale;
        }
        v
    };
    let left_base = (left / granularity).floor() * granularity;
    let mut left_relative = left - left_base;
    let right = range.1 - rem_euclid(range.1, scale);
    while (right - left_relative - left_base) >= -f64::EPSILON {
        let rounded = (left_relative / granularity).round() * granularity;
        if rounded < 0.0 {
            left_relative += granularity;
        }
        points.push(left_relative + left_base);
        left_relative += scale;
    }
    points
}

/// The visible points of a line at bucket midpoints (in axis units, `bucket_w`
/// per bucket), split at gaps, and thinned
/// to a minimum and a maximum per pixel column so spikes survive.
fn segments(
    line: &[(u64, f64)],
    bucket_w: f64,
    x0: f64,
    x1: f64,
    columns: f64,
) -> Vec<Vec<(f64, f64)>> {
    let pts: Vec<(f64, f64)> = line
        .iter()
        .map(|&(i, v)| ((i as f64 + 0.5) * bucket_w, v))
        .filter(|&(x, _)| x >= x0 && x <= x1)
        .collect();
    let thin = pts.len() as f64 > 2.0 * columns;
    let col_w = (x1 - x0) / columns;
    let mut segs: Vec<Vec<(f64, f64)>> = Vec::new();
    let mut cur: Vec<(f64, f64)> = Vec::new();
    let mut k = 0;
    while k < pts.len() {
        if !thin {
            let (x, v) = pts[k];
            k += 1;
            if v.is_finite() {
                cur.push((x, v));
            } else if !cur.is_empty() {
                segs.push(std::mem::take(&mut cur));
            }
            continue;
        }
        // One pixel column: its finite minimum and maximum, in time order.
        let col = ((pts[k].0 - x0) / col_w).floor();
        let mut lo: Option<(f64, f64)> = None;
        let mut hi: Option<(f64, f64)> = None;
        while k < pts.len() && ((pts[k].0 - x0) / col_w).floor() == col {
            let p = pts[k];
            if p.1.is_finite() {
                if lo.is_none_or(|l| p.1 < l.1) {
                    lo = Some(p);
                }
                if hi.is_none_or(|h| p.1 > h.1) {
                    hi = Some(p);
                }
            }
            k += 1;
        }
        match (lo, hi) {
            (Some(l), Some(h)) if l.0 <= h.0 => cur.extend([l, h]),
            (Some(l), Some(h)) => cur.extend([h, l]),
            _ if !cur.is_empty() => segs.push(std::mem::take(&mut cur)),
            _ => {}
        }
    }
    if !cur.is_empty() {
        segs.push(cur);
    }
    segs
}

/// From zero (or below, for negative data) to a round number above the data.
fn y_range(series: &[Vec<Vec<(f64, f64)>>]) -> (f64, f64) {
    let vals = series.iter().flatten().flatten().map(|p| p.1);
    let (lo, hi) = vals.fold((0.0f64, 0.0f64), |(lo, hi), v| (lo.min(v), hi.max(v)));
    let top = if hi > 0.0 { nice_ceil(hi * 1.08) } else { 1.0 };
    let bottom = if lo < 0.0 {
        -nice_ceil(-lo * 1.08)
    } else {
        0.0
    };
    (bottom, top)
}

fn nice_ceil(x: f64) -> f64 {
    let p = 10f64.powf(x.log10().floor());
    [1.0, 1.2, 1.5, 2.0, 2.5, 3.0, 4.0, 5.0, 6.0, 8.0, 10.0]
        .iter()
        .map(|m| m * p)
        .find(|v| *v >= x)
        .unwrap_or(10.0 * p)
}
