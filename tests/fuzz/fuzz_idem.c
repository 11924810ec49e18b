/* fuzz_idem.c -- Idempotency-Key validation (idem_key_valid) and the
 * request hash (idem_hash).
 *
 * Properties: a key is valid exactly when it is 8-255 of [A-Za-z0-9_-]
 * (checked against a plain reading of API.md §2.2); the request hash is a
 * function of its inputs and separates action, resource and parameters. */
#include "fuzz.h"

#include <string.h>

#include "core/core.h"
#include "core/idem.h"

static bool spec_valid(const char *k)
{
    size_t n = strlen(k);
    if (n < 8 || n > 255) return false;
    for (size_t i = 0; i < n; i++) {
        char c = k[i];
        bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                  c == '_' || c == '-';
        if (!ok) return false;
    }
    return true;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *k = fuzz_cstr(data, size);
    FUZZ_CHECK(idem_key_valid(k) == spec_valid(k));

    /* split the input in three at the first two NULs or newlines */
    size_t a = strcspn(k, "\n"), len = strlen(k);
    const char *action = k, *resource = "", *params = "";
    if (a < len) {
        k[a] = '\0';
        resource = k + a + 1;
        size_t b = strcspn(resource, "\n");
        if (resource[b]) {
            k[a + 1 + b] = '\0';
            params = resource + b + 1;
        }
    }
    uint8_t h1[IDS_HASH_SZ], h2[IDS_HASH_SZ], h3[IDS_HASH_SZ];
    idem_hash(NULL, action, resource, params, strlen(params), h1);
    idem_hash(NULL, action, resource, params, strlen(params), h2);
    FUZZ_CHECK(memcmp(h1, h2, sizeof h1) == 0);
    /* moving a byte from the action to the resource changes the hash */
    if (action[0]) {
        char *r2 = malloc(strlen(resource) + 2);
        if (r2 == NULL) abort();
        r2[0] = action[strlen(action) - 1];
        strcpy(r2 + 1, resource);
        char *a2 = strdup(action);
        if (a2 == NULL) abort();
        a2[strlen(a2) - 1] = '\0';
        idem_hash(NULL, a2, r2, params, strlen(params), h3);
        FUZZ_CHECK(memcmp(h1, h3, sizeof h1) != 0);
        free(a2);
        free(r2);
    }
    free(k);
    return 0;
}
