// Bounds on the SDP we read, so hostile input costs bounded work. Real offers are 0.3–3 KB with 1–3 m-lines;
// these limits are far above any telephone's SDP and far below what could hurt a Raspberry Pi.

/** Largest SDP body we read (a UDP SIP message cannot carry much more anyway). */
export const MAX_SDP_BYTES = 32 * 1024;
/** Most lines in one SDP. */
export const MAX_SDP_LINES = 1024;
/** Most `m=` sections in one SDP. */
export const MAX_MEDIA_SECTIONS = 32;
/** Most formats on one `m=` line (an RTP profile has 128 payload types at most). */
export const MAX_FORMATS = 128;
