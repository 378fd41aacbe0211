/*
 * web_svg.c - the charts of the pages as inline SVG: the forest plot, the
 * benefit-cost ratio with its interval, a monthly trend
 *
 * Pure code. Every chart has a <title> and a <desc> (role="img") and sits
 * next to a table with the same numbers, so nothing is said only in a
 * picture. Colours come from classes in the stylesheet (no style attributes:
 * the Content-Security-Policy allows no inline styles).
 */
#include "web.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#define W 640.0
#define LABEL_W 200.0
#define PAD 16.0

static void open_svg(struct buf *b, double h, const char *id, const char *title, const char *desc)
{
	buf_printf(b,
	           "<svg class=\"chart\" viewBox=\"0 0 %.0f %.0f\" role=\"img\" "
	           "aria-labelledby=\"%s-t %s-d\" focusable=\"false\">"
	           "<title id=\"%s-t\">",
	           W, h, id, id, id);
	web_text(b, title);
	buf_printf(b, "</title><desc id=\"%s-d\">", id);
	web_text(b, desc);
	buf_adds(b, "</desc>");
}

/* Text for a percent change, with a real minus sign. */
static void pct_label(char *out, size_t size, double pct)
{
	if (pct < 0)
		snprintf(out, size, "\xE2\x88\x92%.0f%%", -pct);
	else
		snprintf(out, size, "%s%.0f%%", pct > 0 ? "+" : "", pct);
}

static double clampd(double v, double lo, double hi)
{
	return v < lo ? lo : v > hi ? hi : v;
}

void web_svg_forest(struct buf *b, const struct web_forest_row *rows, size_t n, const char *id)
{
	static const double ticks[] = {-90, -75, -50, -25, 0, 25, 50, 100, 200, 400, 900};
	const double row_h = 26, top = 10, axis_h = 40;
	double lo = 0, hi = 0, h = top + (double)n * row_h + axis_h;
	double x0 = LABEL_W + PAD, x1 = W - PAD;
	char lab[32];

	for (size_t i = 0; i < n; i++) {
		double s = rows[i].s > 0 ? 1.96 * rows[i].s : 0;
		lo = fmin(lo, rows[i].y - s);
		hi = fmax(hi, rows[i].y + s);
	}
	lo = clampd(lo, -2.4, 0) - 0.1;
	hi = clampd(hi, 0, 2.4) + 0.1;
#define X(v) (x0 + (clampd((v), lo, hi) - lo) / (hi - lo) * (x1 - x0))
	open_svg(b, h, id, "Forest plot of the effect estimates",
	         "Each evaluation's estimated change in crime with its 95% interval, the pooled "
	         "estimate and the estimate adjusted for evidence quality, on a percent-change "
	         "scale; the table that follows gives the same figures.");
	/* the axis and its ticks */
	buf_printf(b, "<line class=\"axis\" x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\"/>", x0,
	           h - axis_h + 4, x1, h - axis_h + 4);
	for (size_t t = 0; t < sizeof(ticks) / sizeof(ticks[0]); t++) {
		double v = log1p(ticks[t] / 100);
		if (v < lo || v > hi)
			continue;
		pct_label(lab, sizeof(lab), ticks[t]);
		buf_printf(b,
		           "<line class=\"%s\" x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\"/>"
		           "<text class=\"tick\" x=\"%.1f\" y=\"%.1f\">%s</text>",
		           ticks[t] == 0 ? "zero" : "grid", X(v), top - 4, X(v), h - axis_h + 8,
		           X(v), h - axis_h + 22, lab);
	}
	buf_printf(b,
	           "<text class=\"axis-label\" x=\"%.1f\" y=\"%.1f\">change in crime "
	           "(left of the line: fewer crimes)</text>",
	           (x0 + x1) / 2, h - 4);
	for (size_t i = 0; i < n; i++) {
		double cy = top + (double)i * row_h + row_h / 2;
		const struct web_forest_row *r = &rows[i];
		buf_printf(b, "<text class=\"row-label%s\" x=\"%.1f\" y=\"%.1f\">",
		           r->kind ? " pooled" : "", PAD, cy + 4);
		/* long labels are cut here; the table has them whole */
		char cut[40];
		snprintf(cut, sizeof(cut), "%s", r->label ? r->label : "");
		if (r->label != NULL && strlen(r->label) >= sizeof(cut))
			memcpy(cut + sizeof(cut) - 4, "...", 4);
		web_text(b, cut);
		buf_adds(b, "</text>");
		if (r->s > 0)
			buf_printf(
			    b,
			    "<line class=\"ci\" x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\"/>",
			    X(r->y - 1.96 * r->s), cy, X(r->y + 1.96 * r->s), cy);
		if (r->kind == 0) {
			buf_printf(b,
			           "<rect class=\"pt\" x=\"%.1f\" y=\"%.1f\" width=\"9\" "
			           "height=\"9\"/>",
			           X(r->y) - 4.5, cy - 4.5);
		} else {
			double a = r->s > 0 ? X(r->y - 1.96 * r->s) : X(r->y) - 6;
			double c = r->s > 0 ? X(r->y + 1.96 * r->s) : X(r->y) + 6;
			buf_printf(b,
			           "<polygon class=\"%s\" points=\"%.1f,%.1f %.1f,%.1f %.1f,%.1f "
			           "%.1f,%.1f\"/>",
			           r->kind == 1 ? "diamond" : "diamond adj", a, cy, X(r->y), cy - 7,
			           c, cy, X(r->y), cy + 7);
		}
	}
#undef X
	buf_adds(b, "</svg>");
}

void web_svg_bcr(struct buf *b, double bcr, double lo, double hi, const char *id)
{
	const double h = 70, y = 26;
	double x0 = PAD + 10, x1 = W - PAD - 10, top = 1;
	char desc[256];

	/* the scale runs from 0 to past the interval and past break-even */
	top = fmax(fmax(hi, bcr), 1) * 1.15;
	if (!isfinite(top) || top <= 0)
		top = 2;
#define X(v) (x0 + clampd((v), 0, top) / top * (x1 - x0))
	snprintf(desc, sizeof(desc),
	         "Benefit-cost ratio %.2f with a 90%% interval from %.2f to %.2f; a ratio "
	         "above 1 means the benefits exceed the cost.",
	         bcr, lo, hi);
	open_svg(b, h, id, "Benefit-cost ratio and its 90% interval", desc);
	buf_printf(b, "<line class=\"axis\" x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\"/>", x0,
	           y + 16, x1, y + 16);
	for (int t = 0; t <= 4; t++) {
		double v = top * t / 4;
		buf_printf(b, "<text class=\"tick\" x=\"%.1f\" y=\"%.1f\">%.1f</text>", X(v),
		           y + 32, v);
	}
	buf_printf(b,
	           "<line class=\"zero\" x1=\"%.1f\" y1=\"4\" x2=\"%.1f\" y2=\"%.1f\"/>"
	           "<text class=\"tick strong\" x=\"%.1f\" y=\"12\">break-even</text>",
	           X(1), X(1), y + 18, X(1) + 4);
	if (isfinite(lo) && isfinite(hi))
		buf_printf(b,
		           "<rect class=\"band\" x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" "
		           "height=\"12\"/>",
		           X(lo), y - 6, X(hi) - X(lo));
	buf_printf(b, "<circle class=\"pt\" cx=\"%.1f\" cy=\"%.1f\" r=\"6\"/>", X(bcr), y);
#undef X
	buf_adds(b, "</svg>");
}

void web_svg_trend(struct buf *b, const char *const *labels, const double *values, size_t n,
                   const char *id)
{
	const double h = 180, top = 14, bottom = 36;
	double x0 = 56, x1 = W - PAD, max = 0;

	for (size_t i = 0; i < n; i++)
		max = fmax(max, values[i]);
	if (max <= 0)
		max = 1;
	max *= 1.1;
#define X(i) (n > 1 ? x0 + (double)(i) / (double)(n - 1) * (x1 - x0) : (x0 + x1) / 2)
#define Y(v) (h - bottom - (v) / max * (h - bottom - top))
	open_svg(b, h, id, "Recorded crime by month",
	         "Recorded crime in the area, month by month; the table that follows gives "
	         "the counts.");
	buf_printf(b, "<line class=\"axis\" x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\"/>", x0,
	           h - bottom, x1, h - bottom);
	for (int t = 0; t <= 2; t++) {
		double v = max / 1.1 * t / 2;
		buf_printf(b,
		           "<line class=\"grid\" x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\"/>"
		           "<text class=\"tick end\" x=\"%.1f\" y=\"%.1f\">%.0f</text>",
		           x0, Y(v), x1, Y(v), x0 - 6, Y(v) + 4, v);
	}
	if (n > 0) {
		buf_adds(b, "<polyline class=\"line\" points=\"");
		for (size_t i = 0; i < n; i++)
			buf_printf(b, "%s%.1f,%.1f", i ? " " : "", X(i), Y(values[i]));
		buf_adds(b, "\"/>");
	}
	for (size_t i = 0; i < n; i++) {
		buf_printf(b, "<circle class=\"pt\" cx=\"%.1f\" cy=\"%.1f\" r=\"3\"/>", X(i),
		           Y(values[i]));
		if (i == 0 || i + 1 == n || (n > 6 && i == n / 2)) {
			buf_printf(b, "<text class=\"tick\" x=\"%.1f\" y=\"%.1f\">", X(i),
			           h - bottom + 18);
			web_text(b, labels[i]);
			buf_adds(b, "</text>");
		}
	}
#undef X
#undef Y
	buf_adds(b, "</svg>");
}
