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

static int
is_upper(char c) { return c >= 'A' && c <= 'Z'; }
static int
is_digit(char c) { return c >= '0' && c <= '9'; }
static int
is_alpha(char c) { return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z'); }

static PyObject *
scan_cells(PyObject *self, PyObject *arg)
{
    Py_buffer view;
    if (PyObject_GetBuffer(arg, &view, PyBUF_SIMPLE) < 0)
        return NULL;
    const char *buf = (const char *)view.buf;
    const Py_ssize_t n = view.len;
    PyObject *out = PyList_New(0);
    if (out == NULL)
        goto fail;

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
        PyObject *tup = PyTuple_New(5);
        if (tup == NULL)
            goto fail;
        PyObject *items[5] = {slice(buf, r0, r1), slice(buf, s0, s1), slice(buf, t0, t1), slice(buf, e0, e1),
                              in0 < 0 ? (Py_INCREF(EMPTY), EMPTY) : slice(buf, in0, in1)};
        for (int f = 0; f < 5; f++) {
            if (items[f] == NULL) {
                for (int g = 0; g < 5; g++) Py_XDECREF(items[g]);
                Py_DECREF(tup);
                goto fail;
            }
        }
        for (int f = 0; f < 5; f++)
            PyTuple_SET_ITEM(tup, f, items[f]);
        if (PyList_Append(out, tup) < 0) {
            Py_DECREF(tup);
            goto fail;
        }
        Py_DECREF(tup);
        i = end;
    }
    PyBuffer_Release(&view);
    return out;

fail:
    Py_XDECREF(out);
    PyBuffer_Release(&view);
    return NULL;
}

static PyMethodDef methods[] = {
    {"scan_cells", scan_cells, METH_O,
     "scan_cells(data: bytes) -> list of (r, s, t, extra, inner): the raw reader's cell tokenizer."},
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
    return PyModule_Create(&module);
}
