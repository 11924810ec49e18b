/* b64.c -- see b64.h. */
#include "util/b64.h"

/* A character's six bits plus one; 0 for a character outside the
 * alphabet ('=' included: only the padding may hold it, checked apart). */
static const unsigned char dec1[256] = {
    ['A'] = 1, ['B'] = 2, ['C'] = 3, ['D'] = 4, ['E'] = 5, ['F'] = 6, ['G'] = 7, ['H'] = 8,
    ['I'] = 9, ['J'] = 10, ['K'] = 11, ['L'] = 12, ['M'] = 13, ['N'] = 14, ['O'] = 15,
    ['P'] = 16, ['Q'] = 17, ['R'] = 18, ['S'] = 19, ['T'] = 20, ['U'] = 21, ['V'] = 22,
    ['W'] = 23, ['X'] = 24, ['Y'] = 25, ['Z'] = 26, ['a'] = 27, ['b'] = 28, ['c'] = 29,
    ['d'] = 30, ['e'] = 31, ['f'] = 32, ['g'] = 33, ['h'] = 34, ['i'] = 35, ['j'] = 36,
    ['k'] = 37, ['l'] = 38, ['m'] = 39, ['n'] = 40, ['o'] = 41, ['p'] = 42, ['q'] = 43,
    ['r'] = 44, ['s'] = 45, ['t'] = 46, ['u'] = 47, ['v'] = 48, ['w'] = 49, ['x'] = 50,
    ['y'] = 51, ['z'] = 52, ['0'] = 53, ['1'] = 54, ['2'] = 55, ['3'] = 56, ['4'] = 57,
    ['5'] = 58, ['6'] = 59, ['7'] = 60, ['8'] = 61, ['9'] = 62, ['+'] = 63, ['/'] = 64,
};

int b64_decode(const char *in, size_t n, unsigned char *out, size_t cap, size_t *len)
{
    const unsigned char *s = (const unsigned char *)in;
    *len = 0;
    if (n % 4 != 0) return C_ERR;
    /* the padding: at most two '=', only at the end */
    size_t pad = n >= 1 && s[n - 1] == '=' ? (n >= 2 && s[n - 2] == '=' ? 2 : 1) : 0;
    size_t outn = n / 4 * 3 - pad;
    if (outn > cap) return C_ERR;
    size_t o = 0;
    for (size_t i = 0; i < n; i += 4) {
        bool last = i + 4 == n;
        unsigned a = dec1[s[i]], b = dec1[s[i + 1]];
        unsigned c = last && pad == 2 ? 1 : dec1[s[i + 2]];
        unsigned d = last && pad >= 1 ? 1 : dec1[s[i + 3]];
        if (a == 0 || b == 0 || c == 0 || d == 0) return C_ERR;
        uint32_t v = (a - 1) << 18 | (b - 1) << 12 | (c - 1) << 6 | (d - 1);
        out[o++] = (unsigned char)(v >> 16);
        if (last && pad == 2) {
            if (v & 0xffff) return C_ERR; /* bits past the last byte */
            break;
        }
        out[o++] = (unsigned char)(v >> 8);
        if (last && pad == 1) {
            if (v & 0xff) return C_ERR;
            break;
        }
        out[o++] = (unsigned char)v;
    }
    *len = o;
    return C_OK;
}
