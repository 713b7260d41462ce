#include "reports/heatmap_svg.h"

#include <fmt/core.h>

#include <algorithm>
#include <array>
#include <cmath>
#include <limits>

#include "reports/display_text.h"
#include "reports/markup_escape.h"
#include "reports/text_report.h"

namespace fti::reports {
namespace {

constexpr std::string_view kUnchanged = "#d4d4d4";
constexpr std::string_view kStructural = "#4d4d4d";
constexpr std::string_view kNotMeasured = "#ffffff";
constexpr std::string_view kNonFinite = "#e7298a";
constexpr std::string_view kViolationStroke = "#d00000";

// Viridis at five stops: perceptually even, readable in grey, and free of
// the red that marks violations.
struct Rgb {
  double r, g, b;
};
constexpr std::array<Rgb, 5> kRamp = {{{68, 1, 84}, {59, 82, 139}, {33, 145, 140}, {94, 201, 98}, {253, 231, 37}}};

std::string ramp_color(double t) {
  t = std::clamp(t, 0.0, 1.0) * static_cast<double>(kRamp.size() - 1);
  const auto lower = std::min(static_cast<std::size_t>(t), kRamp.size() - 2);
  const double f = t - static_cast<double>(lower);
  const Rgb& a = kRamp[lower];
  const Rgb& b = kRamp[lower + 1];
  const auto mix = [f](double x, double y) { return static_cast<unsigned>(std::lround(x + (y - x) * f)); };
  return fmt::format("#{:02x}{:02x}{:02x}", mix(a.r, b.r), mix(a.g, b.g), mix(a.b, b.b));
}

std::string text(std::string_view untrusted, std::size_t max_bytes) {
  return escape_markup(display_text(untrusted, max_bytes));
}

// The end of a long label ("...layers.12") is what tells rows apart.
std::string label_tail(std::string_view raw, std::size_t max_bytes) {
  if (raw.size() <= max_bytes) return text(raw, max_bytes);
  std::size_t start = raw.size() - max_bytes;
  while (start < raw.size() && (static_cast<unsigned char>(raw[start]) & 0xC0u) == 0x80u) ++start;
  return "…" + text(raw.substr(start), max_bytes);
}

std::string tooltip(const TensorReport& t, std::string_view place) {
  std::string out = text(t.name, 300) + "\n" + std::string(place) + "\n" + text(t.status, 20);
  if (t.status != "compared") out += " " + text(t.dtype, 40);
  if (!t.rule.empty()) {
    out += fmt::format("; rule {} (line {})", text(t.rule, 100), t.rule_line);
  } else if (!t.checks.empty() || t.verdict != Verdict::kNotChecked) {
    out += "; no rule (default)";
  }
  if (t.verdict != Verdict::kNotChecked) out += fmt::format("; {}", verdict_name(t.verdict));
  if (t.has_stats) {
    out += fmt::format("\n‖Δ‖/‖B‖ = {}, ‖Δ‖_F = {}, ‖B‖_F = {}\nchanged {} of {} ({}%), max |Δ| = {}",
                       format_figure(t.relative_norm()), format_figure(t.delta_norm), format_figure(t.base_norm),
                       t.changed, t.elements, format_figure(100.0 * t.changed_fraction()),
                       format_figure(t.max_abs_delta));
    if (t.nonfinite_base > 0 || t.nonfinite_candidate > 0) {
      out += fmt::format("\nnon-finite values: base {}, candidate {}", t.nonfinite_base, t.nonfinite_candidate);
    }
  }
  if (t.rank) out += fmt::format("\nnumerical rank {}, residual beyond {}: {}", t.rank->numerical_rank, t.rank->max_rank,
                                 format_figure(t.rank->residual_norm));
  std::size_t shown = 0;
  for (const Check& c : t.checks) {
    if (c.pass) continue;
    if (shown++ == 3) {
      out += "\n...";
      break;
    }
    out += fmt::format("\n{}: {}", text(c.name, 60), text(c.message, 200));
  }
  return out;
}

std::string cell_rect(const TensorReport& t, const DriftScale& scale, double x, double y, double w, double h,
                      std::string_view place) {
  const bool violation = t.verdict == Verdict::kViolation;
  return fmt::format("<rect x=\"{}\" y=\"{}\" width=\"{}\" height=\"{}\" fill=\"{}\"{}><title>{}</title></rect>\n", x, y, w,
                     h, drift_color(t, scale),
                     violation ? fmt::format(" stroke=\"{}\" stroke-width=\"2\"", kViolationStroke) : std::string(),
                     tooltip(t, place));
}

// What has been drawn so far, and how far it reaches.
struct Canvas {
  std::string body;
  double right = 0, bottom = 0;

  void extend(double x, double y) {
    right = std::max(right, x);
    bottom = std::max(bottom, y);
  }
};

constexpr double kCellWidth = 14, kGap = 1, kCharWidth = 6, kBandCellHeight = 12;
constexpr std::size_t kLabelBytes = 32;    // of a row or column label
constexpr std::size_t kBandPerLine = 48;   // non-layer cells per line, at least

// Layers down, modules across. Dense grids (short cells) label every fourth
// row, and every row after a gap or a change of stack, so that left-out
// layers never go unnoticed.
void draw_grid(Canvas& canvas, const Report& report, const HeatmapGrid& grid, const DriftScale& scale, double left,
               double top) {
  const double cell_height = grid.rows.size() > 96 ? 7 : 12;
  const double pitch_x = kCellWidth + kGap, pitch_y = cell_height + kGap;
  for (std::size_t c = 0; c < grid.columns.size(); ++c) {
    const double x = left + static_cast<double>(c) * pitch_x + kCellWidth / 2;
    canvas.body += fmt::format("<text transform=\"translate({},{}) rotate(-60)\">{}</text>\n", x + 3, top - 4,
                               text(grid.columns[c], kLabelBytes));
  }
  for (std::size_t r = 0; r < grid.rows.size(); ++r) {
    const bool after_gap = r > 0 && (grid.rows[r].stack != grid.rows[r - 1].stack ||
                                     grid.rows[r].index != grid.rows[r - 1].index + 1);
    if (cell_height >= 10 || r % 4 == 0 || after_gap) {
      const double y = top + static_cast<double>(r) * pitch_y + cell_height - 2;
      canvas.body += fmt::format("<text x=\"{}\" y=\"{}\" text-anchor=\"end\">{}</text>\n", left - 4, y,
                                 label_tail(grid.rows[r].label, kLabelBytes));
    }
  }
  for (const HeatmapCell& cell : grid.cells) {
    const std::string place =
        "layer " + text(grid.rows[cell.row].label, 120) + ", module " + text(grid.columns[cell.column], 120);
    canvas.body += cell_rect(report.tensors[cell.tensor], scale, left + static_cast<double>(cell.column) * pitch_x,
                             top + static_cast<double>(cell.row) * pitch_y, kCellWidth, cell_height, place);
  }
  canvas.extend(left + static_cast<double>(grid.columns.size()) * pitch_x + 30,
                top + static_cast<double>(grid.rows.size()) * pitch_y);
}

// Tensors outside any layer, in lines as wide as the grid (or wider).
void draw_band(Canvas& canvas, const Report& report, const HeatmapGrid& grid, const DriftScale& scale, double left,
               double top) {
  if (grid.non_layer.empty()) return;
  const std::size_t per_line = std::max(kBandPerLine, grid.columns.size());
  const double pitch_x = kCellWidth + kGap, pitch_y = kBandCellHeight + kGap;
  canvas.body += fmt::format("<text x=\"{}\" y=\"{}\" text-anchor=\"end\">non-layer</text>\n", left - 4, top + 10);
  for (std::size_t k = 0; k < grid.non_layer.size(); ++k) {
    const double x = left + static_cast<double>(k % per_line) * pitch_x;
    const double y = top + static_cast<double>(k / per_line) * pitch_y;
    canvas.body += cell_rect(report.tensors[grid.non_layer[k]], scale, x, y, kCellWidth, kBandCellHeight, "not in a layer");
    canvas.extend(x + pitch_x, y + pitch_y);
  }
}

// The ramp with a tick per decade (every other one past six), then the fixed colours.
void draw_legend(Canvas& canvas, const DriftScale& scale, double left, double top) {
  constexpr double kRampWidth = 240;
  double y = top;
  canvas.body += fmt::format("<text x=\"{}\" y=\"{}\">relative drift ‖Δ‖_F / ‖B‖_F (log scale)</text>\n", left, y);
  y += 6;
  std::string stops;
  for (int k = 0; k <= 8; ++k) stops += fmt::format("<stop offset=\"{}\" stop-color=\"{}\"/>", k / 8.0, ramp_color(k / 8.0));
  canvas.body += fmt::format("<defs><linearGradient id=\"fti-drift-ramp\">{}</linearGradient></defs>\n", stops);
  canvas.body += fmt::format("<rect x=\"{}\" y=\"{}\" width=\"{}\" height=\"12\" fill=\"url(#fti-drift-ramp)\"/>\n", left, y,
                             kRampWidth);
  const int decades = scale.high_decade - scale.low_decade;
  const int step = decades > 6 ? 2 : 1;
  for (int d = 0; d <= decades; d += step) {
    const double x = left + kRampWidth * d / decades;
    canvas.body += fmt::format("<line x1=\"{0}\" x2=\"{0}\" y1=\"{1}\" y2=\"{2}\" stroke=\"#000\"/>", x, y + 12, y + 15);
    canvas.body += fmt::format("<text x=\"{}\" y=\"{}\" text-anchor=\"middle\">1e{}</text>\n", x, y + 25,
                               scale.low_decade + d);
  }
  canvas.extend(left + kRampWidth + 20, y + 25);
  y += 36;

  struct Swatch {
    std::string_view fill, stroke, label;
  };
  const std::array<Swatch, 4> swatches = {{{kUnchanged, "none", "unchanged"},
                                           {kStructural, "none", "added, removed, reshaped or retyped"},
                                           {kNonFinite, "none", "non-finite (NaN)"},
                                           {"#ffffff", kViolationStroke, "violation (outline)"}}};
  double x = left;
  for (const Swatch& s : swatches) {
    canvas.body += fmt::format(
        "<rect x=\"{}\" y=\"{}\" width=\"{}\" height=\"12\" fill=\"{}\" stroke=\"{}\" stroke-width=\"2\"/>", x, y,
        kCellWidth, s.fill, s.stroke);
    canvas.body += fmt::format("<text x=\"{}\" y=\"{}\">{}</text>\n", x + kCellWidth + 4, y + 10, s.label);
    x += kCellWidth + 12 + static_cast<double>(s.label.size()) * kCharWidth;
  }
  canvas.extend(x, y + 12);
}

}  // namespace

DriftScale drift_scale(const Report& report) {
  double smallest = std::numeric_limits<double>::infinity(), largest = 0;
  for (const TensorReport& t : report.tensors) {
    if (!t.has_stats || t.changed == 0) continue;
    const double relative = t.relative_norm();
    if (!std::isfinite(relative) || relative <= 0) continue;
    smallest = std::min(smallest, relative);
    largest = std::max(largest, relative);
  }
  if (largest == 0) return {};
  constexpr int kMaxDecades = 12;
  DriftScale scale;
  scale.high_decade = static_cast<int>(std::ceil(std::log10(largest)));
  scale.low_decade = static_cast<int>(std::floor(std::log10(smallest)));
  if (scale.high_decade <= scale.low_decade) scale.low_decade = scale.high_decade - 1;
  scale.low_decade = std::max(scale.low_decade, scale.high_decade - kMaxDecades);
  return scale;
}

std::string drift_color(const TensorReport& t, const DriftScale& scale) {
  if (t.status != "compared") return std::string(kStructural);
  if (!t.has_stats) return std::string(kNotMeasured);
  if (t.changed == 0) return std::string(kUnchanged);
  const double relative = t.relative_norm();
  if (std::isnan(relative)) return std::string(kNonFinite);
  if (relative <= 0) return ramp_color(0);  // bits changed, values equal (-0.0 vs 0.0)
  const double span = static_cast<double>(scale.high_decade - scale.low_decade);
  return ramp_color((std::log10(relative) - static_cast<double>(scale.low_decade)) / span);  // inf: top
}

std::string heatmap_svg(const Report& report, const HeatmapGrid& grid, const DriftScale& scale) {
  // Room for the labels: row labels on the left, module labels above at 60 degrees.
  std::size_t row_label_chars = 9;  // "non-layer"
  for (const HeatmapRow& row : grid.rows) row_label_chars = std::max(row_label_chars, std::min(row.label.size(), kLabelBytes + 1));
  std::size_t column_label_chars = 4;
  for (const std::string& column : grid.columns) column_label_chars = std::max(column_label_chars, std::min(column.size(), kLabelBytes + 3));
  const double left = static_cast<double>(row_label_chars) * kCharWidth + 10;
  const double top = grid.columns.empty() ? 10 : static_cast<double>(column_label_chars) * kCharWidth * 0.87 + 14;

  Canvas canvas;
  draw_grid(canvas, report, grid, scale, left, top);
  draw_band(canvas, report, grid, scale, left, canvas.bottom + 12);
  draw_legend(canvas, scale, left, canvas.bottom + 20);
  return fmt::format(
      "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{0}\" height=\"{1}\" viewBox=\"0 0 {0} {1}\" "
      "font-family=\"sans-serif\" font-size=\"10\" role=\"img\" aria-label=\"drift heatmap\">\n{2}</svg>\n",
      std::ceil(canvas.right + 10), std::ceil(canvas.bottom + 10), canvas.body);
}

}  // namespace fti::reports
