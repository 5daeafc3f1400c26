//! Draws one time-series chart on a canvas with plotters: axes with units, the
//! lines (gaps where a bucket has no data), and labelled vertical markers for
//! faults and toggles.
//!
//! The canvas backing store is sized by the caller to CSS size × devicePixelRatio;
//! everything here is in device pixels, so sizes are multiplied by `dpr`.

use plotters::coord::Shift;
use plotters::element::DashedPathElement;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};
use plotters::style::{FontDesc, FontFamily, FontStyle};
use plotters_canvas::CanvasBackend;
use web_sys::HtmlCanvasElement;

use super::format;
use super::theme::Theme;

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
}

/// The colour of the `k`-th named state of a band: the first (quiet) state a
/// pale green, later ones amber, vermillion, sky blue (Okabe–Ito).
pub fn state_colour(k: usize, _theme: &Theme) -> RGBColor {
    match k {
        0 => RGBColor(0x8c, 0xd1, 0xb8),
        1 => RGBColor(0xe6, 0x9f, 0x00),
        2 => RGBColor(0xd5, 0x5e, 0x00),
        _ => RGBColor(0x56, 0xb4, 0xe9),
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

/// The chart font at `size` device pixels. Named as a family directly: plotters'
/// `From<&str>` lower-cases the name to look for "serif" and so on, which pulls
/// the Unicode case tables into the page.
fn font_at(size: f64) -> FontDesc<'static> {
    FontDesc::new(FontFamily::Name(FONT), size, FontStyle::Normal)
}

type Area = DrawingArea<CanvasBackend, Shift>;

/// Draws `plot` on `canvas` (whose backing store is already sized).
pub fn draw(
    canvas: &HtmlCanvasElement,
    dpr: f64,
    plot: &Plot,
    theme: &Theme,
) -> Result<(), String> {
    let err = |e: DrawingAreaErrorKind<_>| format!("{e:?}");
    let backend = CanvasBackend::with_canvas_object(canvas.clone()).ok_or("no 2d context")?;
    let root: Area = backend.into_drawing_area();
    root.fill(&theme.background).map_err(err)?;
    let px = |v: f64| (v * dpr).round() as i32;
    // Text and the room for it follow the page's font size (bigger on a projector).
    let text_scale = dpr * (theme.rem_px / 16.0).clamp(0.9, 1.4);
    let tx = |v: f64| (v * text_scale).round() as i32;
    let font = |size: f64| font_at(size * text_scale);

    // The time axis is in a unit that suits the span (s, min, h, d), so that
    // plotters picks round ticks in that unit.
    let (unit_s, unit_name) = format::time_unit(plot.x_range.1 - plot.x_range.0);
    let (x0, x1) = (plot.x_range.0 / unit_s, plot.x_range.1 / unit_s);
    let width_px = canvas.width() as f64 / dpr;
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
    let markers: Vec<Marker> = plot
        .markers
        .iter()
        .map(|m| Marker {
            at_s: m.at_s / unit_s,
            ..m.clone()
        })
        .collect();

    let mut chart = ChartBuilder::on(&root)
        .margin_top(px(8.0))
        .margin_right(px(14.0))
        .margin_left(px(4.0))
        .margin_bottom(px(2.0))
        .x_label_area_size(tx(38.0))
        .y_label_area_size(tx(50.0))
        .build_cartesian_2d(x0..x1, y0..y1)
        .map_err(err)?;
    let x_ticks = (width_px / (95.0 * text_scale / dpr)).clamp(2.0, 10.0) as usize;
    let y_label = |y: &f64| format::tick(*y);
    let x_label = |x: &f64| format::tick(*x);
    let x_desc = format!("simulated time ({unit_name})");
    chart
        .configure_mesh()
        .x_labels(x_ticks)
        .y_labels(if bands_only { 0 } else { 5 })
        .max_light_lines(0)
        .x_label_formatter(&x_label)
        .y_label_formatter(&y_label)
        .x_desc(x_desc.as_str())
        .y_desc(plot.unit)
        .label_style(font(12.0).color(&theme.muted))
        .axis_desc_style(font(12.5).color(&theme.muted))
        .bold_line_style(theme.grid.stroke_width(px(1.0) as u32))
        .axis_style(theme.muted.stroke_width(px(1.0) as u32))
        .draw()
        .map_err(err)?;

    // Bands: stacked over the whole chart when it shows only states, else a
    // strip along the top for each.
    let band_lines: Vec<usize> = (0..plot.lines.len()).filter(|&i| is_band(i)).collect();
    for (k, &i) in band_lines.iter().enumerate() {
        let states = plot.bands[i].unwrap_or(&[]);
        let n = band_lines.len() as f64;
        let (ya, yb) = if bands_only {
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
        chart
            .draw_series(runs.into_iter().map(|(xa, xb, s)| {
                Rectangle::new([(xa, ya), (xb, yb)], state_colour(s, theme).filled())
            }))
            .map_err(err)?;
    }

    for (i, segs) in series.iter().enumerate() {
        let colour = theme.lines[i % theme.lines.len()];
        let style = colour.stroke_width(px(2.0) as u32);
        for seg in segs {
            if seg.len() == 1 {
                chart
                    .draw_series(std::iter::once(Circle::new(
                        seg[0],
                        px(3.0) as u32,
                        colour.filled(),
                    )))
                    .map_err(err)?;
            } else {
                chart
                    .draw_series(LineSeries::new(seg.iter().copied(), style))
                    .map_err(err)?;
            }
        }
    }

    let (xs, ys) = chart.plotting_area().get_pixel_range();
    draw_markers(
        canvas,
        &root,
        &chart,
        &markers,
        (x0, x1),
        (y0, y1),
        ys.start,
        dpr,
        theme,
    )?;
    if let Some(hint) = plot.hint {
        let centre = ((xs.start + xs.end) / 2, (ys.start + ys.end) / 2);
        let style = font(14.0)
            .color(&theme.muted)
            .pos(Pos::new(HPos::Center, VPos::Center));
        root.draw(&Text::new(hint.to_string(), centre, style))
            .map_err(err)?;
    }
    root.present().map_err(err)?;
    Ok(())
}

type Chart<'a> = ChartContext<
    'a,
    CanvasBackend,
    Cartesian2d<plotters::coord::types::RangedCoordf64, plotters::coord::types::RangedCoordf64>,
>;

#[allow(clippy::too_many_arguments)]
fn draw_markers(
    canvas: &HtmlCanvasElement,
    root: &Area,
    chart: &Chart,
    markers: &[Marker],
    (x0, x1): (f64, f64),
    (y0, y1): (f64, f64),
    top: i32,
    dpr: f64,
    theme: &Theme,
) -> Result<(), String> {
    let err = |e: DrawingAreaErrorKind<_>| format!("{e:?}");
    let px = |v: f64| (v * dpr).round() as i32;
    let text_scale = dpr * (theme.rem_px / 16.0).clamp(0.9, 1.4);
    let row_h = (15.0 * text_scale).round() as i32;
    // The labels placed in each row, so labels do not overlap.
    let mut rows: [Vec<(i32, i32)>; 3] = Default::default();
    let right = chart.plotting_area().get_pixel_range().0.end;
    let font_px = 11.5 * text_scale;
    for m in markers.iter().filter(|m| m.at_s >= x0 && m.at_s <= x1) {
        let style = theme.marker.stroke_width(px(1.0).max(1) as u32);
        let (bottom, top_pt) = (
            chart.backend_coord(&(m.at_s, y0)),
            chart.backend_coord(&(m.at_s, y1)),
        );
        let line = vec![bottom, top_pt];
        if m.planned {
            let dash = DashedPathElement::new(
                line,
                px(4.0),
                px(4.0),
                theme.muted.stroke_width(px(1.0) as u32),
            );
            root.draw(&dash).map_err(err)?;
        } else {
            root.draw(&PathElement::new(line, style)).map_err(err)?;
        }
        // Right of the line, or left of it when it would run off the plot.
        let text_w = measure(canvas, &m.label, font_px) + px(4.0);
        let mut x = bottom.0 + px(3.0);
        if x + text_w > right {
            x = bottom.0 - px(3.0) - text_w;
        }
        let free = |row: &Vec<(i32, i32)>| {
            row.iter()
                .all(|&(a, b)| x + text_w + px(4.0) < a || x > b + px(4.0))
        };
        let Some(row) = rows.iter().position(free) else {
            continue; // no room: the line alone, the log has the words
        };
        rows[row].push((x, x + text_w));
        let y = top + px(2.0) + row as i32 * row_h;
        let bg = theme.background.mix(0.85).filled();
        root.draw(&Rectangle::new(
            [(x - px(2.0), y), (x + text_w, y + row_h - px(2.0))],
            bg,
        ))
        .map_err(err)?;
        let colour = if m.planned { theme.muted } else { theme.text };
        let text = font_at(font_px)
            .color(&colour)
            .pos(Pos::new(HPos::Left, VPos::Top));
        root.draw(&Text::new(
            m.label.clone(),
            (x + px(2.0), y + px(1.0)),
            text,
        ))
        .map_err(err)?;
    }
    Ok(())
}

/// Width in device pixels of `text` in the marker font.
fn measure(canvas: &HtmlCanvasElement, text: &str, font_px: f64) -> i32 {
    use wasm_bindgen::JsCast;
    let ctx = canvas
        .get_context("2d")
        .ok()
        .flatten()
        .and_then(|c| c.dyn_into::<web_sys::CanvasRenderingContext2d>().ok());
    let width = ctx.and_then(|c| {
        c.set_font(&format!("{font_px}px {FONT}"));
        c.measure_text(text).ok().map(|m| m.width())
    });
    width
        .unwrap_or(0.6 * font_px * text.chars().count() as f64)
        .ceil() as i32
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
