// libjpeg-turbo's TurboJPEG API, which reports errors by return code, not longjmp (Debian: libturbojpeg0-dev).
#include <turbojpeg.h>
