// zlib's inflate, used to read gzip-compressed dataset files (Debian: zlib1g-dev).
#include <zlib.h>
