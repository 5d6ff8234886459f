/* harness.h -- what every unit-test binary shares: the modalities (FFT
 * plans, colour tables, fonts, espeak-ng) are set up once per group, as
 * the server does at start-up. */
#ifndef SYN_TEST_HARNESS_H
#define SYN_TEST_HARNESS_H

#include "syn/modality.h"

static int setup(void **state)
{
    (void)state;
    return syn_modalities_init();
}

static int teardown(void **state)
{
    (void)state;
    syn_modalities_fini();
    return 0;
}

#endif
