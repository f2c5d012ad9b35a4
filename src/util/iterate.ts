/** Iterators taken apart and put back together. */

/**
 * An iterator's items again, starting with `first`, already taken from it (to learn whether a lazy
 * render fails before anything is written, say), then the rest of `rest`.
 */
export function* resumed<T>(first: IteratorResult<T>, rest: Iterator<T>): Generator<T> {
  for (let next = first; !next.done; next = rest.next()) yield next.value;
}
