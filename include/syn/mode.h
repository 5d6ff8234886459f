/* mode.h -- the generation modes, one const row each (modalities/mode.c).
 *
 * A mode says what the decoders must produce for it (a grid, the semantic
 * axes, the words of a text part), when mode=auto picks it, and what it
 * makes.  Which targets serve a mode is the target's to say
 * (syn_modality.modes), so that a new modality never edits this table;
 * syn_mode_serves() and GET /v1 read both.  The option parser is the only
 * place that turns a mode's name into its syn_mode. */
#ifndef SYN_MODE_H
#define SYN_MODE_H

typedef enum syn_mode {
    SYN_MODE_AUTO = 0,
    SYN_MODE_SPECTRAL,
    SYN_MODE_SEMANTIC,
    SYN_MODE_SPEECH,
    SYN_MODE_COUNT
} syn_mode;

#define SYN_MODE_BIT(m) (1u << (m))

/* What a mode (or a target, syn_modality.needs) needs from the decoders. */
enum {
    SYN_NEED_GRID = 1,  /* the grid: a picture's pixels, a sound's spectrogram */
    SYN_NEED_SEM = 2,   /* the semantic axes                                   */
    SYN_NEED_WORDS = 4, /* the text of a text part (text decoders always keep it) */
};

/* When mode=auto picks a mode: rows are tried in table order, and the first
 * whose rule holds and which the target serves wins. */
typedef enum syn_auto_rule {
    SYN_AUTO_NEVER = 0, /* only when asked for                           */
    SYN_AUTO_SIGNAL,    /* a picture or a sound (a signal grid) is among the inputs */
    SYN_AUTO_ALWAYS,    /* the fallback                                  */
} syn_auto_rule;

typedef struct syn_moderow {
    const char *name; /* the mode option's value                        */
    unsigned needs;   /* SYN_NEED_*                                     */
    syn_auto_rule auto_rule;
    int grid_out;      /* 1: the output is the grid itself, drawn or played
                          (so a text part is drawn into one)           */
    int fresh_map;     /* 1: the output's map is made from the options,
                          not inherited: fmin and fmax are checked
                          against sample_rate before decoding          */
    const char *makes; /* what it makes, for messages and GET /v1        */
    const char *help;  /* one line for GET /v1                          */
} syn_moderow;

extern const syn_moderow syn_modes[SYN_MODE_COUNT];

/* The name of the i-th mode, NULL past the last (the option's choices). */
const char *syn_mode_choice(int i);

#endif
