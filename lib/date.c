/*
 * date.c: turn the dates feeds carry into seconds since the epoch (UTC).
 * Two parsers: a strict one for RFC 3339 / W3CDTF / ISO 8601 and a tolerant
 * token-based one for RFC 822/1123/850, asctime and non-English spellings.
 * Arithmetic is days-from-civil: no timegm(), mktime(), locale or TZ.
 */
#include "config.h"

#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <libxml/xmlstring.h>

#include "date.h"

#define WORD_MAX	48	/* folded bytes kept of one word */
#define NUM_MAX		3	/* bare numbers in a textual date */
#define COMMENT_DEPTH	8

struct fields {
	int	year, mon, day;
	int	hour, min, sec;
	int	off;		/* minutes east of UTC */
};

/*
 * Month and weekday names, folded: lower case, Latin accents stripped,
 * Greek without tonos and with final sigma as σ, Cyrillic ё as е.
 * month 0 is a weekday.  A word matches an entry exactly or, when it has
 * three letters or more, as a prefix; a word whose matches name more than
 * one month is ambiguous and not a month.
 */
struct name {
	const char	*s;
	int		 month;
};

static const struct name names[] = {
	/* English */
	{ "january", 1 }, { "february", 2 }, { "march", 3 }, { "april", 4 },
	{ "may", 5 }, { "june", 6 }, { "july", 7 }, { "august", 8 },
	{ "september", 9 }, { "october", 10 }, { "november", 11 },
	{ "december", 12 }, { "sept", 9 },
	{ "monday", 0 }, { "tuesday", 0 }, { "wednesday", 0 },
	{ "thursday", 0 }, { "friday", 0 }, { "saturday", 0 },
	{ "sunday", 0 }, { "tues", 0 }, { "weds", 0 }, { "thur", 0 },
	{ "thurs", 0 },
	/* German */
	{ "januar", 1 }, { "janner", 1 }, { "februar", 2 }, { "feber", 2 },
	{ "marz", 3 }, { "maerz", 3 }, { "mrz", 3 }, { "mai", 5 },
	{ "juni", 6 }, { "juli", 7 }, { "oktober", 10 }, { "dezember", 12 },
	{ "montag", 0 }, { "dienstag", 0 }, { "mittwoch", 0 },
	{ "donnerstag", 0 }, { "freitag", 0 }, { "samstag", 0 },
	{ "sonnabend", 0 }, { "sonntag", 0 }, { "mo", 0 }, { "di", 0 },
	{ "mi", 0 }, { "do", 0 }, { "fr", 0 }, { "sa", 0 }, { "so", 0 },
	/* French */
	{ "janvier", 1 }, { "fevrier", 2 }, { "mars", 3 }, { "avril", 4 },
	{ "juin", 6 }, { "juillet", 7 }, { "aout", 8 }, { "septembre", 9 },
	{ "octobre", 10 }, { "novembre", 11 }, { "decembre", 12 },
	{ "lundi", 0 }, { "mardi", 0 }, { "mercredi", 0 }, { "jeudi", 0 },
	{ "vendredi", 0 }, { "samedi", 0 }, { "dimanche", 0 },
	/* "mar" is March and, in French, Spanish and Italian, Tuesday */
	{ "mar", 0 }, { "mar", 3 },
	/* Spanish */
	{ "enero", 1 }, { "febrero", 2 }, { "marzo", 3 }, { "abril", 4 },
	{ "mayo", 5 }, { "junio", 6 }, { "julio", 7 }, { "agosto", 8 },
	{ "septiembre", 9 }, { "setiembre", 9 }, { "octubre", 10 },
	{ "noviembre", 11 }, { "diciembre", 12 },
	{ "lunes", 0 }, { "martes", 0 }, { "miercoles", 0 }, { "jueves", 0 },
	{ "viernes", 0 }, { "sabado", 0 }, { "domingo", 0 }, { "lu", 0 },
	{ "ma", 0 }, { "ju", 0 }, { "vi", 0 },
	/* Italian */
	{ "gennaio", 1 }, { "febbraio", 2 }, { "aprile", 4 }, { "maggio", 5 },
	{ "giugno", 6 }, { "luglio", 7 }, { "settembre", 9 },
	{ "ottobre", 10 }, { "dicembre", 12 },
	{ "lunedi", 0 }, { "martedi", 0 }, { "mercoledi", 0 },
	{ "giovedi", 0 }, { "venerdi", 0 }, { "sabato", 0 },
	{ "domenica", 0 },
	/* Dutch */
	{ "januari", 1 }, { "februari", 2 }, { "maart", 3 }, { "mrt", 3 },
	{ "mei", 5 }, { "augustus", 8 },
	{ "maandag", 0 }, { "dinsdag", 0 }, { "woensdag", 0 },
	{ "donderdag", 0 }, { "vrijdag", 0 }, { "zaterdag", 0 },
	{ "zondag", 0 }, { "wo", 0 }, { "vr", 0 }, { "za", 0 }, { "zo", 0 },
	/* Portuguese */
	{ "janeiro", 1 }, { "fevereiro", 2 }, { "marco", 3 }, { "maio", 5 },
	{ "junho", 6 }, { "julho", 7 }, { "setembro", 9 }, { "outubro", 10 },
	{ "novembro", 11 }, { "dezembro", 12 },
	{ "segunda", 0 }, { "terca", 0 }, { "quarta", 0 }, { "quinta", 0 },
	{ "sexta", 0 }, { "feira", 0 }, { "qua", 0 }, { "qui", 0 },
	/* Polish, nominative and genitive */
	{ "styczen", 1 }, { "stycznia", 1 }, { "luty", 2 }, { "lutego", 2 },
	{ "marzec", 3 }, { "marca", 3 }, { "kwiecien", 4 }, { "kwietnia", 4 },
	{ "maj", 5 }, { "maja", 5 }, { "czerwiec", 6 }, { "czerwca", 6 },
	{ "lipiec", 7 }, { "lipca", 7 }, { "sierpien", 8 }, { "sierpnia", 8 },
	{ "wrzesien", 9 }, { "wrzesnia", 9 }, { "pazdziernik", 10 },
	{ "pazdziernika", 10 }, { "listopad", 11 }, { "listopada", 11 },
	{ "grudzien", 12 }, { "grudnia", 12 },
	{ "poniedzialek", 0 }, { "wtorek", 0 }, { "sroda", 0 },
	{ "czwartek", 0 }, { "piatek", 0 }, { "sobota", 0 },
	{ "niedziela", 0 }, { "wt", 0 }, { "sr", 0 }, { "czw", 0 },
	{ "pt", 0 }, { "nd", 0 },
	/* Czech, nominative and genitive */
	{ "leden", 1 }, { "ledna", 1 }, { "unor", 2 }, { "unora", 2 },
	{ "brezen", 3 }, { "brezna", 3 }, { "duben", 4 }, { "dubna", 4 },
	{ "kveten", 5 }, { "kvetna", 5 }, { "cerven", 6 }, { "cervna", 6 },
	{ "cervenec", 7 }, { "cervence", 7 }, { "srpen", 8 }, { "srpna", 8 },
	{ "zari", 9 }, { "rijen", 10 }, { "rijna", 10 }, { "listopadu", 11 },
	{ "prosinec", 12 }, { "prosince", 12 },
	{ "pondeli", 0 }, { "utery", 0 }, { "streda", 0 }, { "ctvrtek", 0 },
	{ "patek", 0 }, { "nedele", 0 }, { "po", 0 }, { "ut", 0 },
	{ "st", 0 }, { "ct", 0 }, { "pa", 0 }, { "ne", 0 },
	/* Swedish and Danish (Norwegian shares most) */
	{ "mars", 3 }, { "augusti", 8 }, { "marts", 3 },
	{ "mandag", 0 }, { "tisdag", 0 }, { "tirsdag", 0 }, { "onsdag", 0 },
	{ "torsdag", 0 }, { "fredag", 0 }, { "lordag", 0 }, { "sondag", 0 },
	{ "man", 0 },
	/* Hungarian */
	{ "marcius", 3 }, { "aprilis", 4 }, { "majus", 5 }, { "maujus", 5 },
	{ "junius", 6 }, { "julius", 7 }, { "augusztus", 8 },
	{ "szeptember", 9 }, { "febr", 2 }, { "szept", 9 },
	{ "hetfo", 0 }, { "kedd", 0 }, { "szerda", 0 }, { "csutortok", 0 },
	{ "pentek", 0 }, { "szombat", 0 }, { "vasarnap", 0 },
	/* Greek, nominative and genitive; the odd spellings feedparser saw */
	{ "ιανουαριοσ", 1 }, { "ιανουαριου", 1 }, { "φεβρουαριοσ", 2 },
	{ "φεβρουαριου", 2 }, { "μαρτιοσ", 3 }, { "μαρτιου", 3 },
	{ "απριλιοσ", 4 }, { "απριλιου", 4 }, { "μαιοσ", 5 }, { "μαιου", 5 },
	{ "μαι", 5 }, { "ιουνιοσ", 6 }, { "ιουνιου", 6 }, { "ιουν", 6 },
	{ "ιουλιοσ", 7 }, { "ιουλιου", 7 }, { "ιουλ", 7 },
	{ "αυγουστοσ", 8 }, { "αυγουστου", 8 }, { "σεπτεμβριοσ", 9 },
	{ "σεπτεμβριου", 9 }, { "οκτωβριοσ", 10 }, { "οκτωβριου", 10 },
	{ "νοεμβριοσ", 11 }, { "νοεμβριου", 11 }, { "δεκεμβριοσ", 12 },
	{ "δεκεμβριου", 12 }, { "μαω", 3 }, { "ιον", 6 }, { "ιολ", 7 },
	{ "κυριακη", 0 }, { "δευτερα", 0 }, { "τριτη", 0 }, { "τεταρτη", 0 },
	{ "πεμπτη", 0 }, { "παρασκευη", 0 }, { "σαββατο", 0 },
	/* Russian, nominative and genitive */
	{ "январь", 1 }, { "января", 1 }, { "февраль", 2 }, { "февраля", 2 },
	{ "март", 3 }, { "марта", 3 }, { "апрель", 4 }, { "апреля", 4 },
	{ "май", 5 }, { "мая", 5 }, { "июнь", 6 }, { "июня", 6 },
	{ "июль", 7 }, { "июля", 7 }, { "август", 8 }, { "августа", 8 },
	{ "сентябрь", 9 }, { "сентября", 9 }, { "октябрь", 10 },
	{ "октября", 10 }, { "ноябрь", 11 }, { "ноября", 11 },
	{ "декабрь", 12 }, { "декабря", 12 },
	{ "понедельник", 0 }, { "вторник", 0 }, { "среда", 0 },
	{ "четверг", 0 }, { "пятница", 0 }, { "суббота", 0 },
	{ "воскресенье", 0 }, { "пн", 0 }, { "вт", 0 }, { "ср", 0 },
	{ "чт", 0 }, { "пт", 0 }, { "сб", 0 }, { "вс", 0 },
};

/* Zone names, minutes east of UTC.  Ambiguous ones (IST, BST as Bangladesh) lose. */
struct zone {
	const char	*s;
	int		 off;
};

static const struct zone zones[] = {
	{ "ut", 0 }, { "utc", 0 }, { "gmt", 0 }, { "z", 0 }, { "wet", 0 },
	{ "west", 60 }, { "bst", 60 }, { "cet", 60 }, { "cest", 120 },
	{ "met", 60 }, { "mest", 120 }, { "mez", 60 }, { "mesz", 120 },
	{ "eet", 120 }, { "eest", 180 }, { "msk", 180 }, { "msd", 240 },
	{ "est", -300 }, { "edt", -240 }, { "cst", -360 }, { "cdt", -300 },
	{ "mst", -420 }, { "mdt", -360 }, { "pst", -480 }, { "pdt", -420 },
	{ "et", -300 }, { "ct", -360 }, { "mt", -420 }, { "pt", -480 },
	{ "ast", -240 }, { "adt", -180 }, { "akst", -540 }, { "akdt", -480 },
	{ "hst", -600 }, { "nst", -210 }, { "ndt", -150 },
	{ "wat", 60 }, { "cat", 120 }, { "eat", 180 }, { "sast", 120 },
	{ "hkt", 480 }, { "sgt", 480 }, { "awst", 480 }, { "jst", 540 },
	{ "kst", 540 }, { "acst", 570 }, { "acdt", 630 }, { "aest", 600 },
	{ "aedt", 660 }, { "nzst", 720 }, { "nzdt", 780 },
};

/* Words that stand between the parts of a date and mean nothing. */
static const char *const fillers[] = {
	"at", "the", "of", "um", "den", "d", "de", "del", "le", "el", "om", "kl",
	"klo", "alle", "ore", "as", "a", "uhr", "r", "roku", "г", "года",
	"год",
};

/* Suffixes glued to a day number: 1st, 2nd, 1er, 6e, 1º. */
static const char *const ordinals[] = {
	"st", "nd", "rd", "th", "er", "e", "o", "a",
};

/* Latin Extended-A, U+0100..U+017F, to the base letter. */
static const char latin_ext_a[] =
    "aaaaaacccccccc" "dddd" "eeeeeeeeee" "gggggggg" "hhhh" "iiiiiiiiii"
    "ii" "jj" "kkk" "llllllllll" "nnnnnnnnn" "oooooo" "oo" "rrrrrr"
    "ssssssss" "tttttt" "uuuuuuuuuuuu" "ww" "yyy" "zzzzzz" "s";
_Static_assert(sizeof(latin_ext_a) == 0x80 + 1, "latin_ext_a covers U+0100..U+017F");

/* Latin-1 letters U+00C0..U+00FF to the base letter ('*' for ×, ÷, æ, ß). */
static const char latin_1[] =
    "aaaaaa*ceeeeiiii" "dnooooo*ouuuuyt*" "aaaaaa*ceeeeiiii" "dnooooo*ouuuuyty";
_Static_assert(sizeof(latin_1) == 0x40 + 1, "latin_1 covers U+00C0..U+00FF");

int64_t
date_days_from_civil(int64_t y, int m, int d)
{
	int64_t	era, yoe, doy, doe;

	y -= m <= 2;
	era = (y >= 0 ? y : y - 399) / 400;
	yoe = y - era * 400;
	doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + doe - 719468;
}

void
date_civil_from_days(int64_t z, int64_t *y, int *m, int *d)
{
	int64_t	era, doe, yoe, doy, mp;

	z += 719468;
	era = (z >= 0 ? z : z - 146096) / 146097;
	doe = z - era * 146097;
	yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	mp = (5 * doy + 2) / 153;
	*d = (int)(doy - (153 * mp + 2) / 5 + 1);
	*m = (int)(mp < 10 ? mp + 3 : mp - 9);
	*y = yoe + era * 400 + (*m <= 2);
}

static int
days_in_month(int y, int m)
{
	static const int dim[] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };

	if (m == 2 && y % 4 == 0 && (y % 100 != 0 || y % 400 == 0))
		return 29;
	return dim[m - 1];
}

/* Checks the ranges and computes the epoch seconds. */
static int
fields_finish(struct fields *f, int64_t *out)
{
	if (f->year < 1 || f->year > 9999 || f->mon < 1 || f->mon > 12 ||
	    f->day < 1 || f->day > days_in_month(f->year, f->mon))
		return -1;
	if (f->hour == 24 && (f->min != 0 || f->sec != 0))
		return -1;
	if (f->hour < 0 || f->hour > 24 || f->min < 0 || f->min > 59 ||
	    f->sec < 0 || f->sec > 60)
		return -1;
	if (f->sec == 60)
		f->sec = 59;
	if (f->off < -15 * 60 || f->off > 15 * 60)
		return -1;
	*out = date_days_from_civil(f->year, f->mon, f->day) * 86400 +
	    f->hour * 3600 + f->min * 60 + f->sec - (int64_t)f->off * 60;
	return 0;
}

/* Reads up to `max` digits; returns how many were read (0: none). */
static int
read_digits(const char **pp, int max, int *val)
{
	const char	*p = *pp;
	int		 n = 0, v = 0;

	while (n < max && *p >= '0' && *p <= '9') {
		v = v * 10 + (*p - '0');
		p++;
		n++;
	}
	*pp = p;
	*val = v;
	return n;
}

static int
count_digits(const char *p)
{
	int	n = 0;

	while (p[n] >= '0' && p[n] <= '9')
		n++;
	return n;
}

static int
is_alpha(int c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

/* Decodes one UTF-8 character; returns its length, 0 at the end, -1 if invalid. */
static int
utf8_next(const char *p, int *cp)
{
	int	len;

	if (*p == '\0')
		return 0;
	if ((unsigned char)*p < 0x80) {
		*cp = (unsigned char)*p;
		return 1;
	}
	len = (int)strnlen(p, 4);
	*cp = xmlGetUTF8Char((const unsigned char *)p, &len);
	if (*cp < 0 || len <= 0)
		return -1;
	return len;
}

static int
is_space_cp(int cp)
{
	return cp == ' ' || cp == '\t' || cp == '\n' || cp == '\r' ||
	    cp == '\f' || cp == '\v' || cp == 0xa0 || cp == 0x2007 ||
	    cp == 0x2009 || cp == 0x202f || cp == 0x3000;
}

/* Letters of a word: ASCII letters and anything non-ASCII that is not a space. */
static int
is_word_cp(int cp)
{
	if (cp < 0x80)
		return is_alpha(cp);
	return !is_space_cp(cp) && cp != 0x2013 && cp != 0x2014;
}

static int
put_utf8(char *buf, size_t *len, int cp)
{
	char	tmp[3];
	size_t	n;

	if (cp < 0x80) {
		tmp[0] = (char)cp;
		n = 1;
	} else if (cp < 0x800) {
		tmp[0] = (char)(0xc0 | (cp >> 6));
		tmp[1] = (char)(0x80 | (cp & 0x3f));
		n = 2;
	} else if (cp < 0x10000) {
		tmp[0] = (char)(0xe0 | (cp >> 12));
		tmp[1] = (char)(0x80 | ((cp >> 6) & 0x3f));
		tmp[2] = (char)(0x80 | (cp & 0x3f));
		n = 3;
	} else
		return -1;	/* no date word lies outside the BMP */
	if (*len + n >= WORD_MAX)
		return -1;
	memcpy(buf + *len, tmp, n);
	*len += n;
	buf[*len] = '\0';
	return 0;
}

/* Appends the folded form of `cp` to buf; -1 when the word grows too long. */
static int
fold_cp(char *buf, size_t *len, int cp)
{
	char	c;

	if (cp >= 'A' && cp <= 'Z')
		return put_utf8(buf, len, cp - 'A' + 'a');
	if (cp < 0x80)
		return put_utf8(buf, len, cp);
	if (cp >= 0x300 && cp <= 0x36f)
		return 0;	/* combining accent (decomposed input) */
	if (cp == 0xaa)
		return put_utf8(buf, len, 'a');
	if (cp == 0xba)
		return put_utf8(buf, len, 'o');
	if (cp >= 0xc0 && cp <= 0xff) {
		if (cp == 0xc6 || cp == 0xe6)
			return fold_cp(buf, len, 'a') == 0 ?
			    fold_cp(buf, len, 'e') : -1;
		if (cp == 0xdf)
			return fold_cp(buf, len, 's') == 0 ?
			    fold_cp(buf, len, 's') : -1;
		c = latin_1[cp - 0xc0];
		return put_utf8(buf, len, c == '*' ? cp : c);
	}
	if (cp >= 0x100 && cp <= 0x17f)
		return put_utf8(buf, len, latin_ext_a[cp - 0x100]);
	/* Greek: lower case, no tonos or dialytika, σ for ς */
	switch (cp) {
	case 0x386: case 0x3ac:
		return put_utf8(buf, len, 0x3b1);
	case 0x388: case 0x3ad:
		return put_utf8(buf, len, 0x3b5);
	case 0x389: case 0x3ae:
		return put_utf8(buf, len, 0x3b7);
	case 0x38a: case 0x3af: case 0x390: case 0x3aa: case 0x3ca:
		return put_utf8(buf, len, 0x3b9);
	case 0x38c: case 0x3cc:
		return put_utf8(buf, len, 0x3bf);
	case 0x38e: case 0x3cd: case 0x3b0: case 0x3ab: case 0x3cb:
		return put_utf8(buf, len, 0x3c5);
	case 0x38f: case 0x3ce:
		return put_utf8(buf, len, 0x3c9);
	case 0x3c2:
		return put_utf8(buf, len, 0x3c3);
	case 0x401: case 0x451:
		return put_utf8(buf, len, 0x435);
	}
	if (cp >= 0x391 && cp <= 0x3a9)
		return put_utf8(buf, len, cp + 0x20);
	if (cp >= 0x410 && cp <= 0x42f)
		return put_utf8(buf, len, cp + 0x20);
	if (cp >= 0x400 && cp <= 0x40f)
		return put_utf8(buf, len, cp + 0x50);
	return put_utf8(buf, len, cp);
}

/*
 * Reads a word at *pp into `buf`, folded.  Returns its length in
 * characters, or -1 when it is too long or not valid UTF-8; *pp is
 * advanced past the word either way (past the bad byte when invalid).
 */
static int
read_word(const char **pp, char *buf)
{
	const char	*p = *pp;
	size_t		 len = 0;
	int		 cp, n, nchars = 0, bad = 0;

	buf[0] = '\0';
	for (;;) {
		n = utf8_next(p, &cp);
		if (n < 0) {
			if (p == *pp)
				p++;
			bad = 1;
			break;
		}
		if (n == 0 || !is_word_cp(cp))
			break;
		if (!bad && fold_cp(buf, &len, cp) == -1)
			bad = 1;
		p += n;
		nchars++;
	}
	*pp = p;
	return bad ? -1 : nchars;
}

/*
 * Month and weekday role of a folded word: *month is 1..12, 0 for none,
 * -1 when the matches disagree; returns 1 if it may be a weekday.
 */
static int
name_lookup_slow(const char *w, int nchars, int *month)
{
	size_t	 i, wlen = strlen(w);
	int	 mask = 0, wday = 0, m, pass;

	for (pass = 0; pass < 2 && mask == 0 && !wday; pass++) {
		if (pass == 1 && nchars < 3)
			break;
		for (i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
			/* most names differ in their first byte */
			if (names[i].s[0] != w[0])
				continue;
			if (pass == 0 ? strcmp(names[i].s, w) != 0 :
			    strncmp(names[i].s, w, wlen) != 0)
				continue;
			if (names[i].month == 0)
				wday = 1;
			else
				mask |= 1 << names[i].month;
		}
	}
	*month = 0;
	for (m = 1; m <= 12; m++) {
		if (mask & (1 << m))
			*month = *month == 0 ? m : -1;
	}
	return wday;
}

/*
 * Feeds repeat the same few names ("Mon", "Nov") thousands of times: the
 * answers of the table scan above are remembered by word.
 */
static int
name_lookup(const char *w, int nchars, int *month)
{
	static struct {
		char	 w[16];
		int	 nchars;
		int	 wday;
		int	 month;
	}		 memo[64];
	unsigned	 h = 2166136261u;
	const char	*c;
	size_t		 len = strlen(w);
	int		 wday;

	if (len >= sizeof(memo[0].w))
		return name_lookup_slow(w, nchars, month);
	for (c = w; *c != '\0'; c++)
		h = (h ^ (unsigned char)*c) * 16777619u;
	h &= 63;
	if (memo[h].w[0] != '\0' && memo[h].nchars == nchars &&
	    strcmp(memo[h].w, w) == 0) {
		*month = memo[h].month;
		return memo[h].wday;
	}
	wday = name_lookup_slow(w, nchars, month);
	memcpy(memo[h].w, w, len + 1);
	memo[h].nchars = nchars;
	memo[h].wday = wday;
	memo[h].month = *month;
	return wday;
}

static int
zone_lookup(const char *w, int *off)
{
	size_t	i;

	for (i = 0; i < sizeof(zones) / sizeof(zones[0]); i++) {
		if (strcmp(zones[i].s, w) == 0) {
			*off = zones[i].off;
			return 0;
		}
	}
	return -1;
}

static int
in_list(const char *w, const char *const *list, size_t n)
{
	size_t	i;

	for (i = 0; i < n; i++)
		if (strcmp(list[i], w) == 0)
			return 1;
	return 0;
}

/* Military letters: A..I +1..+9, K..M +10..+12, N..Y -1..-12 (RFC 1123 signs), Z 0. */
static int
military_lookup(const char *w, int *off)
{
	int	c;

	if (w[0] == '\0' || w[1] != '\0' || w[0] < 'a' || w[0] > 'z' ||
	    w[0] == 'j')
		return -1;
	c = w[0];
	if (c == 'z')
		*off = 0;
	else if (c <= 'i')
		*off = (c - 'a' + 1) * 60;
	else if (c <= 'm')
		*off = (c - 'k' + 10) * 60;
	else
		*off = -(c - 'n' + 1) * 60;
	return 0;
}

/* Skips a parenthesised comment at *pp (nested, possibly unclosed). */
static void
skip_comment(const char **pp)
{
	const char	*p = *pp;
	int		 depth = 0;

	while (*p != '\0') {
		if (*p == '(')
			depth++;
		else if (*p == ')' && --depth == 0) {
			p++;
			break;
		}
		p++;
	}
	*pp = p;
}

/* Skips white space (including the Unicode spaces feeds carry). */
static const char *
skip_space(const char *p)
{
	int	cp, n;

	while ((n = utf8_next(p, &cp)) > 0 && is_space_cp(cp))
		p += n;
	return p;
}

/* True if only white space and comments remain. */
static int
at_end(const char *p)
{
	int	i;

	for (i = 0; i < COMMENT_DEPTH; i++) {
		p = skip_space(p);
		if (*p != '(')
			break;
		skip_comment(&p);
	}
	return *skip_space(p) == '\0';
}

/*
 * Reads a numeric offset at its sign: +hh, +h, +hhmm, +hmm, +hh:mm, into
 * *off (minutes east of UTC); -1 when malformed or beyond 14:59.
 */
static int
read_offset(const char **pp, int *off)
{
	const char	*p = *pp;
	int		 sign, n, v, h, m = 0;

	sign = *p == '-' ? -1 : 1;
	p++;
	n = read_digits(&p, 5, &v);
	switch (n) {
	case 1:
	case 2:
		h = v;
		if (*p == ':' && count_digits(p + 1) == 2) {
			p++;
			read_digits(&p, 2, &m);
		}
		break;
	case 3:
	case 4:
		h = v / 100;
		m = v % 100;
		break;
	default:
		return -1;
	}
	if (h > 14 || m > 59)
		return -1;
	*off = sign * (h * 60 + m);
	*pp = p;
	return 0;
}

/*
 * Reads hh:mm[:ss[.frac]] (or hhmm[ss][.frac] when `basic`) into f.
 */
static int
read_time(const char **pp, struct fields *f, int basic)
{
	const char	*p = *pp;
	int		 n, v;

	f->min = f->sec = 0;
	if (basic) {
		n = count_digits(p);
		if (n != 4 && n != 6)
			return -1;
		read_digits(&p, 2, &f->hour);
		read_digits(&p, 2, &f->min);
		if (n == 6)
			read_digits(&p, 2, &f->sec);
	} else {
		if (read_digits(&p, 3, &f->hour) > 2 || *p != ':')
			return -1;
		p++;
		if (read_digits(&p, 3, &f->min) != 2)
			return -1;
		if (*p == ':' && p[1] >= '0' && p[1] <= '9') {
			p++;
			if (read_digits(&p, 3, &f->sec) != 2)
				return -1;
		} else
			goto done;
	}
	if ((*p == '.' || *p == ',') && p[1] >= '0' && p[1] <= '9') {
		p++;
		while (*p >= '0' && *p <= '9')
			read_digits(&p, 9, &v);
	}
done:
	*pp = p;
	return 0;
}

/*
 * RFC 3339 / W3CDTF / ISO 8601: YYYY, YYYY-MM, YYYY-MM-DD, YYYY-DDD,
 * YYYY/MM/DD, YYYYMMDD, a month name in the month's place, then
 * optionally [Tt ]time and a zone (Z, ±hh[:mm], a zone name).
 */
static int
parse_iso(const char *p, struct fields *f)
{
	const char	*q;
	char		 w[WORD_MAX];
	int		 n, sep, month, basic = 0, ordinal = 0, have_day = 1;
	int		 have_time = 0, off;

	memset(f, 0, sizeof(*f));
	p = skip_space(p);
	n = count_digits(p);
	if (n == 8) {
		basic = 1;
		read_digits(&p, 4, &f->year);
		read_digits(&p, 2, &f->mon);
		read_digits(&p, 2, &f->day);
	} else if (n == 4) {
		read_digits(&p, 4, &f->year);
		f->mon = f->day = 1;
		if (*p == '-' || *p == '/') {
			sep = *p++;
			n = count_digits(p);
			if (n == 3 && sep == '-') {
				read_digits(&p, 3, &ordinal);
				f->mon = 1;
			} else if (n == 1 || n == 2) {
				read_digits(&p, 2, &f->mon);
			} else if (n == 0 && sep == '-' && is_word_cp(
			    (unsigned char)*p)) {
				n = read_word(&p, w);
				if (n < 1)
					return -1;
				(void)name_lookup(w, n, &month);
				if (month <= 0)
					return -1;
				f->mon = month;
			} else
				return -1;
			if (ordinal == 0 && *p == sep) {
				p++;
				if (read_digits(&p, 2, &f->day) == 0)
					return -1;
			} else if (ordinal == 0) {
				if (sep == '/')
					return -1;
				have_day = 0;
			}
		} else
			have_day = 0;
		if (count_digits(p) > 0)
			return -1;
	} else
		return -1;

	if (ordinal != 0) {
		if (ordinal > (days_in_month(f->year, 2) == 29 ? 366 : 365))
			return -1;
		for (f->mon = 1; ordinal > days_in_month(f->year, f->mon);
		    f->mon++)
			ordinal -= days_in_month(f->year, f->mon);
		f->day = ordinal;
	}

	/* time */
	if (!have_day)
		return at_end(p) ? 0 : -1;
	if ((*p == 'T' || *p == 't') && p[1] >= '0' && p[1] <= '9') {
		p++;
		if (read_time(&p, f, basic && count_digits(p) >= 4) == -1)
			return -1;
		have_time = 1;
	} else if (*p == ' ' || *p == '\t') {
		q = skip_space(p);
		if (*q >= '0' && *q <= '9') {
			p = q;
			if (read_time(&p, f, 0) == -1)
				return -1;
			have_time = 1;
		}
	}

	/* zone; after a full timestamp and a space, junk is tolerated */
	q = skip_space(p);
	if ((*q == 'Z' || *q == 'z') && !is_alpha((unsigned char)q[1])) {
		p = q + 1;
	} else if (*q == '+' || *q == '-') {
		p = q;
		if (read_offset(&p, &f->off) == -1)
			return -1;
	} else if (is_alpha((unsigned char)*q)) {
		p = q;
		if (read_word(&p, w) < 1 || zone_lookup(w, &f->off) == -1)
			return have_time && q != skip_space(q) ? 0 : -1;
		if ((*p == '+' || *p == '-') && f->off == 0) {
			if (read_offset(&p, &off) == -1)
				return -1;
			f->off = off;
		}
	}
	if (at_end(p))
		return 0;
	return have_time && skip_space(p) != p ? 0 : -1;
}

struct text {
	int	num[NUM_MAX], numlen[NUM_MAX];
	char	numsep[NUM_MAX];
	int	nnum;
	int	month, month_amb;	/* definite month; one that may be a weekday */
	int	nmonth, nmonth_amb;	/* nmonth_amb counts distinct months */
	int	have_time, ampm;	/* ampm: 0, 'a', 'p' */
	int	have_zone, zone;
	int	have_off, off;
};

/* Enough for a date: a month, a day and a year. */
static int
text_complete(const struct text *t)
{
	return (t->nmonth == 1 || (t->nmonth == 0 && t->nmonth_amb == 1)) &&
	    t->nnum >= 2;
}

/* Handles one word; returns 0, 1 to stop (junk after a date) or -1. */
static int
text_word(struct text *t, const char **pp)
{
	const char	*p = *pp;
	char		 w[WORD_MAX];
	int		 n, month, off, wday;

	n = read_word(&p, w);
	*pp = p;
	if (n < 1)
		goto unknown;
	if (t->have_time && !t->ampm && (strcmp(w, "a") == 0 ||
	    strcmp(w, "p") == 0) && p[0] == '.' && (p[1] == 'm' ||
	    p[1] == 'M') && !is_alpha((unsigned char)p[2])) {
		t->ampm = w[0];
		*pp = p + 2 + (p[2] == '.');
		return 0;
	}
	if (t->have_time && !t->ampm && (strcmp(w, "am") == 0 ||
	    strcmp(w, "pm") == 0)) {
		t->ampm = w[0];
		return 0;
	}
	/* zone names only after the time: "ct" and "ut" are Czech weekdays */
	if (t->have_time && zone_lookup(w, &off) == 0 &&
	    (n > 1 || at_end(p))) {
		if (t->have_zone)
			return -1;
		t->have_zone = 1;
		t->zone = off;
		return 0;
	}
	if (n == 1 && t->have_time && !t->have_zone && !t->have_off &&
	    at_end(p) && military_lookup(w, &off) == 0) {
		t->have_zone = 1;
		t->zone = off;
		return 0;
	}
	if (in_list(w, fillers, sizeof(fillers) / sizeof(fillers[0])))
		return 0;
	wday = name_lookup(w, n, &month);
	if (month > 0) {
		if (wday) {
			/* "Mar, 06 Mar 2007": one is Tuesday, either way March */
			if (t->nmonth_amb == 0 || t->month_amb != month)
				t->nmonth_amb++;
			t->month_amb = month;
		} else {
			if (t->nmonth > 0 && t->month != month)
				return -1;
			t->nmonth = 1;
			t->month = month;
		}
		return 0;
	}
	if (wday)
		return 0;
unknown:
	return text_complete(t) ? 1 : -1;
}

/* Handles a run of digits: a time, a number or a number with an ordinal suffix. */
static int
text_number(struct text *t, const char **pp, struct fields *f)
{
	const char	*p = *pp, *q;
	char		 w[WORD_MAX];
	int		 n, v;

	n = count_digits(p);
	if (n > 9)
		return -1;
	if (p[n] == ':' && p[n + 1] >= '0' && p[n + 1] <= '9') {
		if (t->have_time || read_time(&p, f, 0) == -1)
			return -1;
		t->have_time = 1;
		*pp = p;
		return 0;
	}
	if (t->nnum == NUM_MAX)
		return -1;
	read_digits(&p, n, &v);
	t->num[t->nnum] = v;
	t->numlen[t->nnum] = n;
	t->numsep[t->nnum] = (*p == '.' || *p == '/' || *p == '-') ? *p : ' ';
	t->nnum++;
	/* 1st, 2nd, 1er, 1º: drop the suffix */
	q = p;
	if (*q != '\0' && is_word_cp((unsigned char)*q) &&
	    read_word(&q, w) > 0 &&
	    in_list(w, ordinals, sizeof(ordinals) / sizeof(ordinals[0])))
		p = q;
	*pp = p;
	return 0;
}

/* Assigns day, month and year from what the tokens gave. */
static int
text_assign(const struct text *t, struct fields *f)
{
	int	month, di, yi;

	if (t->nmonth == 1)
		month = t->month;
	else if (t->nmonth == 0 && t->nmonth_amb == 1)
		month = t->month_amb;
	else if (t->nmonth == 0 && t->nmonth_amb == 0)
		month = 0;
	else
		return -1;

	if (month == 0) {
		/* numeric: Y-M-D, Y/M/D, Y.M.D or D.M.Y, never M/D/Y */
		if (t->nnum != 3 || t->numsep[0] == ' ' ||
		    t->numsep[0] != t->numsep[1])
			return -1;
		if (t->numlen[0] == 4 && t->numlen[1] <= 2 &&
		    t->numlen[2] <= 2) {
			f->year = t->num[0];
			f->mon = t->num[1];
			f->day = t->num[2];
		} else if (t->numsep[0] == '.' && t->numlen[0] <= 2 &&
		    t->numlen[1] <= 2 && t->numlen[2] == 4) {
			f->day = t->num[0];
			f->mon = t->num[1];
			f->year = t->num[2];
		} else
			return -1;
		return 0;
	}
	f->mon = month;
	if (t->nnum == 1 && t->numlen[0] == 4 && !t->have_time) {
		/* "December 2003" */
		f->year = t->num[0];
		f->day = 1;
		return 0;
	}
	if (t->nnum != 2)
		return -1;
	if (t->numlen[0] >= 3 && t->numlen[1] <= 2) {
		yi = 0;
		di = 1;
	} else if (t->numlen[0] <= 2) {
		di = 0;
		yi = 1;
	} else
		return -1;
	if (t->numlen[yi] < 2 || t->numlen[yi] > 4)
		return -1;	/* "6 Nov 7" is no year */
	f->day = t->num[di];
	f->year = t->num[yi];
	/* RFC 2822 4.3: 00-49 is 20xx, 50-99 19xx, three digits + 1900 */
	if (t->numlen[yi] <= 2)
		f->year += f->year < 50 ? 2000 : 1900;
	else if (t->numlen[yi] == 3)
		f->year += 1900;
	return 0;
}

/*
 * RFC 822/1123/850, asctime, Unix date(1), JavaScript toString() and
 * their non-English cousins: tokens in (almost) any order.
 */
static int
parse_text(const char *p, struct fields *f)
{
	struct text	t;
	int		cp, n, rc;

	memset(f, 0, sizeof(*f));
	memset(&t, 0, sizeof(t));
	while (*p != '\0') {
		n = utf8_next(p, &cp);
		if (n < 0)
			goto junk;
		if (is_space_cp(cp)) {
			p += n;
			continue;
		}
		if (cp >= '0' && cp <= '9') {
			if (text_number(&t, &p, f) == -1)
				return -1;
			continue;
		}
		if ((cp == '+' || (cp == '-' && t.have_time)) &&
		    p[1] >= '0' && p[1] <= '9') {
			if (t.have_off || read_offset(&p, &t.off) == -1)
				return -1;
			t.have_off = 1;
			continue;
		}
		if (cp == ',' || cp == '.' || cp == '/' || cp == '-' ||
		    cp == ';' || cp == 0x2013 || cp == 0x2014) {
			p += n;
			continue;
		}
		if (cp == '(') {
			skip_comment(&p);
			continue;
		}
		if (is_word_cp(cp)) {
			rc = text_word(&t, &p);
			if (rc == -1)
				return -1;
			if (rc == 1)
				break;
			continue;
		}
junk:
		if (!text_complete(&t))
			return -1;
		break;
	}
	if (text_assign(&t, f) == -1)
		return -1;
	if (t.ampm) {
		if (f->hour < 1 || f->hour > 12)
			return -1;
		f->hour = f->hour % 12 + (t.ampm == 'p' ? 12 : 0);
	}
	/* "-0500 (EST)" or "GMT+0100": the number wins over the name */
	f->off = t.have_off ? t.off : t.have_zone ? t.zone : 0;
	return 0;
}

int
date_parse(const char *s, int64_t *out)
{
	struct fields	f;

	if (s == NULL)
		return -1;
	if (parse_iso(s, &f) == 0 && fields_finish(&f, out) == 0)
		return 0;
	if (parse_text(s, &f) == 0 && fields_finish(&f, out) == 0)
		return 0;
	return -1;
}

void
date_format_rfc3339(int64_t t, char *dst, size_t dstlen)
{
	int64_t	days, secs, y;
	int	m, d;

	days = t / 86400;
	secs = t % 86400;
	if (secs < 0) {
		secs += 86400;
		days--;
	}
	date_civil_from_days(days, &y, &m, &d);
	snprintf(dst, dstlen, "%04lld-%02d-%02dT%02d:%02d:%02dZ",
	    (long long)y, m, d, (int)(secs / 3600), (int)(secs / 60 % 60),
	    (int)(secs % 60));
}
