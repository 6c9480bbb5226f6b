/**
 * The one policy for untrusted text. Every string from the server (and from a process's
 * output) is untrusted: before it is shown anywhere, it goes through one of these.
 *
 * What is removed, everywhere the same:
 * - ANSI / VT escape sequences, whole: CSI (colours, cursor moves), OSC (titles, OSC 8
 *   hyperlinks), DCS, SOS, PM, APC, two-byte escapes, in their 7-bit and 8-bit forms;
 * - control characters: C0, DEL and C1, and the Unicode line and paragraph separators
 *   (U+2028, U+2029), but tab and newline where a function keeps them (multi-line text);
 * - the invisible characters that reorder or hide text (Trojan Source): bidirectional
 *   embeddings, overrides and isolates (U+202A-U+202E, U+2066-U+2069), the bidi marks
 *   (U+200E, U+200F, U+061C), and the BOM (U+FEFF).
 * Then the text is bounded to a named width (a cut ends with "…", within the width, never
 * in the middle of a surrogate pair).
 *
 * Only primitives become text: an object's toString is neither trusted nor called.
 */
import { stripVTControlCharacters } from 'node:util';

/**
 * How many characters a one-line label may take, by what it shows (a cut ends with "…",
 * within the width). Kubernetes bounds most of what Skaffold names (a DNS label is 63
 * characters), and the sidebar shows far less: these are for the tooltips, the accessible
 * labels and the log.
 */
export const Width = {
  /** A status word, a phase, a kind, a signal name: `In Progress`, `deployment`, `SIGTERM`. */
  status: 40,
  /** A session's label or the name at fault, where there is little room (status bar, a view's title). */
  label: 40,
  /** A host or address, a port, a namespace (Kubernetes: 63 characters). */
  address: 64,
  /** An error or status code (`STATUSCHECK_IMAGE_PULL_ERR`), an id. */
  code: 80,
  /** A name: an image, a resource, a pod, a container, a file (a tooltip shows more). */
  name: 120,
  /** One line of free text: a row's message, a suggestion, what started an iteration. */
  line: 300,
  /** A value in a tooltip, where there is room for more. */
  detail: 500,
  /** A whole message: an error in a tooltip, a notification, the Problems panel. */
  message: 1000,
} as const;

/** How much of a server string the state keeps (state/reducer.ts): past these, it is cut. */
export const Bound = {
  /** A status, a code, a platform, an address, a port or runtime name. */
  word: 128,
  /** A name: an artifact, a resource, a pod, a container, a namespace, a target platform list. */
  name: 512,
  /** A path (a container's working directory). */
  path: 1024,
  /** A message, a suggestion, Skaffold's own text. */
  text: 8192,
} as const;

/** Controls: C0, DEL, C1, and the line and paragraph separators. */
const CONTROLS = '\\u0000-\\u001f\\u007f-\\u009f\\u2028\\u2029';
/** Invisible characters that reorder or hide text: bidi embeddings, overrides, isolates, marks; the BOM. */
const INVISIBLES = '\\u061c\\u200e\\u200f\\u202a-\\u202e\\u2066-\\u2069\\ufeff';

/** The one character class of what is never shown (tab and newline included: see cleanText). */
export const UNSAFE_CHARACTER = new RegExp(`[${CONTROLS}${INVISIBLES}]`);

const INVISIBLE_RUN = new RegExp(`[${INVISIBLES}]+`, 'g');
/** What breaks a line: newline in multi-line text, a space in one line. */
const LINE_BREAK = /\r\n?|[\v\f\u0085\u2028\u2029]/g;
/** CONTROLS but tab and newline: what multi-line text loses. */
const CONTROLS_BUT_TAB_NEWLINE = '\\u0000-\\u0008\\u000b-\\u001f\\u007f-\\u009f\\u2028\\u2029';
/** CONTROLS but tab: what a log line loses. */
const CONTROLS_BUT_TAB = '\\u0000-\\u0008\\u000a-\\u001f\\u007f-\\u009f\\u2028\\u2029';
const CONTROL_BUT_TAB_NEWLINE = new RegExp(`[${CONTROLS_BUT_TAB_NEWLINE}]+`, 'g');
const CONTROL_BUT_TAB = new RegExp(`[${CONTROLS_BUT_TAB}]+`, 'g');
/** Whether there is anything to remove at all (the fast path: most text has nothing). */
const DIRTY_TEXT = new RegExp(`[${CONTROLS_BUT_TAB_NEWLINE}${INVISIBLES}]`);
const DIRTY_LINE = new RegExp(`[${CONTROLS_BUT_TAB}${INVISIBLES}]`);

/**
 * String sequences: OSC (ESC ]), DCS (ESC P), SOS (ESC X), PM (ESC ^), APC (ESC _) and their
 * 8-bit forms, up to BEL or ST, or to the end when unterminated. Node's
 * stripVTControlCharacters handles an OSC 8 hyperlink only when every character of its URL is
 * in a small set: `ESC]8;;https://x/a,b(1)!BEL` and `ESC]8;id=1;…` are left half in place, and
 * DCS is not handled at all. These go first, whole.
 */
const STRING_SEQUENCE = /(?:\u001b[\]PX^_]|[\u0090\u0098\u009d-\u009f])[^\u0007\u001b\u009c]*(?:\u0007|\u001b\\|\u009c)?/g;

/** A primitive as text; anything else (objects, symbols, functions, null, undefined) as ''. */
function primitive(value: unknown): string {
  switch (typeof value) {
    case 'string':
      return value;
    case 'number':
    case 'boolean':
    case 'bigint':
      return String(value);
    default:
      return '';
  }
}

/**
 * At most `width` characters: longer text is cut and ends with `ellipsis` (counted in the
 * width), never between the two halves of a surrogate pair.
 */
export function clip(text: string, width: number, ellipsis = '…'): string {
  if (text.length <= width) {
    return text;
  }
  const keep = Math.max(0, width - ellipsis.length);
  let s = text.slice(0, keep);
  if (/[\ud800-\udbff]$/.test(s)) {
    s = s.slice(0, -1);
  }
  return `${s}${ellipsis}`.slice(0, Math.max(0, width));
}

/** Escape sequences and invisible characters removed; controls left to the caller. */
function withoutSequences(text: string): string {
  return stripVTControlCharacters(text.replace(STRING_SEQUENCE, '')).replace(INVISIBLE_RUN, '');
}

/** Bounds the work on huge input: no more than this is cleaned to show `width` characters. */
function prefix(text: string, width: number): string {
  const most = width * 4 + 64;
  return text.length > most ? text.slice(0, most) : text;
}

/**
 * Untrusted multi-line text (an error's details, a message whose lines matter): escape
 * sequences and invisible characters removed; line breaks (CR LF, CR, VT, FF, NEL, U+2028,
 * U+2029) as newline; every other control but tab removed; at most `width` characters.
 */
export function cleanText(value: unknown, width: number): string {
  const text = primitive(value);
  if (text === '' || width <= 0) {
    return '';
  }
  const s = prefix(text, width);
  return clip(DIRTY_TEXT.test(s) ? withoutSequences(s).replace(LINE_BREAK, '\n').replace(CONTROL_BUT_TAB_NEWLINE, '') : s, width);
}

/**
 * Untrusted text as one line for a label, a description or a log line: cleanText's, with
 * every run of whitespace (line breaks and tabs included) as one space, trimmed; at most
 * `width` characters.
 */
export function oneLine(value: unknown, width: number): string {
  return cleanText(value, width).replace(/\s+/g, ' ').trim();
}

/**
 * As oneLine, but a longer text keeps its start and its end, with "…" between: for names whose
 * unique part is at the end (a pod's `-6d8f7c9b5-x2k4q`). The whole text is cleaned first: for
 * values the state bounded (Bound).
 */
export function oneLineElided(value: unknown, width: number): string {
  if (width < 3) {
    return oneLine(value, width);
  }
  const s = oneLine(value, Number.MAX_SAFE_INTEGER);
  if (s.length <= width) {
    return s;
  }
  const tail = Math.max(1, Math.floor((width - 1) / 3));
  return `${clip(s, width - 1 - tail, '')}…${s.slice(s.length - tail).replace(/^[\udc00-\udfff]/, '')}`;
}

/**
 * One line of a log, kept as it is written (tabs and runs of spaces stay): escape sequences,
 * invisible characters and every control but tab removed, at most `width` characters, a
 * longer line ending with `ellipsis` (counted in the width).
 */
export function cleanLine(value: unknown, width: number, ellipsis = '…'): string {
  const text = primitive(value);
  if (text === '' || width <= 0) {
    return '';
  }
  const s = prefix(text, width);
  return clip(DIRTY_LINE.test(s) ? withoutSequences(s).replace(CONTROL_BUT_TAB, '') : s, width, ellipsis);
}

/** Whether a string holds a character of UNSAFE_CHARACTER (tab and newline included). */
export function hasUnsafeCharacter(text: string): boolean {
  return UNSAFE_CHARACTER.test(text);
}

/**
 * A server value for the state, at the boundary (state/reducer.ts): a primitive as a string,
 * at most `width` characters; undefined for an empty string or anything else. Not cleaned:
 * the state keeps Skaffold's words (line breaks and all); what shows it cleans it.
 */
export function bounded(value: unknown, width: number): string | undefined {
  const s = clip(primitive(value), width);
  return s === '' ? undefined : s;
}

// --------------------------------------------------------------------------------- loopback

/** The four octets of a dotted IPv4 address, or undefined. */
function ipv4(text: string): number[] | undefined {
  const m = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.exec(text);
  const octets = m ? m.slice(1).map(Number) : undefined;
  return octets && octets.every((o) => o <= 255) ? octets : undefined;
}

/** The eight groups of an IPv6 address (`::` expanded, a dotted IPv4 tail as two groups), or undefined. */
function ipv6(text: string): number[] | undefined {
  let s = text;
  const tail = /^(.*:)(\d{1,3}(?:\.\d{1,3}){3})$/.exec(s);
  if (tail) {
    const o = ipv4(tail[2]);
    if (!o) {
      return undefined;
    }
    s = `${tail[1]}${((o[0] << 8) | o[1]).toString(16)}:${((o[2] << 8) | o[3]).toString(16)}`;
  }
  const halves = s.split('::');
  if (halves.length > 2) {
    return undefined;
  }
  const groups = (part: string) => (part === '' ? [] : part.split(':'));
  const head = groups(halves[0]);
  const rest = halves.length === 2 ? groups(halves[1]) : [];
  if (![...head, ...rest].every((g) => /^[0-9a-f]{1,4}$/i.test(g))) {
    return undefined;
  }
  const missing = 8 - head.length - rest.length;
  if (halves.length === 2 ? missing < 1 : missing !== 0) {
    return undefined;
  }
  return [...head, ...new Array<string>(halves.length === 2 ? missing : 0).fill('0'), ...rest].map((g) => parseInt(g, 16));
}

/**
 * The one loopback check: whether a host (no port; IPv6 with or without brackets) is this
 * machine: `localhost`, 127.0.0.0/8, ::1 in any spelling, and 127.0.0.0/8 mapped into IPv6
 * (::ffff:127.0.0.1). Anything else is not: text that is not a plain host
 * (`127.0.0.1@evil.example`, `localhost.evil.example`), and names under localhost
 * (`app.localhost`), which reach this machine only where the resolver says so.
 */
export function isLoopbackHost(host: string): boolean {
  if (typeof host !== 'string' || host.length === 0 || host.length > 253) {
    return false;
  }
  let h = host.toLowerCase();
  if (h.startsWith('[') && h.endsWith(']')) {
    h = h.slice(1, -1);
  }
  if (h === 'localhost') {
    return true;
  }
  const v4 = ipv4(h);
  if (v4) {
    return v4[0] === 127;
  }
  const v6 = h.includes(':') ? ipv6(h) : undefined;
  if (!v6) {
    return false;
  }
  const zeros = (n: number) => v6.slice(0, n).every((g) => g === 0);
  return (zeros(7) && v6[7] === 1) || (zeros(5) && v6[5] === 0xffff && v6[6] >> 8 === 127);
}
