/**
 * How deeply attribute values may nest arrays and key-value lists, in both encodings.
 * Real instrumentation nests a level or two; the cap keeps recursive decoding (and everything
 * downstream that walks values) far from the stack limit on hostile input.
 */
export const MAX_ATTRIBUTE_DEPTH = 16;
