/* lf_image.c -- libFuzzer harness: the image modality's decode (lf_decode.h
 * says how the first byte picks the variant; the rest is the file). */
#include "lf_decode.h"

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    lf_init_modalities();
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    return lf_decode_one("image", data, size);
}
