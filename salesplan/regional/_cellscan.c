/*
 * _cellscan: the raw reader's cell tokenizer in C (optional; see xlsxread._FAST_CELL).
 *
 * scan_cells(data: bytes) -> list of (r, s, t, extra, inner) str tuples, exactly what
 *
 *     re.compile(r'<c r="([A-Z]{1,3}[0-9]+)"(?: s="([0-9]+)")?(?: t="([A-Za-z]+)")?'
 *                r'([^>/]*)(?:/>|>(.*?)</c>)', re.DOTALL).findall(data.decode("utf-8"))
 *
 * returns (tests/test_cellscan.py checks the two agree on generated and real sheets).
 * The pattern is simple enough that its backtracking never changes a capture: the
 * optional groups are greedy and cannot contain '>' or '/', so where [^>/]* stops does
 * not depend on them, and a match fails or succeeds on what follows that point alone.
 *
 * ``data`` must be valid UTF-8 (the reader decodes it first). Every boundary the scanner
 * cuts at is an ASCII byte, so every captured slice is valid UTF-8 too. The scanner
 * only reads inside the buffer; it allocates nothing but the result.
 *
 * sheet_refs(window: bytes) -> (top row, beyond XFD, top big cell row) | None: the
 * preflight's per-window worksheet scan (salesplan.deals.preflight._stream_part) in one
 * pass instead of four regular expressions; None when the regexes must decide (see
 * sheet_refs below; tests/test_cellscan.py checks the two agree).
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <string.h>
#include <stdint.h>
#include <math.h>

static PyObject *EMPTY;   /* the shared "" for groups that did not take part */

static const char *
find(const char *hay, Py_ssize_t n, const char *needle, Py_ssize_t m)
{
    /* memmem without relying on _GNU_SOURCE: memchr for the first byte, then compare */
    const char *end = hay + n;
    while (n >= m) {
        const char *p = memchr(hay, needle[0], (size_t)(n - m + 1));
        if (p == NULL)
            return NULL;
        if (memcmp(p, needle, (size_t)m) == 0)
            return p;
        hay = p + 1;
        n = end - hay;
    }
    return NULL;
}

static PyObject *
slice(const char *buf, Py_ssize_t a, Py_ssize_t b)
{
    if (a < 0 || b <= a) {
        Py_INCREF(EMPTY);
        return EMPTY;
    }
    return PyUnicode_DecodeUTF8(buf + a, b - a, "strict");
}

/* The few style ids and cell types a sheet repeats on every cell: one string object each
   (fewer allocations; equal strings either way). */
#define STYLE_CACHE 1000
static PyObject *STYLES[STYLE_CACHE];
static const char *const TYPES[] = {"n", "s", "str", "b", "e", "d", "inlineStr"};
#define N_TYPES (sizeof TYPES / sizeof TYPES[0])
static PyObject *TYPE_OBJ[N_TYPES];

static PyObject *
style_slice(const char *buf, Py_ssize_t a, Py_ssize_t b)
{
    const Py_ssize_t m = b - a;
    if (a >= 0 && m >= 1 && m <= 3 && (m == 1 || buf[a] != '0')) {
        int v = 0;
        for (Py_ssize_t i = a; i < b; i++)
            v = v * 10 + (buf[i] - '0');
        if (STYLES[v] == NULL && (STYLES[v] = PyUnicode_DecodeUTF8(buf + a, m, "strict")) == NULL)
            return NULL;
        Py_INCREF(STYLES[v]);
        return STYLES[v];
    }
    return slice(buf, a, b);
}

static PyObject *
type_slice(const char *buf, Py_ssize_t a, Py_ssize_t b)
{
    if (a >= 0)
        for (size_t t = 0; t < N_TYPES; t++)
            if ((Py_ssize_t)strlen(TYPES[t]) == b - a && memcmp(buf + a, TYPES[t], (size_t)(b - a)) == 0) {
                Py_INCREF(TYPE_OBJ[t]);
                return TYPE_OBJ[t];
            }
    return slice(buf, a, b);
}

/* Cell addresses and short values ("<v>12</v>") repeat from file to file of one split:
   a slice of at most CACHED_MAX ASCII bytes comes from a small table by content (one
   string object, its hash computed once, so the dict inserts and the lookups by address
   or by value that follow hash nothing). A slot holds the last string cut there. */
#define SLICE_CACHE 8192
#define CACHED_MAX 24
static PyObject *SLICES[SLICE_CACHE];

static PyObject *
cached_slice(const char *buf, Py_ssize_t a, Py_ssize_t b)
{
    const Py_ssize_t m = b - a;
    if (a < 0 || m <= 0 || m > CACHED_MAX)
        return slice(buf, a, b);
    /* the bytes as three 8-byte words (zero-padded): ASCII test and hash a word at a time */
    uint64_t w[3] = {0, 0, 0};
    memcpy(w, buf + a, (size_t)m);
    if ((w[0] | w[1] | w[2]) & 0x8080808080808080ull)
        return slice(buf, a, b);                  /* ASCII only: its str data are its bytes */
    uint64_t h = (uint64_t)m * 0x9E3779B97F4A7C15ull;
    for (int k = 0; k < 3; k++)
        h = (h ^ w[k]) * 0xFF51AFD7ED558CCDull;
    h ^= h >> 29;
    PyObject **slot = &SLICES[h & (SLICE_CACHE - 1)];
    PyObject *s = *slot;
    if (s != NULL && PyUnicode_GET_LENGTH(s) == m && memcmp(PyUnicode_DATA(s), buf + a, (size_t)m) == 0) {
        Py_INCREF(s);
        return s;
    }
    PyObject *fresh = slice(buf, a, b);
    if (fresh == NULL)
        return NULL;
    if (PyObject_Hash(fresh) == -1) {
        Py_DECREF(fresh);
        return NULL;
    }
    Py_INCREF(fresh);
    Py_XSETREF(*slot, fresh);
    return fresh;
}

static PyObject *
clear_cache(PyObject *self, PyObject *unused)
{
    for (size_t i = 0; i < SLICE_CACHE; i++)
        Py_CLEAR(SLICES[i]);
    Py_RETURN_NONE;
}

static int
is_upper(char c) { return c >= 'A' && c <= 'Z'; }
static int
is_digit(char c) { return c >= '0' && c <= '9'; }
static int
is_alpha(char c) { return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z'); }

/* "s=", "t=" or " r=" in a cell's other attributes: the fast layout does not hold */
static int
odd_extra(const char *buf, Py_ssize_t e0, Py_ssize_t e1)
{
    const Py_ssize_t m = e1 - e0;
    return m > 0 && (find(buf + e0, m, "s=", 2) != NULL || find(buf + e0, m, "t=", 2) != NULL
                     || find(buf + e0, m, " r=", 3) != NULL);
}

/* Scan every cell into ``out``: appended to a list, or set in a dict by address (a
   repeated address keeps its first position and its last tuple, as dict(zip(...))).
   *count: the cells matched; *odd: set when a cell's other attributes hold s=/t=/ r=. */
static int
scan_into(const char *buf, Py_ssize_t n, PyObject *out, Py_ssize_t *count, int *odd)
{
    const int as_dict = PyDict_Check(out);
    Py_ssize_t i = 0;
    while (i < n) {
        const char *p = find(buf + i, n - i, "<c r=\"", 6);
        if (p == NULL)
            break;
        const Py_ssize_t start = p - buf;
        Py_ssize_t j = start + 6;
        /* r: 1-3 capitals, 1+ digits, then a quote */
        const Py_ssize_t r0 = j;
        int letters = 0;
        while (j < n && letters < 3 && is_upper(buf[j])) { j++; letters++; }
        const Py_ssize_t d0 = j;
        while (j < n && is_digit(buf[j])) j++;
        if (letters == 0 || j == d0 || j >= n || buf[j] != '"') { i = start + 1; continue; }
        const Py_ssize_t r1 = j;
        j++;
        /* (?: s="([0-9]+)")? */
        Py_ssize_t s0 = -1, s1 = -1;
        if (n - j >= 4 && memcmp(buf + j, " s=\"", 4) == 0) {
            Py_ssize_t k = j + 4;
            const Py_ssize_t k0 = k;
            while (k < n && is_digit(buf[k])) k++;
            if (k > k0 && k < n && buf[k] == '"') { s0 = k0; s1 = k; j = k + 1; }
        }
        /* (?: t="([A-Za-z]+)")? */
        Py_ssize_t t0 = -1, t1 = -1;
        if (n - j >= 4 && memcmp(buf + j, " t=\"", 4) == 0) {
            Py_ssize_t k = j + 4;
            const Py_ssize_t k0 = k;
            while (k < n && is_alpha(buf[k])) k++;
            if (k > k0 && k < n && buf[k] == '"') { t0 = k0; t1 = k; j = k + 1; }
        }
        /* ([^>/]*) */
        const Py_ssize_t e0 = j;
        while (j < n && buf[j] != '>' && buf[j] != '/') j++;
        const Py_ssize_t e1 = j;
        /* (?:/>|>(.*?)</c>) */
        Py_ssize_t in0 = -1, in1 = -1, end;
        if (j + 1 < n && buf[j] == '/' && buf[j + 1] == '>') {
            end = j + 2;
        } else if (j < n && buf[j] == '>') {
            const char *q = find(buf + j + 1, n - j - 1, "</c>", 4);
            if (q == NULL) { i = start + 1; continue; }
            in0 = j + 1;
            in1 = q - buf;
            end = in1 + 4;
        } else {
            i = start + 1;
            continue;
        }
        if (odd_extra(buf, e0, e1))
            *odd = 1;
        PyObject *tup = PyTuple_New(5);
        if (tup == NULL)
            return -1;
        PyObject *items[5] = {cached_slice(buf, r0, r1), style_slice(buf, s0, s1), type_slice(buf, t0, t1),
                              slice(buf, e0, e1),
                              in0 < 0 ? (Py_INCREF(EMPTY), EMPTY) : cached_slice(buf, in0, in1)};
        for (int f = 0; f < 5; f++) {
            if (items[f] == NULL) {
                for (int g = 0; g < 5; g++) Py_XDECREF(items[g]);
                Py_DECREF(tup);
                return -1;
            }
        }
        for (int f = 0; f < 5; f++)
            PyTuple_SET_ITEM(tup, f, items[f]);
        if ((as_dict ? PyDict_SetItem(out, items[0], tup) : PyList_Append(out, tup)) < 0) {
            Py_DECREF(tup);
            return -1;
        }
        Py_DECREF(tup);
        (*count)++;
        i = end;
    }
    return 0;
}

static PyObject *
scan_cells(PyObject *self, PyObject *arg)
{
    Py_buffer view;
    if (PyObject_GetBuffer(arg, &view, PyBUF_SIMPLE) < 0)
        return NULL;
    Py_ssize_t count = 0;
    int odd = 0;
    PyObject *out = PyList_New(0);
    if (out != NULL && scan_into((const char *)view.buf, view.len, out, &count, &odd) < 0)
        Py_CLEAR(out);
    PyBuffer_Release(&view);
    return out;
}

static Py_ssize_t
count_of(const char *buf, Py_ssize_t n, const char *needle)
{
    const Py_ssize_t m = (Py_ssize_t)strlen(needle);
    Py_ssize_t c = 0, i = 0;
    const char *p;
    while (i < n && (p = find(buf + i, n - i, needle, m)) != NULL) {
        c++;
        i = (p - buf) + m;
    }
    return c;
}

/*
 * scan_sheet(data) -> {address: (r, s, t, extra, inner)} | None: the lazy reader's whole
 * fast path (xlsxread._fast_scan + the dict by address) in one call. None when the fast
 * layout does not hold for every cell: a "<c" the pattern did not match (the counts of
 * _fast_scan), or other attributes holding s=, t= or r=.
 */
static PyObject *
scan_sheet(PyObject *self, PyObject *arg)
{
    Py_buffer view;
    if (PyObject_GetBuffer(arg, &view, PyBUF_SIMPLE) < 0)
        return NULL;
    const char *buf = (const char *)view.buf;
    const Py_ssize_t n = view.len;
    Py_ssize_t count = 0;
    int odd = 0;
    /* sized for every "<c" up front (no rehashing while it fills), up to a bound: the
       count is of untrusted bytes, and a huge sheet's dict may as well grow as it fills */
    const Py_ssize_t tags = count_of(buf, n, "<c");
    PyObject *out = _PyDict_NewPresized(tags < 65536 ? tags : 65536);
    if (out != NULL && scan_into(buf, n, out, &count, &odd) < 0)
        Py_CLEAR(out);
    if (out != NULL && (odd || (tags != count
                                && count != count_of(buf, n, "<c ") + count_of(buf, n, "<c>")
                                            + count_of(buf, n, "<c/>")))) {
        Py_DECREF(out);
        out = Py_None;
        Py_INCREF(out);
    }
    PyBuffer_Release(&view);
    return out;
}

/* ---- the preflight's worksheet scan ------------------------------------------------ */

#define MAX_DIGITS 18      /* longer numbers: None, the regexes (and Python ints) decide */

/* the larger of two digit strings (no leading zeros stripped: int() ignores them) */
static int
digits_greater(const char *a, Py_ssize_t na, const char *b, Py_ssize_t nb)
{
    while (na > 1 && *a == '0') { a++; na--; }
    while (nb > 1 && *b == '0') { b++; nb--; }
    if (na != nb)
        return na > nb;
    return memcmp(a, b, (size_t)na) > 0;
}

static long long
digits_value(const char *a, Py_ssize_t n)
{
    long long v = 0;
    for (Py_ssize_t i = 0; i < n; i++)
        v = v * 10 + (a[i] - '0');
    return v;
}

static int
is_word(char c) { return is_alpha(c) || is_digit(c) || c == '_'; }

/*
 * For a window of worksheet XML in the usual spelling, what the preflight's fast
 * patterns find:
 *   top row      max of  <row\b[^>]*? r="(\d+)"          (0: none)
 *   beyond       any     ' r="(?:[A-Z]{4,}|[YZ][A-Z]{2}|X[G-Z][A-Z]|XF[E-Z])\d'
 *   top big row  max of  ' r="[A-Z]{1,3}(\d{7,})'          (0: none)
 * None when the window has an unusual spelling (preflight._UNUSUAL: whitespace before an
 * attribute "\tr" "\nr" "\rr", spaces around '=' or a single quote after "r=" — "r =",
 * "r= ", "r='" — or a prefixed element ":row", ":c ", ":c>") or a number of more than
 * 18 digits.
 *
 * One pass over the bytes, stopping only at the seven that matter (SPECIAL): every
 * spelling above turns on one of them. A row tag's number is the first ' r="digits"'
 * after "<row\b" and before the tag's '>' (the lazy [^>]*?): a "<row" opens, a '>' or
 * that number closes (findall resumes after the match, so a "<row" inside it is
 * consumed — an open row stays open). Every ' r="' is also a cell reference, whose
 * letters and digits decide "beyond" and "big" (tests/test_cellscan.py checks this
 * against the regexes on thousands of random windows).
 */
static unsigned char SPECIAL[256];

static void
init_special(void)
{
    static const char bytes[] = {'\t', '\n', '\r', ':', '=', '<', '>'};
    for (size_t i = 0; i < sizeof bytes; i++)
        SPECIAL[(unsigned char)bytes[i]] = 1;
}

static PyObject *
sheet_refs(PyObject *self, PyObject *arg)
{
    Py_buffer view;
    if (PyObject_GetBuffer(arg, &view, PyBUF_SIMPLE) < 0)
        return NULL;
    const char *buf = (const char *)view.buf;
    const Py_ssize_t n = view.len;
    const char *top = NULL, *big = NULL;
    Py_ssize_t ntop = 0, nbig = 0;
    int beyond = 0, too_long = 0, unusual = 0, row_open = 0;
    Py_ssize_t i = 0;
    while (i < n) {
        while (i < n && !SPECIAL[(unsigned char)buf[i]])
            i++;
        if (i >= n)
            break;
        const char c = buf[i];
        if (c == '>') {
            row_open = 0;
        } else if (c == '<') {
            if (n - i >= 4 && memcmp(buf + i + 1, "row", 3) == 0 && !(i + 4 < n && is_word(buf[i + 4])))
                row_open = 1;
        } else if (c == '\t' || c == '\n' || c == '\r') {
            if (i + 1 < n && buf[i + 1] == 'r') { unusual = 1; break; }
        } else if (c == ':') {
            if (n - i >= 4 && memcmp(buf + i + 1, "row", 3) == 0) { unusual = 1; break; }
            if (n - i >= 3 && buf[i + 1] == 'c' && (buf[i + 2] == ' ' || buf[i + 2] == '>')) { unusual = 1; break; }
        } else {                                    /* '=' */
            if (i >= 2 && buf[i - 1] == ' ' && buf[i - 2] == 'r') { unusual = 1; break; }     /* "r =" */
            if (i >= 1 && buf[i - 1] == 'r' && i + 1 < n && (buf[i + 1] == ' ' || buf[i + 1] == '\'')) {
                unusual = 1;                                                                /* "r= ", "r='" */
                break;
            }
            if (i >= 2 && buf[i - 1] == 'r' && buf[i - 2] == ' ' && i + 1 < n && buf[i + 1] == '"') {
                /* ' r="' : a cell reference, and perhaps the number of an open row tag */
                Py_ssize_t k = i + 2;
                const Py_ssize_t l0 = k;
                while (k < n && is_upper(buf[k])) k++;
                const Py_ssize_t nl = k - l0;
                const Py_ssize_t d0 = k;
                while (k < n && is_digit(buf[k])) k++;
                const Py_ssize_t nd = k - d0;
                if (nd > 0) {
                    if (nl >= 4 || (nl == 3 && memcmp(buf + l0, "XFD", 3) > 0))
                        beyond = 1;
                    if (nl >= 1 && nl <= 3 && nd >= 7) {
                        if (nd > MAX_DIGITS)
                            too_long = 1;
                        else if (big == NULL || digits_greater(buf + d0, nd, big, nbig)) {
                            big = buf + d0;
                            nbig = nd;
                        }
                    }
                    if (row_open && nl == 0 && k < n && buf[k] == '"') {
                        if (nd > MAX_DIGITS)
                            too_long = 1;
                        else if (top == NULL || digits_greater(buf + d0, nd, top, ntop)) {
                            top = buf + d0;
                            ntop = nd;
                        }
                        row_open = 0;
                        i = k + 1;                  /* (the closing quote is no special byte) */
                        continue;
                    }
                }
                i = k;                              /* letters and digits hold no special byte */
                continue;
            }
        }
        i++;
    }
    PyObject *res = (too_long || unusual) ? (Py_INCREF(Py_None), Py_None)
        : Py_BuildValue("(LOL)", top ? digits_value(top, ntop) : 0LL, beyond ? Py_True : Py_False,
                        big ? digits_value(big, nbig) : 0LL);
    PyBuffer_Release(&view);
    return res;
}

/* ---- judging input cells (salesplan.regional.checks._check_inputs_raw) ---------------- */

/* inner == checks._inline_xml(text): "<is><t>" + text with & < > escaped and every
   non-ASCII character as &#N; + "</t></is>", for a text without "_x" whose first and last
   characters are no whitespace (else _inline_xml gives None: 0 here). */
static int
inline_matches(PyObject *inner, PyObject *text)
{
    Py_ssize_t n = PyUnicode_GET_LENGTH(text), m = PyUnicode_GET_LENGTH(inner);
    if (n == 0 || !PyUnicode_IS_ASCII(inner) || m < 16)
        return 0;
    const int kind = PyUnicode_KIND(text);
    const void *data = PyUnicode_DATA(text);
    if (Py_UNICODE_ISSPACE(PyUnicode_READ(kind, data, 0)) || Py_UNICODE_ISSPACE(PyUnicode_READ(kind, data, n - 1)))
        return 0;
    const char *in = (const char *)PyUnicode_DATA(inner);
    if (memcmp(in, "<is><t>", 7) != 0 || memcmp(in + m - 9, "</t></is>", 9) != 0)
        return 0;
    Py_ssize_t j = 7;
    const Py_ssize_t end = m - 9;
    Py_UCS4 prev = 0;
    for (Py_ssize_t i = 0; i < n; i++) {
        Py_UCS4 c = PyUnicode_READ(kind, data, i);
        if (prev == '_' && c == 'x')
            return 0;                                   /* "_x": _inline_xml gives None */
        prev = c;
        char esc[16];
        const char *want;
        Py_ssize_t len;
        if (c == '&') { want = "&amp;"; len = 5; }
        else if (c == '<') { want = "&lt;"; len = 4; }
        else if (c == '>') { want = "&gt;"; len = 4; }
        else if (c < 128) { esc[0] = (char)c; want = esc; len = 1; }
        else {                                          /* "&#" + decimal + ";" */
            char digits[12];
            int nd = 0;
            for (Py_UCS4 v = c; v; v /= 10)
                digits[nd++] = (char)('0' + v % 10);
            esc[0] = '&';
            esc[1] = '#';
            for (int d = 0; d < nd; d++)
                esc[2 + d] = digits[nd - 1 - d];
            esc[2 + nd] = ';';
            len = 3 + nd;
            want = esc;
        }
        if (j + len > end || memcmp(in + j, want, (size_t)len) != 0)
            return 0;
        j += len;
    }
    return j == end;
}

static PyObject *S_INLINE, *S_TEXT, *S_SHARED, *S_N, *S_F;

/* "<f" in a str (a formula element in a cell's inner XML) */
static int
has_formula(PyObject *inner)
{
    if (PyUnicode_KIND(inner) == PyUnicode_1BYTE_KIND) {
        const char *d = (const char *)PyUnicode_DATA(inner);
        const Py_ssize_t n = PyUnicode_GET_LENGTH(inner);
        return find(d, n, "<f", 2) != NULL;
    }
    Py_ssize_t at = PyUnicode_Find(inner, S_F, 0, PyUnicode_GET_LENGTH(inner), 1);
    return at == -2 ? -1 : at >= 0;
}

#define FIELD_CACHE 32
#define NUMBER_MAX 64      /* longer numbers are left to Python (int() has a digit limit) */

static PyObject *S_NUMBER, *S_INTEGER, *S_PERCENT, *S_DATE;

/*
 * The verdict on a plain number in a number field, as checks._fresh_verdict's first
 * branch gives it: inner is "<v>" + text + "</v>" with no other "<", the field's kind
 * is a number kind. The value is Decimal(int(text)) for an integer text, else
 * canon_number(float(text)); the verdict is that value, or ``refused`` when it breaks
 * the field's rules (whole for "integer", within minimum and maximum). Only the
 * spelling [+-]digits[.digits][e[+-]digits] of a finite number is judged here; for
 * anything else (or text too long) NULL is returned with no error set: Python judges.
 */
static PyObject *
number_verdict(PyObject *inner, PyObject *f, PyObject *decimal, PyObject *refused)
{
    if (!PyUnicode_IS_ASCII(inner) || !PyTuple_Check(f) || PyTuple_GET_SIZE(f) < 6)
        return NULL;
    PyObject *kind = PyTuple_GET_ITEM(f, 3);
    if (!PyUnicode_Check(kind))
        return NULL;
    const int is_integer = PyUnicode_Compare(kind, S_INTEGER) == 0;
    if (!is_integer && PyUnicode_Compare(kind, S_NUMBER) != 0 && PyUnicode_Compare(kind, S_PERCENT) != 0
            && PyUnicode_Compare(kind, S_DATE) != 0)
        return NULL;
    const char *in = (const char *)PyUnicode_DATA(inner);
    const Py_ssize_t m = PyUnicode_GET_LENGTH(inner);
    if (m < 7 || memcmp(in, "<v>", 3) != 0 || memcmp(in + m - 4, "</v>", 4) != 0)
        return NULL;
    const char *text = in + 3;
    const Py_ssize_t n = m - 7;
    if (n == 0) {                                   /* "<v></v>": blank */
        Py_INCREF(Py_None);
        return Py_None;
    }
    if (n > NUMBER_MAX)
        return NULL;
    /* [+-]? digits* (. digits*)? ([eE] [+-]? digits+)?, with a digit before the exponent */
    Py_ssize_t i = 0, int_digits = 0, frac_digits = 0;
    if (text[i] == '+' || text[i] == '-')
        i++;
    while (i < n && is_digit(text[i])) { i++; int_digits++; }
    const int plain_integer = i == n && int_digits > 0;
    if (!plain_integer) {
        if (i < n && text[i] == '.') {
            i++;
            while (i < n && is_digit(text[i])) { i++; frac_digits++; }
        }
        if (int_digits + frac_digits == 0)
            return NULL;
        if (i < n && (text[i] == 'e' || text[i] == 'E')) {
            i++;
            if (i < n && (text[i] == '+' || text[i] == '-'))
                i++;
            Py_ssize_t exp_digits = 0;
            while (i < n && is_digit(text[i])) { i++; exp_digits++; }
            if (exp_digits == 0)
                return NULL;
        }
        if (i != n)
            return NULL;
    }
    char copy[NUMBER_MAX + 1];
    memcpy(copy, text, (size_t)n);
    copy[n] = '\0';
    PyObject *number = NULL;        /* what Decimal() is given: an int, or the float's repr */
    int integral = 1;
    if (plain_integer) {
        number = PyLong_FromString(copy, NULL, 10);
    } else {
        char *end = NULL;
        const double x = PyOS_string_to_double(copy, &end, NULL);
        if (x == -1.0 && PyErr_Occurred()) {
            PyErr_Clear();
            return NULL;
        }
        if (end != copy + n || !isfinite(x))
            return NULL;                            /* (Python names what is wrong) */
        if (x == floor(x) && fabs(x) < 9223372036854775808.0) {
            number = PyLong_FromDouble(x);          /* Decimal(int(x)) */
        } else {
            integral = x == floor(x);
            char *r = PyOS_double_to_string(x, 'r', 0, Py_DTSF_ADD_DOT_0, NULL);    /* repr(x) */
            if (r == NULL)
                return NULL;
            number = PyUnicode_FromString(r);
            PyMem_Free(r);
        }
    }
    if (number == NULL)
        return NULL;
    PyObject *v = PyObject_CallOneArg(decimal, number);
    Py_DECREF(number);
    if (v == NULL)
        return NULL;
    int bad = is_integer && !integral;
    PyObject *lo = PyTuple_GET_ITEM(f, 4), *hi = PyTuple_GET_ITEM(f, 5);
    if (!bad && lo != Py_None && (bad = PyObject_RichCompareBool(v, lo, Py_LT)) < 0)
        goto fail;
    if (!bad && hi != Py_None && (bad = PyObject_RichCompareBool(v, hi, Py_GT)) < 0)
        goto fail;
    if (bad) {
        Py_DECREF(v);
        Py_INCREF(refused);
        return refused;
    }
    return v;
fail:
    Py_DECREF(v);
    return NULL;
}

/*
 * judge_inputs(cells, positions, fields, memo_of, raw, base, values, refused[, Decimal, memo_max])
 *     -> [indices left]
 * The common cases of _check_inputs_raw's loop over the sheet's inputs (cells[i],
 * fields[i], memo_of[id(fields[i])] the field's verdict memo; p = positions[i] the place
 * of the input's key, whose base is base[p] and whose value goes to values[p], both lists
 * aligned with the record's input keys): a blank or absent cell
 * (None), a text input still holding its base as openpyxl writes it, a cell whose verdict
 * is memoised (and not refused), and — given ``Decimal`` — a plain number in a number
 * field the memo has not seen (judged by number_verdict and remembered, the memo emptied
 * once it holds ``memo_max`` verdicts, as checks._remember does). Everything else —
 * shared strings, formulas, other misses, refused values — is returned, in order, for
 * the Python loop to judge in full as before.
 */
static PyObject *
judge_inputs(PyObject *self, PyObject *args)
{
    PyObject *cells, *positions, *fields, *memo_of, *raw, *base, *values, *refused, *decimal = NULL;
    Py_ssize_t memo_max = 0;
    if (!PyArg_ParseTuple(args, "O!O!O!O!O!O!O!O|On", &PyList_Type, &cells, &PyList_Type, &positions,
                          &PyList_Type, &fields, &PyDict_Type, &memo_of, &PyDict_Type, &raw, &PyList_Type, &base,
                          &PyList_Type, &values, &refused, &decimal, &memo_max))
        return NULL;
    if (decimal == Py_None)
        decimal = NULL;
    PyObject *todo = PyList_New(0);
    if (todo == NULL)
        return NULL;
    PyObject *seen_field[FIELD_CACHE], *seen_memo[FIELD_CACHE];   /* borrowed (memo_of holds them) */
    int n_seen = 0;
    PyObject *mk = NULL;         /* the memo key being looked up (released on every path) */
    for (Py_ssize_t i = 0;; i++) {
        if (i >= PyList_GET_SIZE(cells) || i >= PyList_GET_SIZE(positions) || i >= PyList_GET_SIZE(fields))
            break;
        PyObject *addr = PyList_GET_ITEM(cells, i), *f = PyList_GET_ITEM(fields, i);
        const Py_ssize_t p = PyLong_Check(PyList_GET_ITEM(positions, i))
                             ? PyLong_AsSsize_t(PyList_GET_ITEM(positions, i)) : -1;
        if (p == -1 && PyErr_Occurred())
            goto fail;
        if (p < 0 || p >= PyList_GET_SIZE(base) || p >= PyList_GET_SIZE(values)) {
            PyErr_SetString(PyExc_IndexError, "judge_inputs: a position outside base or values");
            goto fail;
        }
        PyObject *value = NULL;      /* borrowed: what values[key] becomes; NULL: left for Python */
        mk = NULL;
        PyObject *m = PyDict_GetItemWithError(raw, addr);
        if (m == NULL && PyErr_Occurred())
            goto fail;
        if (m == NULL) {
            value = Py_None;
        } else if (PyTuple_Check(m) && PyTuple_GET_SIZE(m) == 5 && PyTuple_Check(f) && PyTuple_GET_SIZE(f) >= 4
                   && PyUnicode_Check(PyTuple_GET_ITEM(m, 4)) && PyUnicode_Check(PyTuple_GET_ITEM(m, 2))) {
            PyObject *inner = PyTuple_GET_ITEM(m, 4), *t = PyTuple_GET_ITEM(m, 2);
            PyObject *kind = PyTuple_GET_ITEM(f, 3);
            if (PyUnicode_GET_LENGTH(inner) == 0) {
                value = Py_None;
            } else if (PyUnicode_Compare(t, S_INLINE) == 0 && PyUnicode_Check(kind)
                       && PyUnicode_Compare(kind, S_TEXT) == 0) {
                PyObject *b = PyList_GET_ITEM(base, p);
                if (PyUnicode_CheckExact(b) && inline_matches(inner, b))
                    value = b;
            } else if (PyUnicode_Compare(t, S_SHARED) != 0) {
                int hf = has_formula(inner);
                if (hf < 0)
                    goto fail;
                if (!hf) {
                    PyObject *memo = NULL;
                    for (int k = 0; k < n_seen; k++)
                        if (seen_field[k] == f) { memo = seen_memo[k]; break; }
                    if (memo == NULL) {
                        PyObject *id = PyLong_FromVoidPtr(f);
                        if (id == NULL)
                            goto fail;
                        memo = PyDict_GetItemWithError(memo_of, id);
                        Py_DECREF(id);
                        if (memo == NULL && PyErr_Occurred())
                            goto fail;
                        if (memo != NULL && n_seen < FIELD_CACHE) {
                            seen_field[n_seen] = f;
                            seen_memo[n_seen++] = memo;
                        }
                    }
                    if (memo != NULL && PyDict_Check(memo)) {
                        const int plain = PyUnicode_GET_LENGTH(t) == 0 || PyUnicode_Compare(t, S_N) == 0;
                        if (plain) {
                            mk = inner;
                            Py_INCREF(mk);
                        } else if ((mk = PyTuple_Pack(2, t, inner)) == NULL) {
                            goto fail;
                        }
                        PyObject *v = PyDict_GetItemWithError(memo, mk);
                        if (v == NULL && PyErr_Occurred())
                            goto fail;
                        if (v == NULL && plain && decimal != NULL) {
                            /* a miss on a plain number: judged here and remembered as
                               checks._remember does (the memo emptied when full) */
                            PyObject *fresh = number_verdict(inner, f, decimal, refused);
                            if (fresh == NULL && PyErr_Occurred())
                                goto fail;
                            if (fresh != NULL) {
                                if (PyDict_GET_SIZE(memo) >= memo_max)
                                    PyDict_Clear(memo);
                                int bad = PyDict_SetItem(memo, mk, fresh);
                                Py_DECREF(fresh);      /* (the memo holds it) */
                                if (bad < 0)
                                    goto fail;
                                v = fresh;
                            }
                        }
                        Py_CLEAR(mk);
                        if (v != NULL && v != refused)
                            value = v;
                    }
                }
            }
        }
        if (value != NULL) {
            Py_INCREF(value);
            if (PyList_SetItem(values, p, value) < 0)   /* (steals value, releases the old item) */
                goto fail;
        } else {
            PyObject *ix = PyLong_FromSsize_t(i);
            if (ix == NULL || PyList_Append(todo, ix) < 0) {
                Py_XDECREF(ix);
                goto fail;
            }
            Py_DECREF(ix);
        }
    }
    return todo;

fail:
    Py_XDECREF(mk);
    Py_DECREF(todo);
    return NULL;
}

/* ---- consolidation's three-way merge (salesplan.regional.merge.merge_aligned) ---------- */

/* canon(v) unless v is already canonical (None, bool, Decimal): a new reference */
static PyObject *
canonical(PyObject *v, PyObject *decimal, PyObject *canon)
{
    if (v == Py_None || PyBool_Check(v) || Py_IS_TYPE(v, (PyTypeObject *)decimal)) {
        Py_INCREF(v);
        return v;
    }
    return PyObject_CallOneArg(canon, v);
}

/* merge._same on canonical values: None only to None, a bool only to a bool, else ==
   (no identity shortcut: Python's == decides, NaN included). -1 on error. */
static int
same(PyObject *a, PyObject *b)
{
    if (b == Py_None)
        return a == Py_None;
    if (a == Py_None)
        return 0;
    PyObject *eq = PyObject_RichCompare(a, b, Py_EQ);
    if (eq == NULL)
        return -1;
    int t = PyObject_IsTrue(eq);
    Py_DECREF(eq);
    if (t <= 0)
        return t;
    return PyBool_Check(a) == PyBool_Check(b);
}

static PyObject *
new_change(PyTypeObject *change, PyObject *key, PyObject *b, PyObject *m, PyObject *r)
{
    PyObject *c = change->tp_alloc(change, 4);
    if (c == NULL)
        return NULL;
    PyObject *items[4] = {key, b, m, r};
    for (int i = 0; i < 4; i++) {
        Py_INCREF(items[i]);
        PyTuple_SET_ITEM(c, i, items[i]);
    }
    return c;
}

/*
 * merge_aligned(keys, base, master, regional, absent, Decimal, canon, Change[, want_values])
 *     -> (kept, applied, converged, conflicts, applied_values, new_base, not_sent)
 * The loop of merge.merge_aligned, statement for statement (tests/test_regional_merge.py
 * runs both against three_way_merge). ``want_values`` false: applied_values is None (the
 * caller reads them from the applied changes; no dict of their keys is built here).
 */
static PyObject *
merge_aligned(PyObject *self, PyObject *args)
{
    PyObject *keys, *base, *master, *regional, *absent, *decimal, *canon, *change_obj;
    int want_values = 1;
    if (!PyArg_ParseTuple(args, "O!O!OO!OOOO|p", &PyList_Type, &keys, &PyList_Type, &base, &master,
                          &PyList_Type, &regional, &absent, &decimal, &canon, &change_obj, &want_values))
        return NULL;
    if (!PyType_Check(change_obj) || !PyType_IsSubtype((PyTypeObject *)change_obj, &PyTuple_Type)
            || !PyType_Check(decimal)) {
        PyErr_SetString(PyExc_TypeError, "merge_aligned: Change must be a tuple type, Decimal a type");
        return NULL;
    }
    PyTypeObject *change = (PyTypeObject *)change_obj;
    Py_ssize_t n = PyList_GET_SIZE(keys);
    if (PyList_GET_SIZE(base) < n)
        n = PyList_GET_SIZE(base);
    if (PyList_GET_SIZE(regional) < n)
        n = PyList_GET_SIZE(regional);
    PyObject *applied = PyList_New(0), *converged = PyList_New(0), *conflicts = PyList_New(0);
    PyObject *values = want_values ? PyDict_New() : (Py_INCREF(Py_None), Py_None);
    PyObject *new_base = NULL;       /* a copy of base once a key moves (applied, converged) */
    PyObject *b = NULL, *r = NULL, *m = NULL;
    Py_ssize_t kept = 0, not_sent = 0;
    if (applied == NULL || converged == NULL || conflicts == NULL || values == NULL)
        goto fail;
    for (Py_ssize_t i = 0; i < n; i++) {
        /* canon() and master() run Python code: check the lists, hold what we use */
        if (i >= PyList_GET_SIZE(keys) || i >= PyList_GET_SIZE(base) || i >= PyList_GET_SIZE(regional)) {
            PyErr_SetString(PyExc_RuntimeError, "merge_aligned: a list changed size during the merge");
            goto fail;
        }
        PyObject *key = PyList_GET_ITEM(keys, i);
        PyObject *r0 = PyList_GET_ITEM(regional, i), *b0 = PyList_GET_ITEM(base, i);
        if (r0 == absent || r0 == b0) {
            kept++;
            not_sent += r0 == absent;
            continue;
        }
        Py_INCREF(key);
        Py_INCREF(r0);
        b = canonical(b0, decimal, canon);
        r = b == NULL ? NULL : canonical(r0, decimal, canon);
        Py_DECREF(r0);
        if (r == NULL)
            goto fail_key;
        int rb = same(r, b);
        if (rb < 0)
            goto fail_key;
        if (rb) {
            kept++;
            Py_CLEAR(b);
            Py_CLEAR(r);
            Py_DECREF(key);
            continue;
        }
        PyObject *m0 = PyObject_CallOneArg(master, key);
        if (m0 == NULL)
            goto fail_key;
        m = canonical(m0, decimal, canon);
        Py_DECREF(m0);
        if (m == NULL)
            goto fail_key;
        int mb = same(m, b);
        if (mb < 0)
            goto fail_key;
        PyObject *bucket;
        if (mb) {
            bucket = applied;
            if (values != Py_None && PyDict_SetItem(values, key, r) < 0)
                goto fail_key;
        } else {
            int mr = same(m, r);
            if (mr < 0)
                goto fail_key;
            bucket = mr ? converged : conflicts;
        }
        if (bucket != conflicts) {
            if (new_base == NULL && (new_base = PyList_GetSlice(base, 0, PyList_GET_SIZE(base))) == NULL)
                goto fail_key;
            if (i >= PyList_GET_SIZE(new_base)) {
                PyErr_SetString(PyExc_RuntimeError, "merge_aligned: a list changed size during the merge");
                goto fail_key;
            }
            Py_INCREF(r);
            if (PyList_SetItem(new_base, i, r) < 0)
                goto fail_key;
        }
        PyObject *c = new_change(change, key, b, m, r);
        if (c == NULL)
            goto fail_key;
        int bad = PyList_Append(bucket, c);
        Py_DECREF(c);
        if (bad < 0)
            goto fail_key;
        Py_CLEAR(b);
        Py_CLEAR(r);
        Py_CLEAR(m);
        Py_DECREF(key);
        continue;
    fail_key:
        Py_DECREF(key);
        goto fail;
    }
    if (new_base == NULL) {
        Py_INCREF(Py_None);
        new_base = Py_None;
    }
    return Py_BuildValue("(nNNNNNn)", kept, applied, converged, conflicts, values, new_base, not_sent);

fail:
    Py_XDECREF(b);
    Py_XDECREF(r);
    Py_XDECREF(m);
    Py_XDECREF(applied);
    Py_XDECREF(converged);
    Py_XDECREF(conflicts);
    Py_XDECREF(values);
    Py_XDECREF(new_base);
    return NULL;
}

/* ---- locked cells judged by memo (checks._check_formulas / _check_fixed) ------------- */

/*
 * unsettled(expected, raw, memo, by_type) -> [addresses]: the cells of ``expected``
 * (address -> hash the split recorded) whose stored XML the memo does not already show
 * unchanged: no cell at the address, a memo miss, or a remembered hash that differs —
 * plus, with ``by_type`` (fixed values: the memo is keyed by (type, inner XML)), a shared
 * string or a formula. The Python loop judges those, as before, and remembers misses.
 */
static PyObject *
unsettled(PyObject *self, PyObject *args)
{
    PyObject *expected, *raw, *memo;
    int by_type;
    if (!PyArg_ParseTuple(args, "O!O!O!p", &PyDict_Type, &expected, &PyDict_Type, &raw, &PyDict_Type, &memo,
                          &by_type))
        return NULL;
    PyObject *left = PyList_New(0);
    if (left == NULL)
        return NULL;
    Py_ssize_t pos = 0;
    PyObject *addr, *h;
    while (PyDict_Next(expected, &pos, &addr, &h)) {
        int settled = 0;
        PyObject *m = PyDict_GetItemWithError(raw, addr);
        if (m == NULL && PyErr_Occurred())
            goto fail;
        if (m != NULL && PyTuple_Check(m) && PyTuple_GET_SIZE(m) == 5 && PyUnicode_Check(PyTuple_GET_ITEM(m, 4))
                && PyUnicode_Check(PyTuple_GET_ITEM(m, 2))) {
            PyObject *t = PyTuple_GET_ITEM(m, 2), *inner = PyTuple_GET_ITEM(m, 4);
            PyObject *mk = NULL;
            if (!by_type) {
                mk = inner;
                Py_INCREF(mk);
            } else {
                int hf = has_formula(inner);
                if (hf < 0)
                    goto fail;
                if (!hf && PyUnicode_Compare(t, S_SHARED) != 0 && (mk = PyTuple_Pack(2, t, inner)) == NULL)
                    goto fail;
            }
            if (mk != NULL) {
                PyObject *got = PyDict_GetItemWithError(memo, mk);
                Py_DECREF(mk);
                if (got == NULL && PyErr_Occurred())
                    goto fail;
                if (got != NULL) {
                    Py_INCREF(got);
                    settled = PyObject_RichCompareBool(got, h, Py_EQ);
                    Py_DECREF(got);
                    if (settled < 0)
                        goto fail;
                }
            }
        }
        if (!settled && PyList_Append(left, addr) < 0)
            goto fail;
    }
    return left;
fail:
    Py_DECREF(left);
    return NULL;
}

/* ---- the split record's base column (manifest._decode_column) ------------------------ */

/* str.strip() would leave nothing */
static int
all_space(PyObject *text)
{
    const Py_ssize_t n = PyUnicode_GET_LENGTH(text);
    const int kind = PyUnicode_KIND(text);
    const void *data = PyUnicode_DATA(text);
    for (Py_ssize_t i = 0; i < n; i++)
        if (!Py_UNICODE_ISSPACE(PyUnicode_READ(kind, data, i)))
            return 0;
    return 1;
}

/*
 * decode_column(col, decode) -> list: manifest._decode_column, the usual shapes in C —
 * blank (None), text (None when only whitespace), a number {"n": text} (decode() once
 * per distinct text, equal numbers one object); anything else goes to decode().
 */
static PyObject *
decode_column(PyObject *self, PyObject *args)
{
    PyObject *col, *decode;
    if (!PyArg_ParseTuple(args, "O!O", &PyList_Type, &col, &decode))
        return NULL;
    PyObject *numbers = PyDict_New();
    PyObject *out = numbers == NULL ? NULL : PyList_New(0);
    if (out == NULL)
        goto fail;
    for (Py_ssize_t i = 0; i < PyList_GET_SIZE(col); i++) {
        PyObject *v = PyList_GET_ITEM(col, i), *d = NULL;
        Py_INCREF(v);
        if (v == Py_None) {
            d = v;
            Py_INCREF(d);
        } else if (PyUnicode_CheckExact(v)) {
            d = all_space(v) ? Py_None : v;
            Py_INCREF(d);
        } else if (PyDict_CheckExact(v) && PyDict_GET_SIZE(v) == 1) {
            PyObject *text = PyDict_GetItemWithError(v, S_N);
            if (text == NULL && PyErr_Occurred()) {
                Py_DECREF(v);
                goto fail;
            }
            if (text != NULL && PyUnicode_CheckExact(text)) {
                d = PyDict_GetItemWithError(numbers, text);
                if (d != NULL) {
                    Py_INCREF(d);
                } else if (!PyErr_Occurred() && (d = PyObject_CallOneArg(decode, v)) != NULL
                           && PyDict_SetItem(numbers, text, d) < 0) {
                    Py_CLEAR(d);
                }
            } else {
                d = PyObject_CallOneArg(decode, v);
            }
        } else {
            d = PyObject_CallOneArg(decode, v);
        }
        Py_DECREF(v);
        if (d == NULL)
            goto fail;
        int bad = PyList_Append(out, d);
        Py_DECREF(d);
        if (bad < 0)
            goto fail;
    }
    Py_DECREF(numbers);
    return out;
fail:
    Py_XDECREF(numbers);
    Py_XDECREF(out);
    return NULL;
}

/* ---- cells the split did not write (manifest.ManifestIndex.unknown_cells) ------------ */

/*
 * unknown_addresses(present, known) -> [addresses]: the keys of the dict ``present`` (a
 * sheet's cells by address) found in none of ``known`` (a tuple of sets, frozensets or
 * dicts: the input cells, formulas and fixed values the split wrote), in order —
 * ``present.keys() - known[0] - known[1] ...`` without building the sets between.
 */
static PyObject *
unknown_addresses(PyObject *self, PyObject *args)
{
    PyObject *present, *known;
    if (!PyArg_ParseTuple(args, "O!O!", &PyDict_Type, &present, &PyTuple_Type, &known))
        return NULL;
    const Py_ssize_t n = PyTuple_GET_SIZE(known);
    for (Py_ssize_t k = 0; k < n; k++) {
        PyObject *c = PyTuple_GET_ITEM(known, k);
        if (!PyAnySet_Check(c) && !PyDict_Check(c)) {
            PyErr_SetString(PyExc_TypeError, "unknown_addresses: known must hold sets or dicts");
            return NULL;
        }
    }
    PyObject *out = PyList_New(0);
    if (out == NULL)
        return NULL;
    Py_ssize_t pos = 0;
    PyObject *addr, *unused;
    while (PyDict_Next(present, &pos, &addr, &unused)) {
        int found = 0;
        for (Py_ssize_t k = 0; k < n && !found; k++) {
            PyObject *c = PyTuple_GET_ITEM(known, k);
            found = PyDict_Check(c) ? PyDict_Contains(c, addr) : PySet_Contains(c, addr);
            if (found < 0)
                goto fail;
        }
        if (!found && PyList_Append(out, addr) < 0)
            goto fail;
    }
    return out;
fail:
    Py_DECREF(out);
    return NULL;
}

/*
 * xml_unescape(text: str) -> str | None: exactly
 *
 *     re.sub(r"&(#[0-9]+|#x[0-9A-Fa-f]+|lt|gt|amp|quot|apos);", entity, text)
 *
 * (xlsxread._xml_unescape's regex pass; entity: the named five, chr() of a decimal or
 * hex character reference), in one pass. A formula of a split file spells every
 * non-ASCII character as &#N; (a sheet name like 成交明细 is four), so the regex called
 * back into Python for most characters. None when a reference names no character
 * (beyond U+10FFFF): Python raises its own error for it.
 */
static int
hex_value(Py_UCS4 c)
{
    if (c >= '0' && c <= '9') return (int)(c - '0');
    if (c >= 'a' && c <= 'f') return (int)(c - 'a' + 10);
    if (c >= 'A' && c <= 'F') return (int)(c - 'A' + 10);
    return -1;
}

static int
named_entity(int kind, const void *data, Py_ssize_t n, Py_ssize_t i, Py_UCS4 *out, Py_ssize_t *len)
{
    /* the text after '&' at i: lt; gt; amp; quot; apos; */
    static const char *const names[] = {"lt;", "gt;", "amp;", "quot;", "apos;"};
    static const Py_UCS4 chars[] = {'<', '>', '&', '"', '\''};
    for (int k = 0; k < 5; k++) {
        const Py_ssize_t m = (Py_ssize_t)strlen(names[k]);
        if (i + m > n)
            continue;
        Py_ssize_t j = 0;
        while (j < m && PyUnicode_READ(kind, data, i + j) == (Py_UCS4)(unsigned char)names[k][j])
            j++;
        if (j == m) {
            *out = chars[k];
            *len = m;
            return 1;
        }
    }
    return 0;
}

static PyObject *
xml_unescape(PyObject *self, PyObject *text)
{
    if (!PyUnicode_Check(text)) {
        PyErr_SetString(PyExc_TypeError, "xml_unescape: a str is needed");
        return NULL;
    }
    const Py_ssize_t n = PyUnicode_GET_LENGTH(text);
    const int kind = PyUnicode_KIND(text);
    const void *data = PyUnicode_DATA(text);
    if (PyUnicode_FindChar(text, '&', 0, n, 1) < 0) {
        Py_INCREF(text);
        return text;
    }
    Py_UCS4 *buf = PyMem_Malloc((size_t)(n > 0 ? n : 1) * sizeof(Py_UCS4));
    if (buf == NULL)
        return PyErr_NoMemory();
    Py_ssize_t m = 0, i = 0;
    while (i < n) {
        const Py_UCS4 c = PyUnicode_READ(kind, data, i);
        if (c != '&') {
            buf[m++] = c;
            i++;
            continue;
        }
        Py_UCS4 ch;
        Py_ssize_t len;
        if (i + 1 < n && PyUnicode_READ(kind, data, i + 1) == '#') {
            /* #digits; or #xhexdigits; */
            Py_ssize_t j = i + 2;
            const int hex = j < n && PyUnicode_READ(kind, data, j) == 'x';
            if (hex)
                j++;
            const Py_ssize_t d0 = j;
            uint32_t v = 0;
            int too_big = 0;
            while (j < n) {
                const Py_UCS4 d = PyUnicode_READ(kind, data, j);
                const int dv = hex ? hex_value(d) : (d >= '0' && d <= '9' ? (int)(d - '0') : -1);
                if (dv < 0)
                    break;
                if (!too_big) {
                    v = v * (hex ? 16u : 10u) + (uint32_t)dv;
                    if (v > 0x10FFFF)
                        too_big = 1;
                }
                j++;
            }
            if (j > d0 && j < n && PyUnicode_READ(kind, data, j) == ';') {
                if (too_big) {
                    PyMem_Free(buf);
                    Py_RETURN_NONE;          /* chr() would refuse it: Python says so */
                }
                buf[m++] = (Py_UCS4)v;
                i = j + 1;
                continue;
            }
            buf[m++] = c;                    /* no reference here: '&' as it is */
            i++;
            continue;
        }
        if (named_entity(kind, data, n, i + 1, &ch, &len)) {
            buf[m++] = ch;
            i += 1 + len;
            continue;
        }
        buf[m++] = c;
        i++;
    }
    PyObject *out = PyUnicode_FromKindAndData(PyUnicode_4BYTE_KIND, buf, m);
    PyMem_Free(buf);
    return out;
}

/*
 * formula_text(inner: str) -> str | None: values.normalize_formula(xlsxread.simple_formula(m))
 * for a cell whose inner XML is "<f>" + text + "</f>" (+ anything): the formula's entities
 * unescaped (as xml_unescape), the leading "=" dropped and, outside string literals,
 * letters upper-cased — in one pass, for the common formula: no whitespace and no "_x"
 * outside its string literals (so no _xlfn. prefix to drop and no spaces to fold) and,
 * outside them, only ASCII and characters no case mapping changes (CJK ideographs and
 * symbols, full-width digits and punctuation). None for anything else: Python normalises
 * it in full (tests/test_cellscan.py compares the two).
 */
static int
caseless(Py_UCS4 c)
{
    return (c >= 0x3000 && c <= 0x303F) || (c >= 0x3400 && c <= 0x4DBF) || (c >= 0x4E00 && c <= 0x9FFF)
           || (c >= 0xF900 && c <= 0xFAFF) || (c >= 0xFF01 && c <= 0xFF20) || (c >= 0xFF3B && c <= 0xFF40)
           || (c >= 0xFF5B && c <= 0xFF65);
}

static PyObject *
formula_text(PyObject *self, PyObject *inner)
{
    if (!PyUnicode_Check(inner)) {
        PyErr_SetString(PyExc_TypeError, "formula_text: a str is needed");
        return NULL;
    }
    const Py_ssize_t n = PyUnicode_GET_LENGTH(inner);
    const int kind = PyUnicode_KIND(inner);
    const void *data = PyUnicode_DATA(inner);
    if (n < 7 || PyUnicode_READ(kind, data, 0) != '<' || PyUnicode_READ(kind, data, 1) != 'f'
            || PyUnicode_READ(kind, data, 2) != '>')
        Py_RETURN_NONE;
    const Py_ssize_t end = PyUnicode_FindChar(inner, '<', 3, n, 1);
    if (end < 0 || end + 4 > n || PyUnicode_READ(kind, data, end + 1) != '/'
            || PyUnicode_READ(kind, data, end + 2) != 'f' || PyUnicode_READ(kind, data, end + 3) != '>')
        Py_RETURN_NONE;
    PyObject *piece = PyUnicode_Substring(inner, 3, end);
    if (piece == NULL)
        return NULL;
    PyObject *text = xml_unescape(NULL, piece);
    Py_DECREF(piece);
    if (text == NULL || text == Py_None)
        return text;
    const Py_ssize_t m = PyUnicode_GET_LENGTH(text);
    const int tk = PyUnicode_KIND(text);
    const void *td = PyUnicode_DATA(text);
    if (m == 0 || Py_UNICODE_ISSPACE(PyUnicode_READ(tk, td, 0)) || Py_UNICODE_ISSPACE(PyUnicode_READ(tk, td, m - 1))) {
        Py_DECREF(text);                    /* strip() has work to do (or nothing is left): Python */
        Py_RETURN_NONE;
    }
    Py_ssize_t i = PyUnicode_READ(tk, td, 0) == '=' ? 1 : 0;
    Py_UCS4 *buf = PyMem_Malloc((size_t)(m > 0 ? m : 1) * sizeof(Py_UCS4));
    if (buf == NULL) {
        Py_DECREF(text);
        return PyErr_NoMemory();
    }
    Py_ssize_t k = 0;
    int quoted = 0;
    for (; i < m; i++) {
        Py_UCS4 c = PyUnicode_READ(tk, td, i);
        if (c == '"') {
            quoted = !quoted;
        } else if (!quoted) {
            if (c >= 'a' && c <= 'z') {
                c -= 'a' - 'A';
            } else if (c == '_' && i + 1 < m && (PyUnicode_READ(tk, td, i + 1) == 'x'
                                                 || PyUnicode_READ(tk, td, i + 1) == 'X')) {
                goto python;                /* maybe a _xlfn. prefix to drop */
            } else if (c >= 0x80 ? !caseless(c) : Py_UNICODE_ISSPACE(c)) {
                goto python;                /* whitespace to fold, or a letter upper() may change */
            }
        }
        buf[k++] = c;
    }
    Py_DECREF(text);
    PyObject *out = PyUnicode_FromKindAndData(PyUnicode_4BYTE_KIND, buf, k);
    PyMem_Free(buf);
    return out;
python:
    Py_DECREF(text);
    PyMem_Free(buf);
    Py_RETURN_NONE;
}

static PyMethodDef methods[] = {
    {"scan_cells", scan_cells, METH_O,
     "scan_cells(data: bytes) -> list of (r, s, t, extra, inner): the raw reader's cell tokenizer."},
    {"scan_sheet", scan_sheet, METH_O,
     "scan_sheet(data: bytes) -> {address: (r, s, t, extra, inner)} | None: the lazy reader's fast path."},
    {"judge_inputs", judge_inputs, METH_VARARGS,
     "judge_inputs(cells, positions, fields, memo_of, raw, base, values, refused[, Decimal, memo_max]) -> indices left for Python."},
    {"merge_aligned", merge_aligned, METH_VARARGS,
     "merge_aligned(keys, base, master, regional, absent, Decimal, canon, Change): merge.merge_aligned's loop."},
    {"unsettled", unsettled, METH_VARARGS,
     "unsettled(expected, raw, memo, by_type) -> addresses the memo does not show unchanged."},
    {"decode_column", decode_column, METH_VARARGS,
     "decode_column(col, decode) -> list: the split record's base column decoded."},
    {"unknown_addresses", unknown_addresses, METH_VARARGS,
     "unknown_addresses(present, known) -> the addresses of present in none of known."},
    {"clear_cache", clear_cache, METH_NOARGS,
     "clear_cache(): forget the strings kept for reuse (a benchmark round starts cold)."},
    {"xml_unescape", xml_unescape, METH_O,
     "xml_unescape(text: str) -> str | None: the raw reader's XML entity pass (None: Python decides)."},
    {"formula_text", formula_text, METH_O,
     "formula_text(inner: str) -> str | None: a plain formula cell's normalised text (None: Python decides)."},
    {"sheet_refs", sheet_refs, METH_O,
     "sheet_refs(window: bytes) -> (top row, beyond XFD, top big cell row) | None: the preflight's sheet scan."},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef module = {
    PyModuleDef_HEAD_INIT, "_cellscan", "The raw reader's cell tokenizer in C (optional).", -1, methods,
};

PyMODINIT_FUNC
PyInit__cellscan(void)
{
    init_special();
    EMPTY = PyUnicode_FromStringAndSize("", 0);
    if (EMPTY == NULL)
        return NULL;
    for (size_t t = 0; t < N_TYPES; t++)
        if ((TYPE_OBJ[t] = PyUnicode_InternFromString(TYPES[t])) == NULL)
            return NULL;
    if ((S_INLINE = PyUnicode_InternFromString("inlineStr")) == NULL || (S_TEXT = PyUnicode_InternFromString("text")) == NULL
            || (S_SHARED = PyUnicode_InternFromString("s")) == NULL || (S_N = PyUnicode_InternFromString("n")) == NULL
            || (S_F = PyUnicode_InternFromString("<f")) == NULL
            || (S_NUMBER = PyUnicode_InternFromString("number")) == NULL
            || (S_INTEGER = PyUnicode_InternFromString("integer")) == NULL
            || (S_PERCENT = PyUnicode_InternFromString("percent")) == NULL
            || (S_DATE = PyUnicode_InternFromString("date")) == NULL)
        return NULL;
    return PyModule_Create(&module);
}
