/* mode.c -- the mode table (syn/mode.h).
 *
 * convert.c resolves mode=auto and asks the decoders for what a row needs;
 * the modalities' encoders switch on syn_mode; the option parser takes the
 * rows' names as its choices; GET /v1 prints the rows and, for every source
 * and target in the registry, what auto picks. */
#include <stddef.h>
#include "syn/mode.h"

const syn_moderow syn_modes[SYN_MODE_COUNT] = {
    [SYN_MODE_AUTO] = {"auto", 0, SYN_AUTO_NEVER, 0, 0, "",
                       "spectral when a picture or sound is among the inputs and the target "
                       "serves it, semantic otherwise"},
    /* the grid travels: a picture is read as a spectrogram, a sound drawn as one */
    [SYN_MODE_SPECTRAL] = {"spectral", SYN_NEED_GRID, SYN_AUTO_SIGNAL, 1, 0,
                           "spectrograms and their sounds",
                           "a picture is read as a spectrogram and a sound drawn as one, "
                           "faithful and invertible"},
    /* the axes travel: music, a painting or a description is made from them */
    [SYN_MODE_SEMANTIC] = {"semantic", SYN_NEED_SEM, SYN_AUTO_ALWAYS, 0, 1,
                           "music, paintings and descriptions",
                           "mode=semantic on a picture or a sound paints or composes from its "
                           "semantic axes instead of its spectrogram"},
    /* the words travel; a picture or a sound says its description, which
     * reads the grid and the axes */
    [SYN_MODE_SPEECH] = {"speech", SYN_NEED_WORDS | SYN_NEED_GRID | SYN_NEED_SEM, SYN_AUTO_NEVER, 0,
                         0, "sound",
                         "mode=speech on /v1/generate/audio speaks the text part, or the "
                         "description of a picture or a sound, with voice=en|zh (default: the "
                         "language of the text)"},
};

const char *syn_mode_choice(int i)
{
    return i >= 0 && i < SYN_MODE_COUNT ? syn_modes[i].name : NULL;
}
