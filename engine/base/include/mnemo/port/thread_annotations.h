// Copyright (c) mnemo authors.
//
// Clang thread-safety annotations (-Wthread-safety): members say which
// lock guards them (GUARDED_BY), functions which locks they need held
// (REQUIRES) or must not hold (EXCLUDES). Clang checks them at compile
// time; other compilers see no-ops. The analysis only sees locks that are
// capabilities: use port::Mutex / port::SharedMutex (mnemo/port/mutex.h),
// not std::mutex, for annotated state.

#ifndef MNEMO_PORT_THREAD_ANNOTATIONS_H_
#define MNEMO_PORT_THREAD_ANNOTATIONS_H_

#if defined(__clang__)
#define MNEMO_THREAD_ANNOTATION(x) __attribute__((x))
#else
#define MNEMO_THREAD_ANNOTATION(x)
#endif

#define CAPABILITY(x) MNEMO_THREAD_ANNOTATION(capability(x))
#define SCOPED_CAPABILITY MNEMO_THREAD_ANNOTATION(scoped_lockable)
#define GUARDED_BY(x) MNEMO_THREAD_ANNOTATION(guarded_by(x))
#define PT_GUARDED_BY(x) MNEMO_THREAD_ANNOTATION(pt_guarded_by(x))
#define ACQUIRED_AFTER(...) MNEMO_THREAD_ANNOTATION(acquired_after(__VA_ARGS__))
#define ACQUIRED_BEFORE(...) \
  MNEMO_THREAD_ANNOTATION(acquired_before(__VA_ARGS__))
#define REQUIRES(...) \
  MNEMO_THREAD_ANNOTATION(requires_capability(__VA_ARGS__))
#define REQUIRES_SHARED(...) \
  MNEMO_THREAD_ANNOTATION(requires_shared_capability(__VA_ARGS__))
#define ACQUIRE(...) MNEMO_THREAD_ANNOTATION(acquire_capability(__VA_ARGS__))
#define ACQUIRE_SHARED(...) \
  MNEMO_THREAD_ANNOTATION(acquire_shared_capability(__VA_ARGS__))
#define RELEASE(...) MNEMO_THREAD_ANNOTATION(release_capability(__VA_ARGS__))
#define RELEASE_SHARED(...) \
  MNEMO_THREAD_ANNOTATION(release_shared_capability(__VA_ARGS__))
#define RELEASE_GENERIC(...) \
  MNEMO_THREAD_ANNOTATION(release_generic_capability(__VA_ARGS__))
#define TRY_ACQUIRE(...) \
  MNEMO_THREAD_ANNOTATION(try_acquire_capability(__VA_ARGS__))
#define EXCLUDES(...) MNEMO_THREAD_ANNOTATION(locks_excluded(__VA_ARGS__))
#define ASSERT_CAPABILITY(x) MNEMO_THREAD_ANNOTATION(assert_capability(x))
#define RETURN_CAPABILITY(x) MNEMO_THREAD_ANNOTATION(lock_returned(x))
#define NO_THREAD_SAFETY_ANALYSIS \
  MNEMO_THREAD_ANNOTATION(no_thread_safety_analysis)

#endif  // MNEMO_PORT_THREAD_ANNOTATIONS_H_
