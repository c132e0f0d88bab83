/** An element known to be there (an index within bounds, a pool cycled through): throws rather than lets undefined in. */
export function itemAt<T>(items: readonly T[], index: number): T {
  const item = items[index];
  if (item === undefined) throw new RangeError(`no item at ${index} of ${items.length}`);
  return item;
}
