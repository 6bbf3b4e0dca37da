// Long background passes (encoding a million images, a projection) share the cores with the thread
// that draws the explorer's frames; at a lower priority they give way whenever a key arrives. Swift
// cannot reach gettid, hence this file.
#define _GNU_SOURCE
#include "CKThread.h"
#if defined(__linux__)
#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>
int ck_lower_thread_priority(int increment) {
    pid_t tid = (pid_t)syscall(SYS_gettid);
    int current = getpriority(PRIO_PROCESS, (id_t)tid);
    return setpriority(PRIO_PROCESS, (id_t)tid, current + increment);
}
#else
int ck_lower_thread_priority(int increment) { (void)increment; return -1; }
#endif
