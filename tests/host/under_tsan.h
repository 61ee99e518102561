/*
 * tests/host/under_tsan.h - UNDER_TSAN is defined when ThreadSanitizer
 * instruments this build (gcc says so with __SANITIZE_THREAD__, clang with
 * __has_feature): the threaded tests run fewer rounds and annotate there.
 */
#ifndef CAPROCK_TESTS_UNDER_TSAN_H
#define CAPROCK_TESTS_UNDER_TSAN_H

#if defined(__SANITIZE_THREAD__)
#define UNDER_TSAN 1
#elif defined(__has_feature)
#if __has_feature(thread_sanitizer)
#define UNDER_TSAN 1
#endif
#endif

#endif
