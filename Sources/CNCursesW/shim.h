// ncurses with wide characters. NCURSES_WIDECHAR must be set before the header, or cchar_t and
// setcchar are missing. Function-like macros and mutable globals cannot be used from Swift (Swift 6
// rejects the globals as unsafe), so the few the backend needs get static inline accessors here.
#define NCURSES_WIDECHAR 1
#define _XOPEN_SOURCE_EXTENDED 1
#include <ncursesw/curses.h>
#include <locale.h>
#include <langinfo.h>

static inline WINDOW *CNCursesW_stdscr(void) { return stdscr; }
static inline WINDOW *CNCursesW_curscr(void) { return curscr; }
static inline int CNCursesW_colors(void) { return COLORS; }
static inline int CNCursesW_colorPairs(void) { return COLOR_PAIRS; }
static inline int CNCursesW_lines(void) { return LINES; }
static inline int CNCursesW_cols(void) { return COLS; }
static inline attr_t CNCursesW_bold(void) { return A_BOLD; }
static inline attr_t CNCursesW_reverse(void) { return A_REVERSE; }
static inline attr_t CNCursesW_dim(void) { return A_DIM; }
static inline attr_t CNCursesW_underline(void) { return A_UNDERLINE; }
static inline attr_t CNCursesW_normal(void) { return A_NORMAL; }
static inline mmask_t CNCursesW_mouseMask(void) {
    return BUTTON1_PRESSED | BUTTON1_CLICKED | BUTTON4_PRESSED | BUTTON5_PRESSED;
}
static inline int CNCursesW_isButton1(mmask_t s) { return (s & (BUTTON1_PRESSED | BUTTON1_CLICKED)) != 0; }
static inline int CNCursesW_isWheelUp(mmask_t s) { return (s & BUTTON4_PRESSED) != 0; }
static inline int CNCursesW_isWheelDown(mmask_t s) { return (s & BUTTON5_PRESSED) != 0; }
static inline int CNCursesW_isUTF8Locale(void) {
    const char *cs = nl_langinfo(CODESET);
    return cs && (cs[0] == 'U' || cs[0] == 'u') && (cs[1] == 'T' || cs[1] == 't') && (cs[2] == 'F' || cs[2] == 'f');
}
