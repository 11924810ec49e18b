/* common.h -- status codes, allocation, small helpers shared by every module.
 *
 * Every function in numberd that can fail returns C_OK or C_ERR (or a
 * module-specific negative code documented in its header) and writes its
 * results through out-parameters.  Allocation failure is not an error that
 * callers handle: xmalloc() and friends abort the process, because a server
 * that cannot allocate 100 bytes cannot do anything useful either.
 */
#ifndef ND_COMMON_H
#define ND_COMMON_H

#include <stddef.h>
#include <stdint.h>
#include <stdbool.h>

#define C_OK 0
#define C_ERR (-1)

#define ND_ARRAY_LEN(a) (sizeof(a) / sizeof((a)[0]))
#define ND_UNUSED(x) ((void)(x))

#if defined(__GNUC__)
#define ND_PRINTF(f, a) __attribute__((format(printf, f, a)))
#define ND_NORETURN __attribute__((noreturn))
/* inlined whatever the optimizer weighs: for a caller's constants to
 * reach it (jw_key's literal keys) */
#define ND_ALWAYS_INLINE inline __attribute__((always_inline))
#else
#define ND_PRINTF(f, a)
#define ND_NORETURN
#define ND_ALWAYS_INLINE inline
#endif

/* Allocation: never return NULL; abort with a message on failure.
 * The caller owns the returned memory and frees it with free(). */
void *xmalloc(size_t n);
void *xcalloc(size_t nmemb, size_t size);
void *xrealloc(void *p, size_t n);
char *xstrdup(const char *s);
char *xstrndup(const char *s, size_t n);
/* printf into a fresh allocation (caller frees). */
char *xasprintf(const char *fmt, ...) ND_PRINTF(1, 2);

/* Gives the malloc arena's free memory back to the system (glibc's
 * malloc_trim); nothing under AddressSanitizer, whose allocator replaces
 * glibc's: there malloc_trim walks an arena never set up, and crashes. */
void nd_malloc_trim(void);

ND_NORETURN void nd_panic(const char *fmt, ...) ND_PRINTF(1, 2);
/* The exit status a process that stops in order owes all the same (a
 * fault seen on the way, which its supervisor must see as a failure: 70,
 * EX_SOFTWARE); 0 until set.  Any thread. */
void nd_exit_code_set(int code);
int nd_exit_code(void);

/* ASCII-only helpers: locale-independent on purpose. */
static inline bool nd_isdigit(int c) { return c >= '0' && c <= '9'; }
static inline bool nd_isalpha(int c) { return (c | 0x20) >= 'a' && (c | 0x20) <= 'z'; }
static inline bool nd_isalnum(int c) { return nd_isdigit(c) || nd_isalpha(c); }
static inline int nd_toupper(int c) { return (c >= 'a' && c <= 'z') ? c - 32 : c; }
static inline int nd_tolower(int c) { return (c >= 'A' && c <= 'Z') ? c + 32 : c; }
int nd_strcasecmp(const char *a, const char *b);
/* FNV-1a (32 bits) of n bytes: a spread, not a defence against chosen
 * keys (the router's segment signatures, the kept answers' sets). */
static inline uint32_t nd_fnv1a(const void *p, size_t n)
{
    const unsigned char *s = p;
    uint32_t h = 2166136261u;
    for (size_t i = 0; i < n; i++) h = (h ^ s[i]) * 16777619u;
    return h;
}
bool nd_all_digits(const char *s, size_t n);
/* The n strings of parts, one after another, into dst of cap bytes (cap >
 * 0), cut to fit and NUL-terminated; the length written.  snprintf("%s%s")
 * without the format machinery: a list renders two paths a row. */
size_t nd_join(char *dst, size_t cap, const char *const *parts, size_t n);
/* dst must be an array (its size is the cap), not a pointer */
#define ND_JOIN(dst, ...)                                                                  \
    (ND_JOIN_IS_ARRAY(dst),                                                                \
     nd_join((dst), sizeof(dst), (const char *const[]){__VA_ARGS__},                       \
             sizeof((const char *const[]){__VA_ARGS__}) / sizeof(const char *)))
#define ND_JOIN_IS_ARRAY(a)                                                                \
    (void)sizeof(struct {                                                                  \
        int nd_join_wants_an_array : __builtin_types_compatible_p(__typeof__(a), __typeof__(&(a)[0])) ? -1 : 1; \
    })

/* Puts the calling thread (only it: Linux schedules threads one by one)
 * below the request threads, for a bulk load that nobody is answered
 * from until it is done.  ND_BACKGROUND_NICE: at 10 such a thread gets
 * ~10 % of a busy core beside one request thread (CFS weights 110 and
 * 1,024), and the whole core when the server is idle.  Not reversible
 * without privilege: give it a thread of its own. */
#define ND_BACKGROUND_NICE 10
void nd_thread_background(void);

#endif
