/*
 * _leanzip: the preflight's in-memory fast path in C (optional; see preflight._preflight_in_memory).
 *
 * inflate_checked(buf, max_entries, max_uncompressed, max_ratio)
 *     -> (names, compress_sizes, contents) | None
 *
 * For an .xlsx held in memory (``buf``) whose zip has the plain layout LeanZip reads
 * (one disk, no zip64, stored or deflated entries, local headers where the central
 * directory says, no overlapping entries): every check the preflight runs on the
 * archive and on each part *except* the structural and worksheet ones, and every entry
 * inflated and CRC-checked. It returns the entry names (in order), their compressed
 * sizes and their bytes when *all* of these hold:
 *
 *   - at most ``max_entries`` entries, at most 256 (more: Python decides);
 *   - names ASCII, not empty, no leading "/" or "\", no "\" or NUL, no drive letter,
 *     no ".." part, no two equal ignoring case;
 *   - no entry encrypted; declared sizes summing to at most ``max_uncompressed``; no
 *     entry over 1 MiB expanding more than ``max_ratio`` times;
 *   - every entry inflates to exactly its declared size with the declared CRC-32;
 *   - every XML part (.xml, .rels, .vml) is UTF-8 (no UTF-16 mark or start, an XML
 *     declaration naming no other encoding) and holds no "<!" + spaces + DOCTYPE/ENTITY.
 *
 * Otherwise None, with no error: the Python preflight then runs as before and names
 * what is wrong. So this path may refuse more than Python (it then falls back) but never
 * accepts what Python would refuse (tests/test_preflight.py checks the two agree on
 * hostile files and on random damage). It reads only inside ``buf`` and inflates at
 * most the declared size + 1 byte of an entry.
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <string.h>
#include <stdint.h>
#include <zlib.h>

#define MAX_FAST_ENTRIES 256
#define EOCD_SIZE 22
#define CENTRAL_SIZE 46
#define LOCAL_SIZE 30
#define BIG_ENTRY (1 << 20)

static uint16_t u16(const unsigned char *p) { return (uint16_t)(p[0] | (p[1] << 8)); }
static uint32_t u32(const unsigned char *p)
{
    return (uint32_t)p[0] | ((uint32_t)p[1] << 8) | ((uint32_t)p[2] << 16) | ((uint32_t)p[3] << 24);
}

typedef struct {
    const unsigned char *name;
    Py_ssize_t name_len;
    uint32_t crc, csize, usize;
    uint16_t flags, method;
    Py_ssize_t offset, start;       /* local header; data */
} Entry;

static int
ascii_lower_equal(const unsigned char *a, const unsigned char *b, Py_ssize_t n)
{
    for (Py_ssize_t i = 0; i < n; i++) {
        unsigned char x = a[i], y = b[i];
        if (x >= 'A' && x <= 'Z') x = (unsigned char)(x + 32);
        if (y >= 'A' && y <= 'Z') y = (unsigned char)(y + 32);
        if (x != y)
            return 0;
    }
    return 1;
}

/* preflight._check_name's rules, on an ASCII name (1: fine) */
static int
name_ok(const unsigned char *s, Py_ssize_t n)
{
    if (n == 0 || s[0] == '/' || s[0] == '\\')
        return 0;
    if (n >= 2 && s[1] == ':' && ((s[0] >= 'A' && s[0] <= 'Z') || (s[0] >= 'a' && s[0] <= 'z')))
        return 0;
    Py_ssize_t part = 0;            /* start of the current "/" part */
    for (Py_ssize_t i = 0; i <= n; i++) {
        if (i < n && (s[i] == '\\' || s[i] == 0 || s[i] >= 0x80))
            return 0;
        if (i == n || s[i] == '/') {
            if (i - part == 2 && s[part] == '.' && s[part + 1] == '.')
                return 0;
            part = i + 1;
        }
    }
    return 1;
}

static int
is_xml_part(const unsigned char *s, Py_ssize_t n)
{
    static const char *const ends[] = {".xml", ".rels", ".vml"};
    for (int k = 0; k < 3; k++) {
        const Py_ssize_t m = (Py_ssize_t)strlen(ends[k]);
        if (n >= m && ascii_lower_equal(s + n - m, (const unsigned char *)ends[k], m))
            return 1;
    }
    return 0;           /* ("[Content_Types].xml" ends with .xml) */
}

static int
is_space(unsigned char c)
{
    return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v';
}

/* the part is UTF-8 by its head (preflight._check_xml_head on the first 256 bytes) and
   declares no DTD or entity anywhere (preflight._DTD): 1 fine, 0 not */
static int
xml_ok(const unsigned char *d, Py_ssize_t n)
{
    if (n >= 2 && ((d[0] == 0xff && d[1] == 0xfe) || (d[0] == 0xfe && d[1] == 0xff)
                   || (d[0] == '<' && d[1] == 0) || (d[0] == 0 && d[1] == '<')))
        return 0;
    Py_ssize_t i = (n >= 3 && d[0] == 0xef && d[1] == 0xbb && d[2] == 0xbf) ? 3 : 0;
    const Py_ssize_t head_end = n < 256 ? n : 256;
    while (i < head_end && is_space(d[i]))
        i++;
    if (head_end - i >= 5 && memcmp(d + i, "<?xml", 5) == 0) {
        /* the declaration up to its '>' within the head; an "encoding" in it must be UTF-8 */
        Py_ssize_t e = i;
        while (e < head_end && d[e] != '>')
            e++;
        /* every "encoding" in it (the preflight's pattern takes the last one it can) */
        for (Py_ssize_t k = i; k + 8 <= e; k++) {
            if (memcmp(d + k, "encoding", 8) != 0)
                continue;
            Py_ssize_t v = k + 8;
            while (v < e && is_space(d[v])) v++;
            if (v >= e || d[v] != '=')
                return 0;
            v++;
            while (v < e && is_space(d[v])) v++;
            if (v >= e || (d[v] != '"' && d[v] != '\''))
                return 0;
            const unsigned char q = d[v++];
            Py_ssize_t w = v;
            while (w < e && d[w] != q) w++;
            if (w >= e)
                return 0;
            const Py_ssize_t len = w - v;
            if (!((len == 5 && ascii_lower_equal(d + v, (const unsigned char *)"utf-8", 5))
                  || (len == 5 && ascii_lower_equal(d + v, (const unsigned char *)"utf_8", 5))
                  || (len == 4 && ascii_lower_equal(d + v, (const unsigned char *)"utf8", 4))))
                return 0;
            k = w;
        }
    }
    /* "<!": found by its '!', which is rare in XML (a memchr for every '<' is not) */
    for (const unsigned char *p = d + 1; p < d + n && (p = memchr(p, '!', (size_t)(d + n - p))) != NULL; p++) {
        if (p[-1] != '<')
            continue;
        const unsigned char *q = p + 1;
        while (q < d + n && is_space(*q)) q++;
        if ((d + n - q >= 7 && ascii_lower_equal(q, (const unsigned char *)"doctype", 7))
            || (d + n - q >= 6 && ascii_lower_equal(q, (const unsigned char *)"entity", 6)))
            return 0;
    }
    return 1;
}

/* the entry inflated to exactly its declared size with its CRC-32: a new bytes, or NULL
   (no error set: not so; an error set: out of memory) */
static PyObject *
inflate_entry(const unsigned char *buf, const Entry *e)
{
    PyObject *out = PyBytes_FromStringAndSize(NULL, (Py_ssize_t)e->usize);
    if (out == NULL)
        return NULL;
    unsigned char *dst = (unsigned char *)PyBytes_AS_STRING(out);
    if (e->method == 0) {
        memcpy(dst, buf + e->start, e->usize);
    } else {
        z_stream z;
        memset(&z, 0, sizeof z);
        if (inflateInit2(&z, -15) != Z_OK) {
            Py_DECREF(out);
            return NULL;
        }
        unsigned char extra;        /* one byte past the declared size: a lying size shows */
        z.next_in = (unsigned char *)(buf + e->start);
        z.avail_in = e->csize;
        z.next_out = dst;
        z.avail_out = e->usize;
        int rc = inflate(&z, Z_FINISH);
        if (rc != Z_STREAM_END && z.avail_out == 0 && rc != Z_DATA_ERROR) {
            z.next_out = &extra;
            z.avail_out = 1;
            rc = inflate(&z, Z_FINISH);
        }
        const int ok = rc == Z_STREAM_END && z.total_out == e->usize;
        inflateEnd(&z);
        if (!ok) {
            Py_DECREF(out);
            return NULL;
        }
    }
    if ((uint32_t)crc32(0L, dst, e->usize) != e->crc) {
        Py_DECREF(out);
        return NULL;
    }
    return out;
}

static int
by_offset(const void *a, const void *b)
{
    const Entry *x = *(const Entry *const *)a, *y = *(const Entry *const *)b;
    return (x->offset > y->offset) - (x->offset < y->offset);
}

static PyObject *
inflate_checked(PyObject *self, PyObject *args)
{
    Py_buffer view;
    Py_ssize_t max_entries;
    long long max_uncompressed;
    double max_ratio;
    if (!PyArg_ParseTuple(args, "y*nLd", &view, &max_entries, &max_uncompressed, &max_ratio))
        return NULL;
    const unsigned char *buf = (const unsigned char *)view.buf;
    const Py_ssize_t size = view.len;
    Entry entries[MAX_FAST_ENTRIES];
    Entry *order[MAX_FAST_ENTRIES];
    PyObject *names = NULL, *csizes = NULL, *contents = NULL, *result = NULL;

    /* the last end-of-central-directory signature (as LeanZip.parse's rfind), which must
       leave room for the record and be followed by exactly its comment */
    Py_ssize_t at = -1;
    const Py_ssize_t lowest = size - EOCD_SIZE - 0xFFFF > 0 ? size - EOCD_SIZE - 0xFFFF : 0;
    for (Py_ssize_t k = size - 4; k >= lowest; k--)
        if (buf[k] == 'P' && buf[k + 1] == 'K' && buf[k + 2] == 5 && buf[k + 3] == 6) { at = k; break; }
    if (at < 0 || at + EOCD_SIZE > size)
        goto fallback;
    const unsigned char *eocd = buf + at;
    const uint32_t n = u16(eocd + 10), cd_size = u32(eocd + 12), cd_off = u32(eocd + 16);
    if (u16(eocd + 4) || u16(eocd + 6) || u16(eocd + 8) != n || n == 0xFFFF || cd_off == 0xFFFFFFFFu
            || cd_size == 0xFFFFFFFFu || at + EOCD_SIZE + u16(eocd + 20) != size
            || (Py_ssize_t)cd_off + (Py_ssize_t)cd_size > at)
        goto fallback;
    if (n > MAX_FAST_ENTRIES || (Py_ssize_t)n > max_entries)
        goto fallback;
    Py_ssize_t pos = cd_off;
    const Py_ssize_t end = (Py_ssize_t)cd_off + cd_size;
    long long total = 0;
    for (uint32_t i = 0; i < n; i++) {
        if (pos + CENTRAL_SIZE > end)
            goto fallback;
        const unsigned char *c = buf + pos;
        Entry *e = &entries[i];
        if (memcmp(c, "PK\1\2", 4) != 0)
            goto fallback;
        e->flags = u16(c + 8);
        e->method = u16(c + 10);
        e->crc = u32(c + 16);
        e->csize = u32(c + 20);
        e->usize = u32(c + 24);
        const uint16_t nlen = u16(c + 28), xlen = u16(c + 30), clen = u16(c + 32);
        e->offset = u32(c + 42);
        if ((e->method != 0 && e->method != 8) || e->csize == 0xFFFFFFFFu || e->usize == 0xFFFFFFFFu
                || (uint32_t)e->offset == 0xFFFFFFFFu || (e->flags & 0x1))
            goto fallback;
        e->name = c + CENTRAL_SIZE;
        e->name_len = nlen;
        pos += CENTRAL_SIZE + nlen + xlen + clen;
        if (pos > end || e->offset + LOCAL_SIZE > (Py_ssize_t)cd_off)
            goto fallback;
        const unsigned char *l = buf + e->offset;
        if (e->offset + LOCAL_SIZE + nlen > size || memcmp(l, "PK\3\4", 4) != 0 || u16(l + 26) != nlen
                || memcmp(l + LOCAL_SIZE, e->name, nlen) != 0)
            goto fallback;
        e->start = e->offset + LOCAL_SIZE + nlen + u16(l + 28);
        if (e->start + (Py_ssize_t)e->csize > (Py_ssize_t)cd_off || (e->method == 0 && e->csize != e->usize))
            goto fallback;
        if (!name_ok(e->name, e->name_len))
            goto fallback;
        for (uint32_t j = 0; j < i; j++)
            if (entries[j].name_len == e->name_len && ascii_lower_equal(entries[j].name, e->name, e->name_len))
                goto fallback;
        total += e->usize;
        if (total > max_uncompressed)
            goto fallback;
        if (e->usize > BIG_ENTRY && (double)e->usize > max_ratio * (double)(e->csize > 0 ? e->csize : 1))
            goto fallback;
        order[i] = e;
    }
    if (pos != end)
        goto fallback;
    qsort(order, n, sizeof order[0], by_offset);
    for (uint32_t i = 1; i < n; i++)
        if (order[i]->offset < order[i - 1]->start + (Py_ssize_t)order[i - 1]->csize)
            goto fallback;              /* overlapping entries */

    if ((names = PyTuple_New(n)) == NULL || (csizes = PyList_New(n)) == NULL || (contents = PyList_New(n)) == NULL)
        goto fail;
    for (uint32_t i = 0; i < n; i++) {
        const Entry *e = &entries[i];
        PyObject *name = PyUnicode_DecodeASCII((const char *)e->name, e->name_len, "strict");
        if (name == NULL)
            goto fail;
        PyTuple_SET_ITEM(names, i, name);
        PyObject *cs = PyLong_FromUnsignedLong(e->csize);
        if (cs == NULL)
            goto fail;
        PyList_SET_ITEM(csizes, i, cs);
        PyObject *data = inflate_entry(buf, e);
        if (data == NULL) {
            if (PyErr_Occurred())
                goto fail;
            goto fallback;
        }
        PyList_SET_ITEM(contents, i, data);
        if (is_xml_part(e->name, e->name_len)
                && !xml_ok((const unsigned char *)PyBytes_AS_STRING(data), PyBytes_GET_SIZE(data)))
            goto fallback;
    }
    result = PyTuple_Pack(3, names, csizes, contents);
    goto done;

fallback:
    result = Py_None;
    Py_INCREF(result);
    goto done;
fail:
    result = NULL;
done:
    Py_XDECREF(names);
    Py_XDECREF(csizes);
    Py_XDECREF(contents);
    PyBuffer_Release(&view);
    return result;
}

static PyMethodDef methods[] = {
    {"inflate_checked", inflate_checked, METH_VARARGS,
     "inflate_checked(buf, max_entries, max_uncompressed, max_ratio) -> (names, compress_sizes, contents) | None"},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef module = {
    PyModuleDef_HEAD_INIT, "_leanzip", "The preflight's in-memory fast path in C (optional).", -1, methods,
    NULL, NULL, NULL, NULL,
};

PyMODINIT_FUNC
PyInit__leanzip(void)
{
    return PyModule_Create(&module);
}
