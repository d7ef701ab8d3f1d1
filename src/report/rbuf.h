/* A growing text buffer for the HTML report, with HTML escaping and number formatting. An
 * allocation failure sticks (oom) and later writes do nothing. */
#ifndef XDPERF_REPORT_RBUF_H
#define XDPERF_REPORT_RBUF_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

struct rbuf {
	char *p;
	size_t len, cap;
	bool oom;
};

void rb_put(struct rbuf *b, const char *s, size_t n);
void rb_puts(struct rbuf *b, const char *s);
void rb_printf(struct rbuf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Text for HTML content or a quoted attribute value (also inside inline SVG): & < > " ' as
 * character references, invalid UTF-8 bytes as U+FFFD, control characters (but tab and
 * newline) as their visible Control Pictures (U+2400...). */
void rb_text(struct rbuf *b, const char *s);

/* A number for people: integers exactly; others with 6 significant digits (whole numbers
 * from 100000 on). */
void rb_num(struct rbuf *b, double v);
/* A JSON value as a number for people: integer exactly, real by rb_num, anything else as
 * "–" (not given). */
void rb_jnum(struct rbuf *b, const json_t *v);

/* A coordinate for SVG (2 decimals). */
void rb_coord(struct rbuf *b, double v);

#endif
