#ifndef CK_THREAD_H
#define CK_THREAD_H

/// Lowers the calling thread's scheduling priority by `increment` nice levels (Linux schedules threads
/// one by one); returns 0, or -1 where the system has no per-thread priority.
int ck_lower_thread_priority(int increment);

#endif
