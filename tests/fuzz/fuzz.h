/* fuzz.h -- what every libFuzzer target in tests/fuzz shares.
 *
 * A target defines LLVMFuzzerTestOneInput (and may define
 * LLVMFuzzerInitialize).  It checks properties of the code under test that
 * must hold for every input and calls FUZZ_CHECK, which aborts (a crash to
 * libFuzzer, which then saves the input) when one does not.  Memory errors
 * and undefined behaviour are caught by ASan and UBSan, which every
 * target is built with (ND_FUZZ=ON).
 */
#ifndef ND_FUZZ_H
#define ND_FUZZ_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerInitialize(int *argc, char ***argv);

#define FUZZ_CHECK(cond)                                                                   \
    do {                                                                                   \
        if (!(cond)) {                                                                     \
            fprintf(stderr, "%s:%d: property does not hold: %s\n", __FILE__, __LINE__, #cond); \
            abort();                                                                       \
        }                                                                                  \
    } while (0)

/* A NUL-terminated copy of the input (the parsers under test take C
 * strings); the caller frees it. */
static inline char *fuzz_cstr(const uint8_t *data, size_t size)
{
    char *s = malloc(size + 1);
    if (s == NULL) abort();
    for (size_t i = 0; i < size; i++) s[i] = (char)data[i];
    s[size] = '\0';
    return s;
}

#endif
