/*
 * Parses "key=value key=value ...". Known keys: n, mib, cpus (decimal) and
 * mode (cpl0|cpl3). Unknown keys are ignored so a VMM may append its own;
 * a malformed value for a known key is an error naming the key.
 */
#include "probe.h"

static int key_is(const char *tok, u64 klen, const char *key)
{
	u64 i = 0;
	for (; i < klen; i++)
		if (key[i] == '\0' || key[i] != tok[i])
			return 0;
	return key[i] == '\0';
}

static int value_is(const char *v, u64 vlen, const char *want)
{
	return key_is(v, vlen, want);
}

static int parse_decimal(const char *v, u64 vlen, u64 *out)
{
	u64 x = 0;

	if (vlen == 0)
		return -1;
	for (u64 i = 0; i < vlen; i++) {
		if (v[i] < '0' || v[i] > '9')
			return -1;
		u64 d = (u64)(v[i] - '0');
		if (x > (~0UL - d) / 10)
			return -1;
		x = x * 10 + d;
	}
	*out = x;
	return 0;
}

static void report(const char *what, const char *tok, u64 len)
{
	char shown[64];
	u64 n = len < sizeof(shown) - 1 ? len : sizeof(shown) - 1;

	memcpy(shown, tok, n);
	shown[n] = '\0';
	kprintf("probe: bad cmdline argument '%s': %s\n", shown, what);
}

int parse_args(const char *s, struct args *a)
{
	a->n = 1000;
	a->mib = 16;
	a->cpus = 1;
	a->mode = MODE_CPL3;

	while (*s) {
		while (*s == ' ' || *s == '\t' || *s == '\n')
			s++;
		const char *tok = s;
		while (*s && *s != ' ' && *s != '\t' && *s != '\n')
			s++;
		u64 len = (u64)(s - tok);
		if (len == 0)
			break;
		u64 klen = 0;
		while (klen < len && tok[klen] != '=')
			klen++;
		const char *v = tok + klen + 1;
		u64 vlen = klen < len ? len - klen - 1 : 0;
		int has_value = klen < len;

		if (key_is(tok, klen, "n") || key_is(tok, klen, "mib") || key_is(tok, klen, "cpus")) {
			u64 x;
			if (!has_value || parse_decimal(v, vlen, &x) != 0) {
				report("want a decimal number", tok, len);
				return -1;
			}
			if (key_is(tok, klen, "n")) {
				a->n = x;
			} else if (key_is(tok, klen, "mib")) {
				if (x > 4096 - 16) {
					report("must be at most 4080 (the identity map ends at 4 GiB)", tok, len);
					return -1;
				}
				a->mib = x;
			} else {
				if (x < 1 || x > MAX_CPUS) {
					report("must be between 1 and 64", tok, len);
					return -1;
				}
				a->cpus = x;
			}
		} else if (key_is(tok, klen, "mode")) {
			if (has_value && value_is(v, vlen, "cpl3")) {
				a->mode = MODE_CPL3;
			} else if (has_value && value_is(v, vlen, "cpl0")) {
				a->mode = MODE_CPL0;
			} else {
				report("want cpl0 or cpl3", tok, len);
				return -1;
			}
		}
	}
	return 0;
}
