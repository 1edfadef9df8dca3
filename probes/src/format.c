/* A small vsnprintf: enough for the probes' one-line messages. */
#include "probe.h"

struct out {
	char *buf;
	u64 size;
	u64 len;
};

static void put(struct out *o, char c)
{
	if (o->len + 1 < o->size)
		o->buf[o->len] = c;
	o->len++;
}

static void put_u64(struct out *o, u64 v, unsigned base)
{
	char tmp[20];
	int i = 0;

	do {
		unsigned d = v % base;
		tmp[i++] = (char)(d < 10 ? '0' + d : 'a' + d - 10);
		v /= base;
	} while (v != 0);
	while (i > 0)
		put(o, tmp[--i]);
}

int vformat(char *buf, u64 size, const char *fmt, va_list ap)
{
	struct out o = { buf, size, 0 };

	for (; *fmt; fmt++) {
		if (*fmt != '%') {
			put(&o, *fmt);
			continue;
		}
		int is_long = 0;
		if (*++fmt == 'l') {
			is_long = 1;
			fmt++;
		}
		switch (*fmt) {
		case 's': {
			const char *s = va_arg(ap, const char *);
			while (*s)
				put(&o, *s++);
			break;
		}
		case 'c':
			put(&o, (char)va_arg(ap, int));
			break;
		case 'd': {
			long v = is_long ? va_arg(ap, long) : va_arg(ap, int);
			if (v < 0) {
				put(&o, '-');
				put_u64(&o, (u64)0 - (u64)v, 10);
			} else {
				put_u64(&o, (u64)v, 10);
			}
			break;
		}
		case 'u':
			put_u64(&o, is_long ? va_arg(ap, u64) : va_arg(ap, u32), 10);
			break;
		case 'x':
			put_u64(&o, is_long ? va_arg(ap, u64) : va_arg(ap, u32), 16);
			break;
		case '%':
			put(&o, '%');
			break;
		default:
			/* Unknown conversion: show it rather than guess at the argument. */
			put(&o, '%');
			if (*fmt == '\0')
				goto done;
			put(&o, *fmt);
			break;
		}
	}
done:
	if (size > 0)
		buf[o.len < size ? o.len : size - 1] = '\0';
	return (int)o.len;
}

int format(char *buf, u64 size, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	int len = vformat(buf, size, fmt, ap);
	va_end(ap);
	return len;
}
