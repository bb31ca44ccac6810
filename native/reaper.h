/* `bulwark-sandbox --reaper`: kills registered sandbox process groups when its caller dies. */
#ifndef BULWARK_REAPER_H
#define BULWARK_REAPER_H
int reaper_main(void);
#endif
