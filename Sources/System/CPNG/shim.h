#include <png.h>
#include <setjmp.h>
#include <stdio.h>
#include <string.h>

/* libpng reports errors by calling an error function that must not return: the default one
   longjmps to a jmp_buf the caller set, or aborts the process when there is none. Swift cannot
   setjmp, so the whole write lives here, in C, and an error comes back as a return value. */

typedef struct {
    jmp_buf jump;
    char message[256];
} lab_png_error_state;

static void lab_png_on_error(png_structp png, png_const_charp message) {
    lab_png_error_state *state = (lab_png_error_state *)png_get_error_ptr(png);
    snprintf(state->message, sizeof state->message, "%s", message);
    longjmp(state->jump, 1);
}

static void lab_png_on_warning(png_structp png, png_const_charp message) { (void)png; (void)message; }

/* Writes an 8-bit RGB image to an open file at the given zlib level. Returns 0, or 1 with the
   reason in `message`. The same libpng calls as before, so the bytes are unchanged. */
static inline int lab_png_write_rgb(FILE *file, const unsigned char *rgb, unsigned width, unsigned height,
                                    int level, char *message, size_t message_size) {
    lab_png_error_state state;
    state.message[0] = 0;
    png_structp png = png_create_write_struct(PNG_LIBPNG_VER_STRING, &state, lab_png_on_error, lab_png_on_warning);
    if (!png) { snprintf(message, message_size, "png_create_write_struct failed"); return 1; }
    png_infop info = png_create_info_struct(png);
    if (!info) { png_destroy_write_struct(&png, NULL); snprintf(message, message_size, "png_create_info_struct failed"); return 1; }
    if (setjmp(state.jump)) {
        png_destroy_write_struct(&png, &info);
        snprintf(message, message_size, "%s", state.message);
        return 1;
    }
    png_init_io(png, file);
    png_set_compression_level(png, level);
    png_set_IHDR(png, info, width, height, 8, PNG_COLOR_TYPE_RGB, PNG_INTERLACE_NONE,
                 PNG_COMPRESSION_TYPE_DEFAULT, PNG_FILTER_TYPE_DEFAULT);
    png_write_info(png, info);
    for (unsigned y = 0; y < height; y++) png_write_row(png, (png_const_bytep)(rgb + (size_t)y * width * 3));
    png_write_end(png, NULL);
    png_destroy_write_struct(&png, &info);
    return 0;
}
