// libpng's simplified API (png_image_*), which needs no setjmp (Debian: libpng-dev).
#include <png.h>
