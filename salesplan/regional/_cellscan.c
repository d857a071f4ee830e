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
        PyObject *items[5] = {slice(buf, r0, r1), style_slice(buf, s0, s1), type_slice(buf, t0, t1),
                              slice(buf, e0, e1),
                              in0 < 0 ? (Py_INCREF(EMPTY), EMPTY) : slice(buf, in0, in1)};
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
    PyObject *out = PyDict_New();
    if (out != NULL && scan_into(buf, n, out, &count, &odd) < 0)
        Py_CLEAR(out);
    if (out != NULL && (odd || (count_of(buf, n, "<c") != count
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

/* Any spelling the fast patterns do not cover (preflight._UNUSUAL): whitespace before an
   attribute, spaces around '=', single quotes, prefixed elements. */
static int
unusual(const char *buf, Py_ssize_t n)
{
    static const char *const plain[] = {"\tr", "\nr", "\rr", ":row", ":c ", ":c>"};
    for (size_t t = 0; t < sizeof plain / sizeof plain[0]; t++)
        if (find(buf, n, plain[t], (Py_ssize_t)strlen(plain[t])) != NULL)
            return 1;
    /* "r='", "r =", "r= ": found by their rarer second and third bytes */
    static const char *const after_r[] = {"='", " =", "= "};
    for (size_t t = 0; t < 3; t++) {
        const char *h = buf;
        Py_ssize_t left = n;
        const char *q;
        while ((q = find(h, left, after_r[t], 2)) != NULL) {
            if (q > buf && q[-1] == 'r')
                return 1;
            left -= (q - h) + 1;
            h = q + 1;
        }
    }
    return 0;
}

/*
 * For a window of worksheet XML in the usual spelling, what the preflight's fast
 * patterns find:
 *   top row      max of  <row\b[^>]*? r="(\d+)"          (0: none)
 *   beyond       any     ' r="(?:[A-Z]{4,}|[YZ][A-Z]{2}|X[G-Z][A-Z]|XF[E-Z])\d'
 *   top big row  max of  ' r="[A-Z]{1,3}(\d{7,})'          (0: none)
 * None when the window has an unusual spelling or a number of more than 18 digits.
 */
static PyObject *
sheet_refs(PyObject *self, PyObject *arg)
{
    Py_buffer view;
    if (PyObject_GetBuffer(arg, &view, PyBUF_SIMPLE) < 0)
        return NULL;
    const char *buf = (const char *)view.buf;
    const Py_ssize_t n = view.len;
    if (unusual(buf, n)) {
        PyBuffer_Release(&view);
        Py_RETURN_NONE;
    }
    const char *top = NULL, *big = NULL;
    Py_ssize_t ntop = 0, nbig = 0;
    int beyond = 0, too_long = 0;

    /* row tags: the first ' r="digits"' before the tag's '>' */
    Py_ssize_t i = 0;
    const char *p;
    while (i < n && (p = find(buf + i, n - i, "<row", 4)) != NULL) {
        Py_ssize_t j = (p - buf) + 4;
        i = (p - buf) + 1;
        if (j < n && is_word(buf[j]))
            continue;                                   /* <rows…: no \b */
        for (; j + 4 <= n && buf[j] != '>'; j++) {
            if (memcmp(buf + j, " r=\"", 4) != 0)
                continue;
            Py_ssize_t k = j + 4;
            const Py_ssize_t d0 = k;
            while (k < n && is_digit(buf[k])) k++;
            if (k == d0 || k >= n || buf[k] != '"')
                continue;                               /* the lazy [^>]*? moves on */
            if (k - d0 > MAX_DIGITS)
                too_long = 1;
            else if (top == NULL || digits_greater(buf + d0, k - d0, top, ntop)) {
                top = buf + d0;
                ntop = k - d0;
            }
            i = k + 1;                                  /* findall resumes after the match */
            break;
        }
    }
    /* cell references */
    i = 0;
    while (i < n && (p = find(buf + i, n - i, " r=\"", 4)) != NULL) {
        Py_ssize_t k = (p - buf) + 4;
        i = k;
        const Py_ssize_t l0 = k;
        while (k < n && is_upper(buf[k])) k++;
        const Py_ssize_t nl = k - l0;
        const Py_ssize_t d0 = k;
        while (k < n && is_digit(buf[k])) k++;
        const Py_ssize_t nd = k - d0;
        if (nd == 0)
            continue;
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
    }
    PyObject *res = too_long ? (Py_INCREF(Py_None), Py_None)
        : Py_BuildValue("(LOL)", top ? digits_value(top, ntop) : 0LL, beyond ? Py_True : Py_False,
                        big ? digits_value(big, nbig) : 0LL);
    PyBuffer_Release(&view);
    return res;
}

static PyMethodDef methods[] = {
    {"scan_cells", scan_cells, METH_O,
     "scan_cells(data: bytes) -> list of (r, s, t, extra, inner): the raw reader's cell tokenizer."},
    {"scan_sheet", scan_sheet, METH_O,
     "scan_sheet(data: bytes) -> {address: (r, s, t, extra, inner)} | None: the lazy reader's fast path."},
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
    EMPTY = PyUnicode_FromStringAndSize("", 0);
    if (EMPTY == NULL)
        return NULL;
    for (size_t t = 0; t < N_TYPES; t++)
        if ((TYPE_OBJ[t] = PyUnicode_InternFromString(TYPES[t])) == NULL)
            return NULL;
    return PyModule_Create(&module);
}
