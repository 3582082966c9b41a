/** Bounds on values app code hands to the helpers: longer ones are bugs, not names. */
export const MAX_NAME_LENGTH = 256;
